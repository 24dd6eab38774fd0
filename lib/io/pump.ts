/** The one byte pump: a source into a sink, with counting, backpressure and half-close. */
import type { ChunkSink, ChunkSource } from "./chunks.ts";

/** Which end of a pump failed, so callers can tell a bad socket from a closed stdout. */
export class PumpError extends Error {
  override name = "PumpError";
  readonly side: "read" | "write";

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
}

/**
 * Moves every chunk of `source` into `sink`, one at a time: the next read waits until the sink
 * has taken the last chunk, so memory stays bounded by one chunk whatever the speeds.
 *
 * @example
 * ```ts
 * import { bytesSource, discardSink } from "./chunks.ts";
 * import { pump } from "./pump.ts";
 * await pump(bytesSource(new Uint8Array(3)), discardSink); // 3
 * ```
 * @returns the number of bytes moved
 * @throws {PumpError} naming the side (read or write) that failed
 */
export async function pump(
  source: ChunkSource,
  sink: ChunkSink,
  options: PumpOptions = {},
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
