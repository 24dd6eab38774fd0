/** Diagnostics on stderr: one line a person reads, or one JSON object a program reads. */
import { formatBytes, formatDuration, formatRate, round } from "./format.ts";
import { escapeControls } from "./io/escape.ts";
import { jsonLine } from "./io/json.ts";

/** How a command reports on stderr. */
export interface ReportOptions {
  /** Report connections, byte counts and rates (`-v`). */
  verbose: boolean;
  /** Report as JSON Lines (`--json`). */
  json: boolean;
}

/** Fields of a JSON event. */
export type EventFields = Record<string, string | number | boolean | null | undefined | string[]>;

/** Where commands report what happens. */
export interface Reporter {
  /** True when events are JSON objects (`--json`). */
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
/** The least time between two writes of a busy process's lines. */
const FLUSH_INTERVAL_MS = 100;

/**
 * Lines for stderr, written at once when stderr was last written 100 ms ago or more, else with
 * the other lines of the next 100 ms. A busy server logs thousands of sessions a second: one
 * write each would cost a system call each, and a timer every few milliseconds costs a busy
 * event loop more than the lines themselves. The lines wait already encoded (a busy server's
 * lines would otherwise be kept as strings that its garbage collector copies). A closed stderr
 * is ignored, since there is nowhere left to report. No line drives the terminal: what a layer
 * left unescaped (a control byte quoted from the command line) is escaped here, the last guard.
 */
export class StderrLines {
  #pending = new Uint8Array(64 * 1024);
  #used = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastFlush = -Infinity;
  #write: (bytes: Uint8Array) => void;

  /** Lines go to `write` (stderr's synchronous write by default). */
  constructor(write: (bytes: Uint8Array) => void = writeStderr) {
    this.#write = write;
  }

  /** Writes `line` and a line feed, now or with the next batch; control characters escaped. */
  readonly line = (text: string): void => {
    const line = escapeControls(text);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8, and the line feed 1.
    if (line.length * 3 + 1 > this.#pending.length - this.#used) {
      this.flush();
      if (line.length * 3 + 1 > this.#pending.length) {
        return this.#write(encoder.encode(line + "\n"));
      }
    }
    this.#used += encoder.encodeInto(line, this.#pending.subarray(this.#used)).written;
    this.#pending[this.#used++] = 0x0a;
    if (this.#timer !== undefined) return;
    const wait = this.#lastFlush + FLUSH_INTERVAL_MS - performance.now();
    if (wait <= 0) return this.flush();
    this.#timer = setTimeout(this.flush, wait);
  };

  /**
   * Writes text as it is (a progress line, a hex dump), after the lines gathered so far, so that
   * stderr keeps its order.
   */
  readonly raw = (text: string): void => {
    this.flush();
    this.#write(encoder.encode(text));
  };

  /** Writes every gathered line now (main.ts calls it before exiting). */
  readonly flush = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastFlush = performance.now();
    if (this.#used === 0) return;
    const bytes = this.#pending.subarray(0, this.#used);
    this.#used = 0;
    this.#write(bytes);
  };
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

/** Creates a reporter; `writeLine` is where its lines go. */
export function createReporter(
  options: ReportOptions,
  writeLine: (line: string) => void,
): Reporter {
  const shows = (always = false) => options.json || always || options.verbose;
  return {
    json: options.json,
    event(name, fields, text, always = false) {
      if (options.json) writeLine(jsonLine({ event: name, ...fields }));
      else if (shows(always)) writeLine(`tcpkit: ${text}`);
    },
    shows,
  };
}

/** Traffic on one connection, counted as it flows. */
export class Traffic {
  /** Bytes sent to the peer. */
  sent = 0;
  /** Bytes received from the peer. */
  received = 0;
  /** When the connection started, on `performance.now()`'s clock. */
  readonly startedAt: number = performance.now();

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
