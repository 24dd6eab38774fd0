import { concatBytes } from "../_bytes.ts";
import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  encodeProxyHeader,
  MAX_PROXY_HEADER_BYTES,
  parseProxyHeader,
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_SIGNATURE,
  type ProxyPeer,
} from "../../lib/protocol/proxy.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of an ASCII text. */
function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A peer, written the short way. */
function peer(address: string, port: number): ProxyPeer {
  return { address, port };
}

/** The signature, spelled out byte by byte as the spec gives it, for checking the constant. */
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header built by hand: signature, version and command, family, length, then the rest. */
function v2(versionCommand: number, family: number, rest: number[], length = rest.length) {
  return Uint8Array.from([
    ...SIGNATURE,
    versionCommand,
    family,
    length >> 8,
    length & 0xff,
    ...rest,
  ]);
}

/** The spec's own v1 example: an HTTPS connection from 192.168.0.1 to 192.168.0.11. */
const SPEC_CLIENT = peer("192.168.0.1", 56324);
const SPEC_SERVER = peer("192.168.0.11", 443);

// --- encodeProxyHeader(): version 1 ---

Deno.test("encodeProxyHeader() writes TCP4 for IPv4 peers, as the spec's example", () => {
  const header = encodeProxyHeader(1, SPEC_CLIENT, SPEC_SERVER);
  assertStrictEquals(decoder.decode(header), "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  assertStrictEquals(header.length, 47);
});

Deno.test("encodeProxyHeader() writes TCP6 for IPv6 peers", () => {
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("2001:db8::1", 1234), peer("2001:db8::2", 80))),
    "PROXY TCP6 2001:db8::1 2001:db8::2 1234 80\r\n",
  );
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("::1", 40000), peer("::1", 9090))),
    "PROXY TCP6 ::1 ::1 40000 9090\r\n",
  );
});

Deno.test("encodeProxyHeader() writes IPv6 addresses in their shortest lowercase form", () => {
  assertStrictEquals(
    decoder.decode(
      encodeProxyHeader(1, peer("2001:DB8:0:0:0:0:0:1", 1), peer("2001:0db8:0000::0002", 2)),
    ),
    "PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n",
  );
});

Deno.test("encodeProxyHeader() drops an IPv6 zone, which the header has no place for", () => {
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("fe80::1%eth0", 5000), peer("fe80::2", 22))),
    "PROXY TCP6 fe80::1 fe80::2 5000 22\r\n",
  );
});

Deno.test("encodeProxyHeader() writes PROXY UNKNOWN when either end is unknown", () => {
  const unknown = "PROXY UNKNOWN\r\n";
  assertStrictEquals(decoder.decode(encodeProxyHeader(1, null, SPEC_SERVER)), unknown);
  assertStrictEquals(decoder.decode(encodeProxyHeader(1, SPEC_CLIENT, null)), unknown);
  assertStrictEquals(decoder.decode(encodeProxyHeader(1, null, null)), unknown);
});

Deno.test("encodeProxyHeader() writes the spec's longest TCP6 line in 104 bytes", () => {
  const all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const header = encodeProxyHeader(1, peer(all, 65535), peer(all, 65535));
  assertStrictEquals(decoder.decode(header), `PROXY TCP6 ${all} ${all} 65535 65535\r\n`);
  assertStrictEquals(header.length, 104);
});

Deno.test("encodeProxyHeader() writes ports 0 and 65535", () => {
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("0.0.0.0", 0), peer("255.255.255.255", 65535))),
    "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
  );
});

// --- encodeProxyHeader(): version 2 ---

Deno.test("PROXY_V2_SIGNATURE is the spec's 12 bytes", () => {
  assertEquals(Array.from(PROXY_V2_SIGNATURE), SIGNATURE);
});

Deno.test("encodeProxyHeader() writes the signature even when a caller changed the exported one", () => {
  const saved = PROXY_V2_SIGNATURE.slice();
  PROXY_V2_SIGNATURE.fill(0);
  try {
    assertEquals(Array.from(encodeProxyHeader(2, null, null).subarray(0, 12)), SIGNATURE);
    assertStrictEquals(parseProxyHeader(encodeProxyHeader(2, null, null))?.length, 16);
  } finally {
    PROXY_V2_SIGNATURE.set(saved);
  }
});

Deno.test("encodeProxyHeader() writes a v2 header for IPv4 peers, byte for byte", () => {
  assertEquals(Array.from(encodeProxyHeader(2, SPEC_CLIENT, SPEC_SERVER)), [
    ...[0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a], // signature
    0x21, // version 2, command PROXY
    0x11, // AF_INET, STREAM: TCP over IPv4
    0x00, // length, big-endian: 12
    0x0c,
    ...[0xc0, 0xa8, 0x00, 0x01], // source 192.168.0.1
    ...[0xc0, 0xa8, 0x00, 0x0b], // destination 192.168.0.11
    ...[0xdc, 0x04], // source port 56324
    ...[0x01, 0xbb], // destination port 443
  ]);
});

Deno.test("encodeProxyHeader() writes a v2 header for IPv6 peers, byte for byte", () => {
  const header = encodeProxyHeader(2, peer("2001:db8::1", 1234), peer("2001:db8::2", 80));
  assertStrictEquals(header.length, 16 + 36);
  assertEquals(Array.from(header), [
    ...SIGNATURE,
    0x21, // version 2, command PROXY
    0x21, // AF_INET6, STREAM: TCP over IPv6
    0x00, // length, big-endian: 36
    0x24,
    ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01], // source 2001:db8::1
    ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02], // destination 2001:db8::2
    ...[0x04, 0xd2], // source port 1234
    ...[0x00, 0x50], // destination port 80
  ]);
});

Deno.test("encodeProxyHeader() writes a v2 LOCAL header (AF_UNSPEC) when an end is unknown", () => {
  // The spec's header for a connection without addresses; HAProxy refuses PROXY with AF_UNSPEC.
  const unspec = [...SIGNATURE, 0x20, 0x00, 0x00, 0x00];
  assertEquals(Array.from(encodeProxyHeader(2, null, SPEC_SERVER)), unspec);
  assertEquals(Array.from(encodeProxyHeader(2, SPEC_CLIENT, null)), unspec);
  assertEquals(Array.from(encodeProxyHeader(2, null, null)), unspec);
});

Deno.test("encodeProxyHeader() writes v2 ports 0 and 65535 big-endian", () => {
  const header = encodeProxyHeader(2, peer("10.0.0.1", 0), peer("10.0.0.2", 65535));
  assertEquals(Array.from(header.subarray(24)), [0x00, 0x00, 0xff, 0xff]);
});

// --- encodeProxyHeader(): IPv4-mapped addresses ---

Deno.test("encodeProxyHeader() writes TCP4 when both ends are IPv4-mapped", () => {
  const from = peer("::ffff:10.0.0.1", 50000);
  const to = peer("::ffff:10.0.0.2", 8080);
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, from, to)),
    "PROXY TCP4 10.0.0.1 10.0.0.2 50000 8080\r\n",
  );
  assertEquals(Array.from(encodeProxyHeader(2, from, to)), [
    ...SIGNATURE,
    0x21,
    0x11,
    0x00,
    0x0c,
    ...[10, 0, 0, 1, 10, 0, 0, 2],
    ...[0xc3, 0x50, 0x1f, 0x90], // 50000, 8080
  ]);
});

Deno.test("encodeProxyHeader() writes TCP4 when one end is IPv4 and the other IPv4-mapped", () => {
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("::ffff:192.0.2.7", 1), peer("127.0.0.1", 2))),
    "PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\n",
  );
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("192.0.2.7", 1), peer("::FFFF:7F00:1", 2))),
    "PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\n",
  );
});

Deno.test("encodeProxyHeader() maps an IPv4 end into TCP6 when the other is real IPv6", () => {
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("10.0.0.1", 1), peer("2001:db8::2", 2))),
    "PROXY TCP6 ::ffff:a00:1 2001:db8::2 1 2\r\n",
  );
  assertStrictEquals(
    decoder.decode(encodeProxyHeader(1, peer("2001:db8::1", 1), peer("::ffff:10.0.0.2", 2))),
    "PROXY TCP6 2001:db8::1 ::ffff:a00:2 1 2\r\n",
  );
  const header = encodeProxyHeader(2, peer("10.0.0.1", 1), peer("::1", 2));
  assertStrictEquals(header[13], 0x21);
  assertEquals(
    Array.from(header.subarray(16, 32)),
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
  );
  assertEquals(
    Array.from(header.subarray(32, 48)),
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  );
});

// --- encodeProxyHeader(): bad arguments ---

Deno.test("encodeProxyHeader() rejects what is not an IPv4 or IPv6 address", () => {
  for (const address of ["", "localhost", "example.com", "1.2.3", "256.0.0.1", "::g", "[::1]"]) {
    assertThrows(
      () => encodeProxyHeader(1, peer(address, 1), SPEC_SERVER),
      TypeError,
      `Invalid address "${address}"`,
    );
    assertThrows(() => encodeProxyHeader(2, SPEC_CLIENT, peer(address, 1)), TypeError);
  }
});

Deno.test("encodeProxyHeader() rejects an IPv4 address with a heading zero, which could be octal", () => {
  assertThrows(() => encodeProxyHeader(1, peer("010.0.0.1", 1), SPEC_SERVER), TypeError);
});

Deno.test("encodeProxyHeader() rejects ports outside 0 to 65535", () => {
  for (const port of [-1, 65536, 1.5, NaN]) {
    assertThrows(
      () => encodeProxyHeader(1, peer("10.0.0.1", port), SPEC_SERVER),
      RangeError,
      "from 0 to 65535",
    );
    assertThrows(() => encodeProxyHeader(2, SPEC_CLIENT, peer("10.0.0.1", port)), RangeError);
  }
});

Deno.test("encodeProxyHeader() rejects versions other than 1 and 2", () => {
  assertThrows(
    () => encodeProxyHeader(3 as 1, SPEC_CLIENT, SPEC_SERVER),
    RangeError,
    "expected 1 or 2",
  );
});

// --- parseProxyHeader(): version 1 ---

Deno.test("parseProxyHeader() reads the spec's v1 example and stops at its CRLF", () => {
  const header = bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  const request = bytes("GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n");
  assertEquals(parseProxyHeader(concatBytes([header, request])), {
    version: 1,
    command: "proxy",
    family: "tcp4",
    source: SPEC_CLIENT,
    destination: SPEC_SERVER,
    length: 47,
  });
});

Deno.test("parseProxyHeader() reads a v1 TCP6 line", () => {
  assertEquals(parseProxyHeader(bytes("PROXY TCP6 2001:DB8::1 ::ffff:10.0.0.2 1 65535\r\n")), {
    version: 1,
    command: "proxy",
    family: "tcp6",
    source: peer("2001:db8::1", 1),
    destination: peer("::ffff:10.0.0.2", 65535),
    length: 48,
  });
});

Deno.test("parseProxyHeader() gives IPv4-mapped addresses in Deno's dotted form", () => {
  const parsed = parseProxyHeader(bytes("PROXY TCP6 ::ffff:a00:1 ::1 1 2\r\n"));
  assertEquals(parsed?.source, peer("::ffff:10.0.0.1", 1));
});

Deno.test("parseProxyHeader() reads PROXY UNKNOWN, with and without the optional fields", () => {
  assertEquals(parseProxyHeader(bytes("PROXY UNKNOWN\r\n")), {
    version: 1,
    command: "proxy",
    family: "unknown",
    length: 15,
  });
  // The spec: whatever follows UNKNOWN before the CRLF is ignored.
  const all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const longest = bytes(`PROXY UNKNOWN ${all} ${all} 65535 65535\r\n`);
  assertStrictEquals(longest.length, PROXY_V1_MAX_LENGTH);
  assertEquals(parseProxyHeader(longest), {
    version: 1,
    command: "proxy",
    family: "unknown",
    length: 107,
  });
});

Deno.test("parseProxyHeader() takes a 107-byte v1 line and rejects a 108-byte one", () => {
  const at107 = bytes(`PROXY UNKNOWN ${"x".repeat(107 - 16)}\r\n`);
  assertStrictEquals(at107.length, 107);
  assertStrictEquals(parseProxyHeader(at107)?.length, 107);
  const at108 = bytes(`PROXY UNKNOWN ${"x".repeat(108 - 16)}\r\n`);
  assertThrows(() => parseProxyHeader(at108), SyntaxError, "no CRLF in the first 107 bytes");
});

// --- parseProxyHeader(): version 2 ---

Deno.test("parseProxyHeader() reads a v2 IPv4 header and the data after it is not its own", () => {
  const header = v2(0x21, 0x11, [192, 168, 0, 1, 192, 168, 0, 11, 0xdc, 0x04, 0x01, 0xbb]);
  assertEquals(parseProxyHeader(concatBytes([header, bytes("\x16\x03\x01")])), {
    version: 2,
    command: "proxy",
    family: "tcp4",
    source: SPEC_CLIENT,
    destination: SPEC_SERVER,
    length: 28,
  });
});

Deno.test("parseProxyHeader() reads a v2 IPv6 header", () => {
  const v6 = (last: number) => [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last];
  assertEquals(parseProxyHeader(v2(0x21, 0x21, [...v6(1), ...v6(2), 0x04, 0xd2, 0x00, 0x50])), {
    version: 2,
    command: "proxy",
    family: "tcp6",
    source: peer("2001:db8::1", 1234),
    destination: peer("2001:db8::2", 80),
    length: 52,
  });
});

Deno.test("parseProxyHeader() reads a v2 PROXY header with AF_UNSPEC as unknown", () => {
  assertEquals(parseProxyHeader(v2(0x21, 0x00, [])), {
    version: 2,
    command: "proxy",
    family: "unknown",
    length: 16,
  });
});

Deno.test("parseProxyHeader() reads a v2 LOCAL header and ignores its addresses", () => {
  assertEquals(parseProxyHeader(v2(0x20, 0x00, [])), {
    version: 2,
    command: "local",
    family: "unknown",
    length: 16,
  });
  // A health check that names its own endpoints: the family is ignored, the bytes skipped.
  assertEquals(parseProxyHeader(v2(0x20, 0x11, [10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2])), {
    version: 2,
    command: "local",
    family: "unknown",
    length: 28,
  });
});

Deno.test("parseProxyHeader() skips v2 TLVs after the addresses and counts them in length", () => {
  const addresses = [10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x00, 0x16]; // ports 5000, 22
  const authority = [0x02, 0x00, 0x0b, ...bytes("example.com")]; // PP2_TYPE_AUTHORITY
  const noop = [0x04, 0x00, 0x03, 0, 0, 0]; // PP2_TYPE_NOOP, 3 bytes of padding
  const header = v2(0x21, 0x11, [...addresses, ...authority, ...noop]);
  assertEquals(parseProxyHeader(concatBytes([header, bytes("SSH-2.0-")])), {
    version: 2,
    command: "proxy",
    family: "tcp4",
    source: peer("10.0.0.1", 5000),
    destination: peer("10.0.0.2", 22),
    length: 16 + 12 + 14 + 6,
  });
});

Deno.test("parseProxyHeader() falls back to unknown for v2 UDP and Unix-socket families", () => {
  for (const [family, size] of [[0x12, 12], [0x22, 36], [0x31, 216], [0x32, 216]]) {
    assertEquals(parseProxyHeader(v2(0x21, family, new Array(size).fill(1))), {
      version: 2,
      command: "proxy",
      family: "unknown",
      length: 16 + size,
    }, `family 0x${family.toString(16)}`);
  }
});

Deno.test("parseProxyHeader() reads a header at an offset into a larger buffer", () => {
  const buffer = new Uint8Array(64).fill(0xee);
  const header = encodeProxyHeader(2, peer("10.0.0.1", 40000), peer("10.0.0.2", 443));
  buffer.set(header, 5);
  assertEquals(parseProxyHeader(buffer.subarray(5)), {
    version: 2,
    command: "proxy",
    family: "tcp4",
    source: peer("10.0.0.1", 40000),
    destination: peer("10.0.0.2", 443),
    length: 28,
  });
});

Deno.test("MAX_PROXY_HEADER_BYTES is a v2 header with the largest length field", () => {
  assertStrictEquals(MAX_PROXY_HEADER_BYTES, 65551);
  const largest = v2(0x21, 0x11, new Array(0xffff).fill(0));
  assertStrictEquals(parseProxyHeader(largest)?.length, MAX_PROXY_HEADER_BYTES);
});

// --- round trips ---

/** What a header parses back to, but for its version, command and length. */
interface Ends {
  family: "tcp4" | "tcp6" | "unknown";
  source?: ProxyPeer;
  destination?: ProxyPeer;
}

/** Ends given to encodeProxyHeader(), and what parseProxyHeader() gives back for them. */
const PAIRS: [ProxyPeer | null, ProxyPeer | null, Ends][] = [
  [peer("127.0.0.1", 51234), peer("127.0.0.1", 9090), {
    family: "tcp4",
    source: peer("127.0.0.1", 51234),
    destination: peer("127.0.0.1", 9090),
  }],
  [peer("::1", 1), peer("::1", 2), {
    family: "tcp6",
    source: peer("::1", 1),
    destination: peer("::1", 2),
  }],
  [peer("::ffff:10.0.0.1", 3), peer("::ffff:10.0.0.2", 4), {
    family: "tcp4",
    source: peer("10.0.0.1", 3),
    destination: peer("10.0.0.2", 4),
  }],
  [peer("10.0.0.1", 5), peer("2001:db8::2", 6), {
    family: "tcp6",
    source: peer("::ffff:10.0.0.1", 5),
    destination: peer("2001:db8::2", 6),
  }],
  [peer("2001:db8:85a3::8a2e:370:7334", 65535), peer("fe80::1", 0), {
    family: "tcp6",
    source: peer("2001:db8:85a3::8a2e:370:7334", 65535),
    destination: peer("fe80::1", 0),
  }],
  [null, peer("127.0.0.1", 9090), { family: "unknown" }],
  [peer("127.0.0.1", 9090), null, { family: "unknown" }],
];

for (const version of [1, 2] as const) {
  for (const [source, destination, result] of PAIRS) {
    const label = `${source?.address ?? "unknown"} to ${destination?.address ?? "unknown"}`;
    Deno.test(`parseProxyHeader() reads back what encodeProxyHeader(${version}) writes: ${label}`, () => {
      const header = encodeProxyHeader(version, source, destination);
      const parsed = parseProxyHeader(concatBytes([header, bytes("after")]));
      // Without addresses, v2 says LOCAL (v1 has no command: UNKNOWN is read as a proxy's).
      const command = version === 2 && result.family === "unknown" ? "local" : "proxy";
      assertEquals(parsed, { version, command, ...result, length: header.length });
    });
  }
}

// --- incomplete input ---

/** Headers of every kind, each to be cut at every byte. */
const HEADERS: [string, Uint8Array][] = [
  ["v1 TCP4", encodeProxyHeader(1, SPEC_CLIENT, SPEC_SERVER)],
  ["v1 TCP6", encodeProxyHeader(1, peer("2001:db8::1", 1234), peer("::ffff:10.0.0.1", 80))],
  ["v1 UNKNOWN", encodeProxyHeader(1, null, null)],
  ["v1 UNKNOWN with fields", bytes("PROXY UNKNOWN ::1 ::1 1 2\r\n")],
  ["v2 IPv4", encodeProxyHeader(2, SPEC_CLIENT, SPEC_SERVER)],
  ["v2 IPv6", encodeProxyHeader(2, peer("2001:db8::1", 1234), peer("2001:db8::2", 80))],
  ["v2 AF_UNSPEC", encodeProxyHeader(2, null, null)],
  ["v2 LOCAL", v2(0x20, 0x00, [])],
  ["v2 with TLVs", v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0x04, 0x00, 0x01, 0])],
  ["v2 Unix stream", v2(0x21, 0x31, new Array(216).fill(0x2f))],
];

for (const [name, header] of HEADERS) {
  Deno.test(`parseProxyHeader() returns null for a ${name} header cut at every byte`, () => {
    for (let cut = 0; cut < header.length; cut++) {
      assertStrictEquals(parseProxyHeader(header.subarray(0, cut)), null, `cut at ${cut}`);
    }
    assertStrictEquals(parseProxyHeader(header)?.length, header.length);
  });
}

Deno.test("parseProxyHeader() returns null for nothing at all", () => {
  assertStrictEquals(parseProxyHeader(new Uint8Array(0)), null);
});

// --- garbage ---

/** Bytes that are no PROXY header, with what the error says about them. */
const GARBAGE: [string, Uint8Array, string][] = [
  ["an HTTP request", bytes("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), 'begins with "GET /'],
  ["a TLS ClientHello", Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), "begins with"],
  ["an SSH banner", bytes("SSH-2.0-OpenSSH_9.2p1\r\n"), "begins with"],
  ["a lowercase proxy line", bytes("proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), "begins with"],
  ["PROXY without its space", bytes("PROXY\r\n"), "begins with"],
  ["an unknown v1 protocol", bytes("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n"), 'protocol "TCP5"'],
  ["UNKNOWN run into more letters", bytes("PROXY UNKNOWNX\r\n"), 'protocol "UNKNOWNX"'],
  ["two spaces after PROXY", bytes("PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), 'protocol ""'],
  ["a v1 line ending in a bare LF", bytes("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n"), "ends in LF"],
  ["a v1 line with a bare CR", bytes("PROXY TCP4 1.2.3.4\r1.2.3.4 1 2\r\n"), "CR without its LF"],
  ["a v1 line of 107 bytes without CRLF", bytes(`PROXY UNKNOWN ${"x".repeat(100)}`), "no CRLF"],
  ["a v1 line with 5 fields", bytes("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n"), "5 fields, not 6"],
  ["a v1 line with 7 fields", bytes("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n"), "7 fields, not 6"],
  ["a trailing space", bytes("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n"), "7 fields, not 6"],
  [
    "a port with a heading zero",
    bytes("PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n"),
    '"01" is not a port',
  ],
  ["port 65536", bytes("PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n"), '"65536" is not a port'],
  ["an empty port", bytes("PROXY TCP4 1.2.3.4 1.2.3.4  2\r\n"), '"" is not a port'],
  ["an octal-looking IPv4", bytes("PROXY TCP4 010.0.0.1 1.2.3.4 1 2\r\n"), '"010.0.0.1"'],
  ["a short IPv4", bytes("PROXY TCP4 127.1 1.2.3.4 1 2\r\n"), '"127.1" is not an IPv4'],
  ["an IPv4 octet over 255", bytes("PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n"), '"1.2.3.256"'],
  ["TCP4 with IPv6 addresses", bytes("PROXY TCP4 ::1 ::1 1 2\r\n"), "characters no address"],
  [
    "TCP6 with IPv4 addresses",
    bytes("PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n"),
    '"1.2.3.4" is not an IPv6',
  ],
  ["TCP6 with a zone", bytes("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), "characters no address"],
  ["TCP6 with two double colons", bytes("PROXY TCP6 1::2::3 ::1 1 2\r\n"), "is not an IPv6"],
  ["a control byte in a v1 line", bytes("PROXY UNKNOWN \x1b[2J\r\n"), "is not text"],
  ["a v2 signature gone wrong", v2(0x21, 0x00, []).map((b, i) => (i === 7 ? 0x52 : b)), "begins"],
  ["v2 version 1", v2(0x11, 0x00, []), "version 1 after the v2 signature"],
  ["v2 version 3", v2(0x31, 0x00, []), "version 3 after the v2 signature"],
  ["v2 command 2", v2(0x22, 0x00, []), "unknown v2 command 2"],
  ["v2 family 0x13", v2(0x21, 0x13, []), "0x13"],
  ["v2 family 0x41", v2(0x21, 0x41, []), "0x41"],
  ["v2 TCP4 with 11 address bytes", v2(0x21, 0x11, new Array(11).fill(0)), "too short for the 12"],
  ["v2 TCP6 with 12 address bytes", v2(0x21, 0x21, new Array(12).fill(0)), "too short for the 36"],
  ["v2 Unix with 12 address bytes", v2(0x21, 0x31, new Array(12).fill(0)), "too short for the 216"],
];

for (const [name, garbage, message] of GARBAGE) {
  Deno.test(`parseProxyHeader() throws for ${name}`, () => {
    assertThrows(() => parseProxyHeader(garbage), SyntaxError, message);
  });
}

Deno.test("parseProxyHeader() throws as soon as a start cannot become a header", () => {
  // The spec asks for an early abort, so the sender notices: no need to wait for 107 bytes.
  for (
    const start of [
      "G",
      "PROXZ",
      "PROXY TCP",
      "PROXY X",
      "PROXY TCP4 1.2.3.x",
      "PROXY TCP6 ::1 g",
      "PROXY TCP4 1.2.3.4\r ",
      "PROXY TCP4 1.2\n",
    ]
  ) {
    const input = bytes(start);
    if (start === "PROXY TCP") {
      assertStrictEquals(parseProxyHeader(input), null, start); // still TCP4 or TCP6 to come
      continue;
    }
    assertThrows(() => parseProxyHeader(input), SyntaxError, undefined, JSON.stringify(start));
  }
  assertThrows(() => parseProxyHeader(Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x01)), SyntaxError);
  assertThrows(() => parseProxyHeader(Uint8Array.of(...SIGNATURE, 0x10)), SyntaxError);
  assertThrows(() => parseProxyHeader(Uint8Array.of(...SIGNATURE, 0x21, 0x23)), SyntaxError);
  // The length field alone tells a TCP4 header whose addresses cannot fit.
  assertThrows(() => parseProxyHeader(Uint8Array.of(...SIGNATURE, 0x21, 0x11, 0x00, 0x04)));
});

Deno.test("parseProxyHeader() shows binary garbage escaped in its message", () => {
  const error = assertThrows(
    () => parseProxyHeader(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x1b, 0xff)),
    SyntaxError,
    'Invalid PROXY protocol header: it begins with "\\x16\\x03\\x01\\x00\\x1b',
  );
  // deno-lint-ignore no-control-regex
  assertEquals(/[\x00-\x1f\x7f-\x9f]/.test(error.message), false);
});

Deno.test("parseProxyHeader() throws for pseudo-random bytes", () => {
  let state = 2024;
  for (let round = 0; round < 200; round++) {
    const random = new Uint8Array(32);
    for (let i = 0; i < random.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      random[i] = state >>> 24;
    }
    if (random[0] === 0x50 || random[0] === 0x0d) continue; // "P" or CR could begin a header
    assertThrows(() => parseProxyHeader(random), SyntaxError, undefined, `round ${round}`);
  }
});
