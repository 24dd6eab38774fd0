import { assert, assertEquals } from "@std/assert";
import { jsonReport, probeJson } from "../../lib/check/json.ts";
import { makeReport, tlsFacts } from "./_report.ts";

Deno.test("jsonReport(): a result per row with the fields of the other commands, then a summary", () => {
  const lines = [...jsonReport(makeReport(["localhost:22", "10.0.0.0/30:80"], [
    [{ state: "open", ms: { resolve: 0.5, connect: 0.25 } }],
    [{ state: "timeout" }],
    [{ state: "error", reason: "connection reset by peer" }],
  ]))].map((line) => JSON.parse(line));
  assertEquals(lines[0], {
    event: "result",
    target: "localhost:22",
    peer: "localhost:22",
    host: "localhost",
    port: 22,
    address: "127.0.0.1",
    state: "open",
    latency_ms: 0.25,
    resolve_ms: 0.5,
    connect_ms: 0.25,
  });
  assertEquals(lines[1], {
    event: "result",
    target: "10.0.0.0/30:80",
    peer: "10.0.0.1:80",
    host: "10.0.0.1",
    port: 80,
    address: "10.0.0.1",
    state: "timeout",
  });
  assertEquals(lines[2].reason, "connection reset by peer");
  assertEquals(lines[3].event, "summary");
  assertEquals(lines[3].counts, {
    open: 1,
    expiring: 0,
    unverified: 0,
    "tls-error": 0,
    unhealthy: 0,
    "open|filtered": 0,
    closed: 0,
    timeout: 1,
    unreachable: 0,
    unresolved: 0,
    error: 1,
  });
  assertEquals([lines[3].ports, lines[3].hosts, lines[3].elapsed_ms, lines[3].exit_code], [
    3,
    3,
    12.5,
    1,
  ]);
});

Deno.test("jsonReport() with --count: probes, loss, each phase's spread, the states seen", () => {
  const [result] = [...jsonReport(makeReport(["localhost:443"], [[
    { state: "open", ms: { connect: 1, handshake: 4 }, tls: tlsFacts("CN=a", new Date(0)) },
    { state: "timeout" },
  ]]))].map((line) => JSON.parse(line));
  assertEquals(
    [result.probes, result.open, result.loss_pct, result.states],
    [2, 1, 50, { open: 1, timeout: 1 }],
  );
  assertEquals([result.min_ms, result.p95_ms, result.stddev_ms], [1, 1, 0]);
  assertEquals(result.phases.handshake, {
    count: 1,
    min_ms: 4,
    avg_ms: 4,
    max_ms: 4,
    stddev_ms: 0,
    p95_ms: 4,
  });
  assertEquals([result.tls.protocol, result.tls.name_matches, result.tls.handshake_ms], [
    "TLSv1.3",
    true,
    3.5,
  ]);
});

Deno.test("probeJson() is one probe with its seq, escaped for a terminal", () => {
  const line = probeJson({ target: 0, host: "h", port: 1 }, "h:1", "127.0.0.1", 3, {
    state: "tls-error",
    reason: "said \u202e",
  });
  assert(line.includes("\\u202e"));
  assertEquals(JSON.parse(line), {
    event: "probe",
    target: "h:1",
    peer: "h:1",
    host: "h",
    port: 1,
    address: "127.0.0.1",
    seq: 3,
    state: "tls-error",
    reason: "said \u202e",
  });
});
