/** The one byte pump: a source into a sink, with counting, backpressure and half-close. */
import type { ChunkSink, ChunkSource } from "./chunks.ts";

/** Which end of a pump failed, so callers can tell a bad socket from a closed stdout. */
export class PumpError extends Error {
  /** The error\'s class name, as it prints. */
  override name = "PumpError";
  /** `read`: the source failed; `write`: the sink did (also when ending it). */
  readonly side: "read" | "write";

  /** `cause` is the source's or the sink's own error. */
  constructor(side: "read" | "write", cause: unknown) {
    super(`${side} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.side = side;
  }
}

/** Options for {@linkcode pump}. */
export interface PumpOptions {
  /** Called after each chunk is written, with its size. */
  onChunk?: (bytes: number) => void;
  /** Call the sink's `end` (half-close) when the source ends. Default true. */
  end?: boolean;
  /**
   * Aborting stops the pump between or during its steps: it then returns what it moved. A read
   * or write under way is left to settle on its own (its failure is ignored).
   */
  signal?: AbortSignal;
}

/** The reason a signal-stopped step fails with, told apart from a real failure. */
const STOPPED = Symbol("stopped");
const ignore = () => {};

/**
 * Moves every chunk of `source` into `sink`, one at a time: the next read waits until the sink
 * has taken the last chunk, so memory stays bounded by one chunk whatever the speeds.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bytesSource, discardSink } from "./chunks.ts";
 * import { pump } from "./pump.ts";
 * assertEquals(await pump(bytesSource(new Uint8Array(3)), discardSink), 3);
 * ```
 * @returns the number of bytes moved
 * @throws {PumpError} naming the side (read or write) that failed
 */
export function pump(
  source: ChunkSource,
  sink: ChunkSink,
  options: PumpOptions = {},
): Promise<number> {
  const { signal } = options;
  if (!signal) return pumpAll(source, sink, options);
  if (signal.aborted) return Promise.resolve(0);
  // Each step raced against the signal: once it aborts, the step in flight is left to settle
  // on its own, and the pump returns what it moved.
  const stopped = new Promise<never>((_, reject) =>
    signal.addEventListener("abort", () => reject(STOPPED), { once: true })
  );
  stopped.catch(ignore);
  const step = <T>(operation: Promise<T>): Promise<T> => {
    operation.catch(ignore);
    return Promise.race([operation, stopped]);
  };
  const { end } = sink;
  let moved = 0;
  return pumpAll(
    { next: () => step(source.next()) },
    { write: (chunk) => step(sink.write(chunk)), end: end && (() => step(end.call(sink))) },
    {
      end: options.end,
      onChunk: (bytes) => {
        moved += bytes;
        options.onChunk?.(bytes);
      },
    },
  ).catch((e) => {
    if (e instanceof PumpError && e.cause === STOPPED) return moved;
    throw e;
  });
}

/**
 * The pump's loop, with nothing else: a pump waiting on an idle connection holds one small
 * suspended frame (a forwarder holds two per connection, thousands at once).
 */
async function pumpAll(
  source: ChunkSource,
  sink: ChunkSink,
  options: PumpOptions,
): Promise<number> {
  let total = 0;
  for (;;) {
    let chunk: Uint8Array | null;
    try {
      chunk = await source.next();
    } catch (e) {
      throw new PumpError("read", e);
    }
    if (chunk === null) break;
    try {
      await sink.write(chunk);
    } catch (e) {
      throw new PumpError("write", e);
    }
    total += chunk.length;
    options.onChunk?.(chunk.length);
  }
  if (options.end !== false && sink.end) {
    try {
      await sink.end();
    } catch (e) {
      throw new PumpError("write", e);
    }
  }
  return total;
}
