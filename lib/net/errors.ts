/** Turns Deno's socket errors into one line a person understands, with the contract's exit code. */
import { ExitCode, TcpkitError } from "../errors.ts";

/** Why a socket operation failed, in words, and the exit code that goes with it. */
export interface Reason {
  text: string;
  exitCode: number;
}

const REASONS: Record<string, Reason> = {
  ConnectionRefused: { text: "connection refused", exitCode: ExitCode.network },
  ConnectionReset: { text: "connection reset by peer", exitCode: ExitCode.network },
  ConnectionAborted: { text: "connection aborted", exitCode: ExitCode.network },
  BrokenPipe: { text: "the peer stopped reading (broken pipe)", exitCode: ExitCode.network },
  AddrInUse: { text: "address already in use", exitCode: ExitCode.network },
  AddrNotAvailable: {
    text: "address not available on this host",
    exitCode: ExitCode.network,
  },
  NetworkUnreachable: { text: "network unreachable", exitCode: ExitCode.network },
  HostUnreachable: { text: "host unreachable", exitCode: ExitCode.network },
  PermissionDenied: { text: "permission denied", exitCode: ExitCode.network },
  NotCapable: { text: "permission denied", exitCode: ExitCode.network },
  TimedOut: { text: "timed out", exitCode: ExitCode.timeout },
  TimeoutError: { text: "timed out", exitCode: ExitCode.timeout },
};

/** True for the error Deno gives when a host name does not resolve. */
export function isResolveError(e: unknown): boolean {
  return e instanceof Error &&
    /failed to lookup address|name or service not known/i.test(e.message);
}

/** True for the errors that mean the peer went away: reset, broken pipe, aborted. */
export function isPeerGone(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.ConnectionAborted;
}

/** True when a socket or stream was closed under a pending operation (a local close). */
export function isClosedLocally(e: unknown): boolean {
  return e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted;
}

/** The reason behind a socket error: its words and exit code. */
export function reasonOf(e: unknown): Reason {
  if (isResolveError(e)) return { text: "name not resolved", exitCode: ExitCode.resolve };
  if (e instanceof Error) {
    const known = REASONS[e.name];
    if (known) return known;
    if (/too many open files/i.test(e.message)) {
      return { text: "too many open files", exitCode: ExitCode.network };
    }
    const text = e.message.replace(/\s*\(os error \d+\)$/, "");
    return { text: text.charAt(0).toLowerCase() + text.slice(1), exitCode: ExitCode.network };
  }
  return { text: String(e), exitCode: ExitCode.network };
}

/**
 * Wraps a socket error as a {@linkcode TcpkitError} reading `<action>: <reason>[; hint]`.
 *
 * @example
 * ```ts
 * import { netError } from "./errors.ts";
 * netError(new Deno.errors.ConnectionRefused("x"), "cannot connect to 127.0.0.1:1").message;
 * // "cannot connect to 127.0.0.1:1: connection refused"
 * ```
 */
export function netError(e: unknown, action: string, hint?: string): TcpkitError {
  const reason = reasonOf(e);
  const message = `${action}: ${reason.text}${hint ? `; ${hint}` : ""}`;
  return new TcpkitError(message, reason.exitCode, { cause: e });
}
