import { assertEquals } from "@std/assert";
import { run } from "./e2e/_cli.ts";
import { manyLines } from "./_stderr_lines.ts";
import { createReporter } from "../lib/report.ts";

const SCRIPT = new URL("_stderr_lines.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

function stderrLines(mode: string) {
  return run([Deno.execPath(), "run", "--quiet", "--config", CONFIG, SCRIPT, mode]);
}

Deno.test("StderrLines writes a line at once when nothing was written lately", async () => {
  const out = await stderrLines("first");
  assertEquals(out.code, 0);
  assertEquals(out.stderr, "one\n");
});

Deno.test("StderrLines writes lines that come at once without waiting for an exit", async () => {
  const out = await stderrLines("burst");
  assertEquals(out.code, 0);
  assertEquals(out.stderr, "one\ntwo\nthree\n");
});

Deno.test("StderrLines keeps every line whole and in order, past its buffer", async () => {
  const out = await stderrLines("many");
  assertEquals(out.code, 0);
  // A lone surrogate cannot be written as UTF-8: it becomes U+FFFD, as TextEncoder makes it.
  const expected = manyLines().join("\n").replaceAll("\uD800", "\uFFFD") + "\n";
  assertEquals(out.stderr, expected);
});

Deno.test("createReporter() shows an event exactly when it writes one", () => {
  for (const json of [false, true]) {
    for (const verbose of [false, true]) {
      for (const always of [false, true]) {
        const lines: string[] = [];
        const reporter = createReporter({ json, verbose }, (line) => lines.push(line));
        reporter.event("closed", { bytes: 1 }, "closed", always);
        assertEquals(reporter.shows(always), lines.length === 1, JSON.stringify({ json, verbose }));
        assertEquals(lines.length, json || verbose || always ? 1 : 0);
      }
    }
  }
});
