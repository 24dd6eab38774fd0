/** `tcpkit proxy`: a SOCKS5 and HTTP proxy on one port, with logins and destination rules. */
import type { ProxyCommand } from "../cli/proxy_args.ts";
import { Destinations } from "../net/destinations.ts";
import { Gate } from "../net/gate.ts";
import { listen } from "../net/listen.ts";
import type { Reporter } from "../report.ts";
import { proxyHandler } from "../server/proxy.ts";
import { runServer } from "../server/server.ts";

/** What proxy reports to; main.ts gives it stderr and the signals. */
export interface ProxyIO {
  /** Where events and errors are reported (stderr). */
  reporter: Reporter;
  /** Aborted on SIGTERM or SIGINT: stop accepting, drain, close the rest, summarise, exit 0. */
  signal?: AbortSignal;
}

/**
 * Runs the proxy until a signal stops it.
 *
 * @returns 0 once stopped
 * @throws what listening failed with
 */
export async function proxy(command: ProxyCommand, io: ProxyIO): Promise<number> {
  const { reporter } = io;
  const listening = await listen(command.listen);
  const gate = command.access.allow.length + command.access.deny.length > 0
    ? new Gate({ allow: command.access.allow, deny: command.access.deny })
    : undefined;
  const destinations = new Destinations(command.allowTo, command.denyTo);
  const rules = [
    ...command.allowTo.map((r) => `--allow-to ${r.text}`),
    ...command.denyTo.map((r) => `--deny-to ${r.text}`),
  ];
  reporter.event(
    "listening",
    {
      address: listening.address,
      port: listening.port ?? null,
      protocols: ["socks5", "http"],
      auth: command.auth.length > 0,
      ...(gate ? { access: gate.describe() } : {}),
      destinations: rules,
      ...(command.proxy ? { upstream: command.proxy.text } : {}),
    },
    `listening on ${listening.address}${listening.scope ? ` ${listening.scope}` : ""}: ` +
      `SOCKS5 and HTTP proxy` + (command.auth.length > 0 ? ", login required" : "") +
      (gate ? `; ${gate.describe()}` : "") + (rules.length ? `; ${rules.join(", ")}` : "") +
      (command.proxy ? `; through ${command.proxy.text}` : ""),
    true,
  );
  try {
    return await runServer({
      listening,
      handler: proxyHandler({
        auth: command.auth,
        destinations,
        dial: {
          timeoutMs: command.timeoutMs,
          family: command.family,
          numeric: command.numeric,
          proxy: command.proxy,
        },
        handshakeTimeoutMs: command.handshakeTimeoutMs,
        reporter,
      }),
      reporter,
      keepOpen: true,
      idleTimeoutMs: command.idleTimeoutMs,
      signal: io.signal,
      drainMs: command.drainMs,
      gate,
      maxConns: command.access.maxConns,
    });
  } finally {
    listening.close();
  }
}
