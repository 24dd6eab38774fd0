/** From argv to a validated command: every bad flag is rejected before a socket opens. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { parseHostAndPort } from "../net/address.ts";
import {
  type Endpoint,
  type ListenEndpoint,
  parseEndpoint,
  parseListenEndpoint,
} from "../net/endpoint.ts";
import { MAX_CONCURRENCY } from "../net/probe.ts";
import { parseTargets, type Target } from "../net/targets.ts";
import { parseDuration } from "./duration.ts";
import { type FlagSpec, type ParsedFlags, parseFlags } from "./flags.ts";

/** How a command reports on stderr. */
export interface ReportOptions {
  verbose: boolean;
  json: boolean;
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
  command: "serve";
  /** Where to listen. */
  listen: ListenEndpoint;
  mode: ServeMode;
  keepOpen: boolean;
  idleTimeoutMs?: number;
}

/** A validated `connect` command line. */
export interface ConnectCommand extends ReportOptions {
  command: "connect";
  target: Endpoint;
  send?: string;
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

/** A validated `greet` command line: the dialogue with `names`, else the banner. */
export interface GreetCommand extends ReportOptions {
  command: "greet";
  target: Endpoint;
  names: string[];
  /** How long to wait for the server's words (the banner; each answer in the dialogue). */
  waitMs: number;
  timeoutMs?: number;
}

/** greet's default wait: a few seconds, as a person would give a server to say something. */
export const GREET_WAIT_MS = 3000;

/** A validated `check` command line. */
export interface CheckCommand extends ReportOptions {
  command: "check";
  targets: Target[];
  timeoutMs: number;
  /** Probes of each port (tcping-style repeats when above 1). */
  count: number;
  intervalMs: number;
  /** Connects in flight at once. */
  concurrency: number;
}

/** serve --greet: text without a line ending is a name once the client has paused this long. */
export const GREET_QUIET_MS = 20;

/** check's defaults: a LAN answers in far less than 2 s; 500 connects in flight stay within a
 * compiled binary's usual limit of 1,024 descriptors. */
export const CHECK_DEFAULTS = { timeoutMs: 2000, intervalMs: 1000, concurrency: 500 } as const;

/** Anything main.ts can be asked to do. */
export type Command =
  | { command: "help"; topic?: string }
  | { command: "version" }
  | ServeCommand
  | ConnectCommand
  | GreetCommand
  | CheckCommand;

const COMMON = {
  boolean: ["verbose", "json", "help"],
  alias: { v: "verbose", h: "help" },
} as const;

const SPECS: Record<string, FlagSpec> = {
  serve: {
    boolean: [...COMMON.boolean, "echo", "sink", "greet", "keep-open"],
    string: ["idle-timeout", "reply", "quiet-period"],
    alias: { ...COMMON.alias, k: "keep-open" },
    elsewhere: { timeout: 'is for connect; serve takes "--idle-timeout"' },
  },
  connect: {
    boolean: COMMON.boolean,
    string: ["timeout", "idle-timeout", "send"],
    alias: COMMON.alias,
  },
  greet: {
    boolean: COMMON.boolean,
    string: ["timeout", "wait"],
    collect: ["name"],
    alias: { ...COMMON.alias, n: "name" },
    elsewhere: { "idle-timeout": 'is not for greet; it takes "--wait"' },
  },
  check: {
    boolean: COMMON.boolean,
    string: ["timeout", "count", "interval", "concurrency"],
    alias: { ...COMMON.alias, c: "count" },
    elsewhere: { "idle-timeout": 'is not for check; it takes "--timeout"' },
  },
};

/** The commands tcpkit knows. */
export const COMMANDS = Object.keys(SPECS);

/**
 * Parses the whole command line.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./args.ts";
 * parseCommandLine(["connect", "localhost", "80"]);
 * ```
 * @throws {UsageError} for anything a person typed wrong
 */
export function parseCommandLine(argv: string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError(`Missing command: expected ${COMMANDS.join(", ")}`);
  }
  if (first === "-h" || first === "--help" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(SPECS, topic)) {
      throw new UsageError(`Unknown command "${topic}": expected ${COMMANDS.join(", ")}`);
    }
    return { command: "help", topic };
  }
  if (first === "-V" || first === "--version" || first === "version") return { command: "version" };
  const spec = Object.hasOwn(SPECS, first) ? SPECS[first] : undefined;
  if (!spec) {
    const what = first.startsWith("-") ? "option" : "command";
    throw new UsageError(`Unknown ${what} "${first}": expected ${COMMANDS.join(", ")}`);
  }
  const flags = parseFlags(rest, spec, first);
  if (flags.booleans.has("help")) return { command: "help", topic: first };
  const report = { verbose: flags.booleans.has("verbose"), json: flags.booleans.has("json") };
  try {
    if (first === "serve") return toServe(flags, report);
    if (first === "greet") return toGreet(flags, report);
    return first === "connect" ? toConnect(flags, report) : toCheck(flags, report);
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
  return {
    command: "serve",
    listen: parseListenEndpoint(address),
    mode: modes[0] ?? { kind: "stdio" },
    keepOpen: flags.booleans.has("keep-open"),
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    ...report,
  };
}

function toConnect(flags: ParsedFlags, report: ReportOptions): ConnectCommand {
  const [first, second, ...extra] = flags.positionals;
  if (first === undefined) {
    throw new UsageError("Missing target: expected connect HOST:PORT or HOST PORT", "connect");
  }
  rejectExtra(extra, "connect");
  const target: Endpoint = second === undefined
    ? parseEndpoint(first)
    : { kind: "tcp", ...parseHostAndPort(first, second), tls: false };
  return {
    command: "connect",
    target,
    send: flags.strings.get("send"),
    timeoutMs: optionalDuration(flags, "timeout"),
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    ...report,
  };
}

function toGreet(flags: ParsedFlags, report: ReportOptions): GreetCommand {
  const [address, ...extra] = flags.positionals;
  if (address === undefined) throw new UsageError("Missing target: expected greet HOST:PORT");
  rejectExtra(extra, "greet");
  const names = flags.lists.get("name") ?? [];
  for (const name of names) {
    if (name === "" || name === "exit" || /[\r\n]/.test(name)) {
      throw new UsageError(
        `Invalid name "${escapeText(name)}": a name is one line of text, not empty and not "exit"`,
      );
    }
  }
  return {
    command: "greet",
    target: parseEndpoint(address),
    names,
    waitMs: optionalDuration(flags, "wait") ?? GREET_WAIT_MS,
    timeoutMs: optionalDuration(flags, "timeout"),
    ...report,
  };
}

function toCheck(flags: ParsedFlags, report: ReportOptions): CheckCommand {
  if (flags.positionals.length === 0) {
    throw new UsageError(
      "Missing target: expected check HOST:PORT, HOST:FIRST-LAST or HOST:P1,P2,...",
    );
  }
  return {
    command: "check",
    targets: parseTargets(flags.positionals),
    timeoutMs: optionalDuration(flags, "timeout") ?? CHECK_DEFAULTS.timeoutMs,
    count: optionalCount(flags, "count", 1_000_000) ?? 1,
    intervalMs: optionalDuration(flags, "interval") ?? CHECK_DEFAULTS.intervalMs,
    concurrency: optionalCount(flags, "concurrency", MAX_CONCURRENCY) ?? CHECK_DEFAULTS.concurrency,
    ...report,
  };
}

function optionalCount(flags: ParsedFlags, name: string, max: number): number | undefined {
  const raw = flags.strings.get(name);
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new UsageError(`Invalid --${name} "${raw}": expected a whole number from 1 to ${max}`);
  }
  return n;
}

function optionalDuration(flags: ParsedFlags, name: string): number | undefined {
  const raw = flags.strings.get(name);
  return raw === undefined ? undefined : parseDuration(raw, `--${name}`);
}

function rejectExtra(extra: string[], command: string): void {
  if (extra.length > 0) {
    throw new UsageError(`Unexpected argument "${extra[0]}"`, command);
  }
}
