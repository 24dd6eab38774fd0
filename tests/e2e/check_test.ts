/** check end to end on loopback: open, closed, unresolved, ranges, lists, JSON, repeats. */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { bash, tcpkit, TCPKIT_SH } from "./_cli.ts";

/** Listeners on free loopback ports, and a port known to be closed. */
function ports(count: number): { open: number[]; closed: number } & Disposable {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = probe.addr.port;
  probe.close();
  return {
    open: listeners.map((l) => l.addr.port),
    closed,
    [Symbol.dispose]: () => listeners.forEach((l) => l.close()),
  };
}

Deno.test("check reports open ports with their latency and exits 0", async () => {
  using p = ports(2);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, `localhost:${p.open[1]}`]);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^TARGET +STATE +LATENCY$/m);
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${p.open[0]} +open +[\\d.]+ ms$`, "m"));
  assertMatch(out.stdout, new RegExp(`^localhost:${p.open[1]} +open +[\\d.]+ ms$`, "m"));
  assertMatch(out.stdout, /^2 ports on 2 hosts in .+: 2 open$/m);
  assertEquals(out.stderr, "");
});

Deno.test("check exits 1 when one HOST:PORT target is closed", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, `127.0.0.1:${p.closed}`]);
  assertEquals(out.code, 1);
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${p.closed} +closed$`, "m"));
});

Deno.test("check counts an unresolvable host as a target not open (exit 1, not 3)", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, "no-such-host.invalid:80"]);
  assertEquals(out.code, 1);
  assertMatch(out.stdout, /^no-such-host\.invalid:80 +unresolved$/m);
});

Deno.test("check rejects a host that only looks like an address (999.1.1.1) before any lookup", async () => {
  const out = await tcpkit(["check", "999.1.1.1:80"]);
  assertEquals(out.code, 2);
  assertMatch(out.stderr, /^tcpkit: invalid host "999\.1\.1\.1": an IPv4 address is four numbers/m);
});

Deno.test("check of a range shows the open ports and counts the rest", async () => {
  using p = ports(1);
  const first = p.open[0] - 5;
  const out = await tcpkit(["check", `127.0.0.1:${first}-${p.open[0] + 5}`]);
  assertEquals(out.code, 0, out.stdout);
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${first}-\\d+: 1 open, 10 closed$`, "m"));
  assertMatch(out.stdout, new RegExp(`^  ${p.open[0]} +open +[\\d.]+ ms$`, "m"));
  assert(!/closed\s*$/m.test(out.stdout.split("\n").filter((l) => l.startsWith("  ")).join("\n")));
});

Deno.test("check of a list with no open port exits 1; with one it exits 0", async () => {
  using p = ports(1);
  const none = await tcpkit(["check", `127.0.0.1:${p.closed},${p.closed}`]);
  assertEquals(none.code, 1);
  const one = await tcpkit(["check", `127.0.0.1:${p.closed},${p.open[0]}`]);
  assertEquals(one.code, 0);
});

Deno.test("check --json prints one object per result with host, port, state and latency_ms", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]},${p.closed}`, "--json"]);
  const results = out.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(results.length, 2);
  const open = results.find((r) => r.port === p.open[0]);
  const closed = results.find((r) => r.port === p.closed);
  assertEquals([open.host, open.state, closed.state], ["127.0.0.1", "open", "closed"]);
  assert(open.latency_ms >= 0);
  assertEquals("latency_ms" in closed, false);
});

Deno.test("check --count repeats each probe and reports min/avg/max and loss", async () => {
  using p = ports(1);
  const out = await tcpkit([
    "check",
    `127.0.0.1:${p.open[0]}`,
    `127.0.0.1:${p.closed}`,
    "--count",
    "3",
    "--interval",
    "50ms",
    "--json",
  ]);
  assertEquals(out.code, 1);
  const lines = out.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const probes = lines.filter((l) => "seq" in l);
  assertEquals(probes.length, 6);
  const summary = lines.filter((l) => "probes" in l);
  const open = summary.find((s) => s.port === p.open[0]);
  const closed = summary.find((s) => s.port === p.closed);
  assertEquals([open.probes, open.open, open.loss_pct], [3, 3, 0]);
  assert(open.min_ms <= open.avg_ms && open.avg_ms <= open.max_ms);
  assertEquals([closed.loss_pct, closed.min_ms, closed.avg_ms, closed.max_ms], [
    100,
    null,
    null,
    null,
  ]);
});

Deno.test("check --count of an unresolvable HOST:PORT reports every probe unresolved (exit 1)", async () => {
  const args = ["check", "no-such-host.invalid:80", "--count", "2", "--interval", "10ms"];
  const text = await tcpkit(args);
  assertEquals(text.code, 1);
  assertMatch(text.stdout, /^no-such-host\.invalid:80: unresolved \(probe 1\)$/m);
  assertMatch(text.stdout, /^no-such-host\.invalid:80: unresolved \(probe 2\)$/m);
  assertMatch(
    text.stdout,
    /^no-such-host\.invalid:80 +unresolved +0\/2 open, 100% loss, no answer$/m,
  );
  const json = await tcpkit([...args, "--json"]);
  assertEquals(json.code, 1);
  const lines = json.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(lines.filter((l) => "seq" in l).map((l) => [l.seq, l.state]), [
    [1, "unresolved"],
    [2, "unresolved"],
  ]);
  const summary = lines.find((l) => "probes" in l);
  assertEquals([summary.state, summary.probes, summary.open, summary.loss_pct, summary.min_ms], [
    "unresolved",
    2,
    0,
    100,
    null,
  ]);
});

Deno.test("check --count prints each probe and a summary for people", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, "-c", "2", "--interval", "10ms"]);
  assertEquals(out.code, 0);
  assertMatch(out.stdout, /: open, [\d.]+ ms \(probe 1\)\n.*: open, [\d.]+ ms \(probe 2\)\n/);
  assertMatch(out.stdout, /open +2\/2 open, 0% loss, min\/avg\/max .+ ms \/ .+ ms \/ .+ ms$/m);
});

Deno.test("check --count stops with a clear line when stdout closes early (| head)", async () => {
  using p = ports(0);
  const out = await bash(
    `${TCPKIT_SH} check 127.0.0.1:${p.closed} -c 50 --interval 10ms | head -n 1; ` +
      `echo "exit \${PIPESTATUS[0]}" >&2`,
  );
  assertMatch(out.stdout, /^127\.0\.0\.1:\d+: closed \(probe 1\)\n$/);
  assertMatch(out.stderr, /^tcpkit: output closed early \(broken pipe\) after \d+ B\nexit 1\n$/);
});

Deno.test("check --count of a list and a range sums up each port's probes", async () => {
  using p = ports(1);
  const out = await tcpkit([
    "check",
    `127.0.0.1:${p.open[0]},${p.closed}`,
    `127.0.0.1:${p.closed}-${p.closed}`,
    "-c",
    "2",
    "--interval",
    "10ms",
    "-v",
  ]);
  assertEquals(out.code, 1);
  assertMatch(out.stdout, /^127\.0\.0\.1:\d+,\d+: 1 open, 1 closed\n/m);
  assertMatch(
    out.stdout,
    new RegExp(`^  ${p.open[0]} +open +2/2 open, 0% loss, min/avg/max `, "m"),
  );
  assertMatch(
    out.stdout,
    new RegExp(`^  ${p.closed} +closed +0/2 open, 100% loss, no answer$`, "m"),
  );
  assertMatch(out.stdout, /^127\.0\.0\.1:(\d+)-\1: 1 closed$/m);
  assertMatch(out.stdout, /^3 ports on 1 host in .+: 1 open, 2 closed$/m);
  // Lines for each probe are printed for HOST:PORT targets only.
  assert(!out.stdout.includes("(probe"));
});

Deno.test("check scans the whole port space of 127.0.0.1 without false timeouts", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", "127.0.0.1:1-65535", "--json"]);
  const results = out.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(results.length, 65535);
  assertEquals(results.filter((r) => r.state === "timeout").length, 0);
  assertEquals(results.find((r) => r.port === p.open[0]).state, "open");
});

Deno.test("check usage errors exit 2", async () => {
  for (
    const args of [
      ["check"],
      ["check", "localhost"],
      ["check", "localhost:1-0"],
      ["check", "localhost:80", "--count", "0"],
      ["check", "localhost:80", "--timeout", "fast"],
      ["check", "localhost:80", "--idle-timeout", "1s"],
    ]
  ) {
    const out = await tcpkit(args);
    assertEquals(out.code, 2, args.join(" "));
    assertMatch(out.stderr, /^tcpkit: .+\nTry "tcpkit check --help"\.\n$/);
  }
});
