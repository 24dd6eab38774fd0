/** HAProxy's PROXY protocol, v1 and v2: the header that tells a backend who the client is. */
import ipaddr from "ipaddr.js";
import { escapeBytes } from "../io/escape.ts";

/** One end of a proxied connection: an address as Deno gives it, and a port. */
export interface ProxyPeer {
  /** An IPv4 or IPv6 address, without brackets: `"127.0.0.1"`, `"::1"`, `"::ffff:10.0.0.1"`. */
  address: string;
  /** A port from 0 to 65535. */
  port: number;
}

/** A PROXY protocol header, as {@linkcode parseProxyHeader} reads it. */
export interface ParsedProxyHeader {
  /** 1 for the text line, 2 for the binary header. */
  version: 1 | 2;
  /**
   * `"proxy"`: the connection was relayed, and the addresses (if any) are the client's;
   * `"local"` (v2 only): the proxy opened it itself (a health check), so the real endpoints count.
   */
  command: "proxy" | "local";
  /**
   * The relayed connection's family. `"unknown"` carries no addresses: v1 UNKNOWN, v2 AF_UNSPEC,
   * every LOCAL header, and the v2 families (UDP, Unix sockets) this parser falls back from.
   */
  family: "tcp4" | "tcp6" | "unknown";
  /** The client's end; IPv4-mapped IPv6 addresses are written as Deno writes them. */
  source?: ProxyPeer;
  /** The end the client connected to (the proxy's listener). */
  destination?: ProxyPeer;
  /** The header's length in bytes: what precedes the relayed data, TLVs included. */
  length: number;
}

/** The 12 bytes a v2 header begins with, which the protocols it could meet by mistake refuse. */
export const PROXY_V2_SIGNATURE: Uint8Array = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);
/** The module's own copy, which no caller can change. */
const SIGNATURE = PROXY_V2_SIGNATURE.slice();

/** The longest v1 line, its CRLF included (the spec's worst case, UNKNOWN with IPv6 fields). */
export const PROXY_V1_MAX_LENGTH = 107;

/** The longest header of either version: a v2 header with the largest length field. */
export const MAX_PROXY_HEADER_BYTES: number = 16 + 0xffff;

const V1_PREFIX = new TextEncoder().encode("PROXY ");
const V1_FAMILIES = ["TCP4", "TCP6", "UNKNOWN"];
const V2_VERSION = 0x20;
const V2_PROXY = 0x01;
const V2_LOCAL = 0x00;
/** The v2 family bytes the spec defines, with their address block's size. */
const V2_ADDRESS_BYTES = new Map([
  [0x00, 0], // AF_UNSPEC
  [0x11, 12], // TCP over IPv4
  [0x12, 12], // UDP over IPv4
  [0x21, 36], // TCP over IPv6
  [0x22, 36], // UDP over IPv6
  [0x31, 216], // Unix stream
  [0x32, 216], // Unix datagram
]);
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Encodes the header a forwarder sends its backend first, naming the client (`source`) and the
 * address the client connected to (`destination`). Either end null (a Unix-socket client, say)
 * gives what the spec gives a connection without addresses: `PROXY UNKNOWN` (v1), or the LOCAL
 * command with AF_UNSPEC (v2; a PROXY command with AF_UNSPEC is refused by HAProxy 2.6), each of
 * which tells the backend to use the real endpoints.
 *
 * IPv4-mapped IPv6 addresses are written as IPv4 when both ends are IPv4 or mapped; an IPv4 end
 * facing a real IPv6 one is written mapped, over TCP6 (v1 in hexadecimal: `::ffff:a00:1`, the
 * spec's grammar). A zone (`%eth0`) is dropped: the header has no place for it.
 *
 * @example
 * ```ts
 * import { encodeProxyHeader } from "./proxy.ts";
 * const header = encodeProxyHeader(
 *   1,
 *   { address: "192.0.2.1", port: 56324 },
 *   { address: "192.0.2.11", port: 443 },
 * );
 * new TextDecoder().decode(header); // "PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\n"
 * ```
 * @throws {RangeError} for a version other than 1 or 2, or a port outside 0 to 65535
 * @throws {TypeError} for an address that is not an IPv4 or IPv6 address
 */
export function encodeProxyHeader(
  version: 1 | 2,
  source: ProxyPeer | null,
  destination: ProxyPeer | null,
): Uint8Array {
  if (version !== 1 && version !== 2) {
    throw new RangeError(`Invalid PROXY protocol version "${version}": expected 1 or 2`);
  }
  if (source === null || destination === null) {
    return version === 1 ? encoder.encode("PROXY UNKNOWN\r\n") : v2Header(V2_LOCAL, 0x00, 0);
  }
  const ends = sameFamily(peerAddress(source), peerAddress(destination));
  const [from, to] = ends;
  const sourcePort = peerPort(source);
  const destinationPort = peerPort(destination);
  const v4 = from.kind() === "ipv4";
  if (version === 1) {
    return encoder.encode(
      `PROXY ${v4 ? "TCP4" : "TCP6"} ${from} ${to} ${sourcePort} ${destinationPort}\r\n`,
    );
  }
  const addressBytes = v4 ? 4 : 16;
  const header = v2Header(V2_PROXY, v4 ? 0x11 : 0x21, 2 * addressBytes + 4);
  header.set(from.toByteArray(), 16);
  header.set(to.toByteArray(), 16 + addressBytes);
  const ports = new DataView(header.buffer, 16 + 2 * addressBytes, 4);
  ports.setUint16(0, sourcePort); // big-endian, the network's order
  ports.setUint16(2, destinationPort);
  return header;
}

/** A v2 header with room for `length` address bytes after its 16 fixed ones. */
function v2Header(command: number, family: number, length: number): Uint8Array {
  const header = new Uint8Array(16 + length);
  header.set(SIGNATURE);
  header[12] = V2_VERSION | command;
  header[13] = family;
  header[14] = length >> 8;
  header[15] = length & 0xff;
  return header;
}

/** The peer's address, parsed; a forwarder passes on what Deno gave it, so bad ones are bugs. */
function peerAddress(peer: ProxyPeer): Address {
  const text = peer.address;
  // Four-part decimal only: ipaddr would read "010.0.0.1" as octal, a different address.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) {
    const parsed = ipaddr.IPv6.parse(text);
    return new ipaddr.IPv6(parsed.parts); // without its zone
  }
  throw new TypeError(`Invalid address "${text}": expected an IPv4 or IPv6 address`);
}

function peerPort(peer: ProxyPeer): number {
  const port = peer.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port "${port}": expected an integer from 0 to 65535`);
  }
  return port;
}

/** Both ends in one family, as a header must have them: IPv4 when it can be, else IPv6. */
function sameFamily(from: Address, to: Address): [Address, Address] {
  const asV4 = (a: Address) =>
    a.kind() === "ipv4"
      ? a
      : (a as ipaddr.IPv6).isIPv4MappedAddress()
      ? (a as ipaddr.IPv6).toIPv4Address()
      : null;
  const from4 = asV4(from);
  const to4 = asV4(to);
  if (from4 !== null && to4 !== null) return [from4, to4];
  const asV6 = (a: Address) =>
    a.kind() === "ipv6" ? a as ipaddr.IPv6 : (a as ipaddr.IPv4).toIPv4MappedAddress();
  return [asV6(from), asV6(to)];
}

/**
 * Reads a PROXY protocol header (either version) from the start of `bytes`, the first bytes a
 * client sent. Returns null while the bytes so far are a valid start of a header with more to
 * come: call again with more. The relayed data begins at `length`.
 *
 * A v1 line is at most {@linkcode PROXY_V1_MAX_LENGTH} bytes; the TLVs of a v2 header are
 * skipped (counted in `length`, not read).
 *
 * @example
 * ```ts
 * import { parseProxyHeader } from "./proxy.ts";
 * const bytes = new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\nGET /");
 * parseProxyHeader(bytes);
 * // { version: 1, command: "proxy", family: "tcp4", length: 43,
 * //   source: { address: "192.0.2.1", port: 56324 },
 * //   destination: { address: "192.0.2.11", port: 443 } }
 * ```
 * @throws {SyntaxError} when the bytes are not (the start of) a valid PROXY protocol header
 */
export function parseProxyHeader(bytes: Uint8Array): ParsedProxyHeader | null {
  if (bytes.length === 0) return null;
  if (bytes[0] === V1_PREFIX[0]) return parseV1(bytes);
  if (bytes[0] === SIGNATURE[0]) return parseV2(bytes);
  throw invalid(`it begins with "${shown(bytes, 16)}"`);
}

function invalid(detail: string): SyntaxError {
  return new SyntaxError(`Invalid PROXY protocol header: ${detail}`);
}

/** Up to `max` bytes, escaped for a message. */
function shown(bytes: Uint8Array, max: number): string {
  return escapeBytes(bytes.subarray(0, max)) + (bytes.length > max ? "..." : "");
}

/** True when `bytes` starts as `expected` does, as far as either goes. */
function agrees(bytes: Uint8Array, expected: Uint8Array): boolean {
  const n = Math.min(bytes.length, expected.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== expected[i]) return false;
  return true;
}

function parseV1(bytes: Uint8Array): ParsedProxyHeader | null {
  if (!agrees(bytes, V1_PREFIX)) throw invalid(`it begins with "${shown(bytes, 16)}"`);
  const window = bytes.subarray(0, PROXY_V1_MAX_LENGTH);
  const lf = window.indexOf(0x0a);
  const cr = window.indexOf(0x0d);
  // The spec allows no bare CR or LF: the line ends at the first CR, which an LF must follow.
  if (cr >= 0 && cr + 1 < window.length && window[cr + 1] !== 0x0a) {
    throw invalid(`a CR without its LF in the v1 line "${shown(window, cr + 2)}"`);
  }
  if (lf >= 0 && (lf === 0 || window[lf - 1] !== 0x0d)) {
    throw invalid(`the v1 line "${shown(window, lf + 1)}" ends in LF, not CRLF`);
  }
  const end = lf >= 0 ? lf - 1 : cr >= 0 ? cr : window.length;
  const text = latin1.decode(window.subarray(0, end));
  checkV1Text(text, lf >= 0);
  if (lf < 0) {
    if (bytes.length >= PROXY_V1_MAX_LENGTH) {
      throw invalid(`no CRLF in the first ${PROXY_V1_MAX_LENGTH} bytes of the v1 line`);
    }
    return null;
  }
  const length = lf + 1;
  const fields = text.split(" ");
  if (fields[1] === "UNKNOWN") {
    // The spec: whatever follows UNKNOWN before the CRLF is to be ignored.
    return { version: 1, command: "proxy", family: "unknown", length };
  }
  if (fields.length !== 6) {
    throw invalid(`the v1 line "${text}" has ${fields.length} fields, not 6`);
  }
  const family = fields[1] === "TCP4" ? "tcp4" : "tcp6";
  return {
    version: 1,
    command: "proxy",
    family,
    source: { address: v1Address(fields[2], family), port: v1Port(fields[4]) },
    destination: { address: v1Address(fields[3], family), port: v1Port(fields[5]) },
    length,
  };
}

/**
 * Rejects a v1 line (or its start, when not `complete`) as soon as it cannot become valid: the
 * spec asks receivers to abort early, so the sender notices.
 */
function checkV1Text(text: string, complete: boolean): void {
  if (/[^\x20-\x7e]/.test(text)) throw invalid(`the v1 line "${escapeLine(text)}" is not text`);
  const family = text.slice(V1_PREFIX.length).split(" ")[0];
  const known = V1_FAMILIES.find((name) =>
    complete || text.length > V1_PREFIX.length + family.length
      ? name === family
      : name.startsWith(family)
  );
  if (known === undefined) {
    throw invalid(`unknown protocol "${escapeLine(family)}" in the v1 line (TCP4, TCP6, UNKNOWN)`);
  }
  const rest = text.slice(V1_PREFIX.length + family.length);
  const allowed = known === "TCP4" ? /^[ 0-9.]*$/ : known === "TCP6" ? /^[ 0-9a-fA-F.:]*$/ : /./;
  if (rest !== "" && !allowed.test(rest)) {
    throw invalid(`the ${known} line "${escapeLine(text)}" holds characters no address has`);
  }
}

function escapeLine(text: string): string {
  return escapeBytes(encoder.encode(text));
}

function v1Address(text: string, family: "tcp4" | "tcp6"): string {
  if (family === "tcp4") {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
      throw invalid(`"${text}" is not an IPv4 address in four decimal parts`);
    }
    return ipaddr.IPv4.parse(text).toString();
  }
  if (text.includes("%") || !ipaddr.IPv6.isValid(text)) {
    throw invalid(`"${text}" is not an IPv6 address`);
  }
  return addressText(ipaddr.IPv6.parse(text));
}

function v1Port(text: string): number {
  // No heading zeroes: the spec forbids them, to avoid any confusion with octal.
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text) || Number(text) > 65535) {
    throw invalid(`"${text}" is not a port from 0 to 65535 (without heading zeroes)`);
  }
  return Number(text);
}

/** An address as Deno writes it: IPv4 dotted, IPv6 compressed, mapped IPv4 in dotted form. */
function addressText(address: Address): string {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return `::ffff:${(address as ipaddr.IPv6).toIPv4Address()}`;
  }
  return address.toString();
}

function parseV2(bytes: Uint8Array): ParsedProxyHeader | null {
  if (!agrees(bytes, SIGNATURE)) {
    throw invalid(`it begins with "${shown(bytes, 16)}"`);
  }
  if (bytes.length > 12) {
    const versionCommand = bytes[12];
    if ((versionCommand & 0xf0) !== V2_VERSION) {
      throw invalid(`version ${versionCommand >> 4} after the v2 signature, not 2`);
    }
    const command = versionCommand & 0x0f;
    if (command !== V2_PROXY && command !== V2_LOCAL) {
      throw invalid(`unknown v2 command ${command} (0 is LOCAL, 1 is PROXY)`);
    }
  }
  if (bytes.length > 13 && !V2_ADDRESS_BYTES.has(bytes[13])) {
    throw invalid(`unknown v2 address family and protocol 0x${hex(bytes[13])}`);
  }
  if (bytes.length < 16) return null;
  const local = (bytes[12] & 0x0f) === V2_LOCAL;
  const familyByte = bytes[13];
  const addressLength = (bytes[14] << 8) | bytes[15];
  const needed = V2_ADDRESS_BYTES.get(familyByte)!;
  // A LOCAL header's family is ignored, so its addresses need not be there.
  if (!local && addressLength < needed) {
    throw invalid(
      `length ${addressLength} is too short for the ${needed} address bytes of family ` +
        `0x${hex(familyByte)}`,
    );
  }
  const length = 16 + addressLength;
  if (bytes.length < length) return null;
  const command = local ? "local" : "proxy";
  // UDP and Unix sockets: the spec lets a receiver fall back to UNSPEC for families it skips.
  if (local || (familyByte !== 0x11 && familyByte !== 0x21)) {
    return { version: 2, command, family: "unknown", length };
  }
  const size = familyByte === 0x11 ? 4 : 16;
  const at = (offset: number) =>
    addressText(ipaddr.fromByteArray(Array.from(bytes.subarray(offset, offset + size))));
  const ports = new DataView(bytes.buffer, bytes.byteOffset + 16 + 2 * size, 4);
  return {
    version: 2,
    command,
    family: size === 4 ? "tcp4" : "tcp6",
    source: { address: at(16), port: ports.getUint16(0) },
    destination: { address: at(16 + size), port: ports.getUint16(2) },
    length,
  };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
