/** Diagnostics on stderr: one line a person reads, or one JSON object a program reads. */
import { format as formatByteCount } from "@std/fmt/bytes";
import type { ReportOptions } from "./cli/args.ts";
import { formatDuration } from "./cli/duration.ts";

/** Fields of a JSON event. */
export type EventFields = Record<string, string | number | boolean | null | undefined | string[]>;

/** Where commands report what happens. */
export interface Reporter {
  readonly json: boolean;
  /**
   * Reports an event: in JSON mode always, as `{"event": name, ...fields}`; in text mode as
   * `tcpkit: text` when `always` is set or the user asked for `-v`.
   */
  event(name: string, fields: Readonly<EventFields>, text: string, always?: boolean): void;
  /**
   * Whether an event with this `always` would be written: a caller that builds its text or fields
   * at a cost (once per connection) asks first.
   */
  shows(always?: boolean): boolean;
}

const encoder = new TextEncoder();

/**
 * Lines waiting to be written to stderr, already encoded (a busy server's lines would otherwise
 * be kept as strings that its garbage collector copies), and the timer of the next flush.
 */
const pending = new Uint8Array(64 * 1024);
let used = 0;
let flushTimer: ReturnType<typeof setTimeout> | undefined;
/** When stderr was last written, and the least time between two writes of a busy process. */
let lastFlush = -Infinity;
const FLUSH_INTERVAL_MS = 100;

/**
 * Writes a line to stderr: at once when stderr was last written 100 ms ago or more, else with the
 * other lines of the next 100 ms. A busy server logs thousands of sessions a second: one write
 * each would cost a system call each, and a timer every few milliseconds costs a busy event loop
 * more than the lines themselves. {@linkcode flushStderr} writes the lines at once. A closed
 * stderr is ignored, since there is nowhere left to report.
 */
export function writeStderrLine(line: string): void {
  // A UTF-16 code unit takes at most 3 bytes in UTF-8, and the line feed 1.
  if (line.length * 3 + 1 > pending.length - used) {
    flushStderr();
    if (line.length * 3 + 1 > pending.length) return writeStderr(encoder.encode(line + "\n"));
  }
  used += encoder.encodeInto(line, pending.subarray(used)).written;
  pending[used++] = 0x0a;
  if (flushTimer !== undefined) return;
  const wait = lastFlush + FLUSH_INTERVAL_MS - performance.now();
  if (wait <= 0) return flushStderr();
  flushTimer = setTimeout(flushStderr, wait);
}

/** Writes every gathered line now (main.ts calls it before exiting). */
export function flushStderr(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  lastFlush = performance.now();
  if (used === 0) return;
  const bytes = pending.subarray(0, used);
  used = 0;
  writeStderr(bytes);
}

function writeStderr(bytes: Uint8Array): void {
  try {
    for (let offset = 0; offset < bytes.length;) {
      offset += Deno.stderr.writeSync(bytes.subarray(offset));
    }
  } catch {
    // stderr is gone
  }
}

/** Creates a reporter; `writeLine` is where its lines go (stderr by default). */
export function createReporter(
  options: ReportOptions,
  writeLine: (line: string) => void = writeStderrLine,
): Reporter {
  const shows = (always = false) => options.json || always || options.verbose;
  return {
    json: options.json,
    event(name, fields, text, always = false) {
      if (options.json) writeLine(JSON.stringify({ event: name, ...fields }));
      else if (shows(always)) writeLine(`tcpkit: ${text}`);
    },
    shows,
  };
}

/** Formats a byte count for people: `0 B`, `1.5 KiB`, `1 GiB`. */
export function formatBytes(bytes: number): string {
  return formatByteCount(bytes, { binary: true }) as string;
}

/** Bytes moved over a time, as a rate for people: `812 MiB/s`. */
export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes((bytes * 1000) / ms)}/s` : "-";
}

/** Traffic on one connection, counted as it flows. */
export class Traffic {
  sent = 0;
  received = 0;
  readonly startedAt = performance.now();

  /** Milliseconds since the connection started. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  /** The numbers for a JSON event. */
  fields(): EventFields {
    const ms = this.elapsed();
    return {
      bytes_sent: this.sent,
      bytes_received: this.received,
      duration_ms: round(ms),
      rate_bytes_per_s: ms > 0 ? Math.round(((this.sent + this.received) * 1000) / ms) : 0,
    };
  }

  /**
   * The numbers for a person, leaving out a direction that moved nothing:
   * `received 1 GiB in 1.02 s (1003 MiB/s)`, `sent 5 B, received 5 B in 3 ms (3.3 KiB/s)`.
   */
  describe(): string {
    const ms = this.elapsed();
    const parts = [
      this.sent > 0 || this.received === 0 ? `sent ${formatBytes(this.sent)}` : "",
      this.received > 0 || this.sent === 0 ? `received ${formatBytes(this.received)}` : "",
    ].filter(Boolean).join(", ");
    return `${parts} in ${formatDuration(ms)} (${formatRate(this.sent + this.received, ms)})`;
  }
}

/** Rounds milliseconds to microseconds for JSON. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
