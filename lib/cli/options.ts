/** What several commands' command lines share: report, TLS, access and lookup options. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { ipFamily, parseHostAndPort } from "../net/address.ts";
import { type Endpoint, type ListenEndpoint, parseEndpoint } from "../net/endpoint.ts";
import { normalizeFingerprint } from "../net/fingerprint.ts";
import { parseProxyUrl, type ProxyUrl } from "../net/proxy_url.ts";
import { type Cidr, parseCidr } from "../net/gate.ts";
import { STARTTLS_PROTOCOLS, type StartTlsProtocol } from "../protocol/starttls.ts";
import { parseDuration } from "./duration.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";
import type { ReportOptions } from "../report.ts";

export type { ReportOptions } from "../report.ts";

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

/** `--proxy URL`: reach the targets through a SOCKS5 or HTTP CONNECT proxy. */
export interface ProxyArgs {
  /** The proxy, when given. */
  proxy?: ProxyUrl;
}

/** One command's options and how its parsed flags become its validated command. */
export interface CommandArgs<C> {
  /** The options the command takes. */
  spec: FlagSpec;
  /** The validated command; throws UsageError for what a person typed wrong. */
  toCommand(flags: ParsedFlags, report: ReportOptions): C;
}

/** Report options every command takes. */
export const REPORT = ["verbose", "json", "help"] as const;
/** TLS client options with one value. */
export const TLS_CLIENT_STRINGS = ["sni", "pin"] as const;
/** TLS client options that repeat. */
export const TLS_CLIENT_LISTS = ["ca", "alpn"] as const;
/** Name lookup options of the commands that dial. */
export const LOOKUP = ["ipv4", "ipv6", "numeric"] as const;
/** The gate's options. */
export const ACCESS_LISTS = ["allow", "deny"] as const;
/** The one-letter options shared by the commands that dial. */
export const ALIASES = { v: "verbose", h: "help", "4": "ipv4", "6": "ipv6", n: "numeric" } as const;

/** The one target of connect and greet: `HOST:PORT`, `HOST PORT`, `tls://…` or `unix:…`. */
export function oneTarget(flags: ParsedFlags, command: string): Endpoint {
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
export function clientTls(flags: ParsedFlags, tls: boolean, what = "--tls"): TlsClientArgs {
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
export function serverTls(flags: ParsedFlags, tls: boolean): TlsServerArgs {
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

/**
 * `--allow`, `--deny` and `--max-conns`. On a Unix socket (`listen`), --allow and --deny are a
 * usage error: its clients have no address to judge.
 */
export function access(flags: ParsedFlags, listen?: ListenEndpoint): AccessArgs {
  if (listen?.kind === "unix") {
    const given = ACCESS_LISTS.filter((name) => flags.lists.has(name)).map((name) => `--${name}`);
    if (given.length > 0) {
      throw new UsageError(
        `Option "${given[0]}" is for TCP clients: a Unix socket's client has no address ` +
          "(who may connect is the socket file's permissions)",
      );
    }
  }
  return {
    allow: (flags.lists.get("allow") ?? []).map((raw) => parseCidr(raw, "--allow")),
    deny: (flags.lists.get("deny") ?? []).map((raw) => parseCidr(raw, "--deny")),
    maxConns: optionalCount(flags, "max-conns", 1_000_000),
  };
}

/** `-4`, `-6` and `-n`. */
export function lookup(flags: ParsedFlags): LookupArgs {
  const v4 = flags.booleans.has("ipv4");
  const v6 = flags.booleans.has("ipv6");
  if (v4 && v6) throw new UsageError('Conflicting options "-4" and "-6": choose one');
  return {
    ...(v4 ? { family: 4 as const } : v6 ? { family: 6 as const } : {}),
    numeric: flags.booleans.has("numeric"),
  };
}

/** `--starttls PROTOCOL`, when given. */
export function optionalStartTls(flags: ParsedFlags): StartTlsProtocol | undefined {
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

/** A whole-number option within `min`..`max`, when given. */
export function optionalCount(
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

/** A duration option, when given (`zero` lets 0 through). */
export function optionalDuration(
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
export function rejectHexdumpWithJson(flags: ParsedFlags, report: ReportOptions): void {
  if (flags.booleans.has("hexdump") && report.json) {
    throw new UsageError(
      'Conflicting options "--hexdump" and "--json": the hex dump is text on stderr',
    );
  }
}

/** A positional argument beyond what the command takes is a usage error. */
export function rejectExtra(extra: string[], command: string): void {
  if (extra.length > 0) {
    throw new UsageError(`Unexpected argument "${escapeText(extra[0])}"`, command);
  }
}

/** `--proxy URL`, when given; a Unix socket target cannot go through a proxy. */
export function proxyArgs(flags: ParsedFlags, targets: Endpoint[]): ProxyArgs {
  const raw = flags.strings.get("proxy");
  if (raw === undefined) return {};
  if (targets.some((t) => t.kind === "unix")) {
    throw new UsageError('Option "--proxy" is for TCP targets: a Unix socket is not proxied');
  }
  return { proxy: parseProxyUrl(raw) };
}

/** `--source`: an IP address (IPv6 with or without brackets), and its family. */
export function sourceAddress(raw: string): { address: string; family: 4 | 6 } {
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
