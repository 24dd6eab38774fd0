/** Telling socket errors apart by their class and code, once, for every layer above. */
import {
  InputError,
  NetError,
  type NetFailure,
  OutputError,
  ProxyError,
  ResolveError,
  TcpkitError,
  TimeoutError,
  TlsError,
  UndeliveredError,
} from "../errors.ts";
import { escapeText } from "../io/escape.ts";

/**
 * What a socket error means, from Deno's error class or the system's error code (never from its
 * message), or undefined for anything else. Self-contained (no imports, no outer names): its
 * source text is also shipped to check's probing Workers.
 */
export function classifyFailure(e: unknown): NetFailure | undefined {
  if (!(e instanceof Error)) return undefined;
  switch (e.name) {
    case "ConnectionRefused":
      return "refused";
    case "ConnectionReset":
      return "reset";
    case "ConnectionAborted":
      return "aborted";
    case "BrokenPipe":
      return "broken-pipe";
    case "AddrInUse":
      return "in-use";
    case "AddrNotAvailable":
      return "not-available";
    case "NetworkUnreachable":
      return "network-unreachable";
    case "HostUnreachable":
      return "host-unreachable";
    case "PermissionDenied":
    case "NotCapable":
      return "permission";
    case "NotFound":
      return "not-found";
  }
  switch ((e as { code?: unknown }).code) {
    case "EHOSTUNREACH":
    case "EHOSTDOWN":
      return "host-unreachable";
    case "ENETUNREACH":
    case "ENETDOWN":
      return "network-unreachable";
    case "EMFILE":
    case "ENFILE":
      return "too-many-files";
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
      return "reset";
    case "EPIPE":
      return "broken-pipe";
    case "EADDRINUSE":
      return "in-use";
    case "EADDRNOTAVAIL":
      return "not-available";
    case "EACCES":
    case "EPERM":
      return "permission";
  }
  return undefined;
}

/** True for the errors that mean the peer went away: reset, broken pipe, aborted. */
export function isPeerGone(e: unknown): boolean {
  const failure = classifyFailure(e);
  return failure === "reset" || failure === "broken-pipe" || failure === "aborted";
}

/** True when a socket or stream was closed under a pending operation (a local close). */
export function isClosedLocally(e: unknown): boolean {
  return e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted;
}

/** True for a timer's abort of an operation (`AbortSignal.timeout`). */
export function isAbortTimeout(e: unknown): boolean {
  return e instanceof DOMException && e.name === "TimeoutError";
}

/**
 * The typed error for a failed socket operation: tcpkit's own errors pass through as they are;
 * anything else becomes a {@linkcode NetError} of its kind, doing `context`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toNetError } from "./errors.ts";
 * const e = toNetError(new Deno.errors.ConnectionRefused("x"), "cannot connect to 127.0.0.1:1");
 * assertEquals(e.message, "cannot connect to 127.0.0.1:1: refused");
 * ```
 */
export function toNetError(e: unknown, context: string, hint?: string): Error {
  if (isTyped(e)) return e as Error;
  const failure = classifyFailure(e);
  return new NetError(failure ?? "other", context, {
    cause: e,
    hint,
    detail: failure === undefined ? systemWords(e) : undefined,
  });
}

/** The errors already typed by tcpkit's layers, which callers pass on as they are. */
function isTyped(e: unknown): boolean {
  return e instanceof TcpkitError || e instanceof NetError || e instanceof TimeoutError ||
    e instanceof ResolveError || e instanceof TlsError || e instanceof UndeliveredError ||
    e instanceof OutputError || e instanceof InputError || e instanceof ProxyError;
}

/**
 * The system's words for an error nobody classified, without the "(os error N)" tail, escaped:
 * they may quote what the user gave (`invalid IP address: ...`).
 */
function systemWords(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const words = text.replace(/\s*\(os error \d+\)$/, "");
  return escapeText(words.charAt(0).toLowerCase() + words.slice(1));
}
