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
