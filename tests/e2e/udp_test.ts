/**
 * UDP end to end, over loopback with real peers: nc -u and socat both ways, dnsmasq for DNS
 * probes, chronyd for NTP, many senders, the largest datagrams, IPv6, forward -u with clients
 * interleaved, and a flood with memory bounded.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { bash, has, isRoot, memoryOf, run, Running, Server, TCPKIT, tcpkit } from "./_cli.ts";

/** A free UDP port on 127.0.0.1 (bound and released). */
function freeUdpPort(hostname = "127.0.0.1"): number {
  const probe = new Deno.Command("python3", {
    args: [
      "-c",
      `import socket;s=socket.socket(socket.${
        hostname.includes(":") ? "AF_INET6" : "AF_INET"
      },socket.SOCK_DGRAM);s.bind(("${hostname}",0));print(s.getsockname()[1])`,
    ],
    stdout: "piped",
  }).outputSync();
  return Number(new TextDecoder().decode(probe.stdout).trim());
}

/** Python that sends each argument as a datagram from its own socket and prints the replies. */
const SENDERS = `import socket, sys
port = int(sys.argv[1]); host = sys.argv[2]; n = int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(n)]
for i, s in enumerate(socks):
    s.settimeout(5)
    s.sendto(("sender %d" % i).encode(), (host, port))
ok = 0
for i, s in enumerate(socks):
    data, _ = s.recvfrom(65535)
    ok += data == ("sender %d" % i).encode()
print(ok)`;

Deno.test("connect -u and serve -u -k --echo keep each datagram whole, up to 65,000 bytes", async () => {
  await using server = await Server.start(["-u", "127.0.0.1:0", "-k", "--echo"]);
  const big = "x".repeat(65_000);
  const out = await tcpkit(["connect", "-u", `127.0.0.1:${server.port}`, "--send", big]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout.length, 65_000);
  const two = await tcpkit(["connect", `udp://127.0.0.1:${server.port}`, "--send", "a b"]);
  assertEquals([two.code, two.stdout], [0, "a b"]);
});

Deno.test("connect -u exits 0 by itself once stdin ended and the peer went quiet", async () => {
  await using server = await Server.start(["-u", "127.0.0.1:0", "-k", "--echo"]);
  const started = performance.now();
  const out = await tcpkit([
    "connect",
    "-u",
    `127.0.0.1:${server.port}`,
    "--idle-timeout",
    "300ms",
  ], { stdin: "one datagram\n" });
  assertEquals([out.code, out.stdout], [0, "one datagram\n"]);
  assert(performance.now() - started < 10_000);
  // Nothing answers: it still ends, with exit 0, once the idle time passed.
  const silent = await tcpkit([
    "connect",
    "-u",
    `127.0.0.1:${freeUdpPort()}`,
    "--send",
    "x",
    "--idle-timeout",
    "200ms",
  ]);
  assertEquals(silent.code, 0, silent.stderr);
});

Deno.test("serve -u without -k takes the first sender as its peer and sends it stdin (nc -u -l)", async () => {
  await using server = await Server.start(["-u", "127.0.0.1:0", "--idle-timeout", "500ms"], {
    stdin: true,
  });
  await using client = new Running([
    ...TCPKIT,
    "connect",
    "-u",
    `127.0.0.1:${server.port}`,
    "--idle-timeout",
    "3s",
  ], { stdin: true });
  await client.write("hello server\n");
  await server.stdout.waitFor(/hello server\n/);
  await server.write("hello client\n");
  await client.stdout.waitFor(/hello client\n/);
  await server.closeStdin();
  await client.closeStdin();
  const [s, c] = await Promise.all([server.result(), client.result()]);
  assertEquals([s.code, c.code], [0, 0], s.stderr + c.stderr);
});

Deno.test({
  name: `nc -u and socat talk to serve -u and connect -u both ways${
    has("nc") && has("socat") ? "" : " (skipped: nc or socat missing)"
  }`,
  ignore: !has("nc") || !has("socat"),
  async fn() {
    // nc -u → serve -u
    await using server = await Server.start(["-u", "127.0.0.1:0", "-k"]);
    await bash(`printf 'from nc\\n' | timeout 2 nc -u -w1 127.0.0.1 ${server.port}; true`);
    await server.stdout.waitFor(/from nc\n/);
    // socat → serve -u --echo, the reply back
    await using echo = await Server.start(["-u", "127.0.0.1:0", "-k", "--echo"]);
    const viaSocat = await bash(
      `printf 'from socat' | timeout 5 socat -T1 - UDP:127.0.0.1:${echo.port}`,
    );
    assertEquals(viaSocat.stdout, "from socat");
    // connect -u → socat UDP-RECVFROM echo; connect -u → nc -u -l
    const port = freeUdpPort();
    await using socatEcho = new Running([
      "socat",
      `UDP-RECVFROM:${port},bind=127.0.0.1,fork`,
      "PIPE",
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const toSocat = await tcpkit([
      "connect",
      "-u",
      `127.0.0.1:${port}`,
      "--send",
      "ping",
      "--idle-timeout",
      "500ms",
    ]);
    assertEquals(toSocat.stdout, "ping");
    assert(socatEcho.child.pid > 0);
    const ncPort = freeUdpPort();
    await using nc = new Running(["nc", "-u", "-l", "127.0.0.1", String(ncPort)]);
    await new Promise((r) => setTimeout(r, 300));
    const toNc = await tcpkit([
      "connect",
      "-u",
      `127.0.0.1:${ncPort}`,
      "--send",
      "to nc\n",
      "--idle-timeout",
      "300ms",
    ]);
    assertEquals(toNc.code, 0);
    await nc.stdout.waitFor(/to nc\n/);
  },
});

Deno.test("serve -u -k answers many senders at once, each its own datagrams", async () => {
  await using server = await Server.start(["-u", "127.0.0.1:0", "-k", "--echo"]);
  const out = await run(["python3", "-c", SENDERS, String(server.port), "127.0.0.1", "200"]);
  assertEquals(out.stdout.trim(), "200", out.stderr);
});

Deno.test("serve -u and connect -u over IPv6 (::1)", async () => {
  await using server = await Server.start(["-u", "[::1]:0", "-k", "--echo"]);
  const out = await tcpkit([
    "connect",
    "-u",
    `[::1]:${server.port}`,
    "--send",
    "six",
    "--idle-timeout",
    "300ms",
  ]);
  assertEquals([out.code, out.stdout], [0, "six"], out.stderr);
  const many = await run(["python3", "-c", SENDERS, String(server.port), "::1", "5"]);
  assertEquals(many.stdout.trim(), "5");
});

Deno.test("forward -u gives each client its own session: interleaved replies reach their sender", async () => {
  await using echo = await Server.start(["-u", "127.0.0.1:0", "-k", "--echo"]);
  await using fwd = await Server.spawn([
    ...TCPKIT,
    "forward",
    "-u",
    "127.0.0.1:0",
    `127.0.0.1:${echo.port}`,
    "--json",
    "--drain",
    "0",
  ]);
  const out = await run([
    "python3",
    "-c",
    `import socket, sys
port = int(sys.argv[1])
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(5)]
for s in socks: s.settimeout(5)
ok = 0
for round in range(20):
    for i, s in enumerate(socks):
        s.sendto(b"c%d r%d" % (i, round), ("127.0.0.1", port))
    for i, s in enumerate(socks):
        ok += s.recv(65535) == b"c%d r%d" % (i, round)
print(ok)`,
    String(fwd.port),
  ]);
  assertEquals(out.stdout.trim(), "100", out.stderr);
  fwd.kill("SIGTERM");
  const done = await fwd.result();
  assertEquals(done.code, 0);
  assertEquals(done.stderr.split('"event":"opened"').length - 1, 5);
  assertMatch(done.stderr, /"event":"stopped","sessions":5/);
});

Deno.test("forward -u ends an idle session and --max-conns bounds the sessions", async () => {
  await using echo = await Server.start(["-u", "127.0.0.1:0", "-k", "--echo"]);
  await using fwd = await Server.spawn([
    ...TCPKIT,
    "forward",
    "-u",
    "127.0.0.1:0",
    `127.0.0.1:${echo.port}`,
    "--idle-timeout",
    "300ms",
    "--max-conns",
    "2",
    "-v",
  ]);
  const out = await run(["python3", "-c", SENDERS, String(fwd.port), "127.0.0.1", "2"]);
  assertEquals(out.stdout.trim(), "2");
  await fwd.stderr.waitForCount("(idle)", 2);
  fwd.kill("SIGTERM");
  assertEquals((await fwd.result()).code, 0);
});

Deno.test("serve -u -k --sink takes a flood of 100,000 datagrams with memory bounded", async () => {
  await using server = await Server.start(["-u", "127.0.0.1:0", "-k", "--sink"]);
  const flood = await run([
    "python3",
    "-c",
    `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100000): s.sendto(b"y" * 512, ("127.0.0.1", int(sys.argv[1])))`,
    String(server.port),
  ]);
  assertEquals(flood.code, 0);
  const memory = await memoryOf(server.child.pid);
  server.kill("SIGTERM");
  const done = await server.result();
  assertEquals(done.code, 0);
  assertMatch(done.stderr, /stopped: 1 sender, received \d+ datagrams/);
  assert(memory.peak < 300 * 1024 * 1024, `peak ${memory.peak}`);
});

Deno.test("check -u: silence is open|filtered and exits 1; never open", async () => {
  const out = await tcpkit([
    "check",
    "-u",
    `127.0.0.1:${freeUdpPort()}`,
    "--timeout",
    "300ms",
    "--json",
  ]);
  assertEquals(out.code, 1);
  assertMatch(out.stdout, /"state":"open\|filtered"/);
});

Deno.test("check -u --send: a reply is open, with its round trip", async () => {
  await using server = await Server.start(["-u", "127.0.0.1:0", "-k", "--reply", "pong"]);
  const out = await tcpkit(["check", "-u", `127.0.0.1:${server.port}`, "--send", "ping", "--json"]);
  assertEquals(out.code, 0, out.stdout);
  assertMatch(out.stdout, /"state":"open".*"latency_ms":/);
});

const DNSMASQ = has("dnsmasq") ? "" : " (skipped: dnsmasq is not installed)";

Deno.test({
  name: `check -u --probe dns and --query against dnsmasq: NOERROR, NXDOMAIN, REFUSED${DNSMASQ}`,
  ignore: DNSMASQ !== "",
  async fn() {
    const port = freeUdpPort();
    await using dnsmasq = new Running([
      "dnsmasq",
      "-k",
      "-p",
      String(port),
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      "--no-resolv",
      "--no-hosts",
      "-C",
      "/dev/null",
      "--pid-file=",
      "--log-facility=-",
      "--address=/tcpkit.test/127.0.0.7",
      "--address=/nx.test/",
    ]);
    await dnsmasq.stderr.waitFor(/started/);
    const target = `127.0.0.1:${port}`;
    const good = await tcpkit(["check", "-u", target, "--query", "tcpkit.test"]);
    assertEquals(good.code, 0, good.stdout);
    assertMatch(good.stdout, /open .*NOERROR: 127\.0\.0\.7/);
    const nx = await tcpkit(["check", "-u", target, "--query", "a.nx.test", "--json"]);
    assertEquals(nx.code, 1);
    assertMatch(nx.stdout, /"state":"unhealthy","reason":"NXDOMAIN"/);
    const refused = await tcpkit(["check", "-u", target, "--query", "elsewhere.example"]);
    assertEquals(refused.code, 1);
    assertMatch(refused.stdout, /unhealthy .*REFUSED/);
    // Without --query, any DNS reply proves the port open.
    const probe = await tcpkit(["check", "-u", target, "--probe", "dns", "--format", "prometheus"]);
    assertEquals(probe.code, 0, probe.stdout);
  },
});

const CHRONY = has("chronyd") && isRoot()
  ? ""
  : " (skipped: chronyd is not installed, or not root)";

Deno.test({
  name: `check -u --probe ntp against chronyd (local stratum 10)${CHRONY}`,
  ignore: CHRONY !== "",
  async fn() {
    // chronyd's sandbox cannot read /tmp: its configuration lives under /var/tmp.
    const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "tcpkit-chrony-" });
    try {
      const port = freeUdpPort();
      await Deno.writeTextFile(
        `${dir}/chrony.conf`,
        [
          `port ${port}`,
          "bindaddress 127.0.0.1",
          "allow 127.0.0.1",
          "local stratum 10",
          "cmdport 0",
          `pidfile ${dir}/chronyd.pid`,
        ].join("\n") + "\n",
      );
      await using chronyd = new Running([
        "chronyd",
        "-d",
        "-x",
        "-u",
        "root",
        "-f",
        `${dir}/chrony.conf`,
      ]);
      await chronyd.stderr.waitFor(/Disabled control of system clock|starting/);
      // chronyd answers once its socket is up: the first probes may meet silence.
      let out = await tcpkit([
        "check",
        "-u",
        `127.0.0.1:${port}`,
        "--probe",
        "ntp",
        "--timeout",
        "500ms",
      ]);
      for (let i = 0; i < 10 && out.code !== 0; i++) {
        out = await tcpkit([
          "check",
          "-u",
          `127.0.0.1:${port}`,
          "--probe",
          "ntp",
          "--timeout",
          "500ms",
        ]);
      }
      assertEquals(out.code, 0, out.stdout);
      assertMatch(out.stdout, /open .*NTP stratum 10/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("UDP usage errors: TCP-only options, a second target, --probe without -u", async () => {
  for (
    const args of [
      ["connect", "-u", "127.0.0.1:53", "--tls"],
      ["serve", "-u", "0", "--greet"],
      ["forward", "-u", "0", "127.0.0.1:1", "127.0.0.1:2"],
      ["check", "127.0.0.1:53", "--probe", "dns"],
      ["check", "-u", "127.0.0.1:53", "--probe", "ftp"],
      ["check", "-u", "127.0.0.1:53", "--query", "a..b"],
    ]
  ) {
    const out = await tcpkit(args);
    assertEquals(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assertMatch(out.stderr, /^tcpkit: /);
  }
});
