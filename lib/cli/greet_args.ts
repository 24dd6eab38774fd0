/** The greet command line: the dialogue's names, or a banner to read. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import type { Endpoint } from "../net/endpoint.ts";
import type { StartTlsProtocol } from "../protocol/starttls.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  clientTls,
  type CommandArgs,
  LOOKUP,
  lookup,
  type LookupArgs,
  oneTarget,
  optionalDuration,
  optionalStartTls,
  type ProxyArgs,
  proxyArgs,
  REPORT,
  type ReportOptions,
  TLS_CLIENT_LISTS,
  TLS_CLIENT_STRINGS,
  type TlsClientArgs,
} from "./options.ts";

/** A validated `greet` command line: the dialogue with `names`, else the banner. */
export interface GreetCommand extends ReportOptions, LookupArgs, ProxyArgs {
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

/** greet's default wait: a few seconds, as a person would give a server to say something. */
export const GREET_WAIT_MS = 3000;
/** greet's default connect timeout: a port that drops SYNs would otherwise keep it for minutes. */
export const GREET_TIMEOUT_MS = 5000;
/** greet's options and its validated command. */
export const GREET_ARGS: CommandArgs<GreetCommand> = {
  spec: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure"],
    string: ["timeout", "wait", "starttls", ...TLS_CLIENT_STRINGS, "cert", "key", "proxy"],
    collect: ["name", ...TLS_CLIENT_LISTS],
    // -n is greet's --name (nc's -n is --numeric here).
    alias: { v: "verbose", h: "help", "4": "ipv4", "6": "ipv6", k: "insecure", n: "name" },
    elsewhere: { "idle-timeout": 'is not for greet; it takes "--wait"' },
  },
  toCommand: toGreet,
};

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
    ...proxyArgs(flags, [target]),
    ...lookup(flags),
    ...report,
  };
}
