/**
 * `check --wait`: what each attempt found, for the status line on a terminal and the JSON event
 * of each attempt, and the pause between attempts (from 100 ms, doubling, up to 1 s).
 */
import { formatDuration, round } from "../format.ts";
import { escapeControls } from "../io/escape.ts";
import { jsonLine } from "../io/json.ts";
import type { Rows } from "./plan.ts";
import type { CheckResults } from "./results.ts";
import type { CheckState } from "./states.ts";
import { targetVerdict } from "./verdict.ts";

/** The first pause between attempts, and the longest. */
export const WAIT_BACKOFF = { firstMs: 100, maxMs: 1000 } as const;

/**
 * The pause before attempt `attempt` (2 and on): 100 ms, 200 ms, 400 ms, 800 ms, then 1 s.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { backoffMs } from "./wait.ts";
 * assertEquals([2, 3, 4, 5, 6, 50].map(backoffMs), [100, 200, 400, 800, 1000, 1000]);
 * ```
 */
export function backoffMs(attempt: number): number {
  return Math.min(WAIT_BACKOFF.maxMs, WAIT_BACKOFF.firstMs * 2 ** Math.max(0, attempt - 2));
}

/** A target that is not up yet, as the latest attempt left it. */
export interface Pending {
  /** The target as written. */
  target: string;
  /** Its first port's state that is not open (or undefined: not probed yet). */
  state: CheckState | undefined;
  reason?: string;
}

/** The targets that are not up, in order, and how many there are in all. */
export function pendingTargets(rows: Rows, results: CheckResults): Pending[] {
  const pending: Pending[] = [];
  rows.targets.forEach((target, t) => {
    const states: (CheckState | undefined)[] = [];
    for (let row = rows.offsets[t]; row < rows.offsets[t + 1]; row++) {
      states.push(results.state(row));
    }
    if (targetVerdict(states) === "up") return;
    const at = states.findIndex((state) => state !== "open");
    const row = rows.offsets[t] + Math.max(0, at);
    const state = states[Math.max(0, at)];
    pending.push({
      target: target.text,
      state,
      reason: state === undefined ? undefined : results.reason(row, state),
    });
  });
  return pending;
}

/**
 * The status line of a terminal: `waiting for 1 of 2 targets (attempt 4, 1.20 s of 30.00 s):
 * http://127.0.0.1:8080/healthz unhealthy (status 503, expected 200-399)`, cut to `width`.
 */
export function statusLine(
  pending: Pending[],
  total: number,
  attempt: number,
  elapsedMs: number,
  waitMs: number,
  width: number,
): string {
  const head = `waiting for ${pending.length} of ${total} target${total === 1 ? "" : "s"} ` +
    `(attempt ${attempt}, ${formatDuration(elapsedMs)} of ${formatDuration(waitMs)})`;
  const what = pending.map((p) =>
    `${p.target} ${p.state ?? "not probed yet"}${p.reason ? ` (${p.reason})` : ""}`
  ).join("; ");
  const line = escapeControls(what === "" ? head : `${head}: ${what}`);
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/** The JSON event of one attempt: which targets are still not up, and why. */
export function attemptJson(
  pending: Pending[],
  total: number,
  attempt: number,
  elapsedMs: number,
): string {
  return jsonLine({
    event: "attempt",
    attempt,
    elapsed_ms: round(elapsedMs),
    targets: total,
    up: total - pending.length,
    waiting: pending.map((p) => ({
      target: p.target,
      state: p.state ?? null,
      ...(p.reason === undefined ? {} : { reason: p.reason }),
    })),
  });
}
