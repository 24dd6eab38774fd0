/**
 * @module
 * Resolving a host to the address to dial: an IP literal at once, a name through the system
 * resolver (getaddrinfo, so /etc/hosts counts, as nc does), and every failure typed by why it
 * failed ({@linkcode ResolveError}): not found, no address of the family, the DNS server
 * unreachable, the DNS server not answering in time.
 *
 * Why a worker: getaddrinfo cannot be cancelled, and a lookup still running keeps a Deno process
 * alive until the resolver gives up (seconds per server, per try). The lookup runs in a worker
 * that is terminated once nothing waits for it, so an abort (the caller's --timeout) ends the
 * wait at once and leaves nothing behind.
 *
 * Why the timing and the probe: getaddrinfo says EAI_AGAIN for a DNS server that timed out, for
 * one that is unreachable (ICMP port unreachable, no route) and for one that answered SERVFAIL
 * or REFUSED. glibc waits at least one second for each try that times out, so EAI_AGAIN after
 * less than that means no try timed out; a short probe of our own (`Deno.resolveDns`) then
 * tells a server that answers (with an error) from one that cannot be reached.
 */
import ipaddr from "ipaddr.js";
import { ResolveError, type ResolveFailure } from "../errors.ts";
import { ipFamily } from "./address.ts";

/** Options for {@linkcode resolve} and {@linkcode resolveAll}. */
export interface ResolveOptions {
  /** Only addresses of this family (`-4`, `-6`); either when left out. */
  family?: 4 | 6;
  /** Take the host as an IP literal and never look it up (`-n`): anything else is an error. */
  numericOnly?: boolean;
  /** Gives up when aborted (the caller's --timeout); the lookup is abandoned, not waited for. */
  signal?: AbortSignal;
}

/** An address to dial, and the time the lookup took. */
export interface Resolved {
  /** An IPv4 or IPv6 address (IPv6 without brackets, a zone such as `%eth0` kept). */
  address: string;
  /** The address's family. */
  family: 4 | 6;
  /** How long the lookup took, in milliseconds; 0 for an IP literal. */
  ms: number;
}

/** Every address of a name, in the order to try them, and the time the lookup took. */
export interface ResolvedAll {
  /** The addresses, in the system resolver's order (at least one). */
  addresses: { address: string; family: 4 | 6 }[];
  /** How long the lookup took, in milliseconds; 0 for an IP literal. */
  ms: number;
}

/**
 * Resolves `hostname` to the first address to dial.
 *
 * @param hostname a name, an IPv4 address, or an IPv6 address with or without brackets
 * @returns the address, its family and how long the lookup took
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolve } from "./resolve.ts";
 * assertEquals(await resolve("[::1]"), { address: "::1", family: 6, ms: 0 });
 * ```
 * @throws {ResolveError} the name did not resolve, with why (exit 3)
 * @throws {unknown} the signal's reason, when it was aborted for any reason but a timeout
 */
export async function resolve(hostname: string, options: ResolveOptions = {}): Promise<Resolved> {
  const { addresses, ms } = await resolveAll(hostname, options);
  return { ...addresses[0], ms };
}

/**
 * Resolves `hostname` to every address of the family asked for, to try in turn as nc does.
 *
 * @throws {ResolveError} the name did not resolve, with why (exit 3)
 * @throws {unknown} the signal's reason, when it was aborted for any reason but a timeout
 */
export async function resolveAll(
  hostname: string,
  options: ResolveOptions = {},
): Promise<ResolvedAll> {
  const literal = literalAddress(hostname, options.family);
  if (literal !== null) return { addresses: [literal], ms: 0 };
  if (options.numericOnly) {
    throw new ResolveError(hostname, "other", {
      detail: "not an IP address, and names are not looked up (numeric only)",
    });
  }
  const { signal, family } = options;
  try {
    signal?.throwIfAborted();
    const reply = await lookupInWorker(hostname, family ?? 0, signal);
    if ("addresses" in reply) {
      const addresses = reply.addresses.filter((a) => family === undefined || a.family === family);
      if (addresses.length === 0) {
        throw new ResolveError(hostname, "no-address", { detail: familyName(family) });
      }
      return { addresses, ms: reply.ms };
    }
    const cause = Object.assign(new Error(reply.error.message), reply.error);
    let verdict = classifyLookupError(reply.error, reply.ms, family);
    if (verdict === "probe") {
      verdict = classifyProbe(await probeResolver(hostname, family, reply.ms, signal));
    }
    throw new ResolveError(hostname, verdict.failure, { detail: verdict.detail, cause });
  } catch (e) {
    if (signal?.aborted && !(e instanceof ResolveError)) {
      if (isTimeout(signal.reason)) {
        throw new ResolveError(hostname, "resolver-timeout", { cause: signal.reason });
      }
      throw signal.reason;
    }
    throw e;
  }
}

/**
 * The address of the host as the system resolver once had it: its first answer, null when the
 * name does not resolve (for `check`, which reports such a host as `unresolved`).
 */
export async function resolveHost(hostname: string): Promise<string | null> {
  try {
    return (await resolve(hostname)).address;
  } catch (e) {
    if (e instanceof ResolveError) return null;
    throw e;
  }
}

/**
 * The address an IP literal stands for, checked against `family`; null for a host name, which
 * needs a lookup. An IPv4-mapped IPv6 address asked for as IPv4 is given as IPv4.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { literalAddress } from "./resolve.ts";
 * assertEquals(literalAddress("::ffff:127.0.0.1", 4), { address: "127.0.0.1", family: 4 });
 * assertEquals(literalAddress("localhost"), null);
 * ```
 * @throws {ResolveError} `no-address` for a literal of the other family; `other` for a host no
 *   resolver could know, which would only leak a query: numbers and dots that are not an IPv4
 *   address (`999.1.1.1`: no top-level domain is a number), colons that are not an IPv6 address
 */
export function literalAddress(
  hostname: string,
  family?: 4 | 6,
): { address: string; family: 4 | 6 } | null {
  const bare = /^\[(.*)\]$/s.exec(hostname)?.[1] ?? hostname;
  const kind = ipFamily(bare);
  if (kind === 4 && bare === hostname) {
    if (family === 6) throw new ResolveError(hostname, "no-address", { detail: "IPv6" });
    return { address: bare, family: 4 };
  }
  if (kind === 6) {
    if (family !== 4) return { address: bare, family: 6 };
    const parsed = ipaddr.IPv6.parse(bare);
    if (parsed.isIPv4MappedAddress()) {
      return { address: parsed.toIPv4Address().toString(), family: 4 };
    }
    throw new ResolveError(hostname, "no-address", { detail: "IPv4" });
  }
  if (bare !== hostname || hostname.includes(":")) {
    throw new ResolveError(hostname, "other", { detail: "not a valid IPv6 address" });
  }
  const last = hostname.replace(/\.$/, "").split(".").pop()!;
  if (/^(\d+|0x[0-9a-f]*)$/i.test(last)) {
    throw new ResolveError(hostname, "other", {
      detail: "not a valid IPv4 address (four numbers from 0 to 255, such as 127.0.0.1)",
    });
  }
  return null;
}

/** A failed lookup as the worker reports it: node:dns's `code` and libuv's `errno`. */
export interface LookupErrorInfo {
  /** `ENOTFOUND` (for both EAI_NONAME and EAI_NODATA), `EAI_AGAIN`, `EPERM`... */
  code?: string;
  /** libuv's number, which tells EAI_NONAME (-3008) from EAI_NODATA (-3007). */
  errno?: number;
  /** node:dns's words, kept only for the error's cause. */
  message: string;
}

/** A failure kind, with the words for `no-address` (the family) and `other`. */
export interface Verdict {
  failure: ResolveFailure;
  detail?: string;
}

/** libuv's getaddrinfo error numbers (the same on every platform). */
const UV_EAI_AGAIN = -3001;
const UV_EAI_FAIL = -3004;
const UV_EAI_NODATA = -3007;
const UV_EAI_NONAME = -3008;

/**
 * glibc waits at least a second for a try before it gives up on it (`options timeout:0` is
 * taken as 1), so an EAI_AGAIN after this long had a try time out; a little below the second,
 * for timer slack.
 */
export const TIMED_OUT_AFTER_MS = 900;

/**
 * Why a lookup failed, from node:dns's error codes and how long it took; `probe` when only the
 * DNS server can say (a quick EAI_AGAIN: unreachable, or answering SERVFAIL or REFUSED).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classifyLookupError } from "./resolve.ts";
 * const nxdomain = { code: "ENOTFOUND", errno: -3008, message: "" };
 * assertEquals(classifyLookupError(nxdomain, 12), { failure: "not-found" });
 * ```
 */
export function classifyLookupError(
  error: LookupErrorInfo,
  ms: number,
  family?: 4 | 6,
): Verdict | "probe" {
  switch (error.errno) {
    case UV_EAI_NONAME:
      return { failure: "not-found" };
    case UV_EAI_NODATA:
      return { failure: "no-address", detail: familyName(family) };
    case UV_EAI_AGAIN:
      return ms >= TIMED_OUT_AFTER_MS ? { failure: "resolver-timeout" } : "probe";
    case UV_EAI_FAIL:
      return { failure: "other", detail: "the DNS server failed (a non-recoverable error)" };
  }
  if (error.code === "EPERM") {
    return { failure: "other", detail: "no permission to look names up (--allow-net)" };
  }
  return { failure: "other", detail: `name lookup failed (${error.code ?? error.errno})` };
}

/** What a probe of the DNS server met: an answer of any kind, nothing in time, or an error. */
export type ProbeOutcome = "answered" | "silent" | "unknown";

/**
 * Why a quick EAI_AGAIN happened, from a probe of the DNS server: a server that answers did
 * answer the lookup too, with an error; one that stays silent refused it (port unreachable) or
 * has no route to it.
 */
export function classifyProbe(outcome: ProbeOutcome): Verdict {
  switch (outcome) {
    case "answered":
      return {
        failure: "other",
        detail: "the DNS server reported a failure (SERVFAIL or REFUSED)",
      };
    case "silent":
      return { failure: "resolver-unreachable" };
    case "unknown":
      return { failure: "other", detail: "temporary failure in name resolution" };
  }
}

/**
 * How long to give the probe: the lookup came back after `lookupMs` with what the server said
 * (or the refusal), so a server that answers at all answers again in about that time.
 */
export function probeWindowMs(lookupMs: number): number {
  return Math.min(Math.max(4 * lookupMs + 100, 200), 1000);
}

/** Asks the DNS server ourselves whether it answers (a quick EAI_AGAIN does not say). */
async function probeResolver(
  hostname: string,
  family: 4 | 6 | undefined,
  lookupMs: number,
  signal: AbortSignal | undefined,
): Promise<ProbeOutcome> {
  const window = AbortSignal.timeout(probeWindowMs(lookupMs));
  try {
    await Deno.resolveDns(hostname, family === 6 ? "AAAA" : "A", {
      signal: signal ? AbortSignal.any([signal, window]) : window,
    });
    return "answered";
  } catch (e) {
    signal?.throwIfAborted();
    if (e instanceof Deno.errors.NotFound) return "answered";
    if (window.aborted || e instanceof Deno.errors.TimedOut) return "silent";
    return "unknown";
  }
}

function familyName(family: 4 | 6 | undefined): string | undefined {
  return family === undefined ? undefined : `IPv${family}`;
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof DOMException && reason.name === "TimeoutError";
}

// --- The lookup worker ------------------------------------------------------------------------

/** A lookup the worker is asked for. */
interface LookupRequest {
  id: number;
  hostname: string;
  family: 0 | 4 | 6;
}

/** The worker's answer: the addresses, or the error's code and errno; how long it took. */
type LookupReply =
  & { id: number; ms: number }
  & (
    | { addresses: { address: string; family: 4 | 6 }[] }
    | { error: LookupErrorInfo }
  );

/** What the worker's body needs of its global scope. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<LookupRequest>) => void) | null;
  postMessage(reply: LookupReply): void;
}

type LookupAll = (
  hostname: string,
  options: { all: true; family: 0 | 4 | 6 },
) => Promise<{ address: string; family: number }[]>;

/**
 * The worker's body. Its source text runs in the worker, so it refers to nothing outside itself:
 * it gets its scope and node:dns's `lookup` as arguments.
 */
function lookupWorkerBody(scope: WorkerScope, lookup: LookupAll): void {
  scope.onmessage = async ({ data: { id, hostname, family } }) => {
    const started = performance.now();
    try {
      const found = await lookup(hostname, { all: true, family });
      const addresses = found.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
      scope.postMessage({ id, ms: performance.now() - started, addresses });
    } catch (e) {
      const { code, errno, message } = e as { code?: string; errno?: number; message?: string };
      scope.postMessage({
        id,
        ms: performance.now() - started,
        error: { code, errno, message: String(message ?? e) },
      });
    }
  };
}

const WORKER_SOURCE = `import { lookup } from "node:dns/promises";
(${lookupWorkerBody.toString()})(self, lookup);
`;

interface Waiter {
  resolve(reply: LookupReply): void;
  reject(e: unknown): void;
}

/** The worker while lookups wait for it; terminated as soon as none does. */
let worker: Worker | undefined;
let workerUrl: string | undefined;
const waiting = new Map<number, Waiter>();
let nextId = 0;

function startWorker(): Worker {
  // A data: URL, not a blob: one, works in compiled binaries too (docs/architecture.md).
  workerUrl ??= `data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`;
  const started = new Worker(workerUrl, { type: "module", name: "tcpkit-lookup" });
  started.onmessage = (event: MessageEvent<LookupReply>) => {
    waiting.get(event.data.id)?.resolve(event.data);
  };
  started.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    const error = new Error(`the lookup worker failed: ${event.message}`);
    for (const waiter of [...waiting.values()]) waiter.reject(error);
  };
  return started;
}

/** Runs one lookup in the worker; an abort stops the wait, and the worker once it is idle. */
function lookupInWorker(
  hostname: string,
  family: 0 | 4 | 6,
  signal: AbortSignal | undefined,
): Promise<LookupReply> {
  return new Promise<LookupReply>((resolve, reject) => {
    const id = nextId++;
    const done = () => {
      waiting.delete(id);
      signal?.removeEventListener("abort", onAbort);
      if (waiting.size === 0) {
        worker?.terminate();
        worker = undefined;
      }
    };
    const onAbort = () => {
      done();
      reject(signal!.reason);
    };
    waiting.set(id, {
      resolve: (reply) => {
        done();
        resolve(reply);
      },
      reject: (e) => {
        done();
        reject(e);
      },
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    worker ??= startWorker();
    worker.postMessage({ id, hostname, family } satisfies LookupRequest);
  });
}
