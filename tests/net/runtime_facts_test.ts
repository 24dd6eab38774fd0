/**
 * Facts of Deno 2.9 that the design rests on, checked here so that a runtime that changes them is
 * noticed: why the pump reads with conn.read rather than conn.readable (docs/architecture.md).
 */
import { assertEquals, assertRejects } from "@std/assert";

Deno.test("conn.readable closes the whole connection at the peer's FIN: nothing can be sent after it", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using server = await listener.accept();
  await server.closeWrite(); // the server half-closes: it will still read
  const reader = client.readable.getReader({ mode: "byob" });
  const { done } = await reader.read(new Uint8Array(16));
  assertEquals(done, true);
  // A half-close would let the client answer now; conn.readable has closed the connection.
  await assertRejects(() => client.write(new Uint8Array([1])), Deno.errors.BadResource);
});

Deno.test("conn.read leaves the connection open at the peer's FIN: the answer can still be sent", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using server = await listener.accept();
  await server.closeWrite();
  assertEquals(await client.read(new Uint8Array(16)), null);
  assertEquals(await client.write(new TextEncoder().encode("late")), 4);
  await client.closeWrite();
  const buffer = new Uint8Array(16);
  assertEquals(new TextDecoder().decode(buffer.subarray(0, (await server.read(buffer))!)), "late");
});
