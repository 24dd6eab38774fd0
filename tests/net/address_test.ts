import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  formatAddress,
  formatNetAddr,
  parseHostAndPort,
  parseHostPort,
  parseListenAddress,
  parsePort,
  splitHost,
  validateHost,
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

Deno.test("parsePort() rejects text that is neither a decimal integer nor a service name", () => {
  for (const raw of ["", " ", "-1", "+1", "1.0", "1e3", "0x50", "htp", " 80", "80 ", "8 0"]) {
    assertThrows(() => parsePort(raw), UsageError, undefined, `accepted "${raw}"`);
  }
});

Deno.test("parsePort() takes a service name as its port, as nc does", () => {
  assertEquals(parsePort("ssh"), 22);
  assertEquals(parsePort("http"), 80);
  assertEquals(parsePort("https"), 443);
  assertEquals(parsePort("postgres"), 5432);
  assertEquals(parsePort("ftp-data"), 20);
});

Deno.test("parsePort() takes a service name in any case", () => {
  assertEquals(parsePort("HTTPS"), 443);
});

Deno.test("parsePort() says only the range for a number out of range", () => {
  assertThrows(
    () => parsePort("70000"),
    UsageError,
    'Invalid port "70000": expected an integer from 1 to 65535',
  );
  const error = assertThrows(() => parsePort("0"), UsageError);
  assertEquals(error.message, 'Invalid port "0": expected an integer from 1 to 65535');
});

Deno.test("parsePort() names service names in its message for a word", () => {
  assertThrows(
    () => parsePort("htps"),
    UsageError,
    'Invalid port "htps": expected an integer from 1 to 65535 or a service name, such as 22 or ssh',
  );
});

Deno.test("parsePort() escapes control bytes of the text it quotes", () => {
  const error = assertThrows(() => parsePort("8\x1b[2J0"), UsageError);
  assertStringIncludes(error.message, '"8\\x1b[2J0"');
  assertEquals(error.message.includes("\x1b"), false);
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
  assertThrows(() => parseHostPort("localhost:htp"), UsageError, "Invalid port");
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

Deno.test("parseListenAddress() points * to leaving the host out", () => {
  assertThrows(
    () => parseListenAddress("*:9000"),
    UsageError,
    'Invalid host "*": leave HOST out to listen on every interface: serve 9000',
  );
});

Deno.test("parseListenAddress() rejects a host that is not a name or an address", () => {
  assertThrows(() => parseListenAddress("a b:80"), UsageError, 'Invalid host "a b"');
  assertThrows(() => parseListenAddress("]:80"), UsageError, 'Invalid host "]"');
});

Deno.test("parseListenAddress() says a host alone needs a port", () => {
  assertThrows(
    () => parseListenAddress("localhost"),
    UsageError,
    'Invalid address "localhost": expected [HOST:]PORT, such as localhost:9000 or 9000',
  );
});

Deno.test("parseListenAddress() takes a service name as the port", () => {
  assertEquals(parseListenAddress("http-alt"), { port: 8080 });
  assertEquals(parseListenAddress("127.0.0.1:http"), { hostname: "127.0.0.1", port: 80 });
});

Deno.test("parseListenAddress() rejects a URL", () => {
  assertThrows(() => parseListenAddress("http://0.0.0.0:80"), UsageError, "not a URL");
});

// --- validateHost ----------------------------------------------------------------------------

Deno.test("validateHost() returns an IPv4 address as it is", () => {
  assertEquals(validateHost("127.0.0.1"), "127.0.0.1");
  assertEquals(validateHost("0.0.0.0"), "0.0.0.0");
});

Deno.test("validateHost() returns an IPv6 address without brackets", () => {
  assertEquals(validateHost("::1"), "::1");
  assertEquals(validateHost("[::1]"), "::1");
  assertEquals(validateHost("[2001:db8::1]"), "2001:db8::1");
  assertEquals(validateHost("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
});

Deno.test("validateHost() keeps the zone of a link-local IPv6 address", () => {
  assertEquals(validateHost("fe80::1%eth0"), "fe80::1%eth0");
  assertEquals(validateHost("[fe80::1%eth0]"), "fe80::1%eth0");
});

Deno.test("validateHost() returns a name of letters, digits, hyphens, dots and underscores", () => {
  for (
    const name of ["localhost", "example.com", "EXAMPLE.com", "my-host.example", "_srv._tcp.x"]
  ) {
    assertEquals(validateHost(name), name);
  }
});

Deno.test("validateHost() takes a fully qualified name with its final dot", () => {
  assertEquals(validateHost("example.com."), "example.com.");
});

Deno.test("validateHost() converts an internationalised name to its ASCII form", () => {
  assertEquals(validateHost("bücher.example"), "xn--bcher-kva.example");
  assertEquals(validateHost("xn--bcher-kva.example"), "xn--bcher-kva.example");
});

Deno.test("validateHost() takes a name of 253 bytes with labels of 63", () => {
  const name = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
  assertEquals(name.length, 253);
  assertEquals(validateHost(name), name);
});

Deno.test("validateHost() rejects a name longer than 253 bytes", () => {
  const name = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`;
  assertThrows(() => validateHost(name), UsageError, "at most 253 bytes, this one is 254");
});

Deno.test("validateHost() rejects a label longer than 63 bytes", () => {
  assertThrows(() => validateHost(`${"a".repeat(64)}.com`), UsageError, "at most 63 bytes");
});

Deno.test("validateHost() rejects an empty host, naming what it expected", () => {
  assertThrows(
    () => validateHost(""),
    UsageError,
    'Invalid host "": expected a host name or an IP address, such as example.com, 127.0.0.1 or ::1',
  );
});

Deno.test("validateHost() rejects characters that no host name has", () => {
  for (const raw of ["a b", "]", "[", "a/b", "a@b", "*", "a,b", "a;b", "host\n"]) {
    assertThrows(() => validateHost(raw), UsageError, "Invalid host", `accepted ${raw}`);
  }
  assertThrows(() => validateHost("a b"), UsageError, "letters, digits, hyphens, dots");
});

Deno.test("validateHost() escapes control bytes of the host it quotes", () => {
  const error = assertThrows(() => validateHost("a\x1b]0;X\x07b"), UsageError);
  assertStringIncludes(error.message, 'Invalid host "a\\x1b]0;X\\x07b"');
  assertEquals(error.message.includes("\x1b") || error.message.includes("\x07"), false);
});

Deno.test("validateHost() rejects empty labels and labels that start or end with a hyphen", () => {
  assertThrows(() => validateHost("a..b"), UsageError, "empty label");
  assertThrows(() => validateHost(".a"), UsageError, "empty label");
  assertThrows(() => validateHost("."), UsageError, "empty label");
  assertThrows(() => validateHost("-a.com"), UsageError, "hyphen");
  assertThrows(() => validateHost("a-.com"), UsageError, "hyphen");
});

Deno.test("validateHost() rejects numbers and dots that are no IPv4 address", () => {
  for (const raw of ["127.1", "256.0.0.1", "010.0.0.1", "1.2.3.4.5", "0", "0x7f.0.0.1", "a.1"]) {
    assertThrows(() => validateHost(raw), UsageError, "four numbers from 0 to 255", raw);
  }
});

Deno.test("validateHost() rejects a colon outside an IPv6 address", () => {
  assertThrows(() => validateHost("a:b"), UsageError, 'Invalid host "a:b"');
  assertThrows(() => validateHost("1:2:3:4:5:6:7:8:9"), UsageError, "Invalid host");
});

Deno.test("validateHost() rejects brackets around anything but an IPv6 address", () => {
  assertThrows(() => validateHost("[example.com]"), UsageError, "brackets are for an IPv6");
  assertThrows(() => validateHost("[127.0.0.1]"), UsageError, "brackets are for an IPv6");
});

Deno.test("validateHost() rejects an xn-- label that does not decode", () => {
  assertThrows(() => validateHost("xn--zz.example"), UsageError, "internationalised");
});

// --- splitHost -------------------------------------------------------------------------------

Deno.test("splitHost() splits a host from the text after its colon", () => {
  assertEquals(splitHost("a:b,c"), { hostname: "a", rest: "b,c" });
  assertEquals(splitHost("[::1]:22"), { hostname: "::1", rest: "22" });
  assertEquals(splitHost("no-colon"), null);
});

Deno.test("splitHost() rejects a URL", () => {
  assertThrows(() => splitHost("http://example.com:80"), UsageError, "not a URL");
});

// --- parseHostPort: hosts --------------------------------------------------------------------

Deno.test("parseHostPort() rejects a host that is not a name or an address", () => {
  assertThrows(() => parseHostPort("a b:9"), UsageError, 'Invalid host "a b"');
  assertThrows(() => parseHostPort("]:9"), UsageError, 'Invalid host "]"');
  assertThrows(() => parseHostPort("*:9"), UsageError, 'Invalid host "*"');
  assertThrows(() => parseHostPort("a\x1b]0;X\x07b:9"), UsageError, 'Invalid host "a\\x1b]0;X');
});

Deno.test("parseHostPort() dials an internationalised name by its ASCII form", () => {
  assertEquals(parseHostPort("bücher.example:80"), { hostname: "xn--bcher-kva.example", port: 80 });
});

Deno.test("parseHostPort() takes a service name as the port", () => {
  assertEquals(parseHostPort("example.com:https"), { hostname: "example.com", port: 443 });
  assertEquals(parseHostPort("[::1]:ssh"), { hostname: "::1", port: 22 });
});

Deno.test("parseHostPort() hints HOST:PORT with the host given when the port is missing", () => {
  assertThrows(
    () => parseHostPort("example.com"),
    UsageError,
    'Invalid address "example.com": expected HOST:PORT, such as example.com:9090',
  );
});

Deno.test("parseHostPort() suggests the bracketed form of an unbracketed IPv6 address", () => {
  assertThrows(
    () => parseHostPort("2001:db8::1:22"),
    UsageError,
    "put an IPv6 address in brackets, such as [2001:db8::1]:22",
  );
});

Deno.test("parseHostPort() rejects brackets around a name", () => {
  assertThrows(() => parseHostPort("[example.com]:80"), UsageError, "brackets are for an IPv6");
});

// --- parseHostPort: URLs ---------------------------------------------------------------------

Deno.test("parseHostPort() says tcpkit takes HOST:PORT, not a URL, with the HOST:PORT", () => {
  assertThrows(
    () => parseHostPort("http://127.0.0.1:8080"),
    UsageError,
    'Invalid address "http://127.0.0.1:8080": tcpkit takes HOST:PORT, not a URL, such as ' +
      "127.0.0.1:8080",
  );
});

Deno.test("parseHostPort() fills in the scheme's port for a URL without one", () => {
  assertThrows(() => parseHostPort("http://example.com/a/b"), UsageError, "such as example.com:80");
  assertThrows(() => parseHostPort("ftp://example.com"), UsageError, "such as example.com:21");
  assertThrows(() => parseHostPort("ws://example.com/"), UsageError, "such as example.com:80");
  assertThrows(() => parseHostPort("foo://example.com"), UsageError, "such as example.com:PORT");
});

Deno.test("parseHostPort() points an https URL to tls:// and --tls", () => {
  assertThrows(
    () => parseHostPort("https://example.com/x"),
    UsageError,
    "not a URL; for TLS give tls://example.com:443 or --tls example.com:443",
  );
  assertThrows(
    () => parseHostPort("wss://[::1]:8443/"),
    UsageError,
    "for TLS give tls://[::1]:8443 or --tls [::1]:8443",
  );
});

Deno.test("parseHostPort() keeps the URL's user and password out of the hint", () => {
  const error = assertThrows(() => parseHostPort("http://u:p@example.com:81"), UsageError);
  assertStringIncludes(error.message, "such as example.com:81");
});

// --- parseHostAndPort ------------------------------------------------------------------------

Deno.test("parseHostAndPort() takes HOST PORT as two words", () => {
  assertEquals(parseHostAndPort("example.com", "443"), { hostname: "example.com", port: 443 });
  assertEquals(parseHostAndPort("127.0.0.1", "ssh"), { hostname: "127.0.0.1", port: 22 });
});

Deno.test("parseHostAndPort() takes an IPv6 host with or without brackets", () => {
  assertEquals(parseHostAndPort("::1", "22"), { hostname: "::1", port: 22 });
  assertEquals(parseHostAndPort("[::1]", "22"), { hostname: "::1", port: 22 });
  assertEquals(parseHostAndPort("fe80::1:22", "80"), { hostname: "fe80::1:22", port: 80 });
});

Deno.test("parseHostAndPort() rejects a host that carries a port of its own", () => {
  assertThrows(
    () => parseHostAndPort("127.0.0.1:22", "22"),
    UsageError,
    'Invalid host "127.0.0.1:22": give HOST PORT or HOST:PORT, not both',
  );
  assertThrows(() => parseHostAndPort("[::1]:22", "22"), UsageError, "not both");
  assertThrows(() => parseHostAndPort("example.com:https", "443"), UsageError, "not both");
});

Deno.test("parseHostAndPort() rejects a host that is not a name or an address", () => {
  assertThrows(() => parseHostAndPort("", "9"), UsageError, 'Invalid host ""');
  assertThrows(() => parseHostAndPort("a b", "9"), UsageError, 'Invalid host "a b"');
  assertThrows(() => parseHostAndPort("a:b", "9"), UsageError, 'Invalid host "a:b"');
});

Deno.test("parseHostAndPort() rejects a URL as the host", () => {
  assertThrows(() => parseHostAndPort("http://example.com", "80"), UsageError, "not a URL");
});

Deno.test("parseHostAndPort() rejects a bad port, and port 0 unless allowZero is set", () => {
  assertThrows(() => parseHostAndPort("localhost", "x"), UsageError, 'Invalid port "x"');
  assertThrows(() => parseHostAndPort("localhost", "0"), UsageError, 'Invalid port "0"');
  assertEquals(parseHostAndPort("localhost", "0", { allowZero: true }), {
    hostname: "localhost",
    port: 0,
  });
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

Deno.test("formatNetAddr() shows a Unix socket address as unix: and its path", () => {
  assertEquals(formatNetAddr({ transport: "unix", path: "/tmp/sock" }), "unix:/tmp/sock");
  assertEquals(formatNetAddr({ transport: "unixpacket", path: "/tmp/p" }), "unixpacket:/tmp/p");
});

Deno.test("formatNetAddr() shows an unnamed Unix client socket as unix:(unnamed)", () => {
  assertEquals(formatNetAddr({ transport: "unix", path: "" }), "unix:(unnamed)");
  const unnamed = { transport: "unix", path: null } as unknown as Deno.UnixAddr;
  assertEquals(formatNetAddr(unnamed), "unix:(unnamed)");
});

Deno.test("formatNetAddr() escapes control bytes in a socket path", () => {
  assertEquals(formatNetAddr({ transport: "unix", path: "/tmp/a\x1bb" }), "unix:/tmp/a\\x1bb");
});

Deno.test("formatNetAddr() shows a VSOCK address as vsock:CID:PORT", () => {
  assertEquals(formatNetAddr({ transport: "vsock", cid: 3, port: 1024 }), "vsock:3:1024");
});
