/** Spare byte buffers, for short-lived writes on a busy server. */

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

  /** A buffer's first `length` bytes (by default all), spare or new; at most the pool's size. */
  take(length: number = this.size): Uint8Array<ArrayBuffer> {
    if (length > this.size) throw new RangeError(`${length} bytes: more than the pool's buffers`);
    return new Uint8Array(this.#buffer(), 0, length);
  }

  /** Takes back an array that {@linkcode take} returned, once nothing uses it. */
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
