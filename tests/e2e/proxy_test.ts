/**
 * Proxies end to end, with real peers on loopback: tcpkit's --proxy through microsocks, dante and
 * tinyproxy; curl and OpenBSD nc through `tcpkit proxy`; byte-exact transfers, half-close, the
 * refusals worded, and a SOCKS server of the test's own that records what it was asked.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { makeTestCertificates } from "../_certs.ts";
import {
  bash,
  freePort,
  has,
  Running,
  Server,
  TCPKIT,
  tcpkit,
  TCPKIT_SH,
  tempDir,
  waitForListener,
} from "./_cli.ts";

/** The size of the byte-exact transfers. */
const SIZE = 256 * 1024 * 1024;

function skip(...programs: string[]): string {
  const missing = programs.find((p) => !has(p));
  return missing ? ` (skipped: ${missing} is not installed)` : "";
}

/** `tcpkit proxy 127.0.0.1:0 ARGS`, ready. */
function proxyServer(args: string[] = []): Promise<Server> {
  return Server.spawn([...TCPKIT, "proxy", "127.0.0.1:0", ...args]);
}

/** A file of SIZE random bytes and its sha256, made once. */
let payload: Promise<{ path: string; sha: string }> | undefined;
function randomFile(): Promise<{ path: string; sha: string }> {
  payload ??= (async () => {
    const path = await Deno.makeTempFile({ prefix: "tcpkit-proxy-" });
    const made = await bash(
      `head -c ${SIZE} /dev/urandom > '${path}' && sha256sum < '${path}' | cut -d' ' -f1`,
    );
    return { path, sha: made.stdout.trim() };
  })();
  return payload;
}

/**
 * A peer that hashes all it receives and sends nothing, not even a FIN before the client's: some
 * proxies (microsocks, tinyproxy) close both ways at the first end, which a tcpkit serve with no
 * stdin would cause at once.
 */
async function hashingServer(): Promise<{ port: number; hash: () => Promise<string> }> {
  const peer = new Running(["python3", "-c", HASHING_PEER]);
  const port = Number((await peer.stdout.waitFor(/port (\d+)\n/))[1]);
  return {
    port,
    hash: async () => {
      const { stdout } = await peer.result(120_000);
      return /hash (\w+)/.exec(stdout)?.[1] ?? "";
    },
  };
}

const HASHING_PEER = `import hashlib, socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print("port", l.getsockname()[1], flush=True)
c, _ = l.accept(); h = hashlib.sha256()
while True:
    b = c.recv(1 << 20)
    if not b: break
    h.update(b)
print("hash", h.hexdigest(), flush=True)
c.close()`;

Deno.test({
  name: `connect --proxy carries 256 MiB byte for byte through microsocks${skip("microsocks")}`,
  ignore: skip("microsocks") !== "",
  async fn() {
    const { path, sha } = await randomFile();
    const port = freePort();
    await using _socks = new Running(["microsocks", "-i", "127.0.0.1", "-p", String(port)]);
    await waitForListener(port);
    const server = await hashingServer();
    const sent = await bash(
      `${TCPKIT_SH} connect 127.0.0.1:${server.port} --proxy socks5://127.0.0.1:${port} < '${path}'`,
    );
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals(await server.hash(), sha);
  },
});

Deno.test({
  name: `--proxy with microsocks's login: accepted, refused, missing${skip("microsocks")}`,
  ignore: skip("microsocks") !== "",
  async fn() {
    const port = freePort();
    await using _socks = new Running([
      "microsocks",
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-u",
      "bob",
      "-P",
      "s3 cret",
    ]);
    await waitForListener(port);
    await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
    const target = `127.0.0.1:${echo.port}`;
    const ok = await tcpkit([
      "check",
      target,
      "--proxy",
      `socks5h://bob:s3%20cret@127.0.0.1:${port}`,
    ]);
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    const refused = await tcpkit([
      "connect",
      target,
      "--send",
      "x",
      "--proxy",
      `socks5://bob:wrong@127.0.0.1:${port}`,
    ]);
    assertEquals(refused.code, 1);
    assertEquals(
      refused.stderr,
      `tcpkit: cannot connect to ${target} through socks5://127.0.0.1:${port}: the proxy ` +
        "refused the login\n",
    );
    const missing = await tcpkit([
      "connect",
      target,
      "--send",
      "x",
      "--proxy",
      `socks5://127.0.0.1:${port}`,
    ]);
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /the proxy wants a login/);
  },
});

Deno.test({
  name: `--proxy through dante: 256 MiB byte for byte, and a refused target is closed${
    skip("danted")
  }`,
  ignore: skip("danted") !== "",
  async fn() {
    await using dir = await tempDir();
    const port = freePort();
    const user = new TextDecoder().decode(
      (await new Deno.Command("id", { args: ["-un"] }).output()).stdout,
    ).trim();
    await Deno.writeTextFile(
      `${dir.path}/danted.conf`,
      [
        `logoutput: ${dir.path}/danted.log`,
        `internal: 127.0.0.1 port = ${port}`,
        "external: 127.0.0.1",
        "socksmethod: none",
        "clientmethod: none",
        `user.privileged: ${user}`,
        `user.unprivileged: ${user}`,
        "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
        "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 }",
        "",
      ].join("\n"),
    );
    await using _dante = new Running([
      "danted",
      "-f",
      `${dir.path}/danted.conf`,
      "-p",
      `${dir.path}/pid`,
    ]);
    await waitForListener(port);
    const closed = await tcpkit(["check", "127.0.0.1:1", "--proxy", `socks5://127.0.0.1:${port}`]);
    assertEquals(closed.code, 1);
    assertMatch(closed.stdout, /127\.0\.0\.1:1\s+closed/);
    const { path, sha } = await randomFile();
    const server = await hashingServer();
    const sent = await bash(
      `${TCPKIT_SH} connect 127.0.0.1:${server.port} --proxy socks5h://127.0.0.1:${port} < '${path}'`,
    );
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals(await server.hash(), sha);
  },
});

Deno.test({
  name: `--proxy http:// through tinyproxy with Basic login: 256 MiB, and 407 worded${
    skip("tinyproxy")
  }`,
  ignore: skip("tinyproxy") !== "",
  async fn() {
    await using dir = await tempDir();
    const port = freePort();
    await Deno.writeTextFile(
      `${dir.path}/tinyproxy.conf`,
      [
        `Port ${port}`,
        "Listen 127.0.0.1",
        "Allow 127.0.0.1",
        "BasicAuth bob s3cret",
        "ConnectPort 0",
        "MaxClients 20",
        "Timeout 60",
        "",
      ].join("\n").replace("ConnectPort 0\n", ""),
    );
    await using _tiny = new Running(["tinyproxy", "-d", "-c", `${dir.path}/tinyproxy.conf`]);
    await waitForListener(port);
    await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
    const noLogin = await tcpkit([
      "connect",
      `127.0.0.1:${echo.port}`,
      "--send",
      "x",
      "--proxy",
      `127.0.0.1:${port}`,
    ]);
    assertEquals(noLogin.code, 1);
    assertMatch(noLogin.stderr, /the proxy answered 407 Proxy Authentication Required/);
    // tinyproxy carries no half-close (it closes both ways at the first end): check, not echo.
    const open = await tcpkit([
      "check",
      `127.0.0.1:${echo.port}`,
      "--proxy",
      `http://bob:s3cret@127.0.0.1:${port}`,
    ]);
    assertEquals(open.code, 0, open.stdout);
    const { path, sha } = await randomFile();
    const server = await hashingServer();
    const sent = await bash(
      `${TCPKIT_SH} connect 127.0.0.1:${server.port} --proxy http://bob:s3cret@127.0.0.1:${port} < '${path}'`,
    );
    assertEquals(sent.code, 0, sent.stderr);
    assertEquals(await server.hash(), sha);
  },
});

Deno.test({
  name: `tcpkit proxy carries 256 MiB from nc -X 5 and nc -X connect, byte for byte${skip("nc")}`,
  ignore: skip("nc") !== "",
  async fn() {
    await using proxy = await proxyServer();
    const { path, sha } = await randomFile();
    for (const type of ["5", "connect"]) {
      const server = await hashingServer();
      const sent = await bash(
        `nc -N -X ${type} -x 127.0.0.1:${proxy.port} 127.0.0.1 ${server.port} < '${path}'`,
      );
      assertEquals(sent.code, 0, sent.stderr);
      assertEquals(await server.hash(), sha, `nc -X ${type}`);
    }
  },
});

Deno.test({
  name: `tcpkit proxy serves curl: --socks5, --socks5-hostname, -x -p, and plain -x${skip("curl")}`,
  ignore: skip("curl") !== "",
  async fn() {
    await using proxy = await proxyServer(["--auth", "bob:pw"]);
    await using web = await Server.start([
      "127.0.0.1:0",
      "--reply",
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
      "-k",
    ]);
    const url = `http://127.0.0.1:${web.port}/x`;
    for (
      const how of [
        `--socks5 127.0.0.1:${proxy.port} --proxy-user bob:pw`,
        `--socks5-hostname 127.0.0.1:${proxy.port} --proxy-user bob:pw`,
        `-p -x http://bob:pw@127.0.0.1:${proxy.port}`,
        `-x http://bob:pw@127.0.0.1:${proxy.port}`,
      ]
    ) {
      const got = await bash(`curl -sS --max-time 10 ${how} ${url}`);
      assertEquals(got.stdout, "hi", `${how}: ${got.stderr}`);
    }
    const refused = await bash(
      `curl -s -o /dev/null -w '%{http_code}' -x http://127.0.0.1:${proxy.port} ${url}`,
    );
    assertEquals(refused.stdout, "407");
    proxy.kill("SIGTERM");
    const log = (await proxy.result()).stderr;
    assertMatch(log, /socks5 bob -> 127\.0\.0\.1:\d+: .*; closed/);
    assertMatch(log, /http bob -> 127\.0\.0\.1:\d+: .*; closed/);
  },
});

Deno.test("tcpkit proxy carries a half-close each way: the reply comes after the client's FIN", async () => {
  await using proxy = await proxyServer();
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  for (const scheme of ["socks5", "http"]) {
    const got = await tcpkit([
      "connect",
      `127.0.0.1:${echo.port}`,
      "--send",
      "after the FIN",
      "--proxy",
      `${scheme}://127.0.0.1:${proxy.port}`,
    ]);
    assertEquals(got.stdout, "after the FIN", `${scheme}: ${got.stderr}`);
    assertEquals(got.code, 0);
  }
});

Deno.test("tcpkit proxy refuses destinations by --deny-to, on the address dialled", async () => {
  await using proxy = await proxyServer(["--deny-to", "127.0.0.0/8", "--json"]);
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  const socks = await tcpkit([
    "connect",
    `127.0.0.1:${echo.port}`,
    "--proxy",
    `socks5://127.0.0.1:${proxy.port}`,
    "--send",
    "x",
  ]);
  assertEquals(socks.code, 1);
  assertMatch(socks.stderr, /the proxy refused: not allowed by its rules/);
  const http = await tcpkit([
    "connect",
    `127.0.0.1:${echo.port}`,
    "--proxy",
    `http://127.0.0.1:${proxy.port}`,
    "--send",
    "x",
  ]);
  assertMatch(http.stderr, /the proxy answered 403 Forbidden/);
  proxy.kill("SIGTERM");
  const events = (await proxy.result()).stderr.trim().split("\n").map((l) => JSON.parse(l));
  const denied = events.filter((e) => e.end === "denied");
  assertEquals(denied.length, 2);
  assertEquals(denied[0].target, `127.0.0.1:${echo.port}`);
  assert(typeof denied[0].bytes_sent === "number" && typeof denied[0].duration_ms === "number");
});

Deno.test("--proxy socks5 resolves the name here, socks5h hands it over (a recording server)", async () => {
  // A one-connection-at-a-time SOCKS5 server that records each request and refuses it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const asked: number[][] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      const buffer = new Uint8Array(600);
      let got = 0;
      try {
        got += (await conn.read(buffer)) ?? 0;
        await conn.write(new Uint8Array([5, 0]));
        const n = (await conn.read(buffer)) ?? 0;
        asked.push(Array.from(buffer.subarray(0, n)));
        await conn.write(new Uint8Array([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
      } catch {
        // the client went away
      } finally {
        conn.close();
      }
      if (got === 0) break;
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  // No name is looked up on this machine: socks5h hands it over, and socks5 with -n (no lookups)
  // fails here, before the proxy is asked anything.
  const run = (target: string, scheme: string, ...more: string[]) =>
    tcpkit(["connect", target, "--send", "x", ...more, "--proxy", `${scheme}://127.0.0.1:${port}`]);
  const named = await run("target.test:7", "socks5h");
  assertEquals(named.code, 1);
  assertMatch(named.stderr, /the proxy could not reach the target: connection refused/);
  const here = await run("target.test:7", "socks5", "-n");
  assertEquals(here.code, 3, here.stderr);
  const address = await run("127.0.0.1:7", "socks5");
  assertEquals(address.code, 1);
  listener.close();
  await serving;
  assertEquals(asked, [
    [5, 1, 0, 3, 11, ...new TextEncoder().encode("target.test"), 0, 7],
    [5, 1, 0, 1, 127, 0, 0, 1, 0, 7],
  ]);
});

Deno.test("tcpkit proxy bounds hostile clients: garbage, SOCKS4, huge heads, long logins, stalls", async () => {
  await using proxy = await proxyServer(["--handshake-timeout", "1s", "--auth", "u:p"]);
  const p = proxy.port;
  const py = (body: string) =>
    bash(`python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", ${p}))
${body}
'`);
  const garbage = await py(
    `s.sendall(b"\\x00\\x01garbage"); print(s.recv(100) == b"")`,
  );
  assertEquals(garbage.stdout.trim(), "True");
  const socks4 = await py(
    `s.sendall(b"\\x04\\x01\\x00\\x50\\x7f\\x00\\x00\\x01\\x00"); print(s.recv(100).hex())`,
  );
  assertEquals(socks4.stdout.trim(), "005b000000000000");
  const huge = await py(
    `s.sendall(b"GET http://x/ HTTP/1.1\\r\\n" + b"A: " + b"b" * 1048576)
print(s.recv(100).split(b"\\r\\n")[0].decode())`,
  );
  assertEquals(huge.stdout.trim(), "HTTP/1.1 431 Request Header Fields Too Large");
  const login = await py(
    `s.sendall(b"\\x05\\x01\\x02"); s.recv(2)
s.sendall(b"\\x01\\xff" + b"u" * 255 + b"\\xff" + b"p" * 255); print(s.recv(2).hex())`,
  );
  assertEquals(login.stdout.trim(), "0101");
  const stall = await py(`s.sendall(b"\\x05"); print(s.recv(100) == b"")`);
  assertEquals(stall.stdout.trim(), "True");
  // A thousand at once, then one that works: the proxy is still there.
  const many = await py(`
socks = []
for _ in range(1000):
    c = socket.create_connection(("127.0.0.1", ${p}))
    c.sendall(b"\\x05\\x01\\x02")
    socks.append(c)
print(sum(len(c.recv(2)) == 2 for c in socks))`);
  assertEquals(many.stdout.trim(), "1000");
  proxy.kill("SIGTERM");
  const log = (await proxy.result()).stderr;
  assertMatch(log, /bad request \(neither SOCKS5 nor HTTP\)/);
  assertMatch(log, /SOCKS4 is not served/);
  assertMatch(log, /login refused/);
  assertMatch(log, /no request within the handshake timeout/);
});

Deno.test("tcpkit proxy will not be an open proxy on every interface by accident", async () => {
  const out = await tcpkit(["proxy", "0"]);
  assertEquals(out.code, 2);
  assertMatch(out.stderr, /^tcpkit: refusing to run an open proxy on every interface/);
});

Deno.test("--proxy: the proxy unreachable is 1, its name unresolved 3, a silent one a timeout (4)", async () => {
  const refused = await tcpkit(["connect", "127.0.0.1:9", "--proxy", "socks5://127.0.0.1:1"]);
  assertEquals(refused.code, 1);
  assertEquals(
    refused.stderr,
    "tcpkit: cannot connect to the proxy socks5://127.0.0.1:1: connection refused\n",
  );
  const unresolved = await tcpkit([
    "connect",
    "127.0.0.1:9",
    "-n",
    "--proxy",
    "socks5://proxy.invalid:1080",
  ]);
  assertEquals(unresolved.code, 3, unresolved.stderr);
  // A server that accepts and says nothing.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) held.push(c);
  })();
  const port = (silent.addr as Deno.NetAddr).port;
  const timedOut = await tcpkit([
    "connect",
    "127.0.0.1:9",
    "--timeout",
    "500ms",
    "--proxy",
    `socks5://127.0.0.1:${port}`,
  ]);
  assertEquals(timedOut.code, 4, timedOut.stderr);
  assertMatch(timedOut.stderr, /through socks5:\/\/127\.0\.0\.1:\d+: timed out after 500 ms/);
  silent.close();
  for (const c of held) c.close();
  await accepting;
});

Deno.test("connect and greet -v say which proxy they went through, and --json carries it", async () => {
  await using proxy = await proxyServer();
  await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
  const via = `socks5://127.0.0.1:${proxy.port}`;
  const target = `127.0.0.1:${echo.port}`;
  const text = await tcpkit(["connect", target, "--send", "ping", "-v", "--proxy", via]);
  assertEquals(text.code, 0, text.stderr);
  assertEquals(text.stdout, "ping");
  assert(text.stderr.includes(`connected to ${target} through ${via} in `), text.stderr);
  const json = await tcpkit(["connect", target, "--send", "ping", "--json", "--proxy", via]);
  const connected = json.stderr.trim().split("\n").map((l) => JSON.parse(l))
    .find((e) => e.event === "connected");
  assertEquals(connected.proxy, via);
  const greet = await tcpkit(["greet", target, "-v", "--wait", "100ms", "--proxy", via]);
  assert(greet.stderr.includes(`connected to ${target} through ${via} in `), greet.stderr);
});

Deno.test("forward carries clients to a verified tls:// target through --proxy", async () => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  await using target = await Server.start([
    "127.0.0.1:0",
    "--tls",
    "--cert",
    certs.valid.cert,
    "--key",
    certs.valid.key,
    "--echo",
    "-k",
  ]);
  await using proxy = await proxyServer();
  // The plain verified path (Deno's TLS) over the connection to the proxy.
  await using forwarder = await Server.spawn([
    ...TCPKIT,
    "forward",
    "127.0.0.1:0",
    `tls://127.0.0.1:${target.port}`,
    "--ca",
    certs.ca.cert,
    "--proxy",
    `socks5://127.0.0.1:${proxy.port}`,
  ]);
  const out = await tcpkit(["connect", `127.0.0.1:${forwarder.port}`, "--send", "through"]);
  assertEquals([out.code, out.stdout], [0, "through"], out.stderr);
});

Deno.test("tcpkit proxy answers 502 to an origin's status line it cannot pass on, and goes on", async () => {
  const origin = new Running([
    "python3",
    "-c",
    `
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print("port", s.getsockname()[1], flush=True)
for _ in range(2):
    c, _ = s.accept(); c.recv(65536)
    c.sendall(b"HTTP/1.1 200 O\\x01K\\r\\nContent-Length: 2\\r\\n\\r\\nhi"); c.close()
`,
  ]);
  const port = Number((await origin.stdout.waitFor(/port (\d+)\n/))[1]);
  await using proxy = await proxyServer();
  const ask = () =>
    bash(`python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", ${proxy.port})); s.settimeout(10)
s.sendall(b"GET http://127.0.0.1:${port}/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
print(s.recv(100).split(b"\\r\\n")[0].decode())'`);
  assertEquals((await ask()).stdout.trim(), "HTTP/1.1 502 Bad Gateway");
  assertEquals((await ask()).stdout.trim(), "HTTP/1.1 502 Bad Gateway");
  await origin.result();
  proxy.kill("SIGTERM");
  const out = await proxy.result();
  assert(!out.stderr.includes("Uncaught"), out.stderr);
});

Deno.test("tcpkit proxy closes an origin's connection when the client leaves mid-request", async () => {
  // The origin reads the request, never answers, and says when its connection closes.
  await using origin = new Running([
    "python3",
    "-c",
    `import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); data = b""
while b"\\r\\n\\r\\n" not in data:
    data += c.recv(4096)
print("asked", flush=True)
while c.recv(4096):
    pass
print("closed", flush=True)`,
  ]);
  const port = Number((await origin.stdout.waitFor(/^(\d+)\n/))[1]);
  await using proxy = await proxyServer();
  using client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await client.write(
    new TextEncoder().encode(
      `GET http://127.0.0.1:${port}/slow HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    ),
  );
  await origin.stdout.waitFor(/asked\n/);
  client.close();
  await origin.stdout.waitFor(/closed\n/);
});
