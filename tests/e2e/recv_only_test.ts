/**
 * connect -d/--recv-only: downloads from servers that quit at the client's FIN (nc -N -l, socat),
 * byte for byte, with stdin never read and no FIN sent before the server's close.
 */
import { assertEquals, assertMatch, assertNotMatch } from "@std/assert";
import {
  bash,
  freePort,
  has,
  Running,
  TCPKIT,
  tcpkit,
  TCPKIT_SH,
  tempDir,
  waitForListener,
} from "./_cli.ts";

const SIZE = 256 * 1024 * 1024;

function skip(...programs: string[]): string {
  const missing = programs.filter((program) => !has(program));
  return missing.length ? ` [skipped: ${missing.join(", ")} not installed]` : "";
}

/** The SHA-256 of a file, by sha256sum (256 MiB is not read into the test's memory). */
async function sha256(path: string): Promise<string> {
  const out = await bash(`sha256sum '${path}'`);
  assertEquals(out.code, 0, out.stderr);
  return out.stdout.slice(0, 64);
}

/** Starts `script` (a server reading nothing but its file) and waits until it listens. */
async function peer(script: string, port: number): Promise<Running> {
  const server = new Running(["bash", "-c", script]);
  await waitForListener(port);
  return server;
}

Deno.test({
  name: `connect -d downloads 256 MiB byte for byte from nc -N -l and from socat${
    skip("nc", "socat")
  }`,
  ignore: skip("nc", "socat") !== "",
  async fn(t) {
    await using dir = await tempDir();
    const big = `${dir.path}/big.bin`;
    const got = `${dir.path}/got.bin`;
    assertEquals((await bash(`head -c ${SIZE} /dev/urandom > '${big}'`)).code, 0);
    const expected = await sha256(big);

    const servers = {
      // OpenBSD nc quits as soon as it sees the client's FIN, whatever it still had to send.
      "nc -N -l": (port: number) => `exec nc -N -l 127.0.0.1 ${port} < '${big}'`,
      // socat, both ways: at the client's FIN it gives the other direction 0.5 s, then quits.
      "socat": (port: number) =>
        `exec socat TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr STDIO < '${big}' > /dev/null`,
    };
    for (const [name, script] of Object.entries(servers)) {
      await t.step(name, async () => {
        const port = freePort();
        await using server = await peer(script(port), port);
        const out = await bash(
          `${TCPKIT_SH} connect -d -v 127.0.0.1:${port} > '${got}' < /dev/zero`,
        );
        assertEquals(out.code, 0, out.stderr);
        // Nothing was sent (stdin, /dev/zero, was not read), all was received.
        assertMatch(out.stderr, /^tcpkit: closed 127\.0\.0\.1:\d+: received 256 MiB in /m);
        assertEquals((await Deno.stat(got)).size, SIZE);
        assertEquals(await sha256(got), expected);
        assertEquals((await server.result(10_000)).code, 0);
      });
    }
  },
});

Deno.test({
  name: `connect -d leaves stdin unread, for what comes after it${skip("nc")}`,
  ignore: skip("nc") !== "",
  async fn() {
    await using dir = await tempDir();
    await Deno.writeTextFile(`${dir.path}/file`, "the server's file\n");
    const port = freePort();
    await using server = await peer(`exec nc -N -l 127.0.0.1 ${port} < '${dir.path}/file'`, port);
    // The next command of the script reads the same stdin: tcpkit took none of it.
    const out = await bash(
      `printf 'left for cat' | { ${TCPKIT_SH} connect -d 127.0.0.1:${port} > '${dir.path}/got'; ` +
        `echo "EXIT=$?"; cat; }`,
    );
    assertEquals(out.stdout, "EXIT=0\nleft for cat");
    assertEquals(await Deno.readTextFile(`${dir.path}/got`), "the server's file\n");
    assertEquals((await server.result(10_000)).code, 0);
  },
});

Deno.test("connect -d: a server that resets is a failure, but no 'input not delivered'", async () => {
  // A python server that sends a little, then, when told (a line on its stdin), resets.
  const script = `import socket, struct, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.sendall(b"partial")
sys.stdin.readline()
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()`;
  await using server = new Running(["python3", "-c", script], { stdin: true });
  const port = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
  await using client = new Running([...TCPKIT, "connect", "-d", `127.0.0.1:${port}`]);
  await client.stdout.waitFor(/partial/);
  await server.write("reset\n");
  const out = await client.result();
  assertEquals(out.code, 1, out.stderr);
  assertMatch(out.stderr, /^tcpkit: connection to 127\.0\.0\.1:\d+: .*reset/m);
  assertNotMatch(out.stderr, /not delivered/);
  assertEquals((await server.result()).code, 0);
});

Deno.test("connect -d with --send or --crlf is a usage error", async () => {
  for (const extra of [["--send", "x"], ["--crlf"]]) {
    const out = await tcpkit(["connect", "-d", "127.0.0.1:9", ...extra]);
    assertEquals(out.code, 2, out.stderr);
    assertMatch(out.stderr, /^tcpkit: conflicting options "--recv-only" and "--(send|crlf)"/);
  }
});
