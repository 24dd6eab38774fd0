import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  MAX_TARGETS_FILE_BYTES,
  MAX_TARGETS_LINE_BYTES,
  withTargetsFile,
} from "../../lib/check/targets_file.ts";
import { UsageError } from "../../lib/errors.ts";
import type { ChunkSource } from "../../lib/io/chunks.ts";
import { parseTarget } from "../../lib/net/targets.ts";

/** A temporary file with `text`, removed at the end of the test. */
async function tempFile(text: string): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempFile({ suffix: ".txt" });
  await Deno.writeTextFile(path, text);
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path) };
}

/** An endless stdin of one repeated chunk, counting what it hands out. */
function endless(chunk: Uint8Array): ChunkSource & { given: number } {
  const source = {
    given: 0,
    next(): Promise<Uint8Array> {
      source.given += chunk.length;
      return Promise.resolve(chunk);
    },
  };
  return source;
}

Deno.test("withTargetsFile() reads 100,000 lines for one host in linear time", async () => {
  const lines = Array.from({ length: 100_000 }, (_, i) => `127.0.0.1:${(i % 50_000) + 1}`);
  await using file = await tempFile(lines.join("\n") + "\n");
  const started = performance.now();
  const targets = await withTargetsFile([], file.path, undefined);
  const elapsed = performance.now() - started;
  // Each pair once: the second 50,000 lines repeat the first.
  assertEquals(targets.length, 50_000);
  assertEquals(targets.at(-1)?.ports, [50_000]);
  // Well under a second on a quiet machine; the bound is a safety net for a busy one (the
  // quadratic dedupe took 35 s).
  assert(elapsed < 5_000, `${elapsed.toFixed(0)} ms`);
});

Deno.test("withTargetsFile() refuses /dev/zero after its first line's bound, naming the line", async () => {
  const error = await assertRejects(
    () => withTargetsFile([], "/dev/zero", undefined),
    UsageError,
    `/dev/zero line 1: longer than ${MAX_TARGETS_LINE_BYTES / 1024} KiB`,
  );
  assertEquals(error.command, "check");
});

Deno.test("withTargetsFile() refuses one huge line, naming it", async () => {
  await using file = await tempFile(`127.0.0.1:22\n127.0.0.1:80 # ${"x".repeat(1 << 20)}\n`);
  await assertRejects(
    () => withTargetsFile([], file.path, undefined),
    UsageError,
    "line 2: longer than 64 KiB; expected one HOST:PORT (or HOST PORT) a line",
  );
});

Deno.test("withTargetsFile() reads an endless stdin only up to a line's bound", async () => {
  const stdin = endless(new Uint8Array(64 * 1024));
  await assertRejects(() => withTargetsFile([], "-", stdin), UsageError, "stdin line 1: longer");
  assert(stdin.given <= MAX_TARGETS_LINE_BYTES + 3 * 64 * 1024, `${stdin.given} bytes read`);
});

Deno.test("withTargetsFile() stops an endless stdin of short lines at the bound in bytes", async () => {
  const stdin = endless(new TextEncoder().encode(`# ${"-".repeat(1000)}\n`.repeat(64)));
  const error = await assertRejects(() => withTargetsFile([], "-", stdin), UsageError);
  assertEquals(error.message, "Cannot read targets from stdin: too large (more than 64 MiB)");
  assert(stdin.given <= MAX_TARGETS_FILE_BYTES + 3 * 64 * 1024, `${stdin.given} bytes read`);
});

Deno.test("withTargetsFile() points every error's hint to check's help", async () => {
  await using file = await tempFile("127.0.0.1:22\nnot a target\n");
  const bad = await assertRejects(() => withTargetsFile([], file.path, undefined), UsageError);
  assertStringIncludes(bad.message, "line 2: ");
  const missing = await assertRejects(
    () => withTargetsFile([], `${file.path}.none`, undefined),
    UsageError,
    "no such file",
  );
  await using empty = await tempFile("# nothing\n");
  const none = await assertRejects(() => withTargetsFile([], empty.path, undefined), UsageError);
  assertEquals([bad.command, missing.command, none.command], ["check", "check", "check"]);
});

Deno.test("withTargetsFile() puts the command line's targets first, then the file's", async () => {
  await using file = await tempFile("\uFEFFb:22\r\n# c:1\r\na:22 # again\r\n");
  const targets = await withTargetsFile([parseTarget("a:22")], file.path, undefined);
  assertEquals(targets.map((t) => t.text), ["a:22", "b:22", "a:22"]);
});
