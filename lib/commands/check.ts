/**
 * `tcpkit check`: is it up, and how fast does it answer? Every host and port of every target,
 * concurrently, each distinct address and port probed once; the TLS handshake and the
 * certificate with --tls or --starttls; the first byte with --send or --banner; tcping-style
 * repeats with --count. Results go to stdout as text, JSON Lines or Prometheus metrics.
 */
import denoJson from "../../deno.json" with { type: "json" };
import type { CheckCommand } from "../cli/args.ts";
import { ExitCode, UsageError } from "../errors.ts";
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
import { DEFAULT_EXPECT } from "../check/expect.ts";
import type { HttpProbeOptions } from "../check/http.ts";
import { attemptJson, backoffMs, pendingTargets, statusLine } from "../check/wait.ts";
import { formatDuration } from "../format.ts";
import { clientTlsOptions } from "./tls_options.ts";
import { guardOutput } from "./output.ts";
import type { HttpTarget } from "../net/http_target.ts";
import { bypasses, proxyFor, readProxyEnv } from "../net/proxy_env.ts";
import { parseProxyUrl, type ProxyUrl } from "../net/proxy_url.ts";
import type { Target } from "../net/targets.ts";

/** Where check writes its results (stdout), where `--targets -` reads, and its Ctrl-C. */
export interface CheckIO {
  /** Stdout: the results, as text, JSON Lines or Prometheus metrics. */
  output: ChunkSink;
  /** Stdin, for `--targets -`. */
  input?: ChunkSource;
  /** Aborted on Ctrl-C: check stops probing, prints what it found so far and returns 130. */
  signal?: AbortSignal;
  /**
   * With --wait, on a terminal: writes the status line in place (stderr), `width` columns at
   * most. Without it, no status line is drawn.
   */
  status?: { write(text: string): void; width: number };
  /** Writes a line on stderr (--wait's outcome), `tcpkit: ` before it. */
  notice?: (line: string) => void;
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
  const waitMs = command.waitMs;
  // With --wait each attempt replaces the last: the report shows where each target stands now.
  const results = new CheckResults(rows.count, { latestOnly: waitMs !== undefined });
  const hosts = new HostAddresses(targets.flatMap((t) => t.http ? [] : t.hosts), {
    family: command.family,
    numeric: command.numeric,
    timeoutMs: command.timeoutMs,
    keepNames: command.proxy !== undefined && command.proxy.protocol !== "socks5",
  });
  const session = command.udp ? undefined : await sessionOptions(command);
  const repeated = command.count > 1;
  // --wait ends at its deadline as Ctrl-C would, but it is not an interruption.
  const waitOver = new AbortController();
  const waitTimer = waitMs === undefined ? undefined : setTimeout(() => waitOver.abort(), waitMs);
  const signal = waitMs === undefined
    ? io.signal
    : io.signal
    ? AbortSignal.any([io.signal, waitOver.signal])
    : waitOver.signal;

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
          : probeText(
            place,
            round,
            outcome,
            targets[place.target].http && targets[place.target].text,
          ),
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

  const allUp = () => verdictsOf(rows, results).every((verdict) => verdict === "up");
  const onAttempt = (attempt: number) => {
    const pending = pendingTargets(rows, results);
    const elapsed = performance.now() - started;
    if (command.format === "json") {
      output.write(attemptJson(pending, targets.length, attempt, elapsed));
    } else if (io.status && pending.length > 0) {
      const { write, width } = io.status;
      write(`\r\x1b[K${statusLine(pending, targets.length, attempt, elapsed, waitMs!, width)}`);
    }
  };
  const done = await runRounds(rows, hosts, results, {
    count: waitMs === undefined ? command.count : Infinity,
    pauseMs: waitMs === undefined
      ? undefined
      : (round) => command.waitIntervalMs ?? backoffMs(round),
    done: waitMs === undefined ? undefined : allUp,
    intervalMs: command.intervalMs,
    http: { ...await httpOptions(command), proxyFor: httpProxies(command, targets, io.notice) },
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
    onRound: (round) => {
      if (waitMs !== undefined) onAttempt(round);
      return output.done();
    },
    onPlan: (plan) => lastPlan = plan,
  });
  clearTimeout(waitTimer);

  const interrupted = io.signal?.aborted ?? false;
  let exitCode = interrupted ? ExitCode.interrupted : exitCodeOf(verdictsOf(rows, results));
  if (waitMs !== undefined && !interrupted) {
    exitCode = waitOutcome(command, rows, results, done.rounds, performance.now() - started, io);
  }
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

/**
 * After --wait: rows the deadline caught before their first answer are timeouts; the status
 * line gives way to one line on stderr; 0 when every target is up, else 1 (the deadline).
 */
function waitOutcome(
  command: CheckCommand,
  rows: ReturnType<typeof rowsOf>,
  results: CheckResults,
  attempts: number,
  elapsedMs: number,
  io: CheckIO,
): number {
  for (let row = 0; row < rows.count; row++) {
    if (results.probes(row) === 0) {
      results.record(row, {
        state: "timeout",
        reason: `no answer within --wait ${formatDuration(command.waitMs!)}`,
      });
    }
  }
  const pending = pendingTargets(rows, results);
  const total = rows.targets.length;
  io.status?.write("\r\x1b[K");
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  if (pending.length === 0) {
    if (io.status) {
      io.notice?.(
        `${total === 1 ? "the target is" : `all ${total} targets are`} up after ${
          formatDuration(elapsedMs)
        } (${tries})`,
      );
    }
    return ExitCode.ok;
  }
  if (command.format !== "json") {
    io.notice?.(
      `gave up waiting after ${
        formatDuration(command.waitMs!)
      } (${tries}): ${pending.length} of ${total} target${total === 1 ? "" : "s"} not up`,
    );
  }
  return ExitCode.network;
}

/** How HTTP targets are probed: the command's HTTP options, or their defaults. */
async function httpOptions(command: CheckCommand): Promise<Omit<HttpProbeOptions, "signal">> {
  const http = command.http;
  const tls = command.httpsTls && await clientTlsOptions(command.httpsTls, command.timeoutMs);
  return {
    timeoutMs: command.timeoutMs,
    method: http?.method ?? "GET",
    headers: http?.headers ?? [],
    userAgent: `tcpkit/${denoJson.version}`,
    expect: { status: http?.expect ?? DEFAULT_EXPECT, body: http?.expectBody },
    tls,
    family: command.family,
    numeric: command.numeric,
    source: command.source,
    unixSocket: http?.unixSocket,
    concurrency: command.concurrency,
  };
}

/** What a session probe does, when a probe is more than a connect; undefined when it is not. */
async function sessionOptions(
  command: CheckCommand,
): Promise<Omit<SessionOptions, "signal"> | undefined> {
  const wantsTls = command.tls !== undefined;
  // Through a proxy, every probe is a session: a connect through the proxy's hop.
  if (!wantsTls && command.send === undefined && !command.banner && !command.proxy) {
    return undefined;
  }
  return {
    timeoutMs: command.timeoutMs,
    concurrency: command.concurrency,
    tls: wantsTls ? await clientTlsOptions(command.tls!, command.timeoutMs) : undefined,
    starttls: command.starttls,
    send: command.send === undefined ? undefined : encoder.encode(command.send),
    banner: command.banner,
    warnDays: command.warnDays,
    proxy: command.proxy,
  };
}

/**
 * Which proxy each http(s):// target goes through: `--proxy` for all of them, else the
 * environment's, by curl's rules (`http_proxy`, `HTTPS_PROXY`, `NO_PROXY`; loopback never);
 * either way `--noproxy` names hosts to reach directly. With -v, a line says which and why.
 *
 * @throws {UsageError} for a proxy variable that holds no proxy URL tcpkit takes
 */
function httpProxies(
  command: CheckCommand,
  targets: Target[],
  notice: ((line: string) => void) | undefined,
): (target: HttpTarget) => ProxyUrl | undefined {
  const chosen = new Map<string, ProxyUrl | undefined>();
  const env = command.proxy ? {} : readProxyEnv();
  for (const { http } of targets) {
    if (!http || chosen.has(http.url)) continue;
    let proxy: ProxyUrl | undefined;
    let why: string;
    if (command.proxy) {
      const host = http.hostname.toLowerCase();
      const direct = command.noProxy !== undefined && bypasses(host, command.noProxy);
      proxy = direct ? undefined : command.proxy;
      why = direct ? `${host} is in --noproxy` : "--proxy";
    } else {
      const choice = proxyFor(http.url, env, command.noProxy);
      try {
        proxy = choice.proxy === undefined ? undefined : parseProxyUrl(choice.proxy, choice.reason);
      } catch (e) {
        // A variable's value is the user's too: the usage hint points at check's help.
        throw e instanceof UsageError ? new UsageError(e.message, "check") : e;
      }
      why = choice.reason;
    }
    chosen.set(http.url, proxy);
    if (command.verbose) {
      notice?.(`${http.url}: ${proxy ? `through ${proxy.text}` : "direct"} (${why})`);
    }
  }
  return (target) => chosen.get(target.url);
}
