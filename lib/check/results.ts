/**
 * What check's probes found, row by row, as running totals: `--count` may repeat a probe a
 * million times, over a scan of two million rows. The states and counts are typed arrays; only
 * rows with something more to say (a latency, a reason, a certificate, mixed states) get an
 * object of their own.
 */
import type { TlsSession } from "../net/tls.ts";
import { CHECK_STATES, type CheckState } from "./states.ts";
import { LatencyStats } from "./stats.ts";

/** The phases of a probe that are timed. */
export const PHASES = ["resolve", "connect", "handshake", "first_byte", "total"] as const;
/** One of {@linkcode PHASES}. */
export type Phase = typeof PHASES[number];

/** The certificate and session a TLS probe saw. */
export interface TlsFacts {
  session: TlsSession;
  /** The certificate is for the name checked (whatever else is wrong with it). */
  nameMatches: boolean;
}

/** What an HTTP target's answer was (the status line and a few headers), and where it came from. */
export interface HttpFacts {
  /** The status code. */
  status: number;
  /** The reason phrase, as the server wrote it. */
  reason: string;
  /** `1.1`, `1.0`. */
  version: string;
  contentType?: string;
  contentLength?: number;
  /** A redirect's Location. */
  location?: string;
  /** Body bytes read (at most 64 KiB). */
  bodyBytes: number;
  /** The address connected to (`127.0.0.1`), or the Unix socket's path. */
  address?: string;
}

/** What one probe of one job found. */
export interface ProbeOutcome {
  state: CheckState;
  /** Latencies of the phases that ran to their end, in milliseconds. */
  ms?: Partial<Record<Phase, number>>;
  /** Why, for every state but open, closed and a connect's timeout. */
  reason?: string;
  /** With TLS: what the handshake showed. */
  tls?: TlsFacts;
  /** An HTTP target's answer. */
  http?: HttpFacts;
}

/** What a row keeps beyond its state and counts. */
interface RowExtra {
  /** Each phase's latencies over the probes. */
  stats: Partial<Record<Phase, LatencyStats>>;
  /** How many probes found each state (by index in CHECK_STATES), once they differed. */
  counts?: Uint32Array;
  /** The latest reason given for each state, once the row's states differed. */
  reasons?: Map<CheckState, string>;
  /** The latest TLS facts. */
  tls?: TlsFacts;
  /** The latest HTTP answer. */
  http?: HttpFacts;
  /** The latest probe's latencies. */
  last?: Partial<Record<Phase, number>>;
}

const STATE_INDEX = new Map(CHECK_STATES.map((state, i) => [state, i]));
const OPEN = STATE_INDEX.get("open")!;

/** Every row's results so far. */
export class CheckResults {
  /** The latest state of each row, as its index in CHECK_STATES plus one; 0 before a probe. */
  readonly #last: Uint8Array;
  readonly #probes: Uint32Array;
  readonly #opens: Uint32Array;
  /**
   * The latest reason of each row whose states never differed, as an index into the reasons
   * seen (0: none): a scan of a million unreachable ports has a handful of distinct reasons.
   */
  readonly #reason: Uint16Array;
  readonly #reasons: string[] = [""];
  readonly #reasonIndex = new Map<string, number>();
  readonly #extra = new Map<number, RowExtra>();

  /**
   * Only the latest probe of each row counts (check --wait: each attempt replaces the last).
   */
  readonly #latestOnly: boolean;

  /** Room for `rows` rows; with `latestOnly`, each probe of a row replaces what it had. */
  constructor(rows: number, options: { latestOnly?: boolean } = {}) {
    this.#latestOnly = options.latestOnly ?? false;
    this.#last = new Uint8Array(rows);
    this.#probes = new Uint32Array(rows);
    this.#opens = new Uint32Array(rows);
    this.#reason = new Uint16Array(rows);
  }

  /** Records one probe of `row`. */
  record(row: number, outcome: ProbeOutcome): void {
    if (this.#latestOnly && this.#probes[row] > 0) {
      this.#last[row] = 0;
      this.#probes[row] = 0;
      this.#opens[row] = 0;
      this.#reason[row] = 0;
      this.#extra.delete(row);
    }
    const index = STATE_INDEX.get(outcome.state)!;
    const before = this.#last[row];
    let extra = this.#extra.get(row);
    if (before !== 0 && before !== index + 1 && extra?.counts === undefined) {
      // The first time the row's state changes: every earlier probe had the earlier state.
      extra ??= this.#extraOf(row);
      extra.counts = new Uint32Array(CHECK_STATES.length);
      extra.counts[before - 1] = this.#probes[row];
      if (this.#reason[row] !== 0) {
        (extra.reasons ??= new Map()).set(
          CHECK_STATES[before - 1],
          this.#reasons[this.#reason[row]],
        );
        this.#reason[row] = 0;
      }
    }
    if (extra?.counts) extra.counts[index]++;
    this.#last[row] = index + 1;
    this.#probes[row]++;
    if (index === OPEN) this.#opens[row]++;
    const { ms, tls, http } = outcome;
    let reason = outcome.reason;
    if (extra?.counts === undefined) {
      // One state so far: its latest reason is kept by number, when there is room.
      const i = reason === undefined ? 0 : this.#intern(reason);
      this.#reason[row] = i;
      if (i !== 0) reason = undefined;
    }
    if (ms === undefined && reason === undefined && tls === undefined && http === undefined) return;
    extra ??= this.#extraOf(row);
    if (ms !== undefined) {
      extra.last = ms;
      for (const phase of PHASES) {
        const value = ms[phase];
        if (value !== undefined) (extra.stats[phase] ??= new LatencyStats()).add(value);
      }
    }
    if (reason !== undefined) (extra.reasons ??= new Map()).set(outcome.state, reason);
    if (tls !== undefined) extra.tls = tls;
    if (http !== undefined) extra.http = http;
  }

  /** The number of a reason, 0 when the table of reasons is full. */
  #intern(reason: string): number {
    let i = this.#reasonIndex.get(reason);
    if (i === undefined) {
      if (this.#reasons.length >= 65_536) return 0;
      i = this.#reasons.push(reason) - 1;
      this.#reasonIndex.set(reason, i);
    }
    return i;
  }

  #extraOf(row: number): RowExtra {
    const extra: RowExtra = { stats: {} };
    this.#extra.set(row, extra);
    return extra;
  }

  /** How many probes `row` has had. */
  probes(row: number): number {
    return this.#probes[row];
  }

  /** How many probes found `row` open. */
  opens(row: number): number {
    return this.#opens[row];
  }

  /**
   * The state to show for `row`: open if any probe was (tcping's way), else the state most
   * probes found (ties go to the earlier of CHECK_STATES); undefined before its first probe.
   */
  state(row: number): CheckState | undefined {
    if (this.#opens[row] > 0) return "open";
    const last = this.#last[row];
    if (last === 0) return undefined;
    const counts = this.#extra.get(row)?.counts;
    if (!counts) return CHECK_STATES[last - 1];
    let best = 0;
    for (let i = 1; i < counts.length; i++) if (counts[i] > counts[best]) best = i;
    return CHECK_STATES[best];
  }

  /** How many probes of `row` found each state, in CHECK_STATES order, none left out. */
  stateCounts(row: number): Record<CheckState, number> {
    const out = Object.fromEntries(CHECK_STATES.map((s) => [s, 0])) as Record<CheckState, number>;
    const counts = this.#extra.get(row)?.counts;
    if (counts) CHECK_STATES.forEach((s, i) => out[s] = counts[i]);
    else if (this.#last[row] !== 0) out[CHECK_STATES[this.#last[row] - 1]] = this.#probes[row];
    return out;
  }

  /** The latest reason given for `state` on `row`. */
  reason(row: number, state: CheckState): string | undefined {
    const index = this.#reason[row];
    if (index === 0) return this.#extra.get(row)?.reasons?.get(state);
    return CHECK_STATES[this.#last[row] - 1] === state ? this.#reasons[index] : undefined;
  }

  /** The latest TLS facts of `row`. */
  tls(row: number): TlsFacts | undefined {
    return this.#extra.get(row)?.tls;
  }

  /** The latest HTTP answer of `row`. */
  http(row: number): HttpFacts | undefined {
    return this.#extra.get(row)?.http;
  }

  /** The latest probe's latencies of `row`. */
  last(row: number): Partial<Record<Phase, number>> | undefined {
    return this.#extra.get(row)?.last;
  }

  /** The statistics of `phase` on `row`, if it ever ran to its end. */
  stats(row: number, phase: Phase): LatencyStats | undefined {
    return this.#extra.get(row)?.stats[phase];
  }
}
