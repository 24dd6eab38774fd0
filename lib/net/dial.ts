/** Dialing an endpoint: resolve, connect (within a timeout), and hand back a `Deno.Conn`. */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { NetError, ResolveError, TimeoutError } from "../errors.ts";
import { formatAddress } from "./address.ts";
import { type Endpoint, formatEndpoint } from "./endpoint.ts";
import { isAbortTimeout, toNetError } from "./errors.ts";

/** Options for {@linkcode dial}. */
export interface DialOptions {
  /** Give up after this many milliseconds (exit 4); the system's own timeout otherwise. */
  timeoutMs?: number;
  /** Only addresses of this family (`-4`, `-6`). */
  family?: 4 | 6;
  /** Take the host as an address literal, with no name lookup (`-n`). */
  numeric?: boolean;
}

/** A connection made by {@linkcode dial}. */
export interface Dialed {
  /** The connection; over TCP, with Nagle's algorithm off (a person's lines go out as typed). */
  conn: Deno.Conn;
  /** The endpoint as the user gave it, `HOST:PORT` or `unix:/path`, for messages. */
  peer: string;
  /** How long the name lookup took, in milliseconds (0 for an address or a Unix socket). */
  resolveMs: number;
  /** How long the connect took, in milliseconds. */
  connectMs: number;
}

/**
 * Connects to `endpoint`. A name is resolved first; its addresses are tried in turn, as nc does,
 * until one accepts. A connection that the kernel made to itself (its source port chosen equal
 * to the destination port on the same address, with nothing listening) is a refused connect.
 *
 * @throws {ResolveError} the name did not resolve (3)
 * @throws {TimeoutError} no connection within `timeoutMs` (4)
 * @throws {NetError} refused, unreachable, or any other failure (1)
 */
export async function dial(endpoint: Endpoint, options: DialOptions = {}): Promise<Dialed> {
  const peer = formatEndpoint(endpoint);
  const context = `cannot connect to ${peer}`;
  const signal = options.timeoutMs === undefined
    ? undefined
    : AbortSignal.timeout(options.timeoutMs);
  const started = performance.now();
  try {
    if (endpoint.kind === "unix") {
      const conn = await Deno.connect({ transport: "unix", path: endpoint.path });
      return { conn, peer, resolveMs: 0, connectMs: performance.now() - started };
    }
    const resolved = await resolveAll(endpoint.hostname, {
      family: options.family,
      numericOnly: options.numeric,
      signal,
    });
    const connecting = performance.now();
    let failure: unknown;
    for (const address of resolved.addresses) {
      try {
        const conn = await Deno.connect({ hostname: address, port: endpoint.port, signal });
        if (isSelfConnect(conn)) {
          conn.close();
          throw new NetError("refused", context);
        }
        conn.setNoDelay(true);
        return { conn, peer, resolveMs: resolved.ms, connectMs: performance.now() - connecting };
      } catch (e) {
        failure = e;
        if (signal?.aborted) break;
      }
    }
    throw failure;
  } catch (e) {
    if (signal?.aborted && (isAbortTimeout(e) || isAbortTimeout(signal.reason))) {
      throw new TimeoutError("connect", options.timeoutMs!, context, { cause: e });
    }
    throw toNetError(e, context);
  }
}

/** True when a TCP connection's two ends are one address and port: a connection to itself. */
function isSelfConnect(conn: Deno.TcpConn): boolean {
  const local = conn.localAddr;
  const remote = conn.remoteAddr;
  return local.port === remote.port &&
    formatAddress(local.hostname, 0) === formatAddress(remote.hostname, 0);
}

// TODO(resolve.ts): moves into resolve.ts with the resolver's own error classification.
async function resolveAll(
  hostname: string,
  options: { family?: 4 | 6; numericOnly?: boolean; signal?: AbortSignal },
): Promise<{ addresses: string[]; ms: number }> {
  if (isIP(hostname) !== 0) return { addresses: [hostname], ms: 0 };
  if (options.numericOnly) throw new ResolveError(hostname, "other", { detail: "not an address" });
  const started = performance.now();
  try {
    const found = await lookup(hostname, { all: true, family: options.family ?? 0 });
    return { addresses: found.map((a) => a.address), ms: performance.now() - started };
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new ResolveError(hostname, code === "ENOTFOUND" ? "not-found" : "other", { cause: e });
  }
}
