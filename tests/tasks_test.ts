/** What is tested is what ships: the compile task and the tested CLI share their permissions. */
import { assertEquals, assertMatch } from "@std/assert";
import denoJson from "../deno.json" with { type: "json" };
import { PERMISSIONS, RUN_FLAGS } from "./e2e/_cli.ts";

/**
 * The flags that shape what runs: permissions, unstable features, V8 and runtime settings
 * (tests/bin/tcpkit-deno-run passes on the same ones from the compile task).
 */
const SHIPPED = /^--(allow-|deny-|unstable-|v8-flags|location|seed|env-file)/;

/** The flags of a command line that shape what runs (see `SHIPPED`), sorted. */
export function shippedFlags(line: string): string[] {
  return line.split(/\s+/).filter((word) => SHIPPED.test(word)).sort();
}

Deno.test("the compile task ships exactly the flags the end-to-end tests run tcpkit with", () => {
  assertEquals(shippedFlags(denoJson.tasks.compile), shippedFlags(RUN_FLAGS.join(" ")));
  // The network; reading certificate files, --targets files and Unix sockets; writing Unix
  // sockets (listening creates one). Nothing else: no environment, no subprocesses, no FFI.
  assertEquals(PERMISSIONS, ["--allow-net", "--allow-read", "--allow-write"]);
});

Deno.test("the compile task builds main.ts, the entry point the tests run", () => {
  assertMatch(denoJson.tasks.compile, /^deno compile .* main\.ts$/);
  assertMatch(denoJson.tasks.tcpkit, /^deno run .* main\.ts$/);
});
