/** An idle timer: fires once when nothing was touched for a while, with one timer, not one per chunk. */
import { formatDuration } from "../cli/duration.ts";
import { ExitCode, TcpkitError } from "../errors.ts";

/** Calls `onIdle` once after `timeoutMs` without a call to `touch`. */
export class IdleTimer {
  #timeoutMs: number;
  #onIdle: () => void;
  #last = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fired = false;

  constructor(timeoutMs: number, onIdle: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
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
      if (idle + 1 >= this.#timeoutMs) {
        this.#timer = undefined;
        this.#fired = true;
        this.#onIdle();
      } else {
        this.#arm(this.#timeoutMs - idle);
      }
    }, ms);
  }
}

/** Optional idle timer: undefined when no timeout was asked for. */
export function idleTimer(
  timeoutMs: number | undefined,
  onIdle: () => void,
): IdleTimer | undefined {
  return timeoutMs === undefined ? undefined : new IdleTimer(timeoutMs, onIdle);
}

/** The error of a connection ended by its idle timer (exit 4). */
export function idleTimeoutError(timeoutMs: number, peer: string): TcpkitError {
  return new TcpkitError(
    `idle timeout: no data either way for ${formatDuration(timeoutMs)}; closed ${peer}`,
    ExitCode.timeout,
  );
}
