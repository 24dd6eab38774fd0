/**
 * The one two-way pump: bytes from each end to the other at once, each direction half-closed when
 * its source ends, and the first failure stopping both. connect, serve's stdio, echo and sink
 * modes, and the forwarder all move their bytes through it.
 */
import type { ChunkSink, ChunkSource } from "./chunks.ts";
import { pump, type PumpError } from "./pump.ts";

/** One end of a two-way connection: the bytes it gives, and where the bytes for it go. */
export interface End {
  /** What this end sends to the other; null at its end (the peer's FIN, stdin's EOF). */
  source: ChunkSource;
  /** Where the other end's bytes go; `end` half-closes it. */
  sink: ChunkSink;
  /**
   * Closes this end at once: its pending read ends, a pending write fails. How a duplex stops a
   * direction that reads this end; an end that cannot be closed (stdin) is raced instead, which
   * costs a promise per read.
   */
  close?(): void;
}

/** Options for {@linkcode duplex}. */
export interface DuplexOptions {
  /** Called as bytes from `a` are written to `b`, with the chunk's size. */
  onAToB?: (bytes: number) => void;
  /** Called as bytes from `b` are written to `a`, with the chunk's size. */
  onBToA?: (bytes: number) => void;
  /**
   * When `b`'s source ends, stop moving `a` to `b` at once instead of until `a` ends: a person
   * typing at a terminal has nothing in flight that the peer's close would lose.
   */
  stopWhenBEnds?: boolean;
  /** Aborting stops both directions (an idle timeout, a shutdown). */
  signal?: AbortSignal;
}

/** How one direction ended. */
export interface Leg {
  /** Bytes written to the sink. */
  bytes: number;
  /** `ended`: its source ended and the sink was half-closed; `stopped`: cut short. */
  end: "ended" | "stopped" | "failed";
  /** What failed, and on which side (`read`: the source; `write`: the sink). */
  error?: PumpError;
}

/** How a duplex ended: each direction, and which one failed first. */
export interface DuplexResult {
  /** The direction from `a` to `b`. */
  aToB: Leg;
  /** The direction from `b` to `a`. */
  bToA: Leg;
  /** The direction whose failure stopped the other, if one failed. */
  failed?: "aToB" | "bToA";
}

/**
 * Moves bytes both ways between `a` and `b` until both directions are done: each direction ends
 * when its source ends (and half-closes its sink); a failure in either stops both. Never throws:
 * the result says what happened, for the caller to word. Memory stays bounded by one chunk per
 * direction, whatever the speeds (backpressure end to end).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bytesSource, discardSink } from "./chunks.ts";
 * import { duplex } from "./duplex.ts";
 * const result = await duplex(
 *   { source: bytesSource(new Uint8Array(3)), sink: discardSink },
 *   { source: bytesSource(new Uint8Array(5)), sink: discardSink },
 * );
 * assertEquals([result.aToB.bytes, result.bToA.bytes], [3, 5]);
 * ```
 */
export function duplex(a: End, b: End, options: DuplexOptions = {}): Promise<DuplexResult> {
  const aToB = new LegRun(a, b, "aToB", options.onAToB);
  const bToA = new LegRun(b, a, "bToA", options.onBToA);
  const failure = { first: undefined as DuplexResult["failed"] };
  const stopBoth = () => {
    aToB.stop();
    bToA.stop();
  };
  const { signal } = options;
  if (signal?.aborted) stopBoth();
  signal?.addEventListener("abort", stopBoth, { once: true });
  const aRun = aToB.run(failure, stopBoth);
  const bRun = bToA.run(failure, stopBoth);
  // Callbacks rather than an async function: a duplex waiting on an idle connection holds no
  // suspended frame of its own.
  const done = Promise.all([
    aRun,
    options.stopWhenBEnds
      ? bRun.then((result) => {
        if (result.end === "ended") aToB.stop();
        return result;
      })
      : bRun,
  ]).then(([ab, ba]): DuplexResult =>
    failure.first ? { aToB: ab, bToA: ba, failed: failure.first } : { aToB: ab, bToA: ba }
  );
  return signal ? done.finally(() => signal.removeEventListener("abort", stopBoth)) : done;
}

/**
 * One direction of a duplex, from one end's source to the other's sink. Stopping it closes the
 * source's end when that end can be closed (its pending read then ends), and otherwise races its
 * reads against the stop: a server holding thousands of idle connections pays for no race.
 */
class LegRun {
  #from: End;
  #to: End;
  #name: "aToB" | "bToA";
  #onChunk: ((bytes: number) => void) | undefined;
  #race: AbortController | undefined;
  #stopped = false;
  bytes = 0;

  constructor(
    from: End,
    to: End,
    name: "aToB" | "bToA",
    onChunk: ((bytes: number) => void) | undefined,
  ) {
    this.#from = from;
    this.#to = to;
    this.#name = name;
    this.#onChunk = onChunk;
    if (!from.close) this.#race = new AbortController();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#race) this.#race.abort();
    else this.#from.close!();
  }

  /** Pumps until the source ends, the sink fails or the leg is stopped. */
  run(failure: { first: DuplexResult["failed"] }, stopBoth: () => void): Promise<Leg> {
    // Callbacks rather than an async function: one suspended frame fewer per direction.
    return pump(this.#from.source, this.#to.sink, {
      signal: this.#race?.signal,
      onChunk: (n) => {
        this.bytes += n;
        this.#onChunk?.(n);
      },
    }).then(
      (): Leg => ({ bytes: this.bytes, end: this.#stopped ? "stopped" : "ended" }),
      (e): Leg => {
        if (this.#stopped) return { bytes: this.bytes, end: "stopped" };
        failure.first ??= this.#name;
        stopBoth();
        return { bytes: this.bytes, end: "failed", error: e as PumpError };
      },
    );
  }
}

/** The failure that ended a duplex: which direction, which side of it, and why. */
export interface DuplexFailure {
  /** The direction that failed first. */
  leg: "aToB" | "bToA";
  /** `read`: that direction's source failed; `write`: its sink did. */
  side: "read" | "write";
  /** The source's or sink's own error. */
  cause: unknown;
  /** Whether the other direction was still under way (its data was cut off). */
  otherUnfinished: boolean;
}

/** The failure in `result`, if a direction failed. */
export function failureOf(result: DuplexResult): DuplexFailure | undefined {
  if (!result.failed) return undefined;
  const leg = result[result.failed];
  const other = result[result.failed === "aToB" ? "bToA" : "aToB"];
  return {
    leg: result.failed,
    side: leg.error!.side,
    cause: leg.error!.cause,
    otherUnfinished: other.end !== "ended",
  };
}
