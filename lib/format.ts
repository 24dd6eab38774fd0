/** Numbers for people: durations, byte counts and rates, as every report and message shows them. */
import { format as formatByteCount } from "@std/fmt/bytes";

/**
 * Formats milliseconds for people: `0.42 ms`, `12 ms`, `1.50 s`, `2m 05s`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatDuration } from "./format.ts";
 * assertEquals(formatDuration(1500), "1.50 s");
 * ```
 */
export function formatDuration(ms: number): string {
  // Each unit is chosen after rounding, so 999.6 ms shows as 1.00 s, not 1000 ms.
  if (Number(ms.toFixed(2)) < 10) return `${ms.toFixed(2)} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Number((ms / 1000).toFixed(2)) < 60) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

/**
 * Formats a byte count for people, in binary units: `0 B`, `1.5 KiB`, `1 GiB`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatBytes } from "./format.ts";
 * assertEquals(formatBytes(1536), "1.5 KiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  // @std/fmt writes "kiB"; the binary prefix is a capital K, as for every other unit.
  return (formatByteCount(bytes, { binary: true }) as string).replace("kiB", "KiB");
}

/** Bytes moved over a time, as a rate for people: `812 MiB/s`. */
export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes((bytes * 1000) / ms)}/s` : "-";
}

/** Rounds milliseconds to microseconds, for JSON. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

const DAY_MS = 86_400_000;

/**
 * Whole days from `now` to `date`: positive ahead, negative once it has passed, counted toward
 * zero (2 days and 20 hours ago is -2). Every "days" tcpkit shows or reports comes from here.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { daysFrom } from "./format.ts";
 * const now = new Date("2026-12-06T12:00:00Z");
 * assertEquals(daysFrom(new Date("2026-12-03T16:00:00Z"), now), -2);
 * ```
 */
export function daysFrom(date: Date, now: Date = new Date()): number {
  return Math.trunc((date.getTime() - now.getTime()) / DAY_MS) || 0;
}

/**
 * A date relative to now, in words: `2 days ago`, `in 30 days`, `today` (less than a day either
 * way), from {@linkcode daysFrom}.
 */
export function relativeDays(date: Date, now: Date = new Date()): string {
  const days = daysFrom(date, now);
  const n = Math.abs(days);
  const count = `${n} day${n === 1 ? "" : "s"}`;
  return days === 0 ? "today" : days > 0 ? `in ${count}` : `${count} ago`;
}

/**
 * A certificate's end of validity, in the one wording every command uses: `expired on 2026-10-01
 * (2 days ago)`, `expires on 2027-01-05 (in 30 days)`.
 */
export function expiryText(notAfter: Date, now: Date = new Date()): string {
  const verb = notAfter.getTime() <= now.getTime() ? "expired" : "expires";
  return `${verb} on ${notAfter.toISOString().slice(0, 10)} (${relativeDays(notAfter, now)})`;
}
