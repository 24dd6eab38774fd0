/**
 * DNS over UDP for check -u: a query (RFC 1035 §4) and the facts of its reply that a health check
 * needs: the reply's code, its answers, its addresses. Pure functions over bytes; a malformed
 * reply is a result that says so, never a throw.
 */

/** Record types by name, as check asks them. */
export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28 } as const;

/** The reply codes' names (RFC 1035, 2136, 6895), by number. */
const RCODES = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];

/** A reply code's name: `NXDOMAIN`; `RCODE12` for one without a name. */
export function rcodeName(rcode: number): string {
  return RCODES[rcode] ?? `RCODE${rcode}`;
}

/**
 * Why `name` cannot be asked for, or undefined when it can: ASCII labels of 1 to 63 bytes,
 * 253 bytes in all; `.` is the root.
 */
export function dnsNameProblem(name: string): string | undefined {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  if (trimmed === "") return undefined;
  if (trimmed.length > 253) return "longer than 253 characters";
  if (/[^\x21-\x7e]/.test(trimmed)) return "only ASCII letters, digits and punctuation";
  for (const label of trimmed.split(".")) {
    if (label.length === 0) return "an empty label (two dots in a row)";
    if (label.length > 63) return `a label longer than 63 characters`;
  }
  return undefined;
}

/** Options for {@linkcode buildDnsQuery}. */
export interface DnsQueryOptions {
  /** The query's id, 0 to 65535: the reply must carry it. */
  id: number;
  /** The record type asked for (default A). */
  type?: number;
}

/**
 * A standard query for `name` (class IN, recursion desired).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildDnsQuery } from "./dns.ts";
 * const query = buildDnsQuery("a.b", { id: 0x1234 });
 * assertEquals([...query.subarray(0, 2)], [0x12, 0x34]);
 * assertEquals(query.length, 12 + 5 + 4);
 * ```
 * @throws {RangeError} for a name {@linkcode dnsNameProblem} rejects
 */
export function buildDnsQuery(name: string, options: DnsQueryOptions): Uint8Array {
  const problem = dnsNameProblem(name);
  if (problem) throw new RangeError(`Invalid DNS name "${name}": ${problem}`);
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  const labels = trimmed === "" ? [] : trimmed.split(".");
  const nameBytes = labels.reduce((n, label) => n + 1 + label.length, 1);
  const out = new Uint8Array(12 + nameBytes + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, options.id & 0xffff);
  view.setUint16(2, 0x0100); // RD
  view.setUint16(4, 1); // QDCOUNT
  let at = 12;
  for (const label of labels) {
    out[at++] = label.length;
    for (let i = 0; i < label.length; i++) out[at++] = label.charCodeAt(i);
  }
  out[at++] = 0;
  view.setUint16(at, options.type ?? DNS_TYPES.A);
  view.setUint16(at + 2, 1); // IN
  return out;
}

/** What a DNS reply says, as far as check needs it. */
export interface DnsReply {
  /** The reply's id. */
  id: number;
  /** The reply code (0 NOERROR, 3 NXDOMAIN, …). */
  rcode: number;
  /** Its name: `NOERROR`, `NXDOMAIN`. */
  rcodeName: string;
  /** The number of answer records. */
  answers: number;
  /** The reply was cut short (TC): the full answer needs TCP. */
  truncated: boolean;
  /** The A and AAAA addresses among the answers. */
  addresses: string[];
}

/** A reply, or why the bytes are none. */
export type DnsParse = { ok: true; reply: DnsReply } | { ok: false; problem: string };

/**
 * Reads a DNS reply: its header, then its question and answer records (each checked to lie
 * within the bytes, compression pointers followed with a bound). Never throws.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseDnsReply } from "./dns.ts";
 * assertEquals(parseDnsReply(new Uint8Array(3)), { ok: false, problem: "shorter than a DNS header" });
 * ```
 */
export function parseDnsReply(bytes: Uint8Array): DnsParse {
  try {
    return readReply(bytes);
  } catch (e) {
    return { ok: false, problem: e instanceof Malformed ? e.message : "malformed reply" };
  }
}

class Malformed extends Error {}

function readReply(bytes: Uint8Array): DnsParse {
  if (bytes.length < 12) return { ok: false, problem: "shorter than a DNS header" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = view.getUint16(0);
  const flags = view.getUint16(2);
  if ((flags & 0x8000) === 0) return { ok: false, problem: "a query, not a reply" };
  const rcode = flags & 0x000f;
  const questions = view.getUint16(4);
  const answers = view.getUint16(6);
  let at = 12;
  for (let q = 0; q < questions; q++) {
    at = skipName(bytes, at) + 4;
    if (at > bytes.length) throw new Malformed("question cut short");
  }
  const addresses: string[] = [];
  for (let a = 0; a < answers; a++) {
    at = skipName(bytes, at);
    if (at + 10 > bytes.length) throw new Malformed("answer cut short");
    const type = view.getUint16(at);
    const length = view.getUint16(at + 8);
    const data = at + 10;
    at = data + length;
    if (at > bytes.length) throw new Malformed("answer cut short");
    if (type === DNS_TYPES.A && length === 4) {
      addresses.push(Array.from(bytes.subarray(data, data + 4)).join("."));
    } else if (type === DNS_TYPES.AAAA && length === 16) {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(view.getUint16(data + i).toString(16));
      addresses.push(groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::"));
    }
  }
  return {
    ok: true,
    reply: {
      id,
      rcode,
      rcodeName: rcodeName(rcode),
      answers,
      truncated: (flags & 0x0200) !== 0,
      addresses,
    },
  };
}

/** The offset after the name at `at`: labels, then a zero or a compression pointer. */
function skipName(bytes: Uint8Array, at: number): number {
  for (let labels = 0; labels < 128; labels++) {
    if (at >= bytes.length) throw new Malformed("name cut short");
    const length = bytes[at];
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) {
      if (at + 2 > bytes.length) throw new Malformed("name cut short");
      return at + 2;
    }
    if ((length & 0xc0) !== 0) throw new Malformed("a label of an unknown kind");
    at += 1 + length;
  }
  throw new Malformed("a name of too many labels");
}
