import { turns } from "../_async.ts";
import { assert, assertEquals, assertFalse, assertRejects } from "@std/assert";
import { Broadcast } from "../../lib/io/broadcast.ts";
import type { ChunkSource } from "../../lib/io/chunks.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A source of the given texts, then its end, that counts how often it is read. */
function countingSource(texts: string[]) {
  const queue = [...texts];
  const state = { reads: 0 };
  const source: ChunkSource = {
    next() {
      state.reads++;
      const text = queue.shift();
      return Promise.resolve(text === undefined ? null : encoder.encode(text));
    },
  };
  return { source, state };
}

/** A source whose reads the test answers one at a time. */
function manualSource() {
  const reads: ((text: string | null) => void)[] = [];
  const source: ChunkSource = {
    next: () =>
      new Promise((resolve) =>
        reads.push((text) => resolve(text === null ? null : encoder.encode(text)))
      ),
  };
  return { source, reads };
}

/** Reads a subscription to its end, as text chunks. */
async function drain(source: ChunkSource): Promise<string[]> {
  const texts: string[] = [];
  for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) {
    texts.push(decoder.decode(chunk));
  }
  return texts;
}

Deno.test("Broadcast does not read its input while no subscriber asks for it", async () => {
  const { source, state } = countingSource(["a", "b"]);
  const broadcast = new Broadcast(source);
  const subscription = broadcast.subscribe();
  await turns(20);
  assertEquals(state.reads, 0);
  assertEquals(decoder.decode((await subscription.next())!), "a");
  assertEquals(state.reads, 1);
});

Deno.test("Broadcast gives each chunk to every subscriber, in order, then the end", async () => {
  const broadcast = new Broadcast(countingSource(["a", "b", "c"]).source);
  const one = broadcast.subscribe();
  const two = broadcast.subscribe();
  const [a, b] = await Promise.all([drain(one), drain(two)]);
  assertEquals(a, ["a", "b", "c"]);
  assertEquals(b, ["a", "b", "c"]);
});

Deno.test("Broadcast ends a subscription made after the input's end at once", async () => {
  const broadcast = new Broadcast(countingSource(["a"]).source);
  assertEquals(await drain(broadcast.subscribe()), ["a"]);
  assertEquals(await broadcast.subscribe().next(), null);
});

Deno.test("Broadcast ends every subscription at once for an empty input", async () => {
  const broadcast = new Broadcast(countingSource([]).source);
  assertEquals(await broadcast.subscribe().next(), null);
});

Deno.test("Broadcast does not read the next chunk until the slowest subscriber is done with this one", async () => {
  const { source, state } = countingSource(["a", "b"]);
  const broadcast = new Broadcast(source);
  const fast = broadcast.subscribe();
  const slow = broadcast.subscribe();
  await fast.next();
  await slow.next(); // slow now writes "a" and has not asked for more
  const fastWaits = fast.next();
  await turns(20);
  assertEquals(state.reads, 1);
  assert(fast.waitingOnOthers, "fast is held up by slow, not idle");
  assertFalse(slow.waitingOnOthers);
  const slowNext = slow.next(); // slow is done with "a"
  assertEquals(decoder.decode((await fastWaits)!), "b");
  assertEquals(decoder.decode((await slowNext)!), "b");
  assertEquals(state.reads, 2);
});

Deno.test("Broadcast is not held up by a subscriber that left", async () => {
  const broadcast = new Broadcast(countingSource(["a", "b"]).source);
  const stays = broadcast.subscribe();
  const leaves = broadcast.subscribe();
  await stays.next();
  await leaves.next();
  const next = stays.next();
  await turns(10);
  leaves.cancel();
  assertEquals(decoder.decode((await next)!), "b");
  assertEquals(await leaves.next(), null);
});

Deno.test("Broadcast gives the chunks read after a subscriber joins to it, not the ones before", async () => {
  const { source, reads } = manualSource();
  const broadcast = new Broadcast(source);
  const first = broadcast.subscribe();
  const a = first.next();
  await turns(5);
  reads.shift()!("a");
  assertEquals(decoder.decode((await a)!), "a");
  const late = broadcast.subscribe();
  const b1 = first.next();
  const b2 = late.next();
  await turns(5);
  reads.shift()!("b");
  assertEquals([decoder.decode((await b1)!), decoder.decode((await b2)!)], ["b", "b"]);
});

Deno.test("Broadcast keeps a chunk read while its last subscriber left for the next one", async () => {
  const { source, reads } = manualSource();
  const broadcast = new Broadcast(source);
  const gone = broadcast.subscribe();
  const pending = gone.next();
  await turns(5);
  gone.cancel();
  assertEquals(await pending, null);
  reads.shift()!("kept"); // the read under way completes with nobody there
  await turns(5);
  const next = broadcast.subscribe();
  assertEquals(decoder.decode((await next.next())!), "kept");
});

Deno.test("Broadcast gives its input's failure to every subscriber", async () => {
  const failing: ChunkSource = { next: () => Promise.reject(new Error("is a directory")) };
  const broadcast = new Broadcast(failing);
  const one = broadcast.subscribe();
  const two = broadcast.subscribe();
  await assertRejects(() => one.next(), Error, "is a directory");
  await assertRejects(() => two.next(), Error, "is a directory");
});

Deno.test("Broadcast's subscriber waiting for the input itself is not held up by others", async () => {
  const { source, reads } = manualSource();
  const broadcast = new Broadcast(source);
  const only = broadcast.subscribe();
  const waiting = only.next();
  await turns(5);
  assertFalse(only.waitingOnOthers, "waiting for stdin is idleness");
  reads.shift()!(null);
  assertEquals(await waiting, null);
});
