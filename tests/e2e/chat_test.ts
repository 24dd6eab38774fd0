/** serve --chat: a room where each client sees the others' lines, labelled, as ncat --chat. */
import { assertEquals, assertMatch, assertNotMatch } from "@std/assert";
import { has, Running, Server, TCPKIT_SH } from "./_cli.ts";

const ncSkip = has("nc") ? "" : " [skipped: nc is not installed]";

/** An nc client of the room that has been told who it is, with its address as the room names it. */
async function join(port: number): Promise<Running & { name: string }> {
  const client = new Running(["nc", "-N", "127.0.0.1", String(port)], { stdin: true });
  const match = await client.stdout.waitFor(/^-- you are (127\.0\.0\.1:\d+); .* here\n/m);
  return Object.assign(client, { name: match[1] });
}

Deno.test({
  name:
    `serve --chat relays each client's lines to the others, labelled, with joins and leaves${ncSkip}`,
  ignore: ncSkip !== "",
  async fn() {
    // --chat keeps accepting by itself (no -k), as ncat --chat does.
    await using server = await Server.start(["127.0.0.1:0", "--chat"]);
    await using a = await join(server.port);
    await using b = await join(server.port);
    assertMatch(b.stdout.text, /^-- you are \S+; 1 other is here\n/);
    await a.stdout.waitFor(new RegExp(`^-- ${b.name} joined\n`, "m"));
    await using c = await join(server.port);
    assertMatch(c.stdout.text, /^-- you are \S+; 2 others are here\n/);

    await a.write("hello from a\n");
    await b.stdout.waitFor(new RegExp(`^${a.name}: hello from a\n`, "m"));
    await c.stdout.waitFor(new RegExp(`^${a.name}: hello from a\n`, "m"));
    // A line in pieces is one line; control bytes reach nobody's terminal raw.
    await b.write("hi \x1b[2J ");
    await b.write("from b\n");
    await a.stdout.waitFor(new RegExp(`^${b.name}: hi \\\\x1b\\[2J from b\n`, "m"));
    await c.stdout.waitFor(new RegExp(`^${b.name}: hi \\\\x1b\\[2J from b\n`, "m"));
    // c leaves (its FIN): the others are told.
    await c.closeStdin();
    assertEquals((await c.result()).code, 0);
    await a.stdout.waitFor(new RegExp(`^-- ${c.name} left\n`, "m"));
    await b.stdout.waitFor(new RegExp(`^-- ${c.name} left\n`, "m"));
    // Nobody hears their own lines; stdout has the transcript.
    assertNotMatch(a.stdout.text, new RegExp(`${a.name}:`));
    assertNotMatch(b.stdout.text, new RegExp(`${b.name}:`));
    await server.stdout.waitFor(/from b\n/);
    assertEquals(
      server.stdout.text,
      `${a.name}: hello from a\n${b.name}: hi \\x1b[2J from b\n`,
    );
    server.kill("SIGTERM");
    const out = await server.result(5000);
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stderr, /^tcpkit: stopped: 3 connections, /m);
    assertNotMatch(out.stderr, /error|bad resource|not delivered/i);
  },
});

Deno.test({
  name: `serve --chat closes a client that does not read; the others get every line${ncSkip}`,
  ignore: ncSkip !== "",
  async fn() {
    await using server = await Server.spawn([
      "bash",
      "-c",
      `exec ${TCPKIT_SH} serve 127.0.0.1:0 --chat > /dev/null`,
    ]);
    // A client that never reads (a small receive buffer, so the backlog builds up here).
    await using stuck = new Running([
      "python3",
      "-c",
      `import socket, sys
c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
c.connect(("127.0.0.1", int(sys.argv[1])))
print("connected", flush=True)
sys.stdin.readline()`,
      String(server.port),
    ], { stdin: true });
    await stuck.stdout.waitFor(/connected/);
    await using reader = await join(server.port);
    await using talker = await join(server.port);
    // 16 MiB of lines: far more than the stuck client's backlog and socket buffers.
    const line = "x".repeat(1023) + "\n";
    const lines = 16 * 1024;
    for (let i = 0; i < lines / 256; i++) await talker.write(line.repeat(256));
    await server.stderr.waitFor(/: closed: it was not reading \(1 MiB waiting for it\)/);
    const label = `${talker.name}: `;
    await reader.stdout.waitForCount(`${label}x`, lines, 60_000);
    assertEquals(
      reader.stdout.text.split("\n").filter((l) => l.startsWith(label)).length,
      lines,
    );
    await talker.closeStdin();
    await reader.stdout.waitFor(new RegExp(`^-- ${talker.name} left\n`, "m"));
  },
});

Deno.test("serve --chat keeps a client that reads while another sends a burst of empty lines", async () => {
  // 256 KiB of line feeds is 262,144 lines: labelled, each 64 KiB read becomes more than 1 MiB
  // for the others, at once. A client that reads is still no client that does not.
  await using server = await Server.start(["127.0.0.1:0", "--chat"]);
  await using clients = new Running([
    "python3",
    "-c",
    `import socket, sys, threading
port = int(sys.argv[1])
reader = socket.create_connection(("127.0.0.1", port))
hello = b""
while not hello.endswith(b"here\\n"):
    hello += reader.recv(1)
talker = socket.create_connection(("127.0.0.1", port))
name = ("%s:%d" % talker.getsockname()).encode()
label = name + b": "
received = b""
while b"-- " + name + b" joined\\n" not in received:
    received += reader.recv(65536)
def talk():
    talker.sendall(b"\\n" * 262144)
    # A FIN, and what the room sent read: a close with unread bytes would be a reset.
    talker.shutdown(socket.SHUT_WR)
    while talker.recv(65536):
        pass
    talker.close()
threading.Thread(target=talk).start()
left = b"-- " + name + b" left\\n"
chunks = [received]
tail = received[-200:]
while not tail.endswith(left):
    chunk = reader.recv(65536)
    if not chunk:
        break
    chunks.append(chunk)
    tail = (tail + chunk)[-200:]
received = b"".join(chunks)
print(received.count(label + b"\\n"), received.endswith(left), flush=True)`,
    String(server.port),
  ]);
  const out = await clients.result(60_000);
  assertEquals(out.stdout, "262144 True\n", out.stderr + server.stderr.text);
  assertNotMatch(server.stderr.text, /not reading/);
});
