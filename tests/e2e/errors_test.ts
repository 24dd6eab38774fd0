/** Every error a user can cause: one line starting with "tcpkit: ", the contract's exit code. */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { type Output, run, Running, Server, TCPKIT, tcpkit, waitForListener } from "./_cli.ts";
import { Netns, whyNetnsUnavailable } from "./_netns.ts";

/** One error line (plus an optional usage hint), never a stack trace. */
function assertOneLineError(out: Output, code: number, pattern: RegExp): void {
  assertEquals(out.code, code, out.stderr);
  assertEquals(out.stdout, "");
  const lines = out.stderr.trimEnd().split("\n");
  assertMatch(lines[0], pattern);
  assert(lines.length === 1 || (code === 2 && lines.length === 2), out.stderr);
  assert(!/Uncaught|^\s+at /m.test(out.stderr), out.stderr);
}

Deno.test("connect to a closed port exits 1: connection refused", async () => {
  const out = await tcpkit(["connect", "127.0.0.1:1"]);
  assertOneLineError(out, 1, /^tcpkit: cannot connect to 127\.0\.0\.1:1: connection refused$/);
});

Deno.test("serve on a port in use exits 1: address already in use", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const out = await tcpkit(["serve", `127.0.0.1:${listener.addr.port}`]);
  assertOneLineError(
    out,
    1,
    /^tcpkit: cannot listen on 127\.0\.0\.1:\d+: address already in use; choose another port/,
  );
});

/**
 * A port whose connects hang: a listener with a full accept queue drops further SYNs. Its
 * process ends when the test disposes of it.
 */
async function hangingPort(): Promise<{ port: string } & AsyncDisposable> {
  const script = `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); held.append(c)
time.sleep(0.2)
print(port, flush=True)
sys.stdin.read()
`;
  const py = new Running(["python3", "-c", script], { stdin: true });
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  return { port, [Symbol.asyncDispose]: () => py[Symbol.asyncDispose]() };
}

Deno.test("connect --timeout and greet --timeout give up on a server that never answers, exit 4", async () => {
  await using hanging = await hangingPort();
  for (const command of ["connect", "greet"]) {
    const out = await tcpkit([command, `127.0.0.1:${hanging.port}`, "--timeout", "300ms"]);
    assertOneLineError(
      out,
      4,
      /^tcpkit: cannot connect to 127\.0\.0\.1:\d+: timed out after 300 ms$/,
    );
  }
});

Deno.test("greet to a closed port exits 1: connection refused", async () => {
  const out = await tcpkit(["greet", "127.0.0.1:1"]);
  assertOneLineError(out, 1, /^tcpkit: cannot connect to 127\.0\.0\.1:1: connection refused/);
});

Deno.test("connect --idle-timeout ends a silent connection and exits 4", async () => {
  await using server = await Server.start(["127.0.0.1:0"], { stdin: true });
  await using client = new Running(
    [
      ...(await import("./_cli.ts")).TCPKIT,
      "connect",
      `127.0.0.1:${server.port}`,
      "--idle-timeout",
      "0.3",
    ],
    { stdin: true },
  );
  const out = await client.result();
  assertOneLineError(out, 4, /^tcpkit: idle timeout: no data either way for 300 ms; closed /);
});

Deno.test("connect exits 1 when the server resets the connection", async () => {
  const script = `
import socket, struct
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.recv(10)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
`;
  await using py = new Running(["python3", "-c", script]);
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  await using client = new Running(
    [...(await import("./_cli.ts")).TCPKIT, "connect", `127.0.0.1:${port}`],
    { stdin: true },
  );
  await client.write("hello");
  const out = await client.result();
  assertOneLineError(
    out,
    1,
    /^tcpkit: connection to 127\.0\.0\.1:\d+: connection reset by peer; 5 B sent, the rest of the input was not delivered$/,
  );
});

Deno.test("usage errors exit 2 with one line and a hint", async (t) => {
  const cases: [string[], RegExp][] = [
    [["serve", "70000"], /^tcpkit: invalid port "70000": expected an integer from 0 to 65535$/],
    [["connect", "127.0.0.1:0"], /^tcpkit: invalid port "0": expected an integer from 1 to 65535$/],
    [["connect", "localhost", "htp"], /^tcpkit: invalid port "htp"/],
    [["connect", "::1:80"], /^tcpkit: invalid address "::1:80": put an IPv6 address in brackets/],
    [["serve", "9000", "--bogus"], /^tcpkit: unknown option "--bogus" for "serve"$/],
    [["serve", "9000", "--echo", "--sink"], /^tcpkit: conflicting modes --echo and --sink/],
    [["serve", "9000", "--sink", "--reply", "x"], /^tcpkit: conflicting modes --sink and --reply/],
    [
      ["connect", "h:1", "--timeout", "soon"],
      /^tcpkit: invalid --timeout "soon": expected a positive duration/,
    ],
    [
      ["connect", "h:1", "--idle-timeout", "-1s"],
      /^tcpkit: option "--idle-timeout" needs a value/,
    ],
    [["connect", "h:1", "--idle-timeout=-1s"], /^tcpkit: invalid --idle-timeout "-1s"/],
    [["connect", "h:1", "--send", "--verbose"], /^tcpkit: option "--send" needs a value/],
    [["connect"], /^tcpkit: missing target/],
    [["connect", "127.0.0.1", "1e0"], /^tcpkit: invalid port "1e0"/],
    [["connect", "127.0.0.1", "0x1"], /^tcpkit: invalid port "0x1"/],
    [["constructor"], /^tcpkit: unknown command "constructor"/],
    [["help", "toString"], /^tcpkit: unknown command "toString"/],
    [["connect", "h:1", "--timeout", "600h"], /^tcpkit: invalid --timeout "600h": at most 24 days/],
    [["check", "h:1", "--concurrency", "1601"], /^tcpkit: invalid --concurrency "1601"/],
    [["check", "h:1", "--interval", "0"], /^tcpkit: invalid --interval "0"/],
    [
      ["serve", "9000", "--quiet-period", "50ms"],
      /^tcpkit: option "--quiet-period" goes with "--greet"/,
    ],
    [["greet", "h:1", "--idle-timeout", "1s"], /^tcpkit: option "--idle-timeout" is not for greet/],
    [["greet", "h:1", "--name", "a\nb"], /^tcpkit: invalid name "a\\nb"/],
    [["connect", "[::1:80"], /^tcpkit: invalid address "\[::1:80"/],
    [["frobnicate"], /^tcpkit: unknown command "frobnicate"/],
    [[], /^tcpkit: missing command/],
    [["serve", "9000", "--reply"], /^tcpkit: option "--reply" needs a value$/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" ") || "(nothing)", async () => {
      const out = await tcpkit(args);
      assertOneLineError(out, 2, pattern);
      assertMatch(out.stderr, /Try "tcpkit (serve |connect |greet |check )?--help"\.\n$/);
    });
  }
});

Deno.test("--help, COMMAND --help and --version print to stdout and exit 0", async () => {
  const help = await tcpkit(["--help"]);
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /Usage:[^]*tcpkit serve[^]*tcpkit connect[^]*Exit codes/);
  for (const command of ["serve", "connect", "check", "greet"]) {
    const out = await tcpkit([command, "--help"]);
    assertEquals(out.code, 0);
    assertMatch(out.stdout, new RegExp(`^Usage: tcpkit ${command}[^]*Examples:`));
  }
  const version = await tcpkit(["--version"]);
  assertMatch(version.stdout, /^tcpkit \d+\.\d+\.\d+ \(deno 2\.\d+\.\d+, .+\)\n$/);
});

void run;
void waitForListener;

Deno.test("with --json, even a usage error is one JSON object on stderr", async () => {
  const out = await tcpkit(["connect", "127.0.0.1:99999", "--json"]);
  assertEquals(out.code, 2);
  const error = JSON.parse(out.stderr);
  assertEquals([error.event, error.exit_code], ["error", 2]);
  assertMatch(error.message, /^tcpkit: invalid port "99999"/);
});

Deno.test("serve --json reports the error that ends it once", async () => {
  await using server = await Server.start([
    "127.0.0.1:0",
    "--echo",
    "--json",
    "--idle-timeout",
    "300ms",
  ]);
  await using _client = new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true });
  const out = await server.result();
  assertEquals(out.code, 4);
  const errors = out.stderr.trim().split("\n").map((line) => JSON.parse(line))
    .filter((event) => event.event === "error");
  assertEquals(errors.length, 1);
});

// Name resolution, in network namespaces whose resolv.conf names a DNS stub of the test's own
// (tests/e2e/_netns.ts): no query ever reaches this machine's resolver or leaves the machine.
// Each way a lookup fails has its own words, and exit 3.

const netnsSkip = await whyNetnsUnavailable();
if (netnsSkip !== null) {
  console.log(`errors_test.ts: skipping the network-namespace tests: ${netnsSkip}`);
}
const netnsIgnore = netnsSkip !== null;
const netnsSuffix = netnsIgnore ? ` [skipped: ${netnsSkip}]` : "";

/** The names the namespace's DNS stub was asked for, as `NAME TYPE`. */
async function asked(net: Netns): Promise<string[]> {
  return (await net.queries()).map(({ name, type }) => `${name} ${type}`);
}

Deno.test({
  name: `connect to a name that does not resolve exits 3: name not found (netns)${netnsSuffix}`,
  ignore: netnsIgnore,
  async fn() {
    await using net = await Netns.create(); // the stub answers NXDOMAIN to everything
    const out = await net.exec([...TCPKIT, "connect", "no-such-host.invalid", "80"], {
      timeoutMs: 20_000,
    });
    assertOneLineError(
      out,
      3,
      /^tcpkit: cannot resolve host "no-such-host\.invalid": name not found$/,
    );
    assert((await asked(net)).includes("no-such-host.invalid A"), (await asked(net)).join());
  },
});

Deno.test({
  name: `greet and serve with a name that does not resolve exit 3 (netns)${netnsSuffix}`,
  ignore: netnsIgnore,
  async fn() {
    await using net = await Netns.create();
    for (
      const args of [["greet", "no-such-host.invalid:80"], ["serve", "no-such-host.invalid:0"]]
    ) {
      const out = await net.exec([...TCPKIT, ...args], { timeoutMs: 20_000 });
      assertEquals(out.code, 3, `${args.join(" ")}: ${out.stderr}`);
      assertMatch(
        out.stderr,
        /^tcpkit: cannot resolve host "no-such-host\.invalid": .*not (resolved|found)/,
      );
      assert(!/Uncaught|^\s+at /m.test(out.stderr), out.stderr);
    }
    assert((await asked(net)).some((q) => q.startsWith("no-such-host.invalid ")));
  },
});

Deno.test({
  name: `connect says when the DNS server cannot be reached, exit 3 (netns)${netnsSuffix}`,
  ignore: netnsIgnore,
  async fn() {
    // resolv.conf names a loopback address where nothing listens on port 53.
    await using net = await Netns.create({ dns: "unreachable" });
    const out = await net.exec([...TCPKIT, "connect", "db.tcpkit.test:5432"], {
      timeoutMs: 20_000,
    });
    assertOneLineError(
      out,
      3,
      /^tcpkit: cannot resolve host "db\.tcpkit\.test": the DNS server could not be reached$/,
    );
  },
});

Deno.test({
  name: `connect says when the DNS server does not answer in time, exit 3 (netns)${netnsSuffix}`,
  ignore: netnsIgnore,
  async fn() {
    // A stub that hears every query and answers none; resolv.conf gives it 1 s, one attempt.
    await using net = await Netns.create({ dns: "silent" });
    const out = await net.exec([...TCPKIT, "connect", "db.tcpkit.test:5432"], {
      timeoutMs: 20_000,
    });
    assertOneLineError(
      out,
      3,
      /^tcpkit: cannot resolve host "db\.tcpkit\.test": the DNS server did not answer in time$/,
    );
    assert((await asked(net)).includes("db.tcpkit.test A"), (await asked(net)).join());
    assert(out.ms < 8000, `took ${out.ms.toFixed(0)} ms for a 1 s resolver timeout`);
  },
});

Deno.test({
  name: `connect to a name the DNS server knows connects, exit 0 (netns)${netnsSuffix}`,
  ignore: netnsIgnore,
  async fn() {
    // The same namespace set-up, answering: the failures above are the resolver's, not tcpkit's.
    await using net = await Netns.create({ dns: { answers: { "echo.tcpkit.test": "127.0.0.1" } } });
    await using server = net.spawn([...TCPKIT, "serve", "127.0.0.1:0", "--echo"]);
    const port = (await server.stderr.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
    const out = await net.exec([...TCPKIT, "connect", `echo.tcpkit.test:${port}`, "--send", "hi"], {
      timeoutMs: 20_000,
    });
    assertEquals([out.code, out.stdout], [0, "hi"], out.stderr);
    assert((await asked(net)).includes("echo.tcpkit.test A"), (await asked(net)).join());
  },
});
