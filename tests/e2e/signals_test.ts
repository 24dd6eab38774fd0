/** SIGINT and SIGTERM: serve shuts down cleanly with a summary; connect exits 130. */
import { assertEquals, assertMatch } from "@std/assert";
import { Running, Server, TCPKIT } from "./_cli.ts";

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
