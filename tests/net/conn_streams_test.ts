import { assertEquals } from "@std/assert";
import { readableOf, type ReadWriteConn, writableOf } from "../../lib/net/conn_streams.ts";

/** A connection in memory: reads give `incoming` in pieces of at most the buffer's size. */
function memoryConn(incoming: Uint8Array) {
  let at = 0;
  const written: number[][] = [];
  let halfClosed = false;
  const conn: ReadWriteConn = {
    read(buffer) {
      if (at >= incoming.length) return Promise.resolve(null);
      const n = Math.min(buffer.length, incoming.length - at);
      buffer.set(incoming.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    write(data) {
      written.push([...data]);
      return Promise.resolve(data.length);
    },
    closeWrite() {
      halfClosed = true;
      return Promise.resolve();
    },
  };
  return { conn, written, halfClosed: () => halfClosed };
}

Deno.test("readableOf() reads the connection to its end, at most `size` bytes a chunk", async () => {
  const { conn } = memoryConn(new Uint8Array([1, 2, 3, 4, 5]));
  const chunks: number[][] = [];
  for await (const chunk of readableOf(conn, 2)) chunks.push([...chunk]);
  assertEquals(chunks, [[1, 2], [3, 4], [5]]);
});

Deno.test("writableOf() writes each chunk, and half-closes at its close", async () => {
  const m = memoryConn(new Uint8Array(0));
  const writer = writableOf(m.conn, true).getWriter();
  await writer.write(new Uint8Array([7, 8]));
  await writer.close();
  assertEquals([m.written, m.halfClosed()], [[[7, 8]], true]);
});
