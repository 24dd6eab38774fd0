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
