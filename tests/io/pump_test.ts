import { turns, until } from "../_async.ts";
import { concatBytes } from "../_bytes.ts";
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import {
  bytesSource,
  type ChunkSink,
  type ChunkSource,
  discardSink,
  emptySource,
  INITIAL_BUFFER_SIZE,
  type Reader,
  readerSource,
  streamSink,
  streamSource,
  type Writer,
  writerSink,
} from "../../lib/io/chunks.ts";
import { pump, PumpError } from "../../lib/io/pump.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (text: string) => encoder.encode(text);

const concat = concatBytes;

/** A readable web stream of the given chunks, then its end. */
function readableOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/** A writable web stream that keeps every chunk it is given (by reference) and notes its close. */
function collector() {
  const state = { chunks: [] as Uint8Array[], closed: false };
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      state.chunks.push(chunk);
    },
    close() {
      state.closed = true;
    },
  });
  return { writable, state, text: () => decoder.decode(concat(state.chunks)) };
}

/** A sink that records what happens to it, in order. */
function recordingSink(withEnd = true) {
  const events: string[] = [];
  const chunks: Uint8Array[] = [];
  const sink: ChunkSink = {
    write(chunk) {
      events.push(`write ${chunk.length}`);
      chunks.push(chunk.slice());
      return Promise.resolve();
    },
  };
  if (withEnd) {
    sink.end = () => {
      events.push("end");
      return Promise.resolve();
    };
  }
  return { sink, events, chunks };
}

// --- pump: data ------------------------------------------------------------------------------

Deno.test("pump() moves every chunk of a web stream into a web stream, in order", async () => {
  const out = collector();
  await pump(
    streamSource(readableOf([encode("hello "), encode("wor"), encode("ld")])),
    streamSink(out.writable),
  );
  assertEquals(out.text(), "hello world");
  assertEquals(out.state.chunks.map((c) => decoder.decode(c)), ["hello ", "wor", "ld"]);
});

Deno.test("pump() returns the number of bytes moved", async () => {
  const out = collector();
  const total = await pump(
    streamSource(readableOf([encode("hello "), encode("wor"), encode("ld")])),
    streamSink(out.writable),
  );
  assertEquals(total, 11);
});

Deno.test("pump() moves a large input completely and in order", async () => {
  const data = new Uint8Array(1_000_003).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
  const chunks: Uint8Array[] = [];
  for (let offset = 0, size = 1; offset < data.length; size = (size * 3 + 1) % 70_000 + 1) {
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  const out = collector();
  const total = await pump(streamSource(readableOf(chunks)), streamSink(out.writable));
  assertEquals(total, data.length);
  assertEquals(concat(out.state.chunks), data);
});

Deno.test("pump() calls onChunk with the size of each chunk written", async () => {
  const sizes: number[] = [];
  await pump(
    streamSource(readableOf([encode("hello "), encode("wor"), encode("ld")])),
    discardSink,
    { onChunk: (bytes) => sizes.push(bytes) },
  );
  assertEquals(sizes, [6, 3, 2]);
});

Deno.test("pump() calls onChunk only after the sink has taken the chunk", async () => {
  const log: string[] = [];
  const sink: ChunkSink = {
    async write(chunk) {
      await turns(1);
      log.push(`written ${chunk.length}`);
    },
  };
  await pump(streamSource(readableOf([encode("ab"), encode("c")])), sink, {
    onChunk: (bytes) => log.push(`counted ${bytes}`),
  });
  assertEquals(log, ["written 2", "counted 2", "written 1", "counted 1"]);
});

Deno.test("pump() skips the empty chunks of a web stream", async () => {
  const sizes: number[] = [];
  const out = collector();
  const total = await pump(
    streamSource(readableOf([new Uint8Array(0), encode("a"), new Uint8Array(0), encode("bc")])),
    streamSink(out.writable),
    { onChunk: (bytes) => sizes.push(bytes) },
  );
  assertEquals([total, sizes, out.text()], [3, [1, 2], "abc"]);
});

Deno.test("pump() returns 0 for an empty source", async () => {
  assertEquals(await pump(emptySource, discardSink), 0);
  assertEquals(await pump(bytesSource(new Uint8Array(0)), discardSink), 0);
  assertEquals(await pump(streamSource(readableOf([])), discardSink), 0);
});

Deno.test("pump() moves the single chunk of bytesSource", async () => {
  const { sink, chunks } = recordingSink();
  assertEquals(await pump(bytesSource(encode("xyz")), sink), 3);
  assertEquals(chunks, [encode("xyz")]);
});

// --- pump: half-close ------------------------------------------------------------------------

Deno.test("pump() ends the sink (half-close) after the last chunk", async () => {
  const { sink, events } = recordingSink();
  await pump(streamSource(readableOf([encode("ab"), encode("c")])), sink);
  assertEquals(events, ["write 2", "write 1", "end"]);
});

Deno.test("pump() closes a web stream sink at the end of the source", async () => {
  const out = collector();
  await pump(bytesSource(encode("x")), streamSink(out.writable));
  assert(out.state.closed);
});

Deno.test("pump() ends the sink of an empty source too", async () => {
  const { sink, events } = recordingSink();
  await pump(emptySource, sink);
  assertEquals(events, ["end"]);
});

Deno.test("pump() does not end the sink with end: false", async () => {
  const { sink, events } = recordingSink();
  const total = await pump(bytesSource(encode("abc")), sink, { end: false });
  assertEquals(total, 3);
  assertEquals(events, ["write 3"]);

  const out = collector();
  await pump(bytesSource(encode("x")), streamSink(out.writable), { end: false });
  assertEquals(out.state.closed, false);
});

Deno.test("pump() works with a sink that has no end", async () => {
  const { sink, events } = recordingSink(false);
  assertEquals(await pump(bytesSource(encode("abc")), sink), 3);
  assertEquals(events, ["write 3"]);
});

// --- pump: errors ----------------------------------------------------------------------------

Deno.test("pump() throws a PumpError on the read side when the source fails", async () => {
  const cause = new Error("connection reset");
  const source: ChunkSource = { next: () => Promise.reject(cause) };
  const { sink, events } = recordingSink();
  const error = await assertRejects(() => pump(source, sink), PumpError, "connection reset");
  assertInstanceOf(error, PumpError);
  assertEquals(error.side, "read");
  assertEquals(error.cause, cause);
  assertEquals(error.message, "read failed: connection reset");
  assertEquals(events, [], "the sink is neither written nor ended after a read error");
});

Deno.test("pump() throws a PumpError on the read side when a web stream errors", async () => {
  let pulls = 0;
  const readable = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pulls === 1) controller.enqueue(encode("first"));
      else controller.error(new Error("stream broke"));
    },
  });
  const { sink, events } = recordingSink();
  const error = await assertRejects(() => pump(streamSource(readable), sink), PumpError);
  assertEquals((error as PumpError).side, "read");
  assertEquals(events, ["write 5"]);
});

Deno.test("pump() throws a PumpError on the write side when the sink fails", async () => {
  let reads = 0;
  const source: ChunkSource = {
    next() {
      reads++;
      return Promise.resolve(reads <= 3 ? encode("data") : null);
    },
  };
  const cause = new Error("broken pipe");
  const sink: ChunkSink = { write: () => Promise.reject(cause) };
  const error = await assertRejects(() => pump(source, sink), PumpError, "broken pipe");
  assertEquals((error as PumpError).side, "write");
  assertEquals((error as PumpError).cause, cause);
  assertEquals(reads, 1, "no chunk is read after a write fails");
});

Deno.test("pump() throws a PumpError on the write side when a web stream sink fails", async () => {
  const writable = new WritableStream<Uint8Array>({
    write() {
      throw new Error("disk full");
    },
  });
  const error = await assertRejects(
    () => pump(bytesSource(encode("x")), streamSink(writable)),
    PumpError,
    "disk full",
  );
  assertEquals((error as PumpError).side, "write");
});

Deno.test("pump() throws a PumpError on the write side when ending the sink fails", async () => {
  const sink: ChunkSink = {
    write: () => Promise.resolve(),
    end: () => Promise.reject(new Error("shutdown failed")),
  };
  const error = await assertRejects(() => pump(bytesSource(encode("x")), sink), PumpError);
  assertEquals((error as PumpError).side, "write");
});

Deno.test("PumpError names the side and keeps a cause that is not an Error", () => {
  const error = new PumpError("write", "gone");
  assertEquals([error.name, error.side, error.message, error.cause], [
    "PumpError",
    "write",
    "write failed: gone",
    "gone",
  ]);
  assert(error instanceof Error);
});

// --- pump: backpressure ----------------------------------------------------------------------

Deno.test("pump() reads the next chunk only after a slow sink has taken the previous one", async () => {
  const chunkCount = 6;
  let reads = 0;
  let written = 0;
  const writtenAtRead: number[] = [];
  const source: ChunkSource = {
    next() {
      writtenAtRead.push(written);
      reads++;
      return Promise.resolve(reads <= chunkCount ? new Uint8Array([reads]) : null);
    },
  };
  const slowSink: ChunkSink = {
    async write() {
      await turns(3); // slow: the source could be read many times meanwhile
      written++;
    },
  };
  const total = await pump(source, slowSink);
  assertEquals(total, chunkCount);
  // At the k-th read exactly k-1 chunks had been taken: never more than one chunk in flight.
  assertEquals(writtenAtRead, [0, 1, 2, 3, 4, 5, 6]);
});

Deno.test("pump() does not read while a web stream sink holds a chunk", async () => {
  let pulls = 0;
  const readable = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++;
        if (pulls <= 3) controller.enqueue(new Uint8Array([pulls]));
        else controller.close();
      },
    },
    { highWaterMark: 0 }, // pull only when someone reads
  );
  const releases: (() => void)[] = [];
  const received: number[] = [];
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      received.push(chunk[0]);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
  });
  const done = pump(streamSource(readable), streamSink(writable));

  for (let k = 1; k <= 3; k++) {
    await until(() => releases.length === k, `write ${k} starts`);
    await turns(20); // plenty of chances to read ahead, if the pump did
    assertEquals(pulls, k, `read ahead while write ${k} was pending`);
    assertEquals(received.length, k);
    releases[k - 1]();
  }
  assertEquals(await done, 3);
  assertEquals(received, [1, 2, 3]);
  assertEquals(pulls, 4);
});

// --- readerSource ----------------------------------------------------------------------------

type Step = number | "full" | null;

/** A fake reader that fills `n` bytes (or the whole buffer) per its script, noting buffer sizes. */
function scriptedReader(script: Step[]) {
  const sizes: number[] = [];
  let call = 0;
  const reader: Reader = {
    read(buffer) {
      sizes.push(buffer.length);
      call++;
      const step = script.shift();
      if (step === null || step === undefined) return Promise.resolve(null);
      const n = step === "full" ? buffer.length : step;
      buffer.fill(call, 0, n);
      return Promise.resolve(n);
    },
  };
  return { reader, sizes };
}

async function drain(source: ChunkSource): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let chunk; (chunk = await source.next()) !== null;) chunks.push(chunk.slice());
  return chunks;
}

Deno.test("readerSource() grows its buffer fourfold only when a read fills it", async () => {
  const { reader, sizes } = scriptedReader(["full", 5, 7, "full", "full", "full", null]);
  const chunks = await drain(readerSource(reader, { initialSize: 4, maxSize: 64 }));
  assertEquals(sizes, [4, 16, 16, 16, 64, 64, 64]);
  assertEquals(chunks.map((c) => c.length), [4, 5, 7, 16, 64, 64]);
});

Deno.test("readerSource() keeps its buffer while reads do not fill it", async () => {
  const { reader, sizes } = scriptedReader([3, 15, 1, 15, null]);
  await drain(readerSource(reader, { initialSize: 16, maxSize: 1024 }));
  assertEquals(sizes, [16, 16, 16, 16, 16]);
});

Deno.test("readerSource() never grows its buffer beyond maxSize", async () => {
  const { reader, sizes } = scriptedReader(["full", "full", "full", "full", null]);
  await drain(readerSource(reader, { initialSize: 8, maxSize: 20 }));
  assertEquals(sizes, [8, 20, 20, 20, 20]);
});

Deno.test("readerSource() clamps the initial size to maxSize", async () => {
  const { reader, sizes } = scriptedReader([null]);
  await drain(readerSource(reader, { initialSize: 100, maxSize: 10 }));
  assertEquals(sizes, [10]);
});

Deno.test("readerSource() starts with INITIAL_BUFFER_SIZE by default", async () => {
  const { reader, sizes } = scriptedReader([null]);
  await drain(readerSource(reader));
  assertEquals(sizes, [INITIAL_BUFFER_SIZE]);
});

Deno.test("readerSource() returns each read's bytes and null at the end", async () => {
  const { reader } = scriptedReader([2, 3, null]);
  const source = readerSource(reader, { initialSize: 8 });
  assertEquals(await source.next(), new Uint8Array([1, 1]));
  assertEquals(await source.next(), new Uint8Array([2, 2, 2]));
  assertEquals(await source.next(), null);
});

Deno.test("readerSource() skips reads of zero bytes", async () => {
  const { reader } = scriptedReader([0, 0, 2, 0, null]);
  const chunks = await drain(readerSource(reader, { initialSize: 8 }));
  assertEquals(chunks, [new Uint8Array([3, 3])]);
});

Deno.test("readerSource() leaves a full chunk intact when its buffer is replaced", async () => {
  const { reader } = scriptedReader(["full", 2, null]);
  const source = readerSource(reader, { initialSize: 4, maxSize: 64 });
  const first = await source.next();
  await source.next();
  assertEquals(first, new Uint8Array([1, 1, 1, 1]));
});

Deno.test("readerSource() lends its chunks: the next read reuses the buffer", async () => {
  const { reader } = scriptedReader([3, 3, null]);
  const source = readerSource(reader, { initialSize: 8 });
  const first = await source.next();
  assertEquals(first, new Uint8Array([1, 1, 1]));
  await source.next();
  assertEquals(first, new Uint8Array([2, 2, 2]), "a lent chunk is overwritten by the next read");
});

// --- lent chunks and streamSink ---------------------------------------------------------------

/** A reader that writes each text into the start of the same caller's buffer. */
function textReader(texts: string[]): Reader {
  const queue = [...texts];
  return {
    read(buffer) {
      const text = queue.shift();
      if (text === undefined) return Promise.resolve(null);
      return Promise.resolve(encoder.encodeInto(text, buffer).written);
    },
  };
}

Deno.test("streamSink() copies lent chunks, so a reused read buffer does not corrupt them", async () => {
  const texts = ["alpha", "beta", "gamma"];
  const out = collector();
  await pump(readerSource(textReader(texts), { initialSize: 64 }), streamSink(out.writable));
  assertEquals(out.state.chunks.map((c) => decoder.decode(c)), texts);
});

Deno.test("pump() passes lent chunks as they are: a sink that keeps them without copying sees them change", async () => {
  // The control for the test above: without streamSink's copy the kept chunks would be wrong.
  const texts = ["alpha", "beta", "gamma"];
  const kept: Uint8Array[] = [];
  await pump(readerSource(textReader(texts), { initialSize: 64 }), {
    write(chunk) {
      kept.push(chunk);
      return Promise.resolve();
    },
  });
  assertNotEquals(kept.map((c) => decoder.decode(c)), texts);
});

Deno.test("streamSink() writes a copy, not the caller's chunk", async () => {
  const out = collector();
  const sink = streamSink(out.writable);
  const chunk = encode("abc");
  await sink.write(chunk);
  chunk.fill(0);
  assertEquals(decoder.decode(out.state.chunks[0]), "abc");
  assert(out.state.chunks[0].buffer !== chunk.buffer);
});

// --- other sources and sinks -----------------------------------------------------------------

Deno.test("bytesSource() gives its bytes once, then null", async () => {
  const source = bytesSource(encode("hi"));
  assertEquals(await source.next(), encode("hi"));
  assertEquals(await source.next(), null);
  assertEquals(await source.next(), null);
});

Deno.test("bytesSource() of no bytes ends at once", async () => {
  assertEquals(await bytesSource(new Uint8Array(0)).next(), null);
});

Deno.test("streamSource() skips empty chunks and returns null at the end", async () => {
  const source = streamSource(readableOf([new Uint8Array(0), encode("a")]));
  assertEquals(await source.next(), encode("a"));
  assertEquals(await source.next(), null);
});

Deno.test("writerSink() loops until a writer that takes a few bytes at a time has all of them", async () => {
  const written: number[] = [];
  const writer: Writer = {
    write(bytes) {
      const n = Math.min(3, bytes.length);
      written.push(...bytes.subarray(0, n));
      return Promise.resolve(n);
    },
  };
  let ended = 0;
  const sink = writerSink(writer, () => {
    ended++;
  });
  const data = new Uint8Array(10).map((_, i) => i);
  assertEquals(await pump(bytesSource(data), sink), 10);
  assertEquals(written, [...data]);
  assertEquals(ended, 1);
});

Deno.test("writerSink() has no end without an end callback", () => {
  const sink = writerSink({ write: (bytes) => Promise.resolve(bytes.length) });
  assertEquals(sink.end, undefined);
});
