/** A finished check made up in memory, for the report tests: targets, outcomes, a plan. */
import { planRound, rowsOf } from "../../lib/check/plan.ts";
import type { CheckReport } from "../../lib/check/report.ts";
import { CheckResults, type ProbeOutcome, type TlsFacts } from "../../lib/check/results.ts";
import { exitCodeOf } from "../../lib/check/verdict.ts";
import { verdictsOf } from "../../lib/check/report.ts";
import { parseTargets } from "../../lib/net/targets.ts";
import type { TlsSession } from "../../lib/net/tls.ts";

/** A report of `words` (check's target words), each row's probes' outcomes given in order. */
export function makeReport(
  words: string[],
  outcomes: ProbeOutcome[][],
  options: Partial<CheckReport> = {},
): CheckReport {
  const rows = rowsOf(parseTargets(words));
  const results = new CheckResults(rows.count);
  outcomes.forEach((list, row) => list.forEach((outcome) => results.record(row, outcome)));
  const plan = planRound(
    rows,
    (host) => host.includes(".") || host.includes(":") ? host : "127.0.0.1",
  );
  return {
    rows,
    results,
    plan,
    count: Math.max(1, ...outcomes.map((o) => o.length)),
    rounds: Math.max(1, ...outcomes.map((o) => o.length)),
    verbose: false,
    elapsedMs: 12.5,
    interrupted: false,
    exitCode: exitCodeOf(verdictsOf(rows, results)),
    ...options,
  };
}

/** TLS facts of a certificate for `subject`, valid until `notAfter`, as a handshake gives them. */
export function tlsFacts(
  subject: string,
  notAfter: Date,
  failure?: TlsSession["failure"],
): TlsFacts {
  return {
    session: {
      protocol: "TLSv1.3",
      cipher: "TLS_AES_128_GCM_SHA256",
      alpn: "h2",
      certificate: {
        subject,
        commonName: "localhost",
        issuer: "CN=tcpkit Test CA, O=tcpkit tests",
        names: ["localhost", "127.0.0.1"],
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter,
        fingerprint: "AB:".repeat(31) + "AB",
        selfSigned: false,
        serial: "01",
      },
      failure,
      trust: failure ? "insecure" : "verified",
      handshakeMs: 3.5,
    },
    nameMatches: failure?.kind !== "name-mismatch",
  };
}
