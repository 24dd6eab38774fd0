/**
 * SHA-256 fingerprints as people write them for `--pin`: pure text, so that parsing a command line
 * does not load the certificate library.
 */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";

/**
 * Turns a fingerprint as people paste it into the canonical `AA:BB:…` form: 32 colon-separated
 * pairs or 64 bare hex digits, in either case, optionally after `sha256:`, `SHA256=` or openssl's
 * `SHA256 Fingerprint=`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { normalizeFingerprint } from "./fingerprint.ts";
 * const hex = "ab".repeat(32);
 * assertEquals(normalizeFingerprint(`sha256:${hex}`), "AB:".repeat(31) + "AB");
 * ```
 * @throws {UsageError} when it is not a SHA-256 fingerprint
 */
export function normalizeFingerprint(raw: string): string {
  const digits = raw.trim().replace(/^(sha256( fingerprint)?[:=])/i, "");
  if (/^[0-9a-f]{64}$/i.test(digits) || /^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/i.test(digits)) {
    return digits.replaceAll(":", "").toUpperCase().replace(/..(?!$)/g, "$&:");
  }
  throw new UsageError(
    `Invalid --pin "${
      escapeText(raw)
    }": expected a SHA-256 fingerprint of 64 hex digits, such as AB:CD:...`,
  );
}

/**
 * True when a certificate's fingerprint is the pinned one.
 *
 * @param pin a fingerprint from {@linkcode normalizeFingerprint}
 * @param fingerprint the certificate's, in any form {@linkcode normalizeFingerprint} accepts
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { pinMatches } from "./fingerprint.ts";
 * const pin = "AB:".repeat(31) + "AB";
 * assert(pinMatches(pin, pin.toLowerCase()));
 * ```
 */
export function pinMatches(pin: string, fingerprint: string): boolean {
  try {
    return normalizeFingerprint(fingerprint) === pin;
  } catch {
    return false;
  }
}
