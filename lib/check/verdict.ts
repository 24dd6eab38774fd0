/**
 * Whether a check target is up, and check's exit code: 0 when every target is up, 1 when one is
 * not (a network failure), 5 when every target answered but a certificate or a TLS handshake
 * failed. A target that is down outweighs a certificate: it is the more urgent to fix.
 */
import { ExitCode } from "../errors.ts";
import type { Target } from "../net/targets.ts";
import { type CheckState, TLS_STATES } from "./states.ts";

/** What a target's ports add up to. */
export type Verdict = "up" | "tls" | "down";

/**
 * The verdict on one target from its ports' states. A HOST:PORT target is up when its port is
 * open; a range, list or subnet when one of its ports is (a scan looks for what is there). A
 * certificate that does not verify or is expiring, on any port, is a TLS failure, as is a target
 * whose ports answered but only with failed TLS. Anything else is down.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { targetVerdict } from "./verdict.ts";
 * assertEquals(targetVerdict(["open", "expiring"]), "tls");
 * assertEquals(targetVerdict(["closed", "open"]), "up");
 * ```
 */
export function targetVerdict(states: Iterable<CheckState | undefined>): Verdict {
  let open = false;
  let tls = false;
  let certificate = false;
  for (const state of states) {
    if (state === "open") open = true;
    else if (state !== undefined && TLS_STATES.has(state)) {
      tls = true;
      if (state !== "tls-error") certificate = true;
    }
  }
  if (!open && !tls) return "down";
  return certificate || !open ? "tls" : "up";
}

/**
 * check's exit code from its targets' verdicts: 1 when one is down, else 5 when one failed TLS,
 * else 0.
 */
export function exitCodeOf(verdicts: Iterable<Verdict>): number {
  let tls = false;
  for (const verdict of verdicts) {
    if (verdict === "down") return ExitCode.network;
    if (verdict === "tls") tls = true;
  }
  return tls ? ExitCode.tls : ExitCode.ok;
}

/** The kind of a target, as a word for reports: one port, or a group of them. */
export function isGroup(target: Target): boolean {
  return target.kind !== "port" || target.group;
}
