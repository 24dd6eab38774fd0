import { assertEquals, assertThrows } from "@std/assert";
import { encodeUdpDatagram, parseUdpDatagram } from "../../lib/protocol/socks5_udp.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("parseUdpDatagram reads an IPv4 header and hands DATA over as a view, not a copy", () => {
  const datagram = bytes(0, 0, 0, 1, 10, 0, 0, 1, 0x00, 0x35, 0xde, 0xad);
  const parsed = parseUdpDatagram(datagram);
  assertEquals(parsed, {
    address: { host: "10.0.0.1", port: 53 },
    addressType: 1,
    data: bytes(0xde, 0xad),
  });
  if (!("data" in parsed)) throw new Error("not parsed");
  assertEquals(parsed.data.buffer, datagram.buffer);
  assertEquals(parsed.data.byteOffset, 10);
});

Deno.test("parseUdpDatagram reads IPv6 and name headers, and an empty DATA", () => {
  const v6 = parseUdpDatagram(bytes(0, 0, 0, 4, ...Array(15).fill(0), 1, 0x1f, 0x90));
  assertEquals(v6, { address: { host: "::1", port: 8080 }, addressType: 4, data: bytes() });
  const named = parseUdpDatagram(
    new Uint8Array([0, 0, 0, 3, 11, ...text("example.org"), 0, 53, ...text("q")]),
  );
  assertEquals(named, {
    address: { host: "example.org", port: 53 },
    addressType: 3,
    data: text("q"),
  });
});

Deno.test("parseUdpDatagram drops fragments (FRAG not 0), whatever follows", () => {
  assertEquals(parseUdpDatagram(bytes(0, 0, 1, 1, 10, 0, 0, 1, 0, 53, 7)), {
    drop: "fragment",
    fragment: 1,
  });
  assertEquals(parseUdpDatagram(bytes(0, 0, 0x81, 9)), { drop: "fragment", fragment: 0x81 });
});

Deno.test("parseUdpDatagram drops malformed headers with the reason", () => {
  const reason = (b: Uint8Array) => {
    const parsed = parseUdpDatagram(b);
    return "reason" in parsed ? parsed.reason : "parsed";
  };
  assertEquals(reason(bytes()), "shorter than a header");
  assertEquals(reason(bytes(0, 0, 0, 1)), "shorter than a header");
  assertEquals(reason(bytes(0, 1, 0, 1, 10, 0, 0, 1, 0, 53)), "the reserved bytes are not 0");
  assertEquals(reason(bytes(0, 0, 0, 2, 10, 0, 0, 1, 0, 53)), "unknown address type 2");
  assertEquals(reason(bytes(0, 0, 0, 1, 10, 0, 0, 1, 0)), "shorter than its header");
  assertEquals(reason(bytes(0, 0, 0, 4, 0, 0, 0)), "shorter than its header");
  assertEquals(reason(bytes(0, 0, 0, 3, 5, 0x61, 0x62)), "shorter than its header");
  assertEquals(reason(bytes(0, 0, 0, 3, 0, 0, 53)), "an empty name");
  assertEquals(
    reason(bytes(0, 0, 0, 3, 3, 0x61, 0x1b, 0x62, 0, 53)),
    "a name that is not printable ASCII",
  );
  assertEquals(
    reason(bytes(0, 0, 0, 3, 2, 0xc3, 0xa9, 0, 53)),
    "a name that is not printable ASCII",
  );
  assertEquals(reason(bytes(0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 1)), "port 0");
});

Deno.test("parseUdpDatagram never throws on hostile bytes: every prefix, every byte, random", () => {
  const whole = new Uint8Array([0, 0, 0, 3, 4, ...text("a.bc"), 0, 80, 1, 2, 3]);
  for (let n = 0; n <= whole.length; n++) {
    const parsed = parseUdpDatagram(whole.subarray(0, n));
    // Only the whole header parses; DATA may be short.
    assertEquals("address" in parsed, n >= 11, `prefix of ${n}`);
  }
  for (let at = 0; at < whole.length; at++) {
    for (let value = 0; value < 256; value++) {
      const changed = whole.slice();
      changed[at] = value;
      parseUdpDatagram(changed);
    }
  }
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
  for (let i = 0; i < 20_000; i++) {
    const b = new Uint8Array(random() % 300);
    for (let j = 0; j < b.length; j++) b[j] = random() & 0xff;
    // Mostly valid starts, so that the address parsing is reached.
    if (i % 2 === 0 && b.length > 4) b.set([0, 0, 0, [1, 3, 4][i % 3]]);
    parseUdpDatagram(b);
  }
});

Deno.test("encodeUdpDatagram wraps a reply with the peer's address, and parses back", () => {
  assertEquals(
    encodeUdpDatagram({ host: "127.0.0.1", port: 7 }, bytes(9, 9)),
    bytes(0, 0, 0, 1, 127, 0, 0, 1, 0, 7, 9, 9),
  );
  for (const host of ["192.0.2.1", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1:2:3:4"]) {
    const data = new Uint8Array(1000).map((_, i) => i);
    const parsed = parseUdpDatagram(encodeUdpDatagram({ host, port: 65535 }, data));
    if (!("address" in parsed)) throw new Error(`${host}: ${JSON.stringify(parsed)}`);
    assertEquals(parsed.address.port, 65535);
    assertEquals(parsed.data, data);
  }
  assertThrows(() => encodeUdpDatagram({ host: "fe80::1%eth0", port: 1 }, bytes()), RangeError);
});
