/** The serve command line: where to listen and what to do with each client. */
import { UsageError } from "../errors.ts";
import { type ListenEndpoint, parseListenEndpoint } from "../net/endpoint.ts";
import type { ParsedFlags } from "./flags.ts";
import {
  access,
  ACCESS_LISTS,
  type AccessArgs,
  type CommandArgs,
  optionalDuration,
  rejectExtra,
  rejectHexdumpWithJson,
  REPORT,
  type ReportOptions,
  serverTls,
  type TlsServerArgs,
} from "./options.ts";
import { toServeUdp, UDP_ALIAS, UDP_FLAG, type UdpServeCommand, wantsUdp } from "./udp_args.ts";

/** What serve does with each client. */
export type ServeMode =
  | { kind: "stdio" }
  | { kind: "echo" }
  | { kind: "sink" }
  | { kind: "reply"; text: string }
  | { kind: "greet"; quietMs: number }
  | { kind: "chat" };

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

/** serve --greet: text without a line ending is a name once the client has paused this long. */
export const GREET_QUIET_MS = 20;
/** serve's options and its validated command. */
export const SERVE_ARGS: CommandArgs<ServeCommand | UdpServeCommand> = {
  spec: {
    boolean: [
      ...REPORT,
      "echo",
      "sink",
      "greet",
      "chat",
      "keep-open",
      "tls",
      "hexdump",
      "label",
      UDP_FLAG,
    ],
    string: ["idle-timeout", "reply", "quiet-period", "cert", "key", "max-conns"],
    collect: ["client-ca", ...ACCESS_LISTS],
    alias: { v: "verbose", h: "help", k: "keep-open", x: "hexdump", ...UDP_ALIAS },
    elsewhere: {
      timeout: 'is for connect; serve takes "--idle-timeout"',
      insecure: "is for clients: serve has its own certificate (--cert, or a generated one)",
    },
  },
  toCommand: (flags, report) =>
    wantsUdp(flags) ? toServeUdp(flags, report) : toServe(flags, report),
};

function toServe(flags: ParsedFlags, report: ReportOptions): ServeCommand {
  const [address, ...extra] = flags.positionals;
  if (address === undefined) {
    throw new UsageError("Missing port: expected serve [HOST:]PORT", "serve");
  }
  rejectExtra(extra, "serve");
  const modes: ServeMode[] = [];
  if (flags.booleans.has("echo")) modes.push({ kind: "echo" });
  if (flags.booleans.has("sink")) modes.push({ kind: "sink" });
  if (flags.booleans.has("chat")) modes.push({ kind: "chat" });
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
    // A chat room is for many clients: --chat keeps accepting, as ncat's does.
    keepOpen: flags.booleans.has("keep-open") || mode.kind === "chat",
    idleTimeoutMs: optionalDuration(flags, "idle-timeout"),
    access: access(flags, listen),
    hexdump: flags.booleans.has("hexdump"),
    label,
    ...report,
  };
}
