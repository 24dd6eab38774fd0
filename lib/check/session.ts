/**
 * A probe that goes past the connect: the STARTTLS dialogue (--starttls), the TLS handshake and
 * the certificate (--tls), and the time to the server's first byte (--send TEXT, --banner), each
 * step timed and each within --timeout. These run on the main thread, at most 100 at once (as
 * many as one isolate keeps connecting without stalls); a plain connect scan uses probe.ts's
 * Workers instead.
 */
import {
  describeError,
  NetError,
  type NetFailure,
  ProxyError,
  ResolveError,
  TimeoutError,
  TlsError,
  tlsText,
} from "../errors.ts";
import { dial } from "../net/dial.ts";
import type { ProxyUrl } from "../net/proxy_url.ts";
import { expiryText, formatDuration } from "../format.ts";
import { connSource, writeAll } from "../io/chunks.ts";
import { QUIET, TimedSource } from "../io/timed_source.ts";
import { within } from "../io/timers.ts";
import { closeQuietly } from "../net/close.ts";
import { classifyFailure } from "../net/errors.ts";
import { MAX_IN_FLIGHT_PER_ISOLATE } from "../net/probe.ts";
import { startTls, type TlsClientOptions, type TlsSession } from "../net/tls.ts";
import { StartTlsClient, type StartTlsProtocol } from "../protocol/starttls.ts";
import type { Phase, ProbeOutcome } from "./results.ts";
import { failureReason } from "./reasons.ts";
import { stateOfFailure } from "./states.ts";

/** What a session probe does after connecting. */
export interface SessionOptions {
  /** Each step's time limit: the connect, the STARTTLS dialogue, the handshake, the first byte. */
  timeoutMs: number;
  /** Sessions at once (at most 100). */
  concurrency: number;
  /** The TLS handshake, and how the certificate is judged (--ca, --sni, --pin, --insecure). */
  tls?: TlsClientOptions;
  /** The plain dialogue that comes before TLS. */
  starttls?: StartTlsProtocol;
  /** Bytes to send, whose answer's first byte is timed. */
  send?: Uint8Array;
  /** Time the server's first bytes (its banner), sending nothing. */
  banner: boolean;
  /** A certificate that expires within this many days makes the state `expiring`. */
  warnDays?: number;
  /** Connect through this proxy (`--proxy`). */
  proxy?: ProxyUrl;
  /** Stops the probes: sessions under way are abandoned and not reported. */
  signal?: AbortSignal;
}

/** The most bytes read while waiting for the first byte. */
const FIRST_READ_BYTES = 4096;
const DAY_MS = 86_400_000;

/**
 * Runs a session probe for every job; resolves when all are done, or soon after an abort.
 *
 * @param names the name to verify each job's certificate against (with TLS)
 */
export async function probeSessions(
  addresses: string[],
  jobs: Int32Array,
  names: string[],
  options: SessionOptions,
  onResult: (job: number, outcome: ProbeOutcome) => void,
): Promise<void> {
  const total = jobs.length / 2;
  const { signal } = options;
  let next = 0;
  const lane = async () => {
    while (next < total && !signal?.aborted) {
      const job = next++;
      const address = addresses[jobs[2 * job]];
      const port = jobs[2 * job + 1];
      let outcome: ProbeOutcome;
      try {
        outcome = await session(address, port, names[job] ?? address, options);
      } catch (e) {
        if (signal?.aborted) return;
        outcome = { state: "error", reason: describeError(e).message };
      }
      if (signal?.aborted) return;
      onResult(job, outcome);
    }
  };
  const lanes = Math.min(options.concurrency, MAX_IN_FLIGHT_PER_ISOLATE, total);
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** One probe of `address`:`port`, step by step. */
async function session(
  address: string,
  port: number,
  name: string,
  options: SessionOptions,
): Promise<ProbeOutcome> {
  const { timeoutMs, signal } = options;
  const limit = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  let conn: Deno.Conn;
  try {
    conn = options.proxy
      ? (await dial({ kind: "tcp", hostname: address, port, tls: false }, {
        timeoutMs,
        proxy: options.proxy,
      })).conn
      : await Deno.connect({
        hostname: address,
        port,
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
      });
  } catch (e) {
    signal?.throwIfAborted();
    if (limit.aborted || e instanceof TimeoutError) return { state: "timeout" };
    if (e instanceof ProxyError || e instanceof ResolveError) return proxiedFailure(e);
    if (options.proxy && e instanceof NetError) {
      return { state: "error", reason: describeError(e).message };
    }
    return connectFailure(e);
  }
  const ms: Partial<Record<Phase, number>> = { connect: performance.now() - started };
  if (isSelfConnect(conn)) {
    closeQuietly(conn);
    return { state: "closed" };
  }
  const outcome: ProbeOutcome = { state: "open", ms };
  const plain = conn;
  try {
    let greeted = false;
    if (options.starttls) {
      const failed = await startTlsDialogue(conn, options, ms);
      if (failed) return { ...failed, ms };
      greeted = true;
    }
    if (options.tls) {
      const secured = await handshake(conn, name, address, port, options);
      if ("state" in secured) return { ...secured, ms };
      conn = secured.conn;
      ms.handshake = secured.session.handshakeMs;
      outcome.tls = {
        session: secured.session,
        nameMatches: await nameMatches(secured.session, name),
      };
      const judged = judge(secured.session, options);
      if (judged) {
        Object.assign(outcome, judged);
        // Nothing is sent to a server whose certificate did not verify.
        if (judged.state === "unverified") return outcome;
      }
    }
    if (options.send !== undefined || (options.banner && !greeted)) {
      const answered = await firstByte(conn, options);
      if ("firstByteMs" in answered) ms.first_byte = answered.firstByteMs;
      else return { ...outcome, ...answered };
    }
    return outcome;
  } catch (e) {
    signal?.throwIfAborted();
    return { ...afterConnectFailure(e), ms, tls: outcome.tls };
  } finally {
    closeQuietly(conn);
    if (conn !== plain) closeQuietly(plain);
  }
}

/**
 * The STARTTLS dialogue up to the server's go-ahead: undefined when TLS may begin, else what
 * stopped it. With --banner, the first byte of the greeting is timed.
 */
async function startTlsDialogue(
  conn: Deno.Conn,
  options: SessionOptions,
  ms: Partial<Record<Phase, number>>,
): Promise<ProbeOutcome | undefined> {
  const client = new StartTlsClient(options.starttls!);
  const source = new TimedSource(connSource(conn, { initialSize: 4096 }));
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  for (;;) {
    const chunk = await source.within(deadline - performance.now());
    if (chunk === QUIET) {
      return {
        state: "timeout",
        reason: `STARTTLS: no answer within ${formatDuration(options.timeoutMs)}`,
      };
    }
    if (chunk === null) {
      return {
        state: "tls-error",
        reason: "STARTTLS: the server closed the connection before TLS began",
      };
    }
    if (options.banner) ms.first_byte ??= performance.now() - started;
    const step = client.push(chunk);
    if (step.kind === "failed") return { state: "tls-error", reason: `STARTTLS: ${step.reason}` };
    if (step.kind === "ready") return undefined;
    if (step.kind === "send") await writeAll(conn, step.bytes);
  }
}

/** The handshake in inspect mode: the session, or the state it failed with. */
async function handshake(
  conn: Deno.Conn,
  name: string,
  address: string,
  port: number,
  options: SessionOptions,
): Promise<{ conn: Deno.Conn; session: TlsSession } | ProbeOutcome> {
  try {
    return await startTls(conn, name, `TLS with ${address}:${port}`, {
      ...options.tls,
      inspect: true,
      timeoutMs: options.timeoutMs,
      // --ca adds to the system's roots: Deno's TLS may be asked on a second connection (not
      // after STARTTLS, whose dialogue it would need again).
      reconnect: options.starttls
        ? undefined
        : async () =>
          options.proxy
            ? (await dial({ kind: "tcp", hostname: address, port, tls: false }, {
              timeoutMs: options.timeoutMs,
              proxy: options.proxy,
            })).conn
            : await Deno.connect({ hostname: address, port }),
    });
  } catch (e) {
    if (!(e instanceof TlsError)) throw e;
    const reason = tlsText(e.failure, new Date(), false);
    // A certificate other than the pinned one did not verify; anything else is the handshake.
    return { state: e.failure.kind === "pin-mismatch" ? "unverified" : "tls-error", reason };
  }
}

/** The state a certificate makes, when it is not open: unverified, or expiring. */
function judge(session: TlsSession, options: SessionOptions): ProbeOutcome | undefined {
  const now = new Date();
  // Inspection made the connection whatever the certificate: "insecure" trust means it did not
  // verify, and only --insecure accepts that.
  if (session.trust === "insecure" && session.failure && !options.tls?.insecure) {
    return { state: "unverified", reason: tlsText(session.failure, now, false) };
  }
  const notAfter = session.certificate?.notAfter;
  const { warnDays } = options;
  if (
    notAfter && warnDays !== undefined && notAfter.getTime() - now.getTime() < warnDays * DAY_MS
  ) {
    return {
      state: "expiring",
      reason: `certificate ${expiryText(notAfter, now)}, within --warn-days ${warnDays}`,
    };
  }
  return undefined;
}

/**
 * True when the certificate is for `name`, whatever else is wrong with it. certs.ts's verdict
 * checks the dates before the name, so it is asked at a moment the certificate is valid: its
 * only possible complaint about the name is then a name mismatch.
 */
async function nameMatches(session: TlsSession, name: string): Promise<boolean> {
  const facts = session.certificate;
  if (!facts) return false;
  // Loaded already: the handshake read the certificate with it.
  const { verificationFailure } = await import("../net/certs.ts");
  const failure = verificationFailure({
    authorized: false,
    facts,
    expectedName: name,
    now: facts.notBefore,
  });
  return failure?.kind !== "name-mismatch";
}

/** Sends --send's bytes (if any) and waits for the first byte of the answer. */
async function firstByte(
  conn: Deno.Conn,
  options: SessionOptions,
): Promise<{ firstByteMs: number } | ProbeOutcome> {
  const started = performance.now();
  if (options.send !== undefined) await writeAll(conn, options.send);
  const read = conn.read(new Uint8Array(FIRST_READ_BYTES));
  read.catch(() => {}); // abandoned when the time is up: its failure is nobody's
  const n = await within(read, options.timeoutMs, QUIET);
  if (n === QUIET) {
    // A port that took the connection is open; many servers (TLS, HTTP) wait for the client.
    return options.send !== undefined
      ? {
        state: "timeout",
        reason: `no answer within ${formatDuration(options.timeoutMs)} to --send`,
      }
      : {
        state: "open",
        reason: `no banner within ${formatDuration(options.timeoutMs)}: the server waits for ` +
          "the client to speak first (as TLS and HTTP do: try --tls or --send)",
      };
  }
  if (n === null) {
    return { state: "error", reason: "the server closed the connection without a byte" };
  }
  return { firstByteMs: performance.now() - started };
}

/** The state of a connect that failed. */
function connectFailure(e: unknown): ProbeOutcome {
  const failure: NetFailure = classifyFailure(e) ?? "other";
  const state = stateOfFailure(failure);
  if (state === "closed") return { state };
  return { state, reason: failureReason(failure, e) };
}

/** A connect through the proxy that failed: refused through it is `closed`, as without one. */
function proxiedFailure(e: ProxyError | ResolveError): ProbeOutcome {
  const target = e instanceof ProxyError ? e.targetFailure : undefined;
  const state = target
    ? stateOfFailure(target)
    : e instanceof ResolveError
    ? "unresolved"
    : "error";
  if (state === "closed") return { state };
  return { state, reason: describeError(e).message };
}

/** A failure after the connect: the port is open, but the session broke off. */
function afterConnectFailure(e: unknown): ProbeOutcome {
  if (e instanceof NetError || e instanceof TlsError) {
    return { state: "error", reason: describeError(e).message };
  }
  const failure = classifyFailure(e);
  return { state: "error", reason: failureReason(failure ?? "other", e) };
}

/** True when a TCP connection's two ends are one address and port: a connection to itself. */
function isSelfConnect(conn: Deno.Conn): boolean {
  const local = conn.localAddr as Deno.NetAddr;
  const remote = conn.remoteAddr as Deno.NetAddr;
  return local.port === remote.port && local.hostname === remote.hostname;
}
