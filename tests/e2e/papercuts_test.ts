/**
 * Issue 14, "the first ten minutes": each paper cut a new user met, as a test of the real CLI.
 *
 * Bug 2 (check's "no route to host") and Ctrl-C on `check --count` belong to check's own tests
 * (check_test.ts, check_netns_test.ts); the name-resolution tests that must not leave the machine
 * are in errors_test.ts, in network namespaces.
 */
import { assert, assertEquals, assertMatch, assertNotMatch } from "@std/assert";
import {
  bash,
  has,
  lingeringClient,
  type Output,
  pythonPeer,
  Running,
  Server,
  synDroppingPort,
  TCPKIT,
  tcpkit,
  TCPKIT_SH,
  tempDir,
  unsafeForTerminal,
} from "./_cli.ts";

/** One error line (plus a usage hint for exit 2), never a stack trace. */
function assertOneLineError(out: Output, code: number, pattern: RegExp): void {
  assertEquals(out.code, code, out.stderr);
  const lines = out.stderr.trimEnd().split("\n");
  assertMatch(lines[0], pattern);
  assert(lines.length === 1 || (code === 2 && lines.length === 2), out.stderr);
  assert(!/Uncaught|^\s+at /m.test(out.stderr), out.stderr);
}

/** How long `running` takes to exit from now, in milliseconds, and its output. */
async function timeExit(running: Running, limitMs = 15_000): Promise<Output & { ms: number }> {
  const started = performance.now();
  const timer = setTimeout(() => running.kill("SIGKILL"), limitMs);
  await running.child.status;
  const ms = performance.now() - started;
  clearTimeout(timer);
  return { ...await running.result(), ms };
}

/**
 * A python peer that resets the connection it accepts once the client's first byte has come: the
 * client is surely connected then (a reset a fixed time after the accept can beat a loaded
 * client's connect, which then fails as a connect rather than as a connection).
 */
function resettingServer(): Promise<Running & { port: number }> {
  return pythonPeer(`
import struct, time
c, _ = s.accept(); c.recv(1)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
time.sleep(30)`);
}

// ---- Bug 1: a connection that ended ends the process, whatever stdin is doing --------------

Deno.test("bug 1: connect exits at its idle timeout while stdin is a quiet pipe left open", async () => {
  await using server = await Server.start(["127.0.0.1:0"], { stdin: true });
  // stdin is a pipe nobody writes to or closes: the stdin reader stays blocked in its read.
  await using client = new Running(
    [...TCPKIT, "connect", `127.0.0.1:${server.port}`, "--idle-timeout", "500ms"],
    { stdin: true },
  );
  await client.stderr.waitFor(/idle timeout/);
  const out = await timeExit(client);
  assertOneLineError(out, 4, /^tcpkit: idle timeout: no data either way for 500 ms; closed /);
  assert(out.ms < 1500, `the process exited ${out.ms.toFixed(0)} ms after the idle-timeout line`);
});

Deno.test("bug 1: connect exits at once when the server resets, while stdin is a quiet pipe", async () => {
  await using peer = await resettingServer();
  await using client = new Running([...TCPKIT, "connect", `127.0.0.1:${peer.port}`], {
    stdin: true,
  });
  // One byte, then the pipe stays open and quiet.
  await client.write("x");
  await client.stderr.waitFor(/reset/);
  const out = await timeExit(client);
  assertOneLineError(out, 1, /^tcpkit: connection to 127\.0\.0\.1:\d+: connection reset by peer/);
  assert(out.ms < 1500, `the process exited ${out.ms.toFixed(0)} ms after reporting the reset`);
});

Deno.test("bug 1: serve without -k exits at its idle timeout while stdin is a quiet pipe", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--idle-timeout", "500ms"], {
    stdin: true,
  });
  using _conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await server.stderr.waitFor(/idle timeout/);
  const out = await timeExit(server);
  assertEquals(out.code, 4, out.stderr);
  assertMatch(out.stderr, /^tcpkit: idle timeout: no data either way for 500 ms; closed /m);
  assert(out.ms < 1500, `the process exited ${out.ms.toFixed(0)} ms after the idle-timeout line`);
});

Deno.test("bug 1: serve without -k exits at once when its client resets, while stdin is a quiet pipe", async () => {
  await using server = await Server.start(["127.0.0.1:0"], { stdin: true });
  await using _client = new Running([
    "python3",
    "-c",
    `import socket, struct, time
c = socket.create_connection(("127.0.0.1", ${server.port})); c.sendall(b"hi"); time.sleep(0.2)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()`,
  ]);
  await server.stderr.waitFor(/reset/);
  const out = await timeExit(server);
  assertEquals(out.code, 1, out.stderr);
  assertMatch(out.stderr, /connection reset by peer/);
  assertEquals(out.stdout, "hi");
  assert(out.ms < 1500, `the process exited ${out.ms.toFixed(0)} ms after reporting the reset`);
});

// ---- Bug 3 and "no help text or message may contain a control byte" ------------------------

Deno.test("bug 3: no help page contains a control byte, DEL, a C1 control or a bidi control", async () => {
  const pages = [
    ["--help"],
    ["-h"],
    ["help"],
    ...["serve", "connect", "greet", "check", "forward"].flatMap((command) => [
      [command, "--help"],
      [command, "-h"],
      ["help", command],
    ]),
    ["--version"],
  ];
  const outs = await Promise.all(pages.map((args) => tcpkit(args)));
  for (const [i, out] of outs.entries()) {
    const what = `tcpkit ${pages[i].join(" ")}`;
    assertEquals(out.code, 0, `${what}: ${out.stderr}`);
    assert(out.stdout.length > 0, `${what} printed nothing`);
    assertEquals(unsafeForTerminal(out.stdout + out.stderr), [], what);
  }
  // greet's page says how control bytes are shown: as text, not as the byte itself.
  assertMatch(outs[pages.findIndex((p) => p.join(" ") === "greet --help")].stdout, /\\x1b/);
});

/** Control characters a hostile or careless command line may carry, each in several places. */
const NASTY = ["\x1b]0;PWNED\x07\r\t", "\u009b31m\x7f", "\u202e\x01"];

Deno.test("no error message echoes a control character from the command line", async () => {
  // Hosts are addresses, or names that fail validation: nothing here looks a name up.
  const cases: string[][] = [];
  for (const bad of NASTY) {
    cases.push(
      [`con${bad}nect`, "127.0.0.1:1"],
      [`--${bad}`],
      [`-${bad}`],
      ["serve", "127.0.0.1:0", `--bo${bad}gus`],
      ["serve", `90${bad}00`],
      ["serve", `127.0.0.1${bad}:0`],
      ["serve", `a${bad}b:0`],
      ["serve", "127.0.0.1:0", "--reply", "x", "--idle-timeout", `1${bad}s`],
      ["serve", "127.0.0.1:0", "--allow", `10.0.0.0${bad}/8`],
      ["serve", "127.0.0.1:0", "--tls", "--cert", `/nonexistent/c${bad}.pem`, "--key", "/none/k"],
      ["serve", `unix:/nonexistent-dir/s${bad}ock`],
      ["connect", `a${bad}b:9`],
      ["connect", `127.0.0.1:9${bad}`],
      ["connect", `a${bad}b`, "9"],
      ["connect", "127.0.0.1", `ht${bad}tp`],
      ["connect", `[::1${bad}]:9`],
      ["connect", `http://a${bad}b/`],
      ["connect", `tls://a${bad}b:9`],
      ["connect", "127.0.0.1:1", "--timeout", `so${bad}on`],
      ["connect", "127.0.0.1:1", `extra${bad}`],
      ["connect", "127.0.0.1:1", "--tls", "--pin", `ab${bad}cd`],
      ["connect", "127.0.0.1:1", "--tls", "--ca", `/nonexistent/ca${bad}.pem`],
      ["connect", "127.0.0.1:1", "--source", `127.0.0${bad}.1`],
      ["connect", `unix:/nonexistent-dir/s${bad}ock`],
      ["connect", "-n", `a${bad}b.example:9`],
      ["greet", "127.0.0.1:1", "--name", `a${bad}b\n`],
      ["greet", "127.0.0.1:1", "--wait", `x${bad}`],
      ["greet", "127.0.0.1:1", "--starttls", `smtp${bad}`],
      ["greet", `a${bad}b:1`],
      ["forward", "127.0.0.1:0", `a${bad}b:1`],
      ["forward", "127.0.0.1:0", "127.0.0.1:1", "--proxy-protocol", `v${bad}`],
      ["check", `a${bad}b:1`],
      ["check", `127.0.0.1:1-${bad}`],
      ["check", "127.0.0.1:1", "--format", `js${bad}on`],
    );
  }
  // Each with --json too: a usage error is then one JSON object, safe for a terminal as well.
  const all = [...cases, ...cases.filter((_, i) => i % 2 === 0).map((args) => [...args, "--json"])];
  const failures: string[] = [];
  for (let i = 0; i < all.length; i += 16) {
    const batch = all.slice(i, i + 16);
    const outs = await Promise.all(batch.map((args) => tcpkit(args, { timeoutMs: 20_000 })));
    for (const [k, out] of outs.entries()) {
      const what = JSON.stringify(batch[k]);
      if (out.code === 0) failures.push(`${what} succeeded`);
      if (!/^(tcpkit: |\{)/.test(out.stderr) || /Uncaught|^\s+at /m.test(out.stderr)) {
        failures.push(`${what}: not one line of tcpkit's: ${JSON.stringify(out.stderr)}`);
      }
      const unsafe = unsafeForTerminal(out.stdout + out.stderr);
      if (unsafe.length > 0) {
        failures.push(`${what}: ${unsafe.join(", ")} in ${JSON.stringify(out.stderr)}`);
      }
    }
  }
  assertEquals(failures, []);
});

// ---- Bug 4: malformed addresses are usage errors with a hint ---------------------------------

Deno.test("bug 4: malformed addresses are usage errors (exit 2) that say what tcpkit takes", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["connect", "127.0.0.1:22", "22"],
      /^tcpkit: invalid host "127\.0\.0\.1:22": give HOST PORT or HOST:PORT, not both$/,
    ],
    [["serve", "*:9000"], /^tcpkit: invalid host "\*": leave HOST out .*: serve 9000$/],
    [
      ["connect", "http://127.0.0.1:8080"],
      /^tcpkit: invalid address "http:\/\/127\.0\.0\.1:8080": tcpkit takes HOST:PORT, not a URL, such as 127\.0\.0\.1:8080$/,
    ],
    [
      ["connect", "https://example.com/"],
      /tcpkit takes HOST:PORT, not a URL; for TLS give tls:\/\/example\.com:443/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const out = await tcpkit(args);
    assertOneLineError(out, 2, pattern);
    assertNotMatch(out.stderr, /FQDN|put an IPv6 address in brackets/);
    assertMatch(out.stderr, /\nTry "tcpkit (connect|serve) --help"\.\n$/);
  }
});

// ---- Bug 5: greet and connect give up on a port that drops SYNs by default -------------------

Deno.test("bug 5: greet gives up connecting after 5 s by default, connect after 10 s (exit 4)", async () => {
  await using hanging = await synDroppingPort();
  const started = performance.now();
  const [greet, connect] = await Promise.all([
    tcpkit(["greet", `127.0.0.1:${hanging.port}`]).then((out) => ({
      ...out,
      ms: performance.now() - started,
    })),
    tcpkit(["connect", `127.0.0.1:${hanging.port}`], { stdin: "" }).then((out) => ({
      ...out,
      ms: performance.now() - started,
    })),
  ]);
  assertOneLineError(
    greet,
    4,
    /^tcpkit: cannot connect to 127\.0\.0\.1:\d+: timed out after 5\.00 s$/,
  );
  assertOneLineError(
    connect,
    4,
    /^tcpkit: cannot connect to 127\.0\.0\.1:\d+: timed out after 10\.00 s$/,
  );
  assert(greet.ms >= 4900 && greet.ms < 8000, `greet took ${greet.ms.toFixed(0)} ms`);
  assert(connect.ms >= 9900 && connect.ms < 13000, `connect took ${connect.ms.toFixed(0)} ms`);
});

// ---- Bug 6: multi-line banners are followed to their last line -------------------------------

Deno.test("bug 6: greet follows a multi-line banner through a pause to its last line", async () => {
  await using peer = await pythonPeer(`
import time
c, _ = s.accept()
c.sendall(b"220-Welcome\\r\\n"); time.sleep(0.3)
c.sendall(b"220-more\\r\\n220 ready ESMTP\\r\\n"); time.sleep(5)`);
  const out = await tcpkit(["greet", `127.0.0.1:${peer.port}`]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "220-Welcome\n220-more\n220 ready ESMTP\n");
  assertMatch(out.stderr, /: protocol smtp\n$/);
});

// ---- Bug 7: greet --json carries the greeting once, CRs and all ------------------------------

Deno.test("bug 7: greet --json carries the greeting exactly once, with its CRs", async () => {
  const greeting = "220 hi \\ there\x1b[1m\u202e\r\n";
  await using peer = await pythonPeer(`
c, _ = s.accept(); c.sendall(${JSON.stringify(greeting)}.encode()); c.close()`);
  const out = await tcpkit(["greet", `127.0.0.1:${peer.port}`, "--json"]);
  assertEquals(out.code, 0, out.stderr);
  const result = JSON.parse(out.stdout);
  assertEquals(result.greeting, greeting);
  assertEquals(result.bytes, new TextEncoder().encode(greeting).length);
  assertEquals(result.greeting_base64, undefined);
  // Escaped for JSON only, and what a terminal would act on as \\uNNNN: nothing raw.
  assertEquals(unsafeForTerminal(out.stdout), []);
});

// ---- Bug 8: a greet session cut by the idle timeout is logged, with its names ----------------

Deno.test("bug 8: serve --greet logs a session cut by the idle timeout with its names", async () => {
  await using server = await Server.start([
    "127.0.0.1:0",
    "--greet",
    "--json",
    "--idle-timeout",
    "400ms",
    "-k",
  ]);
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode("alice\nbob\n"));
  const line = await server.stderr.waitFor(/^\{"event":"session".*$/m);
  const event = JSON.parse(line[0]);
  assertEquals([event.end, event.names, event.shown_names], ["idle-timeout", 2, ["alice", "bob"]]);
  assertEquals(event.peer, `127.0.0.1:${conn.localAddr.port}`);
  // The text log says so too.
  await using text = await Server.start(["127.0.0.1:0", "--greet", "--idle-timeout", "400ms"]);
  using conn2 = await Deno.connect({ hostname: "127.0.0.1", port: text.port });
  await conn2.write(new TextEncoder().encode("carol\n"));
  const out = await text.result();
  assertMatch(
    out.stderr,
    /^tcpkit: 127\.0\.0\.1:\d+: names "carol"; was silent too long \(idle timeout\), and was closed after /m,
  );
});

// ---- Bug 9: serve --reply shows a CRLF request as lines, each with the peer ------------------

Deno.test("bug 9: serve --reply shows a CRLF request as lines, each after the client's address", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--reply", "HTTP/1.0 200 OK\r\n\r\n"]);
  // One write (nc reading printf's pipe may send the request in pieces under load, and the
  // first piece would be the whole "first data").
  const client = await lingeringClient(server.port, "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 0);
  assertEquals(client.stdout, "HTTP/1.0 200 OK\r\n\r\n");
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
  const lines = out.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 3, out.stdout);
  const peer = lines[0].split(" ")[0];
  assertMatch(peer, /^127\.0\.0\.1:\d+:$/);
  assertEquals(lines, [`${peer} GET / HTTP/1.0`, `${peer} Host: x`, peer]);
  assertNotMatch(out.stdout, /\r/);
});

// ---- nc habits get a helpful answer ---------------------------------------------------------

Deno.test("nc habits get the tcpkit way, or a plain word on what tcpkit does not do", async () => {
  const cases: [string[], RegExp][] = [
    [["-l", "9000"], /"tcpkit serve 9000"/],
    [["-l", "-p", "9000"], /"tcpkit serve 9000"/],
    [["-lk", "9000"], /"tcpkit serve 9000 -k"/],
    [["serve", "-l"], /tcpkit serve always listens/],
    [["serve", "-p", "9000"], /"tcpkit serve 9000"/],
    [["127.0.0.1", "22"], /"tcpkit connect 127\.0\.0\.1 22"/],
    [["-z", "127.0.0.1", "22"], /"tcpkit check 127\.0\.0\.1:22"/],
    [["-zv", "127.0.0.1", "20-30"], /"tcpkit check 127\.0\.0\.1:20-30 -v"/],
    [["connect", "127.0.0.1", "22", "-w", "2"], /"--timeout 2s"/],
    [["connect", "127.0.0.1", "22", "-N"], /always half-closes/],
    [["connect", "127.0.0.1", "22", "-q", "1"], /"--idle-timeout 1s"/],
    [["-u", "127.0.0.1", "22"], /"tcpkit connect 127\.0\.0\.1 22 -u"/],
    [["connect", "127.0.0.1", "22", "-e", "/bin/sh"], /does not run programs/],
    [["connect", "127.0.0.1", "22", "-c", "/bin/sh"], /does not run programs/],
    [["connect", "127.0.0.1", "22", "--exec", "/bin/sh"], /does not run programs/],
    [["connect", "127.0.0.1", "22", "--ssl"], /"--tls"/],
    [["connect", "-U", "/tmp/x.sock"], /"tcpkit connect unix:\/tmp\/x\.sock"/],
    [["connect", "127.0.0.1", "22", "-k"], /is for TLS/],
  ];
  const outs = await Promise.all(cases.map(([args]) => tcpkit(args)));
  for (const [i, out] of outs.entries()) {
    const [args, pattern] = cases[i];
    const what = args.join(" ");
    assertEquals(out.code, 2, `${what}: ${out.stderr}`);
    assertMatch(out.stderr.split("\n")[0], pattern, what);
    assertNotMatch(out.stderr, /^tcpkit: unknown option "[^"]*"( for "\w+")?$/m, what);
  }
});

Deno.test("nc habits tcpkit does: -4/-6, -C, -s and -n", async () => {
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k", "--json"]);
  const port = String(echo.port);
  // -4: an IPv4 address is taken; -6 finds no IPv6 address in it.
  const v4 = await tcpkit(["connect", "-4", "127.0.0.1", port, "--send", "four"]);
  assertEquals([v4.code, v4.stdout], [0, "four"], v4.stderr);
  const v6 = await tcpkit(["connect", "-6", "127.0.0.1", port, "--send", "six"]);
  assertOneLineError(v6, 3, /^tcpkit: cannot resolve host "127\.0\.0\.1": no IPv6 address$/);
  // -C: line feeds go out as CRLF.
  const crlf = await tcpkit(["connect", "-C", "127.0.0.1", port, "--send", "a\nb\n"]);
  assertEquals([crlf.code, crlf.stdout], [0, "a\r\nb\r\n"], crlf.stderr);
  // -s: the connection comes from the address given.
  const source = await tcpkit(["connect", "-s", "127.0.0.2", "127.0.0.1", port, "--send", "s"]);
  assertEquals([source.code, source.stdout], [0, "s"], source.stderr);
  await echo.stderr.waitFor(/"event":"accepted","peer":"127\.0\.0\.2:\d+"/);
  // -n: no name lookup, so a name is an error at once (and no DNS query is made).
  const numeric = await tcpkit(["connect", "-n", "localhost", port]);
  assertOneLineError(numeric, 3, /^tcpkit: cannot resolve host "localhost": .*numeric only/);
});

Deno.test("greet and check take HOST PORT as connect does, and service names as ports", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "-k"]);
  const greet = await tcpkit(["greet", "127.0.0.1", String(server.port)]);
  assertEquals(greet.code, 0, greet.stderr);
  assertMatch(greet.stdout, /^Server: Welcome!\n/);
  const check = await tcpkit(["check", "127.0.0.1", String(server.port)]);
  assertEquals(check.code, 0, check.stderr);
  assertMatch(check.stdout, new RegExp(`^127\\.0\\.0\\.1:${server.port} +open`, "m"));
  // A service name is its port: the messages show the number.
  const named = await tcpkit(["greet", "127.0.0.1", "discard", "--timeout", "2s"]);
  assertMatch(named.stderr, /^tcpkit: cannot connect to 127\.0\.0\.1:9: connection refused$/m);
  const checked = await tcpkit(["check", "127.0.0.1:discard"]);
  assertMatch(checked.stdout, /^127\.0\.0\.1:9 +closed/m);
});

// ---- What a user expects: progress, hex dump, labels, broken pipe ---------------------------

/** A tmux server of the test's own (its own socket), with one pane running bash. */
class Tmux implements AsyncDisposable {
  readonly socket = `tcpkit-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;

  async start(): Promise<void> {
    await this.#tmux(["new-session", "-d", "-s", "t", "-x", "200", "-y", "50", "bash --norc"]);
  }

  /** Types `line` and Enter into the pane. */
  async type(line: string): Promise<void> {
    await this.#tmux(["send-keys", "-t", "t", "-l", line]);
    await this.#tmux(["send-keys", "-t", "t", "Enter"]);
  }

  /** The pane's text as it is shown now. */
  async capture(): Promise<string> {
    return (await this.#tmux(["capture-pane", "-p", "-t", "t"])).stdout;
  }

  /** Captures the pane until `pattern` shows (a terminal tells no events but its screen). */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const screen = await this.capture();
      if (pattern.test(screen)) return screen;
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern} on the screen:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async #tmux(args: string[]): Promise<Output> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    if (!out.success) throw new Error(`tmux ${args.join(" ")}: ${decode(out.stderr)}`);
    return { code: out.code, signal: null, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Deno.Command("tmux", { args: ["-L", this.socket, "kill-server"], stderr: "null" })
      .output();
  }
}

/** A python server that reads 64 KiB every 25 ms (2.5 MiB/s) and prints how much it read. */
const SLOW_READER = `
import time
c, _ = s.accept(); c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536); total = 0
while True:
    d = c.recv(65536)
    if not d: break
    total += len(d); time.sleep(0.025)
print("read", total, flush=True)`;

const tmuxSkip = has("tmux") ? "" : " [skipped: tmux is not installed]";

Deno.test({
  name:
    `connect shows a progress line in a terminal, with percent and time left, and clears it${tmuxSkip}`,
  ignore: tmuxSkip !== "",
  async fn() {
    await using dir = await tempDir();
    await bash(`head -c 8388608 /dev/zero > ${dir.path}/up`);
    await using reader = await pythonPeer(SLOW_READER);
    await using tmux = new Tmux();
    await tmux.start();
    await tmux.type(
      `export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1; clear; ${TCPKIT_SH} connect -v ` +
        `127.0.0.1:${reader.port} < ${dir.path}/up > /dev/null; echo "EXIT=$?"`,
    );
    // One line, updated in place: bytes of the total, percent, rate, elapsed, time left.
    const during = await tmux.waitFor(/^sent {2}[\d.]+ \w?i?B \/ 8 MiB {2}\d+% {2}.*left/m);
    assertMatch(during, /\d+(\.\d+)? [KM]iB\/s {2}0:00:0\d elapsed {2}0:00:0\d left/);
    const after = await tmux.waitFor(/^EXIT=\d+$/m);
    assertMatch(after, /^EXIT=0$/m);
    assertMatch((await reader.result()).stdout, /^read 8388608$/m);
    // Cleared at the end; -v's summary stays.
    assertNotMatch(after, /elapsed|left/);
    assertMatch(after, /^tcpkit: closed 127\.0\.0\.1:\d+: sent 8 MiB in /m);
  },
});

Deno.test({
  name: `connect shows no progress line with --json or when stderr is not a terminal${tmuxSkip}`,
  ignore: tmuxSkip !== "",
  async fn() {
    await using dir = await tempDir();
    await bash(`head -c 4194304 /dev/zero > ${dir.path}/up`);
    await using json = await pythonPeer(SLOW_READER);
    await using redirected = await pythonPeer(SLOW_READER);
    await using tmux = new Tmux();
    await tmux.start();
    await tmux.type(
      `export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1; clear; ` +
        `${TCPKIT_SH} connect --json 127.0.0.1:${json.port} < ${dir.path}/up; echo "JSON=$?"; ` +
        `${TCPKIT_SH} connect 127.0.0.1:${redirected.port} < ${dir.path}/up ` +
        `2> ${dir.path}/stderr; echo "FILE=$?"`,
    );
    // While the first runs (two seconds or so), the screen never shows a progress line.
    let screen = "";
    while (!/^JSON=\d+$/m.test(screen)) {
      screen = await tmux.capture();
      assertNotMatch(screen, /elapsed/);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    screen = await tmux.waitFor(/^FILE=\d+$/m);
    assertMatch(screen, /^JSON=0$/m);
    assertMatch(screen, /^FILE=0$/m);
    assertMatch(screen, /^\{"event":"connected"/m);
    assertEquals(await Deno.readTextFile(`${dir.path}/stderr`), "");
  },
});

/** A python server that sends `tick N` lines, ten a second for 2.5 s, then closes. */
const TICKER = `
import time
c, _ = s.accept()
for i in range(25):
    c.sendall(b"tick %d\\n" % i); time.sleep(0.1)
c.close()`;

/** The screen's lines, without the trailing blank ones. */
function screenLines(screen: string): string[] {
  return screen.trimEnd().split("\n");
}

Deno.test({
  name:
    `connect in a terminal shows the server's lines alone: no progress glued to them${tmuxSkip}`,
  ignore: tmuxSkip !== "",
  async fn() {
    await using ticker = await pythonPeer(TICKER);
    await using tmux = new Tmux();
    await tmux.start();
    // stdin and stdout are the terminal: a person reads what comes, as it comes.
    await tmux.type(
      `export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1; clear; ${TCPKIT_SH} connect ` +
        `127.0.0.1:${ticker.port}; echo "EXIT=$?"`,
    );
    const screen = await tmux.waitFor(/^EXIT=\d+$/m);
    assertMatch(screen, /^EXIT=0$/m);
    const ticks = screenLines(screen).filter((line) => line.includes("tick"));
    assertEquals(ticks, Array.from({ length: 25 }, (_, i) => `tick ${i}`), screen);
    assertNotMatch(screen, /elapsed/);
  },
});

Deno.test({
  name: `connect uploading a file shows the server's reply alone on a terminal${tmuxSkip}`,
  ignore: tmuxSkip !== "",
  async fn() {
    await using dir = await tempDir();
    await bash(`head -c 16777216 /dev/zero > ${dir.path}/up`);
    // A reader of 10 MiB/s (the upload takes more than the progress line's first second), which
    // answers with what it read once it has read it all.
    await using reader = await pythonPeer(`
import time
c, _ = s.accept(); total = 0
while True:
    d = c.recv(262144)
    if not d: break
    total += len(d); time.sleep(0.025)
c.sendall(b"read %d\\n" % total); c.close()`);
    await using tmux = new Tmux();
    await tmux.start();
    await tmux.type(
      `export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1; clear; ${TCPKIT_SH} connect ` +
        `127.0.0.1:${reader.port} < ${dir.path}/up; echo "EXIT=$?"`,
    );
    const screen = await tmux.waitFor(/^EXIT=\d+$/m);
    assertMatch(screen, /^EXIT=0$/m);
    // stdout is the terminal: no progress line, neither during nor glued to the reply after.
    assertMatch(screen, /^read 16777216\nEXIT=0$/m);
    assertNotMatch(screen, /elapsed|left/);
  },
});

Deno.test({
  name: `connect's progress line is cleared before the hex dump writes under it${tmuxSkip}`,
  ignore: tmuxSkip !== "",
  async fn() {
    await using ticker = await pythonPeer(TICKER);
    await using tmux = new Tmux();
    await tmux.start();
    // stdout is not the terminal: the progress line is shown, and -x writes to the same stderr.
    await tmux.type(
      `export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1; clear; ${TCPKIT_SH} connect -x ` +
        `127.0.0.1:${ticker.port} < /dev/null > /dev/null; echo "EXIT=$?"`,
    );
    const screen = await tmux.waitFor(/^EXIT=\d+$/m);
    assertMatch(screen, /^EXIT=0$/m);
    const dumped = screenLines(screen).filter((line) => line.includes("74 69 63 6b"));
    assertEquals(dumped.length, 25, screen);
    for (const line of dumped) assertMatch(line, /^< 127\.0\.0\.1:\d+ [0-9a-f]{8} {2}74 69/);
    assertNotMatch(screen, /elapsed/);
  },
});

Deno.test("connect -x dumps each direction's bytes as hex and ASCII on stderr", async () => {
  await using echo = await Server.start(["127.0.0.1:0", "--echo"]);
  const out = await tcpkit([
    "connect",
    `127.0.0.1:${echo.port}`,
    "-x",
    "--send",
    "Hello, world!\r\n\x1b[0m",
  ]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "Hello, world!\r\n\x1b[0m");
  const peer = `127.0.0.1:${echo.port}`;
  for (const mark of [">", "<"]) {
    assert(
      out.stderr.includes(
        `${mark} ${peer} 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0d 0a 1b  ` +
          `|Hello, world!...|\n${mark} ${peer} 00000010  5b 30 6d`,
      ),
      out.stderr,
    );
  }
  // The dump is text: no byte of the data reaches the terminal raw.
  assertEquals(unsafeForTerminal(out.stderr), []);
  // serve -x dumps too, marked from its side.
  await using server = await Server.start(["127.0.0.1:0", "--echo", "-x"]);
  const client = await tcpkit(["connect", `127.0.0.1:${server.port}`, "--send", "ping"]);
  assertEquals(client.stdout, "ping");
  const served = await server.result();
  assertMatch(served.stderr, /^< 127\.0\.0\.1:\d+ 00000000 {2}70 69 6e 67 +\|ping\|$/m);
  assertMatch(served.stderr, /^> 127\.0\.0\.1:\d+ 00000000 {2}70 69 6e 67 +\|ping\|$/m);
});

Deno.test("serve -k --label shows who said what: each client's lines after its address", async () => {
  await using server = await Server.start(["127.0.0.1:0", "-k", "--label"], { stdin: true });
  using a = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  using b = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const encoder = new TextEncoder();
  await a.write(encoder.encode("hello from a, "));
  await b.write(encoder.encode("hi from b\nand\x1b[2J more\n"));
  await server.stdout.waitFor(/more\n/);
  await a.write(encoder.encode("in two pieces\n"));
  await server.stdout.waitFor(/pieces\n/);
  const A = `127.0.0.1:${a.localAddr.port}`;
  const B = `127.0.0.1:${b.localAddr.port}`;
  assertEquals(
    server.stdout.text,
    `${B}: hi from b\n${B}: and\\x1b[2J more\n${A}: hello from a, in two pieces\n`,
  );
});

Deno.test("connect | head -c 100 exits 0 quietly, as nc does; -v says why it stopped", async () => {
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 -k < /dev/zero > /dev/null`,
  ]);
  const quiet = await bash(
    `${TCPKIT_SH} connect 127.0.0.1:${server.port} < /dev/null | head -c 100 | wc -c; ` +
      `echo "exit \${PIPESTATUS[0]}" >&2`,
    { timeoutMs: 20_000 },
  );
  assertEquals(quiet.stdout.trim(), "100");
  assertEquals(quiet.stderr, "exit 0\n");
  const verbose = await bash(
    `${TCPKIT_SH} connect -v 127.0.0.1:${server.port} < /dev/null | head -c 100 > /dev/null; ` +
      `echo "exit \${PIPESTATUS[0]}" >&2`,
    { timeoutMs: 20_000 },
  );
  assertMatch(verbose.stderr, /^tcpkit: output closed early \(broken pipe\) after .*; stopped$/m);
  assertMatch(verbose.stderr, /^exit 0$/m);
});
