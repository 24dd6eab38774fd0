/** The greeting dialogue end to end: tcpkit against the seed's client and server, and raw sockets. */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { lingeringClient, run, Running, Server, TCPKIT, tcpkit, TCPKIT_SH } from "./_cli.ts";
import { seedClientScript, seedServerScript } from "./_seed.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The transcript the seed's client prints against a server that speaks the dialogue. */
const SEED_TRANSCRIPT = "Server: Welcome!\nServer: What's your name?\n" +
  ["Michael", "Tracy", "Sarah"].map((name) => `Server: Hello ${name}!\nServer: What's your name?\n`)
    .join("") +
  "Server: Good bye!\n\n";

/** Undoes the one split the seed's two first sends allow: the welcome printed alone. */
function joinFirstSplit(transcript: string): string {
  const alone = "Server: Welcome!\n\nServer: What's your name?Server: Hello ";
  return transcript.startsWith(alone)
    ? "Server: Welcome!\nServer: What's your name?\nServer: Hello " + transcript.slice(alone.length)
    : transcript;
}

/** Starts the seed-like Python server; resolves once it has printed its port. */
async function seedServer(): Promise<Running & { port: number }> {
  const server = new Running(["python3", "-c", seedServerScript(128)]) as Running & {
    port: number;
  };
  server.port = Number((await server.stdout.waitFor(/(\d+)\n/))[1]);
  return server;
}

/** A raw client: sends pieces with pauses between them, returns all it read until the close. */
async function rawDialogue(
  port: number,
  pieces: (string | Uint8Array | number)[],
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const reading = (async () => {
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    return decoder.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  })();
  for (const piece of pieces) {
    if (typeof piece === "number") await new Promise((resolve) => setTimeout(resolve, piece));
    else await conn.write(typeof piece === "string" ? encoder.encode(piece) : piece);
  }
  const text = await reading;
  conn.close();
  return text;
}

function dialogue(...names: string[]): string {
  return "Server: Welcome!\nServer: What's your name?" +
    names.map((name) => `Server: Hello ${name}!\nServer: What's your name?`).join("") +
    "Server: Good bye!\n";
}

Deno.test("the seed's client prints the same transcript against tcpkit as against the seed's server", async () => {
  // The seed's own pauses (2 s + 1 s per name, 3 s, 2 s): both dialogues run side by side.
  await using tcpkitServer = await Server.start(["127.0.0.1:0", "--greet", "-k"]);
  await using seed = await seedServer();
  const [ours, theirs] = await Promise.all([
    run(["python3", "-c", seedClientScript(tcpkitServer.port)]),
    run(["python3", "-c", seedClientScript(seed.port)]),
  ]);
  // tcpkit writes the welcome and the first prompt at once: the seed client's first recv()
  // gets both, as in the seed's own printed transcript.
  assertEquals(ours.stdout, SEED_TRANSCRIPT);
  // The seed's server sends them in two send() calls, and its first recv() may wake between
  // them (then the prompt is printed with the next answer). Up to that timing split, the two
  // transcripts are the same, byte for byte.
  assertEquals(joinFirstSplit(theirs.stdout), SEED_TRANSCRIPT);
  await tcpkitServer.stderr.waitFor(/names "Michael", "Tracy", "Sarah"; said exit after/);
});

Deno.test("serve --greet takes a line split over several segments as one name", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet"]);
  const text = await rawDialogue(server.port, ["Mic", 5, "ha", 5, "el\r", 5, "\n", "exit\n"]);
  assertEquals(text, dialogue("Michael"));
});

Deno.test("serve --greet takes several lines in one segment as several names (printf | nc -N)", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet"]);
  const out = await run([
    "bash",
    "-c",
    `printf 'a\\nb\\r\\nexit\\n' | nc -N 127.0.0.1 ${server.port}`,
  ]);
  assertEquals(out.stdout, dialogue("a", "b"));
});

Deno.test("serve --greet answers a pasted block whose answers outgrow its 2 KiB answer buffers", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet"]);
  // Read 256 bytes at a time, 300 empty lines ask again 300 times (25 bytes each), and 150 short
  // names get 150 hellos (about 45 bytes each): each read's answer is longer than 2 KiB.
  const names = Array.from({ length: 150 }, (_, i) => `n${i}`);
  const text = await rawDialogue(server.port, ["\n".repeat(300) + names.join("\n") + "\nexit\n"]);
  const prompts = "Server: What's your name?".repeat(300);
  const expected = dialogue(...names);
  const afterGreeting = "Server: Welcome!\nServer: What's your name?".length;
  assertEquals(text, expected.slice(0, afterGreeting) + prompts + expected.slice(afterGreeting));
});

Deno.test("serve --greet logs a client with no names, and counts the names past the eighth", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "-k"]);
  assertEquals(await rawDialogue(server.port, ["exit\n"]), dialogue());
  const names = Array.from({ length: 10 }, (_, i) => `n${i}`);
  assertEquals(await rawDialogue(server.port, [names.join("\n") + "\nexit\n"]), dialogue(...names));
  await server.stderr.waitForCount("said exit", 2);
  assertMatch(server.stderr.text, /: no names; said exit after /);
  assertMatch(
    server.stderr.text,
    /: names "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7" and 2 more; said exit after /,
  );
  server.kill("SIGTERM");
  assertEquals((await server.result()).code, 0);
});

Deno.test("serve --greet takes a bare name once the client pauses, and a quick split as one", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "--quiet-period", "100ms"]);
  // "Tr" and "acy" 10 ms apart are one name; the pause after it ends it.
  const text = await rawDialogue(server.port, ["Tr", 10, "acy", 300, "exit"]);
  assertEquals(text, dialogue("Tracy"));
});

Deno.test("serve --greet closes a client whose name is too long, and stays up for others", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "-k"]);
  // 10 MiB with no newline: the server must not hold it.
  const huge = new Uint8Array(10 * 1024 * 1024).fill(0x61);
  const text = await rawDialogue(server.port, [huge]);
  assertMatch(
    text,
    /^Server: Welcome!\nServer: What's your name\?\nServer: Error: a name may be at most 1024 bytes\. Good bye!\n$/,
  );
  await server.stderr.waitFor(/sent a name that was too long, and was closed/);
  assertEquals(await rawDialogue(server.port, ["next\n", "exit\n"]), dialogue("next"));
});

Deno.test("serve --greet answers binary and invalid UTF-8 names byte for byte, and logs them escaped", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet"]);
  const name = new Uint8Array([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x00, 0x07, 0x41]); // ESC[2J, 0xff, NUL, BEL, A
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const line = new Uint8Array([...name, 0x0a, ...encoder.encode("exit\n")]);
  await conn.write(line);
  const chunks: number[] = [];
  const buffer = new Uint8Array(4096);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    chunks.push(...buffer.subarray(0, n));
  }
  conn.close();
  const expected = [
    ...encoder.encode("Server: Welcome!\nServer: What's your name?Server: Hello "),
    ...name,
    ...encoder.encode("!\nServer: What's your name?Server: Good bye!\n"),
  ];
  assertEquals(chunks, expected);
  const out = await server.result();
  assertMatch(out.stderr, /names "\\x1b\[2J\\xff\\x00\\x07A"; said exit/);
  assert(!out.stderr.includes("\x1b"), "a raw escape reached the log");
});

Deno.test("serve --greet --idle-timeout closes a client that says nothing", async () => {
  await using server = await Server.start([
    "127.0.0.1:0",
    "--greet",
    "-k",
    "--idle-timeout",
    "300ms",
  ]);
  const text = await rawDialogue(server.port, []);
  assertEquals(text, "Server: Welcome!\nServer: What's your name?");
  // Logged as the session it was (bug 8 of issue 14), not as a bare error.
  await server.stderr.waitFor(
    /^tcpkit: 127\.0\.0\.1:\d+: no names; was silent too long \(idle timeout\), and was closed after /m,
  );
  assertEquals(await rawDialogue(server.port, ["ok\nexit\n"]), dialogue("ok"));
});

Deno.test("serve --greet --idle-timeout does not cut off a finished dialogue while the client closes", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "--idle-timeout", "300ms"]);
  // The client holds the connection well past the idle timeout after "Good bye!".
  const client = await lingeringClient(server.port, "Bob\nexit\n", 1000);
  assertEquals(client.stdout, dialogue("Bob"));
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stderr, /names "Bob"; said exit after /);
});

Deno.test("serve --greet serves others while one client never reads its answers", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "-k"]);
  const greedy = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  // 64 MiB of names, never reading an answer: the server's writes block, and so do ours.
  const names = encoder.encode("x\n".repeat(512 * 1024));
  const flooding = (async () => {
    for (let i = 0; i < 64; i++) {
      for (let offset = 0; offset < names.length;) {
        offset += await greedy.write(names.subarray(offset));
      }
    }
  })().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 300));
  assertEquals(await rawDialogue(server.port, ["Sarah\n", "exit\n"]), dialogue("Sarah"));
  greedy.close();
  await flooding;
});

Deno.test("greet --name plays the dialogue against tcpkit and prints it", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet"]);
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--name", "Michael", "-n", "Zoë"]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(
    out.stdout,
    "Server: Welcome!\nServer: What's your name? Michael\nServer: Hello Michael!\n" +
      "Server: What's your name? Zoë\nServer: Hello Zoë!\nServer: What's your name? exit\n" +
      "Server: Good bye!\n",
  );
});

Deno.test("greet --name plays the dialogue against the seed's Python server", async () => {
  await using seed = await seedServer();
  const out = await tcpkit(["greet", `127.0.0.1:${seed.port}`, "--name", "Tracy", "--json"]);
  assertEquals(out.code, 0, out.stderr);
  const result = JSON.parse(out.stdout);
  assertEquals([result.completed, result.names], [true, ["Tracy"]]);
  assertEquals(result.transcript, dialogue("Tracy"));
});

Deno.test("greet exits 1 when the server breaks off the dialogue", async () => {
  const script = `
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.send(b"Server: Welcome!\\nServer: What's your name?"); c.recv(1024); c.close()
`;
  await using py = new Running(["python3", "-c", script]);
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  const out = await tcpkit(["greet", `127.0.0.1:${port}`, "--name", "A", "--name", "B"]);
  assertEquals(out.code, 1);
  assertMatch(
    out.stderr,
    /^tcpkit: dialogue with 127\.0\.0\.1:\d+: the server closed the connection before saying good bye/,
  );
});

Deno.test("greet exits 1 with one line when the server resets the dialogue", async () => {
  const script = `
import socket, struct
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.send(b"Server: Welcome!\\nServer: What's your name?"); c.recv(1024)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
`;
  await using py = new Running(["python3", "-c", script]);
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  const out = await tcpkit(["greet", `127.0.0.1:${port}`, "--name", "Bob"]);
  assertEquals(out.code, 1);
  assertEquals(out.stdout, "Server: Welcome!\nServer: What's your name? Bob\n");
  assertMatch(out.stderr, /^tcpkit: dialogue with 127\.0\.0\.1:\d+: connection reset by peer\n$/);
});

Deno.test("greet without --name shows serve --greet's words and names it tcpkit-greet", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet"]);
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "Server: Welcome!\nServer: What's your name?\n");
  assertMatch(out.stderr, /: protocol tcpkit-greet$/m);
});

Deno.test("greet --name shows a character the server splits between two writes whole", async () => {
  const script = `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.send(b"Server: Welcome!\\nServer: What's your name?"); c.recv(1024)
c.send(b"Server: Hello Zo\\xc3"); time.sleep(0.2)
c.send(b"\\xab!\\nServer: What's your name?"); c.recv(1024); c.send(b"Server: Good bye!\\n")
c.recv(1024); c.close()
`;
  await using py = new Running(["python3", "-c", script]);
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  const out = await tcpkit(["greet", `127.0.0.1:${port}`, "--name", "Zoë"]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(
    out.stdout,
    "Server: Welcome!\nServer: What's your name? Zoë\nServer: Hello Zoë!\n" +
      "Server: What's your name? exit\nServer: Good bye!\n",
  );
});

Deno.test("greet usage errors exit 2", async () => {
  for (
    const args of [["greet"], ["greet", "h:1", "--name", "exit"], ["greet", "h:1", "--wait", "x"]]
  ) {
    const out = await tcpkit(args);
    assertEquals(out.code, 2, args.join(" "));
  }
});

void TCPKIT;

Deno.test("serve --greet answers a name cut off by the client's close, and logs it as closed", async () => {
  // A quiet period longer than the test: only the close can end the name.
  await using server = await Server.start([
    "127.0.0.1:0",
    "--greet",
    "--quiet-period",
    "30s",
    "--json",
  ]);
  const client = await run(["bash", "-c", `printf Bob | nc -N 127.0.0.1 ${server.port}`]);
  assertEquals(
    client.stdout,
    "Server: Welcome!\nServer: What's your name?" + "Server: Hello Bob!\nServer: What's your name?",
  );
  const out = await server.result();
  assertEquals(out.code, 0, out.stderr);
  const session = out.stderr.trim().split("\n").map((line) => JSON.parse(line))
    .find((event) => event.event === "session");
  assertEquals([session.end, session.names, session.shown_names], ["closed", 1, ["Bob"]]);
});

Deno.test("serve --greet --json logs each session as one JSON event with its names", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--greet", "--json"]);
  await rawDialogue(server.port, ["Ann\nBob\nexit\n"]);
  const out = await server.result();
  const session = out.stderr.trim().split("\n").map((line) => JSON.parse(line))
    .find((event) => event.event === "session");
  assertEquals([session.names, session.shown_names, session.end], [2, ["Ann", "Bob"], "exit"]);
  assert(session.duration_ms >= 0 && typeof session.peer === "string");
});

Deno.test("greet --name gives up on a server that streams without ever prompting (exit 1)", async () => {
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 < /dev/zero > /dev/null`,
  ]);
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--name", "a"], {
    timeoutMs: 15_000,
  });
  assertEquals(out.code, 1);
  assertMatch(out.stderr, /64 KiB without a "What's your name\?": not the greeting dialogue/);
  server.kill("SIGTERM");
});

Deno.test("greet --name exits 4 when the server does not answer within --wait", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // accepts, says nothing
  const out = await tcpkit([
    "greet",
    `127.0.0.1:${listener.addr.port}`,
    "-n",
    "A",
    "--wait",
    "300ms",
  ]);
  assertEquals(out.code, 4);
  assertMatch(out.stderr, /^tcpkit: dialogue with 127\.0\.0\.1:\d+: no answer within 300 ms$/m);
});
