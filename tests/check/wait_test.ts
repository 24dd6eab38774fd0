import { assertEquals } from "@std/assert";
import { rowsOf } from "../../lib/check/plan.ts";
import { CheckResults } from "../../lib/check/results.ts";
import { attemptJson, backoffMs, pendingTargets, statusLine } from "../../lib/check/wait.ts";
import { parseTargets } from "../../lib/net/targets.ts";

Deno.test("backoffMs() doubles from 100 ms up to 1 s", () => {
  assertEquals([2, 3, 4, 5, 6, 7, 100].map(backoffMs), [100, 200, 400, 800, 1000, 1000, 1000]);
});

Deno.test("pendingTargets() lists the targets not up, with their state and reason", () => {
  const rows = rowsOf(parseTargets(["a:1", "http://b/healthz", "c:1-2"]));
  const results = new CheckResults(rows.count, { latestOnly: true });
  results.record(0, { state: "closed" });
  results.record(1, { state: "unhealthy", reason: "status 503, expected 200-399" });
  results.record(2, { state: "closed" });
  results.record(3, { state: "open" });
  assertEquals(pendingTargets(rows, results), [
    { target: "a:1", state: "closed", reason: undefined },
    { target: "http://b/healthz", state: "unhealthy", reason: "status 503, expected 200-399" },
  ]);
  // With latestOnly, a later attempt replaces the earlier one.
  results.record(0, { state: "open" });
  results.record(1, { state: "open" });
  assertEquals(pendingTargets(rows, results), []);
  results.record(1, { state: "timeout" });
  assertEquals(pendingTargets(rows, results).map((p) => p.state), ["timeout"]);
});

Deno.test("statusLine() says what is awaited, cut to the terminal's width", () => {
  const pending = [{ target: "db:5432", state: "closed" as const }];
  assertEquals(
    statusLine(pending, 2, 3, 700, 30_000, 200),
    "waiting for 1 of 2 targets (attempt 3, 700 ms of 30.00 s): db:5432 closed",
  );
  const cut = statusLine(pending, 2, 3, 700, 30_000, 20);
  assertEquals([cut.length, cut.endsWith("…")], [20, true]);
});

Deno.test("attemptJson() gives the attempt, the targets up, and those still awaited", () => {
  const line = attemptJson([{ target: "db:5432", state: "closed" }], 2, 4, 812.34567);
  assertEquals(JSON.parse(line), {
    event: "attempt",
    attempt: 4,
    elapsed_ms: 812.346,
    targets: 2,
    up: 1,
    waiting: [{ target: "db:5432", state: "closed" }],
  });
});
