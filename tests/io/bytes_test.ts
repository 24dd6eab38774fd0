import { assertEquals, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { BufferPool, concatBytes } from "../../lib/io/bytes.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("concatBytes() joins arrays in order", () => {
  assertEquals(decode(concatBytes([encode("ab"), new Uint8Array(0), encode("cd")])), "abcd");
});

Deno.test("BufferPool.join() joins the parts in a buffer of the pool's size", () => {
  const pool = new BufferPool(16, 4);
  const joined = pool.join([encode("Hello "), encode("Ann"), encode("!")]);
  assertEquals(decode(joined), "Hello Ann!");
  assertEquals(joined.buffer.byteLength, 16);
});

Deno.test("BufferPool.join() makes a new array for parts longer than its buffers", () => {
  const pool = new BufferPool(4, 4);
  const joined = pool.join([encode("abc"), encode("def")]);
  assertEquals(decode(joined), "abcdef");
  pool.give(joined); // not of the pool's size: not kept
  assertEquals(pool.take().length, 4);
});

Deno.test("BufferPool reuses a buffer given back, and only after it is given back", () => {
  const pool = new BufferPool(8, 4);
  const first = pool.take();
  const second = pool.take();
  assertNotStrictEquals(first.buffer, second.buffer);
  pool.give(first);
  assertStrictEquals(pool.join([encode("x")]).buffer, first.buffer);
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
