import { turns, until } from "../_async.ts";
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { Broadcast, type Subscriber } from "../../lib/io/broadcast.ts";
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

interface TestSubscriberOptions {
  /** The write with this number (1-based) throws this error. */
  failOn?: { write: number; error: Error };
  /** Each write waits until the test releases it. */
  gated?: boolean;
  /** end() throws this error. */
  endError?: Error;
}

/** A subscriber that records its writes, its end and its onDone, in order. */
function testSubscriber(options: TestSubscriberOptions = {}) {
  const events: string[] = [];
  const received: string[] = [];
  const releases: (() => void)[] = [];
  const doneErrors: unknown[] = [];
  let writes = 0;
  let resolveDone!: (result: { error: unknown }) => void;
  const done = new Promise<{ error: unknown }>((resolve) => resolveDone = resolve);
  const subscriber: Subscriber = {
    sink: {
      async write(chunk) {
        writes++;
        if (options.failOn?.write === writes) {
          events.push("write failed");
          throw options.failOn.error;
        }
        if (options.gated) await new Promise<void>((resolve) => releases.push(resolve));
        const text = decoder.decode(chunk);
        received.push(text);
        events.push(`write ${text}`);
      },
      end() {
        events.push("end");
        return options.endError ? Promise.reject(options.endError) : Promise.resolve();
      },
    },
    onDone(error?: unknown) {
      events.push(error === undefined ? "done" : "done with error");
      doneErrors.push(error);
      resolveDone({ error });
    },
  };
  return { subscriber, events, received, releases, doneErrors, done };
}

Deno.test("Broadcast does not read its input while no subscriber is connected", async () => {
  const { source, state } = countingSource(["a", "b"]);
  const broadcast = new Broadcast(source);
  await turns(20);
  assertEquals(state.reads, 0);

  const sub = testSubscriber();
  broadcast.add(sub.subscriber);
  await sub.done;
  assert(state.reads > 0);
  assertEquals(sub.received, ["a", "b"]);
});

Deno.test("Broadcast stops reading when its last subscriber is removed, and resumes on the next", async () => {
  const { source, state } = countingSource(["a", "b", "c"]);
  const broadcast = new Broadcast(source);
  const first = testSubscriber({ gated: true });
  broadcast.add(first.subscriber);
  await until(() => first.releases.length === 1, "the first write starts");
  assertEquals(state.reads, 1);

  broadcast.remove(first.subscriber);
  first.releases[0]();
  await turns(20);
  assertEquals(state.reads, 1, "read with no subscriber connected");
  assertEquals(first.received, ["a"]);
  assertEquals(first.events.includes("end"), false, "remove() does not end the subscriber");

  const second = testSubscriber();
  broadcast.add(second.subscriber);
  await second.done;
  assertEquals(second.received, ["b", "c"]);
  assertEquals(first.received, ["a"]);
  assertEquals(first.doneErrors, [], "a removed subscriber is not called back");
});

Deno.test("Broadcast sends each chunk to every subscriber, in order", async () => {
  const { source } = countingSource(["one", "two", "three", "four"]);
  const broadcast = new Broadcast(source);
  const subs = [testSubscriber(), testSubscriber(), testSubscriber()];
  for (const sub of subs) broadcast.add(sub.subscriber);
  await Promise.all(subs.map((sub) => sub.done));
  for (const sub of subs) assertEquals(sub.received, ["one", "two", "three", "four"]);
});

Deno.test("Broadcast ends every subscriber at the input's end, then calls onDone() without an error", async () => {
  const { source } = countingSource(["x", "y"]);
  const broadcast = new Broadcast(source);
  const subs = [testSubscriber(), testSubscriber()];
  for (const sub of subs) broadcast.add(sub.subscriber);
  const results = await Promise.all(subs.map((sub) => sub.done));
  for (const [i, sub] of subs.entries()) {
    assertEquals(sub.events, ["write x", "write y", "end", "done"]);
    assertEquals(results[i].error, undefined);
    assertEquals(sub.doneErrors, [undefined], "onDone is called once");
  }
});

Deno.test("Broadcast ends a subscriber added after the input's end at once", async () => {
  const { source, state } = countingSource(["x"]);
  const broadcast = new Broadcast(source);
  const early = testSubscriber();
  broadcast.add(early.subscriber);
  await early.done;
  const readsAtEnd = state.reads;

  const late = testSubscriber();
  broadcast.add(late.subscriber);
  const { error } = await late.done;
  assertEquals(error, undefined);
  assertEquals(late.events, ["end", "done"]);
  assertEquals(state.reads, readsAtEnd, "the input is not read again");
});

Deno.test("Broadcast ends a subscriber at once for an empty input", async () => {
  const { source } = countingSource([]);
  const broadcast = new Broadcast(source);
  const sub = testSubscriber();
  broadcast.add(sub.subscriber);
  assertEquals((await sub.done).error, undefined);
  assertEquals(sub.events, ["end", "done"]);
});

Deno.test("Broadcast removes a subscriber whose write throws and calls its onDone(error)", async () => {
  const { source } = countingSource(["1", "2", "3", "4"]);
  const broadcast = new Broadcast(source);
  const failure = new Error("connection reset");
  const good = testSubscriber();
  const bad = testSubscriber({ failOn: { write: 2, error: failure } });
  const other = testSubscriber();
  broadcast.add(good.subscriber);
  broadcast.add(bad.subscriber);
  broadcast.add(other.subscriber);

  const { error } = await bad.done;
  assertStrictEquals(error, failure);
  await Promise.all([good.done, other.done]);

  assertEquals(bad.events, ["write 1", "write failed", "done with error"]);
  assertEquals(bad.doneErrors.length, 1, "onDone is called once");
  for (const sub of [good, other]) {
    assertEquals(sub.received, ["1", "2", "3", "4"]);
    assertEquals(sub.events.slice(-2), ["end", "done"]);
    assertEquals(sub.doneErrors, [undefined]);
  }
});

Deno.test("Broadcast calls onDone(error) when ending a subscriber fails", async () => {
  const { source } = countingSource(["x"]);
  const broadcast = new Broadcast(source);
  const failure = new Error("shutdown failed");
  const sub = testSubscriber({ endError: failure });
  broadcast.add(sub.subscriber);
  assertStrictEquals((await sub.done).error, failure);
  assertEquals(sub.doneErrors.length, 1);
});

Deno.test("Broadcast ends its subscribers normally when the input fails", async () => {
  let reads = 0;
  const source: ChunkSource = {
    next() {
      return ++reads === 1
        ? Promise.resolve(encoder.encode("a"))
        : Promise.reject(new Error("stdin broke"));
    },
  };
  const broadcast = new Broadcast(source);
  const sub = testSubscriber();
  broadcast.add(sub.subscriber);
  assertEquals((await sub.done).error, undefined);
  assertEquals(sub.events, ["write a", "end", "done"]);
});

Deno.test("Broadcast does not read the next chunk until the slowest subscriber has taken this one", async () => {
  const { source, state } = countingSource(["a", "b", "c"]);
  const broadcast = new Broadcast(source);
  const fast = testSubscriber();
  const slow = testSubscriber({ gated: true });
  broadcast.add(fast.subscriber);
  broadcast.add(slow.subscriber);

  for (let k = 1; k <= 3; k++) {
    await until(() => slow.releases.length === k, `the slow write ${k} starts`);
    await turns(20);
    assertEquals(state.reads, k, `read ahead while the slow subscriber held chunk ${k}`);
    assertEquals(fast.received.length, k);
    slow.releases[k - 1]();
  }
  await Promise.all([fast.done, slow.done]);
  assertEquals(slow.received, ["a", "b", "c"]);
  assertEquals(fast.received, ["a", "b", "c"]);
});

Deno.test("Broadcast sends the chunks read after a subscriber joins to it too", async () => {
  const { source } = countingSource(["a", "b", "c"]);
  const broadcast = new Broadcast(source);
  const first = testSubscriber({ gated: true });
  broadcast.add(first.subscriber);
  await until(() => first.releases.length === 1, "the first write starts");

  const second = testSubscriber();
  broadcast.add(second.subscriber);
  first.releases[0]();
  await until(() => first.releases.length === 2, "the second write starts");
  first.releases[1]();
  await until(() => first.releases.length === 3, "the third write starts");
  first.releases[2]();

  await Promise.all([first.done, second.done]);
  assertEquals(first.received, ["a", "b", "c"]);
  assertEquals(second.received, ["b", "c"]);
});

Deno.test("Broadcast reports each chunk sent to each subscriber with onSent", async () => {
  const { source } = countingSource(["abc", "de"]);
  const sent: [Subscriber, number][] = [];
  const broadcast = new Broadcast(source, (subscriber, bytes) => sent.push([subscriber, bytes]));
  const a = testSubscriber();
  const b = testSubscriber({ failOn: { write: 2, error: new Error("gone") } });
  broadcast.add(a.subscriber);
  broadcast.add(b.subscriber);
  await Promise.all([a.done, b.done]);
  const bytesTo = (sub: Subscriber) => sent.filter(([s]) => s === sub).map(([, n]) => n);
  assertEquals(bytesTo(a.subscriber), [3, 2]);
  assertEquals(bytesTo(b.subscriber), [3], "a failed write is not reported as sent");
});

Deno.test("Broadcast keeps a chunk read while the last subscriber left for the next one", async () => {
  let deliver: (chunk: Uint8Array | null) => void = () => {};
  let reads = 0;
  const source: ChunkSource = {
    next: () => {
      reads++;
      return new Promise((resolve) => deliver = resolve);
    },
  };
  const broadcast = new Broadcast(source);
  const received: string[] = [];
  const subscriber = (name: string): Subscriber => ({
    sink: {
      write: (chunk) => {
        received.push(`${name}:${new TextDecoder().decode(chunk)}`);
        return Promise.resolve();
      },
    },
    onDone: () => {},
  });
  const first = subscriber("first");
  broadcast.add(first);
  await until(() => reads === 1, "the first read");
  broadcast.remove(first);
  deliver(new TextEncoder().encode("A")); // read for first, who is gone
  await turns();
  assertEquals(received, []);
  broadcast.add(subscriber("second"));
  await until(() => received.length === 1, "the kept chunk");
  assertEquals(received, ["second:A"]);
  await until(() => reads === 2, "the next read");
  deliver(null);
});
