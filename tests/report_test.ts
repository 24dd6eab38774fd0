import { assertEquals } from "@std/assert";
import { run } from "./e2e/_cli.ts";

const SCRIPT = new URL("_stderr_lines.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

function stderrLines(mode: string) {
  return run([Deno.execPath(), "run", "--quiet", "--config", CONFIG, SCRIPT, mode]);
}

Deno.test("writeStderrLine() writes lines that come at once without waiting for an exit", async () => {
  const out = await stderrLines("burst");
  assertEquals(out.code, 0);
  assertEquals(out.stderr, "one\ntwo\nthree\n");
});

Deno.test("writeStderrLine() keeps every line whole and in order, past its buffer", async () => {
  const out = await stderrLines("many");
  assertEquals(out.code, 0);
  const expected: string[] = [];
  for (let i = 0; i < 3000; i++) {
    expected.push(`line ${i}: Zoë € 😀`);
    if (i === 1500) expected.push("x".repeat(100_000));
  }
  assertEquals(out.stderr, expected.join("\n") + "\n");
});
