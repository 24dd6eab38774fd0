/** serve end to end, with nc, socat and python3 as the clients. */
import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  bash,
  freePort,
  lingeringClient,
  type Output,
  run,
  Running,
  Server,
  TCPKIT,
  tcpkit,
  TCPKIT_SH,
  tempDir,
  waitForListener,
} from "./_cli.ts";

Deno.test("serve writes what an nc client sends to stdout and sends stdin back", async () => {
  await using server = await Server.start(["127.0.0.1:0"], { stdin: true });
  await server.write("from-server");
  await server.closeStdin();
  const client = await bash(`printf 'from-client' | nc -N 127.0.0.1 ${server.port}`);
  assertEquals(client.stdout, "from-server");
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "from-client");
});

/**
 * A client (python3) that half-closes at once, then reads what the server sends: `pauseS` seconds
 * after every `everyBytes`, or resets the connection once it has read `resetAfter` bytes. It
 * prints the byte count and the SHA-256 of what it read.
 */
const HALF_CLOSING_SLOW_CLIENT = `import hashlib, socket, struct, sys, time
port, every, pause, reset_after = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
c.connect(("127.0.0.1", port)); c.shutdown(socket.SHUT_WR)
h = hashlib.sha256(); total = 0; mark = every
while True:
    d = c.recv(65536)
    if not d: break
    h.update(d); total += len(d)
    if reset_after and total >= reset_after:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close(); break
    if total >= mark:
        mark += every; time.sleep(pause)
print(total, h.hexdigest(), flush=True)`;

function halfClosingSlowClient(
  port: number,
  options: { everyBytes: number; pauseS: number; resetAfter?: number },
): Promise<Output> {
  return run([
    "python3",
    "-c",
    HALF_CLOSING_SLOW_CLIENT,
    String(port),
    String(options.everyBytes),
    String(options.pauseS),
    String(options.resetAfter ?? 0),
  ]);
}

Deno.test("serve sends all of stdin to a client that half-closes first and reads slowly", async () => {
  await using dir = await tempDir();
  await bash(`head -c 16777216 /dev/urandom > ${dir.path}/down`);
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 < ${dir.path}/down`,
  ]);
  const client = await halfClosingSlowClient(server.port, { everyBytes: 4 << 20, pauseS: 0.5 });
  const sent = (await bash(`sha256sum < ${dir.path}/down | cut -d' ' -f1`)).stdout.trim();
  assertEquals(client.stdout.trim(), `16777216 ${sent}`);
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
});

Deno.test("serve exits 1 saying stdin was not delivered when its client resets", async () => {
  await using dir = await tempDir();
  await bash(`head -c 16777216 /dev/zero > ${dir.path}/down`);
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 < ${dir.path}/down`,
  ]);
  await halfClosingSlowClient(server.port, { everyBytes: 1 << 30, pauseS: 0, resetAfter: 1 << 20 });
  const out = await server.result();
  assertEquals(out.code, 1, out.stderr);
  assertMatch(
    out.stderr,
    /^tcpkit: connection from 127\.0\.0\.1:\d+: (connection reset by peer|the peer stopped reading \(broken pipe\)); .* sent, the rest of the input was not delivered$/m,
  );
});

Deno.test("serve announces the address it really bound when asked for port 0", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  assert(server.port > 0);
  assertMatch(
    server.stderr.text,
    new RegExp(`^tcpkit: listening on 127\\.0\\.0\\.1:${server.port}$`, "m"),
  );
});

Deno.test("serve PORT alone listens on all interfaces, IPv4 and IPv6", async () => {
  await using server = await Server.start(["0", "--echo", "-k"]);
  assertMatch(server.stderr.text, /listening on \[::\]:\d+ \(all interfaces, IPv4 and IPv6\)/);
  const v4 = await tcpkit(["connect", `127.0.0.1:${server.port}`, "--send", "v4"]);
  const v6 = await tcpkit(["connect", `[::1]:${server.port}`, "--send", "v6"]);
  const named = await tcpkit(["connect", `localhost:${server.port}`, "--send", "name"]);
  assertEquals([v4.stdout, v6.stdout, named.stdout], ["v4", "v6", "name"]);
});

Deno.test("serve --echo round trip through nc -N, then exits 0 after its one client", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  const client = await bash(`printf 'hello\\nworld\\n' | nc -N 127.0.0.1 ${server.port}`);
  assertEquals(client.stdout, "hello\nworld\n");
  assertEquals((await server.result()).code, 0);
});

Deno.test("serve without -k serves one client and refuses the next", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  await using first = new Running([...TCPKIT, "connect", `127.0.0.1:${server.port}`], {
    stdin: true,
  });
  await first.write("one");
  await first.stdout.waitFor(/one/);
  const second = await tcpkit(["connect", `127.0.0.1:${server.port}`, "--send", "two"]);
  assertEquals(second.code, 1);
  assertMatch(second.stderr, /connection refused/);
  await first.closeStdin();
  assertEquals((await first.result()).code, 0);
});

Deno.test("serve --echo -k serves clients concurrently", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  // Three clients are connected at the same time; each waits for its own echo.
  const clients = [1, 2, 3].map((n) => {
    const client = new Running([...TCPKIT, "connect", `127.0.0.1:${server.port}`], {
      stdin: true,
    });
    return { n, client };
  });
  for (const { n, client } of clients) await client.write(`client ${n}\n`);
  for (const { n, client } of clients) await client.stdout.waitFor(new RegExp(`client ${n}`));
  for (const { client } of clients) await client.closeStdin();
  for (const { n, client } of clients) {
    const out = await client.result();
    assertEquals([out.code, out.stdout], [0, `client ${n}\n`]);
  }
});

Deno.test("serve -k sends stdin to every connected client", async () => {
  await using server = await Server.start(["127.0.0.1:0", "-k", "-v"], { stdin: true });
  const a = new Running(["nc", "127.0.0.1", String(server.port)]);
  const b = new Running(["nc", "127.0.0.1", String(server.port)]);
  await server.stderr.waitFor(/connection from[^]*connection from/);
  await server.write("to everyone\n");
  await a.stdout.waitFor(/to everyone/);
  await b.stdout.waitFor(/to everyone/);
  await server.closeStdin(); // the end of stdin half-closes every client
  assertEquals((await a.result()).stdout, "to everyone\n");
  assertEquals((await b.result()).stdout, "to everyone\n");
});

Deno.test("serve --sink discards the data and reports bytes and rate", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--sink"]);
  const client = await bash(`head -c 3000000 /dev/zero | nc -N 127.0.0.1 ${server.port}`);
  assertEquals(client.code, 0);
  const out = await server.result();
  assertEquals(out.stdout, "");
  assertMatch(out.stderr, /closed 127\.0\.0\.1:\d+: received 2\.86 MiB in .+ \(.+\/s\)/);
});

Deno.test("serve --sink --json reports each connection as one JSON object", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--sink", "--json"]);
  await bash(`head -c 1000 /dev/zero | nc -N 127.0.0.1 ${server.port}`);
  const out = await server.result();
  const events = out.stderr.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(events.map((e) => e.event), ["listening", "accepted", "closed"]);
  assertEquals(events[2].bytes_received, 1000);
  assert(typeof events[2].rate_bytes_per_s === "number");
});

Deno.test("serve --reply shows the client's address and data, answers, and closes (seed 004)", async () => {
  await using server = await Server.start([
    "127.0.0.1:0",
    "--reply",
    "the server has received data",
  ]);
  // The seed's client: connect, send Hello, recv(1024), print, close.
  const client = await run([
    "python3",
    "-c",
    `import socket
s = socket.socket(); s.connect(("127.0.0.1", ${server.port}))
s.send("Hello".encode("utf-8")); print(s.recv(1024).decode("utf-8")); s.close()`,
  ]);
  assertEquals(client.stdout, "the server has received data\n");
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^127\.0\.0\.1:\d+: Hello\n$/);
});

Deno.test("serve --reply escapes control bytes it shows", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--reply", "ok"]);
  const client = await bash(`printf 'a\\033[2Jb\\000' | nc -N 127.0.0.1 ${server.port}`);
  assertEquals(client.stdout, "ok");
  const out = await server.result();
  assertMatch(out.stdout, /: a\\x1b\[2Jb\\x00\n$/);
});

Deno.test("serve receives from a socat client and sends to it, byte for byte", async () => {
  await using dir = await tempDir();
  await bash(
    `head -c 10000000 /dev/urandom > ${dir.path}/up; head -c 10000000 /dev/urandom > ${dir.path}/down`,
  );
  await using server = await Server.spawn([
    "bash",
    "-c",
    `${TCPKIT_SH} serve 127.0.0.1:0 < ${dir.path}/down > ${dir.path}/up.got`,
  ]);
  const client = await bash(
    `socat -t 10 TCP:127.0.0.1:${server.port} - < ${dir.path}/up > ${dir.path}/down.got`,
  );
  assertEquals(client.code, 0, client.stderr);
  assertEquals((await server.result()).code, 0);
  const sums = await bash(`cd ${dir.path} && sha256sum up up.got down down.got | awk '{print $1}'`);
  const [up, upGot, down, downGot] = sums.stdout.trim().split("\n");
  assertEquals([upGot, downGot], [up, down]);
});

Deno.test("serve --idle-timeout closes a silent client and exits 4", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo", "--idle-timeout", "300ms"]);
  await using _client = new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true });
  const out = await server.result();
  assertEquals(out.code, 4);
  assertMatch(
    out.stderr,
    /^tcpkit: idle timeout: no data either way for 300 ms; closed 127\.0\.0\.1:\d+$/m,
  );
});

Deno.test("serve stays up with -k when a client resets, and reports it", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--sink", "-k"]);
  await run([
    "python3",
    "-c",
    `import socket, struct
s = socket.socket(); s.connect(("127.0.0.1", ${server.port})); s.send(b"x" * 1000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()`,
  ]);
  const after = await bash(`printf 'still here' | nc -N 127.0.0.1 ${server.port}`);
  assertEquals(after.code, 0);
  await server.stderr.waitFor(/received 10 B/);
  server.kill("SIGTERM");
  const out = await server.result();
  assertEquals(out.code, 0);
  assert(!/Uncaught/.test(out.stderr), out.stderr);
});

/**
 * A client (python3) that sends 1,000 bytes and resets the connection, once the server's log
 * says (`accepted`) that it took it: a reset in the backlog never reaches the server.
 */
async function resetOnceAccepted(server: Server, accepted: RegExp): Promise<void> {
  await using client = new Running([
    "python3",
    "-c",
    `import socket, struct, sys
s = socket.socket(); s.connect(("127.0.0.1", ${server.port})); sys.stdin.readline()
s.send(b"x" * 1000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()`,
  ], { stdin: true });
  await server.stderr.waitFor(accepted);
  await client.write("go\n");
  await client.result();
}

Deno.test("serve -k reports a client's reset as one line about that client", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--sink", "-k", "-v"]);
  await resetOnceAccepted(server, /connection from 127\.0\.0\.1:\d+\n/);
  await server.stderr.waitFor(
    /^tcpkit: connection from 127\.0\.0\.1:\d+: connection reset by peer$/m,
  );
  server.kill("SIGTERM");
  const out = await server.result();
  assertEquals(out.code, 0);
  assertMatch(out.stderr, /tcpkit: stopped: 1 connection, received /);
});

Deno.test("serve -k --json reports a client's reset as an error event, and goes on", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--sink", "-k", "--json"]);
  await resetOnceAccepted(server, /"event":"accepted"/);
  await server.stderr.waitFor(/"event":"error"/);
  server.kill("SIGTERM");
  const out = await server.result();
  assertEquals(out.code, 0);
  const events = out.stderr.trim().split("\n").map((line) => JSON.parse(line));
  const error = events.find((e) => e.event === "error");
  assertMatch(error.peer, /^127\.0\.0\.1:\d+$/);
  assertEquals(
    error.message,
    `tcpkit: connection from ${error.peer}: connection reset by peer`,
  );
  assertEquals(error.bytes_sent, 0);
  assert(error.bytes_received <= 1000);
  assertEquals(events.at(-1).event, "stopped");
});

Deno.test("serve --json reports each --reply client's data, and the totals when stopped", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--reply", "ok", "-k", "--json"]);
  const client = await bash(`printf 'Hello' | nc -N 127.0.0.1 ${server.port}`);
  assertEquals(client.stdout, "ok");
  await server.stderr.waitFor(/"event":"closed"/);
  server.kill("SIGTERM");
  const out = await server.result();
  assertEquals(out.code, 0);
  const events = out.stderr.trim().split("\n").map((line) => JSON.parse(line));
  const data = events.find((e) => e.event === "data");
  assertEquals([data.bytes, data.data], [5, "Hello"]);
  assertMatch(data.peer, /^127\.0\.0\.1:\d+$/);
  const stopped = events.at(-1);
  assertEquals(stopped, { event: "stopped", connections: 1, bytes_sent: 2, bytes_received: 5 });
});

Deno.test("serve --reply shows a first message of several KiB whole", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--reply", "ok"]);
  const client = await lingeringClient(server.port, "x".repeat(3000), 0);
  assertEquals(client.stdout, "ok");
  const out = await server.result();
  assertEquals(out.code, 0);
  assertMatch(out.stdout, /^127\.0\.0\.1:\d+: x{3000}\n$/);
});

Deno.test("serve --reply --idle-timeout does not cut off an answered client while it closes", async () => {
  await using server = await Server.start([
    "127.0.0.1:0",
    "--reply",
    "ok",
    "--idle-timeout",
    "300ms",
  ]);
  const client = await lingeringClient(server.port, "hi", 1000);
  assertEquals(client.stdout, "ok");
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^127\.0\.0\.1:\d+: hi\n$/);
});

Deno.test("serve -v --reply says how much each client sent", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--reply", "ok", "-v"]);
  await bash(`printf 'Hello' | nc -N 127.0.0.1 ${server.port}`);
  const out = await server.result();
  assertEquals(out.code, 0);
  assertMatch(out.stderr, /^tcpkit: 127\.0\.0\.1:\d+ sent 5 B$/m);
  assertMatch(out.stderr, /^tcpkit: closed 127\.0\.0\.1:\d+: sent 2 B, received 5 B in /m);
});

Deno.test("serve with stdin at a terminal ends the connection when the client closes", async () => {
  const port = freePort();
  // `script` gives tcpkit a terminal for stdin; our pipe into script stays open and silent.
  // `--foreground` keeps tcpkit in the terminal's foreground process group, whichever shell
  // script starts: in a background group its read of the terminal would stop it (SIGTTIN).
  await using server = new Running(
    [
      "script",
      "-qfec",
      `timeout --foreground 10 ${TCPKIT_SH} serve 127.0.0.1:${port}`,
      "/dev/null",
    ],
    { stdin: true },
  );
  await waitForListener(port);
  const client = await bash(`printf 'bye' | nc -N 127.0.0.1 ${port}`, { timeoutMs: 10_000 });
  assertEquals(client.code, 0);
  const out = await server.result(10_000);
  assertEquals(out.code, 0);
  assertMatch(out.stdout, /bye/);
});

Deno.test("serve -k keeps stdin's bytes for the next client when one idles out", async () => {
  await using server = await Server.start(["127.0.0.1:0", "-k", "--idle-timeout", "1s"], {
    stdin: true,
  });
  await using first = new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true });
  await server.stderr.waitFor(/idle timeout/);
  await server.write("A");
  await using second = new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true });
  await second.stdout.waitFor(/A/);
  await server.write("B");
  await second.stdout.waitFor(/AB/);
  assertEquals(second.stdout.text, "AB");
  await first.closeStdin();
});

Deno.test("serve exits 1 with one clear line when its stdout closes early (| head)", async () => {
  await using server = await Server.spawn([
    "bash",
    "-c",
    `${TCPKIT_SH} serve 127.0.0.1:0 | head -c 10 > /dev/null; echo "exit \${PIPESTATUS[0]}" >&2`,
  ]);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new Uint8Array(1024 * 1024)).catch(() => 0);
  const out = await server.result(10_000);
  conn.close();
  assertMatch(out.stderr, /^tcpkit: output closed early \(broken pipe\)/m);
  assertMatch(out.stderr, /^exit 1$/m);
  assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
});
