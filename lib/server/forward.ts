/**
 * forward: each client's connection carried to a target, both ways at once, through the one
 * duplex pump. The first target that answers takes it (failover); with the PROXY protocol the
 * target learns the client's address.
 */
import { describeError, failureWords, NetError, TimeoutError } from "../errors.ts";
import { connSink, connSource, writeAll } from "../io/chunks.ts";
import { duplex, failureOf } from "../io/duplex.ts";
import { closeQuietly, resetQuietly } from "../net/close.ts";
import { dial, type Dialed, type DialOptions } from "../net/dial.ts";
import { type Endpoint, formatEndpoint } from "../net/endpoint.ts";
import { toNetError } from "../net/errors.ts";
import { formatBytes, formatDuration, formatRate } from "../format.ts";
import { encodeProxyHeader, type ProxyPeer } from "../protocol/proxy.ts";
import type { Reporter } from "../report.ts";
import { type Handler, handlerOf, type SessionSummary } from "./server.ts";
import { type Session, sessionEnd } from "./session.ts";

/** What the forwarder gives all its sessions. */
export interface ForwardOptions {
  /** Where to forward, tried in order until one answers. */
  targets: Endpoint[];
  /** How to dial them: timeout, TLS toward tls:// targets, address family. */
  dial: DialOptions;
  /** Send the client's address first, in this version of the PROXY protocol. */
  proxyProtocol?: 1 | 2;
  reporter: Reporter;
}

/** How a forwarded connection ended, for its log line. */
export type ForwardEnd =
  | "closed"
  | "client-reset"
  | "target-reset"
  | "client-error"
  | "target-error"
  | "shutdown";

/** The forward mode's handler. */
export function forwardHandler(options: ForwardOptions): Handler {
  return handlerOf((session) => forwardOne(session, options));
}

async function forwardOne(session: Session, options: ForwardOptions): Promise<SessionSummary> {
  let dialed: Dialed;
  try {
    dialed = await dialTargets(session, options);
  } catch (e) {
    // No target: the client is cut with a reset, not told of a clean end after its accept.
    resetQuietly(session.conn);
    throw e;
  }
  const backend = dialed.conn;
  // Closing the session closes the target's connection too. The idle timeout closes both (a
  // FIN: nothing was under way); a shutdown, at once or at the end of the drain, cuts them
  // with a reset: what was under way did not arrive, and neither end may take it as an end.
  session.onClose = () => {
    if (session.idle?.fired) return closeQuietly(backend);
    resetQuietly(session.conn);
    resetQuietly(backend);
  };
  try {
    if (options.proxyProtocol) {
      await writeAll(
        backend,
        encodeProxyHeader(
          options.proxyProtocol,
          proxyPeer(session.conn.remoteAddr),
          proxyPeer(session.conn.localAddr),
        ),
      );
    }
    // a is the client (its bytes counted as received, ours to it as sent), b the target.
    // The first failure stops both directions by closing both ends: with a reset, so that a
    // reset (or any failure) on one side reaches the other as a reset, never as a clean end.
    const client = { ...sessionEnd(session), close: () => resetQuietly(session.conn) };
    const result = await duplex(client, {
      source: connSource(backend),
      sink: connSink(backend),
      close: () => resetQuietly(backend),
    }, { onAToB: (n) => session.countReceived(n) });
    const failure = failureOf(result);
    const end: ForwardEnd = session.closedByUs
      ? "shutdown"
      : !failure
      ? "closed"
      : failedSide(failure.leg, failure.side) === "client"
      ? (isReset(failure.cause) ? "client-reset" : "client-error")
      : (isReset(failure.cause) ? "target-reset" : "target-error");
    return summary(session, dialed, end, failure?.cause);
  } finally {
    closeQuietly(backend);
  }
}

/** Dials the targets in turn: the next one when one refuses, times out or cannot be reached. */
async function dialTargets(session: Session, options: ForwardOptions): Promise<Dialed> {
  let last: unknown;
  for (const [i, target] of options.targets.entries()) {
    try {
      return await dial(target, options.dial);
    } catch (e) {
      last = e;
      const next = options.targets[i + 1];
      if (next !== undefined) {
        const { message } = describeError(e);
        options.reporter.event(
          "failover",
          { peer: session.peer, target: formatEndpoint(target), message },
          `${session.peer}: ${message}; trying ${formatEndpoint(next)}`,
          true,
        );
      }
    }
  }
  // The client is closed: the error is the session's log line, and the forwarder goes on.
  throw forwardError(last, session.peer, options.targets.at(-1)!);
}

/** A failed dial as the failure to forward this client, to that target. */
function forwardError(e: unknown, peer: string, target: Endpoint): unknown {
  const context = `cannot forward ${peer} to ${formatEndpoint(target)}`;
  if (e instanceof NetError) {
    return new NetError(e.failure, context, { detail: e.detail, hint: e.hint, cause: e });
  }
  if (e instanceof TimeoutError) return new TimeoutError(e.kind, e.ms, context, { cause: e });
  return e;
}

/** Which connection a duplex failure is on: a is the client, b the target. */
function failedSide(leg: "aToB" | "bToA", side: "read" | "write"): "client" | "target" {
  // aToB reads the client and writes the target; bToA reads the target and writes the client.
  return (leg === "aToB") === (side === "read") ? "client" : "target";
}

function isReset(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    (e as { code?: string })?.code === "ECONNRESET";
}

function proxyPeer(addr: Deno.Addr): ProxyPeer | null {
  return "hostname" in addr ? { address: addr.hostname, port: addr.port } : null;
}

const ENDS: Record<ForwardEnd, string> = {
  "closed": "closed",
  "client-reset": "reset by the client",
  "target-reset": "reset by the target",
  "client-error": "failed on the client's side",
  "target-error": "failed on the target's side",
  "shutdown": "closed at shutdown",
};

function summary(
  session: Session,
  dialed: Dialed,
  end: ForwardEnd,
  cause: unknown,
): SessionSummary {
  const target = dialed.peer;
  const reason = cause === undefined ? "" : ` (${failureWords(toNetError(cause, target))})`;
  const shown = dialed.tls ? `tls://${target}` : target;
  return {
    event: "closed",
    fields: { target, end },
    text: `-> ${shown}: ${traffic(session)}; ${ENDS[end]}${reason}`,
  };
}

/** The words for the two directions of a forwarded connection, in its log lines. */
export const FORWARD_DIRECTIONS = { received: "client to target", sent: "target to client" };

/**
 * A forwarded connection's bytes, each direction named (what the session received from the
 * client went to the target): `client to target 212 B, target to client 5.1 KiB in 82 ms
 * (64.4 KiB/s)`.
 */
function traffic(session: Session): string {
  const ms = session.elapsed();
  return `${FORWARD_DIRECTIONS.received} ${formatBytes(session.received)}, ` +
    `${FORWARD_DIRECTIONS.sent} ${formatBytes(session.sent)} in ${formatDuration(ms)} ` +
    `(${formatRate(session.sent + session.received, ms)})`;
}
