/** The forward command line: where to listen, the targets, and how to carry clients. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import {
  type Endpoint,
  type ListenEndpoint,
  parseEndpoint,
  parseListenEndpoint,
} from "../net/endpoint.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  access,
  ACCESS_LISTS,
  type AccessArgs,
  ALIASES,
  clientTls,
  type CommandArgs,
  LOOKUP,
  lookup,
  type LookupArgs,
  optionalDuration,
  type ProxyArgs,
  proxyArgs,
  REPORT,
  type ReportOptions,
  serverTls,
  TLS_CLIENT_STRINGS,
  type TlsClientArgs,
  type TlsServerArgs,
} from "./options.ts";
import { toForwardUdp, UDP_ALIAS, UDP_FLAG, type UdpForwardCommand, wantsUdp } from "./udp_args.ts";

/** A validated `forward` command line. */
export interface ForwardCommand extends ReportOptions, LookupArgs, ProxyArgs {
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

/** forward's defaults: a target gets a few seconds to answer; shutdown drains for 10 s. */
export const FORWARD_DEFAULTS = { timeoutMs: 5000, drainMs: 10_000 } as const;

/** forward's options and its validated command. */
export const FORWARD_ARGS: CommandArgs<ForwardCommand | UdpForwardCommand> = {
  spec: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure", UDP_FLAG],
    string: [
      "timeout",
      "idle-timeout",
      "cert",
      "key",
      "max-conns",
      "proxy-protocol",
      "drain",
      "proxy",
      ...TLS_CLIENT_STRINGS,
    ],
    collect: ["client-ca", "ca", ...ACCESS_LISTS],
    alias: { ...ALIASES, k: "insecure", ...UDP_ALIAS },
  },
  toCommand: (flags, report) =>
    wantsUdp(flags) ? toForwardUdp(flags, report) : toForward(flags, report),
};

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
    access: access(flags, listen),
    drainMs: optionalDuration(flags, "drain", { zero: true }) ?? FORWARD_DEFAULTS.drainMs,
    ...proxyArgs(flags, targets),
    ...lookup(flags),
    ...report,
  };
}
