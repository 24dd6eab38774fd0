/** Durations on the command line (`500ms`, `2s`, `1m`, a bare number of seconds) and in reports. */
import { UsageError } from "../errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days): longer ones would fire at once. */
const MAX_DURATION_MS = 2 ** 31 - 1;
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/;

/**
 * Parses a duration into milliseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * parseDuration("500ms"); // 500
 * parseDuration("2"); // 2000
 * ```
 * @throws {UsageError} when the text is not a positive duration
 */
export function parseDuration(raw: string, option = "duration"): number {
  const match = DURATION.exec(raw.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? "s"] : NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new UsageError(
      `Invalid ${option} "${raw}": expected a positive duration such as 500ms, 2s, 1m or 3`,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new UsageError(`Invalid ${option} "${raw}": at most 24 days (596h)`);
  }
  return ms;
}

/** Formats milliseconds for people: `0.42 ms`, `12 ms`, `1.50 s`, `2m 05s`. */
export function formatDuration(ms: number): string {
  // Each unit is chosen after rounding, so 999.6 ms shows as 1.00 s, not 1000 ms.
  if (Number(ms.toFixed(2)) < 10) return `${ms.toFixed(2)} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Number((ms / 1000).toFixed(2)) < 60) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}
