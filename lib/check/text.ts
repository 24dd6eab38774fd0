/**
 * check's report for people: one table in the order the targets were given. A HOST:PORT target
 * is a row; a range, list or subnet is a line with its counts, then its open ports (every port
 * with -v) as rows lined up under the header. With --tls a line under each row tells the
 * certificate; with --count, lines tell the other phases' spread.
 */
import { tlsText } from "../errors.ts";
import { expiryText, formatDuration } from "../format.ts";
import { formatAddress } from "../net/address.ts";
import type { RowPlace } from "./plan.ts";
import type { CheckState } from "./states.ts";
import {
  type CheckReport,
  describeTotals,
  forEachRow,
  hostTotal,
  plural,
  probedRows,
  stateTotals,
} from "./report.ts";
import type { HttpFacts, Phase, ProbeOutcome, TlsFacts } from "./results.ts";
import type { LatencySummary } from "./stats.ts";
import { isGroup } from "./verdict.ts";

/** The width of the STATE column: the longest state. */
const STATE_WIDTH = 11;
/** What the table calls each phase. */
const PHASE_WORDS: Record<Phase, string> = {
  resolve: "resolve",
  connect: "connect",
  handshake: "TLS",
  first_byte: "first byte",
  total: "total",
};

/** One line of the table: a row's cells, or a line of its own (a group's counts, details). */
type Line = { cells: [string, string, string] } | { text: string };

/**
 * The report's lines, ending with the totals.
 *
 * @example
 * ```ts
 * // TARGET           STATE        LATENCY
 * // localhost:22     open         0.21 ms
 * // 127.0.0.1:8000-8100: 2 open, 99 closed
 * //   8000           open         0.18 ms
 * // 102 ports on 2 hosts in 12 ms: 3 open, 99 closed
 * ```
 */
export function textReport(report: CheckReport): string[] {
  const { rows } = report;
  const lines: Line[] = [];
  rows.targets.forEach((target, t) => {
    if (!isGroup(target)) {
      forEachRow(report, t, (row, place) => {
        // An HTTP target is shown as its URL: two paths on one port are two targets.
        const label = target.http ? safe(target.text) : formatAddress(place.host, place.port);
        lines.push(...rowLines(report, row, label));
      });
      return;
    }
    const totals = groupTotals(report, t);
    if (totals === undefined) return; // interrupted before any of its probes
    lines.push({ text: `${target.text}: ${totals}` });
    const single = target.hosts.length === 1;
    forEachRow(report, t, (row, place: RowPlace) => {
      if (!report.verbose && report.results.state(row) !== "open") return;
      const label = single ? String(place.port) : formatAddress(place.host, place.port);
      lines.push(...rowLines(report, row, `  ${label}`));
    });
  });
  const width = Math.max(
    "TARGET".length,
    ...lines.map((line) => "cells" in line ? line.cells[0].length : 0),
  );
  const out: string[] = [];
  if (lines.some((line) => "cells" in line)) {
    out.push(`${"TARGET".padEnd(width)}  ${"STATE".padEnd(STATE_WIDTH)}  LATENCY`);
  }
  for (const line of lines) {
    out.push(
      "cells" in line
        ? `${line.cells[0].padEnd(width)}  ${line.cells[1].padEnd(STATE_WIDTH)}  ${line.cells[2]}`
          .trimEnd()
        : line.text,
    );
  }
  out.push(totalsLine(report));
  return out;
}

/** A group's counts, or undefined when none of its rows was probed. */
function groupTotals(report: CheckReport, t: number): string | undefined {
  const totals: Record<string, number> = {};
  let any = false;
  forEachRow(report, t, (row) => {
    const state = report.results.state(row)!;
    totals[state] = (totals[state] ?? 0) + 1;
    any = true;
  });
  return any ? describeTotals(totals as Parameters<typeof describeTotals>[0]) : undefined;
}

/** A row, and the lines under it: the certificate, the other phases with --count. */
function rowLines(report: CheckReport, row: number, label: string): Line[] {
  const { results } = report;
  const state = results.state(row)!;
  const repeated = report.count > 1;
  const reason = results.reason(row, state);
  const latency = repeated
    ? spreadText(report, row, state)
    : phasesText(results.last(row), report.verbose);
  const http = results.http(row);
  const lines: Line[] = [{
    cells: [
      label,
      state,
      [latency, http && httpStatusText(http), reason && safe(reason)].filter(Boolean).join("; "),
    ],
  }];
  if (repeated) {
    for (const phase of ["resolve", "handshake", "first_byte", "total"] as const) {
      if (phase === "resolve" && !report.verbose) continue;
      const summary = results.stats(row, phase)?.summary();
      if (summary) lines.push({ text: `    ${PHASE_WORDS[phase]}: ${summaryText(summary)}` });
    }
  }
  const tls = results.tls(row);
  if (tls) lines.push({ text: `    ${certificateText(tls, state !== "unverified")}` });
  return lines;
}

/**
 * One probe's latencies: the connect's alone (`0.21 ms`), then the other phases by name
 * (`; TLS 4.10 ms, first byte 0.52 ms`); a name's lookup with -v.
 */
function phasesText(ms: Partial<Record<Phase, number>> | undefined, verbose: boolean): string {
  if (!ms) return "";
  const others = (["resolve", "handshake", "first_byte", "total"] as const)
    .filter((phase) => ms[phase] !== undefined && (phase !== "resolve" || verbose))
    .map((phase) => `${PHASE_WORDS[phase]} ${formatDuration(ms[phase]!)}`);
  const connect = ms.connect === undefined ? "" : formatDuration(ms.connect);
  return [connect, others.join(", ")].filter(Boolean).join("; ");
}

/**
 * With --count: answers, loss, and the connect's spread; without a connect to time, why (a
 * refused port answered, with a reset: it is closed, not silent).
 */
function spreadText(report: CheckReport, row: number, state: CheckState): string {
  const { results } = report;
  const probes = results.probes(row);
  const open = results.opens(row);
  const loss = Math.round(((probes - open) / probes) * 1000) / 10;
  const summary = results.stats(row, "connect")?.summary();
  const none = state === "closed" ? "closed (refused)" : "no answer";
  return `${open}/${probes} open, ${loss}% loss, ${summary ? summaryText(summary) : none}`;
}

/** `min/avg/max 0.12 ms / 0.15 ms / 0.19 ms, stddev 0.03 ms, p95 0.19 ms`. */
function summaryText(s: LatencySummary): string {
  return `min/avg/max ${formatDuration(s.min)} / ${formatDuration(s.avg)} / ${
    formatDuration(s.max)
  }, stddev ${formatDuration(s.stddev)}, p95 ${formatDuration(s.p95)}`;
}

/**
 * The handshake and the certificate on one line: `TLSv1.3, ALPN h2; "CN=localhost" for
 * localhost, 127.0.0.1; issued by "CN=Test CA"; expires 2036-11-25 (3650 days left); chain and
 * name verified`. Why it did not verify is left out when the row says it already.
 */
export function certificateText(
  facts: TlsFacts,
  withReason = true,
  now: Date = new Date(),
): string {
  const { session, nameMatches } = facts;
  const parts = [
    [session.protocol ?? "TLS", session.alpn ? `ALPN ${session.alpn}` : ""].filter(Boolean)
      .join(", "),
  ];
  const cert = session.certificate;
  if (!cert) {
    parts.push("no certificate");
  } else {
    parts.push(`certificate "${cert.subject}" for ${cert.names.join(", ") || "no name"}`);
    parts.push(`issued by "${cert.issuer}"`);
    parts.push(expiryText(cert.notAfter, now));
  }
  if (session.trust === "pinned") parts.push("matches --pin");
  else if (session.failure === undefined) parts.push("chain and name verified");
  else {
    parts.push(
      withReason ? `not verified: ${tlsText(session.failure, now, false)}` : "not verified",
    );
    if (!nameMatches && session.failure.kind !== "name-mismatch") parts.push("name does not match");
  }
  return safe(parts.join("; "));
}

/**
 * With --count: one probe's line, as it comes (`localhost:22: open, 0.21 ms (probe 3)`).
 *
 * @param label what to call the target instead of its host and port (an HTTP target's URL)
 */
export function probeText(
  place: RowPlace,
  round: number,
  outcome: ProbeOutcome,
  label?: string,
): string {
  const where = label === undefined ? formatAddress(place.host, place.port) : safe(label);
  const latency = phasesText(outcome.ms, false);
  const detail = [
    latency,
    outcome.http && httpStatusText(outcome.http),
    outcome.reason && safe(outcome.reason),
  ].filter(Boolean).join("; ");
  return `${where}: ${outcome.state}${detail ? `, ${detail}` : ""} (probe ${round})`;
}

/** An HTTP answer's status line: `HTTP 503 Service Unavailable`, `HTTP 302 Found → /login`. */
function httpStatusText(http: HttpFacts): string {
  const reason = http.reason === "" ? "" : ` ${http.reason}`;
  const location = http.location === undefined ? "" : ` → ${http.location}`;
  return safe(`HTTP ${http.status}${reason}${location}`);
}

/** The last line: how many ports, hosts, how long, and the states. */
function totalsLine(report: CheckReport): string {
  const { rows } = report;
  const totals = describeTotals(stateTotals(report));
  const hosts = plural(hostTotal(rows.targets), "host");
  const took = formatDuration(report.elapsedMs);
  if (!report.interrupted) return `${plural(rows.count, "port")} on ${hosts} in ${took}: ${totals}`;
  const rounds = report.count > 1 ? ` after ${report.rounds} of ${report.count} rounds` : "";
  return `interrupted${rounds}: ${probedRows(report)} of ${
    plural(rows.count, "port")
  } probed on ${hosts} in ${took}: ${totals}`;
}

/**
 * Text from the network (a certificate's names, a server's words), made safe for a terminal:
 * controls and the characters that reorder text become `\uNNNN`; a backslash stays as it is,
 * since the names already use it for their own escapes.
 */
function safe(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
