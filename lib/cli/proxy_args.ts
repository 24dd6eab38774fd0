/** The proxy command line: where to listen, who may use it, and where it may connect. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { type DestinationRule, parseDestinationRule } from "../net/destinations.ts";
import { parseListenEndpoint, type TcpListenEndpoint } from "../net/endpoint.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  access,
  ACCESS_LISTS,
  type AccessArgs,
  ALIASES,
  type CommandArgs,
  LOOKUP,
  lookup,
  type LookupArgs,
  optionalDuration,
  type ProxyArgs,
  proxyArgs,
  rejectExtra,
  REPORT,
  type ReportOptions,
} from "./options.ts";

/** A validated `proxy` command line. */
export interface ProxyCommand extends ReportOptions, LookupArgs, ProxyArgs {
  /** The command's name. */
  command: "proxy";
  /** Where to listen. */
  listen: TcpListenEndpoint;
  /** The logins accepted (`--auth USER:PASS`, repeatable); anyone when empty. */
  auth: { username: string; password: string }[];
  /** Who may connect. */
  access: AccessArgs;
  /** Destinations permitted (`--allow-to`). */
  allowTo: DestinationRule[];
  /** Destinations refused (`--deny-to`). */
  denyTo: DestinationRule[];
  /** Give up dialing a destination after this long. */
  timeoutMs: number;
  /** A client's handshake (SOCKS5 or the HTTP head) must be over within this long. */
  handshakeTimeoutMs: number;
  /** Close a connection with no byte either way for this long. */
  idleTimeoutMs?: number;
  /** On SIGTERM or SIGINT, how long open connections may go on. */
  drainMs: number;
  /** Serve anyone on a non-loopback address, with no login and no --allow (`--open`). */
  open: boolean;
}

/** proxy's defaults. */
export const PROXY_DEFAULTS = { timeoutMs: 10_000, handshakeTimeoutMs: 10_000, drainMs: 10_000 };

/** proxy's options and its validated command. */
export const PROXY_ARGS: CommandArgs<ProxyCommand> = {
  spec: {
    boolean: [...REPORT, ...LOOKUP, "open"],
    string: ["timeout", "handshake-timeout", "idle-timeout", "max-conns", "drain", "proxy"],
    collect: ["auth", "allow-to", "deny-to", ...ACCESS_LISTS],
    alias: { ...ALIASES },
  },
  toCommand: toProxy,
};

function toProxy(flags: ParsedFlags, report: ReportOptions): ProxyCommand {
  const [address, ...extra] = flags.positionals;
  if (address === undefined) {
    throw new UsageError("Missing address: expected proxy [HOST:]PORT", "proxy");
  }
  rejectExtra(extra, "proxy");
  const listen = parseListenEndpoint(address);
  if (listen.kind !== "tcp" || listen.tls) {
    throw new UsageError(`Invalid address "${escapeText(address)}": proxy listens on [HOST:]PORT`);
  }
  const auth = (flags.lists.get("auth") ?? []).map(parseLogin);
  const gate = access(flags);
  const open = flags.booleans.has("open");
  if (!open && auth.length === 0 && gate.allow.length === 0 && !isLoopback(listen.hostname)) {
    throw new UsageError(
      `Refusing to run an open proxy on ${listen.hostname ?? "every interface"}: anyone who ` +
        "reaches it could use it; give --auth USER:PASS or --allow CIDR, listen on 127.0.0.1, " +
        "or add --open if that is what you mean",
    );
  }
  return {
    command: "proxy",
    listen,
    auth,
    access: gate,
    allowTo: (flags.lists.get("allow-to") ?? []).map((r) => parseDestinationRule(r, "--allow-to")),
    denyTo: (flags.lists.get("deny-to") ?? []).map((r) => parseDestinationRule(r, "--deny-to")),
    timeoutMs: optionalDuration(flags, "timeout") ?? PROXY_DEFAULTS.timeoutMs,
    handshakeTimeoutMs: optionalDuration(flags, "handshake-timeout") ??
      PROXY_DEFAULTS.handshakeTimeoutMs,
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    drainMs: optionalDuration(flags, "drain", { zero: true }) ?? PROXY_DEFAULTS.drainMs,
    open,
    ...proxyArgs(flags, []),
    ...lookup(flags),
    ...report,
  };
}

/** `USER:PASS`: each 1 to 255 bytes (SOCKS5's limit), the user without a colon. */
function parseLogin(raw: string): { username: string; password: string } {
  const colon = raw.indexOf(":");
  const username = raw.slice(0, colon);
  const password = raw.slice(colon + 1);
  const bytes = (s: string) => new TextEncoder().encode(s).length;
  if (colon < 1 || password === "" || bytes(username) > 255 || bytes(password) > 255) {
    throw new UsageError(
      `Invalid --auth "${escapeText(username || raw)}:…": expected USER:PASS, each 1 to 255 bytes`,
    );
  }
  return { username, password };
}

/** True for a loopback listening address (127.0.0.0/8, ::1, localhost). */
function isLoopback(hostname: string | undefined): boolean {
  if (hostname === undefined) return false;
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "::1" ||
    hostname.toLowerCase() === "localhost";
}
