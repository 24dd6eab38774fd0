/**
 * check --wait and connect --wait end to end: a server that starts 1.5 s late, one that answers
 * 503 for its first 1.5 s, and one that never comes (exit 1 at the deadline). Real peers on
 * loopback (python3's http.server, tests/e2e/_http_server.py).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { freePort, Running, tcpkit } from "./_cli.ts";

const HTTP_SERVER = new URL("./_http_server.py", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Json = any;

/** Starts the test HTTP server on `port` after `ms`; resolves once it is up. */
function lateServer(port: number, ms: number): { up: Promise<Running> } {
  const up = new Promise<Running>((resolve, reject) => {
    setTimeout(async () => {
      const server = new Running(["python3", HTTP_SERVER, String(port)]);
      try {
        await server.stdout.waitFor(/^\d+\n/);
        resolve(server);
      } catch (e) {
        await server[Symbol.asyncDispose]();
        reject(e);
      }
    }, ms);
  });
  return { up };
}

Deno.test("check --wait exits 0 once a server that starts 1.5 s late answers", async () => {
  const port = freePort();
  const started = performance.now();
  const late = lateServer(port, 1500);
  const out = await tcpkit([
    "check",
    "--wait",
    "15s",
    "--json",
    `http://127.0.0.1:${port}/ok`,
    `127.0.0.1:${port}`,
  ]);
  const elapsed = performance.now() - started;
  await using _server = await late.up;
  assertEquals(out.code, 0, out.stdout + out.stderr);
  const lines: Json[] = out.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const attempts = lines.filter((o) => o.event === "attempt");
  assert(attempts.length >= 3, out.stdout);
  assertEquals(attempts[0].waiting.map((w: Json) => w.state), ["closed", "closed"]);
  assertEquals(attempts.at(-1).up, 2);
  assertEquals(attempts.at(-1).waiting, []);
  assertEquals(lines.filter((o) => o.event === "result").map((o) => o.state), ["open", "open"]);
  assertEquals(lines.at(-1).event, "summary");
  // At once: within about a second of the backoff after the server came up.
  assert(elapsed >= 1500 && elapsed < 10_000, `${elapsed} ms`);
});

Deno.test("check --wait waits out 1.5 s of 503 answers", async () => {
  await using server = new Running(["python3", HTTP_SERVER]);
  const port = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
  const out = await tcpkit(["check", "--wait", "15s", `http://127.0.0.1:${port}/flaky?ms=1500`]);
  assertEquals(out.code, 0, out.stdout + out.stderr);
  assertMatch(out.stdout, /flaky\?ms=1500\s+open .*HTTP 200 OK/);
  const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
  assert(stats.requests >= 3, JSON.stringify(stats));
});

Deno.test("check --wait exits 1 at the deadline with each target's last state and reason", async () => {
  await using server = new Running(["python3", HTTP_SERVER]);
  const port = Number((await server.stdout.waitFor(/^(\d+)\n/))[1]);
  const started = performance.now();
  const out = await tcpkit([
    "check",
    "--wait",
    "1500ms",
    `http://127.0.0.1:${port}/fail`,
    `http://127.0.0.1:${port}/ok`,
    "127.0.0.1:1",
  ]);
  const elapsed = performance.now() - started;
  assertEquals(out.code, 1, out.stdout);
  assert(elapsed >= 1500 && elapsed < 10_000, `${elapsed} ms`);
  assertMatch(out.stdout, /\/fail\s+unhealthy .*status 503, expected 200-399/);
  assertMatch(out.stdout, /\/ok\s+open/);
  assertMatch(out.stdout, /127\.0\.0\.1:1\s+closed/);
  assertMatch(
    out.stderr,
    /^tcpkit: gave up waiting after 1\.50 s \(\d+ attempts\): 2 of 3 targets not up\n$/,
  );
});

Deno.test("connect --wait connects once a server that starts 1.5 s late is up", async () => {
  const port = freePort();
  const late = lateServer(port, 1500);
  const out = await tcpkit([
    "connect",
    "--wait",
    "15s",
    "-v",
    `127.0.0.1:${port}`,
    "--send",
    "GET /ok HTTP/1.0\r\n\r\n",
  ]);
  await using _server = await late.up;
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /^HTTP\/1\.[01] 200 OK\r\n/);
  assertMatch(out.stderr, /tcpkit: waiting: cannot connect to .*: connection refused \(attempt 1,/);
});

Deno.test("connect --wait gives up at the deadline with the connect's own error", async () => {
  const started = performance.now();
  const out = await tcpkit(["connect", "--wait", "700ms", "127.0.0.1:1"]);
  const elapsed = performance.now() - started;
  assertEquals(out.code, 1);
  assertEquals(out.stderr, "tcpkit: cannot connect to 127.0.0.1:1: connection refused\n");
  assert(elapsed >= 700, `${elapsed} ms`);
});
