/** The states a check probe can end in, and how a failed connect maps to one. */
import type { NetFailure } from "../errors.ts";

/**
 * Every state, in the order reports count them: the port answered (`open`, and with --tls the
 * certificate's three ways of failing), then the ways it did not.
 *
 * - `open`: connected (and with --tls, the certificate verified and is not expiring)
 * - `expiring`: --tls: the certificate expires within --warn-days
 * - `unverified`: --tls: the certificate did not verify (or did not match --pin)
 * - `tls-error`: --tls or --starttls: the handshake or the STARTTLS dialogue failed
 * - `unhealthy`: an HTTP target answered, but not as expected (its status, its body); -u: the port
 *   answered, but not as asked (a DNS --query not NOERROR with an answer)
 * - `open|filtered`: -u: no reply within --timeout (nmap's word: open and silent, or filtered)
 * - `closed`: refused (RST), also a TCP self-connect
 * - `timeout`: no answer within --timeout (to the connect, or to --send; a server silent to
 *   --banner is `open`, with a reason)
 * - `unreachable`: no route, host or network unreachable
 * - `unresolved`: the host name did not resolve
 * - `error`: any other failure, always with its reason
 */
export const CHECK_STATES = [
  "open",
  "expiring",
  "unverified",
  "tls-error",
  "unhealthy",
  "open|filtered",
  "closed",
  "timeout",
  "unreachable",
  "unresolved",
  "error",
] as const;

/** One of {@linkcode CHECK_STATES}. */
export type CheckState = typeof CHECK_STATES[number];

/** The states of a port that answered but whose TLS failed: a certificate failure, exit 5. */
export const TLS_STATES: ReadonlySet<CheckState> = new Set(["expiring", "unverified", "tls-error"]);

/**
 * The state of a connect that failed with `failure`: refused is `closed`, every kind of
 * unreachable is `unreachable`, anything else `error`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stateOfFailure } from "./states.ts";
 * assertEquals(stateOfFailure("host-unreachable"), "unreachable");
 * ```
 */
export function stateOfFailure(failure: NetFailure): CheckState {
  switch (failure) {
    case "refused":
      return "closed";
    case "host-unreachable":
    case "network-unreachable":
      return "unreachable";
    default:
      return "error";
  }
}
