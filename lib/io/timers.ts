/** Waiting on time: a pause, and a promise raced against a deadline. */

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Whichever comes first: what `promise` settles with, or `timedOut` once `ms` milliseconds have
 * passed. The timer is cleared either way; `promise` itself is left running.
 */
export async function within<T, U>(promise: Promise<T>, ms: number, timedOut: U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      // A deadline already past is a timeout at once (and no warning about a negative delay).
      new Promise<U>((resolve) => timer = setTimeout(resolve, Math.max(0, ms), timedOut)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A signal that aborts after a time, and the means to drop its timer. */
export interface Deadline {
  /** Aborts with a `TimeoutError` DOMException once the time has passed (as AbortSignal.timeout). */
  readonly signal: AbortSignal;
  /** Drops the timer: the operation is over. */
  clear(): void;
}

/**
 * A signal that aborts after `ms` milliseconds unless cleared first. Unlike
 * `AbortSignal.timeout`, whose timer lives its full time, the timer goes when the operation is
 * over: a forwarder that dials thousands of targets a second does not hold a timer for each.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { deadline } from "./timers.ts";
 * const limit = deadline(1000);
 * limit.clear();
 * assert(!limit.signal.aborted);
 * ```
 */
export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("Signal timed out.", "TimeoutError")),
    Math.max(0, ms),
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
