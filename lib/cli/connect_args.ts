/** The connect command line: one target, what to send, how to connect. */
import { UsageError } from "../errors.ts";
import { ipFamily } from "../net/address.ts";
import type { Endpoint } from "../net/endpoint.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  ALIASES,
  clientTls,
  type CommandArgs,
  LOOKUP,
  lookup,
  type LookupArgs,
  oneTarget,
  optionalDuration,
  type ProxyArgs,
  proxyArgs,
  rejectHexdumpWithJson,
  REPORT,
  type ReportOptions,
  sourceAddress,
  TLS_CLIENT_LISTS,
  TLS_CLIENT_STRINGS,
  type TlsClientArgs,
} from "./options.ts";
import { toConnectUdp, UDP_ALIAS, UDP_FLAG, type UdpConnectCommand, wantsUdp } from "./udp_args.ts";

/** A validated `connect` command line. */
export interface ConnectCommand extends ReportOptions, LookupArgs, ProxyArgs {
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
  /** Receive only (`-d`): never read stdin, never half-close; read the server to its end. */
  recvOnly: boolean;
  /** Dial again while the server is not up (refused, unreachable, unresolved), this long. */
  waitMs?: number;
}

/** connect's options and its validated command. */
export const CONNECT_ARGS: CommandArgs<ConnectCommand | UdpConnectCommand> = {
  spec: {
    boolean: [...REPORT, ...LOOKUP, "tls", "insecure", "crlf", "hexdump", "recv-only", UDP_FLAG],
    string: [
      "timeout",
      "idle-timeout",
      "send",
      ...TLS_CLIENT_STRINGS,
      "cert",
      "key",
      "source",
      "wait",
      "proxy",
    ],
    collect: [...TLS_CLIENT_LISTS],
    alias: {
      ...ALIASES,
      k: "insecure",
      C: "crlf",
      x: "hexdump",
      s: "source",
      d: "recv-only",
      ...UDP_ALIAS,
    },
  },
  toCommand: (flags, report) =>
    wantsUdp(flags) ? toConnectUdp(flags, report) : toConnect(flags, report),
};

function toConnect(flags: ParsedFlags, report: ReportOptions): ConnectCommand {
  const target = oneTarget(flags, "connect");
  rejectHexdumpWithJson(flags, report);
  const recvOnly = flags.booleans.has("recv-only");
  if (recvOnly) {
    for (
      const [option, given] of [["--send", flags.strings.has("send")], [
        "--crlf",
        flags.booleans.has("crlf"),
      ]] as const
    ) {
      if (given) {
        throw new UsageError(
          `Conflicting options "--recv-only" and "${option}": -d sends nothing`,
          "connect",
        );
      }
    }
  }
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
    recvOnly,
    waitMs: optionalDuration(flags, "wait"),
    ...proxyArgs(flags, [target]),
    ...looked,
    // A source address of one family connects only to the target's addresses of that family.
    ...(source ? { family: source.family } : {}),
    ...report,
  };
}
