/**
 * check's rounds of probes: each round looks the names up, plans the jobs (each distinct
 * address and port once), probes them (a plain connect scan, or sessions with TLS, STARTTLS,
 * --send or --banner), and records what each job found on every row that names it. `--count N`
 * is N rounds, a pause between them; an abort (Ctrl-C) ends the rounds at once, and what was
 * found so far stays recorded.
 */
import { probe, type ProbeResult } from "../net/probe.ts";
import type { HostAddresses } from "./hosts.ts";
import { forEachRowOf, placeOf, planRound, type RoundPlan, type Rows } from "./plan.ts";
import { failureReason } from "./reasons.ts";
import type { CheckResults, ProbeOutcome } from "./results.ts";
import type { SessionOptions } from "./session.ts";
import type { HttpProbeOptions } from "./http.ts";
import type { HttpTarget } from "../net/http_target.ts";
import { stateOfFailure } from "./states.ts";
import type { UdpProbeOptions } from "./udp_probe.ts";

/** Options for {@linkcode runRounds}. */
export interface RoundsOptions {
  /** Rounds to run. */
  count: number;
  /** The pause between two rounds. */
  intervalMs: number;
  /** A connect's time limit (a plain scan). */
  timeoutMs: number;
  /** Connects in flight at once. */
  concurrency: number;
  /** Ends the rounds: probes under way are abandoned. */
  signal?: AbortSignal;
  /** Probe with sessions rather than plain connects. */
  session?: Omit<SessionOptions, "signal">;
  /** Probe over UDP (check -u) rather than TCP. */
  udp?: Omit<UdpProbeOptions, "signal" | "timeoutMs" | "concurrency">;
  /** With TLS: the name each host's certificate must be for. */
  tlsName?: (host: string) => string;
  /** How the HTTP targets are probed (their rows are not jobs of the plan). */
  http?: Omit<HttpProbeOptions, "signal">;
  /** The pause before round `round` (2 and on), instead of `intervalMs` (--wait's backoff). */
  pauseMs?: (round: number) => number;
  /** Checked after each round: true ends the rounds (--wait: every target is up). */
  done?: () => boolean;
  /** Called with each probe's outcome, for each row it stands for, as it comes. */
  onProbe?: (row: number, round: number, outcome: ProbeOutcome) => void;
  /** Called with each new plan, before its probes. */
  onPlan?: (plan: RoundPlan) => void;
  /** Called after each round (also the last, not after an aborted one). */
  onRound?: (round: number) => Promise<void>;
}

/** What the rounds left: the last plan (each row's address), and how many rounds ended. */
export interface RoundsDone {
  plan: RoundPlan | undefined;
  rounds: number;
}

/**
 * Runs the rounds, recording into `results`.
 */
export async function runRounds(
  rows: Rows,
  hosts: HostAddresses,
  results: CheckResults,
  options: RoundsOptions,
): Promise<RoundsDone> {
  const { signal } = options;
  let plan: RoundPlan | undefined;
  let unresolved: number[] = [];
  let rounds = 0;
  const httpRows: { row: number; target: HttpTarget }[] = [];
  rows.targets.forEach((target, t) => {
    if (target.http) httpRows.push({ row: rows.offsets[t], target: target.http });
  });
  const httpRowSet = new Set(httpRows.map(({ row }) => row));
  for (let round = 1; round <= options.count; round++) {
    const wait = options.pauseMs?.(round) ?? options.intervalMs;
    if (round > 1 && !await pause(wait, signal)) break;
    if (signal?.aborted) break;
    let changed = false;
    if (hosts.hasNames) {
      try {
        changed = await hosts.lookUp(signal);
      } catch (e) {
        if (signal?.aborted) break;
        throw e;
      }
    }
    if (plan === undefined || changed) {
      plan = planRound(rows, (host) => {
        const found = hosts.get(host);
        return "address" in found ? found.address : undefined;
      }, { tlsName: options.tlsName });
      unresolved = [];
      for (let row = 0; row < rows.count; row++) {
        if (plan.rowJob[row] < 0 && !httpRowSet.has(row)) {
          unresolved.push(row);
        }
      }
      options.onPlan?.(plan);
    }
    const current = plan;

    // Each row's lookup time, when its host is a name: a job's rows may differ in that.
    let hint = 0;
    const resolveMs = hosts.hasNames
      ? (row: number) => {
        const place = placeOf(rows, row, hint);
        hint = place.target;
        const found = hosts.get(place.host);
        return "address" in found ? found.ms : undefined;
      }
      : () => undefined;
    const record = (row: number, outcome: ProbeOutcome) => {
      const ms = resolveMs(row);
      const mine = ms === undefined ? outcome : { ...outcome, ms: { resolve: ms, ...outcome.ms } };
      results.record(row, mine);
      options.onProbe?.(row, round, mine);
    };
    for (const row of unresolved) {
      const place = placeOf(rows, row);
      const found = hosts.get(place.host);
      record(row, { state: "unresolved", reason: "reason" in found ? found.reason : undefined });
    }
    const onResult = (job: number, outcome: ProbeOutcome) =>
      forEachRowOf(current, job, (row) => record(row, outcome));
    // HTTP targets are probed beside a plain scan (which runs in Workers), and after session
    // probes (which, like them, run on this thread, at most 100 at once).
    const probingHttp = async () => {
      if (httpRows.length === 0 || !options.http) return;
      // Loaded only for HTTP targets: it brings node:http.
      const { probeHttp } = await import("./http.ts");
      await probeHttp(httpRows, { ...options.http, signal }, (row, outcome) => {
        results.record(row, outcome);
        options.onProbe?.(row, round, outcome);
      });
    };
    const beside = options.session ? undefined : probingHttp();
    beside?.catch(() => {}); // awaited below; this keeps an early failure from going unheard
    if (current.jobs.length === 0) {
      // Nothing for the plan's probes.
    } else if (options.udp) {
      const { probeUdp } = await import("./udp_probe.ts");
      await probeUdp(current.addresses, current.jobs, {
        ...options.udp,
        timeoutMs: options.timeoutMs,
        concurrency: options.concurrency,
        signal,
      }, onResult);
    } else if (options.session) {
      // Loaded only for session probes: it brings node:tls and the certificate library.
      const { probeSessions } = await import("./session.ts");
      await probeSessions(
        current.addresses,
        current.jobs,
        current.names,
        { ...options.session, signal },
        onResult,
      );
    } else {
      await probe(current.addresses, current.jobs, {
        concurrency: options.concurrency,
        timeoutMs: options.timeoutMs,
        signal,
        onResult: (job, result) => onResult(job, outcomeOf(result)),
      });
    }
    await (beside ?? probingHttp());
    if (signal?.aborted) break;
    rounds = round;
    await options.onRound?.(round);
    if (options.done?.()) break;
  }
  return { plan, rounds };
}

const TIMEOUT: ProbeOutcome = Object.freeze({ state: "timeout" });
const CLOSED: ProbeOutcome = Object.freeze({ state: "closed" });
/** The outcomes of failures by kind and words: a scan meets the same few again and again. */
const failures = new Map<string, ProbeOutcome>();

/** A plain probe's result as an outcome. */
function outcomeOf(result: ProbeResult): ProbeOutcome {
  switch (result.kind) {
    case "open":
      return { state: "open", ms: { connect: result.latencyMs } };
    case "timeout":
      return TIMEOUT;
    case "failed": {
      const state = stateOfFailure(result.failure);
      if (state === "closed") return CLOSED;
      const key = `${result.failure}\n${result.detail ?? ""}`;
      let outcome = failures.get(key);
      if (outcome === undefined) {
        outcome = Object.freeze({
          state,
          reason: failureReason(result.failure, undefined, result.detail),
        });
        failures.set(key, outcome);
      }
      return outcome;
    }
  }
}

/** Waits `ms`; false when the signal aborted first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
