/**
 * check's results in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector: each metric family once, with its HELP and TYPE lines,
 * then its samples; times in seconds, a certificate's expiry as a Unix time. Every series of a
 * port has the labels `target` (as written), `host` and `port`.
 *
 * Label values are escaped as the format says (backslash, double quote, line feed), and what a
 * terminal or an editor would act on (controls, bidirectional overrides) is written as text
 * (`\u202e`), as tcpkit shows it everywhere; a target given twice on the command line is written once, since a series may appear only once.
 */
import { escapeControls } from "../io/escape.ts";
import { formatAddress } from "../net/address.ts";
import { type CheckReport, forEachRow, stateTotals } from "./report.ts";
import { addressOf } from "./report.ts";
import { PHASES } from "./results.ts";
import { CHECK_STATES } from "./states.ts";

/** The prefix of every metric name. */
const PREFIX = "tcpkit_check_";

/** One metric family: its samples, written together after its HELP and TYPE. */
interface Family {
  name: string;
  help: string;
  type: "gauge" | "summary";
  samples: string[];
}

/**
 * The exposition of a finished (or interrupted) check.
 *
 * @param now when the run ended, for `tcpkit_check_run_timestamp_seconds`
 * @returns the lines, each ending without a line feed
 */
export function prometheusReport(report: CheckReport, now: Date = new Date()): string[] {
  const families = new Map<string, Family>();
  const family = (name: string, type: Family["type"], help: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, f = { name: PREFIX + name, help, type, samples: [] });
    return f;
  };
  /** A family named as blackbox_exporter names it, without tcpkit's prefix. */
  const blackbox = (name: string, help: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, f = { name, help, type: "gauge", samples: [] });
    return f;
  };
  // Declared in the order they are written.
  const success = family(
    "success",
    "gauge",
    "1 when the port was open (with --tls: and its certificate verified and not expiring), else 0",
  );
  const state = family(
    "state",
    "gauge",
    "The port's state as the label state (open, expiring, unverified, tls-error, closed, " +
      "timeout, unreachable, unresolved, error), and the address probed; always 1",
  );
  const probes = family("probes", "gauge", "Probes made of the port in this run");
  const loss = family(
    "loss_ratio",
    "gauge",
    "The share of the probes that found the port not open",
  );
  const phase = family(
    "phase_seconds",
    "summary",
    "Duration of each phase of the probes (resolve, connect, handshake, first_byte): " +
      "quantile 0 is the least, 0.95 the 95th percentile, 1 the most",
  );
  const stddev = family(
    "phase_stddev_seconds",
    "gauge",
    "Standard deviation (jitter) of each phase's duration over the probes",
  );
  const tlsInfo = family(
    "tls_info",
    "gauge",
    "The TLS version, ALPN protocol, cipher, and the certificate's subject, issuer and SHA-256 " +
      "fingerprint, as labels; always 1",
  );
  const verified = family(
    "tls_verified",
    "gauge",
    "1 when the certificate's chain and name verified (or it matched --pin), else 0",
  );
  const nameMatches = family(
    "tls_name_matches",
    "gauge",
    "1 when the certificate is for the name checked, else 0",
  );
  const notAfter = family(
    "tls_cert_not_after_timestamp_seconds",
    "gauge",
    "When the certificate expires, as a Unix time",
  );

  // HTTP targets also get blackbox_exporter's names, so that its dashboards and alerts apply.
  const probeSuccess = blackbox(
    "probe_success",
    "HTTP targets, as blackbox_exporter names it: 1 when the answer was as expected, else 0",
  );
  const httpStatus = blackbox(
    "probe_http_status_code",
    "HTTP targets: the answer's status code (0 when none came)",
  );
  const httpDuration = blackbox(
    "probe_http_duration_seconds",
    "HTTP targets, the latest probe: the duration of each phase (resolve, connect, tls, " +
      "processing: to the first byte, transfer: the rest)",
  );
  const httpLength = blackbox(
    "probe_http_content_length",
    "HTTP targets: the Content-Length of the answer (-1 when none was given)",
  );
  const httpVersion = blackbox("probe_http_version", "HTTP targets: the answer's HTTP version");
  const probeDuration = blackbox(
    "probe_duration_seconds",
    "HTTP targets, the latest probe: how long it took from start to end",
  );

  const { rows, results } = report;
  const repeated = new Set<string>();
  const texts = new Set<string>();
  for (const target of rows.targets) {
    if (texts.has(target.text)) repeated.add(target.text);
    texts.add(target.text);
  }
  const seen = new Set<string>();
  rows.targets.forEach((target, t) => {
    forEachRow(report, t, (row, place) => {
      if (repeated.has(target.text)) {
        const key = `${target.text}\n${formatAddress(place.host, place.port)}`;
        if (seen.has(key)) return;
        seen.add(key);
      }
      const base = labels({ target: target.text, host: place.host, port: String(place.port) });
      const rowState = results.state(row)!;
      success.samples.push(`${success.name}{${base}} ${rowState === "open" ? 1 : 0}`);
      const address = addressOf(report, row);
      state.samples.push(
        `${state.name}{${base},${labels({ address: address ?? "", state: rowState })}} 1`,
      );
      const n = results.probes(row);
      probes.samples.push(`${probes.name}{${base}} ${n}`);
      loss.samples.push(`${loss.name}{${base}} ${value(micro((n - results.opens(row)) / n))}`);
      for (const p of PHASES) {
        const s = results.stats(row, p)?.summary();
        if (!s) continue;
        const mine = `${base},${labels({ phase: p })}`;
        for (const [q, v] of [["0", s.min], ["0.95", s.p95], ["1", s.max]] as const) {
          phase.samples.push(`${phase.name}{${mine},quantile="${q}"} ${seconds(v)}`);
        }
        phase.samples.push(`${phase.name}_sum{${mine}} ${seconds(s.avg * s.count)}`);
        phase.samples.push(`${phase.name}_count{${mine}} ${s.count}`);
        stddev.samples.push(`${stddev.name}{${mine}} ${seconds(s.stddev)}`);
      }
      const tls = results.tls(row);
      if (tls) {
        const { session } = tls;
        const cert = session.certificate;
        const info = labels({
          version: session.protocol ?? "",
          alpn: session.alpn ?? "",
          cipher: session.cipher ?? "",
          subject: cert?.subject ?? "",
          issuer: cert?.issuer ?? "",
          fingerprint: cert?.fingerprint ?? "",
        });
        tlsInfo.samples.push(`${tlsInfo.name}{${base},${info}} 1`);
        const ok = session.failure === undefined || session.trust === "pinned";
        verified.samples.push(`${verified.name}{${base}} ${ok ? 1 : 0}`);
        nameMatches.samples.push(`${nameMatches.name}{${base}} ${tls.nameMatches ? 1 : 0}`);
        if (cert) {
          notAfter.samples.push(
            `${notAfter.name}{${base}} ${value(cert.notAfter.getTime() / 1000)}`,
          );
        }
      }
      if (target.http) {
        const http = results.http(row);
        const ms = results.last(row) ?? {};
        probeSuccess.samples.push(`${probeSuccess.name}{${base}} ${rowState === "open" ? 1 : 0}`);
        httpStatus.samples.push(`${httpStatus.name}{${base}} ${http?.status ?? 0}`);
        if (http) {
          const phases = {
            resolve: ms.resolve ?? 0,
            connect: ms.connect ?? 0,
            tls: ms.handshake ?? 0,
            processing: ms.first_byte ?? 0,
            transfer: 0,
          };
          const before = phases.resolve + phases.connect + phases.tls + phases.processing;
          phases.transfer = Math.max(0, (ms.total ?? before) - before);
          for (const [name, v] of Object.entries(phases)) {
            httpDuration.samples.push(
              `${httpDuration.name}{${base},${labels({ phase: name })}} ${seconds(v)}`,
            );
          }
          httpLength.samples.push(`${httpLength.name}{${base}} ${http.contentLength ?? -1}`);
          httpVersion.samples.push(`${httpVersion.name}{${base}} ${value(Number(http.version))}`);
        }
        if (ms.total !== undefined) {
          probeDuration.samples.push(`${probeDuration.name}{${base}} ${seconds(ms.total)}`);
        }
      }
    });
  });

  const totals = stateTotals(report);
  const results_ = family("results", "gauge", "Ports in each state in this run");
  for (const s of CHECK_STATES) {
    results_.samples.push(`${results_.name}{${labels({ state: s })}} ${totals[s]}`);
  }
  const run = [
    family("run_duration_seconds", "gauge", "How long the run took"),
    family("run_timestamp_seconds", "gauge", "When the run ended, as a Unix time"),
    family("run_interrupted", "gauge", "1 when the run was interrupted (Ctrl-C), else 0"),
    family("exit_code", "gauge", "The exit code of the run: 0 all up, 1 a target down, 5 TLS"),
  ];
  run[0].samples.push(`${run[0].name} ${seconds(report.elapsedMs)}`);
  run[1].samples.push(`${run[1].name} ${value(now.getTime() / 1000)}`);
  run[2].samples.push(`${run[2].name} ${report.interrupted ? 1 : 0}`);
  run[3].samples.push(`${run[3].name} ${report.exitCode}`);

  const lines: string[] = [];
  for (const f of families.values()) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const sample of f.samples) lines.push(sample);
  }
  return lines;
}

/** `a="x",b="y"`, each value escaped. */
export function labels(values: Record<string, string>): string {
  return Object.entries(values).map(([name, v]) => `${name}="${escapeLabel(v)}"`).join(",");
}

/**
 * A label value as the exposition format writes it: backslash, double quote and line feed
 * escaped, and the other controls and the bidirectional ones (a certificate's subject may hold
 * U+202E, which turns the rest of a line around) as their escapes' text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeLabel } from "./prometheus.ts";
 * assertEquals(escapeLabel('CN="a\\b"\n'), 'CN=\\"a\\\\b\\"\\n');
 * assertEquals(escapeLabel("a\u202eb\x1b"), "a\\\\u202eb\\\\x1b");
 * ```
 */
export function escapeLabel(text: string): string {
  return escapeControls(text).replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** HELP text as the format writes it: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

/** Milliseconds as seconds, to the microsecond (0.004724, not 0.004723813000000007). */
function seconds(ms: number): string {
  return value(micro(ms / 1000));
}

/** `v` rounded to six decimals: a timer's resolution, and what a person can read. */
function micro(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v;
}

/** A sample value: a float as Go's ParseFloat reads it, `+Inf`, `-Inf`, `NaN`. */
function value(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
