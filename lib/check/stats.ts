/**
 * Running statistics of one phase's latencies (connect, TLS handshake, ...): count, min, mean,
 * max, standard deviation and the 95th percentile, in bounded memory for any number of probes.
 */

/** What {@linkcode LatencyStats.summary} reports, in milliseconds. */
export interface LatencySummary {
  /** How many latencies were added. */
  count: number;
  min: number;
  avg: number;
  max: number;
  /** The population standard deviation (jitter), as ping's mdev. */
  stddev: number;
  /** The 95th percentile by nearest rank; within 1 % once more than {@linkcode EXACT_SAMPLES}. */
  p95: number;
}

/** Up to this many latencies are kept exactly; the percentile of more comes from a histogram. */
export const EXACT_SAMPLES = 4096;

/** Histogram buckets grow by 1 % each, so a percentile read from them is within 1 %. */
const GROWTH = Math.log(1.01);

/**
 * Latencies of one phase, added one at a time. The mean and variance are kept by Welford's
 * method (no sum of squares to lose precision); the first {@linkcode EXACT_SAMPLES} values are
 * kept for an exact percentile, and past that they go into buckets of 1 % width, so that
 * `--count 1000000` costs a few kilobytes, not eight megabytes a port.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { LatencyStats } from "./stats.ts";
 * const stats = new LatencyStats();
 * for (const ms of [1, 2, 3, 4]) stats.add(ms);
 * assertEquals(stats.summary(), { count: 4, min: 1, avg: 2.5, max: 4, stddev: Math.sqrt(1.25), p95: 4 });
 * ```
 */
export class LatencyStats {
  #count = 0;
  #min = Infinity;
  #max = -Infinity;
  #mean = 0;
  #m2 = 0;
  #samples: Float64Array = new Float64Array(4);
  #buckets: Map<number, number> | undefined;

  /** How many latencies were added. */
  get count(): number {
    return this.#count;
  }

  /** Adds one latency, in milliseconds (0 or more). */
  add(ms: number): void {
    this.#count++;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
    const delta = ms - this.#mean;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (ms - this.#mean);
    if (this.#buckets === undefined) {
      if (this.#count <= EXACT_SAMPLES) {
        if (this.#count > this.#samples.length) {
          const grown = new Float64Array(Math.min(this.#samples.length * 4, EXACT_SAMPLES));
          grown.set(this.#samples);
          this.#samples = grown;
        }
        this.#samples[this.#count - 1] = ms;
        return;
      }
      this.#buckets = new Map();
      for (const sample of this.#samples) this.#bucket(sample);
      this.#samples = new Float64Array(0);
    }
    this.#bucket(ms);
  }

  #bucket(ms: number): void {
    const key = bucketOf(ms);
    this.#buckets!.set(key, (this.#buckets!.get(key) ?? 0) + 1);
  }

  /** The statistics so far; undefined before the first latency. */
  summary(): LatencySummary | undefined {
    if (this.#count === 0) return undefined;
    return {
      count: this.#count,
      min: this.#min,
      avg: this.#mean,
      max: this.#max,
      stddev: Math.sqrt(this.#m2 / this.#count),
      p95: this.#percentile(0.95),
    };
  }

  /** The latency at rank ceil(q × count) (nearest rank), kept within min and max. */
  #percentile(q: number): number {
    const rank = Math.max(1, Math.ceil(q * this.#count));
    if (this.#buckets === undefined) {
      return this.#samples.slice(0, this.#count).sort()[rank - 1];
    }
    let seen = 0;
    for (const key of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(key)!;
      if (seen >= rank) return Math.min(Math.max(valueOf(key), this.#min), this.#max);
    }
    return this.#max;
  }
}

/** The bucket of a latency: latencies below 1 µs share bucket 0's lower neighbour. */
function bucketOf(ms: number): number {
  return ms < 0.001 ? -1 : Math.floor(Math.log(ms / 0.001) / GROWTH);
}

/** A bucket's middle value. */
function valueOf(key: number): number {
  return key < 0 ? 0 : 0.001 * Math.exp((key + 0.5) * GROWTH);
}
