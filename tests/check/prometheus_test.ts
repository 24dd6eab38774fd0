import { assert, assertEquals } from "@std/assert";
import { escapeLabel, prometheusReport } from "../../lib/check/prometheus.ts";
import { parseExposition } from "./_prometheus.ts";
import { makeReport, tlsFacts } from "./_report.ts";

const NOT_AFTER = new Date("2036-11-25T12:00:00Z");

function exposition(...args: Parameters<typeof makeReport>): string {
  return prometheusReport(makeReport(...args), new Date("2026-11-28T00:00:00Z")).join("\n") + "\n";
}

Deno.test("escapeLabel() escapes backslash, double quote and line feed as the format says", () => {
  assertEquals(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

Deno.test("escapeLabel() writes controls and bidi overrides (U+202E) as their escapes' text", () => {
  // The exposition knows only \\, \" and \n: the others are text, a backslash and a name.
  assertEquals(
    escapeLabel("CN=evil\u202Etxt.exe\x1b[2J\te"),
    "CN=evil\\\\u202etxt.exe\\\\x1b[2J\\\\te",
  );
  assertEquals(escapeLabel("caf\u00e9 \u4e2d"), "caf\u00e9 \u4e2d");
});

Deno.test("prometheusReport() is a valid exposition with a success, state and phases per port", () => {
  const text = exposition(["127.0.0.1:22,23", "[::1]:80"], [
    [{ state: "open", ms: { connect: 0.25 } }],
    [{ state: "closed" }],
    [{ state: "unreachable", reason: "network unreachable" }],
  ]);
  const { samples, types, help } = parseExposition(text);
  const find = (name: string, labels: Record<string, string>) =>
    samples.filter((s) =>
      s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
    );
  assertEquals(find("tcpkit_check_success", { port: "22" })[0].value, 1);
  assertEquals(find("tcpkit_check_success", { port: "23" })[0].value, 0);
  assertEquals(find("tcpkit_check_success", { host: "::1", port: "80" })[0].labels, {
    target: "[::1]:80",
    host: "::1",
    port: "80",
  });
  assertEquals(find("tcpkit_check_state", { port: "80" })[0].labels.state, "unreachable");
  assertEquals(find("tcpkit_check_state", { port: "22" })[0].labels.address, "127.0.0.1");
  // Seconds, as Prometheus's base unit.
  assertEquals(
    find("tcpkit_check_phase_seconds", { port: "22", phase: "connect", quantile: "0.95" })[0]
      .value,
    0.00025,
  );
  assertEquals(find("tcpkit_check_phase_seconds_count", { port: "22" })[0].value, 1);
  assertEquals(types.get("tcpkit_check_phase_seconds"), "summary");
  assertEquals(types.get("tcpkit_check_success"), "gauge");
  assert([...types.keys()].every((name) => help.has(name)), "every family has a HELP line");
  assertEquals(find("tcpkit_check_results", { state: "closed" })[0].value, 1);
  assertEquals(find("tcpkit_check_exit_code", {})[0].value, 1);
  assertEquals(find("tcpkit_check_run_timestamp_seconds", {})[0].value, 1795824000);
});

Deno.test("prometheusReport() gives a certificate's expiry as a Unix time, labels escaped", () => {
  const subject = 'CN=we\\"ird\nname';
  const text = exposition(["localhost:443"], [[{
    state: "open",
    ms: { connect: 1, handshake: 3.5 },
    tls: tlsFacts(subject, NOT_AFTER),
  }]]);
  assert(text.includes('subject="CN=we\\\\\\"ird\\nname"'), text);
  const { samples } = parseExposition(text);
  const expiry = samples.find((s) =>
    s.name === "tcpkit_check_tls_cert_not_after_timestamp_seconds"
  );
  assertEquals(expiry?.value, NOT_AFTER.getTime() / 1000);
  const info = samples.find((s) => s.name === "tcpkit_check_tls_info")!;
  assertEquals([info.labels.subject, info.labels.version, info.labels.alpn], [
    subject,
    "TLSv1.3",
    "h2",
  ]);
  assertEquals(samples.find((s) => s.name === "tcpkit_check_tls_verified")?.value, 1);
  assertEquals(
    samples.filter((s) => s.name === "tcpkit_check_phase_seconds" && s.labels.phase === "handshake")
      .map((s) => s.value),
    [0.0035, 0.0035, 0.0035],
  );
});

Deno.test("prometheusReport() writes a target given twice once: a series may appear once", () => {
  const text = exposition(["127.0.0.1:22", "127.0.0.1:22"], [
    [{ state: "open", ms: { connect: 1 } }],
    [{ state: "open", ms: { connect: 1 } }],
  ]);
  const { samples } = parseExposition(text);
  assertEquals(samples.filter((s) => s.name === "tcpkit_check_success").length, 1);
});

Deno.test("prometheusReport() with repeats: quantiles 0, 0.95 and 1, sum, count, loss", () => {
  const text = exposition(["127.0.0.1:22"], [[
    { state: "open", ms: { connect: 1 } },
    { state: "timeout" },
    { state: "open", ms: { connect: 3 } },
    { state: "open", ms: { connect: 2 } },
  ]]);
  const { samples } = parseExposition(text);
  const phase = samples.filter((s) => s.name.startsWith("tcpkit_check_phase_seconds"));
  assertEquals(phase.map((s) => [s.name, s.labels.quantile, s.value]), [
    ["tcpkit_check_phase_seconds", "0", 0.001],
    ["tcpkit_check_phase_seconds", "0.95", 0.003],
    ["tcpkit_check_phase_seconds", "1", 0.003],
    ["tcpkit_check_phase_seconds_sum", undefined, 0.006],
    ["tcpkit_check_phase_seconds_count", undefined, 3],
  ]);
  assertEquals(samples.find((s) => s.name === "tcpkit_check_loss_ratio")?.value, 0.25);
  assertEquals(samples.find((s) => s.name === "tcpkit_check_probes")?.value, 4);
});

Deno.test("prometheusReport() rounds seconds to the microsecond, and the loss to six places", () => {
  const text = exposition(["127.0.0.1:22"], [[
    { state: "open", ms: { connect: 4.723813000000007 } },
    { state: "timeout" },
    { state: "open", ms: { connect: 4.723813000000007 } },
  ]]);
  const values = text.split("\n").filter((l) => l.startsWith("tcpkit_check_")).map((l) =>
    l.slice(l.lastIndexOf(" ") + 1)
  );
  assert(values.includes("0.004724"), text);
  assert(values.includes("0.333333"), text);
  assertEquals(values.filter((v) => /\.\d{7,}/.test(v)), []);
});

Deno.test("parseExposition() refuses what Prometheus refuses (the validator itself works)", () => {
  for (
    const bad of [
      'a{b="c"} 1', // no line feed at the end
      'a{b="c\\t"} 1\n', // an escape the format has not
      'a{b="c"} 1\na{b="c"} 2\n', // a series twice
      "a 1\nb 1\na 2\n", // a family's samples apart
      "1a 1\n",
      "# TYPE a gauge\n# TYPE a gauge\na 1\n",
      "a x\n",
    ]
  ) {
    let threw = false;
    try {
      parseExposition(bad);
    } catch {
      threw = true;
    }
    assert(threw, `accepted: ${JSON.stringify(bad)}`);
  }
});
