import { assert, assertEquals, assertMatch } from "@std/assert";
import { textReport } from "../../lib/check/text.ts";
import { makeReport, tlsFacts } from "./_report.ts";

Deno.test("textReport() lines a range's rows up under the header, in the order given", () => {
  const lines = textReport(makeReport(["localhost:22", "127.0.0.1:8000-8002", "db:5432"], [
    [{ state: "open", ms: { connect: 0.21 } }],
    [{ state: "open", ms: { connect: 0.18 } }],
    [{ state: "closed" }],
    [{ state: "open", ms: { connect: 0.5 } }],
    [{ state: "timeout" }],
  ]));
  assertEquals(lines, [
    "TARGET        STATE        LATENCY",
    "localhost:22  open         0.21 ms",
    "127.0.0.1:8000-8002: 2 open, 1 closed",
    "  8000        open         0.18 ms",
    "  8002        open         0.50 ms",
    "db:5432       timeout",
    "5 ports on 3 hosts in 13 ms: 3 open, 1 closed, 1 timeout",
  ]);
  const state = lines[0].indexOf("STATE");
  const latency = lines[0].indexOf("LATENCY");
  for (const row of [1, 3, 4, 5]) {
    assertEquals(lines[row].indexOf(lines[row].slice(state).trim().split(/\s+/)[0]), state);
  }
  assertEquals(lines[3].indexOf("0.18"), latency);
});

Deno.test("textReport() of a subnet names each address, and with -v every port", () => {
  const lines = textReport(
    makeReport(["10.0.0.0/30:22"], [
      [{ state: "open", ms: { connect: 1 } }],
      [{ state: "unreachable", reason: "no route to host (host unreachable)" }],
    ], { verbose: true }),
  );
  assertEquals(lines.slice(1, 4), [
    "10.0.0.0/30:22: 1 open, 1 unreachable",
    "  10.0.0.1:22  open         1.00 ms",
    "  10.0.0.2:22  unreachable  no route to host (host unreachable)",
  ]);
});

Deno.test("textReport() shows error's reason, and the certificate under a TLS row", () => {
  const lines = textReport(makeReport(["127.0.0.1:1", "localhost:443"], [
    [{ state: "error", reason: "address not available on this host" }],
    [{
      state: "unverified",
      ms: { connect: 1, handshake: 3.5 },
      reason: "certificate expired on 2026-10-01 (58 days ago)",
      tls: tlsFacts("CN=localhost", new Date("2026-10-01T00:00:00Z"), {
        kind: "expired",
        notAfter: new Date("2026-10-01T00:00:00Z"),
      }),
    }],
  ]));
  assertMatch(lines[1], /^127\.0\.0\.1:1 +error +address not available on this host$/);
  assertMatch(
    lines[2],
    /^localhost:443 +unverified +1\.00 ms; TLS 3\.50 ms; certificate expired on 2026-10-01/,
  );
  assertMatch(
    lines[3],
    /^ {4}TLSv1\.3, ALPN h2; certificate "CN=localhost" for localhost, 127\.0\.0\.1; issued by "CN=tcpkit Test CA, O=tcpkit tests"; expired on 2026-10-01 \(\d+ days ago\); not verified$/,
  );
});

Deno.test("textReport() with --count: loss, the connect's spread, the other phases", () => {
  const lines = textReport(makeReport(["localhost:443"], [[
    { state: "open", ms: { connect: 1, handshake: 4 } },
    { state: "timeout" },
    { state: "open", ms: { connect: 3, handshake: 6 } },
  ]]));
  assertEquals(
    lines[1],
    "localhost:443  open         2/3 open, 33.3% loss, min/avg/max 1.00 ms / 2.00 ms / 3.00 ms, " +
      "stddev 1.00 ms, p95 3.00 ms",
  );
  assertEquals(
    lines[2],
    "    TLS: min/avg/max 4.00 ms / 5.00 ms / 6.00 ms, stddev 1.00 ms, p95 6.00 ms",
  );
});

Deno.test("textReport() of an interrupted run says how far it got", () => {
  const lines = textReport(makeReport(["127.0.0.1:1-3"], [[{ state: "closed" }], [], []], {
    interrupted: true,
  }));
  assertEquals(lines.at(-1), "interrupted: 1 of 3 ports probed on 1 host in 13 ms: 1 closed");
});

Deno.test("textReport() shows a server's words safely: controls become \\u escapes", () => {
  const lines = textReport(makeReport(["127.0.0.1:25"], [[
    { state: "tls-error", reason: "STARTTLS: the server said \u001b[31m\u202e" },
  ]]));
  const joined = lines.join("\n");
  assert(!joined.includes("\u001b") && !joined.includes("\u202e"));
  assertMatch(lines[1], /\\u001b\[31m\\u202e$/);
});
