/**
 * @module
 * The errors tcpkit's layers throw, each typed by what went wrong rather than worded, and the one
 * place that words them for people and picks the exit code: {@linkcode describeError}.
 */
import { expiryText, formatBytes, formatDuration, relativeDays } from "./format.ts";

/** Exit codes of the command-line contract. */
export const ExitCode = {
  ok: 0,
  network: 1,
  usage: 2,
  resolve: 3,
  timeout: 4,
  tls: 5,
  interrupted: 130,
} as const;

/** An error already worded for a person, with the exit code it stands for. */
export class TcpkitError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "TcpkitError";
  /** The exit code of the contract that this error ends a command with. */
  readonly exitCode: number;

  /** `message` is shown after `tcpkit: `; `exitCode` defaults to a network failure (1). */
  constructor(message: string, exitCode: number = ExitCode.network, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Raised for bad commands, flags or arguments; main.ts adds a usage hint and exits 2. */
export class UsageError extends TcpkitError {
  /** The error\'s class name, as it prints. */
  override name = "UsageError";
  /** The command whose help the hint points to, if any. */
  readonly command: string | undefined;

  /** `message` says what was wrong; `command` names the help page of the hint. */
  constructor(message: string, command?: string) {
    super(message, ExitCode.usage);
    this.command = command;
  }
}

/** What a socket operation met, by kind: the words are {@linkcode describeError}'s. */
export type NetFailure =
  | "refused"
  | "reset"
  | "aborted"
  | "broken-pipe"
  | "in-use"
  | "not-available"
  | "host-unreachable"
  | "network-unreachable"
  | "permission"
  | "too-many-files"
  | "not-found"
  | "other";

/** Options of a {@linkcode NetError}. */
export interface NetErrorOptions extends ErrorOptions {
  /** The system's own words, for a failure of kind `other`. */
  detail?: string;
  /** What the user can do about it: `choose another port`. */
  hint?: string;
}

/** A socket operation failed: `context` says what was being done (`cannot connect to HOST:PORT`). */
export class NetError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "NetError";
  /** What the operation met. */
  readonly failure: NetFailure;
  /** What was being done, as the start of the message. */
  readonly context: string;
  /** The system's words, for a failure of kind `other`. */
  readonly detail: string | undefined;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  /** A failure of kind `failure` while doing `context`. */
  constructor(failure: NetFailure, context: string, options: NetErrorOptions = {}) {
    super(`${context}: ${failure}`, options);
    this.failure = failure;
    this.context = context;
    this.detail = options.detail;
    this.hint = options.hint;
  }
}

/** A connection that broke off while it still had data to send: how, and how much was sent. */
export class UndeliveredError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "UndeliveredError";
  /** How the connection broke off (a reset, a failed write). */
  readonly reason: Error;
  /** Bytes handed to the connection before it broke off. */
  readonly sent: number;

  /** `reason` is how it broke off, after `sent` bytes had been sent. */
  constructor(reason: Error, sent: number) {
    super(reason.message, { cause: reason });
    this.reason = reason;
    this.sent = sent;
  }
}

/** What timed out. */
export type TimeoutKind = "connect" | "idle" | "answer";

/** Something took longer than the time the user (or a default) allowed. */
export class TimeoutError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "TimeoutError";
  /** What timed out: a connect, a connection with no data either way, an awaited answer. */
  readonly kind: TimeoutKind;
  /** The time allowed, in milliseconds. */
  readonly ms: number;
  /** The peer, or what was being done: `cannot connect to HOST:PORT`, `HOST:PORT`. */
  readonly context: string;

  /** `context` names the peer (idle) or the operation (connect, answer). */
  constructor(kind: TimeoutKind, ms: number, context: string, options?: ErrorOptions) {
    super(`${context}: ${kind} timeout after ${ms} ms`, options);
    this.kind = kind;
    this.ms = ms;
    this.context = context;
  }
}

/** Why a name did not resolve. */
export type ResolveFailure =
  | "not-found"
  | "no-address"
  | "resolver-unreachable"
  | "resolver-timeout"
  | "other";

/** A host name could not be resolved (exit 3). */
export class ResolveError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "ResolveError";
  /** The name as the user gave it. */
  readonly hostname: string;
  /** Why it did not resolve. */
  readonly failure: ResolveFailure;
  /** The resolver's own words, for a failure of kind `other`; the family, for `no-address`. */
  readonly detail: string | undefined;

  /** `hostname` did not resolve, for `failure`. */
  constructor(
    hostname: string,
    failure: ResolveFailure,
    options: ErrorOptions & { detail?: string } = {},
  ) {
    super(`cannot resolve ${hostname}: ${failure}`, options);
    this.hostname = hostname;
    this.failure = failure;
    this.detail = options.detail;
  }
}

/** Why a TLS connection was not made, with what the words need. */
export type TlsFailure =
  | { kind: "expired"; notAfter: Date }
  | { kind: "not-yet-valid"; notBefore: Date }
  | { kind: "name-mismatch"; names: string[]; expected: string }
  | { kind: "unknown-issuer"; issuer: string; fingerprint: string }
  | { kind: "self-signed"; subject: string; fingerprint: string }
  | { kind: "untrusted"; code: string; fingerprint: string }
  | { kind: "unreadable"; detail: string; fingerprint: string }
  | { kind: "pin-mismatch"; pinned: string; fingerprint: string }
  | { kind: "not-tls"; sample: string }
  | { kind: "timeout"; ms: number }
  | {
    kind: "handshake";
    detail: string;
    /** The server asked for a client certificate before it refused the handshake. */
    clientCertificate?: boolean;
  }
  | { kind: "after-handshake"; detail: string }
  | { kind: "starttls"; detail: string };

/** A TLS handshake failed or a certificate did not verify (exit 5). */
export class TlsError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "TlsError";
  /** What went wrong. */
  readonly failure: TlsFailure;
  /** The peer: `TLS with HOST:PORT`. */
  readonly context: string;

  /** `failure` in the TLS handshake described by `context`. */
  constructor(failure: TlsFailure, context: string, options?: ErrorOptions) {
    super(`${context}: ${failure.kind}`, options);
    this.failure = failure;
    this.context = context;
  }
}

/** Why an HTTP exchange gave no answer to judge. */
export type HttpFailure =
  | { kind: "no-answer"; ms: number }
  | { kind: "slow-answer"; ms: number; bytes: number }
  | { kind: "closed"; bytes: number; reset?: boolean }
  | { kind: "not-http"; sample: string }
  | { kind: "headers-too-large"; limit: number }
  | { kind: "malformed"; detail: string }
  | { kind: "body-cut"; bytes: number };

/** An HTTP request got no answer that can be judged: the server is not a healthy HTTP server. */
export class HttpError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "HttpError";
  /** What went wrong. */
  readonly failure: HttpFailure;
  /** The request: `HTTP GET http://HOST/PATH`. */
  readonly context: string;

  /** `failure` of the request described by `context`. */
  constructor(failure: HttpFailure, context: string, options?: ErrorOptions) {
    super(`${context}: ${failure.kind}`, options);
    this.failure = failure;
    this.context = context;
  }
}

/** How a proxy turned a connection down, or showed it was no proxy of the kind asked for. */
export type ProxyFailure =
  | { kind: "login-refused" }
  | { kind: "login-required" }
  | { kind: "no-method" }
  | { kind: "socks-reply"; code: number; words: string }
  | { kind: "http-status"; status: number; reason: string }
  | { kind: "not-a-proxy"; protocol: "SOCKS5" | "HTTP"; detail: string }
  | { kind: "closed" };

/** A proxy would not (or could not) connect to the target (exit 1). */
export class ProxyError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "ProxyError";
  /** What the proxy said or did. */
  readonly failure: ProxyFailure;
  /** What was being done: `cannot connect to HOST:PORT through socks5://PROXY:PORT`. */
  readonly context: string;

  /** `failure` met while doing `context`. */
  constructor(failure: ProxyFailure, context: string, options?: ErrorOptions) {
    super(`${context}: ${failure.kind}`, options);
    this.failure = failure;
    this.context = context;
  }

  /**
   * What the target did, when the proxy said so (a SOCKS reply): refused, unreachable; as check
   * reports a target without a proxy.
   */
  get targetFailure(): NetFailure | undefined {
    if (this.failure.kind !== "socks-reply") return undefined;
    return ({ 3: "network-unreachable", 4: "host-unreachable", 5: "refused" } as const)[
      this.failure.code as 3 | 4 | 5
    ];
  }
}

/** The words for a proxy's refusal, after what was being done. */
export function proxyText(failure: ProxyFailure): string {
  switch (failure.kind) {
    case "login-refused":
      return "the proxy refused the login";
    case "login-required":
      return "the proxy wants a login (give it as USER:PASS@ in the proxy URL)";
    case "no-method":
      return "the proxy accepts none of the login methods offered";
    case "socks-reply":
      return failure.code === 2
        ? "the proxy refused: not allowed by its rules"
        : failure.code >= 3 && failure.code <= 6
        ? `the proxy could not reach the target: ${failure.words}`
        : `the proxy failed: ${failure.words}`;
    case "http-status":
      return `the proxy answered ${failure.status}${failure.reason ? ` ${failure.reason}` : ""}` +
        (failure.status === 407 ? " (give a login as USER:PASS@ in the proxy URL)" : "");
    case "not-a-proxy":
      return `not ${
        failure.protocol === "HTTP" ? "an" : "a"
      } ${failure.protocol} proxy (${failure.detail})`;
    case "closed":
      return "the proxy closed the connection during the handshake";
  }
}

/** Writing stdout failed: usually its reader went away (`tcpkit connect ... | head`). */
export class OutputError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "OutputError";
  /** Bytes written to stdout before it failed. */
  readonly written: number;

  /** `cause` is the write's own error; `written` the bytes that made it. */
  constructor(cause: unknown, written: number) {
    super(`cannot write to stdout after ${written} bytes`, { cause });
    this.written = written;
  }

  /** True when the reader closed its end (a broken pipe), not when the write itself failed. */
  get brokenPipe(): boolean {
    return this.cause instanceof Deno.errors.BrokenPipe;
  }
}

/** Reading stdin failed (it is a directory, say): no input is taken as empty. */
export class InputError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "InputError";
  /** The system's words. */
  readonly detail: string;

  /** `detail` is the system's reason. */
  constructor(detail: string, options?: ErrorOptions) {
    super(`cannot read stdin: ${detail}`, options);
    this.detail = detail;
  }
}

/** An error in words, and the exit code it ends a command with. */
export interface Described {
  /** The one line, without the `tcpkit: ` that main.ts puts before it. */
  message: string;
  /** The exit code of the contract. */
  exitCode: number;
}

const NET_WORDS: Record<NetFailure, string> = {
  "refused": "connection refused",
  "reset": "connection reset by peer",
  "aborted": "connection aborted",
  "broken-pipe": "the peer stopped reading (broken pipe)",
  "in-use": "address already in use",
  "not-available": "address not available on this host",
  "host-unreachable": "no route to host (host unreachable)",
  "network-unreachable": "network unreachable",
  "permission": "permission denied",
  "too-many-files": "too many open files",
  "not-found": "no such socket file",
  "other": "failed",
};

const RESOLVE_WORDS: Record<ResolveFailure, string> = {
  "not-found": "name not found",
  "no-address": "no address",
  "resolver-unreachable": "the DNS server could not be reached",
  "resolver-timeout": "the DNS server did not answer in time",
  "other": "name not resolved",
};

/**
 * Words an error for a person and picks its exit code: the one place that does. Anything that is
 * not one of tcpkit's errors is an unexpected error (exit 1), still in one line.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeError, NetError } from "./errors.ts";
 * assertEquals(describeError(new NetError("refused", "cannot connect to 127.0.0.1:1")), {
 *   message: "cannot connect to 127.0.0.1:1: connection refused",
 *   exitCode: 1,
 * });
 * ```
 */
export function describeError(e: unknown): Described {
  if (e instanceof TcpkitError) return { message: e.message, exitCode: e.exitCode };
  if (e instanceof NetError) {
    return { message: netText(e), exitCode: ExitCode.network };
  }
  if (e instanceof UndeliveredError) {
    const { message, exitCode } = describeError(e.reason);
    return {
      message: `${message}; ${formatBytes(e.sent)} sent, the rest of the input was not delivered`,
      exitCode,
    };
  }
  if (e instanceof TimeoutError) {
    const after = formatDuration(e.ms);
    const message = e.kind === "idle"
      ? `idle timeout: no data either way for ${after}; closed ${e.context}`
      : e.kind === "connect"
      ? `${e.context}: timed out after ${after}`
      : `${e.context}: no answer within ${after}`;
    return { message, exitCode: ExitCode.timeout };
  }
  if (e instanceof ResolveError) {
    const why = e.failure === "no-address"
      ? `no ${e.detail ?? ""} address`.replace("  ", " ")
      : e.failure === "other" && e.detail
      ? e.detail
      : RESOLVE_WORDS[e.failure];
    return { message: `cannot resolve host "${e.hostname}": ${why}`, exitCode: ExitCode.resolve };
  }
  if (e instanceof TlsError) {
    return { message: `${e.context}: ${tlsText(e.failure)}`, exitCode: ExitCode.tls };
  }
  if (e instanceof HttpError) {
    return {
      message: `${e.context}: ${httpText(e.failure)}`,
      exitCode: e.failure.kind === "no-answer" || e.failure.kind === "slow-answer"
        ? ExitCode.timeout
        : ExitCode.network,
    };
  }
  if (e instanceof ProxyError) {
    return { message: `${e.context}: ${proxyText(e.failure)}`, exitCode: ExitCode.network };
  }
  if (e instanceof OutputError) {
    const why = e.brokenPipe
      ? "output closed early (broken pipe)"
      : `cannot write to stdout (${causeText(e.cause)})`;
    return { message: `${why} after ${formatBytes(e.written)}`, exitCode: ExitCode.network };
  }
  if (e instanceof InputError) {
    return { message: `cannot read stdin: ${e.detail}`, exitCode: ExitCode.network };
  }
  return { message: `unexpected error: ${causeText(e)}`, exitCode: ExitCode.network };
}

/**
 * Why something failed, without what was being done: `connection reset by peer` for a
 * {@linkcode NetError}, else the whole of {@linkcode describeError}'s message.
 */
export function failureWords(e: unknown): string {
  if (e instanceof NetError) {
    return e.failure === "other" && e.detail ? e.detail : NET_WORDS[e.failure];
  }
  if (e instanceof ProxyError) return proxyText(e.failure);
  return describeError(e).message;
}

function netText(e: NetError): string {
  const reason = e.failure === "other" && e.detail ? e.detail : NET_WORDS[e.failure];
  return `${e.context}: ${reason}${e.hint ? `; ${e.hint}` : ""}`;
}

/**
 * The words for a TLS failure: `certificate expired on 2026-10-01 (56 days ago)`. With `hints`
 * (the default), an untrusted certificate's words say how to trust it (--ca, --pin).
 */
export function tlsText(failure: TlsFailure, now: Date = new Date(), hints = true): string {
  switch (failure.kind) {
    case "expired":
      return `certificate ${expiryText(failure.notAfter, now)}`;
    case "not-yet-valid":
      return `certificate is not valid until ${day(failure.notBefore)} (${
        relativeDays(failure.notBefore, now)
      })`;
    case "name-mismatch":
      return `certificate is for ${
        failure.names.length > 0 ? failure.names.join(", ") : "no name"
      }, not ${failure.expected}`;
    case "unknown-issuer":
      return `unknown issuer "${failure.issuer}"` +
        (hints
          ? ` (use --ca FILE, or --pin ${failure.fingerprint} to trust this certificate)`
          : "");
    case "self-signed":
      return `self-signed certificate "${failure.subject}"` +
        (hints ? ` (use --pin ${failure.fingerprint} to trust it, or --ca FILE)` : "");
    case "untrusted":
      return `certificate not trusted (${failure.code}` +
        (hints
          ? `; use --ca FILE, or --pin ${failure.fingerprint} to trust this certificate)`
          : ")");
    case "unreadable":
      return `the server's certificate cannot be read (${failure.detail})` +
        (hints ? `; use --pin ${failure.fingerprint} to trust this certificate` : "");
    case "pin-mismatch":
      return `certificate fingerprint ${failure.fingerprint} does not match --pin ${failure.pinned}`;
    case "not-tls":
      return `the server does not speak TLS (it sent "${failure.sample}")`;
    case "timeout":
      return `TLS handshake timed out after ${formatDuration(failure.ms)}`;
    case "handshake":
      return `TLS handshake failed: ${failure.detail}`;
    case "after-handshake":
      return `TLS failed after the handshake: ${failure.detail}`;
    case "starttls":
      return failure.detail;
  }
}

/**
 * The words for an HTTP exchange that gave no answer to judge: `no answer within 2.00 s`, `the
 * answer is not HTTP (it began "SSH-2.0-OpenSSH_9.2")`.
 */
export function httpText(failure: HttpFailure): string {
  switch (failure.kind) {
    case "no-answer":
      return `no HTTP answer within ${formatDuration(failure.ms)}`;
    case "slow-answer":
      return `the answer did not end within ${formatDuration(failure.ms)} (${
        formatBytes(failure.bytes)
      } read)`;
    case "closed":
      return failure.bytes === 0
        ? "the server closed the connection without an answer"
        : `the server ${
          failure.reset ? "reset" : "closed"
        } the connection in the middle of its answer's headers (${
          formatBytes(failure.bytes)
        } read)`;
    case "not-http":
      return `the answer is not HTTP (it began "${failure.sample}")`;
    case "headers-too-large":
      return `the answer's headers are larger than ${formatBytes(failure.limit)}`;
    case "malformed":
      return `malformed HTTP answer: ${failure.detail}`;
    case "body-cut":
      return `the body broke off after ${formatBytes(failure.bytes)}`;
  }
}

/** `2026-10-01`. */
function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function causeText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s*\(os error \d+\)$/, "");
}
