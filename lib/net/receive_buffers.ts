/**
 * Receive buffers for UDP sockets: one of 64 KiB per socket (a datagram may be that large), cut
 * from large slabs. A slab's pages are mapped by the system only once written, and a receive
 * writes only the datagram's bytes: a socket that gets 512-byte datagrams costs a page of its
 * buffer, not 64 KiB (forward -u keeps a socket, so a buffer, per session). Freed buffers are
 * reused; slabs are kept.
 */

/** The size of each buffer: the largest UDP payload (65,527 bytes over IPv6), rounded up. */
export const RECEIVE_BUFFER_SIZE = 65_536;

/** Options for {@linkcode ReceiveBuffers}. */
export interface ReceiveBuffersOptions {
  /** Buffers per slab (default 512: 32 MiB slabs). */
  perSlab?: number;
  /** Bytes per buffer (default {@linkcode RECEIVE_BUFFER_SIZE}). */
  size?: number;
}

/**
 * A pool of equal receive buffers cut from slabs.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ReceiveBuffers } from "./receive_buffers.ts";
 * const pool = new ReceiveBuffers({ perSlab: 2, size: 8 });
 * const a = pool.take();
 * assertEquals(a.length, 8);
 * pool.give(a);
 * assertEquals(pool.take(), a);
 * ```
 */
export class ReceiveBuffers {
  readonly #free: Uint8Array[] = [];
  readonly #perSlab: number;
  readonly #size: number;
  #slabs = 0;

  /** An empty pool. */
  constructor(options: ReceiveBuffersOptions = {}) {
    this.#perSlab = options.perSlab ?? 512;
    this.#size = options.size ?? RECEIVE_BUFFER_SIZE;
  }

  /** A buffer for one socket, until {@linkcode give} takes it back. */
  take(): Uint8Array {
    if (this.#free.length === 0) {
      const slab = new ArrayBuffer(this.#perSlab * this.#size);
      this.#slabs++;
      // Handed out from the slab's start: the first buffers are the ones most used.
      for (let i = this.#perSlab - 1; i >= 0; i--) {
        this.#free.push(new Uint8Array(slab, i * this.#size, this.#size));
      }
    }
    return this.#free.pop()!;
  }

  /** Takes back a buffer (once its socket's receive has ended). */
  give(buffer: Uint8Array): void {
    this.#free.push(buffer);
  }

  /** Slabs made so far. */
  get slabs(): number {
    return this.#slabs;
  }
}
