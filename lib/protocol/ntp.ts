/**
 * NTP for check -u: a client request (RFC 5905 mode 3) and the facts of a server's reply:
 * stratum, leap indicator, a kiss-o'-death code, the clock offset. Pure functions over bytes; a
 * malformed reply is a result that says so, never a throw.
 */

/** The size of an NTP packet without extensions. */
export const NTP_PACKET_SIZE = 48;
/** Seconds from the NTP era (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** A time as NTP writes it: seconds since 1900 and a fraction of 2^32. */
export interface NtpTimestamp {
  /** Whole seconds since 1900 (modulo 2^32). */
  seconds: number;
  /** The fraction of a second, in units of 2^-32 s. */
  fraction: number;
}

/** Milliseconds since the Unix epoch as an NTP timestamp. */
export function toNtpTimestamp(unixMs: number): NtpTimestamp {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * 2 ** 32);
  return { seconds: (seconds + NTP_UNIX_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

function toUnixMs(t: NtpTimestamp): number {
  return (t.seconds - NTP_UNIX_OFFSET) * 1000 + (t.fraction / 2 ** 32) * 1000;
}

/**
 * A version 4 client request whose transmit time is `transmit`: the server copies it into its
 * reply's origin field, which is how the reply is matched to the request.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildNtpRequest } from "./ntp.ts";
 * const request = buildNtpRequest({ seconds: 1, fraction: 2 });
 * assertEquals(request[0], 0x23); // LI 0, version 4, mode 3 (client)
 * assertEquals(request.length, 48);
 * ```
 */
export function buildNtpRequest(transmit: NtpTimestamp): Uint8Array {
  const out = new Uint8Array(NTP_PACKET_SIZE);
  const view = new DataView(out.buffer);
  out[0] = (0 << 6) | (4 << 3) | 3;
  view.setUint32(40, transmit.seconds);
  view.setUint32(44, transmit.fraction);
  return out;
}

/** What an NTP server's reply says. */
export interface NtpReply {
  /** The leap indicator: 3 means the server's clock is not synchronised. */
  leap: number;
  /** The protocol version. */
  version: number;
  /** 1 for a primary server, up to 15; 0 is a kiss-o'-death. */
  stratum: number;
  /** A kiss-o'-death's code (`RATE`, `DENY`), with stratum 0. */
  kiss?: string;
  /** The reply's origin time equals the request's transmit time. */
  matches: boolean;
  /** The offset of the server's clock from ours, in milliseconds, when the times allow it. */
  offsetMs?: number;
}

/** A reply, or why the bytes are none. */
export type NtpParse = { ok: true; reply: NtpReply } | { ok: false; problem: string };

/**
 * Reads a server's reply to the request sent at `sentMs` (Unix milliseconds, with its NTP form
 * `transmit`), received at `receivedMs`. Never throws.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseNtpReply } from "./ntp.ts";
 * const parsed = parseNtpReply(new Uint8Array(10), { seconds: 0, fraction: 0 });
 * assertEquals(parsed.ok, false);
 * ```
 */
export function parseNtpReply(
  bytes: Uint8Array,
  transmit: NtpTimestamp,
  times: { sentMs?: number; receivedMs?: number } = {},
): NtpParse {
  if (bytes.length < NTP_PACKET_SIZE) return { ok: false, problem: "shorter than an NTP packet" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const leap = bytes[0] >> 6;
  const version = (bytes[0] >> 3) & 7;
  const mode = bytes[0] & 7;
  if (mode !== 4 && mode !== 5) {
    return { ok: false, problem: `not a server's reply (mode ${mode})` };
  }
  if (version < 1 || version > 4) return { ok: false, problem: `unknown NTP version ${version}` };
  const stratum = bytes[1];
  const origin = { seconds: view.getUint32(24), fraction: view.getUint32(28) };
  const matches = origin.seconds === transmit.seconds && origin.fraction === transmit.fraction;
  const reply: NtpReply = { leap, version, stratum, matches };
  if (stratum === 0) {
    const code = String.fromCharCode(...bytes.subarray(12, 16)).replace(/[^\x21-\x7e]/g, "");
    reply.kiss = code || "????";
  }
  const { sentMs, receivedMs } = times;
  if (matches && stratum !== 0 && sentMs !== undefined && receivedMs !== undefined) {
    const t2 = toUnixMs({ seconds: view.getUint32(32), fraction: view.getUint32(36) });
    const t3 = toUnixMs({ seconds: view.getUint32(40), fraction: view.getUint32(44) });
    const offset = ((t2 - sentMs) + (t3 - receivedMs)) / 2;
    if (Number.isFinite(offset)) reply.offsetMs = offset;
  }
  return { ok: true, reply };
}
