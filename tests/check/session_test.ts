import { assert, assertEquals, assertMatch } from "@std/assert";
import type { ProbeOutcome } from "../../lib/check/results.ts";
import { probeSessions, type SessionOptions } from "../../lib/check/session.ts";

/** A loopback server that does `serve` with each client, closed at the end of the test. */
function server(serve: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      conns.push(conn);
      serve(conn).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch {
          // closed by serve
        }
      });
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

async function one(port: number, options: Partial<SessionOptions>): Promise<ProbeOutcome> {
  const found: ProbeOutcome[] = [];
  await probeSessions(["127.0.0.1"], Int32Array.of(0, port), [], {
    timeoutMs: 500,
    concurrency: 1,
    banner: false,
    ...options,
  }, (_, outcome) => found.push(outcome));
  assertEquals(found.length, 1);
  return found[0];
}

const encoder = new TextEncoder();

Deno.test("a session with --send times the first byte of the answer", async () => {
  await using s = server(async (conn) => {
    const buf = new Uint8Array(16);
    const n = await conn.read(buf);
    if (n) await conn.write(buf.subarray(0, n));
  });
  const outcome = await one(s.port, { send: encoder.encode("ping\n") });
  assertEquals(outcome.state, "open");
  assert(outcome.ms!.connect! >= 0 && outcome.ms!.first_byte! >= 0, JSON.stringify(outcome));
});

Deno.test("a session with --banner times the server's first byte", async () => {
  await using s = server(async (conn) => {
    await conn.write(encoder.encode("220 hello\r\n"));
  });
  const outcome = await one(s.port, { banner: true });
  assertEquals(outcome.state, "open");
  assert(outcome.ms!.first_byte! >= 0);
});

Deno.test("a silent server is a timeout with the reason, its connect time kept", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  await using s = server(() => held);
  const outcome = await one(s.port, { send: encoder.encode("ping\n"), timeoutMs: 200 });
  release();
  assertEquals(outcome.state, "timeout");
  assertEquals(outcome.reason, "no answer within 200 ms to --send");
  assert(outcome.ms!.connect! >= 0 && outcome.ms!.first_byte === undefined);
});

Deno.test("a server silent to --banner is open: it took the connection, and waits (TLS)", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  await using s = server(() => held);
  const outcome = await one(s.port, { banner: true, timeoutMs: 200 });
  release();
  assertEquals(outcome.state, "open");
  assertEquals(
    outcome.reason,
    "no banner within 200 ms: the server waits for the client to speak first (as TLS and HTTP " +
      "do: try --tls or --send)",
  );
  assert(outcome.ms!.connect! >= 0 && outcome.ms!.first_byte === undefined);
});

Deno.test("a server that closes without a byte is an error, with why", async () => {
  await using s = server(async () => {});
  const outcome = await one(s.port, { banner: true });
  assertEquals(outcome.state, "error");
  assertMatch(outcome.reason!, /closed the connection without a byte/);
});

Deno.test("a session to a closed port is closed; --tls to a plain server is a tls-error", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = l.addr.port;
  l.close();
  assertEquals(await one(closed, { banner: true }), { state: "closed" });
  await using s = server(async (conn) => {
    await conn.write(encoder.encode("SSH-2.0-OpenSSH_9.2\r\n"));
    await conn.read(new Uint8Array(1024));
  });
  const outcome = await one(s.port, { tls: {} });
  assertEquals(outcome.state, "tls-error");
  assertMatch(outcome.reason!, /does not speak TLS \(it sent "SSH-2\.0-OpenSSH_9\.2"\)/);
});
