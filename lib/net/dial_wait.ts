/**
 * `connect --wait`: dial again while the server is not up yet (refused, unreachable, a name
 * that does not resolve yet, a Unix socket not made yet), from 100 ms between tries up to 1 s,
 * until it answers or the time is up; what wait-for-it does before a client starts.
 */
import { describeError, NetError, ResolveError, TimeoutError } from "../errors.ts";
import { dial, type Dialed, type DialOptions } from "./dial.ts";
import type { Endpoint } from "./endpoint.ts";

/** The failures that mean "not up yet": another try may find the server. */
const NOT_UP = new Set(["refused", "host-unreachable", "network-unreachable", "not-found"]);

/** True when `e` is a dial failure that waiting can cure. */
export function isNotUpYet(e: unknown): boolean {
  if (e instanceof NetError) return NOT_UP.has(e.failure);
  if (e instanceof ResolveError) return e.failure === "not-found" || e.failure === "no-address";
  return e instanceof TimeoutError && e.kind === "connect";
}

/** Options for {@linkcode dialWaiting}. */
export interface DialWaitingOptions extends DialOptions {
  /** How long to keep trying. */
  waitMs: number;
  /** Told of each failed try that will be tried again. */
  onRetry?: (attempt: number, reason: string, elapsedMs: number) => void;
}

/**
 * Dials `endpoint` until it answers, or `waitMs` has passed; each try's connect timeout ends no
 * later than that.
 *
 * @throws what the last try failed with, once the time is up; at once for a failure that
 * waiting cannot cure (a TLS certificate, a bad --source)
 */
export async function dialWaiting(
  endpoint: Endpoint,
  options: DialWaitingOptions,
): Promise<Dialed> {
  const { waitMs, onRetry, ...dialOptions } = options;
  const started = performance.now();
  for (let attempt = 1;; attempt++) {
    const left = waitMs - (performance.now() - started);
    // A try at the deadline still has a moment to connect.
    const timeoutMs = Math.max(100, Math.min(dialOptions.timeoutMs ?? Infinity, left));
    try {
      return await dial(endpoint, {
        ...dialOptions,
        timeoutMs: Number.isFinite(timeoutMs) ? timeoutMs : undefined,
      });
    } catch (e) {
      if (!isNotUpYet(e)) throw e;
      const elapsed = performance.now() - started;
      if (elapsed >= waitMs) throw e;
      // The last try is at the deadline.
      const pause = Math.min(1000, 100 * 2 ** (attempt - 1), waitMs - elapsed);
      onRetry?.(attempt, describeError(e).message, elapsed);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
