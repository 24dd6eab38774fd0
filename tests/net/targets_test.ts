import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import {
  checkProbeLimit,
  countProbes,
  dedupe,
  MAX_PROBES,
  MAX_TARGET_ADDRESSES,
  parseTarget,
  parseTargets,
  parseTargetsFile,
  type Target,
} from "../../lib/net/targets.ts";

/** Each target's hosts and ports, for comparing what will be probed. */
function probes(targets: Target[]): [string[], number[]][] {
  return targets.map((t) => [t.hosts, t.ports]);
}

// --- parseTarget: ports ----------------------------------------------------------------------

Deno.test("parseTarget() reads HOST:PORT as a single port", () => {
  assertEquals(parseTarget("localhost:22"), {
    text: "localhost:22",
    hosts: ["localhost"],
    hostname: "localhost",
    ports: [22],
    kind: "port",
    group: false,
  });
});

Deno.test("parseTarget() reads HOST:FIRST-LAST as a range, both ends included", () => {
  const target = parseTarget("10.0.0.1:8000-8003");
  assertEquals([target.kind, target.ports], ["range", [8000, 8001, 8002, 8003]]);
});

Deno.test("parseTarget() reads HOST:P1,P2,... as a list whose items may be ranges", () => {
  const target = parseTarget("[::1]:22,80,8000-8001,80");
  assertEquals(target.hosts, ["::1"]);
  assertEquals(target.hostname, "::1");
  assertEquals([target.kind, target.ports], ["list", [22, 80, 8000, 8001]]);
});

Deno.test("parseTarget() takes the whole port space as one range", () => {
  assertEquals(parseTarget("127.0.0.1:1-65535").ports.length, 65535);
});

Deno.test("parseTarget() takes service names as ports", () => {
  assertEquals(parseTarget("host:ssh").ports, [22]);
  assertEquals(parseTarget("host:ssh").kind, "port");
  assertEquals(parseTarget("host:https,http").ports, [443, 80]);
  assertEquals(parseTarget("host:https,http").kind, "list");
});

Deno.test("parseTarget() reads a service name with a hyphen as one port, not a range", () => {
  const target = parseTarget("host:ftp-data");
  assertEquals([target.kind, target.ports], ["port", [20]]);
  assertEquals(parseTarget("host:http-alt,https-alt").ports, [8080, 8443]);
});

Deno.test("parseTarget() takes a range whose ends are service names", () => {
  const target = parseTarget("host:ftp-ssh");
  assertEquals([target.kind, target.ports], ["range", [21, 22]]);
});

Deno.test("parseTarget() dials an internationalised name by its ASCII form, shows it as given", () => {
  const target = parseTarget("bücher.example:443");
  assertEquals([target.text, target.hosts], ["bücher.example:443", ["xn--bcher-kva.example"]]);
});

Deno.test("parseTarget() rejects malformed targets with a usage error", () => {
  for (
    const raw of [
      "localhost",
      ":80",
      "host:",
      "host:0",
      "host:65536",
      "host:90-80",
      "host:1-2-3",
      "host:80,",
      "host:nosuchservice",
      "::1:80",
      "[::1]",
      "[::1]x:80",
      "a b:80",
      "]:80",
      "*:80",
      "http://example.com:80",
    ]
  ) {
    assertThrows(() => parseTarget(raw), UsageError, undefined, raw);
  }
});

Deno.test("parseTarget() says what is wrong with a port range", () => {
  assertThrows(() => parseTarget("host:90-80"), UsageError, "the first port is above the last");
  assertThrows(() => parseTarget("host:1-2-3"), UsageError, 'Invalid port range "1-2-3"');
});

Deno.test("parseTarget() escapes control bytes of the host it quotes", () => {
  const error = assertThrows(() => parseTarget("a\x1b]0;X\x07b:22"), UsageError);
  assertStringIncludes(error.message, 'Invalid host "a\\x1b]0;X\\x07b"');
});

Deno.test("parseTarget() says tcpkit takes HOST:PORT, not a URL", () => {
  assertThrows(
    () => parseTarget("http://example.com:8080"),
    UsageError,
    "such as example.com:8080",
  );
});

Deno.test("parseTarget() suggests brackets for an IPv6 address or subnet", () => {
  assertThrows(() => parseTarget("::1:80"), UsageError, "such as [::1]:80");
  assertThrows(() => parseTarget("fd00::/120:22"), UsageError, "such as [fd00::/120]:22");
});

// --- parseTarget: subnets and ranges ---------------------------------------------------------

Deno.test("parseTarget() expands an IPv4 subnet without its network and broadcast addresses", () => {
  const target = parseTarget("10.0.0.0/24:22,80");
  assertEquals(target.hosts.length, 254);
  assertEquals([target.hosts[0], target.hosts[253]], ["10.0.0.1", "10.0.0.254"]);
  assertEquals([target.group, target.kind, target.ports], [true, "list", [22, 80]]);
  assertEquals(target.hostname, "10.0.0.1");
});

Deno.test("parseTarget() expands a /30 to its two hosts", () => {
  assertEquals(parseTarget("192.168.0.4/30:22").hosts, ["192.168.0.5", "192.168.0.6"]);
});

Deno.test("parseTarget() takes every address of a /31 and a /32", () => {
  assertEquals(parseTarget("10.0.0.0/31:22").hosts, ["10.0.0.0", "10.0.0.1"]);
  assertEquals(parseTarget("10.0.0.7/32:22").hosts, ["10.0.0.7"]);
  assertEquals(parseTarget("10.0.0.7/32:22").group, true);
});

Deno.test("parseTarget() takes the subnet of an address with host bits set", () => {
  assertEquals(parseTarget("10.0.0.77/30:22").hosts, ["10.0.0.77", "10.0.0.78"]);
});

Deno.test("parseTarget() takes a /16, the largest IPv4 subnet a target may have", () => {
  const target = parseTarget("172.16.0.0/16:22");
  assertEquals(target.hosts.length, 65534);
  assertEquals(target.hosts[65533], "172.16.255.254");
});

Deno.test("parseTarget() rejects a subnet above the limit, saying how many addresses it has", () => {
  assertThrows(
    () => parseTarget("10.0.0.0/15:22"),
    UsageError,
    `Too many addresses in "10.0.0.0/15": 131070, more than the limit of ${MAX_TARGET_ADDRESSES}`,
  );
  assertThrows(() => parseTarget("0.0.0.0/0:22"), UsageError, "4294967294");
});

Deno.test("parseTarget() counts an IPv6 /64 exactly, as a BigInt", () => {
  assertThrows(() => parseTarget("[2001:db8::]/64:22"), UsageError, ": 18446744073709551616,");
  assertThrows(
    () => parseTarget("[::/0]:22"),
    UsageError,
    "340282366920938463463374607431768211456",
  );
});

Deno.test("parseTarget() expands an IPv6 prefix, in brackets or before its prefix length", () => {
  const inside = parseTarget("[fd00::/120]:22");
  assertEquals(inside.hosts.length, 256);
  assertEquals([inside.hosts[0], inside.hosts[255]], ["fd00::", "fd00::ff"]);
  assertEquals(parseTarget("[fd00::]/126:22").hosts, ["fd00::", "fd00::1", "fd00::2", "fd00::3"]);
});

Deno.test("parseTarget() takes an IPv6 /112, the largest IPv6 prefix a target may have", () => {
  assertEquals(parseTarget("[fd00::]/112:22").hosts.length, 65536);
  assertThrows(() => parseTarget("[fd00::]/111:22"), UsageError, "131072");
});

Deno.test("parseTarget() takes an IPv4-mapped IPv6 prefix as the IPv4 subnet", () => {
  assertEquals(parseTarget("[::ffff:10.0.0.0/126]:22").hosts, ["10.0.0.1", "10.0.0.2"]);
});

Deno.test("parseTarget() rejects a malformed subnet", () => {
  assertThrows(() => parseTarget("10.0.0.0/33:22"), UsageError, "from 0 to 32");
  assertThrows(() => parseTarget("[fd00::]/129:22"), UsageError, "from 0 to 128");
  assertThrows(() => parseTarget("10.0.0/24:22"), UsageError, 'Invalid subnet "10.0.0/24"');
  assertThrows(() => parseTarget("10.0.0.0/:22"), UsageError, "Invalid subnet");
  assertThrows(() => parseTarget("example.com/24:22"), UsageError, "Invalid subnet");
  assertThrows(() => parseTarget("[10.0.0.0/24]:22"), UsageError, "brackets are for an IPv6");
});

Deno.test("parseTarget() expands a last-octet range", () => {
  assertEquals(parseTarget("192.168.1.10-12:443").hosts, [
    "192.168.1.10",
    "192.168.1.11",
    "192.168.1.12",
  ]);
  assertEquals(parseTarget("192.168.1.10-12:443").group, true);
});

Deno.test("parseTarget() expands a full address range across octets", () => {
  assertEquals(parseTarget("192.168.1.254-192.168.2.1:22").hosts, [
    "192.168.1.254",
    "192.168.1.255",
    "192.168.2.0",
    "192.168.2.1",
  ]);
});

Deno.test("parseTarget() expands an IPv6 range in brackets", () => {
  assertEquals(parseTarget("[fd00::fe-fd00::101]:22").hosts, [
    "fd00::fe",
    "fd00::ff",
    "fd00::100",
    "fd00::101",
  ]);
});

Deno.test("parseTarget() rejects a malformed or reversed address range", () => {
  assertThrows(() => parseTarget("10.0.0.20-10:22"), UsageError, "first address is above");
  assertThrows(() => parseTarget("10.0.0.1-256:22"), UsageError, "expected FIRST-LAST");
  assertThrows(() => parseTarget("10.0.0.1-foo:22"), UsageError, 'Invalid address range "10.0');
  assertThrows(() => parseTarget("[fd00::1-10.0.0.1]:22"), UsageError, "expected FIRST-LAST");
});

Deno.test("parseTarget() rejects an address range above the limit", () => {
  assertThrows(() => parseTarget("10.0.0.0-10.1.0.0:22"), UsageError, ": 65537, more than");
});

Deno.test("parseTarget() reads a name with hyphens as a name, not a range", () => {
  const target = parseTarget("my-host.example:22");
  assertEquals([target.hosts, target.group], [["my-host.example"], false]);
});

Deno.test("parseTarget() rejects a target of more probes than the limit", () => {
  assertThrows(
    () => parseTarget("10.0.0.0/16:1-100"),
    UsageError,
    `65534 addresses by 100 ports make 6553400, more than the limit of ${MAX_PROBES}`,
  );
});

// --- parseTargets ----------------------------------------------------------------------------

Deno.test("parseTargets() pairs a bare host with the port word after it", () => {
  const targets = parseTargets(["example.com", "443", "[::1]:22", "localhost", "ssh,http"]);
  assertEquals(targets.map((t) => t.text), ["example.com 443", "[::1]:22", "localhost ssh,http"]);
  assertEquals(probes(targets), [
    [["example.com"], [443]],
    [["::1"], [22]],
    [["localhost"], [22, 80]],
  ]);
  assertEquals(targets[2].kind, "list");
});

Deno.test("parseTargets() pairs a subnet, a range or an IPv6 address with its ports", () => {
  const targets = parseTargets(["10.0.0.0/30", "22", "::1", "8000-8001", "[::2]", "80"]);
  assertEquals(probes(targets), [
    [["10.0.0.1", "10.0.0.2"], [22]],
    [["::1"], [8000, 8001]],
    [["::2"], [80]],
  ]);
  assertEquals(targets.map((t) => t.group), [true, false, false]);
  assertEquals(targets[1].kind, "range");
});

Deno.test("parseTargets() takes an unbracketed IPv6 subnet as a bare host", () => {
  assertEquals(parseTargets(["fd00::/126", "22"])[0].hosts.length, 4);
});

Deno.test("parseTargets() takes a host named like a service when a port follows it", () => {
  assertEquals(probes(parseTargets(["http", "8080"])), [[["http"], [8080]]]);
});

Deno.test("parseTargets() rejects a bare host with nothing usable after it", () => {
  assertThrows(
    () => parseTargets(["localhost"]),
    UsageError,
    'Invalid target "localhost": expected HOST:PORT or HOST PORT, such as localhost:22 or ' +
      "localhost 22",
  );
  assertThrows(() => parseTargets(["a", "b:22"]), UsageError, 'Invalid target "a"');
  assertThrows(() => parseTargets(["::1"]), UsageError, "such as [::1]:22 or ::1 22");
});

Deno.test("parseTargets() rejects HOST:PORT followed by a port", () => {
  assertThrows(
    () => parseTargets(["127.0.0.1:22", "22"]),
    UsageError,
    'Invalid host "127.0.0.1:22": give HOST PORT or HOST:PORT, not both',
  );
});

Deno.test("parseTargets() says what is wrong with the host of HOST PORT", () => {
  assertThrows(() => parseTargets(["a b", "22"]), UsageError, 'Invalid host "a b"');
  assertThrows(() => parseTargets(["", "22"]), UsageError, 'Invalid host ""');
  assertThrows(() => parseTargets(["10.0.0.0/8", "22"]), UsageError, "Too many addresses");
});

Deno.test("parseTargets() says what is wrong with the port of HOST PORT", () => {
  assertThrows(() => parseTargets(["localhost", "99999"]), UsageError, 'Invalid port "99999"');
  assertThrows(() => parseTargets(["localhost", "90-80"]), UsageError, "first port is above");
});

Deno.test("parseTargets() rejects a port with no host", () => {
  assertThrows(() => parseTargets(["22"]), UsageError, 'Invalid target "22"');
});

Deno.test("parseTargets() asks for one list when more ports follow HOST PORT", () => {
  assertThrows(
    () => parseTargets(["example.com", "22", "80"]),
    UsageError,
    'Invalid target "80": give the ports of a host as one list, such as example.com 22,80',
  );
});

Deno.test("parseTargets() keeps every target given, repeats too, in the order given", () => {
  const targets = parseTargets(["a:22,80", "a", "80,443", "b:22"]);
  assertEquals(targets.map((t) => t.text), ["a:22,80", "a 80,443", "b:22"]);
  assertEquals(probes(targets), [[["a"], [22, 80]], [["a"], [80, 443]], [["b"], [22]]]);
});

Deno.test("parseTargets() rejects more probes than the limit across its targets", () => {
  const words = ["10.0.0.0/16:1-30", "10.1.0.0/16:1-30"];
  assertThrows(
    () => parseTargets(words),
    UsageError,
    `Too many probes: the targets make at least 3932040, more than the limit of ${MAX_PROBES}`,
  );
});

// --- parseTargetsFile ------------------------------------------------------------------------

Deno.test("parseTargetsFile() reads one target a line, in either form", () => {
  const text = "# web servers\nexample.com:443\n\n  example.com 80  # plain\r\n[::1]:ssh\n";
  const targets = parseTargetsFile(text, "targets.txt");
  assertEquals(targets.map((t) => t.text), ["example.com:443", "example.com 80", "[::1]:ssh"]);
  assertEquals(probes(targets), [[["example.com"], [443]], [["example.com"], [80]], [["::1"], [
    22,
  ]]]);
});

Deno.test("parseTargetsFile() reads a file of only comments and blank lines as no targets", () => {
  assertEquals(parseTargetsFile("", "t"), []);
  assertEquals(parseTargetsFile("# nothing\n\n   \n", "t"), []);
});

Deno.test("parseTargetsFile() ignores a byte order mark", () => {
  assertEquals(parseTargetsFile("\uFEFFhost:22\n", "t")[0].hosts, ["host"]);
});

Deno.test("parseTargetsFile() names the line of an error", () => {
  assertThrows(
    () => parseTargetsFile("a:22\n# two\nb:0\n", "targets.txt"),
    UsageError,
    'targets.txt line 3: Invalid port "0"',
  );
  assertThrows(
    () => parseTargetsFile("\n\nlocalhost\n", "targets.txt"),
    UsageError,
    'targets.txt line 3: Invalid target "localhost": expected HOST:PORT or HOST PORT',
  );
});

Deno.test("parseTargetsFile() rejects two targets on one line", () => {
  assertThrows(
    () => parseTargetsFile("a:22 b:80\n", "targets.txt"),
    UsageError,
    'targets.txt line 1: Extra target "b:80"',
  );
});

Deno.test("parseTargetsFile() escapes control bytes in the file name", () => {
  const error = assertThrows(() => parseTargetsFile("x\n", "t\x1b.txt"), UsageError);
  assertStringIncludes(error.message, "t\\x1b.txt line 1");
});

Deno.test("parseTargetsFile() drops pairs given twice", () => {
  const targets = parseTargetsFile("a:22\na 22\na:22,80\n", "t");
  assertEquals(probes(targets), [[["a"], [22]], [["a"], [80]]]);
});

Deno.test("parseTargetsFile() rejects more probes than the limit, naming the line", () => {
  const text = "10.0.0.0/16:1-30\n10.1.0.0/16:1-30\n";
  assertThrows(
    () => parseTargetsFile(text, "big.txt"),
    UsageError,
    "big.txt line 2: Too many probes: the targets make at least 3932040",
  );
});

// --- dedupe ----------------------------------------------------------------------------------

Deno.test("dedupe() drops the ports a later target repeats, and a target left with none", () => {
  const targets = dedupe([parseTarget("a:22,80"), parseTarget("a:80,443"), parseTarget("a:22")]);
  assertEquals(probes(targets), [[["a"], [22, 80]], [["a"], [443]]]);
});

Deno.test("dedupe() compares addresses as addresses and names without case", () => {
  const targets = dedupe([
    parseTarget("[::1]:22"),
    parseTarget("[0:0::1]:22"),
    parseTarget("10.0.0.1:22"),
    parseTarget("[::ffff:10.0.0.1]:22"),
    parseTarget("Example.COM.:22"),
    parseTarget("example.com:22"),
  ]);
  assertEquals(targets.map((t) => t.text), ["[::1]:22", "10.0.0.1:22", "Example.COM.:22"]);
});

Deno.test("dedupe() drops the addresses of a subnet already probed on all its ports", () => {
  const targets = dedupe([parseTarget("10.0.0.2:22"), parseTarget("10.0.0.0/29:22")]);
  assertEquals(probes(targets), [
    [["10.0.0.2"], [22]],
    [["10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"], [22]],
  ]);
});

Deno.test("dedupe() cuts a subnet covered in part into pieces that keep its text", () => {
  const targets = dedupe([parseTarget("10.0.0.2:80"), parseTarget("10.0.0.0/29:22,80")]);
  assertEquals(probes(targets), [
    [["10.0.0.2"], [80]],
    [["10.0.0.1"], [22, 80]],
    [["10.0.0.2"], [22]],
    [["10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"], [22, 80]],
  ]);
  assertEquals(targets.slice(1).map((t) => [t.text, t.kind, t.group, t.hostname]), [
    ["10.0.0.0/29:22,80", "list", true, "10.0.0.1"],
    ["10.0.0.0/29:22,80", "list", true, "10.0.0.2"],
    ["10.0.0.0/29:22,80", "list", true, "10.0.0.3"],
  ]);
});

Deno.test("dedupe() keeps targets that repeat nothing as they are", () => {
  const given = [parseTarget("a:22"), parseTarget("b:22"), parseTarget("10.0.0.0/30:22")];
  assertEquals(dedupe(given), given);
});

// --- countProbes and checkProbeLimit ---------------------------------------------------------

Deno.test("countProbes() counts each target's hosts times its ports", () => {
  assertEquals(countProbes([parseTarget("10.0.0.0/30:22,80"), parseTarget("a:1-10")]), 14);
});

Deno.test("checkProbeLimit() accepts the limit and rejects one probe more", () => {
  const limit = parseTarget("x:1-9000");
  const exact = { ...limit, hosts: Array.from({ length: 222 }, (_, i) => `h${i}`) };
  const filler = { ...limit, ports: Array.from({ length: 2000 }, (_, i) => i + 1) };
  assertEquals(countProbes([exact, filler]), MAX_PROBES);
  checkProbeLimit([exact, filler]);
  assertThrows(
    () => checkProbeLimit([exact, filler, parseTarget("y:1")]),
    UsageError,
    `the targets make ${MAX_PROBES + 1}, more than the limit of ${MAX_PROBES}`,
  );
});
