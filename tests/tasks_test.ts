/** What is tested is what ships: the compile task and the tested CLI share their permissions. */
import { assertEquals, assertMatch } from "@std/assert";
import denoJson from "../deno.json" with { type: "json" };
import { PERMISSIONS, RUN_FLAGS } from "./e2e/_cli.ts";

/** The flags that shape what runs: permissions and V8 settings. */
export function shippedFlags(line: string): string[] {
  return line.split(/\s+/).filter((word) => /^--(allow-|deny-|v8-flags)/.test(word)).sort();
}

Deno.test("the compile task ships exactly the flags the end-to-end tests run tcpkit with", () => {
  assertEquals(shippedFlags(denoJson.tasks.compile), shippedFlags(RUN_FLAGS.join(" ")));
  // The network; reading certificate files, --targets files and Unix sockets; writing Unix
  // sockets (listening creates one); the proxy variables, by name, as curl reads them. Nothing
  // else: no other environment variable, no subprocesses, no FFI.
  assertEquals(PERMISSIONS, [
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env=http_proxy,HTTPS_PROXY,https_proxy,NO_PROXY,no_proxy",
  ]);
});

Deno.test("the compile task builds main.ts, the entry point the tests run", () => {
  assertMatch(denoJson.tasks.compile, /^deno compile .* main\.ts$/);
  assertMatch(denoJson.tasks.tcpkit, /^deno run .* main\.ts$/);
});
