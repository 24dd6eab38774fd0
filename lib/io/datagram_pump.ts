/**
 * The datagram pump, UDP's counterpart of `duplex`: datagrams move one by one, each kept whole
 * (never merged with the next, never split), from a source to a sender. Datagrams that arrive
 * (pushed by the socket, which has no backpressure) wait in a bounded queue; past its bound they
 * are dropped and counted, as a full receive buffer drops them in the kernel.
 */
import type { ChunkSource } from "./chunks.ts";

/** The largest datagram over IPv4: 65,535 less the IP and UDP headers (20 and 8 bytes). */
export const MAX_DATAGRAM = 65_507;

/** Options for {@linkcode DatagramQueue}. */
export interface DatagramQueueOptions {
  /** The most datagrams held (default 4,096). */
  maxDatagrams?: number;
  /** The most bytes held (default 16 MiB). */
  maxBytes?: number;
}

/**
 * Datagrams received and not yet taken, as a source whose every chunk is one datagram. Bounded:
 * a sender faster than the reader costs dropped datagrams (counted in {@linkcode dropped}), never
 * unbounded memory.
 */
export class DatagramQueue implements ChunkSource {
  /** Datagrams dropped because the queue was full. */
  dropped = 0;
  readonly #items: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #ended = false;
  #waiting: ((chunk: Uint8Array | null) => void) | undefined;
  readonly #maxDatagrams: number;
  readonly #maxBytes: number;

  /** An empty queue with the given bounds. */
  constructor(options: DatagramQueueOptions = {}) {
    this.#maxDatagrams = options.maxDatagrams ?? 4096;
    this.#maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /**
   * Adds a datagram; false when it was dropped (the queue full, or ended). A datagram that waits
   * is copied when it is a small part of its buffer, so that a short one never holds a large one.
   */
  push(datagram: Uint8Array): boolean {
    if (this.#ended) return false;
    if (this.#waiting) {
      const wake = this.#waiting;
      this.#waiting = undefined;
      wake(datagram);
      return true;
    }
    const held = this.#items.length - this.#head;
    if (held >= this.#maxDatagrams || this.#bytes + datagram.length > this.#maxBytes) {
      this.dropped++;
      return false;
    }
    const kept = datagram.byteLength * 2 < datagram.buffer.byteLength ? datagram.slice() : datagram;
    this.#items.push(kept);
    this.#bytes += kept.length;
    return true;
  }

  /** No more datagrams will come: the reader gets null once it has taken the held ones. */
  end(): void {
    this.#ended = true;
    if (this.#waiting) {
      const wake = this.#waiting;
      this.#waiting = undefined;
      wake(null);
    }
  }

  /** The datagrams held now. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** The next datagram, waiting for one; null once ended and empty. */
  next(): Promise<Uint8Array | null> {
    if (this.#head < this.#items.length) {
      const datagram = this.#items[this.#head];
      this.#items[this.#head++] = EMPTY;
      this.#bytes -= datagram.length;
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      return Promise.resolve(datagram);
    }
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiting = resolve);
  }
}

const EMPTY = new Uint8Array(0);

/** Options for {@linkcode pumpDatagrams}. */
export interface PumpDatagramsOptions {
  /** Told of each datagram once it was handed on. */
  onDatagram?: (datagram: Uint8Array) => void;
  /** Stops the pump (before its next datagram). */
  signal?: AbortSignal;
}

/**
 * Moves every datagram of `source` to `send`, one at a time, in order and whole: each chunk of
 * the source is one datagram. Resolves at the source's end (or when the signal aborts); rejects
 * with what the source or `send` failed with.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DatagramQueue, pumpDatagrams } from "./datagram_pump.ts";
 * const queue = new DatagramQueue();
 * queue.push(new Uint8Array([1]));
 * queue.push(new Uint8Array([2, 3]));
 * queue.end();
 * const sizes: number[] = [];
 * await pumpDatagrams(queue, async (d) => void sizes.push(d.length));
 * assertEquals(sizes, [1, 2]);
 * ```
 */
export async function pumpDatagrams(
  source: ChunkSource,
  send: (datagram: Uint8Array) => Promise<void>,
  options: PumpDatagramsOptions = {},
): Promise<void> {
  const { signal, onDatagram } = options;
  for (;;) {
    if (signal?.aborted) return;
    const datagram = await source.next();
    if (datagram === null || signal?.aborted) return;
    await send(datagram);
    onDatagram?.(datagram);
  }
}
