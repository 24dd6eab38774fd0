/**
 * Writes lines to stderr through lib/report.ts, for tests/report_test.ts: `burst` writes three
 * lines at once and exits 300 ms later without flushing; `many` writes 3,000 lines of UTF-8 (more
 * than the 64 KiB gathered at most) and one line of 100,000 characters, then flushes and exits.
 */
import { flushStderr, writeStderrLine } from "../lib/report.ts";

if (Deno.args[0] === "burst") {
  writeStderrLine("one");
  writeStderrLine("two");
  writeStderrLine("three");
  // Deno.exit does not flush: the lines after the first must come from the timed flush.
  setTimeout(() => Deno.exit(0), 300);
} else {
  for (let i = 0; i < 3000; i++) {
    writeStderrLine(`line ${i}: Zoë € 😀`);
    if (i === 1500) writeStderrLine("x".repeat(100_000));
  }
  flushStderr();
  Deno.exit(0);
}
