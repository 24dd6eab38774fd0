/**
 * SNMP for check -u: a version 2c GetRequest for sysDescr.0 (community `public` by default), and
 * the facts of its response: request id, error status, the description. The little BER it needs,
 * read within bounds: a malformed response is a result that says so, never a throw.
 */

/** sysDescr.0: 1.3.6.1.2.1.1.1.0, BER-encoded. */
const SYS_DESCR = [0x2b, 6, 1, 2, 1, 1, 1, 0];
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const NULL = 0x05;
const OID = 0x06;
const GET_REQUEST = 0xa0;
const RESPONSE = 0xa2;

function tlv(tag: number, body: number[]): number[] {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...length, ...body];
}

function integer(value: number): number[] {
  const bytes: number[] = [];
  let v = value >>> 0;
  do {
    bytes.unshift(v & 0xff);
    v >>>= 8;
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(INTEGER, bytes);
}

/**
 * A v2c GetRequest for sysDescr.0.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildSnmpGet } from "./snmp.ts";
 * const request = buildSnmpGet(1);
 * assertEquals(request[0], 0x30);
 * ```
 */
export function buildSnmpGet(requestId: number, community = "public"): Uint8Array {
  const varbind = tlv(SEQUENCE, [...tlv(OID, SYS_DESCR), ...tlv(NULL, [])]);
  const pdu = tlv(GET_REQUEST, [
    ...integer(requestId & 0x7fffffff),
    ...integer(0),
    ...integer(0),
    ...tlv(SEQUENCE, varbind),
  ]);
  const communityBytes = [...new TextEncoder().encode(community)];
  return new Uint8Array(
    tlv(SEQUENCE, [...integer(1), ...tlv(OCTET_STRING, communityBytes), ...pdu]),
  );
}

/** What an SNMP response says. */
export interface SnmpReply {
  /** The request id it answers. */
  requestId: number;
  /** 0 for no error; else SNMP's error status (2 noSuchName, 5 genErr, …). */
  errorStatus: number;
  /** The first value, when it is a string (sysDescr's text). */
  description?: string;
}

/** A response, or why the bytes are none. */
export type SnmpParse = { ok: true; reply: SnmpReply } | { ok: false; problem: string };

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

class Malformed extends Error {}

function readTlv(bytes: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Malformed("cut short");
  const tag = bytes[at];
  let length = bytes[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || start + count > limit) throw new Malformed("bad length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Malformed("cut short");
  return { tag, start, end };
}

function readInteger(bytes: Uint8Array, t: Tlv): number {
  if (t.tag !== INTEGER || t.end - t.start < 1 || t.end - t.start > 4) {
    throw new Malformed("expected an integer");
  }
  let v = bytes[t.start] & 0x80 ? -1 : 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + bytes[i];
  return v;
}

/**
 * Reads an SNMP response. Never throws.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseSnmpResponse } from "./snmp.ts";
 * assertEquals(parseSnmpResponse(new Uint8Array([0x30, 9])).ok, false);
 * ```
 */
export function parseSnmpResponse(bytes: Uint8Array): SnmpParse {
  try {
    const message = readTlv(bytes, 0, bytes.length);
    if (message.tag !== SEQUENCE) throw new Malformed("not an SNMP message");
    const version = readTlv(bytes, message.start, message.end);
    readInteger(bytes, version);
    const community = readTlv(bytes, version.end, message.end);
    if (community.tag !== OCTET_STRING) throw new Malformed("no community");
    const pdu = readTlv(bytes, community.end, message.end);
    if (pdu.tag !== RESPONSE) throw new Malformed("not a response");
    const id = readTlv(bytes, pdu.start, pdu.end);
    const status = readTlv(bytes, id.end, pdu.end);
    const index = readTlv(bytes, status.end, pdu.end);
    readInteger(bytes, index);
    const reply: SnmpReply = {
      requestId: readInteger(bytes, id),
      errorStatus: readInteger(bytes, status),
    };
    const list = readTlv(bytes, index.end, pdu.end);
    if (list.tag === SEQUENCE && list.end > list.start) {
      const varbind = readTlv(bytes, list.start, list.end);
      const name = readTlv(bytes, varbind.start, varbind.end);
      const value = readTlv(bytes, name.end, varbind.end);
      if (value.tag === OCTET_STRING) {
        reply.description = new TextDecoder().decode(bytes.subarray(value.start, value.end));
      }
    }
    return { ok: true, reply };
  } catch (e) {
    return { ok: false, problem: e instanceof Malformed ? e.message : "malformed response" };
  }
}
