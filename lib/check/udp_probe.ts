/**
 * check -u's probes: a datagram suited to the port (a DNS query to 53, an NTP client request to
 * 123, an SNMP v2c get of sysDescr to 161, or --send's text, or an empty datagram), and what came
 * back. A reply is `open` (with its round trip); silence within --timeout is `open|filtered`, as
 * nmap says: UDP cannot tell a closed port from a dropped probe without the ICMP error, and
 * Deno's sockets do not surface it (docs/architecture.md). A DNS probe with --query is a health
 * check: a reply that is not NOERROR with an answer is `unhealthy`, its reason the reply code.
 */
import { classifyFailure } from "../net/errors.ts";
import { type UdpAddress, UdpSocket, unmapped } from "../net/udp.ts";
import { buildDnsQuery, DNS_TYPES, parseDnsReply } from "../protocol/dns.ts";
import { buildNtpRequest, parseNtpReply, toNtpTimestamp } from "../protocol/ntp.ts";
import { buildSnmpGet, parseSnmpResponse } from "../protocol/snmp.ts";
import { escapeText } from "../io/escape.ts";
import { failureReason } from "./reasons.ts";
import type { ProbeOutcome } from "./results.ts";
import { stateOfFailure } from "./states.ts";

/** The protocol probes by name. */
export type UdpProbeKind = "dns" | "ntp" | "snmp";

/** Options for {@linkcode probeUdp}. */
export interface UdpProbeOptions {
  /** The probe for every port; by port when left out. */
  probe?: UdpProbeKind;
  /** DNS: the name to ask for; the reply must then be NOERROR with an answer. */
  query?: string;
  /** The datagram for ports without a protocol probe (`--send`); empty when left out. */
  send?: Uint8Array;
  /** How long to wait for a reply. */
  timeoutMs: number;
  /** Probes in flight at once. */
  concurrency: number;
  /** Ends the probes: those under way are abandoned. */
  signal?: AbortSignal;
}

/** The probe a port gets when --probe does not say. */
export function probeForPort(port: number): UdpProbeKind | undefined {
  return port === 53 ? "dns" : port === 123 ? "ntp" : port === 161 ? "snmp" : undefined;
}

/** A probe's datagram, and how to read its reply. */
interface Probe {
  datagram: Uint8Array;
  judge(reply: Uint8Array, receivedMs: number): { state: "open" | "unhealthy"; reason?: string };
}

/**
 * The datagram for `port`, and how its reply is judged.
 *
 * @param sentMs the wall-clock time of sending (NTP's offset)
 */
export function makeProbe(port: number, options: UdpProbeOptions, sentMs: number): Probe {
  const kind = options.probe ?? (options.query !== undefined ? "dns" : probeForPort(port));
  const id = Math.floor(Math.random() * 0x10000);
  switch (kind) {
    case "dns":
      return {
        datagram: buildDnsQuery(options.query ?? ".", {
          id,
          type: options.query === undefined ? DNS_TYPES.NS : DNS_TYPES.A,
        }),
        judge(reply) {
          const parsed = parseDnsReply(reply);
          if (!parsed.ok) return notThe("DNS", parsed.problem, options.query !== undefined);
          const { rcodeName, answers, addresses } = parsed.reply;
          if (parsed.reply.id !== id) {
            return notThe("DNS", "its id is not the query's", options.query !== undefined);
          }
          if (options.query === undefined) return { state: "open", reason: `DNS ${rcodeName}` };
          if (parsed.reply.rcode !== 0) return { state: "unhealthy", reason: rcodeName };
          if (answers === 0) return { state: "unhealthy", reason: "NOERROR without an answer" };
          return {
            state: "open",
            reason: `NOERROR${addresses.length ? `: ${addresses.slice(0, 4).join(", ")}` : ""}`,
          };
        },
      };
    case "ntp": {
      const transmit = toNtpTimestamp(sentMs);
      return {
        datagram: buildNtpRequest(transmit),
        judge(reply, receivedMs) {
          const parsed = parseNtpReply(reply, transmit, { sentMs, receivedMs });
          if (!parsed.ok) return notThe("NTP", parsed.problem, false);
          const { stratum, kiss, leap, offsetMs } = parsed.reply;
          if (kiss !== undefined) {
            return { state: "unhealthy", reason: `NTP kiss-o'-death ${escapeText(kiss)}` };
          }
          if (leap === 3) return { state: "unhealthy", reason: "NTP server not synchronised" };
          const offset = offsetMs === undefined
            ? ""
            : `, offset ${offsetMs >= 0 ? "+" : ""}${offsetMs.toFixed(1)} ms`;
          return { state: "open", reason: `NTP stratum ${stratum}${offset}` };
        },
      };
    }
    case "snmp":
      return {
        datagram: buildSnmpGet(id),
        judge(reply) {
          const parsed = parseSnmpResponse(reply);
          if (!parsed.ok) return notThe("SNMP", parsed.problem, false);
          const { description, errorStatus } = parsed.reply;
          if (errorStatus !== 0) return { state: "open", reason: `SNMP error ${errorStatus}` };
          return {
            state: "open",
            reason: `SNMP${description ? `: ${escapeText(description.slice(0, 80))}` : ""}`,
          };
        },
      };
    default:
      return {
        datagram: options.send ?? new Uint8Array(0),
        judge: () => ({ state: "open" }),
      };
  }
}

/** A reply that is not the protocol's: the port answered, so it is open, unless health was asked. */
function notThe(
  protocol: string,
  problem: string,
  health: boolean,
): { state: "open" | "unhealthy"; reason: string } {
  return { state: health ? "unhealthy" : "open", reason: `reply is not ${protocol}: ${problem}` };
}

const SILENT: ProbeOutcome = Object.freeze({ state: "open|filtered" });

/** A probe waiting for its reply. */
interface Waiting {
  family: 4 | 6;
  reply: (reply: Uint8Array) => void;
  fail: (error: Error) => void;
}

/**
 * Probes every job (pairs of address index and port in `jobs`) once, `concurrency` at a time,
 * calling `onResult` with each job's outcome as it comes. Fresh sockets each call (one a family),
 * so that a late reply to an earlier round is never taken for this one's.
 */
export async function probeUdp(
  addresses: readonly string[],
  jobs: Int32Array,
  options: UdpProbeOptions,
  onResult: (job: number, outcome: ProbeOutcome) => void,
): Promise<void> {
  const count = jobs.length / 2;
  const sockets = new Map<4 | 6, Promise<UdpSocket>>();
  const waiting = new Map<string, Waiting>();
  /** A socket whose receiving failed: its probes fail with this, never pass for silence. */
  const broken = new Map<4 | 6, Error>();
  const key = (address: string, port: number) => `${unmapped(address)}|${port}`;
  const socketFor = (family: 4 | 6) => {
    let socket = sockets.get(family);
    if (!socket) {
      socket = UdpSocket.bind(family === 6 ? "::" : "0.0.0.0", 0).then((s) => {
        s.onError = (e) => {
          broken.set(family, e);
          for (const probe of [...waiting.values()]) if (probe.family === family) probe.fail(e);
        };
        s.onDatagram = (data, from) => waiting.get(key(from.address, from.port))?.reply(data);
        return s;
      });
      sockets.set(family, socket);
    }
    return socket;
  };
  const one = async (job: number): Promise<void> => {
    const address = addresses[jobs[2 * job]];
    const port = jobs[2 * job + 1];
    const to: UdpAddress = { address, port };
    const family = address.includes(":") ? 6 : 4;
    let socket: UdpSocket;
    try {
      socket = await socketFor(family);
    } catch (e) {
      onResult(job, failed(e));
      return;
    }
    const brokenBy = broken.get(family);
    if (brokenBy) {
      onResult(job, failed(brokenBy));
      return;
    }
    const probe = makeProbe(port, options, Date.now());
    const outcome = await new Promise<ProbeOutcome>((resolve) => {
      const k = key(address, port);
      const started = performance.now();
      const done = (outcome: ProbeOutcome) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", abort);
        waiting.delete(k);
        resolve(outcome);
      };
      const abort = () => done(SILENT);
      const timer = setTimeout(() => done(SILENT), options.timeoutMs);
      options.signal?.addEventListener("abort", abort, { once: true });
      waiting.set(k, {
        family,
        reply: (reply) => {
          const rtt = performance.now() - started;
          const verdict = probe.judge(reply, Date.now());
          done({ state: verdict.state, ms: { connect: rtt }, reason: verdict.reason });
        },
        fail: (e) => done(failed(e)),
      });
      socket.send(probe.datagram, to, (e) => {
        if (e) done(failed(e));
      });
    });
    if (!options.signal?.aborted) onResult(job, outcome);
  };
  let next = 0;
  const worker = async () => {
    while (next < count && !options.signal?.aborted) await one(next++);
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, count) }, worker),
    );
  } finally {
    for (const socket of sockets.values()) {
      socket.then((s) => s.close(), () => {});
    }
  }
}

function failed(e: unknown): ProbeOutcome {
  const failure = classifyFailure(e) ?? "other";
  return { state: stateOfFailure(failure), reason: failureReason(failure, e) };
}
