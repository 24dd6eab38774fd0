/** Dialing a TCP server, with a connect timeout and errors a person understands. */
import { ExitCode, TcpkitError } from "../errors.ts";
import { formatDuration } from "../cli/duration.ts";
import { formatAddress, type HostPort } from "./address.ts";
import { isResolveError, netError } from "./errors.ts";

/** Options for {@linkcode dial}. */
export interface DialOptions {
  /** Give up after this many milliseconds (exit 4); the system's own timeout otherwise. */
  timeoutMs?: number;
}

/** A connection made by {@linkcode dial}. */
export interface Dialed {
  /** The connection, with Nagle's algorithm off: a person's lines go out as they are typed. */
  conn: Deno.TcpConn;
  /** The target as the user gave it, `HOST:PORT`, for messages. */
  peer: string;
  /** How long the connect took, in milliseconds. */
  connectMs: number;
}

/**
 * Connects to `target`.
 *
 * @throws {TcpkitError} refused, unreachable (1), unresolved name (3), timeout (4)
 */
export async function dial(target: HostPort, options: DialOptions = {}): Promise<Dialed> {
  const signal = options.timeoutMs === undefined
    ? undefined
    : AbortSignal.timeout(options.timeoutMs);
  const peer = formatAddress(target.hostname, target.port);
  const started = performance.now();
  try {
    const conn = await Deno.connect({ hostname: target.hostname, port: target.port, signal });
    const connectMs = performance.now() - started;
    conn.setNoDelay(true);
    return { conn, peer, connectMs };
  } catch (e) {
    if (isResolveError(e)) {
      throw new TcpkitError(
        `cannot resolve host "${target.hostname}": name not resolved`,
        ExitCode.resolve,
        { cause: e },
      );
    }
    if (signal?.aborted && options.timeoutMs !== undefined) {
      throw new TcpkitError(
        `cannot connect to ${peer}: timed out after ${formatDuration(options.timeoutMs)}`,
        ExitCode.timeout,
        { cause: e },
      );
    }
    throw netError(e, `cannot connect to ${peer}`);
  }
}
