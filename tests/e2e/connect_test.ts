/** connect end to end, against peers nobody here wrote: nc, socat, python3. */
import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  bash,
  freePort,
  Running,
  Server,
  TCPKIT,
  tcpkit,
  TCPKIT_SH,
  tempDir,
  waitForListener,
} from "./_cli.ts";

Deno.test("connect sends stdin to nc -l, half-closes, and prints everything nc sends", async () => {
  const port = freePort();
  await using nc = new Running(["bash", "-c", `printf 'from-server' | nc -l 127.0.0.1 ${port}`]);
  await waitForListener(port);
  const out = await tcpkit(["connect", "127.0.0.1", String(port)], { stdin: "from-client" });
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "from-server");
  assertEquals((await nc.result()).stdout, "from-client");
});

Deno.test("connect --send sends exactly the text and reads the reply to completion", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  const out = await tcpkit(["connect", `127.0.0.1:${server.port}`, "--send", "a b\tc"]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "a b\tc");
});

Deno.test("connect reads until the server closes, after its own half-close (python server)", async () => {
  // The server reads to EOF (our half-close), and only then answers and closes.
  const port = freePort();
  const script = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", ${port})); s.listen(1)
c, _ = s.accept(); got = b""
while True:
    d = c.recv(65536)
    if not d: break
    got += d
c.sendall(b"len=%d" % len(got)); c.close()
`;
  await using py = new Running(["python3", "-c", script]);
  await waitForListener(port);
  const out = await tcpkit(["connect", `127.0.0.1:${port}`], { stdin: "x".repeat(100_000) });
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "len=100000");
  assertEquals((await py.result()).code, 0);
});

Deno.test("connect sends on after the server's close until stdin ends, then exits", async () => {
  // nc -N half-closes once it has sent "bye", and reads on: the server's FIN ends only its own
  // direction, so connect keeps the connection up for stdin's bytes, however late they come.
  const port = freePort();
  await using nc = new Running(["bash", "-c", `printf 'bye' | nc -N -l 127.0.0.1 ${port}`]);
  await waitForListener(port);
  await using client = new Running([...TCPKIT, "connect", `127.0.0.1:${port}`], { stdin: true });
  await client.stdout.waitFor(/bye/);
  await client.write("late");
  await client.closeStdin();
  const out = await client.result(10_000);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "bye");
  assertEquals((await nc.result()).stdout, "late");
});

/**
 * A server (python3) that half-closes at once, then reads slowly: `pauseS` seconds after every
 * `everyBytes`, or resets the connection once it has read `resetAfter` bytes. It prints the byte
 * count and the SHA-256 of what it read.
 */
const HALF_CLOSING_SLOW_READER = `import hashlib, socket, struct, sys, time
port, every, pause, reset_after = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.bind(("127.0.0.1", port)); s.listen(1)
print("ready", flush=True)
c, _ = s.accept(); c.shutdown(socket.SHUT_WR)
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

function halfClosingSlowReader(
  port: number,
  options: { everyBytes: number; pauseS: number; resetAfter?: number },
): Running {
  return new Running([
    "python3",
    "-c",
    HALF_CLOSING_SLOW_READER,
    String(port),
    String(options.everyBytes),
    String(options.pauseS),
    String(options.resetAfter ?? 0),
  ]);
}

Deno.test("connect delivers all of stdin to a server that half-closes first and reads slowly", async () => {
  await using dir = await tempDir();
  await bash(`head -c 16777216 /dev/urandom > ${dir.path}/up`);
  const port = freePort();
  await using server = halfClosingSlowReader(port, { everyBytes: 4 << 20, pauseS: 0.5 });
  await server.stdout.waitFor(/ready/);
  const out = await bash(`${TCPKIT_SH} connect 127.0.0.1:${port} -v < ${dir.path}/up`);
  assertEquals(out.code, 0, out.stderr);
  const got = (await server.result()).stdout.trim().split("\n").at(-1);
  const sent = (await bash(`sha256sum < ${dir.path}/up | cut -d' ' -f1`)).stdout.trim();
  assertEquals(got, `16777216 ${sent}`);
  assertMatch(out.stderr, /sent 16 MiB/);
});

Deno.test("connect sends a producer's data after a pause, though the server closed its side", async () => {
  await using dir = await tempDir();
  const port = freePort();
  await using server = halfClosingSlowReader(port, { everyBytes: 1 << 30, pauseS: 0 });
  await server.stdout.waitFor(/ready/);
  const out = await bash(
    `{ head -c 1000000 /dev/urandom; sleep 0.8; head -c 1000000 /dev/urandom; } | ` +
      `tee ${dir.path}/up | ${TCPKIT_SH} connect 127.0.0.1:${port}`,
  );
  assertEquals(out.code, 0, out.stderr);
  const got = (await server.result()).stdout.trim().split("\n").at(-1);
  const sent = (await bash(`sha256sum < ${dir.path}/up | cut -d' ' -f1`)).stdout.trim();
  assertEquals(got, `2000000 ${sent}`);
});

Deno.test("connect exits 1 saying the input was not delivered when the server resets mid-upload", async () => {
  await using dir = await tempDir();
  await bash(`head -c 16777216 /dev/zero > ${dir.path}/up`);
  const port = freePort();
  await using server = halfClosingSlowReader(port, {
    everyBytes: 1 << 30,
    pauseS: 0,
    resetAfter: 1 << 20,
  });
  await server.stdout.waitFor(/ready/);
  const out = await bash(`${TCPKIT_SH} connect 127.0.0.1:${port} < ${dir.path}/up`);
  assertEquals(out.code, 1, out.stderr);
  assertMatch(
    out.stderr,
    /^tcpkit: (sending to|connection to) 127\.0\.0\.1:\d+: (connection reset by peer|the peer stopped reading \(broken pipe\)); .* sent, the rest of the input was not delivered$/m,
  );
  await server.result();
});

Deno.test("connect keeps sending a flowing stdin after the server half-closes", async () => {
  // socat's server side half-closes at once (its stdin is empty) but goes on reading.
  await using dir = await tempDir();
  const port = freePort();
  await using socat = new Running([
    "bash",
    "-c",
    `socat -u TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr OPEN:${dir.path}/got,creat`,
  ]);
  await waitForListener(port);
  const out = await bash(
    `head -c 20000000 /dev/urandom | tee ${dir.path}/sent | ${TCPKIT_SH} connect 127.0.0.1:${port}`,
  );
  assertEquals(out.code, 0, out.stderr);
  await socat.result();
  const sums = await bash(`cd ${dir.path} && sha256sum sent got | awk '{print $1}'`);
  const [sent, got] = sums.stdout.trim().split("\n");
  assertEquals(got, sent);
});

Deno.test("connect takes HOST PORT and bracketed IPv6 HOST:PORT", async () => {
  await using server = await Server.start(["[::1]:0", "--echo", "-k"]);
  const a = await tcpkit(["connect", "[::1]:" + server.port, "--send", "six"]);
  const b = await tcpkit(["connect", "::1", String(server.port), "--send", "four"]);
  assertEquals([a.code, a.stdout, b.code, b.stdout], [0, "six", 0, "four"]);
});

Deno.test("connect -v reports where, how fast, and the byte counts on stderr only", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  const out = await tcpkit(["connect", `127.0.0.1:${server.port}`, "-v", "--send", "12345"]);
  assertEquals(out.stdout, "12345");
  assertMatch(out.stderr, /^tcpkit: connected to 127\.0\.0\.1:\d+ in [\d.]+ ms$/m);
  assertMatch(
    out.stderr,
    /^tcpkit: closed 127\.0\.0\.1:\d+: sent 5 B, received 5 B in .+\(.+\/s\)$/m,
  );
});

Deno.test("connect --json reports JSON Lines on stderr and nothing else there", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  const out = await tcpkit(["connect", `127.0.0.1:${server.port}`, "--json", "--send", "abc"]);
  assertEquals(out.stdout, "abc");
  const events = out.stderr.trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(events.map((e) => e.event), ["connected", "closed"]);
  assertEquals(events[0].peer, `127.0.0.1:${server.port}`);
  assert(events[0].connect_ms >= 0);
  assertEquals([events[1].bytes_sent, events[1].bytes_received], [3, 3]);
});

Deno.test("connect moves data both ways at once through socat, byte for byte", async () => {
  await using dir = await tempDir();
  const port = freePort();
  await bash(
    `head -c 8000000 /dev/urandom > ${dir.path}/up; head -c 8000000 /dev/urandom > ${dir.path}/down`,
  );
  await using socat = new Running([
    "bash",
    "-c",
    `socat -t 5 TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr SYSTEM:'cat ${dir.path}/down; cat > ${dir.path}/up.got'`,
  ]);
  await waitForListener(port);
  const out = await bash(
    `${TCPKIT_SH} connect 127.0.0.1:${port} < ${dir.path}/up > ${dir.path}/down.got`,
  );
  assertEquals(out.code, 0, out.stderr);
  await socat.result();
  const sums = await bash(
    `cd ${dir.path} && sha256sum up up.got down down.got | awk '{print $1}'`,
  );
  const [up, upGot, down, downGot] = sums.stdout.trim().split("\n");
  assertEquals([upGot, downGot], [up, down]);
});

Deno.test("connect exits 0 quietly when stdout's reader goes away (| head), as nc does", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  const out = await bash(
    `head -c 5000000 /dev/zero | ${TCPKIT_SH} connect 127.0.0.1:${server.port} | head -c 10 | wc -c; ` +
      `echo "exit \${PIPESTATUS[1]}" >&2`,
  );
  assertEquals(out.stdout.trim(), "10");
  assertEquals(out.stderr, "exit 0\n");
});

Deno.test("connect -v says that stdout's reader went away, and still exits 0", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  const out = await bash(
    `head -c 5000000 /dev/zero | ${TCPKIT_SH} connect -v 127.0.0.1:${server.port} | head -c 10 ` +
      `> /dev/null; echo "exit \${PIPESTATUS[1]}" >&2`,
  );
  assertMatch(out.stderr, /^tcpkit: output closed early \(broken pipe\) after .*; stopped$/m);
  assertMatch(out.stderr, /^exit 0$/m);
  assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
});

Deno.test("connect exits when stdout closes early, even while stdin keeps flowing", async () => {
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 < /dev/zero > /dev/null`,
  ]);
  const out = await bash(
    `yes | ${TCPKIT_SH} connect 127.0.0.1:${server.port} | head -c 5 | wc -c`,
    { timeoutMs: 15_000 },
  );
  assertEquals(out.stdout.trim(), "5");
  server.kill("SIGTERM");
});
