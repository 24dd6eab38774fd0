/**
 * Probing many TCP ports at once: connect, note the latency, close. A bounded number of connects
 * are in flight; one shared ticker aborts those past their deadline (a timer per probe costs
 * more). One isolate makes progress on only about 128 pending connects at once (more stall, and
 * come back as false timeouts), so each isolate keeps at most 100 in flight and larger scans are
 * spread over Workers.
 *
 * A failed connect is told apart by {@linkcode classifyFailure} (by error class and code, never
 * by its words), whose source text goes to the Workers with the probing loop's. A connection
 * whose two ends are one address and port (the kernel chose the port probed as the source port,
 * on a host where nothing listens on it: a TCP self-connect) is a refused connect, not an open
 * port.
 */
import type { NetFailure } from "../errors.ts";
import { classifyFailure } from "./errors.ts";

/** Connects in flight per isolate (main thread or Worker). */
export const MAX_IN_FLIGHT_PER_ISOLATE = 100;
/** The most Workers one scan starts. */
const MAX_WORKERS = 16;
/** The most connects in flight one scan can have. */
export const MAX_CONCURRENCY = MAX_WORKERS * MAX_IN_FLIGHT_PER_ISOLATE;

/** What one connect found: open (with its latency), no answer in time, or a failure by kind. */
export type ProbeResult =
  | { kind: "open"; latencyMs: number }
  | { kind: "timeout" }
  | {
    kind: "failed";
    /** The failure's kind; a self-connect is `refused`. */
    failure: NetFailure;
    /** The system's words, for a failure nothing classified (`other`). */
    detail?: string;
  };

/** Options for {@linkcode probe}. */
export interface ProbeOptions {
  /** Connects in flight at once, over all Workers. */
  concurrency: number;
  timeoutMs: number;
  /** Stops the scan: connects under way are abandoned and not reported. */
  signal?: AbortSignal;
  /** Called for each finished probe with the job's index. */
  onResult: (job: number, result: ProbeResult) => void;
}

/** Codes the loop reports with (numbers cross to the main thread cheaply); 2 is a failure. */
const OPEN = 0;
const TIMEOUT = 1;

/**
 * Probes every job; resolves when all have a result, or soon after `signal` aborts.
 *
 * @param addresses the IP addresses the jobs point into (names are resolved beforehand)
 * @param jobs pairs of (index into `addresses`, port), one pair a job
 */
export async function probe(
  addresses: string[],
  jobs: Int32Array,
  options: ProbeOptions,
): Promise<void> {
  const count = jobs.length / 2;
  const { signal } = options;
  if (count === 0 || signal?.aborted) return;
  const report = (job: number, code: number, latency: number, detail: string | null) => {
    if (signal?.aborted) return;
    options.onResult(
      job,
      code === OPEN
        ? { kind: "open", latencyMs: latency }
        : code === TIMEOUT
        ? { kind: "timeout" }
        : detail !== null && detail.startsWith("other:")
        ? { kind: "failed", failure: "other", detail: detail.slice(6) }
        : { kind: "failed", failure: (detail ?? "other") as NetFailure },
    );
  };
  const lanes = Math.min(options.concurrency, count);
  const workers = Math.min(Math.ceil(lanes / MAX_IN_FLIGHT_PER_ISOLATE), MAX_WORKERS);
  if (workers <= 1) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // a refused connect then builds no stack: half the CPU
    try {
      const concurrency = Math.min(options.concurrency, MAX_IN_FLIGHT_PER_ISOLATE);
      await probeLoop(
        addresses,
        jobs,
        concurrency,
        options.timeoutMs,
        signal ?? null,
        classifyFailure,
        report,
      );
    } finally {
      Error.stackTraceLimit = limit;
    }
    return;
  }
  // Each Worker takes every n-th job, so that each gets a share of every host and port range;
  // it is sent only its own jobs, and reports them by their place in its share.
  await Promise.all(Array.from({ length: workers }, (_, w) => {
    const mine = new Int32Array(Math.ceil((count - w) / workers));
    const share = new Int32Array(mine.length * 2);
    for (let i = w, k = 0; i < count; i += workers, k++) {
      mine[k] = i;
      share[2 * k] = jobs[2 * i];
      share[2 * k + 1] = jobs[2 * i + 1];
    }
    return runWorker(addresses, share, {
      concurrency: Math.min(Math.ceil(options.concurrency / workers), MAX_IN_FLIGHT_PER_ISOLATE),
      timeoutMs: options.timeoutMs,
      signal,
      report: (k, code, latency, detail) => report(mine[k], code, latency, detail),
    });
  }));
}

/** The Worker's body: the loop and the classifier as source text, so it needs no file. */
const WORKER_SOURCE = `self.onmessage = async (e) => {
  Error.stackTraceLimit = 0;
  const batch = [];
  const send = () => { if (batch.length) self.postMessage(batch.splice(0)); };
  const classifyFailure = ${classifyFailure.toString()};
  const probeLoop = ${probeLoop.toString()};
  await probeLoop(...e.data, null, classifyFailure, (job, code, latency, detail) => {
    batch.push(job, code, latency, detail);
    if (batch.length >= 4 * 256) send();
  });
  send();
  self.postMessage("done");
};`;

function runWorker(
  addresses: string[],
  jobs: Int32Array,
  options: {
    concurrency: number;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    report: (job: number, code: number, latency: number, detail: string | null) => void;
  },
): Promise<void> {
  // A data: URL, not a blob: one, works in compiled binaries too (docs/architecture.md).
  const url = `data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`;
  const worker = new Worker(url, { type: "module" });
  return new Promise<void>((resolve, reject) => {
    const { signal } = options;
    const finish = () => {
      signal?.removeEventListener("abort", finish);
      worker.terminate();
      resolve();
    };
    // An abort ends the Worker at once: its connects under way go with it, unreported.
    signal?.addEventListener("abort", finish, { once: true });
    worker.onmessage = (e: MessageEvent<(number | string | null)[] | "done">) => {
      if (e.data === "done") {
        finish();
        return;
      }
      const batch = e.data;
      for (let i = 0; i < batch.length; i += 4) {
        options.report(
          batch[i] as number,
          batch[i + 1] as number,
          batch[i + 2] as number,
          batch[i + 3] as string | null,
        );
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      signal?.removeEventListener("abort", finish);
      worker.terminate();
      reject(new Error(`probe worker failed: ${e.message}`));
    };
    worker.postMessage([addresses, jobs, options.concurrency, options.timeoutMs]);
  });
}

/**
 * The probing loop. It is self-contained (no imports, no outer variables) because its source
 * text is also a Worker's body. Reports each job as (job index, code, latency or -1, detail):
 * code 0 open, 1 timeout, 2 failed with detail the failure's kind (a `NetFailure`), or
 * `other:` and the system's words for a failure the classifier does not know.
 */
async function probeLoop(
  addresses: string[],
  jobs: Int32Array,
  concurrency: number,
  timeoutMs: number,
  stop: { readonly aborted: boolean } | null,
  classify: (e: unknown) => string | undefined,
  report: (job: number, code: number, latency: number, detail: string | null) => void,
): Promise<void> {
  const total = jobs.length / 2;
  const deadlines = new Map<AbortController, number>();
  const tick = Math.max(5, Math.min(100, timeoutMs / 10));
  const ticker = setInterval(() => {
    const now = performance.now();
    const stopped = stop !== null && stop.aborted;
    for (const [controller, deadline] of deadlines) {
      if (stopped || now >= deadline) controller.abort();
    }
  }, tick);
  let next = 0;
  const retry: number[] = [];
  const take = () => {
    if (stop !== null && stop.aborted) return -1;
    return retry.length > 0 ? retry.pop()! : next < total ? next++ : -1;
  };
  const lane = async () => {
    for (let job = take(); job >= 0; job = take()) {
      const controller = new AbortController();
      const started = performance.now();
      deadlines.set(controller, started + timeoutMs);
      const port = jobs[2 * job + 1];
      let code = 0;
      let latency = -1;
      let detail: string | null = null;
      try {
        const conn = await Deno.connect({
          hostname: addresses[jobs[2 * job]],
          port,
          signal: controller.signal,
        });
        latency = performance.now() - started;
        const local = conn.localAddr as Deno.NetAddr;
        const remote = conn.remoteAddr as Deno.NetAddr;
        conn.close();
        if (local.port === remote.port && local.hostname === remote.hostname) {
          // A TCP self-connect: nothing listens there, the kernel connected the socket to itself.
          code = 2;
          latency = -1;
          detail = "refused";
        }
      } catch (e) {
        const failure = classify(e);
        if (failure === "too-many-files") {
          // Out of descriptors: wait for some to close, then try this job again.
          deadlines.delete(controller);
          retry.push(job);
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        if (controller.signal.aborted) {
          code = 1;
        } else {
          code = 2;
          if (failure !== undefined) {
            detail = failure;
          } else {
            const words = (e instanceof Error ? e.message : String(e))
              .replace(/\s*\(os error \d+\)$/, "");
            detail = "other:" + words.charAt(0).toLowerCase() + words.slice(1);
          }
        }
      }
      deadlines.delete(controller);
      if (stop !== null && stop.aborted) return;
      report(job, code, latency, detail);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  } finally {
    clearInterval(ticker);
  }
}
