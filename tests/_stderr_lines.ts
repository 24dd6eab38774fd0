/**
 * Writes lines to stderr through lib/report.ts, for tests/report_test.ts:
 * - `first`: one line, then exits at once without flushing (a line that comes when nothing was
 *   written lately is written at once);
 * - `burst`: three lines at once, then exits 300 ms later without flushing (the lines after the
 *   first come from the timed flush);
 * - `many`: 3,000 lines of UTF-8 (more than the 64 KiB gathered at most), lone surrogates, one
 *   line of 100,000 characters, and lines of 3-byte characters; then flushes.
 */
import { StderrLines } from "../lib/report.ts";

/** The lines of `many`, which the test expects back. */
export function manyLines(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    lines.push(`line ${i}: Zoë € 😀`);
    if (i === 1500) lines.push("x".repeat(100_000));
    if (i % 700 === 0) lines.push("a\uD800b");
  }
  // Lines of 3-byte characters of many lengths, after ASCII lines of many lengths: some come when
  // the buffer is nearly full, and must still be written whole.
  for (let j = 0; j < 200; j++) {
    lines.push("y".repeat((j * 131) % 3000), "€".repeat(1000 + (j * 97) % 4000));
  }
  return lines;
}

if (import.meta.main) {
  const stderr = new StderrLines();
  const writeStderrLine = stderr.line;
  const mode = Deno.args[0];
  if (mode === "first") {
    writeStderrLine("one");
    Deno.exit(0);
  } else if (mode === "burst") {
    writeStderrLine("one");
    writeStderrLine("two");
    writeStderrLine("three");
    setTimeout(() => Deno.exit(0), 300);
  } else {
    for (const line of manyLines()) writeStderrLine(line);
    stderr.flush();
    Deno.exit(0);
  }
}
