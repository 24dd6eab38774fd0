import { assertEquals, assertRejects } from "@std/assert";
import { boundedLines, LineLimitError, sourceStream } from "../../lib/io/lines.ts";
import type { ChunkSource } from "../../lib/io/chunks.ts";
import { until } from "../_async.ts";

const encoder = new TextEncoder();

/** A source of the given chunks, counting the bytes it has handed out. */
function chunks(...texts: string[]): ChunkSource & { given: number } {
  const queue = texts.map((t) => encoder.encode(t));
  const source = {
    given: 0,
    next(): Promise<Uint8Array | null> {
      const chunk = queue.shift() ?? null;
      if (chunk) source.given += chunk.length;
      return Promise.resolve(chunk);
    },
  };
  return source;
}

async function collect(source: ChunkSource, maxBytes = 1000, maxLineBytes = 10) {
  const out: string[] = [];
  for await (const line of boundedLines(sourceStream(source), { maxBytes, maxLineBytes })) {
    out.push(line);
  }
  return out;
}

Deno.test("boundedLines() splits on LF and CRLF, across chunks, the last line without an end", async () => {
  assertEquals(await collect(chunks("a\r\nb", "c\n\nd\r", "\ne")), ["a", "bc", "", "d", "e"]);
});

Deno.test("boundedLines() lets a line of exactly the bound through, its CR not counted", async () => {
  const ten = "0123456789";
  assertEquals(await collect(chunks(`${ten}\r`, `\n${ten}\r\n${ten}`)), [ten, ten, ten]);
});

Deno.test("boundedLines() refuses a line past the bound, naming it, before reading on", async () => {
  const source = chunks("ok\n", "12345678901", "\n", "more\n");
  const error = await assertRejects(() => collect(source), LineLimitError);
  assertEquals([error.limit, error.line], ["line", 2]);
  // The stream may have pulled the chunk after the long line, not the one after that.
  assertEquals(source.given <= 15, true, `${source.given} bytes read`);
});

Deno.test("boundedLines() refuses more bytes than the bound in all", async () => {
  const error = await assertRejects(
    () => collect(chunks("a\n".repeat(5), "b\n".repeat(5)), 12),
    LineLimitError,
  );
  assertEquals(error.limit, "total");
});

Deno.test("boundedLines() reads no more of an endless line than its bound and one chunk", async () => {
  // An endless source of zeros, as /dev/zero is.
  const zeros = new Uint8Array(16 * 1024);
  let given = 0;
  const endless: ChunkSource = {
    next: () => {
      given += zeros.length;
      return Promise.resolve(zeros);
    },
  };
  const error = await assertRejects(
    () => collect(endless, 1 << 30, 64 * 1024),
    LineLimitError,
  );
  assertEquals([error.limit, error.line], ["line", 1]);
  // The stream may pull a chunk ahead; nothing more.
  assertEquals(given <= 64 * 1024 + 3 * zeros.length, true, `${given} bytes read`);
});

Deno.test("boundedLines() cancels its input when the caller stops early", async () => {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(encoder.encode("line\n")),
    cancel: () => {
      cancelled = true;
    },
  });
  for await (const _ of boundedLines(stream, { maxBytes: 1 << 20, maxLineBytes: 10 })) break;
  await until(() => cancelled, "the input is cancelled");
});
