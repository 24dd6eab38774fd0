import { assertEquals, assertThrows } from "@std/assert";
import {
  formatAddress,
  formatNetAddr,
  parseHostPort,
  parseListenAddress,
  parsePort,
} from "../../lib/net/address.ts";
import { UsageError } from "../../lib/errors.ts";

// --- parsePort -------------------------------------------------------------------------------

Deno.test("parsePort() accepts ports from 1 to 65535", () => {
  assertEquals(parsePort("1"), 1);
  assertEquals(parsePort("80"), 80);
  assertEquals(parsePort("65535"), 65535);
});

Deno.test("parsePort() rejects port 0 by default", () => {
  assertThrows(() => parsePort("0"), UsageError, "from 1 to 65535");
});

Deno.test("parsePort() accepts port 0 with allowZero", () => {
  assertEquals(parsePort("0", { allowZero: true }), 0);
});

Deno.test("parsePort() rejects ports above 65535", () => {
  assertThrows(() => parsePort("65536"), UsageError, 'Invalid port "65536"');
  assertThrows(() => parsePort("99999"), UsageError);
  assertThrows(() => parsePort("100000"), UsageError);
  assertThrows(() => parsePort("65536", { allowZero: true }), UsageError, "from 0 to 65535");
});

Deno.test("parsePort() rejects text that is not a decimal integer", () => {
  for (const raw of ["", " ", "-1", "+1", "1.0", "1e3", "0x50", "http", " 80", "80 ", "8 0"]) {
    assertThrows(() => parsePort(raw), UsageError, undefined, `accepted "${raw}"`);
  }
});

Deno.test("parsePort() throws a usage error with exit code 2", () => {
  const error = assertThrows(() => parsePort("x"), UsageError);
  assertEquals((error as UsageError).exitCode, 2);
});

// --- parseHostPort ---------------------------------------------------------------------------

Deno.test("parseHostPort() accepts a host name", () => {
  assertEquals(parseHostPort("localhost:80"), { hostname: "localhost", port: 80 });
  assertEquals(parseHostPort("example.com:443"), { hostname: "example.com", port: 443 });
});

Deno.test("parseHostPort() accepts an IPv4 address", () => {
  assertEquals(parseHostPort("127.0.0.1:9090"), { hostname: "127.0.0.1", port: 9090 });
});

Deno.test("parseHostPort() accepts a bracketed IPv6 address", () => {
  assertEquals(parseHostPort("[::1]:9090"), { hostname: "::1", port: 9090 });
  assertEquals(parseHostPort("[2001:db8::1]:22"), { hostname: "2001:db8::1", port: 22 });
});

Deno.test("parseHostPort() rejects an unbracketed IPv6 address", () => {
  assertThrows(() => parseHostPort("::1:9090"), UsageError, "[::1]:9090");
  assertThrows(() => parseHostPort("a:b:c"), UsageError, "brackets");
});

Deno.test("parseHostPort() rejects a bracketed IPv6 address without a port", () => {
  assertThrows(() => parseHostPort("[::1]"), UsageError, "[IPV6]:PORT");
  assertThrows(() => parseHostPort("[::1]9090"), UsageError, "[IPV6]:PORT");
  assertThrows(() => parseHostPort("[::1:9090"), UsageError, "[IPV6]:PORT");
});

Deno.test("parseHostPort() rejects an address without a port", () => {
  assertThrows(() => parseHostPort("localhost"), UsageError, "expected HOST:PORT");
  assertThrows(() => parseHostPort("localhost:"), UsageError, 'Invalid port ""');
});

Deno.test("parseHostPort() rejects an address without a host", () => {
  assertThrows(() => parseHostPort(":80"), UsageError, "expected HOST:PORT");
  assertThrows(() => parseHostPort("[]:80"), UsageError, "expected HOST:PORT");
  assertThrows(() => parseHostPort(""), UsageError);
});

Deno.test("parseHostPort() rejects a bad port", () => {
  assertThrows(() => parseHostPort("localhost:65536"), UsageError, "Invalid port");
  assertThrows(() => parseHostPort("localhost:http"), UsageError, "Invalid port");
  assertThrows(() => parseHostPort("[::1]:x"), UsageError, "Invalid port");
});

Deno.test("parseHostPort() rejects port 0 unless allowZero is set", () => {
  assertThrows(() => parseHostPort("localhost:0"), UsageError, 'Invalid port "0"');
  assertEquals(parseHostPort("localhost:0", { allowZero: true }), {
    hostname: "localhost",
    port: 0,
  });
});

// --- parseListenAddress ----------------------------------------------------------------------

Deno.test("parseListenAddress() leaves the host undefined for a bare port", () => {
  const address = parseListenAddress("9090");
  assertEquals(address, { port: 9090 });
  assertEquals("hostname" in address, false);
});

Deno.test("parseListenAddress() accepts port 0", () => {
  assertEquals(parseListenAddress("0"), { port: 0 });
  assertEquals(parseListenAddress("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
});

Deno.test("parseListenAddress() accepts HOST:PORT", () => {
  assertEquals(parseListenAddress("127.0.0.1:9090"), { hostname: "127.0.0.1", port: 9090 });
  assertEquals(parseListenAddress("localhost:80"), { hostname: "localhost", port: 80 });
});

Deno.test("parseListenAddress() accepts a bracketed IPv6 address", () => {
  assertEquals(parseListenAddress("[::1]:9090"), { hostname: "::1", port: 9090 });
  assertEquals(parseListenAddress("[::]:0"), { hostname: "::", port: 0 });
});

Deno.test("parseListenAddress() treats :PORT as all interfaces", () => {
  assertEquals(parseListenAddress(":9090"), { port: 9090 });
});

Deno.test("parseListenAddress() rejects a bad port", () => {
  for (const raw of ["", "abc", "-1", "65536", "localhost:", "localhost:x", "[::1]:99999"]) {
    assertThrows(() => parseListenAddress(raw), UsageError, undefined, `accepted "${raw}"`);
  }
});

Deno.test("parseListenAddress() rejects an unbracketed IPv6 address", () => {
  assertThrows(() => parseListenAddress("::1:80"), UsageError, "brackets");
});

// --- formatAddress ---------------------------------------------------------------------------

Deno.test("formatAddress() joins an IPv4 address and a port", () => {
  assertEquals(formatAddress("127.0.0.1", 9090), "127.0.0.1:9090");
});

Deno.test("formatAddress() joins a host name and a port", () => {
  assertEquals(formatAddress("example.com", 443), "example.com:443");
});

Deno.test("formatAddress() puts an IPv6 address in brackets", () => {
  assertEquals(formatAddress("::1", 9090), "[::1]:9090");
  assertEquals(formatAddress("::", 0), "[::]:0");
  assertEquals(formatAddress("2001:db8::1", 22), "[2001:db8::1]:22");
});

Deno.test("formatAddress() shows an IPv4-mapped IPv6 address as IPv4", () => {
  assertEquals(formatAddress("::ffff:127.0.0.1", 80), "127.0.0.1:80");
});

Deno.test("formatAddress() keeps a hex ::ffff: address as IPv6", () => {
  assertEquals(formatAddress("::ffff:abcd", 1), "[::ffff:abcd]:1");
});

Deno.test("formatAddress() output parses back with parseHostPort()", () => {
  for (const [hostname, port] of [["127.0.0.1", 1], ["::1", 9090], ["example.com", 65535]]) {
    const text = formatAddress(hostname as string, port as number);
    assertEquals(parseHostPort(text), { hostname, port });
  }
});

// --- formatNetAddr ---------------------------------------------------------------------------

Deno.test("formatNetAddr() formats a TCP address", () => {
  assertEquals(
    formatNetAddr({ transport: "tcp", hostname: "::1", port: 9090 }),
    "[::1]:9090",
  );
  assertEquals(
    formatNetAddr({ transport: "tcp", hostname: "::ffff:10.0.0.1", port: 22 }),
    "10.0.0.1:22",
  );
});

Deno.test("formatNetAddr() names the transport of an address without a host", () => {
  assertEquals(formatNetAddr({ transport: "unix", path: "/tmp/sock" }), "unix");
});
