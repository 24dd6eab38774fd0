/** `tcpkit forward -u`: a UDP port forwarder, a session per client (socat's UDP-LISTEN,fork). */
import type { UdpForwardCommand } from "../cli/args.ts";
import { formatEndpoint } from "../net/endpoint.ts";
import { Gate } from "../net/gate.ts";
import { resolve } from "../net/resolve.ts";
import { listenUdp } from "../net/udp.ts";
import { runUdpForwarder } from "../server/udp_forward.ts";
import type { ForwardIO } from "./forward.ts";

/** The most sessions forward -u holds when --max-conns does not say. */
export const UDP_MAX_SESSIONS = 100_000;

/**
 * Runs the forwarder until a signal stops it.
 *
 * @returns 0 once stopped
 * @throws what binding failed with, or the target's name not resolving
 */
export async function forwardUdp(command: UdpForwardCommand, io: ForwardIO): Promise<number> {
  const { reporter } = io;
  // The target is resolved once: a session's socket sends to an address.
  const { address } = await resolve(command.target.hostname!, {
    family: command.family,
    numericOnly: command.numeric,
  });
  const listening = await listenUdp(command.listen);
  const gate = command.access.allow.length + command.access.deny.length > 0
    ? new Gate({ allow: command.access.allow, deny: command.access.deny })
    : undefined;
  const targetText = formatEndpoint(command.target);
  reporter.event(
    "listening",
    {
      address: listening.address,
      port: listening.port,
      udp: true,
      targets: [targetText],
      ...(gate ? { access: gate.describe() } : {}),
    },
    `listening on ${listening.address} (UDP)${listening.scope ? ` ${listening.scope}` : ""}, ` +
      `forwarding to ${targetText}` + (gate ? `; ${gate.describe()}` : ""),
    true,
  );
  io.onListening?.(listening.address, listening.port);
  try {
    return await runUdpForwarder({
      socket: listening.socket,
      target: { address, port: command.target.port },
      targetText,
      idleTimeoutMs: command.idleTimeoutMs,
      maxSessions: command.access.maxConns ?? UDP_MAX_SESSIONS,
      gate,
      reporter,
      signal: io.signal,
      drainMs: command.drainMs,
    });
  } finally {
    listening.socket.close();
  }
}
