/** The check command line: targets, probes, rounds and the report's format. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { MAX_CONCURRENCY } from "../net/probe.ts";
import { parseTargets, type Target } from "../net/targets.ts";
import type { StartTlsProtocol } from "../protocol/starttls.ts";
import type { ParsedFlags } from "./flags.ts";
import { HTTP_ALIASES, HTTP_LISTS, HTTP_STRINGS, type HttpArgs, httpArgs } from "./http_args.ts";
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
  type ProxyArgs,
  proxyArgs,
  REPORT,
  type ReportOptions,
  sourceAddress,
  TLS_CLIENT_LISTS,
  TLS_CLIENT_STRINGS,
  type TlsClientArgs,
} from "./options.ts";
import { UDP_ALIAS, UDP_FLAG, udpCheck, type UdpCheckArgs } from "./udp_args.ts";

/** The output formats of check. */
export type CheckFormat = "text" | "json" | "prometheus";

/** A validated `check` command line. */
export interface CheckCommand extends ReportOptions, LookupArgs, ProxyArgs {
  /** The command's name. */
  command: "check";
  /** What to probe, in the order given. */
  targets: Target[];
  /** Read more targets from this file (`-` for stdin). */
  targetsFile?: string;
  /** http(s):// targets on these hosts go direct (`--noproxy`, in place of `NO_PROXY`). */
  noProxy?: string;
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
  /** What the http:// and https:// targets are asked (their defaults when no option is given). */
  http?: HttpArgs;
  /** How https:// targets trust the server: the TLS options, which apply to them as given. */
  httpsTls?: TlsClientArgs;
  /** The local address the HTTP targets are dialled from (`--source`). */
  source?: string;
  /** Probe until every target is up, for at most this long (`--wait`). */
  waitMs?: number;
  /** With --wait: the pause between attempts when `--interval` is given (else a backoff). */
  waitIntervalMs?: number;
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
      "proxy",
      "noproxy",
      "probe",
      "query",
      ...TLS_CLIENT_STRINGS,
      "cert",
      "key",
      ...HTTP_STRINGS,
      "source",
      "wait",
    ],
    collect: [...TLS_CLIENT_LISTS, ...HTTP_LISTS],
    alias: { ...ALIASES, c: "count", k: "insecure", ...HTTP_ALIASES, s: "source", ...UDP_ALIAS },
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
  const targets = parseTargets(words);
  const web = httpOptions(flags, targets, targetsFile !== undefined);
  return {
    command: "check",
    targets,
    targetsFile,
    timeoutMs: optionalDuration(flags, "timeout") ?? CHECK_DEFAULTS.timeoutMs,
    count: optionalCount(flags, "count", 1_000_000) ?? 1,
    intervalMs: optionalDuration(flags, "interval") ?? CHECK_DEFAULTS.intervalMs,
    concurrency: optionalCount(flags, "concurrency", MAX_CONCURRENCY) ??
      CHECK_DEFAULTS.concurrency,
    tls: tlsWanted
      ? clientTls(flags, true)
      : clientTls(flags, web.https, "--tls or an https:// target") && undefined,
    httpsTls: web.https ? clientTls(flags, true) : undefined,
    starttls,
    warnDays,
    send,
    banner,
    format,
    ...proxyArgs(flags, []),
    noProxy: noProxyList(flags, targets, targetsFile !== undefined),
    ...(udp ? { udp } : {}),
    ...lookup(flags),
    ...web.options,
    ...report,
    json: format === "json",
  };
}

/**
 * The HTTP targets' options (`--method`, `-H`, `--expect`, `--expect-body`, `--unix-socket`,
 * `--source`) and `--wait`: each is refused where it has nothing to apply to. A --targets file
 * may bring HTTP targets, so its presence lets them through.
 */
function httpOptions(
  flags: ParsedFlags,
  targets: Target[],
  fromFile: boolean,
): {
  https: boolean;
  options: Pick<CheckCommand, "http" | "source" | "waitMs" | "waitIntervalMs">;
} {
  const anyHttp = fromFile || targets.some((t) => t.http);
  const https = fromFile || targets.some((t) => t.http?.tls);
  const http = httpArgs(flags);
  if (http && !anyHttp) {
    throw new UsageError(
      "HTTP options (--method, -H, --expect, --expect-body, --unix-socket) go with " +
        "http:// or https:// targets, such as http://127.0.0.1:8080/healthz",
    );
  }
  const rawSource = flags.strings.get("source");
  let source: string | undefined;
  if (rawSource !== undefined) {
    if (targets.some((t) => !t.http)) {
      throw new UsageError(
        'Option "--source" applies to http:// and https:// targets only in check',
      );
    }
    if (http?.unixSocket !== undefined) {
      throw new UsageError(`Option "--source" is for TCP: a Unix socket has no source address`);
    }
    source = sourceAddress(rawSource).address;
  }
  const waitMs = optionalDuration(flags, "wait");
  if (waitMs !== undefined && flags.strings.has("count")) {
    throw new UsageError(
      'Conflicting options "--wait" and "--count": --wait probes until every target is up',
    );
  }
  const waitIntervalMs = waitMs === undefined ? undefined : optionalDuration(flags, "interval");
  return { https, options: { http, source, waitMs, waitIntervalMs } };
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

/** `--noproxy LIST`: hosts that http(s):// targets reach directly (curl's `NO_PROXY` syntax). */
function noProxyList(flags: ParsedFlags, targets: Target[], fromFile: boolean): string | undefined {
  const list = flags.strings.get("noproxy");
  if (list !== undefined && !fromFile && !targets.some((t) => t.http)) {
    throw new UsageError(
      'Option "--noproxy" goes with http:// or https:// targets, such as http://10.0.0.5/healthz',
    );
  }
  return list;
}
