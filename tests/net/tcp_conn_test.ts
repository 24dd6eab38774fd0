/** TcpConn and TcpListener: node:net sockets as Deno.Conn, that can also be reset. */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { connSource } from "../../lib/io/chunks.ts";
import { connectTcp, listenTcp, type TcpConn } from "../../lib/net/tcp_conn.ts";
import { resetQuietly } from "../../lib/net/close.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A Deno listener and a TcpConn dialled to it, with the accepted end. */
async function dialledPair(): Promise<{ ours: TcpConn; theirs: Deno.Conn } & AsyncDisposable> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [ours, theirs] = await Promise.all([
    connectTcp("127.0.0.1", listener.addr.port),
    listener.accept(),
  ]);
  listener.close();
  return {
    ours,
    theirs,
    async [Symbol.asyncDispose]() {
      resetQuietly(ours);
      try {
        theirs.close();
      } catch {
        // closed by the test
      }
      await Promise.resolve();
    },
  };
}

async function readAll(conn: Deno.Conn): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const source = connSource(conn);
  for (let chunk; (chunk = await source.next()) !== null;) chunks.push(chunk.slice());
  return chunks;
}

Deno.test("TcpConn.reset() cuts the connection with an RST: the peer's read fails with a reset", async () => {
  await using pair = await dialledPair();
  await pair.ours.write(encoder.encode("before"));
  const buffer = new Uint8Array(16);
  assertEquals(decoder.decode(buffer.subarray(0, (await pair.theirs.read(buffer))!)), "before");
  pair.ours.reset();
  await assertRejects(() => pair.theirs.read(buffer), Deno.errors.ConnectionReset);
});

Deno.test("TcpConn.close() is a clean end: the peer reads null", async () => {
  await using pair = await dialledPair();
  pair.ours.close();
  assertEquals(await pair.theirs.read(new Uint8Array(16)), null);
});

Deno.test("TcpConn reads a peer's reset as Deno's ConnectionReset (both ends node:net's)", async () => {
  using listener = await listenTcp("127.0.0.1", 0);
  const client = await connectTcp("127.0.0.1", listener.addr.port);
  const server = await listener.accept();
  client.reset();
  await assertRejects(() => server.read(new Uint8Array(16)), Deno.errors.ConnectionReset);
  await assertRejects(() => server.write(new Uint8Array(16)), Deno.errors.ConnectionReset);
  server.close();
});

Deno.test("TcpConn half-closes each way, and reads on after the peer's FIN", async () => {
  await using pair = await dialledPair();
  await pair.theirs.closeWrite();
  assertEquals(await pair.ours.read(new Uint8Array(16)), null);
  await pair.ours.write(encoder.encode("late"));
  await pair.ours.closeWrite();
  const got = await readAll(pair.theirs);
  assertEquals(decoder.decode(got[0]), "late");
});

Deno.test("TcpConn lends chunks of 256 KiB at most, and carries 8 MiB byte for byte", async () => {
  await using pair = await dialledPair();
  const data = new Uint8Array(8 * 1024 * 1024).map((_, i) => i % 251);
  const sending = (async () => {
    for (let offset = 0; offset < data.length;) {
      offset += await pair.theirs.write(data.subarray(offset));
    }
    await pair.theirs.closeWrite();
  })();
  const chunks = await readAll(pair.ours);
  await sending;
  assert(chunks.every((chunk) => chunk.length <= 256 * 1024));
  let offset = 0;
  for (const chunk of chunks) {
    assertEquals(chunk, data.subarray(offset, offset + chunk.length));
    offset += chunk.length;
  }
  assertEquals(offset, data.length);
});

Deno.test("TcpListener hands over accepted connections, and its close ends a pending accept", async () => {
  const listener = await listenTcp("127.0.0.1", 0);
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  assertEquals(server.remoteAddr.port, (client.localAddr as Deno.NetAddr).port);
  const pending = listener.accept();
  listener.close();
  await assertRejects(() => pending, Deno.errors.BadResource);
  client.close();
  server.close();
});
