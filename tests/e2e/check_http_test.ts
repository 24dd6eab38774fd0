/**
 * check http:// and https:// end to end, against servers tcpkit did not write: python3's
 * http.server (tests/e2e/_http_server.py) answering 200, 503, late, not at all, chunked, 10 MB,
 * garbage; nginx on a loopback port and on a Unix socket (HEAD and GET); and HTTPS with
 * openssl-made certificates (valid, expired, for another name, pinned). All on loopback.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { makeTestCertificates } from "../_certs.ts";
import { parseExposition } from "../check/_prometheus.ts";
import { has, pythonPeer, Running, tcpkit, tempDir, waitForListener } from "./_cli.ts";
import denoJson from "../../deno.json" with { type: "json" };

const HTTP_SERVER = new URL("./_http_server.py", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Json = any;

function jsonLines(stdout: string): Json[] {
  return stdout.trim().split("\n").map((line) => JSON.parse(line));
}

function resultsOf(stdout: string): Json[] {
  return jsonLines(stdout).filter((o) => o.event === "result");
}

/** The test server on a free port (or with TLS), stopped when disposed. */
async function httpServer(extra: string[] = []): Promise<Running & { port: number; url: string }> {
  const server = new Running(["python3", HTTP_SERVER, ...extra]) as Running & {
    port: number;
    url: string;
  };
  try {
    server.port = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
  } catch (e) {
    await server[Symbol.asyncDispose]();
    throw new Error(`the HTTP server did not start: ${server.stderr.text}`, { cause: e });
  }
  const tls = extra.includes("--tls");
  server.url = `${tls ? "https" : "http"}://127.0.0.1:${server.port}`;
  return server;
}

/** What the server saw (`/stats`). */
async function statsOf(url: string): Promise<Json> {
  const response = await fetch(`${url}/stats`);
  return await response.json();
}

Deno.test("check http:// reports each answer with its state, reason and the exit code", async () => {
  await using server = await httpServer();
  const { url } = server;
  const ok = await tcpkit(["check", `${url}/ok`, "--json"]);
  assertEquals(ok.code, 0, ok.stderr);
  const [result] = resultsOf(ok.stdout);
  assertEquals(result.state, "open");
  assertEquals(result.target, `${url}/ok`);
  assertEquals(result.address, "127.0.0.1");
  assertEquals(result.http, {
    status: 200,
    reason: "OK",
    version: "1.1",
    content_type: "text/plain",
    content_length: 3,
    location: null,
    body_bytes: 3,
  });
  for (const field of ["connect_ms", "first_byte_ms", "total_ms"]) {
    assert(typeof result[field] === "number", `${field} in ${ok.stdout}`);
  }
  assert(result.total_ms >= result.first_byte_ms);

  const fail = await tcpkit(["check", `${url}/fail`]);
  assertEquals(fail.code, 1);
  assertMatch(
    fail.stdout,
    /\/fail\s+unhealthy .*HTTP 503 Service Unavailable; status 503, expected 200-399/,
  );

  const expected = await tcpkit(["check", `${url}/fail`, "--expect", "503"]);
  assertEquals(expected.code, 0, expected.stdout);

  const twoXx = await tcpkit(["check", `${url}/redirect`, "--expect", "2xx", "--json"]);
  assertEquals(twoXx.code, 1);
  const [redirect] = resultsOf(twoXx.stdout);
  assertEquals([redirect.state, redirect.reason], ["unhealthy", "status 302, expected 2xx"]);
  assertEquals(redirect.http.location, "/ok");
  // Redirects are not followed: a 3xx is the answer, healthy by default.
  assertEquals((await tcpkit(["check", `${url}/redirect`])).code, 0);
});

Deno.test("check http:// tells a server that is slow, closes, or does not speak HTTP", async () => {
  await using server = await httpServer();
  const { url } = server;
  const out = await tcpkit([
    "check",
    "--json",
    "--timeout",
    "700ms",
    `${url}/slow?ms=3000`,
    `${url}/close`,
    `${url}/garbage`,
    `${url}/stall`,
  ]);
  assertEquals(out.code, 1);
  const [slow, close, garbage, stall] = resultsOf(out.stdout);
  assertEquals([slow.state, slow.reason], ["timeout", "no HTTP answer within 700 ms"]);
  assertEquals(
    [close.state, close.reason],
    ["error", "the server closed the connection without an answer"],
  );
  assertEquals(garbage.state, "error");
  assertEquals(
    garbage.reason,
    'the answer is not HTTP (it began "SSH-2.0-OpenSSH_9.2 not http at all")',
  );
  assertEquals(stall.state, "timeout");
  assertMatch(stall.reason, /^the answer did not end within 700 ms \(\d+ B read\)$/);
  assertEquals(out.stderr, "");
});

Deno.test("check http:// reads a chunked body and finds --expect-body in it", async () => {
  await using server = await httpServer();
  const { url } = server;
  const found = await tcpkit(["check", `${url}/chunked`, "--expect-body", "all healthy", "--json"]);
  assertEquals(found.code, 0, found.stdout);
  assertEquals(resultsOf(found.stdout)[0].http.body_bytes, "status: all healthy\n".length);
  const lacking = await tcpkit(["check", `${url}/chunked`, "--expect-body", "ok"]);
  assertEquals(lacking.code, 1);
  assertMatch(lacking.stdout, /unhealthy .*body lacks "ok"/);
});

Deno.test("check http:// reads at most 64 KiB of a 10 MB body, then closes", async () => {
  await using server = await httpServer();
  const { url } = server;
  const out = await tcpkit(["check", `${url}/big`, "--json", "--expect-body", "y"]);
  assertEquals(out.code, 1);
  const [big] = resultsOf(out.stdout);
  assertEquals(big.http.body_bytes, 65536);
  assertEquals(big.http.content_length, 10 * 1024 * 1024);
  assertEquals(big.reason, 'body lacks "y" (in its first 64 KiB)');
  // The server could not send its 10 MB: tcpkit closed the connection rather than read on.
  let stats = await statsOf(url);
  for (let i = 0; i < 100 && stats.big_broken + stats.big_done === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stats = await statsOf(url);
  }
  assertEquals([stats.big_done, stats.big_broken], [0, 1]);
  assert(stats.big_sent_max < 10 * 1024 * 1024, JSON.stringify(stats));
});

Deno.test("check http:// sends its User-Agent, -H headers, and HEAD with --method", async () => {
  await using server = await httpServer();
  const { url } = server;
  const out = await tcpkit([
    "check",
    `${url}/ok`,
    "-H",
    "X-Test: yes please",
    "--method",
    "head",
    "--json",
  ]);
  assertEquals(out.code, 0, out.stdout + out.stderr);
  assertEquals(resultsOf(out.stdout)[0].http.body_bytes, 0);
  let stats = await statsOf(url);
  assertEquals(
    [stats.method, stats.user_agent, stats.x_test],
    ["HEAD", `tcpkit/${denoJson.version}`, "yes please"],
  );
  await tcpkit(["check", `${url}/ok`, "-H", "User-Agent: probe/1"]);
  stats = await statsOf(url);
  assertEquals([stats.method, stats.user_agent], ["GET", "probe/1"]);
});

Deno.test("check mixes http:// targets with HOST:PORT targets, in the order given", async () => {
  await using server = await httpServer();
  const { url, port } = server;
  const out = await tcpkit([
    "check",
    `127.0.0.1:${port}`,
    `${url}/ok`,
    "127.0.0.1:1",
    `${url}/fail`,
  ]);
  assertEquals(out.code, 1);
  const lines = out.stdout.trim().split("\n");
  assertMatch(lines[0], /^TARGET\s+STATE\s+LATENCY$/);
  assertMatch(lines[1], new RegExp(`^127\\.0\\.0\\.1:${port}\\s+open`));
  assertMatch(lines[2], new RegExp(`^${url}/ok\\s+open .*HTTP 200 OK$`));
  assertMatch(lines[3], /^127\.0\.0\.1:1\s+closed/);
  assertMatch(lines[4], /\/fail\s+unhealthy/);
  assertMatch(lines[5], /^4 ports on 1 host in .*: 2 open, 1 unhealthy, 1 closed$/);
});

Deno.test("check http:// --count gives statistics per phase, --format prometheus blackbox's names", async () => {
  await using server = await httpServer();
  const { url } = server;
  const counted = await tcpkit([
    "check",
    `${url}/ok`,
    "--count",
    "3",
    "--interval",
    "10ms",
    "--json",
  ]);
  assertEquals(counted.code, 0, counted.stderr);
  const lines = jsonLines(counted.stdout);
  assertEquals(lines.filter((o) => o.event === "probe").map((o) => o.http?.status), [
    200,
    200,
    200,
  ]);
  const [result] = lines.filter((o) => o.event === "result");
  assertEquals(result.phases.first_byte.count, 3);
  assertEquals(result.phases.total.count, 3);

  const prom = await tcpkit(["check", `${url}/fail`, `${url}/ok`, "--format", "prometheus"]);
  assertEquals(prom.code, 1);
  const { samples } = parseExposition(prom.stdout);
  const value = (name: string, path: string, extra: Record<string, string> = {}) =>
    samples.find((s) =>
      s.name === name && s.labels.target === `${url}${path}` &&
      Object.entries(extra).every(([k, v]) => s.labels[k] === v)
    )?.value;
  assertEquals(value("probe_success", "/ok"), 1);
  assertEquals(value("probe_success", "/fail"), 0);
  assertEquals(value("probe_http_status_code", "/fail"), 503);
  for (const phase of ["resolve", "connect", "tls", "processing", "transfer"]) {
    assert(value("probe_http_duration_seconds", "/ok", { phase }) !== undefined, phase);
  }
  assertEquals(value("probe_http_content_length", "/ok"), 3);
});

Deno.test("check http:// --unix-socket asks a server on a Unix socket", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/app.sock`;
  await using _server = await (async () => {
    const server = new Running(["python3", HTTP_SERVER, "--unix", path]);
    await server.stdout.waitFor(/^unix\n/);
    return server;
  })();
  const out = await tcpkit(["check", "--unix-socket", path, "http://app.local/ok", "--json"]);
  assertEquals(out.code, 0, out.stdout + out.stderr);
  const [result] = resultsOf(out.stdout);
  assertEquals([result.state, result.http.status], ["open", 200]);
  const missing = await tcpkit(["check", "--unix-socket", `${dir.path}/none`, "http://x/ok"]);
  assertEquals(missing.code, 1);
  assertMatch(missing.stdout, /http:\/\/x\/ok\s+error\s+no such socket file/);
});

Deno.test("check https:// verifies as connect does: valid, expired and wrong name exit 5, --pin", async () => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  await using valid = await httpServer(["--tls", certs.valid.cert, certs.valid.key]);
  await using expired = await httpServer(["--tls", certs.expired.cert, certs.expired.key]);
  await using wrong = await httpServer(["--tls", certs.wrongName.cert, certs.wrongName.key]);

  const good = await tcpkit(["check", `${valid.url}/ok`, "--ca", certs.ca.cert, "--json"]);
  assertEquals(good.code, 0, good.stdout + good.stderr);
  const [result] = resultsOf(good.stdout);
  assertEquals([result.state, result.http.status, result.tls.verified], ["open", 200, true]);
  assert(typeof result.handshake_ms === "number");

  const old = await tcpkit(["check", `${expired.url}/ok`, "--ca", certs.ca.cert]);
  assertEquals(old.code, 5, old.stdout);
  assertMatch(old.stdout, /unverified\s+certificate expired on 2026-10-01/);

  const other = await tcpkit(["check", `${wrong.url}/ok`, "--ca", certs.ca.cert]);
  assertEquals(other.code, 5, other.stdout);
  assertMatch(other.stdout, /unverified\s+certificate is for example\.com, not 127\.0\.0\.1/);

  // Without --ca, the test CA is unknown; a pin trusts exactly the one certificate.
  const unknown = await tcpkit(["check", `${valid.url}/ok`]);
  assertEquals(unknown.code, 5, unknown.stdout);
  const fingerprint = (await new Deno.Command("openssl", {
    args: ["x509", "-in", certs.valid.cert, "-noout", "-fingerprint", "-sha256"],
  }).output()).stdout;
  const pin = new TextDecoder().decode(fingerprint).trim().split("=")[1];
  const pinned = await tcpkit(["check", `${valid.url}/ok`, "--pin", pin]);
  assertEquals(pinned.code, 0, pinned.stdout);
  const mismatch = await tcpkit(["check", `${valid.url}/ok`, "--pin", "00".repeat(32)]);
  assertEquals(mismatch.code, 5);
  assertMatch(mismatch.stdout, /unverified\s+certificate fingerprint .* does not match --pin/);
  // An https:// target with -k is taken whatever its certificate.
  assertEquals((await tcpkit(["check", `${expired.url}/ok`, "-k"])).code, 0);
});

/** nginx started by the test on a free port and a Unix socket, all its files in a temp dir. */
async function nginx(
  dir: string,
): Promise<{ port: number; socket: string } & AsyncDisposable> {
  const port = await freeTcpPort();
  const socket = `${dir}/nginx.sock`;
  await Deno.writeTextFile(`${dir}/healthz`, "healthy\n");
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:${port};
    listen unix:${socket};
    root ${dir};
    location = /down { return 503 "down\\n"; }
  }
}
`,
  );
  // nginx's worker runs as another user when the test runs as root: it must read the files.
  await Deno.chmod(dir, 0o755);
  const running = new Running(["nginx", "-c", conf, "-p", dir, "-g", "daemon off;"]);
  // SIGTERM, not SIGKILL: nginx's master then stops its worker, which holds the output pipes.
  const stop = async () => {
    running.kill("SIGTERM");
    await running.result();
  };
  try {
    await waitForListener(port);
  } catch (e) {
    await stop();
    throw new Error(`nginx did not start: ${running.stderr.text}`, { cause: e });
  }
  return { port, socket, [Symbol.asyncDispose]: stop };
}

async function freeTcpPort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return await Promise.resolve(port);
}

Deno.test({
  name: "check http:// asks nginx on a port and on a Unix socket, with GET and HEAD",
  ignore: !has("nginx"),
  fn: async () => {
    await using dir = await tempDir();
    await using server = await nginx(dir.path);
    const base = `http://127.0.0.1:${server.port}`;
    const get = await tcpkit([
      "check",
      `${base}/healthz`,
      `${base}/down`,
      `${base}/missing`,
      "--expect-body",
      "healthy",
      "--json",
    ]);
    assertEquals(get.code, 1, get.stderr);
    const [healthz, down, missing] = resultsOf(get.stdout);
    assertEquals([healthz.state, healthz.http.status, healthz.http.body_bytes], ["open", 200, 8]);
    assertEquals(healthz.http.content_type, "text/plain");
    assertEquals([down.state, down.reason], ["unhealthy", "status 503, expected 200-399"]);
    assertEquals([missing.state, missing.http.status], ["unhealthy", 404]);

    const head = await tcpkit(["check", `${base}/healthz`, "--method", "HEAD", "--json"]);
    assertEquals(head.code, 0, head.stdout);
    const [headed] = resultsOf(head.stdout);
    assertEquals([headed.http.status, headed.http.content_length, headed.http.body_bytes], [
      200,
      8,
      0,
    ]);

    const unix = await tcpkit([
      "check",
      "--unix-socket",
      server.socket,
      "http://localhost/healthz",
      "--expect-body",
      "healthy",
    ]);
    assertEquals(unix.code, 0, unix.stdout + unix.stderr);
    assertMatch(unix.stdout, /http:\/\/localhost\/healthz\s+open .*HTTP 200 OK/);
    const unixHead = await tcpkit([
      "check",
      "--unix-socket",
      server.socket,
      "http://localhost/down",
      "--method",
      "HEAD",
    ]);
    assertEquals(unixHead.code, 1);
    assertMatch(unixHead.stdout, /unhealthy .*status 503/);
  },
});

/** A server that breaks HTTP as its request's path says (`/reset-body`, `/huge-headers`, ...). */
const HOSTILE_HTTP = `import struct, threading, time
def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
def serve(c):
    request = b""
    while b"\\r\\n\\r\\n" not in request:
        chunk = c.recv(4096)
        if not chunk: return
        request += chunk
    path = request.split(b" ")[1]
    head = b"HTTP/1.1 200 OK\\r\\n"
    try:
        if path == b"/bad-header":
            c.sendall(head + b"X: a\\x01b\\r\\nContent-Length: 2\\r\\n\\r\\nok")
        elif path == b"/bad-status":
            c.sendall(b"HTTP/1.1 abc OK\\r\\n\\r\\n")
        elif path == b"/huge-headers":
            c.sendall(head)
            for _ in range(100000): c.sendall(b"X-A: " + b"a" * 1000 + b"\\r\\n")
        elif path == b"/bad-chunk":
            c.sendall(head + b"Transfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\nabc\\r\\n")
        elif path == b"/reset-headers":
            c.sendall(head + b"Content-Le"); time.sleep(0.1); reset(c); return
        elif path == b"/reset-body":
            c.sendall(head + b"Content-Length: 100000\\r\\n\\r\\n" + b"x" * 1000)
            time.sleep(0.1); reset(c); return
        elif path == b"/upgrade":
            c.sendall(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: x\\r\\nConnection: Upgrade\\r\\n\\r\\nxy")
            time.sleep(5)
        elif path == b"/reset-after":
            c.sendall(head + b"Content-Length: 2\\r\\n\\r\\nok"); time.sleep(0.1); reset(c); return
        time.sleep(0.5)
        c.close()
    except OSError:
        pass
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()`;

Deno.test("check http:// gives a state and a reason for each way a server breaks HTTP", async () => {
  await using server = await pythonPeer(HOSTILE_HTTP);
  const url = `http://127.0.0.1:${server.port}`;
  const cases: [string, string, string][] = [
    ["/bad-header", "error", "malformed HTTP answer: invalid header value char"],
    ["/bad-status", "error", "malformed HTTP answer: invalid status code"],
    ["/huge-headers", "error", "the answer's headers are larger than 16 KiB"],
    ["/bad-chunk", "error", "malformed HTTP answer: invalid character in chunk size"],
    [
      "/reset-headers",
      "error",
      "the server reset the connection in the middle of its answer's headers (27 B read)",
    ],
    ["/reset-body", "error", "the body broke off after 1000 B"],
    // node hands a 101 over as an upgrade: it is still an answer, not one that never ends.
    ["/upgrade", "unhealthy", "status 101, expected 200-399"],
  ];
  const out = await tcpkit(["check", "--json", ...cases.map(([path]) => url + path)]);
  assertEquals(out.code, 1, out.stderr);
  assertEquals(out.stderr, "");
  const results = resultsOf(out.stdout);
  assertEquals(
    results.map((r) => [new URL(r.target).pathname, r.state, r.reason]),
    cases,
  );
  // A whole answer, then a reset: the answer was had.
  const after = await tcpkit(["check", `${url}/reset-after`]);
  assertEquals(after.code, 0, after.stdout + after.stderr);
});

Deno.test("check https:// marks a server that hangs up or resets during the handshake, no crash", async () => {
  // Each client's ClientHello is read; then the first gets a close, the second a reset.
  await using server = await pythonPeer(`import struct
for n in range(2):
    c, _ = s.accept()
    c.recv(4096)
    if n == 1:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()`);
  const url = `https://127.0.0.1:${server.port}/`;
  for (const extra of [[], ["-k"]]) {
    const out = await tcpkit(["check", "--json", url, ...extra]);
    assertEquals(out.code, 5, out.stderr);
    assertEquals(out.stderr, "");
    const [result] = resultsOf(out.stdout);
    assertEquals(result.state, "tls-error");
    assertMatch(result.reason, /^TLS handshake failed: the server (closed|reset) the connection/);
  }
});
