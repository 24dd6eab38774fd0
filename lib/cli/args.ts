/** From argv to a validated command: every bad flag is rejected before a socket opens. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { ipFamily, parseHostAndPort } from "../net/address.ts";
import { normalizeFingerprint } from "../net/fingerprint.ts";
import {
  type Endpoint,
  type ListenEndpoint,
  parseEndpoint,
  parseListenEndpoint,
} from "../net/endpoint.ts";
import { type Cidr, parseCidr } from "../net/gate.ts";
import { MAX_CONCURRENCY } from "../net/probe.ts";
import { parseTargets, type Target } from "../net/targets.ts";
import { STARTTLS_PROTOCOLS, type StartTlsProtocol } from "../protocol/starttls.ts";
import { parseDuration } from "./duration.ts";
import { type FlagSpec, type ParsedFlags, parseFlags } from "./flags.ts";
import { ncHabit } from "./nc_habits.ts";

/** How a command reports on stderr. */
export interface ReportOptions {
  /** Report connections, byte counts and rates (`-v`). */
  verbose: boolean;
  /** Report as JSON Lines (`--json`). */
  json: boolean;
}

/** How a client does TLS: the files are named here and read when the command runs. */
export interface TlsClientArgs {
  /** More trusted roots (`--ca FILE`, repeatable). */
  caFiles: string[];
  /** The name to send and verify (`--sni NAME`). */
  sni?: string;
  /** Protocols to offer (`--alpn PROTO`, repeatable or comma-separated). */
  alpn: string[];
  /** A client certificate (`--cert FILE`), for mutual TLS. */
  certFile?: string;
  /** Its key (`--key FILE`). */
  keyFile?: string;
  /** Accept any certificate (`-k`, `--insecure`). */
  insecure: boolean;
  /** Accept exactly this certificate (`--pin SHA256`), as `AA:BB:…`. */
  pin?: string;
}

/** How a server does TLS: its certificate (generated when left out), and what it asks of clients. */
export interface TlsServerArgs {
  /** The certificate chain (`--cert FILE`); a generated one when left out. */
  certFile?: string;
  /** Its key (`--key FILE`). */
  keyFile?: string;
  /** Require client certificates from these CAs (`--client-ca FILE`, repeatable). */
  clientCaFiles: string[];
}

/** Who may connect to a server, and how many at once. */
export interface AccessArgs {
  /** `--allow CIDR`, repeatable. */
  allow: Cidr[];
  /** `--deny CIDR`, repeatable. */
  deny: Cidr[];
  /** `--max-conns N`: more clients wait in the listen backlog. */
  maxConns?: number;
}

/** How a name becomes an address: `-4`, `-6`, `-n`. */
export interface LookupArgs {
  /** Only this family's addresses. */
  family?: 4 | 6;
  /** No name lookup: the host must be an address. */
  numeric: boolean;
}

/** What serve does with each client. */
export type ServeMode =
  | { kind: "stdio" }
  | { kind: "echo" }
  | { kind: "sink" }
  | { kind: "reply"; text: string }
  | { kind: "greet"; quietMs: number };

/** A validated `serve` command line. */
export interface ServeCommand extends ReportOptions {
  /** The command's name. */
  command: "serve";
  /** Where to listen. */
  listen: ListenEndpoint;
  /** TLS, when `listen.tls` is set. */
  tls: TlsServerArgs;
  /** What to do with each client. */
  mode: ServeMode;
  /** Serve clients until stopped (`-k`), not only the first. */
  keepOpen: boolean;
  /** Close a connection with no byte either way for this long. */
  idleTimeoutMs?: number;
  /** Who may connect. */
  access: AccessArgs;
  /** Each direction's bytes as a hex dump on stderr (`-x`). */
  hexdump: boolean;
  /** Each client's lines on stdout after its address (`--label`, the default mode). */
  label: boolean;
}

/** A validated `connect` command line. */
export interface ConnectCommand extends ReportOptions, LookupArgs {
  /** The command's name. */
  command: "connect";
  /** Where to connect. */
  target: Endpoint;
  /** TLS, when `target.tls` is set. */
  tls: TlsClientArgs;
  /** Send exactly this text instead of stdin. */
  send?: string;
  /** Give up connecting (and the TLS handshake) after this long. */
  timeoutMs?: number;
  /** Give up after this long with no byte either way. */
  idleTimeoutMs?: number;
  /** Send line feeds as CRLF (`-C`). */
  crlf: boolean;
  /** The local address to connect from (`--source`). */
  source?: string;
  /** Each direction's bytes as a hex dump on stderr (`-x`). */
  hexdump: boolean;
}

/** A validated `greet` command line: the dialogue with `names`, else the banner. */
export interface GreetCommand extends ReportOptions, LookupArgs {
  /** The command's name. */
  command: "greet";
  /** The server. */
  target: Endpoint;
  /** TLS, when `target.tls` is set or with `starttls`. */
  tls: TlsClientArgs;
  /** Upgrade to TLS after the plain greeting, as this protocol does it. */
  starttls?: StartTlsProtocol;
  /** The names to give in the dialogue; none: read the banner. */
  names: string[];
  /** How long to wait for the server's words (the banner; each answer in the dialogue). */
  waitMs: number;
  /** Give up connecting after this long. */
  timeoutMs: number;
}

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
}

/** A validated `forward` command line. */
export interface ForwardCommand extends ReportOptions, LookupArgs {
  /** The command's name. */
  command: "forward";
  /** Where to listen. */
  listen: ListenEndpoint;
  /** TLS on the listening side, when `listen.tls` is set. */
  tls: TlsServerArgs;
  /** Where to forward, tried in order (failover). */
  targets: Endpoint[];
  /** TLS toward the targets given as `tls://`. */
  targetTls: TlsClientArgs;
  /** Give up dialing a target after this long. */
  timeoutMs: number;
  /** Close a forwarded connection with no byte either way for this long. */
  idleTimeoutMs?: number;
  /** Tell the target the client's address with the PROXY protocol. */
  proxyProtocol?: 1 | 2;
  /** Who may connect. */
  access: AccessArgs;
  /** On SIGTERM or SIGINT, how long open connections may go on. */
  drainMs: number;
}

/** greet's default wait: a few seconds, as a person would give a server to say something. */
export const GREET_WAIT_MS = 3000;
/** greet's default connect timeout: a port that drops SYNs would otherwise keep it for minutes. */
export const GREET_TIMEOUT_MS = 5000;
/** serve --greet: text without a line ending is a name once the client has paused this long. */
export const GREET_QUIET_MS = 20;
/** forward's defaults: a target gets a few seconds to answer; shutdown drains for 10 s. */
export const FORWARD_DEFAULTS = { timeoutMs: 5000, drainMs: 10_000 } as const;

/**
 * check's defaults: a LAN answers in far less than 2 s; 500 connects in flight stay within a
 * compiled binary's usual limit of 1,024 descriptors.
 */
export const CHECK_DEFAULTS = { timeoutMs: 2000, intervalMs: 1000, concurrency: 500 } as const;

/** Anything main.ts can be asked to do. */
export type Command =
  | { command: "help"; topic?: string }
  | { command: "version" }
  | ServeCommand
  | ConnectCommand
  | GreetCommand
  | CheckCommand
  | ForwardCommand;

const REPORT = ["verbose", "json", "help"] as const;
const TLS_CLIENT_STRINGS = ["sni", "pin"] as const;
const TLS_CLIENT_LISTS = ["ca", "alpn"] as const;
const LOOKUP = ["ipv4", "ipv6", "numeric"] as const;
const ACCESS_LISTS = ["allow", "deny"] as const;
const ALIASES = { v: "verbose", h: "help", "4": "ipv4", "6": "ipv6", n: "numeric" } as const;

const SPECS: Record<string, FlagSpec> = {
  serve: {
    boolean: [...REPORT, "echo", "sink", "greet", "keep-open", "tls", "hexdump", "label"],
    string: ["idle-timeout", "reply", "quiet-period", "cert", "key", "max-conns"],
    collect: ["client-ca", ...ACCESS_LISTS],
    alias: { v: "verbose", h: "help", k: "keep-open", x: "hexdump" },
    elsewhere: {
      timeout: 'is for connect; serve takes "--idle-timeout"',
      insecure: "is for clients: serve has its own certificate (--cert, or a generated one)",
    },
  },
  connect: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure", "crlf", "hexdump"],
    string: ["timeout", "idle-timeout", "send", ...TLS_CLIENT_STRINGS, "cert", "key", "source"],
    collect: [...TLS_CLIENT_LISTS],
    alias: { ...ALIASES, k: "insecure", C: "crlf", x: "hexdump", s: "source" },
  },
  greet: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure"],
    string: ["timeout", "wait", "starttls", ...TLS_CLIENT_STRINGS, "cert", "key"],
    collect: ["name", ...TLS_CLIENT_LISTS],
    // -n is greet's --name (nc's -n is --numeric here).
    alias: { v: "verbose", h: "help", "4": "ipv4", "6": "ipv6", k: "insecure", n: "name" },
    elsewhere: { "idle-timeout": 'is not for greet; it takes "--wait"' },
  },
  check: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure", "banner"],
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
      ...TLS_CLIENT_STRINGS,
    ],
    collect: [...TLS_CLIENT_LISTS],
    alias: { ...ALIASES, c: "count", k: "insecure" },
    elsewhere: { "idle-timeout": 'is not for check; it takes "--timeout"' },
  },
  forward: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure"],
    string: [
      "timeout",
      "idle-timeout",
      "cert",
      "key",
      "max-conns",
      "proxy-protocol",
      "drain",
      ...TLS_CLIENT_STRINGS,
    ],
    collect: ["client-ca", "ca", ...ACCESS_LISTS],
    alias: { ...ALIASES, k: "insecure" },
  },
};

/** The commands tcpkit knows. */
export const COMMANDS: string[] = Object.keys(SPECS);

/**
 * Parses the whole command line. An nc habit (`-l`, `-z`, `-w 2`, a bare `HOST PORT`) gets the
 * tcpkit way in its message rather than a bare "unknown option".
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseCommandLine } from "./args.ts";
 * const command = parseCommandLine(["connect", "localhost", "80"]);
 * assertEquals(command.command, "connect");
 * ```
 * @throws {UsageError} for anything a person typed wrong
 */
export function parseCommandLine(argv: string[]): Command {
  try {
    return parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const first = argv[0];
    const command = first !== undefined && Object.hasOwn(SPECS, first) ? first : undefined;
    const habit = ncHabit(command, argv);
    if (habit === undefined) throw e;
    throw new UsageError(habit, command ?? e.command);
  }
}

function parse(argv: string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError(`Missing command: expected ${COMMANDS.join(", ")}`);
  }
  if (first === "-h" || first === "--help" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(SPECS, topic)) {
      throw new UsageError(
        `Unknown command "${escapeText(topic)}": expected ${COMMANDS.join(", ")}`,
      );
    }
    return { command: "help", topic };
  }
  if (first === "-V" || first === "--version" || first === "version") return { command: "version" };
  const spec = Object.hasOwn(SPECS, first) ? SPECS[first] : undefined;
  if (!spec) {
    const what = first.startsWith("-") ? "option" : "command";
    throw new UsageError(
      `Unknown ${what} "${escapeText(first)}": expected ${COMMANDS.join(", ")}`,
    );
  }
  const flags = parseFlags(rest, spec, first);
  if (flags.booleans.has("help")) return { command: "help", topic: first };
  const report = { verbose: flags.booleans.has("verbose"), json: flags.booleans.has("json") };
  try {
    switch (first) {
      case "serve":
        return toServe(flags, report);
      case "connect":
        return toConnect(flags, report);
      case "greet":
        return toGreet(flags, report);
      case "check":
        return toCheck(flags, report);
      default:
        return toForward(flags, report);
    }
  } catch (e) {
    // Point the usage hint at this command's help.
    if (e instanceof UsageError && e.command === undefined) throw new UsageError(e.message, first);
    throw e;
  }
}

function toServe(flags: ParsedFlags, report: ReportOptions): ServeCommand {
  const [address, ...extra] = flags.positionals;
  if (address === undefined) {
    throw new UsageError("Missing port: expected serve [HOST:]PORT", "serve");
  }
  rejectExtra(extra, "serve");
  const modes: ServeMode[] = [];
  if (flags.booleans.has("echo")) modes.push({ kind: "echo" });
  if (flags.booleans.has("sink")) modes.push({ kind: "sink" });
  const reply = flags.strings.get("reply");
  if (reply !== undefined) modes.push({ kind: "reply", text: reply });
  const quietMs = optionalDuration(flags, "quiet-period");
  if (flags.booleans.has("greet")) {
    modes.push({ kind: "greet", quietMs: quietMs ?? GREET_QUIET_MS });
  } else if (quietMs !== undefined) {
    throw new UsageError(`Option "--quiet-period" goes with "--greet"`);
  }
  if (modes.length > 1) {
    const names = modes.map((m) => `--${m.kind}`).join(" and ");
    throw new UsageError(`Conflicting modes ${names}: choose one`, "serve");
  }
  const mode = modes[0] ?? { kind: "stdio" };
  const label = flags.booleans.has("label");
  if (label && mode.kind !== "stdio") {
    throw new UsageError(`Option "--label" goes with serve's default mode (stdout)`);
  }
  const listen = parseListenEndpoint(address, { tls: flags.booleans.has("tls") });
  rejectHexdumpWithJson(flags, report);
  return {
    command: "serve",
    listen,
    tls: serverTls(flags, listen.tls),
    mode,
    keepOpen: flags.booleans.has("keep-open"),
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    access: access(flags),
    hexdump: flags.booleans.has("hexdump"),
    label,
    ...report,
  };
}

function toConnect(flags: ParsedFlags, report: ReportOptions): ConnectCommand {
  const target = oneTarget(flags, "connect");
  rejectHexdumpWithJson(flags, report);
  const raw = flags.strings.get("source");
  if (raw !== undefined && target.kind === "unix") {
    throw new UsageError(`Option "--source" is for TCP: a Unix socket has no source address`);
  }
  const source = raw === undefined ? undefined : sourceAddress(raw);
  const looked = lookup(flags);
  if (source && looked.family !== undefined && looked.family !== source.family) {
    throw new UsageError(
      `Conflicting options "--source ${source.address}" (IPv${source.family}) and ` +
        `"-${looked.family}"`,
    );
  }
  if (source && target.kind !== "unix") {
    const targetFamily = ipFamily(target.hostname);
    if (targetFamily !== 0 && targetFamily !== source.family) {
      throw new UsageError(
        `Invalid --source "${source.address}": an IPv${source.family} address cannot connect ` +
          `to ${target.hostname}, an IPv${targetFamily} one`,
      );
    }
  }
  return {
    command: "connect",
    target,
    tls: clientTls(flags, target.tls),
    send: flags.strings.get("send"),
    timeoutMs: optionalDuration(flags, "timeout", { zero: true }),
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    crlf: flags.booleans.has("crlf"),
    source: source?.address,
    hexdump: flags.booleans.has("hexdump"),
    ...looked,
    // A source address of one family connects only to the target's addresses of that family.
    ...(source ? { family: source.family } : {}),
    ...report,
  };
}

/** `--source`: an IP address (IPv6 with or without brackets), and its family. */
function sourceAddress(raw: string): { address: string; family: 4 | 6 } {
  const address = raw.replace(/^\[(.*)\]$/s, "$1");
  const family = ipFamily(address);
  if (family === 0) {
    throw new UsageError(
      `Invalid --source "${escapeText(raw)}": expected an IP address of this host, such as ` +
        "127.0.0.2 or ::1",
    );
  }
  return { address, family };
}

function toGreet(flags: ParsedFlags, report: ReportOptions): GreetCommand {
  const target = oneTarget(flags, "greet");
  const names = flags.lists.get("name") ?? [];
  for (const name of names) {
    if (name === "" || name === "exit" || /[\r\n]/.test(name)) {
      throw new UsageError(
        `Invalid name "${escapeText(name)}": a name is one line of text, not empty and not "exit"`,
      );
    }
  }
  const starttls = optionalStartTls(flags);
  if (starttls && target.tls) {
    throw new UsageError(
      'Conflicting options "--tls" and "--starttls": TLS from the start, or after the greeting',
    );
  }
  if (starttls && names.length > 0) {
    throw new UsageError(`Option "--starttls" reads a mail server's greeting: leave out --name`);
  }
  return {
    command: "greet",
    target,
    tls: clientTls(flags, target.tls || starttls !== undefined),
    starttls,
    names,
    waitMs: optionalDuration(flags, "wait") ?? GREET_WAIT_MS,
    timeoutMs: optionalDuration(flags, "timeout") ?? GREET_TIMEOUT_MS,
    ...lookup(flags),
    ...report,
  };
}

function toCheck(flags: ParsedFlags, report: ReportOptions): CheckCommand {
  const targetsFile = flags.strings.get("targets");
  const words = flags.positionals;
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
    ...lookup(flags),
    ...report,
    json: format === "json",
  };
}

function toForward(flags: ParsedFlags, report: ReportOptions): ForwardCommand {
  const [address, ...rest] = flags.positionals;
  if (address === undefined || rest.length === 0) {
    throw new UsageError("Missing target: expected forward [HOST:]PORT TARGET...", "forward");
  }
  const listen = parseListenEndpoint(address, { tls: flags.booleans.has("tls") });
  const targets = rest.map((raw) => parseEndpoint(raw));
  const raw = flags.strings.get("proxy-protocol");
  let proxyProtocol: 1 | 2 | undefined;
  if (raw !== undefined) {
    const version = { v1: 1, "1": 1, v2: 2, "2": 2 }[raw.toLowerCase()] as 1 | 2 | undefined;
    if (version === undefined) {
      throw new UsageError(`Invalid --proxy-protocol "${escapeText(raw)}": expected v1 or v2`);
    }
    proxyProtocol = version;
  }
  return {
    command: "forward",
    listen,
    tls: serverTls(flags, listen.tls),
    targets,
    targetTls: clientTls(flags, targets.some((t) => t.tls), "a tls:// target"),
    timeoutMs: optionalDuration(flags, "timeout") ?? FORWARD_DEFAULTS.timeoutMs,
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    proxyProtocol,
    access: access(flags),
    drainMs: optionalDuration(flags, "drain", { zero: true }) ?? FORWARD_DEFAULTS.drainMs,
    ...lookup(flags),
    ...report,
  };
}

/** The one target of connect and greet: `HOST:PORT`, `HOST PORT`, `tls://…` or `unix:…`. */
function oneTarget(flags: ParsedFlags, command: string): Endpoint {
  const [first, second, ...extra] = flags.positionals;
  if (first === undefined) {
    throw new UsageError(`Missing target: expected ${command} HOST:PORT or HOST PORT`, command);
  }
  rejectExtra(extra, command);
  const tls = flags.booleans.has("tls");
  return second === undefined
    ? parseEndpoint(first, { tls })
    : { kind: "tcp", ...parseHostAndPort(first, second), tls };
}

/**
 * A client's TLS options; each one is rejected when there is no TLS to apply it to, since a
 * person who typed --pin meant to be protected by it.
 */
function clientTls(flags: ParsedFlags, tls: boolean, what = "--tls"): TlsClientArgs {
  const args: TlsClientArgs = {
    caFiles: flags.lists.get("ca") ?? [],
    sni: flags.strings.get("sni"),
    alpn: (flags.lists.get("alpn") ?? []).flatMap((list) => list.split(",")).filter(Boolean),
    certFile: flags.strings.get("cert"),
    keyFile: flags.strings.get("key"),
    insecure: flags.booleans.has("insecure"),
  };
  const pin = flags.strings.get("pin");
  if (pin !== undefined) args.pin = normalizeFingerprint(pin);
  if (!tls) {
    const given = [
      args.caFiles.length > 0 && "--ca",
      args.sni !== undefined && "--sni",
      args.alpn.length > 0 && "--alpn",
      args.insecure && "-k/--insecure",
      pin !== undefined && "--pin",
    ].find(Boolean);
    if (given) {
      throw new UsageError(
        `Option "${given}" is for TLS: it goes with ${
          what === "--tls" ? "--tls or a tls://HOST:PORT target" : what
        }`,
      );
    }
  }
  if (args.insecure && args.pin !== undefined) {
    throw new UsageError(
      'Conflicting options "--insecure" and "--pin": --pin trusts one certificate, --insecure any',
    );
  }
  if ((args.certFile === undefined) !== (args.keyFile === undefined)) {
    throw new UsageError('Options "--cert" and "--key" go together: give both');
  }
  return args;
}

/** A server's TLS options, which need TLS on the listening side. */
function serverTls(flags: ParsedFlags, tls: boolean): TlsServerArgs {
  const args: TlsServerArgs = {
    certFile: flags.strings.get("cert"),
    keyFile: flags.strings.get("key"),
    clientCaFiles: flags.lists.get("client-ca") ?? [],
  };
  if (!tls) {
    const given = [
      args.certFile !== undefined && "--cert",
      args.keyFile !== undefined && "--key",
      args.clientCaFiles.length > 0 && "--client-ca",
    ].find(Boolean);
    if (given) {
      throw new UsageError(`Option "${given}" is for TLS: it goes with --tls`);
    }
  }
  if ((args.certFile === undefined) !== (args.keyFile === undefined)) {
    throw new UsageError(
      'Options "--cert" and "--key" go together: give both, or neither for a generated certificate',
    );
  }
  return args;
}

function access(flags: ParsedFlags): AccessArgs {
  return {
    allow: (flags.lists.get("allow") ?? []).map((raw) => parseCidr(raw, "--allow")),
    deny: (flags.lists.get("deny") ?? []).map((raw) => parseCidr(raw, "--deny")),
    maxConns: optionalCount(flags, "max-conns", 1_000_000),
  };
}

function lookup(flags: ParsedFlags): LookupArgs {
  const v4 = flags.booleans.has("ipv4");
  const v6 = flags.booleans.has("ipv6");
  if (v4 && v6) throw new UsageError('Conflicting options "-4" and "-6": choose one');
  return {
    ...(v4 ? { family: 4 as const } : v6 ? { family: 6 as const } : {}),
    numeric: flags.booleans.has("numeric"),
  };
}

function optionalStartTls(flags: ParsedFlags): StartTlsProtocol | undefined {
  const raw = flags.strings.get("starttls");
  if (raw === undefined) return undefined;
  const protocol = raw.toLowerCase() as StartTlsProtocol;
  if (!STARTTLS_PROTOCOLS.includes(protocol)) {
    throw new UsageError(
      `Invalid --starttls "${escapeText(raw)}": expected ${STARTTLS_PROTOCOLS.join(", ")}`,
    );
  }
  return protocol;
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

function optionalCount(
  flags: ParsedFlags,
  name: string,
  max: number,
  min = 1,
): number | undefined {
  const raw = flags.strings.get(name);
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(
      `Invalid --${name} "${escapeText(raw)}": expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

function optionalDuration(
  flags: ParsedFlags,
  name: string,
  options: { zero?: boolean } = {},
): number | undefined {
  const raw = flags.strings.get(name);
  if (raw === undefined) return undefined;
  if (options.zero && /^0+(\.0*)?(ms|s|m|h)?$/.test(raw.trim())) return 0;
  return parseDuration(raw, `--${name}`);
}

/** The hex dump is text on stderr, where --json writes only JSON. */
function rejectHexdumpWithJson(flags: ParsedFlags, report: ReportOptions): void {
  if (flags.booleans.has("hexdump") && report.json) {
    throw new UsageError(
      'Conflicting options "--hexdump" and "--json": the hex dump is text on stderr',
    );
  }
}

function rejectExtra(extra: string[], command: string): void {
  if (extra.length > 0) {
    throw new UsageError(`Unexpected argument "${escapeText(extra[0])}"`, command);
  }
}
