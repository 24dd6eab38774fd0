/**
 * Probing many TCP ports at once: connect, note the latency, close. A bounded number of connects
 * are in flight; one shared ticker aborts those past their deadline (a timer per probe costs
 * more). One isolate makes progress on only about 128 pending connects at once (more stall, and
 * come back as false timeouts), so each isolate keeps at most 100 in flight and larger scans are
 * spread over Workers.
 */

/** Connects in flight per isolate (main thread or Worker). */
const MAX_IN_FLIGHT_PER_ISOLATE = 100;
/** The most Workers one scan starts. */
const MAX_WORKERS = 16;
/** The most connects in flight one scan can have. */
export const MAX_CONCURRENCY = MAX_WORKERS * MAX_IN_FLIGHT_PER_ISOLATE;

/** What a probe found. `error` is anything else the system said. */
const PROBE_STATES = ["open", "closed", "timeout", "unreachable", "error"] as const;
/** One of {@linkcode PROBE_STATES}. */
export type ProbeState = typeof PROBE_STATES[number];

/** One connect attempt to plan: which address (an index into the address table) and port. */
export interface ProbeJob {
  address: number;
  port: number;
}

/** Options for {@linkcode probe}. */
export interface ProbeOptions {
  /** Connects in flight at once, over all Workers. */
  concurrency: number;
  timeoutMs: number;
  /** Called for each finished probe with the job's index. */
  onResult: (job: number, state: ProbeState, latencyMs: number | undefined) => void;
}

/**
 * Probes every job; resolves when all have a result.
 *
 * @param addresses the IP addresses the jobs point into (names are resolved beforehand)
 */
export async function probe(
  addresses: string[],
  jobs: ProbeJob[],
  options: ProbeOptions,
): Promise<void> {
  const flat = new Int32Array(jobs.length * 2);
  jobs.forEach((job, i) => {
    flat[2 * i] = job.address;
    flat[2 * i + 1] = job.port;
  });
  const report = (job: number, code: number, latency: number) =>
    options.onResult(job, PROBE_STATES[code], latency >= 0 ? latency : undefined);
  const lanes = Math.min(options.concurrency, jobs.length);
  const workers = Math.min(Math.ceil(lanes / MAX_IN_FLIGHT_PER_ISOLATE), MAX_WORKERS);
  if (workers <= 1) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // a refused connect then builds no stack: half the CPU
    try {
      const concurrency = Math.min(options.concurrency, MAX_IN_FLIGHT_PER_ISOLATE);
      await probeLoop(addresses, flat, null, concurrency, options.timeoutMs, report);
    } finally {
      Error.stackTraceLimit = limit;
    }
    return;
  }
  // Each Worker takes every n-th job, so that each gets a share of every host and port range.
  await Promise.all(Array.from({ length: workers }, (_, w) => {
    const mine: number[] = [];
    for (let i = w; i < jobs.length; i += workers) mine.push(i);
    return runWorker(addresses, flat, Int32Array.from(mine), {
      concurrency: Math.min(Math.ceil(options.concurrency / workers), MAX_IN_FLIGHT_PER_ISOLATE),
      timeoutMs: options.timeoutMs,
      report,
    });
  }));
}

function runWorker(
  addresses: string[],
  flat: Int32Array,
  indexes: Int32Array,
  options: {
    concurrency: number;
    timeoutMs: number;
    report: (j: number, c: number, l: number) => void;
  },
): Promise<void> {
  const source = `self.onmessage = async (e) => {
    Error.stackTraceLimit = 0;
    const batch = [];
    const send = () => { if (batch.length) self.postMessage(batch.splice(0)); };
    const probeLoop = ${probeLoop.toString()};
    await probeLoop(...e.data, (job, code, latency) => {
      batch.push(job, code, latency);
      if (batch.length >= 3 * 256) send();
    });
    send();
    self.postMessage("done");
  };`;
  const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
  const worker = new Worker(url, { type: "module" });
  URL.revokeObjectURL(url);
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<number[] | "done">) => {
      if (e.data === "done") {
        worker.terminate();
        resolve();
        return;
      }
      const batch = e.data;
      for (let i = 0; i < batch.length; i += 3) {
        options.report(batch[i], batch[i + 1], batch[i + 2]);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(`probe worker failed: ${e.message}`));
    };
    worker.postMessage([addresses, flat, indexes, options.concurrency, options.timeoutMs]);
  });
}

/**
 * The probing loop. It is self-contained (no imports, no outer variables) because its source
 * text is also a Worker's body. Reports each job as (job index, state code, latency or -1).
 */
async function probeLoop(
  addresses: string[],
  flat: Int32Array,
  indexes: Int32Array | null,
  concurrency: number,
  timeoutMs: number,
  report: (job: number, code: number, latency: number) => void,
): Promise<void> {
  const total = indexes ? indexes.length : flat.length / 2;
  const deadlines = new Map<AbortController, number>();
  const tick = Math.max(5, Math.min(100, timeoutMs / 10));
  const ticker = setInterval(() => {
    const now = performance.now();
    for (const [controller, deadline] of deadlines) if (now >= deadline) controller.abort();
  }, tick);
  let next = 0;
  const retry: number[] = [];
  const take = () => retry.length > 0 ? retry.pop()! : next < total ? next++ : -1;
  const lane = async () => {
    for (let i = take(); i >= 0; i = take()) {
      const job = indexes ? indexes[i] : i;
      const controller = new AbortController();
      const started = performance.now();
      deadlines.set(controller, started + timeoutMs);
      let code = 0;
      let latency = -1;
      try {
        const conn = await Deno.connect({
          hostname: addresses[flat[2 * job]],
          port: flat[2 * job + 1],
          signal: controller.signal,
        });
        latency = performance.now() - started;
        conn.close();
      } catch (e) {
        const name = e instanceof Error ? e.name : "";
        const message = e instanceof Error ? e.message : String(e);
        // (A refused connect, the most common end of a probe, is told by its name alone.)
        if (name !== "ConnectionRefused" && /too many open files/i.test(message)) {
          // Out of descriptors: wait for some to close, then try this job again.
          deadlines.delete(controller);
          retry.push(i);
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        code = controller.signal.aborted
          ? 2
          : name === "ConnectionRefused"
          ? 1
          : /unreachable/i.test(name + " " + message)
          ? 3
          : 4;
      }
      deadlines.delete(controller);
      report(job, code, latency);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  } finally {
    clearInterval(ticker);
  }
}
