/**
 * TLS against hostile peers: servers that hang up during the handshake, certificates with names
 * no library expects, clients that never finish a handshake, streams cut without close_notify.
 * Nothing a peer does may crash tcpkit, hold its descriptors, or pass a failure for success.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type Output, type PythonPeer, pythonPeer, Running, TCPKIT, tcpkit } from "./_cli.ts";

/** One clear line on stderr, never a stack trace. */
function assertOneLine(out: Output): void {
  assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
  assertEquals(unsafeForTerminal(out.stderr.trimEnd()), [], out.stderr);
  assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
}

/** A server that reads the client's hello and hangs up, for every connection. */
function hangingUpServer(): Promise<PythonPeer> {
  return pythonPeer(`while True:
    c, _ = s.accept()
    c.recv(4096)
    c.close()`);
}

// --- a server that closes during the handshake --------------------------------------------------

Deno.test("every TLS client says a server closed during the handshake, exit 5", async (t) => {
  await using server = await hangingUpServer();
  const target = `127.0.0.1:${server.port}`;
  for (
    const args of [
      ["connect", "--tls", target],
      ["connect", "--tls", "-v", target],
      ["connect", "--tls", "--json", target],
      ["connect", "--tls", "-k", target],
      ["connect", "--tls", "--pin", "AA:".repeat(31) + "AA", target],
      ["greet", "--tls", target],
    ]
  ) {
    await t.step(args.join(" "), async () => {
      const out = await tcpkit(args);
      assertEquals(out.code, 5, out.stderr);
      assertStringIncludes(out.stderr, "closed the connection during the handshake");
      if (!args.includes("--json")) assertOneLine(out);
      else assert(!/Uncaught/.test(out.stderr), out.stderr);
    });
  }
});

Deno.test("check --tls marks a port whose server closed during the handshake, and goes on", async () => {
  await using server = await hangingUpServer();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = closed.addr.port;
  closed.close();
  const out = await tcpkit([
    "check",
    "--tls",
    "--json",
    `127.0.0.1:${server.port}`,
    `127.0.0.1:${closedPort}`,
  ]);
  assert(!/Uncaught/.test(out.stderr), out.stderr);
  const results = out.stdout.trim().split("\n").map((line) => JSON.parse(line))
    .filter((event) => event.event === "result");
  assertEquals(results.length, 2, out.stdout);
  const byPort = new Map(results.map((r) => [r.port, r]));
  assertEquals(byPort.get(server.port).state, "tls-error");
  assertStringIncludes(
    byPort.get(server.port).reason,
    "closed the connection during the handshake",
  );
  assertEquals(byPort.get(closedPort).state, "closed");
  assertEquals(out.code, 1);
});

Deno.test("forward to a tls:// target that closes during the handshake logs it and lives", async () => {
  await using server = await hangingUpServer();
  await using forward = new Running([
    ...TCPKIT,
    "forward",
    "127.0.0.1:0",
    `tls://127.0.0.1:${server.port}`,
  ]);
  const port = Number((await forward.stderr.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  for (let i = 1; i <= 2; i++) {
    const client = await tcpkit(["connect", `127.0.0.1:${port}`], { stdin: "hello\n" });
    assert(!/Uncaught/.test(client.stderr), client.stderr);
    await forward.stderr.waitForCount("closed the connection during the handshake", i);
  }
  assert(!/Uncaught/.test(forward.stderr.text), forward.stderr.text);
  // Still accepting after both.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.close();
});

Deno.test("a TLS client says a server reset the connection during the handshake, exit 5", async (t) => {
  await using server = await pythonPeer(`import struct
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()`);
  const target = `127.0.0.1:${server.port}`;
  for (const args of [["connect", "--tls", target], ["connect", "--tls", "-v", target]]) {
    await t.step(args.join(" "), async () => {
      const out = await tcpkit(args);
      assertEquals(out.code, 5, out.stderr);
      assertStringIncludes(out.stderr, "reset the connection during the handshake");
      assertOneLine(out);
    });
  }
});
