/** `tcpkit check`: is it up, and how fast does it answer? Concurrent connects, tcping-style repeats. */
import type { CheckCommand } from "../cli/args.ts";
import { formatDuration } from "../cli/duration.ts";
import { ExitCode } from "../errors.ts";
import type { ChunkSink } from "../io/chunks.ts";
import { formatAddress } from "../net/address.ts";
import { probe, type ProbeJob, type ProbeState } from "../net/probe.ts";
import { resolveHost } from "../net/resolve.ts";
import type { Target } from "../net/targets.ts";
import { round } from "../report.ts";

/** Where check writes its results (stdout), one line at a time. */
export interface CheckIO {
  output: ChunkSink;
}

/** A state of a port: a probe's, or `unresolved` when the host name did not resolve. */
export type PortState = ProbeState | "unresolved";

/** What the probes of one port found. */
interface PortResult {
  target: number;
  port: number;
  states: PortState[];
  latencies: number[];
}

const encoder = new TextEncoder();

/**
 * Runs check to completion.
 *
 * @returns 0 when every HOST:PORT target is open and every range or list has an open port, else 1
 */
export async function check(command: CheckCommand, io: CheckIO): Promise<number> {
  const started = performance.now();
  const write = (line: string) => io.output.write(encoder.encode(line + "\n"));
  const { targets } = command;

  // Each host name is resolved once, whatever the number of its ports and probes.
  const names = [...new Set(targets.map((t) => t.hostname))];
  const resolved = new Map(
    await Promise.all(names.map(async (name) => [name, await resolveHost(name)] as const)),
  );
  const addresses = [...new Set([...resolved.values()].filter((a): a is string => a !== null))];
  const results: PortResult[] = [];
  const jobs: ProbeJob[] = [];
  const jobResults: PortResult[] = [];
  targets.forEach((target, t) => {
    const address = resolved.get(target.hostname) ?? null;
    for (const port of target.ports) {
      const result: PortResult = { target: t, port, states: [], latencies: [] };
      results.push(result);
      if (address === null) continue;
      jobs.push({ address: addresses.indexOf(address), port });
      jobResults.push(result);
    }
  });

  const repeated = command.count > 1;
  for (let seq = 1; seq <= command.count; seq++) {
    if (seq > 1) await new Promise((resolve) => setTimeout(resolve, command.intervalMs));
    const lines: Promise<void>[] = [];
    for (const result of results) {
      if (resolved.get(targets[result.target].hostname) === null) result.states.push("unresolved");
    }
    await probe(addresses, jobs, {
      concurrency: command.concurrency,
      timeoutMs: command.timeoutMs,
      onResult: (job, state, latency) => {
        const result = jobResults[job];
        result.states.push(state);
        if (latency !== undefined) result.latencies.push(latency);
        if (repeated && targets[result.target].kind === "port") {
          lines.push(
            write(probeLine(command.json, targets[result.target], result, seq, state, latency)),
          );
        }
      },
    });
    if (repeated) {
      for (const result of results) {
        if (result.states[seq - 1] === "unresolved" && targets[result.target].kind === "port") {
          lines.push(
            write(probeLine(command.json, targets[result.target], result, seq, "unresolved")),
          );
        }
      }
    }
    await Promise.all(lines);
  }

  const elapsed = performance.now() - started;
  const lines = command.json
    ? jsonSummary(targets, results, repeated)
    : textSummary(targets, results, repeated, command.verbose, elapsed);
  await io.output.write(encoder.encode(lines.map((line) => line + "\n").join("")));
  return targets.every((_, t) => targetUp(results.filter((r) => r.target === t)))
    ? ExitCode.ok
    : ExitCode.network;
}

/** A port is up when a probe found it open (for tcping-style repeats: at least one). */
function isOpen(result: PortResult): boolean {
  return result.states.includes("open");
}

function targetUp(results: PortResult[]): boolean {
  return results.some(isOpen);
}

/** The state to show for a port: open if any probe was, else the most frequent. */
function overallState(result: PortResult): PortState {
  if (isOpen(result)) return "open";
  const counts = new Map<PortState, number>();
  for (const state of result.states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "error";
}

function probeLine(
  json: boolean,
  target: Target,
  result: PortResult,
  seq: number,
  state: PortState,
  latency?: number,
): string {
  if (json) {
    return JSON.stringify({
      host: target.hostname,
      port: result.port,
      seq,
      state,
      ...(latency === undefined ? {} : { latency_ms: round(latency) }),
    });
  }
  const where = formatAddress(target.hostname, result.port);
  return `${where}: ${state}${
    latency === undefined ? "" : `, ${formatDuration(latency)}`
  } (probe ${seq})`;
}

interface Stats {
  probes: number;
  open: number;
  lossPct: number;
  min?: number;
  avg?: number;
  max?: number;
}

function statsOf(result: PortResult): Stats {
  const probes = result.states.length;
  const open = result.states.filter((s) => s === "open").length;
  const l = result.latencies;
  return {
    probes,
    open,
    lossPct: probes === 0 ? 100 : Math.round(((probes - open) / probes) * 1000) / 10,
    min: l.length ? Math.min(...l) : undefined,
    avg: l.length ? l.reduce((a, b) => a + b, 0) / l.length : undefined,
    max: l.length ? Math.max(...l) : undefined,
  };
}

function jsonSummary(targets: Target[], results: PortResult[], repeated: boolean): string[] {
  return results.map((result) => {
    const target = targets[result.target];
    const latency = result.latencies[0];
    const base = { host: target.hostname, port: result.port, state: overallState(result) };
    if (!repeated) {
      return JSON.stringify(latency === undefined ? base : { ...base, latency_ms: round(latency) });
    }
    const stats = statsOf(result);
    const ms = (v: number | undefined) => v === undefined ? null : round(v);
    return JSON.stringify({
      ...base,
      probes: stats.probes,
      open: stats.open,
      loss_pct: stats.lossPct,
      min_ms: ms(stats.min),
      avg_ms: ms(stats.avg),
      max_ms: ms(stats.max),
    });
  });
}

function latencyText(result: PortResult, repeated: boolean): string {
  if (!repeated) return result.latencies.length ? formatDuration(result.latencies[0]) : "";
  const s = statsOf(result);
  const span = s.min === undefined
    ? "no answer"
    : `min/avg/max ${formatDuration(s.min)} / ${formatDuration(s.avg!)} / ${
      formatDuration(s.max!)
    }`;
  return `${s.open}/${s.probes} open, ${s.lossPct}% loss, ${span}`;
}

function textSummary(
  targets: Target[],
  results: PortResult[],
  repeated: boolean,
  verbose: boolean,
  elapsedMs: number,
): string[] {
  const lines: string[] = [];
  const singles = results.filter((r) => targets[r.target].kind === "port");
  if (singles.length > 0) {
    const rows = singles.map((r) => [
      formatAddress(targets[r.target].hostname, r.port),
      overallState(r),
      latencyText(r, repeated),
    ]);
    const width = Math.max("TARGET".length, ...rows.map((row) => row[0].length));
    lines.push(`${"TARGET".padEnd(width)}  ${"STATE".padEnd(11)}  LATENCY`);
    for (const [where, state, latency] of rows) {
      lines.push(`${where.padEnd(width)}  ${state.padEnd(11)}  ${latency}`.trimEnd());
    }
  }
  targets.forEach((target, t) => {
    if (target.kind === "port") return;
    const mine = results.filter((r) => r.target === t);
    const counts = countStates(mine);
    lines.push(`${target.text}: ${describeCounts(counts)}`);
    for (const result of mine) {
      if (!verbose && !isOpen(result)) continue;
      const latency = latencyText(result, repeated);
      lines.push(
        `  ${String(result.port).padEnd(5)}  ${overallState(result).padEnd(11)}  ${latency}`
          .trimEnd(),
      );
    }
  });
  const counts = countStates(results);
  const hosts = new Set(targets.map((t) => t.hostname)).size;
  lines.push(
    `${results.length} port${results.length === 1 ? "" : "s"} on ${hosts} host${
      hosts === 1 ? "" : "s"
    } ` +
      `in ${formatDuration(elapsedMs)}: ${describeCounts(counts)}`,
  );
  return lines;
}

function countStates(results: PortResult[]): Map<PortState, number> {
  const counts = new Map<PortState, number>();
  for (const result of results) {
    const state = overallState(result);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return counts;
}

const ORDER: PortState[] = ["open", "closed", "timeout", "unreachable", "unresolved", "error"];

function describeCounts(counts: Map<PortState, number>): string {
  const parts = ORDER.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return parts.length ? parts.join(", ") : "nothing checked";
}
