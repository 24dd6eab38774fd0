/** SIGINT and SIGTERM: serve shuts down cleanly with a summary; connect exits 130. */
import { assertEquals, assertMatch, assertNotMatch } from "@std/assert";
import { Running, Server, TCPKIT, TCPKIT_SH, tempDir } from "./_cli.ts";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`serve -k on ${signal} closes every connection, summarises and exits 0`, async () => {
    await using server = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
    const clients = [1, 2].map(() =>
      new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true })
    );
    for (const [i, client] of clients.entries()) {
      await client.write(`ping ${i}\n`);
      await client.stdout.waitFor(new RegExp(`ping ${i}`));
    }
    server.kill(signal);
    const out = await server.result(5000);
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stderr, /^tcpkit: stopped: 2 connections, received 14 B, sent 14 B$/m);
    // Each client sees its connection closed by the server.
    for (const client of clients) {
      await client.closeStdin();
      assertEquals((await client.result(5000)).signal, null);
    }
  });
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`serve -k (stdin open) on ${signal}: no error, no false loss, what was sent`, async () => {
    // stdin stays open (as "sleep 6 | tcpkit serve -k"): the shutdown cuts it, not the clients.
    await using server = await Server.start(["127.0.0.1:0", "-k", "-v"], { stdin: true });
    const clients = ["a", "b"].map(() =>
      new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true })
    );
    for (const [i, client] of clients.entries()) await client.write(`line ${i}\n`);
    await server.stdout.waitFor(/line 0\n[^]*line 1\n|line 1\n[^]*line 0\n/);
    // A line of stdin reaches both clients: what was sent is 6 B each.
    await server.write("hello\n");
    for (const client of clients) await client.stdout.waitFor(/hello\n/);
    server.kill(signal);
    const out = await server.result(5000);
    assertEquals(out.code, 0, out.stderr);
    assertNotMatch(out.stderr, /bad resource|not delivered|error/i);
    // -v: each connection's own counts; then the summary.
    assertEquals(
      out.stderr.match(/^tcpkit: closed 127\.0\.0\.1:\d+: sent 6 B, received 7 B in /gm)?.length,
      2,
      out.stderr,
    );
    assertMatch(out.stderr, /^tcpkit: stopped: 2 connections, received 14 B, sent 12 B$/m);
    for (const client of clients) {
      await client.closeStdin();
      assertEquals((await client.result(5000)).signal, null);
    }
  });
}

Deno.test("serve waiting for its first client stops on SIGINT with exit 0", async () => {
  await using server = await Server.start(["127.0.0.1:0"]);
  server.kill("SIGINT");
  const out = await server.result(5000);
  assertEquals(out.code, 0);
  assertMatch(out.stderr, /tcpkit: stopped: 0 connections/);
});

Deno.test("connect on SIGINT exits 130", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  await using client = new Running([...TCPKIT, "connect", `127.0.0.1:${server.port}`], {
    stdin: true,
  });
  await client.write("hi");
  await client.stdout.waitFor(/hi/);
  client.kill("SIGINT");
  const out = await client.result(5000);
  assertEquals(out.code, 130);
});

Deno.test("serve without -k on SIGTERM during its session summarises and exits 0", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--echo"]);
  await using client = new Running(["nc", "127.0.0.1", String(server.port)], { stdin: true });
  await client.write("ping\n");
  await client.stdout.waitFor(/ping/);
  server.kill("SIGTERM");
  const out = await server.result(5000);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stderr, /^tcpkit: stopped: 1 connection, received 5 B, sent 5 B$/m);
});

Deno.test("serve on SIGINT exits 0 even while its stdout is blocked", async () => {
  await using dir = await tempDir();
  // stdout is a FIFO that nobody reads: serve's writes block once it is full.
  await using server = await Server.spawn([
    "bash",
    "-c",
    `mkfifo '${dir.path}/out' && exec 7<>'${dir.path}/out' && exec ${TCPKIT_SH} serve 127.0.0.1:0 > '${dir.path}/out'`,
  ]);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const sending = (async () => {
    const chunk = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 16; i++) await conn.write(chunk);
  })().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500)); // until the FIFO is full
  server.kill("SIGINT");
  const out = await server.result(5000);
  conn.close();
  await sending;
  assertEquals(out.signal, null, "it had to be killed");
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stderr, /tcpkit: stopped: 1 connection/);
});

Deno.test("greet and check on SIGINT exit 130", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // accepts, says nothing
  const target = `127.0.0.1:${listener.addr.port}`;
  for (
    const [args, started] of [
      [["greet", target, "--wait", "20s", "-v"], /connected to/],
      [["check", target, "--count", "100", "--interval", "1s"], /probe 1\)/],
    ] as const
  ) {
    await using client = new Running([...TCPKIT, ...args]);
    const stream = args[0] === "greet" ? client.stderr : client.stdout;
    await stream.waitFor(started);
    client.kill("SIGINT");
    const out = await client.result(5000);
    assertEquals(out.code, 130, args.join(" "));
  }
});
