/** A progress line for long transfers on a terminal: bytes, rate, time taken and time left. */
import { formatBytes, formatRate } from "../format.ts";
import { escapeText } from "./escape.ts";

/** What {@linkcode formatProgress} shows: a transfer so far. */
export interface ProgressState {
  /** Bytes moved so far. */
  bytes: number;
  /** Time since the transfer began, in milliseconds. */
  elapsedMs: number;
  /** Bytes the transfer moves in all, when known (a file's size): adds percent and time left. */
  total?: number;
  /** A short word put first, such as "sent" or "received"; it is escaped. */
  direction?: string;
}

/**
 * One progress line, fields two spaces apart: bytes, rate (the average so far) and time taken,
 * and with a known total the percent done and the time left at that rate. The line begins with
 * the direction, if any, and two spaces. Percent is rounded down and time left up, so neither
 * promises more than has happened; time left is `-:--:--` until there is a rate to go by.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatProgress } from "./progress.ts";
 * const MiB = 1024 * 1024;
 * assertEquals(
 *   formatProgress({ bytes: 12.5 * MiB, elapsedMs: 1000, total: 64 * MiB }),
 *   "  12.5 MiB / 64 MiB  19%  12.5 MiB/s  0:00:01 elapsed  0:00:05 left",
 * );
 * ```
 *
 * @param state the transfer so far
 * @returns the line, without a line ending or terminal controls
 */
export function formatProgress(state: ProgressState): string {
  const { bytes, elapsedMs, total } = state;
  const direction = state.direction === undefined ? "" : escapeText(state.direction);
  const rate = formatRate(bytes, elapsedMs);
  const elapsed = `${clock(Math.floor(elapsedMs / 1000))} elapsed`;
  if (total === undefined) return `${direction}  ${formatBytes(bytes)}  ${rate}  ${elapsed}`;
  const done = bytes >= total;
  const percent = done ? 100 : Math.floor((bytes * 100) / total);
  const left = done
    ? clock(0)
    : bytes > 0 && elapsedMs > 0
    ? clock(Math.ceil(((total - bytes) * elapsedMs) / bytes / 1000))
    : "-:--:--";
  return `${direction}  ${formatBytes(bytes)} / ${formatBytes(total)}  ${percent}%  ${rate}  ` +
    `${elapsed}  ${left} left`;
}

/** Seconds as a clock shows them: `0:00:07`, `1:02:03`, `100:00:00`. */
function clock(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)}:${two(minutes % 60)}:${two(seconds % 60)}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Options for {@linkcode ProgressLine}. */
export interface ProgressLineOptions {
  /** Show nothing for this long, so that short transfers print no line at all. Default 1000. */
  delayMs?: number;
  /** Redraw at most this often, to be seen moving without costing the transfer. Default 250. */
  intervalMs?: number;
  /** Bytes the transfer will move in all, when known. */
  total?: number;
  /** A short word put first, such as "sent" or "received". */
  direction?: string;
  /** The clock, in milliseconds; `performance.now` by default, a fake one in tests. */
  now?: () => number;
}

/**
 * A progress line, redrawn in place on a terminal (stderr, when it is one) as a transfer goes
 * on: each redraw writes `\r`, the {@linkcode formatProgress} line and `\x1b[K` (clear to the end
 * of the line, for a line shorter than the last); {@linkcode ProgressLine.finish} writes `\r\x1b[K`
 * to leave the terminal as it found it, ready for a summary. Keep the direction short: a line
 * wider than the terminal wraps, and `\r` then redraws only its last part.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ProgressLine } from "./progress.ts";
 * let now = 0;
 * const written: string[] = [];
 * const progress = new ProgressLine((text) => written.push(text), { now: () => now });
 * progress.update(1024); // before a second: nothing
 * now = 1000;
 * progress.update(2048);
 * progress.finish();
 * assertEquals(written, ["\r  2 KiB  2 KiB/s  0:00:01 elapsed\x1b[K", "\r\x1b[K"]);
 * ```
 */
export class ProgressLine {
  #write: (text: string) => void;
  #now: () => number;
  #start: number;
  #intervalMs: number;
  #total: number | undefined;
  #direction: string | undefined;
  /** When a redraw is next due: the one comparison an update costs until then. */
  #due: number;
  #shown = false;
  #finished = false;

  /**
   * A progress line that `write`s to the terminal, timed from now.
   *
   * @param write writes text to the terminal as it is (no line ending is added)
   * @param options the delay, the interval, the total and the clock
   */
  constructor(write: (text: string) => void, options: ProgressLineOptions = {}) {
    this.#write = write;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#intervalMs = options.intervalMs ?? 250;
    this.#total = options.total;
    this.#direction = options.direction;
    this.#due = this.#start + (options.delayMs ?? 1000);
  }

  /**
   * Tells how many bytes have moved so far (a running count, not this chunk's size); redraws the
   * line if it is due. Cheap enough to call for every chunk: nothing is formatted until a redraw
   * is due.
   */
  update(bytes: number): void {
    if (this.#finished) return;
    const now = this.#now();
    if (now < this.#due) return;
    this.#due = now + this.#intervalMs;
    this.#shown = true;
    const line = formatProgress({
      bytes,
      elapsedMs: now - this.#start,
      total: this.#total,
      direction: this.#direction,
    });
    this.#write(`\r${line}\x1b[K`);
  }

  /**
   * Clears the line, if one is shown, so that other text can be written to the terminal (a line
   * of diagnostics, a hex dump) without being glued to it; the next update due draws it again.
   */
  clear(): void {
    if (!this.#shown || this.#finished) return;
    this.#shown = false;
    this.#write("\r\x1b[K");
  }

  /** Clears the line, if one was shown; later updates show nothing. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#shown) this.#write("\r\x1b[K");
  }
}
