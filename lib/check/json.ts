/**
 * check's JSON Lines: with --count an object per probe as it comes (`"event":"probe"`), then an
 * object per row (`"event":"result"`), then one `"event":"summary"`. Field names are those of
 * the other commands: `peer`, `host`, `port`, `connect_ms`, `handshake_ms`, `first_byte_ms`,
 * and the TLS facts of `tls` as connect and greet give them.
 */
import { round } from "../format.ts";
import { jsonLine } from "../io/json.ts";
import { formatAddress } from "../net/address.ts";
import { tlsFields } from "../net/tls_facts.ts";
import type { RowPlace } from "./plan.ts";
import {
  addressOf,
  type CheckReport,
  hostTotal,
  probedRows,
  probedRowsOf,
  probeTotal,
  stateTotals,
} from "./report.ts";
import { type HttpFacts, type Phase, PHASES, type ProbeOutcome, type TlsFacts } from "./results.ts";
import type { LatencySummary } from "./stats.ts";

/** A phase's name in JSON fields: `handshake_ms`, `first_byte_ms`. */
function field(phase: Phase): string {
  return `${phase}_ms`;
}

/**
 * The object of a row or a probe: `event`, the fields every object of a row begins with, then
 * `extra`'s. Built field by field: a scan writes 65,535 of them.
 */
function rowObject(
  event: string,
  place: RowPlace,
  targetText: string,
  address: string | null,
): Record<string, unknown> {
  return {
    event,
    target: targetText,
    peer: formatAddress(place.host, place.port),
    host: place.host,
    port: place.port,
    address,
  };
}

/** Adds the latencies of one probe: `latency_ms` (the connect, as the contract names it) first. */
function addLatencies(
  out: Record<string, unknown>,
  ms: Partial<Record<Phase, number>> | undefined,
): void {
  if (!ms) return;
  if (ms.connect !== undefined) out.latency_ms = round(ms.connect);
  for (const phase of PHASES) {
    if (ms[phase] !== undefined) out[field(phase)] = round(ms[phase]!);
  }
}

/** Adds the TLS facts, as the other commands give them, and whether the name matched. */
function addTls(out: Record<string, unknown>, tls: TlsFacts | undefined): void {
  if (tls) out.tls = { ...tlsFields(tls.session), name_matches: tls.nameMatches };
}

/**
 * Adds an HTTP target's answer: `http` with the status line and a few headers, and the address
 * connected to when the plan does not know it (dial found it).
 */
function addHttp(out: Record<string, unknown>, http: HttpFacts | undefined): void {
  if (!http) return;
  if (out.address === null && http.address !== undefined) out.address = http.address;
  out.http = {
    status: http.status,
    reason: http.reason,
    version: http.version,
    content_type: http.contentType ?? null,
    content_length: http.contentLength ?? null,
    location: http.location ?? null,
    body_bytes: http.bodyBytes,
  };
}

/** With --count: one probe's object, as it comes. */
export function probeJson(
  place: RowPlace,
  targetText: string,
  address: string | null,
  seq: number,
  outcome: ProbeOutcome,
): string {
  const out = rowObject("probe", place, targetText, address);
  out.seq = seq;
  out.state = outcome.state;
  if (outcome.reason !== undefined) out.reason = outcome.reason;
  addLatencies(out, outcome.ms);
  addTls(out, outcome.tls);
  addHttp(out, outcome.http);
  return jsonLine(out);
}

/** Every row's object, in order, then the summary: made as they are written. */
export function* jsonReport(report: CheckReport): Generator<string> {
  const { rows, results } = report;
  const repeated = report.count > 1;
  for (const [t, target] of rows.targets.entries()) {
    for (const [row, place] of probedRowsOf(report, t)) {
      const state = results.state(row)!;
      const reason = results.reason(row, state);
      const out = rowObject("result", place, target.text, addressOf(report, row));
      out.state = state;
      if (reason !== undefined) out.reason = reason;
      if (!repeated) {
        addLatencies(out, results.last(row));
        addTls(out, results.tls(row));
        addHttp(out, results.http(row));
        yield jsonLine(out);
        continue;
      }
      const probes = results.probes(row);
      const open = results.opens(row);
      const connect = results.stats(row, "connect")?.summary();
      const ms = (v: number | undefined) => v === undefined ? null : round(v);
      const phases: Record<string, unknown> = {};
      for (const phase of PHASES) {
        const summary = results.stats(row, phase)?.summary();
        if (summary) phases[phase] = summaryFields(summary);
      }
      const counts = Object.fromEntries(
        Object.entries(results.stateCounts(row)).filter(([, n]) => n > 0),
      );
      if (connect) out.latency_ms = round(connect.avg);
      Object.assign(out, {
        probes,
        open,
        loss_pct: Math.round(((probes - open) / probes) * 1000) / 10,
        states: counts,
        min_ms: ms(connect?.min),
        avg_ms: ms(connect?.avg),
        max_ms: ms(connect?.max),
        stddev_ms: ms(connect?.stddev),
        p95_ms: ms(connect?.p95),
        phases,
      });
      addTls(out, results.tls(row));
      addHttp(out, results.http(row));
      yield jsonLine(out);
    }
  }
  yield jsonLine({
    event: "summary",
    targets: rows.targets.length,
    ports: rows.count,
    hosts: hostTotal(rows.targets),
    probed: probedRows(report),
    probes: probeTotal(report),
    rounds: report.rounds,
    counts: stateTotals(report),
    elapsed_ms: round(report.elapsedMs),
    interrupted: report.interrupted,
    exit_code: report.exitCode,
  });
}

/** A phase's spread with `_ms` names. */
function summaryFields(s: LatencySummary): Record<string, number> {
  return {
    count: s.count,
    min_ms: round(s.min),
    avg_ms: round(s.avg),
    max_ms: round(s.max),
    stddev_ms: round(s.stddev),
    p95_ms: round(s.p95),
  };
}
