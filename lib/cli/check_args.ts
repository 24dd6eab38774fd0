/** The check command line: targets, probes, rounds and the report's format. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { MAX_CONCURRENCY } from "../net/probe.ts";
import { parseTargets, type Target } from "../net/targets.ts";
import type { StartTlsProtocol } from "../protocol/starttls.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  ALIASES,
  clientTls,
  type CommandArgs,
  LOOKUP,
  lookup,
  type LookupArgs,
  optionalCount,
  optionalDuration,
  optionalStartTls,
  REPORT,
  type ReportOptions,
  TLS_CLIENT_LISTS,
  TLS_CLIENT_STRINGS,
  type TlsClientArgs,
} from "./options.ts";
import { UDP_ALIAS, UDP_FLAG, udpCheck, type UdpCheckArgs } from "./udp_args.ts";

/** The output formats of check. */
export type CheckFormat = "text" | "json" | "prometheus";

/** A validated `check` command line. */
export interface CheckCommand extends ReportOptions, LookupArgs {
  /** The command's name. */
  command: "check";
  /** What to probe, in the order given. */
  targets: Target[];
  /** Read more targets from this file (`-` for stdin). */
  targetsFile?: string;
  /** Give up on a probe after this long. */
  timeoutMs: number;
  /** Probes of each port (tcping-style repeats when above 1). */
  count: number;
  /** The pause between rounds of probes. */
  intervalMs: number;
  /** Connects in flight at once. */
  concurrency: number;
  /** Do a TLS handshake after each connect, and report the certificate. */
  tls?: TlsClientArgs;
  /** Upgrade to TLS after the plain greeting first. */
  starttls?: StartTlsProtocol;
  /** A certificate that expires within this many days fails the target. */
  warnDays?: number;
  /** Send this after connecting and time the first byte of the answer. */
  send?: string;
  /** Wait for the server's first bytes and time them. */
  banner: boolean;
  /** How results are written. */
  format: CheckFormat;
  /** UDP probes (`-u`, `udp://` targets) rather than TCP connects. */
  udp?: UdpCheckArgs;
}

/**
 * check's defaults: a LAN answers in far less than 2 s; 500 connects in flight stay within a
 * compiled binary's usual limit of 1,024 descriptors.
 */
export const CHECK_DEFAULTS = { timeoutMs: 2000, intervalMs: 1000, concurrency: 500 } as const;

/** check's options and its validated command. */
export const CHECK_ARGS: CommandArgs<CheckCommand> = {
  spec: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure", "banner", UDP_FLAG],
    string: [
      "timeout",
      "count",
      "interval",
      "concurrency",
      "starttls",
      "warn-days",
      "send",
      "targets",
      "format",
      "probe",
      "query",
      ...TLS_CLIENT_STRINGS,
    ],
    collect: [...TLS_CLIENT_LISTS],
    alias: { ...ALIASES, c: "count", k: "insecure", ...UDP_ALIAS },
    elsewhere: { "idle-timeout": 'is not for check; it takes "--timeout"' },
  },
  toCommand: toCheck,
};

function toCheck(flags: ParsedFlags, report: ReportOptions): CheckCommand {
  const targetsFile = flags.strings.get("targets");
  const { udp, words } = udpCheck(flags, flags.positionals);
  if (targetsFile === "") {
    throw new UsageError('Option "--targets" needs a value: a file, or - for stdin');
  }
  if (words.length === 0 && targetsFile === undefined) {
    throw new UsageError(
      "Missing target: expected check HOST:PORT, HOST:FIRST-LAST, HOST:P1,P2,..., a subnet " +
        "such as 10.0.0.0/24:22, or --targets FILE",
    );
  }
  const starttls = optionalStartTls(flags);
  const tlsWanted = flags.booleans.has("tls") || starttls !== undefined;
  if (flags.booleans.has("tls") && starttls) {
    throw new UsageError(
      'Conflicting options "--tls" and "--starttls": TLS from the start, or after the greeting',
    );
  }
  const warnDays = optionalCount(flags, "warn-days", 3650, 0);
  if (warnDays !== undefined && !tlsWanted) {
    throw new UsageError(`Option "--warn-days" goes with "--tls" or "--starttls"`);
  }
  const send = flags.strings.get("send");
  const banner = flags.booleans.has("banner");
  if (send !== undefined && banner) {
    throw new UsageError('Conflicting options "--send" and "--banner": choose one');
  }
  const format = checkFormat(flags.strings.get("format"), report.json);
  return {
    command: "check",
    targets: parseTargets(words),
    targetsFile,
    timeoutMs: optionalDuration(flags, "timeout") ?? CHECK_DEFAULTS.timeoutMs,
    count: optionalCount(flags, "count", 1_000_000) ?? 1,
    intervalMs: optionalDuration(flags, "interval") ?? CHECK_DEFAULTS.intervalMs,
    concurrency: optionalCount(flags, "concurrency", MAX_CONCURRENCY) ??
      CHECK_DEFAULTS.concurrency,
    tls: tlsWanted ? clientTls(flags, true) : clientTls(flags, false) && undefined,
    starttls,
    warnDays,
    send,
    banner,
    format,
    ...(udp ? { udp } : {}),
    ...lookup(flags),
    ...report,
    json: format === "json",
  };
}

function checkFormat(raw: string | undefined, json: boolean): CheckFormat {
  if (raw === undefined) return json ? "json" : "text";
  const format = raw.toLowerCase();
  if (format !== "text" && format !== "json" && format !== "prometheus") {
    throw new UsageError(
      `Invalid --format "${escapeText(raw)}": expected text, json or prometheus`,
    );
  }
  if (json && format !== "json") {
    throw new UsageError(`Conflicting options "--json" and "--format ${format}": choose one`);
  }
  return format;
}
