import { assertEquals, assertNotStrictEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { BufferPool } from "../../lib/io/bytes.ts";

Deno.test("BufferPool.take() gives a buffer of the pool's size, or its first bytes", () => {
  const pool = new BufferPool(16, 4);
  assertEquals(pool.take().length, 16);
  const part = pool.take(5);
  assertEquals(part.length, 5);
  assertEquals(part.byteOffset, 0);
  assertEquals(part.buffer.byteLength, 16);
});

Deno.test("BufferPool.take() refuses more than its buffers hold", () => {
  const pool = new BufferPool(4, 4);
  assertThrows(() => pool.take(5), RangeError);
});

Deno.test("BufferPool.give() keeps no array of another size", () => {
  const pool = new BufferPool(4, 4);
  const other = new Uint8Array(6);
  pool.give(other);
  assertNotStrictEquals(pool.take().buffer, other.buffer);
});

Deno.test("BufferPool reuses a buffer given back, and only after it is given back", () => {
  const pool = new BufferPool(8, 4);
  const first = pool.take();
  const second = pool.take();
  assertNotStrictEquals(first.buffer, second.buffer);
  pool.give(first);
  assertStrictEquals(pool.take(1).buffer, first.buffer);
  assertNotStrictEquals(pool.take().buffer, first.buffer);
});

Deno.test("BufferPool keeps at most its maximum of spare buffers", () => {
  const pool = new BufferPool(8, 1);
  const [a, b] = [pool.take(), pool.take()];
  pool.give(a);
  pool.give(b);
  assertStrictEquals(pool.take().buffer, a.buffer);
  assertNotStrictEquals(pool.take().buffer, b.buffer);
});
