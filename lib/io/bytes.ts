/** Byte-array helpers, typed wrappers over @std/bytes. */
import { concat } from "@std/bytes";

/** The byte arrays joined into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concat([...parts]) as Uint8Array<ArrayBuffer>;
}

/**
 * Spare buffers of one size, for short-lived writes: a buffer outside V8's heap costs more to
 * allocate and to collect than the few bytes of an answer cost to copy into a spare one.
 */
export class BufferPool {
  readonly size: number;
  #max: number;
  #spare: ArrayBuffer[] = [];

  /** Buffers of `size` bytes; at most `max` spare ones are kept. */
  constructor(size: number, max: number) {
    this.size = size;
    this.#max = max;
  }

  /** A whole buffer, spare or new. */
  take(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#buffer());
  }

  /** The parts joined: in a spare buffer when they fit, else in a new array. */
  join(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
    let length = 0;
    for (const part of parts) length += part.length;
    if (length > this.size) return concatBytes(parts);
    const joined = new Uint8Array(this.#buffer(), 0, length);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }

  /** Takes back an array that {@linkcode take} or {@linkcode join} returned, once nothing uses it. */
  give(bytes: Uint8Array): void {
    if (
      bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength === this.size &&
      this.#spare.length < this.#max
    ) {
      this.#spare.push(bytes.buffer);
    }
  }

  #buffer(): ArrayBuffer {
    return this.#spare.pop() ?? new ArrayBuffer(this.size);
  }
}
