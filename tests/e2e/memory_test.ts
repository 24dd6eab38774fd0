/**
 * Memory stays bounded: a slow reader of serve's stdout, many idle clients, and clients that send
 * and never read.
 */
import { assert, assertEquals } from "@std/assert";
import { memoryOf, Running, Server, TCPKIT, TCPKIT_SH } from "./_cli.ts";

const MiB = 1024 * 1024;

Deno.test("serve's memory stays bounded when its stdout is read slowly", async () => {
  // exec: the shell becomes tcpkit, so the child's pid is tcpkit's own.
  const slowReader = `python3 -c 'import sys, time
while sys.stdin.buffer.read(65536): time.sleep(0.01)'`;
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 > >(${slowReader})`,
  ]);
  const before = await memoryOf(server.child.pid);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  let sent = 0;
  const sending = (async () => {
    const chunk = new Uint8Array(MiB);
    for (let i = 0; i < 256; i++) {
      for (let offset = 0; offset < chunk.length;) {
        const n = await conn.write(chunk.subarray(offset));
        offset += n;
        sent += n;
      }
    }
  })().catch(() => {});
  // The sender outpaces the reader by far: without backpressure the server would hold it all.
  let peak = before.rss;
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    peak = Math.max(peak, (await memoryOf(server.child.pid)).rss);
  }
  server.kill("SIGKILL");
  await server.result();
  conn.close();
  await sending;
  assert(sent > 8 * MiB, `only ${sent} bytes were sent`);
  assert(sent < 256 * MiB, "the slow reader kept up: the test proves nothing");
  assert(peak - before.rss < 48 * MiB, `grew by ${((peak - before.rss) / MiB).toFixed(1)} MiB`);
});

Deno.test("serve -k holds 1,000 idle clients in little memory", async () => {
  await using server = await Server.start(["127.0.0.1:0", "-k", "-v"]);
  // The first client starts the stdin reader (a Worker, paid once): measure from there.
  const conns: Deno.TcpConn[] = [await Deno.connect({ hostname: "127.0.0.1", port: server.port })];
  await server.stderr.waitForCount("connection from", 1);
  const before = await memoryOf(server.child.pid);
  try {
    for (let i = 0; i < 1000; i += 100) {
      const batch = Array.from(
        { length: 100 },
        () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
      );
      conns.push(...await Promise.all(batch));
    }
    await server.stderr.waitForCount("connection from", 1001, 30_000);
    const after = await memoryOf(server.child.pid);
    const perConnection = (after.rss - before.rss) / 1000;
    // A 64 KiB buffer per connection, or `for await` over conn.readable, costs 65 KB or more.
    assert(perConnection < 48 * 1024, `${(perConnection / 1024).toFixed(1)} KiB per connection`);
  } finally {
    for (const conn of conns) conn.close();
  }
});

Deno.test("serve --echo and forward hold one buffer a direction for clients that never read", async () => {
  // 300 clients each send a 10 MiB line and read nothing: the echo has nowhere to send it, and
  // every buffer on the way fills. Each direction holds one read buffer meanwhile: the echo's
  // 64 KiB (130 KiB a client in all; with 256 KiB buffers, 300-340 KiB), the forwarder's
  // 256 KiB (520-600 KiB a client).
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  await using forward = await Server.spawn([
    ...TCPKIT,
    "forward",
    "127.0.0.1:0",
    `127.0.0.1:${echo.port}`,
  ]);
  const before = {
    echo: await memoryOf(echo.child.pid),
    forward: await memoryOf(forward.child.pid),
  };
  await using load = new Running([
    "python3",
    new URL("../../bench/hostile_load.py", import.meta.url).pathname,
    "--port",
    String(forward.port),
    "--count",
    "300",
  ]);
  const report = JSON.parse((await load.stdout.waitFor(/^\{.*\}$/m, 120_000))[0]);
  assertEquals(report.failed, 0);
  const perClient = async (pid: number, base: number) =>
    ((await memoryOf(pid)).rss - base) / 300 / 1024;
  const echoKiB = await perClient(echo.child.pid, before.echo.rss);
  const forwardKiB = await perClient(forward.child.pid, before.forward.rss);
  assert(echoKiB < 200, `serve --echo: ${echoKiB.toFixed(1)} KiB a client`);
  assert(forwardKiB < 800, `forward: ${forwardKiB.toFixed(1)} KiB a client`);
});
