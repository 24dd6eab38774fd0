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
  event(name: string, fields: EventFields, text: string, always?: boolean): void;
}

const encoder = new TextEncoder();

/** Lines waiting to be written to stderr, and whether a flush is due. */
let pendingLines = "";
let flushDue = false;
/** When stderr was last written, and the least time between two writes of a busy process. */
let lastFlush = -Infinity;
const FLUSH_INTERVAL_MS = 10;

/**
 * Writes a line to stderr. Lines are gathered and written together at the end of the current
 * burst of work, and at most every 10 ms while the bursts follow each other (a busy server logs
 * thousands of sessions a second: one write each would cost a system call each);
 * {@linkcode flushStderr} writes them at once. A closed stderr is ignored, since there is nowhere
 * left to report.
 */
export function writeStderrLine(line: string): void {
  pendingLines += line + "\n";
  if (pendingLines.length >= 64 * 1024) return flushStderr();
  if (!flushDue) {
    flushDue = true;
    setTimeout(flushStderr, Math.max(0, lastFlush + FLUSH_INTERVAL_MS - performance.now()));
  }
}

/** Writes every gathered line now (main.ts calls it before exiting). */
export function flushStderr(): void {
  flushDue = false;
  lastFlush = performance.now();
  if (pendingLines === "") return;
  const bytes = encoder.encode(pendingLines);
  pendingLines = "";
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
  return {
    json: options.json,
    event(name, fields, text, always = false) {
      if (options.json) writeLine(JSON.stringify({ event: name, ...fields }));
      else if (always || options.verbose) writeLine(`tcpkit: ${text}`);
    },
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
