/** Durations on the command line: `500ms`, `2s`, `1m`, or a bare number of seconds. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";

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
      `Invalid ${option} "${
        escapeText(raw)
      }": expected a positive duration such as 500ms, 2s, 1m or 3`,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new UsageError(`Invalid ${option} "${escapeText(raw)}": at most 24 days (596h)`);
  }
  return ms;
}
