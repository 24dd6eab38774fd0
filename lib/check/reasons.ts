/** The words for why a probe failed, from errors.ts, which words every failure. */
import { failureWords, NetError, type NetFailure } from "../errors.ts";

/**
 * Why a connect failed, in errors.ts's words: `connection reset by peer`, `no route to host
 * (host unreachable)`. A failure nothing classified (`other`) is told in the system's words,
 * given as `detail` or taken from the error.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { failureReason } from "./reasons.ts";
 * assertEquals(failureReason("network-unreachable"), "network unreachable");
 * ```
 */
export function failureReason(failure: NetFailure, error?: unknown, detail?: string): string {
  const words = detail ?? (failure === "other" ? systemWords(error) : undefined);
  return failureWords(new NetError(failure, "", { detail: words }));
}

/** The system's words for an error, without the "(os error N)" tail, or undefined. */
function systemWords(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  const text = (error instanceof Error ? error.message : String(error))
    .replace(/\s*\(os error \d+\)$/, "");
  return text === "" ? undefined : text.charAt(0).toLowerCase() + text.slice(1);
}
