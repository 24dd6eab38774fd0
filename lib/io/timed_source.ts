/** Reading a source with deadlines: a read that outlives its deadline is kept for the next call. */
import type { ChunkSource } from "./chunks.ts";
import { within } from "./timers.ts";

/** What {@linkcode TimedSource.within} gives when the deadline came first. */
export const QUIET = "quiet" as const;

/**
 * A source read with deadlines. A read is never abandoned: when the deadline passes first, the
 * read stays under way (its buffer is still being filled) and the next call gets its result.
 */
export class TimedSource implements ChunkSource {
  #source: ChunkSource;
  #pending: Promise<Uint8Array | null> | undefined;

  /** Reads from `source`. */
  constructor(source: ChunkSource) {
    this.#source = source;
  }

  /** The next chunk (the read under way, if there is one), or null at the end. */
  next(): Promise<Uint8Array | null> {
    const read = this.#pending ?? this.#source.next();
    this.#pending = undefined;
    return read;
  }

  /** The next chunk, null at the end, or {@linkcode QUIET} when none came within `ms`. */
  async within(ms: number): Promise<Uint8Array | null | typeof QUIET> {
    const read = this.#pending ?? this.#source.next();
    this.#pending = read;
    read.catch(() => {}); // its failure is the next caller's, if there is one
    const result: Uint8Array | null | typeof QUIET = await within(read, ms, QUIET);
    if (result !== QUIET) this.#pending = undefined;
    return result;
  }
}
