/** An idle timer: fires once when nothing was touched for a while, with one timer, not one per chunk. */

/** Options for {@linkcode IdleTimer}. */
export interface IdleTimerOptions {
  /**
   * Asked when the time is up: true means the connection is not idle but held up by something
   * else (a broadcast waiting on a slower client), and the idle period starts again.
   */
  busy?: () => boolean;
}

/** Calls `onIdle` once after `timeoutMs` without a call to `touch`. */
export class IdleTimer {
  #timeoutMs: number;
  #onIdle: () => void;
  #busy: (() => boolean) | undefined;
  #last = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fired = false;

  /** Starts the timer: `onIdle` is called after `timeoutMs` without a touch. */
  constructor(timeoutMs: number, onIdle: () => void, options: IdleTimerOptions = {}) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
    this.#busy = options.busy;
    this.#arm(timeoutMs);
  }

  /** The idle period, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** True once the timer has fired. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Records activity: the idle period starts again. */
  touch(): void {
    this.#last = performance.now();
  }

  /** Stops the timer for good. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      const idle = performance.now() - this.#last;
      if (idle + 1 < this.#timeoutMs) return this.#arm(this.#timeoutMs - idle);
      if (this.#busy?.()) {
        this.touch();
        return this.#arm(this.#timeoutMs);
      }
      this.#timer = undefined;
      this.#fired = true;
      this.#onIdle();
    }, ms);
  }
}

/** Optional idle timer: undefined when no timeout was asked for. */
export function idleTimer(
  timeoutMs: number | undefined,
  onIdle: () => void,
  options?: IdleTimerOptions,
): IdleTimer | undefined {
  return timeoutMs === undefined ? undefined : new IdleTimer(timeoutMs, onIdle, options);
}
