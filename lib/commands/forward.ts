/** `tcpkit forward`: a port forwarder (socat's TCP-LISTEN,fork TCP:…), with access control. */
import type { ForwardCommand, UdpForwardCommand } from "../cli/args.ts";
import { formatEndpoint } from "../net/endpoint.ts";
import { Gate } from "../net/gate.ts";
import { listen } from "../net/listen.ts";
import type { Reporter } from "../report.ts";
import { FORWARD_DIRECTIONS, forwardHandler } from "../server/forward.ts";
import { runServer } from "../server/server.ts";
import {
  certificateNames,
  clientAddress,
  clientTlsOptions,
  serverTlsOptions,
} from "./tls_options.ts";

/** What forward reports to; main.ts gives it stderr and the signals. */
export interface ForwardIO {
  /** Where events and errors of the command are reported (stderr). */
  reporter: Reporter;
  /** Aborted on SIGTERM or SIGINT: stop accepting, drain, close the rest, summarise, exit 0. */
  signal?: AbortSignal;
  /** Told the real address once listening (tests use it to find port 0's choice). */
  onListening?: (address: string, port: number | undefined) => void;
}

/**
 * Runs the forwarder until a signal stops it: every client is served concurrently, each
 * connection carried to the first target that answers.
 *
 * @returns 0 once stopped
 * @throws what listening failed with, or a certificate file that cannot be read
 */
export async function forward(
  command: ForwardCommand | UdpForwardCommand,
  io: ForwardIO,
): Promise<number> {
  if ("udp" in command) return (await import("./forward_udp.ts")).forwardUdp(command, io);
  const { reporter } = io;
  const serverTls = command.listen.tls
    ? await serverTlsOptions(command.tls, reporter, certificateNames(command.listen))
    : undefined;
  const targetTls = command.targets.some((t) => t.tls)
    ? await clientTlsOptions(command.targetTls, command.timeoutMs)
    : undefined;
  // Plain TCP connections (both sides) can be reset: a reset is carried across as a reset.
  const listening = await listen(command.listen, { tls: serverTls?.options, resettable: true });
  const gate = command.access.allow.length + command.access.deny.length > 0
    ? new Gate({ allow: command.access.allow, deny: command.access.deny })
    : undefined;
  // A tls:// target is shown as one: the plain address would say the bytes go out in clear.
  const targets = command.targets.map((t) => `${t.tls ? "tls://" : ""}${formatEndpoint(t)}`)
    .join(", then ");
  reporter.event(
    "listening",
    {
      address: listening.address,
      port: listening.port ?? null,
      targets: command.targets.map(formatEndpoint),
      ...(gate ? { access: gate.describe() } : {}),
    },
    `listening on ${listening.address}${listening.scope ? ` ${listening.scope}` : ""}` +
      `${command.listen.tls ? " (TLS)" : ""}, forwarding to ${targets}` +
      (gate ? `; ${gate.describe()}` : ""),
    true,
  );
  serverTls?.announce?.(clientAddress(listening.address, listening.port));
  io.onListening?.(listening.address, listening.port);
  try {
    return await runServer({
      listening,
      handler: forwardHandler({
        targets: command.targets,
        dial: {
          timeoutMs: command.timeoutMs,
          family: command.family,
          numeric: command.numeric,
          tls: targetTls,
          proxy: command.proxy,
          resettable: true,
        },
        proxyProtocol: command.proxyProtocol,
        reporter,
      }),
      reporter,
      keepOpen: true,
      idleTimeoutMs: command.idleTimeoutMs,
      signal: io.signal,
      drainMs: command.drainMs,
      gate,
      maxConns: command.access.maxConns,
      directions: FORWARD_DIRECTIONS,
    });
  } finally {
    listening.close();
  }
}
