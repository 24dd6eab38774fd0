/**
 * forward carries a reset as a reset: a target that resets, a client that resets, a target that
 * cannot be reached and a drain that runs out all reach the other end as an RST (SO_LINGER 0),
 * never as a clean end. The peers are python3 sockets, which tell a reset from an end.
 */
import { assertEquals, assertMatch } from "@std/assert";
import { freePort, pythonPeer, run, Running, Server, TCPKIT, tcpkit } from "./_cli.ts";

/** `tcpkit forward 127.0.0.1:0 ARGS...`, ready once it says where it forwards. */
function startForward(args: string[]): Promise<Server> {
  return Server.spawn([...TCPKIT, "forward", "127.0.0.1:0", ...args]);
}

/**
 * What a python3 reader of `s` saw: `eof N` after a clean end, `reset N` after a reset (N: the
 * bytes read before it).
 */
const READ_TO_END = `
def read_to_end(c):
    total = 0
    try:
        while True:
            got = c.recv(1 << 16)
            if not got:
                return "eof %d" % total
            total += len(got)
    except ConnectionResetError:
        return "reset %d" % total
`;

/** Cuts `c` with an RST: SO_LINGER on, 0 seconds, then close. */
const RESET = `
import struct
def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
`;

const MIB = 1024 * 1024;

Deno.test("forward: a target that resets mid-download resets the client (connect exits 1)", async () => {
  // The target sends 8 MiB of 64, then resets: the client must not see a clean end.
  await using target = await pythonPeer(`${RESET}
c, _ = s.accept()
c.sendall(b"x" * ${8 * MIB})
reset(c)
`);
  await using forward = await startForward([`127.0.0.1:${target.port}`]);
  // stdin stays open: connect reads on until the forwarder's end of the download.
  await using connect = new Running([...TCPKIT, "connect", `127.0.0.1:${forward.port}`], {
    stdin: true,
  });
  const client = await connect.result();
  assertEquals(client.code, 1, client.stderr);
  assertMatch(client.stderr, /reset/);
  await forward.stderr.waitFor(/reset by the target/);
});

Deno.test("forward: a client that resets mid-upload resets the target (its read fails, no EOF)", async () => {
  await using target = await pythonPeer(`${READ_TO_END}
c, _ = s.accept()
print(read_to_end(c), flush=True)
`);
  await using forward = await startForward([`127.0.0.1:${target.port}`]);
  const client = await run([
    "python3",
    "-c",
    `import socket, sys
${RESET}
c = socket.create_connection(("127.0.0.1", ${forward.port}))
c.sendall(b"x" * ${8 * MIB})
reset(c)
`,
  ]);
  assertEquals(client.code, 0, client.stderr);
  const [, how] = await target.stdout.waitFor(/^(eof|reset) \d+$/m);
  assertEquals(how, "reset");
  await forward.stderr.waitFor(/reset by the client/);
});

Deno.test("forward: a client whose target cannot be reached is reset, not closed", async () => {
  // A port with nothing listening: the connect is refused.
  await using forward = await startForward([`127.0.0.1:${freePort()}`]);
  const client = await run([
    "python3",
    "-c",
    `import socket
${READ_TO_END}
c = socket.create_connection(("127.0.0.1", ${forward.port}))
print(read_to_end(c))
`,
  ]);
  assertEquals(client.stdout.trim(), "reset 0", client.stderr);
  const viaConnect = await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "x"]);
  assertEquals(viaConnect.code, 1, viaConnect.stderr);
  assertMatch(viaConnect.stderr, /reset/);
});

Deno.test("forward: connections cut at the end of --drain are reset on both sides", async () => {
  // The target reads and never answers; the client waits for an answer: the drain runs out.
  await using target = await pythonPeer(`${READ_TO_END}
c, _ = s.accept()
print("got %d" % len(c.recv(100)), flush=True)
print(read_to_end(c), flush=True)
`);
  await using forward = await startForward([
    `127.0.0.1:${target.port}`,
    "--drain",
    "300ms",
    "-v",
  ]);
  await using client = new Running([
    "python3",
    "-c",
    `import socket
${READ_TO_END}
c = socket.create_connection(("127.0.0.1", ${forward.port}))
c.sendall(b"question")
print(read_to_end(c), flush=True)
`,
  ]);
  await target.stdout.waitFor(/^got 8$/m);
  forward.kill("SIGTERM");
  const out = await forward.result(10_000);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stderr, /1 still open at the end of the drain, closed/);
  assertMatch((await client.result()).stdout, /^reset \d+$/m);
  assertMatch((await target.result()).stdout, /^reset 0$/m);
});
