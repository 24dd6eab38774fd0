import { assert, assertEquals } from "@std/assert";
import { buildDnsQuery, dnsNameProblem, parseDnsReply } from "../../lib/protocol/dns.ts";
import { buildNtpRequest, parseNtpReply, toNtpTimestamp } from "../../lib/protocol/ntp.ts";
import { buildSnmpGet, parseSnmpResponse } from "../../lib/protocol/snmp.ts";

/** A reply to `query` with `rcode` and one A record per address. */
function dnsReply(query: Uint8Array, rcode: number, addresses: number[][]): Uint8Array {
  const answers = addresses.map((a) => [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...a]);
  const out = new Uint8Array([...query, ...answers.flat()]);
  out[2] = 0x81;
  out[3] = 0x80 | rcode;
  out[7] = addresses.length;
  return out;
}

Deno.test("buildDnsQuery() writes the id, one question and the name's labels", () => {
  const query = buildDnsQuery("db.internal", { id: 0xbeef });
  assertEquals([...query.subarray(0, 6)], [0xbe, 0xef, 0x01, 0x00, 0, 1]);
  assertEquals(new TextDecoder().decode(query.subarray(13, 15)), "db");
  assertEquals(buildDnsQuery(".", { id: 1 }).length, 12 + 1 + 4);
});

Deno.test("dnsNameProblem() rejects empty labels, long labels and non-ASCII names", () => {
  assertEquals(dnsNameProblem("a.b."), undefined);
  assert(dnsNameProblem("a..b"));
  assert(dnsNameProblem("x".repeat(64) + ".com"));
  assert(dnsNameProblem("bücher.de"));
});

Deno.test("parseDnsReply() reads the rcode, the answers and their addresses", () => {
  const query = buildDnsQuery("tcpkit.test", { id: 7 });
  const ok = parseDnsReply(dnsReply(query, 0, [[127, 0, 0, 7]]));
  if (!ok.ok) throw new Error(JSON.stringify(ok));
  assertEquals(ok.reply.rcodeName, "NOERROR");
  assertEquals(ok.reply.addresses, ["127.0.0.7"]);
  const nx = parseDnsReply(dnsReply(query, 3, []));
  if (!nx.ok) throw new Error(JSON.stringify(nx));
  assertEquals([nx.reply.rcodeName, nx.reply.answers], ["NXDOMAIN", 0]);
  assertEquals(parseDnsReply(query), { ok: false, problem: "a query, not a reply" });
});

Deno.test("parseDnsReply() never throws on cut or garbled replies", () => {
  const full = dnsReply(buildDnsQuery("tcpkit.test", { id: 7 }), 0, [[1, 2, 3, 4]]);
  for (let n = 0; n <= full.length; n++) parseDnsReply(full.subarray(0, n));
  let seed = 1;
  for (let i = 0; i < 2000; i++) {
    const bytes = full.slice();
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes[seed % bytes.length] = seed & 0xff;
    bytes[2] |= 0x80;
    parseDnsReply(bytes);
  }
  // A compression pointer that points at itself is bounded, not followed forever.
  const loop = full.slice();
  loop[loop.length - 16] = 0xc0;
  assertEquals(typeof parseDnsReply(loop).ok, "boolean");
});

Deno.test("parseNtpReply() matches the origin, reads the stratum and spots a kiss-o'-death", () => {
  const transmit = toNtpTimestamp(Date.UTC(2026, 0, 1));
  const request = buildNtpRequest(transmit);
  const reply = request.slice();
  reply[0] = (0 << 6) | (4 << 3) | 4;
  reply[1] = 10;
  reply.set(request.subarray(40, 48), 24);
  const parsed = parseNtpReply(reply, transmit);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed));
  assertEquals([parsed.reply.stratum, parsed.reply.matches], [10, true]);
  reply[1] = 0;
  reply.set(new TextEncoder().encode("RATE"), 12);
  const kiss = parseNtpReply(reply, transmit);
  if (!kiss.ok) throw new Error(JSON.stringify(kiss));
  assertEquals(kiss.reply.kiss, "RATE");
  assertEquals(parseNtpReply(request, transmit).ok, false); // mode 3 is a client
  assertEquals(parseNtpReply(reply.subarray(0, 47), transmit).ok, false);
});

function tlv(tag: number, body: number[]): number[] {
  return [tag, body.length, ...body];
}

Deno.test("parseSnmpResponse() reads a response; a cut one is a problem, never a throw", () => {
  const descr = [...new TextEncoder().encode("Linux test")];
  const oid = [0x2b, 6, 1, 2, 1, 1, 1, 0];
  const bytes = tlv(0x30, [
    ...tlv(0x02, [1]),
    ...tlv(0x04, [...new TextEncoder().encode("public")]),
    ...tlv(0xa2, [
      ...tlv(0x02, [0x10, 0x92]),
      ...tlv(0x02, [0]),
      ...tlv(0x02, [0]),
      ...tlv(0x30, tlv(0x30, [...tlv(0x06, oid), ...tlv(0x04, descr)])),
    ]),
  ]);
  const parsed = parseSnmpResponse(new Uint8Array(bytes));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed));
  assertEquals(parsed.reply, { requestId: 4242, errorStatus: 0, description: "Linux test" });
  for (let n = 0; n < bytes.length; n++) {
    assertEquals(parseSnmpResponse(new Uint8Array(bytes.slice(0, n))).ok, false);
  }
  // The request itself is no response.
  assertEquals(parseSnmpResponse(buildSnmpGet(4242)).ok, false);
});
