/** What every report of a check reads: the rows, their results, and the run's totals. */
import type { Target } from "../net/targets.ts";
import { placeOf, type RoundPlan, type RowPlace, type Rows } from "./plan.ts";
import type { CheckResults } from "./results.ts";
import { CHECK_STATES, type CheckState } from "./states.ts";
import { targetVerdict, type Verdict } from "./verdict.ts";

/** A finished (or interrupted) check, for the text, JSON and Prometheus reports. */
export interface CheckReport {
  rows: Rows;
  results: CheckResults;
  /** The last round's plan: each row's address. */
  plan: RoundPlan | undefined;
  /** Rounds asked for (`--count`). */
  count: number;
  /** Rounds that ran to their end. */
  rounds: number;
  /** Every port of a range, not only the open ones (`-v`). */
  verbose: boolean;
  elapsedMs: number;
  /** Stopped by Ctrl-C. */
  interrupted: boolean;
  /** The exit code check ends with. */
  exitCode: number;
}

/** The address `row` was probed at in the last round; null when its host did not resolve. */
export function addressOf(report: CheckReport, row: number): string | null {
  const plan = report.plan;
  if (!plan) return null;
  const job = plan.rowJob[row];
  return job < 0 ? null : plan.addresses[plan.jobs[2 * job]];
}

/**
 * Calls `f` with every row of `target` (index `t`) that has been probed, in order, with its
 * host and port.
 */
export function forEachRow(
  report: CheckReport,
  t: number,
  f: (row: number, place: RowPlace) => void,
): void {
  const { rows, results } = report;
  for (let row = rows.offsets[t]; row < rows.offsets[t + 1]; row++) {
    if (results.probes(row) === 0) continue;
    f(row, placeOf(rows, row, t));
  }
}

/** The probed rows of target `t`, in order, with their hosts and ports. */
export function* probedRowsOf(report: CheckReport, t: number): Generator<[number, RowPlace]> {
  const { rows, results } = report;
  for (let row = rows.offsets[t]; row < rows.offsets[t + 1]; row++) {
    if (results.probes(row) === 0) continue;
    yield [row, placeOf(rows, row, t)];
  }
}

/** How many probed rows ended in each state, every state present. */
export function stateTotals(report: CheckReport): Record<CheckState, number> {
  const totals = Object.fromEntries(CHECK_STATES.map((s) => [s, 0])) as Record<CheckState, number>;
  const { rows, results } = report;
  for (let row = 0; row < rows.count; row++) {
    const state = results.state(row);
    if (state !== undefined) totals[state]++;
  }
  return totals;
}

/** How many rows have been probed. */
export function probedRows(report: CheckReport): number {
  let n = 0;
  for (let row = 0; row < report.rows.count; row++) if (report.results.probes(row) > 0) n++;
  return n;
}

/** How many probes were made in all (a shared probe counts for each of its rows). */
export function probeTotal(report: CheckReport): number {
  let n = 0;
  for (let row = 0; row < report.rows.count; row++) n += report.results.probes(row);
  return n;
}

/** How many distinct hosts the targets name. */
export function hostTotal(targets: readonly Target[]): number {
  const hosts = new Set<string>();
  for (const target of targets) for (const host of target.hosts) hosts.add(host);
  return hosts.size;
}

/** Each target's verdict, from its rows' states. */
export function verdictsOf(rows: Rows, results: CheckResults): Verdict[] {
  return rows.targets.map((_, t) => {
    const states: (CheckState | undefined)[] = [];
    for (let row = rows.offsets[t]; row < rows.offsets[t + 1]; row++) {
      states.push(results.state(row));
    }
    return targetVerdict(states);
  });
}

/** `1 port`, `3 ports`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `3 open, 99 closed`: the states with a count, in CHECK_STATES order. */
export function describeTotals(totals: Record<CheckState, number>): string {
  const parts = CHECK_STATES.filter((s) => totals[s] > 0).map((s) => `${totals[s]} ${s}`);
  return parts.length > 0 ? parts.join(", ") : "nothing probed";
}
