import { assertEquals } from "@std/assert";
import { forEachRowOf, placeOf, planRound, rowsOf } from "../../lib/check/plan.ts";
import { parseTargets } from "../../lib/net/targets.ts";

Deno.test("rowsOf() numbers rows target by target, host by host, port by port", () => {
  const rows = rowsOf(parseTargets(["10.0.0.0/30:22,80", "a:443"]));
  assertEquals(rows.count, 5);
  assertEquals([0, 1, 2, 3, 4].map((r) => placeOf(rows, r)), [
    { target: 0, host: "10.0.0.1", port: 22 },
    { target: 0, host: "10.0.0.1", port: 80 },
    { target: 0, host: "10.0.0.2", port: 22 },
    { target: 0, host: "10.0.0.2", port: 80 },
    { target: 1, host: "a", port: 443 },
  ]);
});

Deno.test("placeOf() finds a row's target from any hint", () => {
  const rows = rowsOf(parseTargets(["a:1-3", "b:4", "c:5,6"]));
  for (let hint = 0; hint < 3; hint++) {
    assertEquals(placeOf(rows, 5, hint), { target: 2, host: "c", port: 6 });
    assertEquals(placeOf(rows, 0, hint), { target: 0, host: "a", port: 1 });
  }
});

Deno.test("planRound() probes each address and port once, shared by every row naming it", () => {
  const rows = rowsOf(parseTargets(["localhost:22,80", "127.0.0.1:22", "127.0.0.1", "80", "h:9"]));
  const plan = planRound(rows, (host) => host === "h" ? undefined : "127.0.0.1");
  assertEquals(plan.addresses, ["127.0.0.1"]);
  assertEquals([...plan.jobs], [0, 22, 0, 80]);
  assertEquals([...plan.rowJob], [0, 1, 0, 1, -1]);
  const rowsOfJob = (job: number) => {
    const out: number[] = [];
    forEachRowOf(plan, job, (row) => out.push(row));
    return out;
  };
  assertEquals([rowsOfJob(0), rowsOfJob(1)], [[0, 2], [1, 3]]);
});

Deno.test("planRound() with TLS keeps rows apart that verify different names at one address", () => {
  const rows = rowsOf(parseTargets(["localhost:443", "127.0.0.1:443", "localhost:443"]));
  const plan = planRound(rows, () => "127.0.0.1", { tlsName: (host) => host });
  assertEquals([...plan.rowJob], [0, 1, 0]);
  assertEquals(plan.names, ["localhost", "127.0.0.1"]);
  const sni = planRound(rows, () => "127.0.0.1", { tlsName: () => "example.com" });
  assertEquals([...sni.rowJob], [0, 0, 0]);
});

Deno.test("planRound() of a subnet makes one job per address and port, in order", () => {
  const rows = rowsOf(parseTargets(["10.1.0.0/29:22,80"]));
  const plan = planRound(rows, (host) => host);
  assertEquals(plan.addresses.length, 6);
  assertEquals(plan.jobs.length / 2, 12);
  assertEquals([...plan.rowJob], Array.from({ length: 12 }, (_, i) => i));
  assertEquals([plan.jobs[22], plan.jobs[23]], [5, 80]);
});
