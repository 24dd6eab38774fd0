/**
 * What one round of check probes: every row (a target's host and port, as the user will see
 * it) points to a job, and each distinct address and port is one job, probed once, its result
 * shared by every row that names it (`localhost:22 127.0.0.1:22` is one connect).
 *
 * Rows are numbered in the order given: target by target, and within a target host by host,
 * port by port. Everything is kept in typed arrays: a /16 on thirty ports is two million rows.
 */
import type { Target } from "../net/targets.ts";

/** The rows of the targets: row `offsets[t] + h × ports + p` is host h, port p of target t. */
export interface Rows {
  targets: readonly Target[];
  /** Where each target's rows begin, and (last) the number of rows. */
  offsets: Int32Array;
  /** The number of rows. */
  count: number;
}

/**
 * The rows of `targets`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseTargets } from "../net/targets.ts";
 * import { rowsOf } from "./plan.ts";
 * const rows = rowsOf(parseTargets(["a:22,80", "10.0.0.0/30:22"]));
 * assertEquals([...rows.offsets], [0, 2, 4]);
 * ```
 */
export function rowsOf(targets: readonly Target[]): Rows {
  const offsets = new Int32Array(targets.length + 1);
  targets.forEach((t, i) => offsets[i + 1] = offsets[i] + t.hosts.length * t.ports.length);
  return { targets, offsets, count: offsets[targets.length] };
}

/** The host and port of a row, and its target's index. */
export interface RowPlace {
  target: number;
  host: string;
  port: number;
}

/**
 * Where row `row` is: its target, host and port.
 *
 * @param hint a target index to try first (the row's neighbour's), to skip the search
 */
export function placeOf(rows: Rows, row: number, hint = 0): RowPlace {
  let t = hint;
  if (!(rows.offsets[t] <= row && row < rows.offsets[t + 1])) {
    let lo = 0;
    let hi = rows.targets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rows.offsets[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    t = lo;
  }
  const target = rows.targets[t];
  const within = row - rows.offsets[t];
  const ports = target.ports.length;
  return {
    target: t,
    host: target.hosts[Math.floor(within / ports)],
    port: target.ports[within % ports],
  };
}

/** One round's jobs, and which rows each stands for. */
export interface RoundPlan {
  /** The addresses the jobs point into. */
  addresses: string[];
  /** Pairs of (index into `addresses`, port): one pair a job. */
  jobs: Int32Array;
  /** The name each job's TLS is for (the host as given, or --sni), with TLS; else empty. */
  names: string[];
  /** The job of each row; -1 for a row whose host did not resolve. */
  rowJob: Int32Array;
  /** The first row of each job. */
  jobRow: Int32Array;
  /** The further rows of the jobs that several rows share. */
  moreRows: Map<number, number[]>;
}

/** Options for {@linkcode planRound}. */
export interface PlanOptions {
  /**
   * With TLS, the name a host's certificate must be for: the host itself, or the --sni name.
   * Rows that dial one address under different names are different jobs, since the
   * certificate is checked against the name.
   */
  tlsName?: (host: string) => string;
}

/**
 * Plans a round: each row's host is given its address by `addressOf` (undefined: the host did
 * not resolve), and each distinct (address, port) — with TLS, (address, name, port) — becomes
 * one job.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseTargets } from "../net/targets.ts";
 * import { planRound, rowsOf } from "./plan.ts";
 * const rows = rowsOf(parseTargets(["localhost:22,80", "127.0.0.1:22"]));
 * const plan = planRound(rows, () => "127.0.0.1");
 * assertEquals([...plan.rowJob], [0, 1, 0]);
 * ```
 */
export function planRound(
  rows: Rows,
  addressOf: (host: string) => string | undefined,
  options: PlanOptions = {},
): RoundPlan {
  const { targets } = rows;
  const { tlsName } = options;
  // Each host's key (its address, and with TLS the name), counted: a key named by one host of
  // one target needs no lookup of its ports, since a target lists each port once.
  const keyIndex = new Map<string, number>();
  const keyUses: number[] = [];
  const keyAddress: number[] = [];
  const keyName: string[] = [];
  const addressIndex = new Map<string, number>();
  const addresses: string[] = [];
  const hostKeys = targets.map((target) =>
    target.hosts.map((host) => {
      // An HTTP target is not a job: check's HTTP probe dials it itself.
      if (target.http) return -1;
      const address = addressOf(host);
      if (address === undefined) return -1;
      const name = tlsName?.(host) ?? "";
      const key = tlsName ? `${address}\n${name}` : address;
      let k = keyIndex.get(key);
      if (k === undefined) {
        k = keyUses.length;
        keyIndex.set(key, k);
        keyUses.push(0);
        let a = addressIndex.get(address);
        if (a === undefined) {
          a = addresses.length;
          addressIndex.set(address, a);
          addresses.push(address);
        }
        keyAddress.push(a);
        keyName.push(name);
      }
      keyUses[k]++;
      return k;
    })
  );

  const rowJob = new Int32Array(rows.count).fill(-1);
  const jobs = new Int32Array(rows.count * 2);
  const jobRow = new Int32Array(rows.count);
  const names: string[] = [];
  const moreRows = new Map<number, number[]>();
  const shared = new Map<number, Map<number, number>>();
  let count = 0;
  targets.forEach((target, t) => {
    const ports = target.ports;
    hostKeys[t].forEach((k, h) => {
      if (k < 0) return;
      const first = rows.offsets[t] + h * ports.length;
      const byPort = keyUses[k] > 1 ? shared.get(k) ?? shared.set(k, new Map()).get(k)! : undefined;
      for (let p = 0; p < ports.length; p++) {
        const row = first + p;
        const known = byPort?.get(ports[p]);
        if (known !== undefined) {
          rowJob[row] = known;
          const more = moreRows.get(known);
          if (more) more.push(row);
          else moreRows.set(known, [row]);
          continue;
        }
        const job = count++;
        jobs[2 * job] = keyAddress[k];
        jobs[2 * job + 1] = ports[p];
        jobRow[job] = row;
        if (tlsName) names.push(keyName[k]);
        rowJob[row] = job;
        byPort?.set(ports[p], job);
      }
    });
  });
  return {
    addresses,
    jobs: jobs.slice(0, 2 * count),
    names,
    rowJob,
    jobRow: jobRow.slice(0, count),
    moreRows,
  };
}

/**
 * Calls `f` with every row of `job`.
 */
export function forEachRowOf(plan: RoundPlan, job: number, f: (row: number) => void): void {
  f(plan.jobRow[job]);
  const more = plan.moreRows.get(job);
  if (more) { for (const row of more) f(row); }
}
