/**
 * check end to end on loopback: open, closed, ranges, lists, the order given, shared probes,
 * --targets, --send and --banner, JSON, Prometheus, repeats and Ctrl-C. (Name lookups are in
 * check_dns_test.ts, in a namespace with a DNS server of its own; subnets, unreachable hosts and
 * self-connects in check_netns_test.ts; certificates and STARTTLS in check_tls_test.ts.)
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { bash, Running, Server, TCPKIT, tcpkit, TCPKIT_SH, tempDir } from "./_cli.ts";
import { Netns, whyNetnsUnavailable } from "./_netns.ts";
import { parseExposition } from "../check/_prometheus.ts";

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

// deno-lint-ignore no-explicit-any
type Json = any;

function jsonLines(stdout: string): Json[] {
  return stdout.trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

function resultsOf(stdout: string): Json[] {
  return jsonLines(stdout).filter((o) => o.event === "result");
}

Deno.test("check reports open ports with their latency and exits 0", async () => {
  using p = ports(2);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, `127.0.0.1:${p.open[1]}`]);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^TARGET +STATE +LATENCY$/m);
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${p.open[0]} +open +[\\d.]+ ms$`, "m"));
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${p.open[1]} +open +[\\d.]+ ms$`, "m"));
  assertMatch(out.stdout, /^2 ports on 1 host in .+: 2 open$/m);
  assertEquals(out.stderr, "");
});

Deno.test("check exits 1 when one HOST:PORT target is closed", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, `127.0.0.1:${p.closed}`]);
  assertEquals(out.code, 1);
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${p.closed} +closed$`, "m"));
});

Deno.test("check rejects a host that only looks like an address (999.1.1.1) before any lookup", async () => {
  const out = await tcpkit(["check", "999.1.1.1:80"]);
  assertEquals(out.code, 2);
  assertMatch(out.stderr, /^tcpkit: invalid host "999\.1\.1\.1": an IPv4 address is four numbers/m);
});

Deno.test("check of a range shows the open ports, lined up under the header, and counts the rest", async () => {
  using p = ports(1);
  const first = p.open[0] - 5;
  const out = await tcpkit([
    "check",
    `127.0.0.1:${first}-${p.open[0] + 5}`,
    `127.0.0.1:${p.closed}`,
  ]);
  assertEquals(out.code, 1, out.stdout);
  assertMatch(out.stdout, new RegExp(`^127\\.0\\.0\\.1:${first}-\\d+: 1 open, 10 closed$`, "m"));
  const lines = out.stdout.split("\n");
  const header = lines[0];
  const row = lines.find((line) => line.startsWith(`  ${p.open[0]} `))!;
  assertMatch(row, new RegExp(`^  ${p.open[0]} +open +[\\d.]+ ms$`));
  assertEquals(row.indexOf("open"), header.indexOf("STATE"));
  assertEquals(row.search(/[\d.]+ ms$/), header.indexOf("LATENCY"));
  const single = lines.find((line) => line.startsWith(`127.0.0.1:${p.closed} `))!;
  assertEquals(single.indexOf("closed"), header.indexOf("STATE"));
  assert(!/closed\s*$/m.test(lines.filter((l) => l.startsWith("  ")).join("\n")));
});

Deno.test("check of a list with no open port exits 1; with one it exits 0", async () => {
  using p = ports(1);
  const none = await tcpkit(["check", `127.0.0.1:${p.closed},${p.closed}`]);
  assertEquals(none.code, 1);
  const one = await tcpkit(["check", `127.0.0.1:${p.closed},${p.open[0]}`]);
  assertEquals(one.code, 0);
});

Deno.test("check shows the targets in the order given, a repeated one as often as given", async () => {
  using p = ports(2);
  const [a, b] = p.open;
  const out = await tcpkit([
    "check",
    `127.0.0.1:${b}`,
    `127.0.0.1:${p.closed}`,
    `127.0.0.1:${a}`,
    `127.0.0.1:${b}`,
    "--json",
  ]);
  assertEquals(out.code, 1);
  assertEquals(resultsOf(out.stdout).map((r) => [r.port, r.state]), [
    [b, "open"],
    [p.closed, "closed"],
    [a, "open"],
    [b, "open"],
  ]);
});

Deno.test("check probes an address and port once, whatever the number of targets naming it", async () => {
  // A listener of the test's own counts the connections it is given. Once tcpkit has exited,
  // a last connection of the test's marks the end: the ones accepted before it are tcpkit's.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const out = await tcpkit([
    "check",
    `127.0.0.1:${port}`,
    "127.0.0.1",
    String(port),
    `127.0.0.1:${port - 1}-${port + 1}`,
    `127.0.0.1:${port},${port - 1}`,
    "--json",
  ]);
  assertEquals(out.code, 0, out.stderr);
  const results = resultsOf(out.stdout);
  assertEquals(results.filter((r) => r.port === port).map((r) => r.state), [
    "open",
    "open",
    "open",
    "open",
  ]);
  const marker = await Deno.connect({ hostname: "127.0.0.1", port });
  const markerPort = (marker.localAddr as Deno.NetAddr).port;
  let accepted = 0;
  for (;;) {
    const conn = await listener.accept();
    const from = (conn.remoteAddr as Deno.NetAddr).port;
    conn.close();
    if (from === markerPort) break;
    accepted++;
  }
  marker.close();
  assertEquals(accepted, 1, "connections tcpkit made to the port named four times");
});

Deno.test("check takes service names for ports, and HOST PORT as two words", async () => {
  const out = await tcpkit(["check", "127.0.0.1:ssh,http", "127.0.0.1", "https", "--json"]);
  assertEquals(resultsOf(out.stdout).map((r) => [r.target, r.peer, r.port]), [
    ["127.0.0.1:ssh,http", "127.0.0.1:22", 22],
    ["127.0.0.1:ssh,http", "127.0.0.1:80", 80],
    ["127.0.0.1 https", "127.0.0.1:443", 443],
  ]);
});

Deno.test("check --json: a result per port with the other commands' fields, then a summary", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]},${p.closed}`, "--json"]);
  assertEquals(out.code, 0, out.stderr);
  const lines = jsonLines(out.stdout);
  assertEquals(lines.length, 3);
  const [open, closed, summary] = lines;
  assertEquals(
    [open.event, open.target, open.peer, open.host, open.port, open.address, open.state],
    [
      "result",
      `127.0.0.1:${p.open[0]},${p.closed}`,
      `127.0.0.1:${p.open[0]}`,
      "127.0.0.1",
      p.open[0],
      "127.0.0.1",
      "open",
    ],
  );
  assert(open.latency_ms >= 0 && open.connect_ms === open.latency_ms);
  assertEquals(closed, {
    event: "result",
    target: `127.0.0.1:${p.open[0]},${p.closed}`,
    peer: `127.0.0.1:${p.closed}`,
    host: "127.0.0.1",
    port: p.closed,
    address: "127.0.0.1",
    state: "closed",
  });
  assertEquals(summary.event, "summary");
  assertEquals([summary.ports, summary.hosts, summary.probes, summary.exit_code], [2, 1, 2, 0]);
  assertEquals([summary.counts.open, summary.counts.closed, summary.counts.timeout], [1, 1, 0]);
  assert(summary.elapsed_ms > 0 && summary.interrupted === false);
});

Deno.test("check --count repeats each probe and reports min/avg/max, stddev, p95 and loss", async () => {
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
  const lines = jsonLines(out.stdout);
  const probes = lines.filter((l) => l.event === "probe");
  assertEquals(probes.map((l) => [l.seq, l.port]), [
    [1, p.open[0]],
    [1, p.closed],
    [2, p.open[0]],
    [2, p.closed],
    [3, p.open[0]],
    [3, p.closed],
  ]);
  const results = lines.filter((l) => l.event === "result");
  const open = results.find((s) => s.port === p.open[0]);
  const closed = results.find((s) => s.port === p.closed);
  assertEquals([open.probes, open.open, open.loss_pct, open.states], [3, 3, 0, { open: 3 }]);
  assert(open.min_ms <= open.avg_ms && open.avg_ms <= open.max_ms);
  assert(open.min_ms <= open.p95_ms && open.p95_ms <= open.max_ms && open.stddev_ms >= 0);
  assertEquals(open.phases.connect.count, 3);
  assertEquals([closed.loss_pct, closed.min_ms, closed.avg_ms, closed.max_ms, closed.p95_ms], [
    100,
    null,
    null,
    null,
    null,
  ]);
  assertEquals(lines.at(-1).event, "summary");
  assertEquals([lines.at(-1).rounds, lines.at(-1).probes], [3, 6]);
});

Deno.test("check --count prints each probe and a summary for people", async () => {
  using p = ports(1);
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, "-c", "2", "--interval", "10ms"]);
  assertEquals(out.code, 0);
  assertMatch(out.stdout, /: open, [\d.]+ ms \(probe 1\)\n.*: open, [\d.]+ ms \(probe 2\)\n/);
  assertMatch(
    out.stdout,
    /open +2\/2 open, 0% loss, min\/avg\/max .+ ms \/ .+ ms \/ .+ ms, stddev .+ ms, p95 .+ ms$/m,
  );
});

Deno.test("check --count prints each round's probe lines in the order given, not as they end", async () => {
  // The first target answers --send only at its timeout; the second at once.
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const hold = (async () => {
    for await (const conn of silent) conns.push(conn);
  })();
  const answer = (async () => {
    for await (const conn of echo) {
      conns.push(conn);
      const buf = new Uint8Array(16);
      const n = await conn.read(buf).catch(() => null);
      if (n) await conn.write(buf.subarray(0, n)).catch(() => {});
    }
  })();
  const out = await tcpkit([
    "check",
    `127.0.0.1:${silent.addr.port}`,
    `127.0.0.1:${echo.addr.port}`,
    "--send",
    "x",
    "--timeout",
    "200ms",
    "-c",
    "2",
    "--interval",
    "10ms",
  ]);
  silent.close();
  echo.close();
  conns.forEach((conn) => conn.close());
  await Promise.allSettled([hold, answer]);
  const probes = out.stdout.split("\n").filter((line) => line.includes("(probe"));
  assertEquals(probes.map((line) => line.replace(/:.*\(/, " (")), [
    `127.0.0.1 (probe 1)`,
    `127.0.0.1 (probe 1)`,
    `127.0.0.1 (probe 2)`,
    `127.0.0.1 (probe 2)`,
  ]);
  assertEquals(probes.map((line) => Number(line.split(":")[1])), [
    silent.addr.port,
    echo.addr.port,
    silent.addr.port,
    echo.addr.port,
  ]);
  assertMatch(probes[0], /: timeout, [\d.]+ ms; no answer within 200 ms to --send \(probe 1\)$/);
  assertMatch(probes[1], /: open, [\d.]+ ms; first byte [\d.]+ ms \(probe 1\)$/);
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
    new RegExp(`^  ${p.closed} +closed +0/2 open, 100% loss, closed \\(refused\\)$`, "m"),
  );
  assertMatch(out.stdout, /^127\.0\.0\.1:(\d+)-\1: 1 closed$/m);
  assertMatch(out.stdout, /^3 ports on 1 host in .+: 1 open, 2 closed$/m);
  // Lines for each probe are printed for HOST:PORT targets only.
  assert(!out.stdout.includes("(probe"));
});

Deno.test("check --count on Ctrl-C prints the summary so far and exits 130", async () => {
  using p = ports(1);
  const target = `127.0.0.1:${p.open[0]}`;
  await using text = new Running([
    ...TCPKIT,
    "check",
    target,
    "--count",
    "100",
    "--interval",
    "50ms",
  ]);
  await text.stdout.waitFor(/\(probe 3\)/);
  text.kill("SIGINT");
  const out = await text.result(10_000);
  assertEquals(out.code, 130, out.stderr);
  assertEquals(out.stderr, "");
  const probes = Number(out.stdout.match(/\(probe (\d+)\)\n(?!.*\(probe)/s)![1]);
  assert(probes >= 3 && probes < 100, out.stdout);
  assertMatch(
    out.stdout,
    new RegExp(
      `^127\\.0\\.0\\.1:${p.open[0]} +open +${probes}/${probes} open, 0% loss, min/avg/max `,
      "m",
    ),
  );
  assertMatch(
    out.stdout,
    new RegExp(
      `^interrupted after ${probes} of 100 rounds: 1 of 1 port probed on 1 host in .+: 1 open$`,
      "m",
    ),
  );

  await using json = new Running([
    ...TCPKIT,
    "check",
    target,
    "-c",
    "100",
    "--interval",
    "50ms",
    "--json",
  ]);
  await json.stdout.waitFor(/"seq":2/);
  json.kill("SIGINT");
  const result = await json.result(10_000);
  assertEquals(result.code, 130, result.stderr);
  const lines = jsonLines(result.stdout);
  const summary = lines.at(-1);
  assertEquals([summary.event, summary.interrupted, summary.exit_code], ["summary", true, 130]);
  const port = lines.find((l) => l.event === "result");
  assert(port.probes >= 2 && port.probes === summary.rounds, result.stdout);
});

Deno.test("check --targets reads a file, and - reads stdin: comments, blank lines, repeats", async () => {
  using p = ports(2);
  await using dir = await tempDir();
  const file = `${dir.path}/targets.txt`;
  await Deno.writeTextFile(
    file,
    `# web\n127.0.0.1:${p.open[1]}\n\n  127.0.0.1 ${p.open[0]}  # two words\n` +
      `127.0.0.1:${p.open[1]}\n127.0.0.1:${p.closed}\n`,
  );
  const out = await tcpkit(["check", `127.0.0.1:${p.open[0]}`, "--targets", file, "--json"]);
  assertEquals(out.code, 1, out.stderr);
  // The command line's first, then the file's in its order, a pair repeated in it kept once.
  assertEquals(resultsOf(out.stdout).map((r) => [r.target, r.state]), [
    [`127.0.0.1:${p.open[0]}`, "open"],
    [`127.0.0.1:${p.open[1]}`, "open"],
    [`127.0.0.1 ${p.open[0]}`, "open"],
    [`127.0.0.1:${p.closed}`, "closed"],
  ]);
  const stdin = await tcpkit(["check", "--targets", "-", "--json"], {
    stdin: `127.0.0.1:${p.open[0]}\n# nothing else\n`,
  });
  assertEquals(stdin.code, 0, stdin.stderr);
  assertEquals(resultsOf(stdin.stdout).map((r) => r.port), [p.open[0]]);

  await Deno.writeTextFile(file, `127.0.0.1:${p.open[0]}\n\nnot a target\n`);
  const bad = await tcpkit(["check", "--targets", file]);
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /^tcpkit: .*targets\.txt line 3: /);
  const missing = await tcpkit(["check", "--targets", `${dir.path}/none.txt`]);
  assertEquals(missing.code, 2);
  assertMatch(missing.stderr, /^tcpkit: cannot read --targets file ".*none\.txt": no such file\n/);
  // A file without end is refused at its first line's bound, and the hint is check's.
  const zero = await tcpkit(["check", "--targets", "/dev/zero"], { timeoutMs: 20_000 });
  assertEquals([zero.code, zero.stderr], [
    2,
    "tcpkit: /dev/zero line 1: longer than 64 KiB; expected one HOST:PORT (or HOST PORT) a " +
    'line\nTry "tcpkit check --help".\n',
  ]);
});

Deno.test("check --send times the answer's first byte; a silent server times out, with why", async () => {
  using echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of echo) {
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      if (n) await conn.write(buf.subarray(0, n));
      conn.close();
      break;
    }
  })();
  const holding = (async () => {
    for await (const conn of silent) {
      held.push(conn);
      break;
    }
  })();
  const out = await tcpkit([
    "check",
    `127.0.0.1:${echo.addr.port}`,
    `127.0.0.1:${silent.addr.port}`,
    "--send",
    "ping\n",
    "--timeout",
    "300ms",
    "--json",
  ]);
  await serving;
  await holding;
  held.forEach((conn) => conn.close());
  assertEquals(out.code, 1, out.stderr);
  const [answered, quiet] = resultsOf(out.stdout);
  assertEquals(answered.state, "open");
  assert(answered.first_byte_ms >= 0 && answered.connect_ms >= 0, JSON.stringify(answered));
  assertEquals([quiet.state, quiet.reason], ["timeout", "no answer within 300 ms to --send"]);
  assert(quiet.connect_ms >= 0 && !("first_byte_ms" in quiet));
});

Deno.test("check --banner times a server's greeting", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("SSH-2.0-test\r\n"));
    await conn.read(new Uint8Array(16)).catch(() => null);
    conn.close();
  })();
  const out = await tcpkit(["check", `127.0.0.1:${listener.addr.port}`, "--banner"]);
  await serving;
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^127\.0\.0\.1:\d+ +open +[\d.]+ ms; first byte [\d.]+ ms$/m);
});

Deno.test("check --format prometheus is a valid exposition (also to Prometheus's own parser)", async () => {
  using p = ports(1);
  const out = await tcpkit([
    "check",
    `127.0.0.1:${p.open[0]},${p.closed}`,
    "127.0.0.1:1-3",
    "--format",
    "prometheus",
  ]);
  // The range has no open port: exit 1.
  assertEquals(out.code, 1, out.stderr);
  const { samples } = parseExposition(out.stdout);
  const success = samples.filter((s) => s.name === "tcpkit_check_success");
  assertEquals(success.map((s) => [s.labels.port, s.value]), [
    [String(p.open[0]), 1],
    [String(p.closed), 0],
    ["1", 0],
    ["2", 0],
    ["3", 0],
  ]);
  const connect = samples.find((s) =>
    s.name === "tcpkit_check_phase_seconds" && s.labels.phase === "connect" &&
    s.labels.quantile === "0.95"
  );
  assert(connect && connect.value > 0 && connect.value < 1, JSON.stringify(connect));
  assertEquals(samples.find((s) => s.name === "tcpkit_check_exit_code")?.value, 1);
  await assertPrometheusClientParses(out.stdout);
});

/**
 * Parses the text with the official Python client's parser (Debian's python3-prometheus-client),
 * where installed: another reading of the format than the test's own.
 */
async function assertPrometheusClientParses(text: string): Promise<void> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const probe = await bash(`${python} -c 'import prometheus_client' 2>/dev/null`);
    if (probe.code !== 0) continue;
    const out = await bash(
      `${python} -c 'import sys
from prometheus_client.parser import text_string_to_metric_families
n = sum(len(f.samples) for f in text_string_to_metric_families(sys.stdin.read()))
print(n)'`,
      { stdin: text },
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(Number(out.stdout.trim()), parseExposition(text).samples.length);
    return;
  }
  console.log("  (python3-prometheus-client is not installed: only the test's own parser ran)");
}

// The scan runs in a network namespace of its own: on a shared machine, another program's listener
// that comes and goes during the scan would be an open port with no listener before or after.
const netnsMissing = await whyNetnsUnavailable();
Deno.test({
  name: "check scans the whole port space of 127.0.0.1: no false timeouts, no self-connects",
  ignore: netnsMissing !== null,
  async fn() {
    await using ns = await Netns.create();
    await using server = await Server.spawn([
      "ip",
      "netns",
      "exec",
      ns.name,
      ...TCPKIT,
      "serve",
      "127.0.0.1:0",
      "-k",
      "--sink",
    ]);
    const listening = async () => {
      const out = await ns.bash("cat /proc/net/tcp /proc/net/tcp6");
      const found = new Set<number>();
      for (
        const m of out.stdout.matchAll(/^\s*\d+: [0-9A-F]+:([0-9A-F]{4}) [0-9A-F]+:0000 0A /gm)
      ) {
        found.add(parseInt(m[1], 16));
      }
      return [...found].sort((a, b) => a - b);
    };
    const before = await listening();
    const out = await ns.exec([...TCPKIT, "check", "127.0.0.1:1-65535", "--json"]);
    assertEquals(await listening(), before);
    const results = resultsOf(out.stdout);
    assertEquals(results.length, 65535);
    assertEquals(results.filter((r) => r.state === "timeout").length, 0);
    // Exactly the ports with a listener are open: a self-connect, where nothing listens, is closed.
    const open = results.filter((r) => r.state === "open").map((r) => r.port);
    assertEquals(open, before);
    assert(open.includes(server.port));
  },
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
      ["check", "localhost:80", "--warn-days", "30"],
      ["check", "localhost:80", "--send", "x", "--banner"],
      ["check", "localhost:80", "--format", "xml"],
      ["check", "localhost:80", "--targets", ""],
      ["check", "localhost:80", "--tls", "--starttls", "smtp"],
      ["check", "localhost:80", "--starttls", "http"],
      ["check", "localhost:80", "--ca", "x.pem"],
    ]
  ) {
    const out = await tcpkit(args);
    assertEquals(out.code, 2, args.join(" "));
    assertMatch(out.stderr, /^tcpkit: .+\nTry "tcpkit check --help"\.\n$/, args.join(" "));
  }
});

Deno.test("check --json --format prometheus is a usage error, told in JSON", async () => {
  const out = await tcpkit(["check", "localhost:80", "--json", "--format", "prometheus"]);
  assertEquals(out.code, 2);
  assertEquals(JSON.parse(out.stderr), {
    event: "error",
    message: 'tcpkit: conflicting options "--json" and "--format prometheus": choose one',
    exit_code: 2,
  });
});

Deno.test("check refuses an IPv6 prefix too large, saying how many addresses it has", async () => {
  const out = await tcpkit(["check", "[fd00::]/96:22"]);
  assertEquals(out.code, 2);
  assertMatch(
    out.stderr,
    /^tcpkit: too many addresses in "fd00::\/96": 4294967296, more than the limit of 65536/,
  );
});
