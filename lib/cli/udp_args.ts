/**
 * `-u/--udp` and `udp://HOST:PORT`, shared by serve, connect, forward and check: what makes a
 * command line a UDP one, and the UDP commands it becomes. Each command's own module sends its
 * flags here when {@linkcode wantsUdp} says so.
 */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { parseHostAndPort } from "../net/address.ts";
import { parseUdpEndpoint, UDP_PREFIX, type UdpEndpoint } from "../net/endpoint.ts";
import { MAX_DATAGRAM } from "../io/datagram_pump.ts";
import { dnsNameProblem } from "../protocol/dns.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  access,
  type AccessArgs,
  lookup,
  type LookupArgs,
  optionalDuration,
  rejectExtra,
  rejectHexdumpWithJson,
  type ReportOptions,
  sourceAddress,
} from "./options.ts";

/** The boolean option every UDP-capable command adds to its spec, and its one-letter alias. */
export const UDP_FLAG = "udp";
/** `-u` for `--udp`. */
export const UDP_ALIAS = { u: "udp" } as const;

/** UDP's idle time for serve and connect: they end once stdin has ended and this long passed. */
export const UDP_IDLE_MS = 2000;
/** forward -u's idle time: a session with no datagram either way for this long ends (as gost). */
export const UDP_FORWARD_IDLE_MS = 60_000;
/** forward -u's drain on SIGTERM, as forward's. */
export const UDP_DRAIN_MS = 10_000;

/** What serve -u does with each sender's datagrams. */
export type UdpServeMode =
  | { kind: "stdio" }
  | { kind: "echo" }
  | { kind: "sink" }
  | { kind: "reply"; text: string };

/** A validated `serve -u` command line. */
export interface UdpServeCommand extends ReportOptions {
  /** The command's name. */
  command: "serve";
  /** UDP. */
  udp: true;
  /** Where to listen. */
  listen: UdpEndpoint;
  /** What to do with each sender's datagrams. */
  mode: UdpServeMode;
  /** Serve every sender (`-k`), not only the first. */
  keepOpen: boolean;
  /** A sender heard from this long ago is gone; without -k, the end once stdin has ended. */
  idleTimeoutMs: number;
  /** Who may send. */
  access: AccessArgs;
  /** Each datagram as a hex dump on stderr (`-x`). */
  hexdump: boolean;
  /** Each datagram on stdout after its sender's address (`--label`). */
  label: boolean;
}

/** A validated `connect -u` command line. */
export interface UdpConnectCommand extends ReportOptions, LookupArgs {
  /** The command's name. */
  command: "connect";
  /** UDP. */
  udp: true;
  /** Where to send. */
  target: UdpEndpoint;
  /** Send exactly this text, as one datagram, instead of stdin. */
  send?: string;
  /** Once stdin has ended, end after this long with no datagram either way. */
  idleTimeoutMs: number;
  /** Whether the idle time was given: then it also ends a session whose stdin is still open. */
  idleTimeoutGiven: boolean;
  /** The local address to send from (`--source`). */
  source?: string;
  /** Each datagram as a hex dump on stderr (`-x`). */
  hexdump: boolean;
}

/** A validated `forward -u` command line. */
export interface UdpForwardCommand extends ReportOptions, LookupArgs {
  /** The command's name. */
  command: "forward";
  /** UDP. */
  udp: true;
  /** Where to listen. */
  listen: UdpEndpoint;
  /** Where each client's datagrams go. */
  target: UdpEndpoint;
  /** A session with no datagram either way for this long ends. */
  idleTimeoutMs: number;
  /** Who may send, and how many sessions at once. */
  access: AccessArgs;
  /** On SIGTERM or SIGINT, how long sessions may go on. */
  drainMs: number;
}

/** The protocol probes of check -u. */
export const UDP_PROBES = ["dns", "ntp", "snmp"] as const;
/** One of {@linkcode UDP_PROBES}. */
export type UdpProbeName = typeof UDP_PROBES[number];

/** check -u's own options. */
export interface UdpCheckArgs {
  /** The probe for every port (`--probe`); by port when left out (53 dns, 123 ntp, 161 snmp). */
  probe?: UdpProbeName;
  /** For DNS probes: the name to ask for (`--query`); its reply must be NOERROR with an answer. */
  query?: string;
}

/** Whether the command line asks for UDP: `-u`, or a `udp://` address among `words`. */
export function wantsUdp(
  flags: ParsedFlags,
  words: readonly string[] = flags.positionals,
): boolean {
  return flags.booleans.has(UDP_FLAG) || words.some((w) => w.startsWith(UDP_PREFIX));
}

/** Options that have no meaning over UDP, with what to say. */
function rejectTcpOnly(flags: ParsedFlags, names: readonly string[]): void {
  for (const name of names) {
    if (flags.booleans.has(name) || flags.strings.has(name) || flags.lists.has(name)) {
      const why = name === "timeout"
        ? "UDP has no connect to time; --idle-timeout ends it"
        : name === "greet"
        ? "the greeting is a TCP dialogue"
        : "it is for TCP";
      throw new UsageError(`Option "--${name}" does not go with UDP (-u): ${why}`);
    }
  }
}

/** A datagram given as text must fit in one. */
function checkedText(text: string | undefined, option: string): string | undefined {
  if (text !== undefined && new TextEncoder().encode(text).length > MAX_DATAGRAM) {
    throw new UsageError(
      `Option "${option}" is too long for one datagram: at most ${MAX_DATAGRAM} bytes`,
    );
  }
  return text;
}

const TLS_OPTIONS = ["tls", "insecure", "cert", "key", "ca", "sni", "alpn", "pin", "client-ca"];

/** `serve -u [HOST:]PORT`. */
export function toServeUdp(flags: ParsedFlags, report: ReportOptions): UdpServeCommand {
  const [address, ...extra] = flags.positionals;
  if (address === undefined) {
    throw new UsageError("Missing port: expected serve -u [HOST:]PORT", "serve");
  }
  rejectExtra(extra, "serve");
  rejectTcpOnly(flags, [...TLS_OPTIONS, "greet", "quiet-period"]);
  const modes: UdpServeMode[] = [];
  if (flags.booleans.has("echo")) modes.push({ kind: "echo" });
  if (flags.booleans.has("sink")) modes.push({ kind: "sink" });
  const reply = checkedText(flags.strings.get("reply"), "--reply");
  if (reply !== undefined) modes.push({ kind: "reply", text: reply });
  if (modes.length > 1) {
    const names = modes.map((m) => `--${m.kind}`).join(" and ");
    throw new UsageError(`Conflicting modes ${names}: choose one`, "serve");
  }
  const mode = modes[0] ?? { kind: "stdio" };
  const label = flags.booleans.has("label");
  if (label && mode.kind !== "stdio") {
    throw new UsageError(`Option "--label" goes with serve's default mode (stdout)`);
  }
  rejectHexdumpWithJson(flags, report);
  return {
    command: "serve",
    udp: true,
    listen: parseUdpEndpoint(address, { listen: true }),
    mode,
    keepOpen: flags.booleans.has("keep-open"),
    idleTimeoutMs: optionalDuration(flags, "idle-timeout") ?? UDP_IDLE_MS,
    access: access(flags),
    hexdump: flags.booleans.has("hexdump"),
    label,
    ...report,
  };
}

/** `connect -u HOST:PORT` (or `HOST PORT`, or `udp://HOST:PORT`). */
export function toConnectUdp(flags: ParsedFlags, report: ReportOptions): UdpConnectCommand {
  const [first, second, ...extra] = flags.positionals;
  if (first === undefined) {
    throw new UsageError("Missing target: expected connect -u HOST:PORT or HOST PORT", "connect");
  }
  rejectExtra(extra, "connect");
  rejectTcpOnly(flags, [...TLS_OPTIONS, "timeout", "crlf"]);
  rejectHexdumpWithJson(flags, report);
  const target: UdpEndpoint = second === undefined
    ? parseUdpEndpoint(first)
    : { kind: "udp", ...parseHostAndPort(first, second), tls: false };
  const raw = flags.strings.get("source");
  const source = raw === undefined ? undefined : sourceAddress(raw);
  const looked = lookup(flags);
  if (source && looked.family !== undefined && looked.family !== source.family) {
    throw new UsageError(
      `Conflicting options "--source ${source.address}" (IPv${source.family}) and ` +
        `"-${looked.family}"`,
    );
  }
  const idle = optionalDuration(flags, "idle-timeout");
  return {
    command: "connect",
    udp: true,
    target,
    send: checkedText(flags.strings.get("send"), "--send"),
    idleTimeoutMs: idle ?? UDP_IDLE_MS,
    idleTimeoutGiven: idle !== undefined,
    source: source?.address,
    hexdump: flags.booleans.has("hexdump"),
    ...looked,
    ...(source ? { family: source.family } : {}),
    ...report,
  };
}

/** `forward -u LISTEN TARGET`. */
export function toForwardUdp(flags: ParsedFlags, report: ReportOptions): UdpForwardCommand {
  const [address, target, ...extra] = flags.positionals;
  if (address === undefined || target === undefined) {
    throw new UsageError("Missing target: expected forward -u [HOST:]PORT TARGET", "forward");
  }
  if (extra.length > 0) {
    throw new UsageError(
      `Unexpected argument "${escapeText(extra[0])}": forward -u takes one target ` +
        "(UDP has no failed connect to fail over on)",
      "forward",
    );
  }
  rejectTcpOnly(flags, [...TLS_OPTIONS, "timeout", "proxy-protocol"]);
  return {
    command: "forward",
    udp: true,
    listen: parseUdpEndpoint(address, { listen: true }),
    target: parseUdpEndpoint(target),
    idleTimeoutMs: optionalDuration(flags, "idle-timeout") ?? UDP_FORWARD_IDLE_MS,
    access: access(flags),
    drainMs: optionalDuration(flags, "drain", { zero: true }) ?? UDP_DRAIN_MS,
    ...lookup(flags),
    ...report,
  };
}

/**
 * check -u's options, and its target words with `udp://` taken off; undefined (and the words as
 * they are) for a TCP check, which must then have no `--probe` or `--query`.
 */
export function udpCheck(
  flags: ParsedFlags,
  words: readonly string[],
): { udp?: UdpCheckArgs; words: string[] } {
  const rawProbe = flags.strings.get("probe");
  const query = flags.strings.get("query");
  if (!wantsUdp(flags, words)) {
    const given = rawProbe !== undefined ? "--probe" : query !== undefined ? "--query" : "";
    if (given) throw new UsageError(`Option "${given}" is for UDP checks: add -u`);
    return { words: [...words] };
  }
  rejectTcpOnly(flags, [...TLS_OPTIONS, "starttls", "warn-days", "banner"]);
  let probe: UdpProbeName | undefined;
  if (rawProbe !== undefined) {
    probe = rawProbe.toLowerCase() as UdpProbeName;
    if (!UDP_PROBES.includes(probe)) {
      throw new UsageError(
        `Invalid --probe "${escapeText(rawProbe)}": expected ${UDP_PROBES.join(", ")}`,
      );
    }
  }
  const send = checkedText(flags.strings.get("send"), "--send");
  if (probe !== undefined && send !== undefined) {
    throw new UsageError(`Conflicting options "--probe ${probe}" and "--send": choose one`);
  }
  if (query !== undefined) {
    if (probe !== undefined && probe !== "dns") {
      throw new UsageError(`Option "--query" goes with the DNS probe, not "--probe ${probe}"`);
    }
    if (send !== undefined) {
      throw new UsageError(`Conflicting options "--query" and "--send": choose one`);
    }
    const problem = query === "" ? "empty" : dnsNameProblem(query);
    if (problem) {
      throw new UsageError(`Invalid --query "${escapeText(query)}": a DNS name, not ${problem}`);
    }
  }
  return {
    udp: { probe: probe ?? (query !== undefined ? "dns" : undefined), query },
    words: words.map((w) => w.startsWith(UDP_PREFIX) ? w.slice(UDP_PREFIX.length) : w),
  };
}
