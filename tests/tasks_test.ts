/** What is tested is what ships: the compile task and the tested CLI share their permissions. */
import { assertEquals, assertMatch } from "@std/assert";
import denoJson from "../deno.json" with { type: "json" };
import { PERMISSIONS } from "./e2e/_cli.ts";

function flagsOf(task: string): string[] {
  return task.split(/\s+/).filter((word) => /^--(allow|deny)-/.test(word)).sort();
}

Deno.test("the compile task ships exactly the permissions the end-to-end tests run with", () => {
  assertEquals(flagsOf(denoJson.tasks.compile), [...PERMISSIONS].sort());
  assertEquals(flagsOf(denoJson.tasks.tcpkit), [...PERMISSIONS].sort());
  assertEquals(PERMISSIONS, ["--allow-net"]);
});

Deno.test("the compile task builds main.ts, the entry point the tests run", () => {
  assertMatch(denoJson.tasks.compile, /^deno compile .* main\.ts$/);
  assertMatch(denoJson.tasks.tcpkit, /^deno run .* main\.ts$/);
});
