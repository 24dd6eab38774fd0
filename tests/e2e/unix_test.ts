/** Unix sockets end to end: connect and serve on unix:/path, with nc -U and socat as peers. */
import { assertEquals, assertMatch } from "@std/assert";
import { bash, Running, TCPKIT, tcpkit, tempDir } from "./_cli.ts";

Deno.test("serve unix:/path --echo answers nc -U and socat UNIX-CONNECT", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/echo.sock`;
  await using server = new Running([...TCPKIT, "serve", `unix:${path}`, "--echo", "-k"]);
  await server.stderr.waitFor(new RegExp(`listening on unix:${path}`));
  const nc = await bash(`printf via-nc | nc -N -U ${path}`);
  assertEquals(nc.stdout, "via-nc");
  const socat = await bash(`printf via-socat | socat - UNIX-CONNECT:${path}`);
  assertEquals(socat.stdout, "via-socat");
});

Deno.test("connect unix:/path sends to socat UNIX-LISTEN and reads its answer after the half-close", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/wc.sock`;
  await using _socat = new Running(["socat", `UNIX-LISTEN:${path}`, "SYSTEM:wc -c"]);
  await bash(`for i in $(seq 100); do [ -S ${path} ] && exit 0; sleep 0.05; done; exit 1`);
  const out = await tcpkit(["connect", `unix:${path}`], { stdin: "x".repeat(5000) });
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout.trim(), "5000");
});

Deno.test("serve unix:/path replaces a stale socket file and removes its own at the end", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/stale.sock`;
  // A socket file whose server is gone: nothing accepts on it.
  await bash(`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.bind('${path}')"`);
  await using server = new Running([...TCPKIT, "serve", `unix:${path}`, "--echo"]);
  await server.stderr.waitFor(/listening on unix:/);
  const out = await bash(`printf once | nc -N -U ${path}`);
  assertEquals(out.stdout, "once");
  assertEquals((await server.result()).code, 0);
  const exists = await Deno.lstat(path).then(() => true, () => false);
  assertEquals(exists, false);
});

Deno.test("serve unix:/path says so when a live server holds the path, exit 1", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/busy.sock`;
  await using first = new Running([...TCPKIT, "serve", `unix:${path}`, "--echo", "-k"]);
  await first.stderr.waitFor(/listening on unix:/);
  const out = await tcpkit(["serve", `unix:${path}`]);
  assertEquals(out.code, 1);
  assertMatch(
    out.stderr,
    /^tcpkit: cannot listen on unix:.*busy\.sock: address already in use; a server is listening on it/,
  );
});

Deno.test("connect to a Unix socket that does not exist says so, exit 1", async () => {
  const out = await tcpkit(["connect", "unix:/nonexistent/tcpkit.sock"]);
  assertEquals(out.code, 1);
  assertEquals(
    out.stderr,
    "tcpkit: cannot connect to unix:/nonexistent/tcpkit.sock: no such socket file\n",
  );
});

Deno.test("serve unix:/path --allow is a usage error at start: a Unix client has no address", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/app.sock`;
  const out = await tcpkit(["serve", `unix:${path}`, "--echo", "-k", "--allow", "127.0.0.0/8"]);
  assertEquals(out.code, 2, out.stderr);
  assertMatch(
    out.stderr,
    /^tcpkit: option "--allow" is for TCP clients: .*\nTry "tcpkit serve --help"\.\n$/,
  );
  // Nothing was listening: no socket file was made.
  assertEquals(await Deno.stat(path).then(() => true, () => false), false);
});
