/** `tcpkit check`: is it up, and how fast does it answer? Concurrent connects, tcping-style repeats. */
import type { CheckCommand } from "../cli/args.ts";
import { ExitCode } from "../errors.ts";
import type { ChunkSink } from "../io/chunks.ts";
import { serialSink } from "../io/serial.ts";
import { delay } from "../io/timers.ts";
import { formatAddress } from "../net/address.ts";
import { probe, type ProbeJob, type ProbeState } from "../net/probe.ts";
import { resolveHost } from "../net/resolve.ts";
import type { Target } from "../net/targets.ts";
import { formatDuration, round } from "../format.ts";
import { guardOutput } from "./output.ts";

/** Where check writes its results (stdout), one line at a time. */
export interface CheckIO {
  output: ChunkSink;
}

/** A state of a port: a probe's, or `unresolved` when the host name did not resolve. */
type PortState = ProbeState | "unresolved";

/**
 * What the probes of one port found, as running totals: `--count` may repeat a probe a million
 * times, over thousands of ports.
 */
interface PortResult {
  target: Target;
  port: number;
  /** How many probes found each state, in the order the states first came. */
  states: Map<PortState, number>;
  probes: number;
  /** The latency of the first answer, and the spread of all of them. */
  first?: number;
  answers: number;
  min: number;
  max: number;
  sum: number;
}

function newResult(target: Target, port: number): PortResult {
  return { target, port, states: new Map(), probes: 0, answers: 0, min: Infinity, max: 0, sum: 0 };
}

function record(result: PortResult, state: PortState, latency?: number): void {
  result.states.set(state, (result.states.get(state) ?? 0) + 1);
  result.probes++;
  if (latency === undefined) return;
  result.first ??= latency;
  result.answers++;
  result.min = Math.min(result.min, latency);
  result.max = Math.max(result.max, latency);
  result.sum += latency;
}

const encoder = new TextEncoder();

/**
 * Writes check's lines to stdout in order, as they come, without waiting for each: a failed
 * write is kept and thrown by {@linkcode done}, where check waits for its lines.
 */
function lineWriter(sink: ChunkSink) {
  const out = guardOutput(serialSink(sink));
  let failure: { error: unknown } | undefined;
  let last: Promise<void> = Promise.resolve();
  return {
    /** Writes `line` and a line feed. */
    write(line: string): void {
      last = out.write(encoder.encode(line + "\n")).catch((error) => {
        failure ??= { error };
      });
    },
    async done(): Promise<void> {
      await last;
      if (failure) throw failure.error;
    },
  };
}

/**
 * Runs check to completion.
 *
 * @returns 0 when every HOST:PORT target is open and every range or list has an open port, else 1
 * @throws {TcpkitError} when stdout fails
 */
export async function check(command: CheckCommand, io: CheckIO): Promise<number> {
  const started = performance.now();
  const output = lineWriter(io.output);
  const { targets } = command;

  // Each host name is resolved once, whatever the number of its ports and probes.
  const names = [...new Set(targets.map((t) => t.hostname))];
  const resolved = new Map(
    await Promise.all(names.map(async (name) => [name, await resolveHost(name)] as const)),
  );
  const addresses = [...new Set([...resolved.values()].filter((a): a is string => a !== null))];
  const unresolved: PortResult[] = [];
  const jobs: ProbeJob[] = [];
  const jobResults: PortResult[] = [];
  const byTarget = targets.map((target) => {
    const address = resolved.get(target.hostname) ?? null;
    const index = address === null ? -1 : addresses.indexOf(address);
    return target.ports.map((port) => {
      const result = newResult(target, port);
      if (index < 0) unresolved.push(result);
      else {
        jobs.push({ address: index, port });
        jobResults.push(result);
      }
      return result;
    });
  });

  const repeated = command.count > 1;
  for (let seq = 1; seq <= command.count; seq++) {
    if (seq > 1) await delay(command.intervalMs);
    for (const result of unresolved) record(result, "unresolved");
    await probe(addresses, jobs, {
      concurrency: command.concurrency,
      timeoutMs: command.timeoutMs,
      onResult: (job, state, latency) => {
        const result = jobResults[job];
        record(result, state, latency);
        if (repeated && result.target.kind === "port") {
          output.write(probeLine(command.json, result, seq, state, latency));
        }
      },
    });
    if (repeated) {
      for (const result of unresolved) {
        if (result.target.kind !== "port") continue;
        output.write(probeLine(command.json, result, seq, "unresolved"));
      }
    }
    await output.done();
  }

  const elapsed = performance.now() - started;
  const lines = command.json
    ? jsonSummary(byTarget.flat(), repeated)
    : textSummary(targets, byTarget, repeated, command.verbose, elapsed);
  output.write(lines.join("\n"));
  await output.done();
  return byTarget.every((mine) => mine.some(isOpen)) ? ExitCode.ok : ExitCode.network;
}

/** A port is up when a probe found it open (for tcping-style repeats: at least one). */
function isOpen(result: PortResult): boolean {
  return result.states.has("open");
}

/** The state to show for a port: open if any probe was, else the most frequent (the first). */
function overallState(result: PortResult): PortState {
  if (isOpen(result)) return "open";
  let shown: PortState = "error";
  let most = 0;
  for (const [state, n] of result.states) {
    if (n > most) [shown, most] = [state, n];
  }
  return shown;
}

function probeLine(
  json: boolean,
  result: PortResult,
  seq: number,
  state: PortState,
  latency?: number,
): string {
  const { target } = result;
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
  const { probes, answers } = result;
  const open = result.states.get("open") ?? 0;
  return {
    probes,
    open,
    lossPct: Math.round(((probes - open) / probes) * 1000) / 10,
    ...(answers > 0 ? { min: result.min, avg: result.sum / answers, max: result.max } : {}),
  };
}

function jsonSummary(results: PortResult[], repeated: boolean): string[] {
  return results.map((result) => {
    const latency = result.first;
    const base = { host: result.target.hostname, port: result.port, state: overallState(result) };
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
  if (!repeated) return result.first === undefined ? "" : formatDuration(result.first);
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
  byTarget: PortResult[][],
  repeated: boolean,
  verbose: boolean,
  elapsedMs: number,
): string[] {
  const lines: string[] = [];
  const results = byTarget.flat();
  const singles = results.filter((r) => r.target.kind === "port");
  if (singles.length > 0) {
    const rows = singles.map((r) => [
      formatAddress(r.target.hostname, r.port),
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
    const mine = byTarget[t];
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
  return ORDER.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`).join(", ");
}
