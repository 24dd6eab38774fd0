/**
 * `tcpkit check`: is it up, and how fast does it answer? Every host and port of every target,
 * concurrently, each distinct address and port probed once; the TLS handshake and the
 * certificate with --tls or --starttls; the first byte with --send or --banner; tcping-style
 * repeats with --count. Results go to stdout as text, JSON Lines or Prometheus metrics.
 */
import type { CheckCommand } from "../cli/args.ts";
import { ExitCode } from "../errors.ts";
import type { ChunkSink, ChunkSource } from "../io/chunks.ts";
import { serialSink } from "../io/serial.ts";
import { HostAddresses } from "../check/hosts.ts";
import { jsonReport, probeJson } from "../check/json.ts";
import { placeOf, rowsOf } from "../check/plan.ts";
import { prometheusReport } from "../check/prometheus.ts";
import { type CheckReport, verdictsOf } from "../check/report.ts";
import { CheckResults } from "../check/results.ts";
import { runRounds } from "../check/rounds.ts";
import type { SessionOptions } from "../check/session.ts";
import { withTargetsFile } from "../check/targets_file.ts";
import { probeText, textReport } from "../check/text.ts";
import { exitCodeOf, isGroup } from "../check/verdict.ts";
import { clientTlsOptions } from "./tls_options.ts";
import { guardOutput } from "./output.ts";

/** Where check writes its results (stdout), where `--targets -` reads, and its Ctrl-C. */
export interface CheckIO {
  /** Stdout: the results, as text, JSON Lines or Prometheus metrics. */
  output: ChunkSink;
  /** Stdin, for `--targets -`. */
  input?: ChunkSource;
  /** Aborted on Ctrl-C: check stops probing, prints what it found so far and returns 130. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();

/** The most text gathered before a write, when a report has many lines. */
const WRITE_CHUNK = 64 * 1024;

/**
 * Writes check's lines to stdout in order, as they come, without waiting for each: a failed
 * write is kept and thrown by {@linkcode done}, where check waits for its lines.
 */
function lineWriter(sink: ChunkSink) {
  const out = guardOutput(serialSink(sink));
  let failure: { error: unknown } | undefined;
  let last: Promise<void> = Promise.resolve();
  const writer = {
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
    /** Writes every line, a chunk at a time, each chunk written before the next is made. */
    async writeAll(lines: Iterable<string>): Promise<void> {
      let chunk: string[] = [];
      let size = 0;
      for (const line of lines) {
        chunk.push(line);
        size += line.length + 1;
        if (size >= WRITE_CHUNK) {
          writer.write(chunk.join("\n"));
          await writer.done();
          chunk = [];
          size = 0;
        }
      }
      if (chunk.length > 0) writer.write(chunk.join("\n"));
      await writer.done();
    },
  };
  return writer;
}

/**
 * Runs check to completion, or until `io.signal` aborts.
 *
 * @returns 0 when every target is up; 1 when one is not; 5 when every target answered but a
 * certificate or TLS handshake failed; 130 when interrupted (after the summary so far)
 * @throws {UsageError} for a --targets file that cannot be read or holds a bad line
 * @throws {TcpkitError} when stdout fails
 */
export async function check(command: CheckCommand, io: CheckIO): Promise<number> {
  const started = performance.now();
  const output = lineWriter(io.output);
  const targets = await withTargetsFile(command.targets, command.targetsFile, io.input);
  const rows = rowsOf(targets);
  const results = new CheckResults(rows.count);
  const hosts = new HostAddresses(targets.flatMap((t) => t.hosts), {
    family: command.family,
    numeric: command.numeric,
    timeoutMs: command.timeoutMs,
  });
  const session = command.udp ? undefined : await sessionOptions(command);
  const repeated = command.count > 1;
  const { signal } = io;

  // With --count, each probe of a HOST:PORT target gets a line as soon as it and the targets
  // before it have theirs, so that each round's lines are in the order given.
  const singles: number[] = [];
  targets.forEach((target, t) => {
    if (!isGroup(target)) singles.push(rows.offsets[t]);
  });
  const waiting = new Map<number, string>();
  let next = 0;
  let current = 0;
  const onProbe = repeated && command.format !== "prometheus" && singles.length > 0
    ? (row: number, round: number, outcome: Parameters<typeof probeText>[2]) => {
      const place = placeOf(rows, row);
      if (isGroup(targets[place.target])) return;
      if (round !== current) {
        current = round;
        next = 0;
        waiting.clear();
      }
      waiting.set(
        row,
        command.format === "json"
          ? probeJson(place, targets[place.target].text, addressOf(row), round, outcome)
          : probeText(place, round, outcome),
      );
      for (
        let line = waiting.get(singles[next]);
        line !== undefined;
        line = waiting.get(singles[next])
      ) {
        waiting.delete(singles[next++]);
        output.write(line);
      }
    }
    : undefined;
  let lastPlan: Awaited<ReturnType<typeof runRounds>>["plan"];
  const addressOf = (row: number) => {
    const job = lastPlan?.rowJob[row] ?? -1;
    return job < 0 ? null : lastPlan!.addresses[lastPlan!.jobs[2 * job]];
  };

  const done = await runRounds(rows, hosts, results, {
    count: command.count,
    intervalMs: command.intervalMs,
    timeoutMs: command.timeoutMs,
    concurrency: command.concurrency,
    signal,
    session,
    udp: command.udp
      ? {
        ...command.udp,
        send: command.send === undefined ? undefined : encoder.encode(command.send),
      }
      : undefined,
    tlsName: session?.tls ? (host) => command.tls?.sni ?? host : undefined,
    onProbe,
    onRound: () => output.done(),
    onPlan: (plan) => lastPlan = plan,
  });

  const interrupted = signal?.aborted ?? false;
  const exitCode = interrupted ? ExitCode.interrupted : exitCodeOf(verdictsOf(rows, results));
  const report: CheckReport = {
    rows,
    results,
    plan: done.plan,
    count: command.count,
    rounds: done.rounds,
    verbose: command.verbose,
    elapsedMs: performance.now() - started,
    interrupted,
    exitCode,
  };
  const lines = command.format === "json"
    ? jsonReport(report)
    : command.format === "prometheus"
    ? prometheusReport(report)
    : textReport(report);
  await output.writeAll(lines);
  return exitCode;
}

/** What a session probe does, when a probe is more than a connect; undefined when it is not. */
async function sessionOptions(
  command: CheckCommand,
): Promise<Omit<SessionOptions, "signal"> | undefined> {
  const wantsTls = command.tls !== undefined;
  if (!wantsTls && command.send === undefined && !command.banner) return undefined;
  return {
    timeoutMs: command.timeoutMs,
    concurrency: command.concurrency,
    tls: wantsTls ? await clientTlsOptions(command.tls!, command.timeoutMs) : undefined,
    starttls: command.starttls,
    send: command.send === undefined ? undefined : encoder.encode(command.send),
    banner: command.banner,
    warnDays: command.warnDays,
  };
}
