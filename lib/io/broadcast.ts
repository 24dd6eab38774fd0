/** One input sent to every connected client, at the pace of the slowest, with nothing dropped. */
import type { ChunkSink, ChunkSource } from "./chunks.ts";

/** A client of a broadcast: where its copy goes, and what to do when its sending is over. */
export interface Subscriber {
  sink: ChunkSink;
  /** Called once: `error` is undefined at the input's end (after the sink's `end`). */
  onDone(error?: unknown): void;
}

/**
 * Reads `source` only while at least one subscriber is connected, so that no byte is read for
 * nobody; each chunk goes to every subscriber before the next is read (backpressure). At the
 * input's end every subscriber is ended (half-closed), and so is each one that comes later.
 */
export class Broadcast {
  #source: ChunkSource;
  #subscribers = new Set<Subscriber>();
  #running = false;
  #ended = false;
  #wake: (() => void) | undefined;
  #onSent: (subscriber: Subscriber, bytes: number) => void;

  constructor(
    source: ChunkSource,
    onSent: (subscriber: Subscriber, bytes: number) => void = () => {},
  ) {
    this.#source = source;
    this.#onSent = onSent;
  }

  /** Adds a subscriber; starts reading the input on the first one. */
  add(subscriber: Subscriber): void {
    if (this.#ended) {
      void finish(subscriber);
      return;
    }
    this.#subscribers.add(subscriber);
    this.#wake?.();
    if (!this.#running) {
      this.#running = true;
      void this.#run();
    }
  }

  /** Removes a subscriber without ending it (its connection is gone). */
  remove(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
  }

  async #run(): Promise<void> {
    for (;;) {
      await this.#untilSubscribed();
      let chunk: Uint8Array | null;
      try {
        chunk = await this.#source.next();
      } catch {
        chunk = null; // an unreadable input ends like an empty one
      }
      if (chunk === null) break;
      // The last subscriber may have left while the chunk was read: it waits for the next one.
      await this.#untilSubscribed();
      const current = [...this.#subscribers];
      await Promise.all(current.map(async (subscriber) => {
        try {
          await subscriber.sink.write(chunk);
          this.#onSent(subscriber, chunk.length);
        } catch (e) {
          this.#subscribers.delete(subscriber);
          subscriber.onDone(e);
        }
      }));
    }
    this.#ended = true;
    const remaining = [...this.#subscribers];
    this.#subscribers.clear();
    await Promise.all(remaining.map(finish));
  }

  /** Resolves once there is a subscriber (at once if there is one). */
  async #untilSubscribed(): Promise<void> {
    while (this.#subscribers.size === 0) {
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }
}

async function finish(subscriber: Subscriber): Promise<void> {
  try {
    await subscriber.sink.end?.();
    subscriber.onDone();
  } catch (e) {
    subscriber.onDone(e);
  }
}
