import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import { type Cidr, Gate, parseCidr } from "../../lib/net/gate.ts";

const allow = (...raw: string[]): Cidr[] => raw.map((r) => parseCidr(r, "--allow"));
const deny = (...raw: string[]): Cidr[] => raw.map((r) => parseCidr(r, "--deny"));

// --- parseCidr -------------------------------------------------------------------------------

Deno.test("parseCidr() reads an IPv4 prefix", () => {
  assertEquals(parseCidr("10.0.0.0/8", "--allow"), {
    text: "10.0.0.0/8",
    family: "ipv4",
    address: "10.0.0.0",
    prefix: 8,
  });
});

Deno.test("parseCidr() reads a bare IPv4 address as one host", () => {
  assertEquals(parseCidr("127.0.0.1", "--allow"), {
    text: "127.0.0.1",
    family: "ipv4",
    address: "127.0.0.1",
    prefix: 32,
  });
  assertEquals(parseCidr("127.0.0.1/32", "--allow").text, "127.0.0.1");
});

Deno.test("parseCidr() reads an IPv6 prefix and a bare IPv6 address", () => {
  assertEquals(parseCidr("fd00::/8", "--deny"), {
    text: "fd00::/8",
    family: "ipv6",
    address: "fd00::",
    prefix: 8,
  });
  assertEquals(parseCidr("::1", "--deny").text, "::1");
  assertEquals(parseCidr("::1", "--deny").prefix, 128);
  assertEquals(parseCidr("2001:DB8:0:0::/32", "--deny").text, "2001:db8::/32");
});

Deno.test("parseCidr() takes an IPv6 address in brackets, alone or with its prefix", () => {
  assertEquals(parseCidr("[fd00::]/8", "--allow").text, "fd00::/8");
  assertEquals(parseCidr("[fd00::/8]", "--allow").text, "fd00::/8");
  assertEquals(parseCidr("[::1]", "--allow").text, "::1");
});

Deno.test("parseCidr() takes the whole address space as /0", () => {
  assertEquals(parseCidr("0.0.0.0/0", "--deny").text, "0.0.0.0/0");
  assertEquals(parseCidr("::/0", "--deny").text, "::/0");
});

Deno.test("parseCidr() clears host bits after the prefix", () => {
  assertEquals(parseCidr("10.1.2.3/8", "--allow").text, "10.0.0.0/8");
  assertEquals(parseCidr("192.168.1.77/30", "--allow").address, "192.168.1.76");
  assertEquals(parseCidr("fd00::1234/120", "--allow").text, "fd00::1200/120");
});

Deno.test("parseCidr() takes an IPv4-mapped IPv6 prefix as the IPv4 prefix", () => {
  assertEquals(parseCidr("::ffff:10.0.0.0/104", "--allow"), {
    text: "10.0.0.0/8",
    family: "ipv4",
    address: "10.0.0.0",
    prefix: 8,
  });
  assertEquals(parseCidr("::ffff:127.0.0.1", "--allow").text, "127.0.0.1");
  assertEquals(parseCidr("::ffff:0:0/96", "--allow").text, "0.0.0.0/0");
});

Deno.test("parseCidr() rejects what is not an IP address or prefix", () => {
  for (
    const raw of [
      "",
      "localhost",
      "10.0.0/8",
      "10.0.0.0/",
      "10.0.0.0/8/8",
      "10.0.0.0/-1",
      "10.0.0.0/ 8",
      "256.0.0.0/8",
      "010.0.0.0/8",
      "10",
      "fe80::1%eth0",
      "[10.0.0.0]/8",
      "[fd00::",
      "fd00::]/8",
      "1:2:3:4:5:6:7:8:9",
    ]
  ) {
    assertThrows(() => parseCidr(raw, "--allow"), UsageError, undefined, `accepted "${raw}"`);
  }
});

Deno.test("parseCidr() names the option and the value, and hints the right form", () => {
  assertThrows(
    () => parseCidr("localhost", "--deny"),
    UsageError,
    'Invalid --deny "localhost": expected an IP address or a CIDR prefix, such as 10.0.0.0/8, ' +
      "127.0.0.1 or fd00::/8",
  );
});

Deno.test("parseCidr() rejects a prefix longer than the address", () => {
  assertThrows(
    () => parseCidr("10.0.0.0/33", "--allow"),
    UsageError,
    'Invalid --allow "10.0.0.0/33": the prefix length of an IPv4 address is from 0 to 32',
  );
  assertThrows(
    () => parseCidr("fd00::/129", "--allow"),
    UsageError,
    "IPv6 address is from 0 to 128",
  );
});

Deno.test("parseCidr() escapes control bytes of the value it quotes", () => {
  const error = assertThrows(() => parseCidr("10.0.0.0\x1b[2J", "--allow"), UsageError);
  assertStringIncludes(error.message, '"10.0.0.0\\x1b[2J"');
});

// --- Gate: no rules and deny rules -----------------------------------------------------------

Deno.test("Gate admits everyone when there are no rules", () => {
  const gate = new Gate({ allow: [], deny: [] });
  for (const address of ["127.0.0.1", "::1", "10.9.9.9", "::ffff:1.2.3.4", "/tmp/sock", ""]) {
    assertEquals(gate.admits(address), true, address);
  }
});

Deno.test("Gate with only deny rules turns away the addresses they match", () => {
  const gate = new Gate({ allow: [], deny: deny("10.9.0.0/16", "fd00::/8") });
  assertEquals(gate.admits("10.9.1.1"), false);
  assertEquals(gate.admits("10.8.1.1"), true);
  assertEquals(gate.admits("fd12::1"), false);
  assertEquals(gate.admits("fe80::1"), true);
});

Deno.test("Gate with only deny rules admits a client that has no IP address", () => {
  const gate = new Gate({ allow: [], deny: deny("0.0.0.0/0", "::/0") });
  assertEquals(gate.admits("/tmp/tcpkit.sock"), true);
  assertEquals(gate.admits(""), true);
  assertEquals(gate.admits("127.0.0.1"), false);
});

// --- Gate: allow rules -----------------------------------------------------------------------

Deno.test("Gate with allow rules admits only the addresses they match", () => {
  const gate = new Gate({ allow: allow("10.0.0.0/8", "127.0.0.1"), deny: [] });
  assertEquals(gate.admits("10.1.2.3"), true);
  assertEquals(gate.admits("127.0.0.1"), true);
  assertEquals(gate.admits("127.0.0.2"), false);
  assertEquals(gate.admits("192.168.1.1"), false);
  assertEquals(gate.admits("::1"), false);
});

Deno.test("Gate with allow rules turns away a client that has no IP address", () => {
  const gate = new Gate({ allow: allow("0.0.0.0/0", "::/0"), deny: [] });
  assertEquals(gate.admits("/tmp/tcpkit.sock"), false);
  assertEquals(gate.admits(""), false);
  assertEquals(gate.admits("localhost"), false);
});

Deno.test("Gate lets the more specific of an allow and a deny rule win", () => {
  const gate = new Gate({
    allow: allow("10.0.0.0/8", "10.9.9.0/24"),
    deny: deny("10.9.0.0/16"),
  });
  assertEquals(gate.admits("10.1.1.1"), true); // only the /8 allow matches
  assertEquals(gate.admits("10.9.1.1"), false); // the /16 deny beats the /8 allow
  assertEquals(gate.admits("10.9.9.9"), true); // the /24 allow beats the /16 deny
});

Deno.test("Gate lets a deny rule win a tie with an allow rule", () => {
  const gate = new Gate({ allow: allow("10.0.0.0/8"), deny: deny("10.0.0.0/8") });
  assertEquals(gate.admits("10.1.1.1"), false);
  const host = new Gate({ allow: allow("127.0.0.1"), deny: deny("127.0.0.1/32") });
  assertEquals(host.admits("127.0.0.1"), false);
});

Deno.test("Gate lets a bare allowed address through a broad deny", () => {
  const gate = new Gate({ allow: allow("127.0.0.1"), deny: deny("127.0.0.0/8") });
  assertEquals(gate.admits("127.0.0.1"), true);
  assertEquals(gate.admits("127.0.0.2"), false);
});

// --- Gate: IPv6 and mapped addresses ---------------------------------------------------------

Deno.test("Gate matches IPv6 clients against IPv6 rules", () => {
  const gate = new Gate({ allow: allow("fd00::/8", "::1"), deny: deny("fd00:bad::/32") });
  assertEquals(gate.admits("::1"), true);
  assertEquals(gate.admits("fd00::42"), true);
  assertEquals(gate.admits("fd00:bad::1"), false);
  assertEquals(gate.admits("2001:db8::1"), false);
  assertEquals(gate.admits("0:0:0:0:0:0:0:1"), true);
});

Deno.test("Gate matches an IPv4-mapped client as its IPv4 address", () => {
  const gate = new Gate({ allow: allow("127.0.0.0/8"), deny: deny("127.0.0.3") });
  assertEquals(gate.admits("::ffff:127.0.0.2"), true);
  assertEquals(gate.admits("::ffff:127.0.0.3"), false);
  assertEquals(gate.admits("::ffff:10.0.0.1"), false);
  assertEquals(gate.admits("::ffff:7f00:2"), true);
});

Deno.test("Gate matches a mapped prefix rule against plain and mapped IPv4 clients", () => {
  const gate = new Gate({ allow: allow("::ffff:10.0.0.0/104"), deny: [] });
  assertEquals(gate.admits("10.1.2.3"), true);
  assertEquals(gate.admits("::ffff:10.1.2.3"), true);
  assertEquals(gate.admits("11.0.0.1"), false);
});

Deno.test("Gate does not match IPv4 clients against IPv6 rules, nor IPv6 against IPv4", () => {
  const v6 = new Gate({ allow: allow("::/0"), deny: [] });
  assertEquals(v6.admits("10.0.0.1"), false);
  assertEquals(v6.admits("::ffff:10.0.0.1"), false);
  assertEquals(v6.admits("fd00::1"), true);
  const v4 = new Gate({ allow: [], deny: deny("0.0.0.0/0") });
  assertEquals(v4.admits("::1"), true);
  assertEquals(v4.admits("::ffff:10.0.0.1"), false);
});

Deno.test("Gate reads a client address in brackets or with a zone", () => {
  const gate = new Gate({ allow: allow("fe80::/10"), deny: [] });
  assertEquals(gate.admits("[fe80::1]"), true);
  assertEquals(gate.admits("fe80::1%eth0"), true);
});

// --- Gate.describe ---------------------------------------------------------------------------

Deno.test("Gate.describe() sums up the rules in one line", () => {
  const gate = new Gate({ allow: allow("10.0.0.0/8", "127.0.0.1"), deny: deny("10.9.0.0/16") });
  assertEquals(gate.describe(), "allow 10.0.0.0/8, 127.0.0.1; deny 10.9.0.0/16");
});

Deno.test("Gate.describe() says allow all without allow rules", () => {
  assertEquals(new Gate({ allow: [], deny: [] }).describe(), "allow all");
  assertEquals(
    new Gate({ allow: [], deny: deny("fd00::/8") }).describe(),
    "allow all; deny fd00::/8",
  );
});

Deno.test("Gate.describe() shows the rules as parsed", () => {
  const gate = new Gate({ allow: allow("::ffff:10.0.0.0/104", "[::1]"), deny: deny("10.1.2.3/8") });
  assertEquals(gate.describe(), "allow 10.0.0.0/8, ::1; deny 10.0.0.0/8");
});

Deno.test("Gate keeps its own copy of the rules", () => {
  const rules = { allow: allow("10.0.0.0/8"), deny: [] as Cidr[] };
  const gate = new Gate(rules);
  rules.allow.push(parseCidr("192.168.0.0/16", "--allow"));
  rules.deny.push(parseCidr("10.0.0.0/8", "--deny"));
  assertEquals(gate.admits("192.168.1.1"), false);
  assertEquals(gate.admits("10.0.0.1"), true);
  assertEquals(gate.describe(), "allow 10.0.0.0/8");
});
