/**
 * check's HTTP probe: an `http://` or `https://` target is dialled by tcpkit's own dial (so the
 * lookup, the connect and the TLS handshake are timed, and the certificate is verified as
 * connect verifies it), then one request goes over that connection and its answer is judged
 * against what is expected. Each probe runs on the main thread, at most 100 at once.
 */
import { HttpError, NetError, ResolveError, TimeoutError, TlsError, tlsText } from "../errors.ts";
import { describeError, failureWords, httpText } from "../errors.ts";
import { formatNetAddr, ipFamily } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { dial, type Dialed } from "../net/dial.ts";
import type { Endpoint } from "../net/endpoint.ts";
import { httpExchange, type HttpRequest } from "../net/http_probe.ts";
import type { HttpTarget } from "../net/http_target.ts";
import { MAX_IN_FLIGHT_PER_ISOLATE } from "../net/probe.ts";
import type { ProxyUrl } from "../net/proxy_url.ts";
import type { TlsClientOptions } from "../net/tls.ts";
import { basicCredentials } from "../protocol/http_connect.ts";
import { type HttpExpectations, httpVerdict } from "./expect.ts";
import type { Phase, ProbeOutcome } from "./results.ts";
import { stateOfFailure } from "./states.ts";

/** How check's HTTP targets are probed. */
export interface HttpProbeOptions {
  /** Each step's time limit: the connect, the handshake, the first byte, the rest. */
  timeoutMs: number;
  /** `GET` (the default) or `HEAD`. */
  method: "GET" | "HEAD";
  /** `-H` headers, in order; one with an empty value takes a default header away. */
  headers: [string, string][];
  /** The User-Agent sent unless `-H` gives one: `tcpkit/VERSION`. */
  userAgent: string;
  /** What the answer must be. */
  expect: HttpExpectations;
  /** How https:// targets trust the server (`--ca`, `--pin`, `-k`, `--sni`, client certificates). */
  tls?: TlsClientOptions;
  /** Only this family's addresses (`-4`, `-6`). */
  family?: 4 | 6;
  /** No name lookups (`-n`). */
  numeric: boolean;
  /** The local address to connect from (`--source`). */
  source?: string;
  /** Connect to this Unix socket instead of the URL's host (`--unix-socket`, as curl has it). */
  unixSocket?: string;
  /** Probes at once (at most 100). */
  concurrency: number;
  /** The proxy a target goes through (`--proxy`, or the environment's), none: direct. */
  proxyFor?: (target: HttpTarget) => ProxyUrl | undefined;
  /** Stops the probes: those under way are abandoned and not reported. */
  signal?: AbortSignal;
}

/** The states of a certificate that did not verify; other TLS failures are the handshake's. */
const CERTIFICATE_FAILURES = new Set([
  "expired",
  "not-yet-valid",
  "name-mismatch",
  "unknown-issuer",
  "self-signed",
  "untrusted",
  "pin-mismatch",
]);

/**
 * Probes every HTTP target once; resolves when all are done, or at once on an abort.
 *
 * @param targets each row and its target
 */
export async function probeHttp(
  targets: { row: number; target: HttpTarget }[],
  options: HttpProbeOptions,
  onResult: (row: number, outcome: ProbeOutcome) => void,
): Promise<void> {
  const { signal } = options;
  let next = 0;
  const lane = async () => {
    while (next < targets.length && !signal?.aborted) {
      const { row, target } = targets[next++];
      let outcome: ProbeOutcome;
      try {
        outcome = await probeOne(target, options);
      } catch (e) {
        outcome = { state: "error", reason: describeError(e).message };
      }
      if (signal?.aborted) return;
      onResult(row, outcome);
    }
  };
  const lanes = Math.min(options.concurrency, MAX_IN_FLIGHT_PER_ISOLATE, targets.length);
  const all = Promise.all(Array.from({ length: lanes }, lane));
  if (!signal) return void await all;
  // Probes under way when the signal aborts end by their own timeouts; nobody waits for them.
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([all, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** The request line's headers: the defaults, then `-H`'s (which replace a default of the name). */
export function requestHeaders(
  target: HttpTarget,
  options: Pick<HttpProbeOptions, "headers" | "userAgent">,
): [string, string][] {
  const given = new Set(options.headers.map(([name]) => name.toLowerCase()));
  const defaults: [string, string][] = [
    ["Host", target.host],
    ["User-Agent", options.userAgent],
    ["Accept", "*/*"],
  ];
  return [
    ...defaults.filter(([name]) => !given.has(name.toLowerCase())),
    ...options.headers.filter(([, value]) => value !== ""),
  ];
}

/** One probe of one URL, step by step. */
async function probeOne(target: HttpTarget, options: HttpProbeOptions): Promise<ProbeOutcome> {
  const { timeoutMs } = options;
  const started = performance.now();
  const proxy = options.unixSocket === undefined ? options.proxyFor?.(target) : undefined;
  // A plain http:// URL goes to an HTTP proxy as a request for the whole URL (as curl sends it);
  // https:// and SOCKS go through the proxy's tunnel, TLS end to end.
  const forwarded = proxy?.protocol === "http" && !target.tls ? proxy : undefined;
  const endpoint: Endpoint = forwarded
    ? { kind: "tcp", hostname: forwarded.hostname, port: forwarded.port, tls: false }
    : options.unixSocket === undefined
    ? { kind: "tcp", hostname: target.hostname, port: target.port, tls: target.tls }
    : { kind: "unix", path: options.unixSocket, tls: false };
  const tls: TlsClientOptions | undefined = target.tls
    ? { ...options.tls, wantCertificate: true, timeoutMs }
    : undefined;
  let dialed: Dialed;
  try {
    dialed = await dial(endpoint, {
      timeoutMs,
      family: options.family,
      numeric: options.numeric,
      source: options.source,
      tls,
      proxy: forwarded ? undefined : proxy,
    });
  } catch (e) {
    return failedDial(e);
  }
  const ms: Partial<Record<Phase, number>> = {};
  if (endpoint.kind === "tcp" && ipFamily(target.hostname) === 0) ms.resolve = dialed.resolveMs;
  ms.connect = dialed.connectMs;
  let conn = dialed.conn;
  let session = dialed.tls;
  const address = "hostname" in conn.remoteAddr
    ? conn.remoteAddr.hostname
    : formatNetAddr(conn.remoteAddr);
  try {
    if (target.tls && endpoint.kind === "unix") {
      // dial speaks no TLS over a Unix socket; an https:// URL through one gets it here.
      const { startTls } = await import("../net/tls.ts");
      try {
        const secured = await startTls(conn, target.hostname, `TLS with ${target.host}`, tls);
        conn = secured.conn;
        session = secured.session;
      } catch (e) {
        return { ...failedDial(e), ms };
      }
    }
    if (session) ms.handshake = session.handshakeMs;
    const tlsFacts = session
      ? { session, nameMatches: session.failure?.kind !== "name-mismatch" }
      : undefined;
    const request: HttpRequest = {
      method: options.method,
      path: forwarded ? target.url : target.path,
      headers: forwarded?.login
        ? [...requestHeaders(target, options), [
          "Proxy-Authorization",
          basicCredentials(forwarded.login),
        ]]
        : requestHeaders(target, options),
      context: `HTTP ${options.method} ${target.url}`,
    };
    let answer;
    try {
      answer = await httpExchange(conn, request, { timeoutMs });
    } catch (e) {
      return { ...failedExchange(e), ms, tls: tlsFacts };
    }
    ms.first_byte = answer.firstByteMs;
    ms.total = performance.now() - started;
    const verdict = httpVerdict(
      { status: answer.status, body: answer.body, bodyCut: answer.bodyCut },
      options.expect,
    );
    return {
      state: verdict.healthy ? "open" : "unhealthy",
      reason: verdict.healthy ? undefined : verdict.reason,
      ms,
      tls: tlsFacts,
      http: {
        status: answer.status,
        reason: answer.reason,
        version: answer.version,
        contentType: answer.contentType,
        contentLength: answer.contentLength,
        location: answer.location,
        bodyBytes: answer.bodyBytes,
        address,
      },
    };
  } finally {
    closeQuietly(conn);
    if (conn !== dialed.conn) closeQuietly(dialed.conn);
  }
}

/** The state of a dial that failed: unresolved, timeout, closed, unreachable, TLS, error. */
function failedDial(e: unknown): ProbeOutcome {
  if (e instanceof ResolveError) {
    const { message } = describeError(e);
    const prefix = `cannot resolve host "${e.hostname}": `;
    return {
      state: "unresolved",
      reason: message.startsWith(prefix) ? message.slice(prefix.length) : message,
    };
  }
  if (e instanceof TimeoutError) return { state: "timeout" };
  if (e instanceof TlsError) {
    const reason = tlsText(e.failure, new Date(), false);
    return {
      state: CERTIFICATE_FAILURES.has(e.failure.kind) ? "unverified" : "tls-error",
      reason,
    };
  }
  if (e instanceof NetError) {
    const state = stateOfFailure(e.failure);
    return state === "closed" ? { state } : { state, reason: failureWords(e) };
  }
  return { state: "error", reason: describeError(e).message };
}

/** The state of a request that got no answer to judge. */
function failedExchange(e: unknown): ProbeOutcome {
  if (e instanceof HttpError) {
    const slow = e.failure.kind === "no-answer" || e.failure.kind === "slow-answer";
    return { state: slow ? "timeout" : "error", reason: httpText(e.failure) };
  }
  if (e instanceof NetError) return { state: "error", reason: failureWords(e) };
  return { state: "error", reason: describeError(e).message };
}
