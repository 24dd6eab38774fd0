/**
 * The header SOCKS5 puts on each datagram of a UDP association (RFC 1928 §7), as pure rules over
 * bytes: RSV (2 bytes, 0), FRAG, ATYP, DST.ADDR, DST.PORT, then DATA. A datagram is whatever a
 * peer sent, so {@linkcode parseUdpDatagram} never throws: what cannot be relayed is answered
 * with the reason it is dropped.
 */
import { encodeAddress, parseAddress, type SocksAddress, SocksAddressType } from "./socks5.ts";

/** A datagram that can be relayed: where it goes, and its data (a view of the datagram's bytes). */
export interface Socks5UdpDatagram {
  /** The destination: an IPv4 or IPv6 address, or a name of printable ASCII. */
  address: SocksAddress;
  /** The address type the client used (1, 3 or 4). */
  addressType: number;
  /** DATA: a view of the bytes parsed, not a copy. */
  data: Uint8Array;
}

/**
 * Why a datagram cannot be relayed: `fragment` (FRAG is not 0: fragments are not reassembled, as
 * most servers do), or `malformed` with the detail.
 */
export type Socks5UdpDrop = { drop: "fragment"; fragment: number } | {
  drop: "malformed";
  reason: string;
};

/** The header's length before the address: RSV (2), FRAG, ATYP. */
const FIXED = 4;

/**
 * Parses one datagram a client sent to the relay. Never throws: a datagram that is not a whole,
 * well-formed header (RSV not 0, an unknown address type, a name empty or not printable ASCII,
 * port 0, too short) or that is a fragment is answered with why it is dropped.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseUdpDatagram } from "./socks5_udp.ts";
 * const parsed = parseUdpDatagram(new Uint8Array([0, 0, 0, 1, 127, 0, 0, 1, 0, 53, 7]));
 * assertEquals("address" in parsed && parsed.address, { host: "127.0.0.1", port: 53 });
 * ```
 */
export function parseUdpDatagram(bytes: Uint8Array): Socks5UdpDatagram | Socks5UdpDrop {
  if (bytes.length < 3) return malformed("shorter than a header");
  if (bytes[0] !== 0 || bytes[1] !== 0) return malformed("the reserved bytes are not 0");
  if (bytes[2] !== 0) return { drop: "fragment", fragment: bytes[2] };
  if (bytes.length < FIXED + 1) return malformed("shorter than a header");
  const type = bytes[3];
  if (
    type !== SocksAddressType.ipv4 && type !== SocksAddressType.ipv6 &&
    type !== SocksAddressType.domain
  ) {
    return malformed(`unknown address type ${type}`);
  }
  let parsed: ReturnType<typeof parseAddress>;
  try {
    parsed = parseAddress(bytes, FIXED - 1);
  } catch {
    return malformed("an empty name");
  }
  if (!parsed) return malformed("shorter than its header");
  const { address, end } = parsed;
  if (type === SocksAddressType.domain && !/^[\x21-\x7e]+$/.test(address.host)) {
    return malformed("a name that is not printable ASCII");
  }
  if (address.port === 0) return malformed("port 0");
  return { address, addressType: type, data: bytes.subarray(end) };
}

/**
 * The datagram sent back to the client: the header naming `from` (the peer that replied), then
 * `data`.
 *
 * @throws {RangeError} when `from` is not an address SOCKS5 can carry
 */
export function encodeUdpDatagram(from: SocksAddress, data: Uint8Array): Uint8Array {
  const address = encodeAddress(from);
  const out = new Uint8Array(FIXED - 1 + address.length + data.length);
  out.set(address, FIXED - 1);
  out.set(data, FIXED - 1 + address.length);
  return out;
}

function malformed(reason: string): Socks5UdpDrop {
  return { drop: "malformed", reason };
}
