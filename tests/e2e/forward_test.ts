/** forward end to end: nc, socat, python3 and tcpkit as clients and backends. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { parseProxyHeader } from "../../lib/protocol/proxy.ts";
import { makeTestCertificates } from "../_certs.ts";
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

const BIG = 256 * 1024 * 1024;

/** `tcpkit forward 127.0.0.1:0 ARGS...`, ready once it says where it forwards. */
function startForward(args: string[]): Promise<Server> {
  return Server.spawn([...TCPKIT, "forward", "127.0.0.1:0", ...args]);
}

/** Extracts the JSON events of a stderr. */
function events(stderr: string): Record<string, unknown>[] {
  return stderr.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

async function sha256(path: string): Promise<string> {
  return (await bash(`sha256sum < '${path}' | cut -d' ' -f1`)).stdout.trim();
}

Deno.test("forward carries 256 MiB each way between nc and socat, byte for byte", async () => {
  await using dir = await tempDir();
  await bash(
    `head -c ${BIG} /dev/urandom > ${dir.path}/up; head -c ${BIG} /dev/urandom > ${dir.path}/down`,
  );
  const backend = freePort();
  await using socat = new Running([
    "bash",
    "-c",
    `exec socat TCP-LISTEN:${backend},bind=127.0.0.1,reuseaddr SYSTEM:'cat ${dir.path}/down; cat > ${dir.path}/up.got'`,
  ]);
  await waitForListener(backend);
  await using forward = await startForward([`127.0.0.1:${backend}`]);
  const client = await bash(
    `nc -N 127.0.0.1 ${forward.port} < ${dir.path}/up > ${dir.path}/down.got`,
  );
  assertEquals(client.code, 0, client.stderr);
  await socat.result();
  assertEquals(await sha256(`${dir.path}/up.got`), await sha256(`${dir.path}/up`));
  assertEquals(await sha256(`${dir.path}/down.got`), await sha256(`${dir.path}/down`));
});

Deno.test("forward honours half-close each way: the backend answers after the client's FIN", async () => {
  await using backend = await Server.start(["127.0.0.1:0"], { stdin: true });
  await using forward = await startForward([`127.0.0.1:${backend.port}`]);
  await using client = new Running([...TCPKIT, "connect", `127.0.0.1:${forward.port}`], {
    stdin: true,
  });
  await client.write("question");
  await client.closeStdin(); // FIN from the client through the forwarder
  await backend.stdout.waitFor(/question/);
  await backend.write("answer after your FIN");
  await backend.closeStdin(); // and the backend's FIN back
  const out = await client.result();
  assertEquals([out.code, out.stdout], [0, "answer after your FIN"], out.stderr);
});

Deno.test("forward logs one line per connection: client, target, bytes each way, how it ended", async () => {
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await startForward([`127.0.0.1:${echo.port}`]);
  const out = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "12345"]);
  assertEquals(out.stdout, "12345");
  const line = await forward.stderr.waitFor(
    new RegExp(
      `^tcpkit: 127\\.0\\.0\\.1:\\d+: -> 127\\.0\\.0\\.1:${echo.port}: client to target 5 B, target to client 5 B in .*; closed$`,
      "m",
    ),
  );
  assert(line);
});

Deno.test("forward --json logs each connection as a closed event with serve's field names", async () => {
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await startForward([`127.0.0.1:${echo.port}`, "--json"]);
  await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "abc"]);
  await forward.stderr.waitFor(/"event":"closed"/);
  const closed = events(forward.stderr.text).find((e) => e.event === "closed")!;
  assertEquals(closed.target, `127.0.0.1:${echo.port}`);
  assertEquals([closed.bytes_sent, closed.bytes_received, closed.end], [3, 3, "closed"]);
  assertMatch(String(closed.peer), /^127\.0\.0\.1:\d+$/);
});

Deno.test("forward resets a client whose target refuses, logs it, and stays up", async () => {
  const dead = freePort();
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await startForward([`127.0.0.1:${dead}`]);
  const refused = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "x"]);
  assertEquals(refused.stdout, "");
  assertEquals(refused.code, 1, refused.stderr); // a reset, not a clean end
  await forward.stderr.waitFor(
    new RegExp(
      `cannot forward 127\\.0\\.0\\.1:\\d+ to 127\\.0\\.0\\.1:${dead}: connection refused`,
    ),
  );
  // Still accepting.
  await using second = await startForward([`127.0.0.1:${echo.port}`]);
  const ok = await tcpkit(["connect", `127.0.0.1:${second.port}`, "--send", "ok"]);
  assertEquals(ok.stdout, "ok");
  const again = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "y"]);
  assertEquals(again.code, 1);
  assertMatch(again.stderr, /reset/);
});

Deno.test("forward fails over to the next target when one refuses", async () => {
  const dead = freePort();
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await startForward([`127.0.0.1:${dead}`, `127.0.0.1:${echo.port}`]);
  const out = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "failover"]);
  assertEquals(out.stdout, "failover");
  await forward.stderr.waitFor(/connection refused; trying 127\.0\.0\.1:\d+/);
});

Deno.test("forward --proxy-protocol v1 and v2 tell the backend the client's address", async (t) => {
  for (const version of ["v1", "v2"]) {
    await t.step(version, async () => {
      await using backend = await Server.start(["127.0.0.1:0", "--sink"]);
      const port = freePort();
      // A backend of our own that prints the bytes it got, in hex.
      await using py = new Running([
        "python3",
        "-c",
        `import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", ${port})); s.listen(1)
c, _ = s.accept(); got = b""
while True:
    d = c.recv(65536)
    if not d: break
    got += d
print(got.hex(), flush=True)`,
      ]);
      await backend[Symbol.asyncDispose]();
      await waitForListener(port);
      await using forward = await startForward([`127.0.0.1:${port}`, "--proxy-protocol", version]);
      const client = await bash(
        `printf payload | nc -N -s 127.0.0.2 127.0.0.1 ${forward.port}; echo $?`,
      );
      assertEquals(client.stdout.trim(), "0");
      const hex = (await py.result()).stdout.trim();
      const bytes = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
      const header = parseProxyHeader(bytes)!;
      assertEquals(header.version, version === "v1" ? 1 : 2);
      assertEquals(header.source?.address, "127.0.0.2");
      assertEquals(header.destination, { address: "127.0.0.1", port: forward.port });
      assertEquals(new TextDecoder().decode(bytes.subarray(header.length)), "payload");
    });
  }
});

Deno.test("forward --allow and --deny admit clients by address (127.0.0.2 and 127.0.0.3)", async () => {
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await startForward([
    `127.0.0.1:${echo.port}`,
    "--allow",
    "127.0.0.0/8",
    "--deny",
    "127.0.0.3",
  ]);
  const allowed = await bash(`printf two | nc -N -s 127.0.0.2 127.0.0.1 ${forward.port}`);
  assertEquals(allowed.stdout, "two");
  const denied = await bash(`printf three | nc -N -s 127.0.0.3 127.0.0.1 ${forward.port}`);
  assertEquals(denied.stdout, "");
  await forward.stderr.waitFor(/refused 127\.0\.0\.3:\d+: not allowed by --allow\/--deny/);
});

Deno.test("serve --deny refuses an IPv6 client (::1) and serves IPv4 ones", async () => {
  await using server = await Server.start(["0", "--echo", "-k", "--deny", "::1"]);
  const v6 = await tcpkit(["connect", `[::1]:${server.port}`, "--send", "six"]);
  assertEquals(v6.stdout, "");
  const v4 = await tcpkit(["connect", `127.0.0.1:${server.port}`, "--send", "four"]);
  assertEquals(v4.stdout, "four");
  await server.stderr.waitFor(/refused \[::1\]:\d+: not allowed/);
});

Deno.test("forward --max-conns keeps clients beyond it waiting in the backlog, and says so once", async () => {
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await startForward([`127.0.0.1:${echo.port}`, "--max-conns", "1"]);
  await using first = new Running([...TCPKIT, "connect", `127.0.0.1:${forward.port}`], {
    stdin: true,
  });
  await first.write("one");
  await first.stdout.waitFor(/one/);
  await using second = new Running([...TCPKIT, "connect", `127.0.0.1:${forward.port}`], {
    stdin: true,
  });
  await second.write("two");
  await forward.stderr.waitFor(/1 connections open \(--max-conns\): new clients wait/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assertEquals(second.stdout.text, ""); // waiting, not served
  await first.closeStdin();
  await second.stdout.waitFor(/two/); // served once the first is done
  await second.closeStdin();
  assertEquals((await second.result()).code, 0);
});

Deno.test("forward drains on SIGTERM: a transfer in flight finishes, then it exits 0 with a summary", async () => {
  await using backend = await Server.start(["127.0.0.1:0", "--sink", "-k"]);
  await using forward = await startForward([`127.0.0.1:${backend.port}`, "--drain", "5s", "-v"]);
  await using client = new Running([...TCPKIT, "connect", `127.0.0.1:${forward.port}`], {
    stdin: true,
  });
  await client.write("x".repeat(1000));
  await forward.stderr.waitFor(/connection from/);
  forward.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Stopped accepting at once.
  const late = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "late"]);
  assertEquals(late.code, 1);
  await client.write("y".repeat(1000));
  await client.closeStdin();
  const out = await forward.result();
  assertEquals(out.code, 0, out.stderr);
  assertMatch(
    out.stderr,
    /^tcpkit: stopped: 1 connection, client to target 1.95 KiB, target to client 0 B$/m,
  );
  assertEquals((await client.result()).code, 0);
});

Deno.test("forward cuts a stuck connection at the end of the drain, and says so", async () => {
  await using backend = await Server.start(["127.0.0.1:0", "--sink", "-k"]);
  await using forward = await startForward([
    `127.0.0.1:${backend.port}`,
    "--drain",
    "300ms",
    "-v",
  ]);
  await using client = new Running([...TCPKIT, "connect", `127.0.0.1:${forward.port}`], {
    stdin: true,
  });
  await client.write("stuck");
  await forward.stderr.waitFor(/connection from/);
  forward.kill("SIGTERM");
  const out = await forward.result(10_000);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stderr, /1 still open at the end of the drain, closed/);
});

Deno.test("forward carries Unix sockets to TCP and TCP to Unix sockets", async () => {
  await using dir = await tempDir();
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  const path = `${dir.path}/front.sock`;
  await using front = new Running([...TCPKIT, "forward", `unix:${path}`, `127.0.0.1:${echo.port}`]);
  await front.stderr.waitFor(/listening on unix:/);
  const viaUnix = await bash(`printf unix-to-tcp | nc -N -U ${path}`);
  assertEquals(viaUnix.stdout, "unix-to-tcp");
  const back = `${dir.path}/back.sock`;
  await using unixEcho = new Running([...TCPKIT, "serve", `unix:${back}`, "--echo", "-k"]);
  await unixEcho.stderr.waitFor(/listening on unix:/);
  await using toUnix = await startForward([`unix:${back}`]);
  const out = await tcpkit(["connect", `127.0.0.1:${toUnix.port}`, "--send", "tcp-to-unix"]);
  assertEquals(out.stdout, "tcp-to-unix");
});

Deno.test("forward terminates TLS (--tls) in front of a plain backend, and originates it (tls://)", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/certs`);
  const certs = await makeTestCertificates(`${dir.path}/certs`);
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using terminating = await startForward([
    `127.0.0.1:${echo.port}`,
    "--tls",
    "--cert",
    certs.valid.cert,
    "--key",
    certs.valid.key,
  ]);
  const out = await tcpkit([
    "connect",
    `tls://127.0.0.1:${terminating.port}`,
    "--ca",
    certs.ca.cert,
    "--send",
    "through TLS",
  ]);
  assertEquals(out.stdout, "through TLS", out.stderr);
  // And a forwarder that speaks TLS to its target (verified with --ca), plain to its clients.
  await using originating = await startForward([
    `tls://127.0.0.1:${terminating.port}`,
    "--ca",
    certs.ca.cert,
  ]);
  const plain = await tcpkit(["connect", `127.0.0.1:${originating.port}`, "--send", "plain in"]);
  assertEquals(plain.stdout, "plain in", plain.stderr);
  // The target is shown as TLS, where it is announced and in each connection's line (-v).
  assertStringIncludes(
    originating.stderr.text,
    `forwarding to tls://127.0.0.1:${terminating.port}`,
  );
  originating.kill("SIGTERM");
  await originating.result();
  await using verbose = await startForward([
    `tls://127.0.0.1:${terminating.port}`,
    "--ca",
    certs.ca.cert,
    "-v",
  ]);
  const again = await tcpkit(["connect", `127.0.0.1:${verbose.port}`, "--send", "plain in"]);
  assertEquals(again.stdout, "plain in", again.stderr);
  await verbose.stderr.waitFor(
    new RegExp(`-> tls://127\\.0\\.0\\.1:${terminating.port}: client to target 8 B, `),
  );
});

Deno.test("forward under a low ulimit -n serves again once descriptors free up", async () => {
  // Deno 2.9's node:net server stops accepting for good when an accept runs out of descriptors:
  // the forwarder must listen anew. `ulimit -n` sets the hard limit, which tcpkit cannot raise.
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await Server.spawn([
    "bash",
    "-c",
    `ulimit -n 80 && exec ${TCPKIT_SH} forward 127.0.0.1:0 127.0.0.1:${echo.port}`,
  ]);
  const conns = await Promise.all(
    Array.from({ length: 100 }, () => Deno.connect({ hostname: "127.0.0.1", port: forward.port })),
  );
  await forward.stderr.waitFor(/too many open files/);
  for (const conn of conns) conn.close();
  // Every client is gone: a new one must be served (retried while the listener is renewed).
  const deadline = Date.now() + 15_000;
  let answer = "";
  while (answer !== "again" && Date.now() < deadline) {
    const out = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "again"], {
      timeoutMs: 3_000,
    });
    answer = out.stdout;
  }
  assertEquals(answer, "again");
});
