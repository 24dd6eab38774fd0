import { assertEquals } from "@std/assert";
import { CheckResults } from "../../lib/check/results.ts";

Deno.test("CheckResults: a row is open if any probe was, else its most frequent state", () => {
  const results = new CheckResults(3);
  results.record(0, { state: "timeout" });
  results.record(0, { state: "open", ms: { connect: 1 } });
  results.record(1, { state: "closed" });
  results.record(1, { state: "timeout" });
  results.record(1, { state: "timeout" });
  assertEquals([results.state(0), results.state(1), results.state(2)], [
    "open",
    "timeout",
    undefined,
  ]);
  assertEquals([results.probes(1), results.opens(0)], [3, 1]);
  assertEquals(results.stateCounts(1).closed, 1);
  assertEquals(results.stateCounts(1).timeout, 2);
});

Deno.test("CheckResults keeps each state's latest reason and each phase's statistics", () => {
  const results = new CheckResults(1);
  results.record(0, { state: "error", reason: "first" });
  results.record(0, { state: "error", reason: "second" });
  results.record(0, { state: "open", ms: { connect: 2, first_byte: 5 } });
  assertEquals(results.reason(0, "error"), "second");
  assertEquals(results.stats(0, "first_byte")?.summary()?.max, 5);
  assertEquals(results.last(0), { connect: 2, first_byte: 5 });
  assertEquals(results.stats(0, "handshake"), undefined);
});

Deno.test("CheckResults keeps each state's reason once a row's states differ", () => {
  const results = new CheckResults(1);
  results.record(0, { state: "unreachable", reason: "network unreachable" });
  results.record(0, { state: "error", reason: "connection reset by peer" });
  results.record(0, { state: "unreachable", reason: "no route to host (host unreachable)" });
  assertEquals(results.state(0), "unreachable");
  assertEquals(results.reason(0, "unreachable"), "no route to host (host unreachable)");
  assertEquals(results.reason(0, "error"), "connection reset by peer");
  assertEquals(results.stateCounts(0).unreachable, 2);
});

Deno.test("CheckResults shares one copy of a reason among a million rows", () => {
  const results = new CheckResults(1_000_000);
  const outcome = { state: "unreachable" as const, reason: "network unreachable" };
  for (let row = 0; row < 1_000_000; row++) results.record(row, outcome);
  assertEquals(results.reason(999_999, "unreachable"), "network unreachable");
  assertEquals(results.reason(999_999, "timeout"), undefined);
  // No row needed an object of its own: the states, counts and reasons are typed arrays.
  assertEquals(results.stats(0, "connect"), undefined);
});
