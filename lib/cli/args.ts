/** From argv to a validated command: every bad flag is rejected before a socket opens. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { CHECK_ARGS, type CheckCommand } from "./check_args.ts";
import { CONNECT_ARGS, type ConnectCommand } from "./connect_args.ts";
import { type FlagSpec, parseFlags } from "./flags.ts";
import { FORWARD_ARGS, type ForwardCommand } from "./forward_args.ts";
import { GREET_ARGS, type GreetCommand } from "./greet_args.ts";
import { ncHabit } from "./nc_habits.ts";
import type { CommandArgs } from "./options.ts";
import { PROXY_ARGS, type ProxyCommand } from "./proxy_args.ts";
import { SERVE_ARGS, type ServeCommand } from "./serve_args.ts";
import type { UdpConnectCommand, UdpForwardCommand, UdpServeCommand } from "./udp_args.ts";

export type { CheckCommand, CheckFormat } from "./check_args.ts";
export { CHECK_DEFAULTS } from "./check_args.ts";
export type { ConnectCommand } from "./connect_args.ts";
export type { ForwardCommand } from "./forward_args.ts";
export { FORWARD_DEFAULTS } from "./forward_args.ts";
export type { GreetCommand } from "./greet_args.ts";
export { GREET_TIMEOUT_MS, GREET_WAIT_MS } from "./greet_args.ts";
export type {
  AccessArgs,
  LookupArgs,
  ProxyArgs,
  ReportOptions,
  TlsClientArgs,
  TlsServerArgs,
} from "./options.ts";
export type { ProxyCommand } from "./proxy_args.ts";
export type { ServeCommand, ServeMode } from "./serve_args.ts";
export { GREET_QUIET_MS } from "./serve_args.ts";
export type {
  UdpCheckArgs,
  UdpConnectCommand,
  UdpForwardCommand,
  UdpProbeName,
  UdpServeCommand,
  UdpServeMode,
} from "./udp_args.ts";
export { UDP_PROBES } from "./udp_args.ts";

/** Anything main.ts can be asked to do. */
export type Command =
  | { command: "help"; topic?: string }
  | { command: "version" }
  | ServeCommand
  | ConnectCommand
  | GreetCommand
  | CheckCommand
  | ForwardCommand
  | ProxyCommand
  | UdpServeCommand
  | UdpConnectCommand
  | UdpForwardCommand;

/** Each command's options and parser: a new command is a new module and a line here. */
const COMMAND_ARGS: Record<string, CommandArgs<Command>> = {
  serve: SERVE_ARGS,
  connect: CONNECT_ARGS,
  greet: GREET_ARGS,
  check: CHECK_ARGS,
  forward: FORWARD_ARGS,
  proxy: PROXY_ARGS,
};

/** The commands tcpkit knows. */
export const COMMANDS: string[] = Object.keys(COMMAND_ARGS);

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
    const command = first !== undefined && Object.hasOwn(COMMAND_ARGS, first) ? first : undefined;
    const habit = ncHabit(
      command,
      argv,
      command ? ownOptions(COMMAND_ARGS[command].spec) : undefined,
    );
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
    if (topic !== undefined && !Object.hasOwn(COMMAND_ARGS, topic)) {
      throw new UsageError(
        `Unknown command "${escapeText(topic)}": expected ${COMMANDS.join(", ")}`,
      );
    }
    return { command: "help", topic };
  }
  if (first === "-V" || first === "--version" || first === "version") return { command: "version" };
  const args = Object.hasOwn(COMMAND_ARGS, first) ? COMMAND_ARGS[first] : undefined;
  if (!args) {
    const what = first.startsWith("-") ? "option" : "command";
    throw new UsageError(
      `Unknown ${what} "${escapeText(first)}": expected ${COMMANDS.join(", ")}`,
    );
  }
  const flags = parseFlags(rest, args.spec, first);
  if (flags.booleans.has("help")) return { command: "help", topic: first };
  const report = { verbose: flags.booleans.has("verbose"), json: flags.booleans.has("json") };
  try {
    return args.toCommand(flags, report);
  } catch (e) {
    // Point the usage hint at this command's help.
    if (e instanceof UsageError && e.command === undefined) throw new UsageError(e.message, first);
    throw e;
  }
}

/** The options a command takes, as typed: `--name` and `-x`. */
function ownOptions(spec: FlagSpec): Set<string> {
  const long = [...spec.boolean, ...spec.string, ...(spec.collect ?? [])].map((n) => `--${n}`);
  return new Set([...long, ...Object.keys(spec.alias ?? {}).map((a) => `-${a}`)]);
}
