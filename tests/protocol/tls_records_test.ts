import { assertEquals } from "@std/assert";
import { HandshakeReader, plaintextAlert, RecordTail } from "../../lib/protocol/tls_records.ts";

/** A TLS 1.2 record of `type` holding `payload`. */
function record(type: number, payload: number[]): Uint8Array {
  return Uint8Array.of(type, 3, 3, payload.length >> 8, payload.length & 0xff, ...payload);
}

/** A handshake message of `type` with `length` bytes of body. */
function message(type: number, length: number): number[] {
  return [type, 0, length >> 8, length & 0xff, ...new Array(length).fill(7)];
}

Deno.test("HandshakeReader sees a CertificateRequest among a TLS 1.2 server's messages", () => {
  const reader = new HandshakeReader();
  reader.push(record(22, [...message(2, 70), ...message(11, 300)]));
  assertEquals(reader.askedForCertificate, false);
  reader.push(record(22, [...message(12, 100), ...message(13, 20), ...message(14, 0)]));
  assertEquals(reader.askedForCertificate, true);
});

Deno.test("HandshakeReader reads messages split across records and chunks", () => {
  const flight = record(22, message(13, 40));
  // The message split into two records, each delivered a few bytes at a time.
  const body = [...flight.subarray(5)];
  const bytes = [...record(22, body.slice(0, 10)), ...record(22, body.slice(10))];
  const reader = new HandshakeReader();
  for (let at = 0; at < bytes.length; at += 3) {
    reader.push(Uint8Array.from(bytes.slice(at, at + 3)));
  }
  assertEquals(reader.askedForCertificate, true);
});

Deno.test("HandshakeReader stops at the first record that is not a handshake (TLS 1.3's encryption)", () => {
  const reader = new HandshakeReader();
  reader.push(record(22, message(2, 70)));
  reader.push(record(20, [1]));
  // Encrypted under TLS 1.3: even bytes that look like a CertificateRequest are not read.
  reader.push(record(22, message(13, 10)));
  assertEquals(reader.askedForCertificate, false);
});

Deno.test("HandshakeReader keeps at most 64 KiB", () => {
  const reader = new HandshakeReader();
  reader.push(new Uint8Array(70_000).fill(22));
  reader.push(record(22, message(13, 10)));
  assertEquals(reader.askedForCertificate, false);
});

Deno.test("HandshakeReader holds at most 64 KiB of a message a server declares 16 MiB long", () => {
  const reader = new HandshakeReader();
  reader.push(record(22, [11, 0xff, 0xff, 0xff]));
  let most = 0;
  for (let i = 0; i < 100; i++) {
    reader.push(record(22, new Array(16_000).fill(7)));
    most = Math.max(most, reader.held);
  }
  assertEquals(most <= 64 * 1024 + 16_005, true, `held ${most} bytes`);
});

Deno.test("plaintextAlert() is a fatal TLS 1.2 alert record", () => {
  assertEquals([...plaintextAlert("handshake_failure")], [21, 3, 3, 0, 2, 2, 40]);
  assertEquals([...plaintextAlert("bad_certificate")], [21, 3, 3, 0, 2, 2, 42]);
});

Deno.test("RecordTail: a last alert record (TLS 1.2) or 19-byte record (TLS 1.3) is a close_notify", () => {
  const tls12 = new RecordTail();
  tls12.push(record(23, new Array(300).fill(1)));
  assertEquals(tls12.endedWithAlert, false);
  tls12.push(record(21, new Array(26).fill(0)));
  assertEquals(tls12.endedWithAlert, true);
  const tls13 = new RecordTail();
  const bytes = [...record(23, new Array(5000).fill(1)), ...record(23, new Array(19).fill(0))];
  // Delivered a byte at a time: headers and bodies split anywhere.
  for (const byte of bytes.slice(0, -1)) tls13.push(Uint8Array.of(byte));
  assertEquals(tls13.endedWithAlert, false);
  tls13.push(Uint8Array.of(bytes.at(-1)!));
  assertEquals(tls13.endedWithAlert, true);
});

Deno.test("RecordTail: data to the end, or a record cut short, is no close_notify", () => {
  const tail = new RecordTail();
  tail.push(record(23, new Array(1000).fill(1)));
  assertEquals(tail.endedWithAlert, false);
  tail.push(record(21, new Array(26).fill(0)).subarray(0, 10));
  assertEquals(tail.endedWithAlert, false);
});
