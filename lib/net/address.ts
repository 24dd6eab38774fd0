/** Host and port parsing and formatting: names, IPv4 and bracketed IPv6, checked before a socket. */
import ipaddr from "ipaddr.js";
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { serviceNamePort } from "./services.ts";

/**
 * A name in its ASCII form (punycode for an internationalised one), as the WHATWG URL parser
 * makes it (node:url's domainToASCII without loading node's compatibility layer); "" when the
 * name cannot be made one.
 */
function domainToASCII(name: string): string {
  try {
    return new URL(`http://${name}`).hostname;
  } catch {
    return "";
  }
}

/** A host name or address and a port. */
export interface HostPort {
  /** A checked host name (in its ASCII form) or an IP address, IPv6 without brackets. */
  hostname: string;
  /** The port, from 1 to 65535 (or 0 where {@linkcode ParsePortOptions.allowZero} allows it). */
  port: number;
}

/** Options for {@linkcode parsePort}. */
export interface ParsePortOptions {
  /** Accept port 0, "any free port" (for listening). */
  allowZero?: boolean;
}

/** The longest host name DNS can carry, in bytes, without the root's trailing dot. */
const MAX_NAME_BYTES = 253;
/** The longest label (the part between dots) of a DNS name, in bytes. */
const MAX_LABEL_BYTES = 63;
const HOST_EXAMPLES = "such as example.com, 127.0.0.1 or ::1";
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** Schemes whose URL stands for a TLS connection: the hint points at tcpkit's TLS instead. */
const TLS_SCHEMES: Record<string, number> = { https: 443, wss: 443, tls: 443, ssl: 443 };
/** Default ports of schemes that are not service names of their own. */
const SCHEME_PORTS: Record<string, number> = { ws: 80 };

/** The user's text as it goes in a message: quoted, with control bytes escaped. */
function quote(raw: string): string {
  return `"${escapeText(raw)}"`;
}

/**
 * Parses a port: a decimal number or a TCP service name such as `ssh` or `https` (see
 * services.ts), as nc takes them.
 *
 * @param raw the port as the user wrote it
 * @param options whether port 0 ("any free port") is allowed
 * @returns the port number
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parsePort } from "./address.ts";
 * assertEquals(parsePort("8080"), 8080);
 * assertEquals(parsePort("https"), 443);
 * ```
 * @throws {UsageError} when it is neither an integer in range nor a known service name
 */
export function parsePort(raw: string, options: ParsePortOptions = {}): number {
  const min = options.allowZero ? 0 : 1;
  const expected = `expected an integer from ${min} to 65535`;
  if (/^\d+$/.test(raw)) {
    const port = raw.length <= 5 ? Number(raw) : NaN;
    if (port >= min && port <= 65535) return port;
    throw new UsageError(`Invalid port ${quote(raw)}: ${expected}`);
  }
  const port = serviceNamePort(raw);
  if (port !== undefined) return port;
  // A word that is not a number may be a mistyped service name: say that names are taken too.
  throw new UsageError(
    `Invalid port ${quote(raw)}: ${expected} or a service name, such as 22 or ssh`,
  );
}

/** True for an IPv6 address as tcpkit takes one: hex, colons, an IPv4 tail, a zone of a name. */
function isIPv6Literal(text: string): boolean {
  return /^[0-9a-f:.]+(%[\w.-]+)?$/i.test(text) && ipaddr.IPv6.isValid(text);
}

/**
 * 4 or 6 for an IPv4 (dotted quad) or IPv6 address, 0 for anything else, as node:net's isIP.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ipFamily } from "./address.ts";
 * assertEquals([ipFamily("10.0.0.1"), ipFamily("::1"), ipFamily("010.0.0.1")], [4, 6, 0]);
 * ```
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return 4;
  return text.includes(":") && ipaddr.IPv6.isValid(text) ? 6 : 0;
}

/**
 * Checks a host before any socket sees it, and returns the host to dial: an IPv4 address as it
 * is, an IPv6 address without its brackets (a zone such as `%eth0` kept), a name of letters,
 * digits, hyphens, dots and underscores as it is, and an internationalised name in its ASCII
 * form (`bücher.example` → `xn--bcher-kva.example`).
 *
 * @param raw the host as the user wrote it
 * @returns the host to dial
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { validateHost } from "./address.ts";
 * assertEquals(validateHost("[::1]"), "::1");
 * assertEquals(validateHost("bücher.example"), "xn--bcher-kva.example");
 * ```
 * @throws {UsageError} naming the host when it is none of those
 */
export function validateHost(raw: string): string {
  const invalid = (detail: string) => new UsageError(`Invalid host ${quote(raw)}: ${detail}`);
  if (raw === "") throw invalid(`expected a host name or an IP address, ${HOST_EXAMPLES}`);
  const bracketed = /^\[(.*)\]$/s.exec(raw);
  if (bracketed) {
    if (isIPv6Literal(bracketed[1])) return bracketed[1];
    throw invalid("brackets are for an IPv6 address, such as [::1]");
  }
  if (raw.includes(":")) {
    if (isIPv6Literal(raw)) return raw;
    throw invalid(`expected a host name or an IP address, ${HOST_EXAMPLES}`);
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(raw)) return raw;

  // An internationalised name is dialled by its ASCII form, as a browser would.
  // deno-lint-ignore no-control-regex
  const ascii = /[^\x00-\x7f]/.test(raw) ? domainToASCII(raw) : raw;
  if (ascii === "") {
    throw invalid("not a valid internationalised name, such as bücher.example");
  }
  if (!/^[A-Za-z0-9._-]+$/.test(ascii)) {
    throw invalid(
      "expected a host name of letters, digits, hyphens, dots and underscores, or an IP " +
        `address, ${HOST_EXAMPLES}`,
    );
  }
  if (/(^|\.)xn--/i.test(ascii) && domainToASCII(ascii) === "") {
    throw invalid("not a valid internationalised name (its xn-- label does not decode)");
  }
  // One trailing dot marks a fully qualified name (`example.com.`): it is not a label.
  const name = ascii.endsWith(".") ? ascii.slice(0, -1) : ascii;
  if (name.length > MAX_NAME_BYTES) {
    throw invalid(`a host name is at most ${MAX_NAME_BYTES} bytes, this one is ${name.length}`);
  }
  const labels = name.split(".");
  for (const label of labels) {
    if (label === "") {
      throw invalid("a host name has no empty label (two dots together, or a dot first)");
    }
    if (label.length > MAX_LABEL_BYTES) {
      throw invalid(
        `a label of a host name is at most ${MAX_LABEL_BYTES} bytes, ` +
          `"${label.slice(0, 10)}..." is ${label.length}`,
      );
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      throw invalid("a label of a host name does not start or end with a hyphen");
    }
  }
  // No top-level domain is a number, so numbers and dots are a mistyped IPv4 address (`127.1`,
  // `256.0.0.1`, `010.0.0.1`), not a name to hand to the resolver.
  if (/^(\d+|0x[0-9a-f]*)$/i.test(labels[labels.length - 1])) {
    throw invalid("an IPv4 address is four numbers from 0 to 255, such as 127.0.0.1");
  }
  return ascii;
}

/**
 * Rejects a URL where HOST:PORT belongs, with the HOST:PORT it stands for: tcpkit speaks TCP,
 * not the URL's protocol.
 */
function rejectUrl(raw: string): void {
  const scheme = URL_SCHEME.exec(raw)?.[1].toLowerCase();
  if (scheme === undefined) return;
  let host = "HOST";
  let port = "";
  try {
    const url = new URL(raw);
    if (url.hostname !== "") host = escapeText(url.hostname);
    port = url.port;
  } catch {
    // Not even a URL: the hint keeps HOST.
  }
  const tlsPort = TLS_SCHEMES[scheme];
  const defaultPort = tlsPort ?? SCHEME_PORTS[scheme] ?? serviceNamePort(scheme);
  const address = `${host}:${port || defaultPort || "PORT"}`;
  const hint = tlsPort === undefined
    ? `, such as ${address}`
    : scheme === "https" || scheme === "wss"
    ? `; for TLS give tls://${address} or --tls ${address}`
    : `; for TLS give --tls ${address}`;
  throw new UsageError(`Invalid address ${quote(raw)}: tcpkit takes HOST:PORT, not a URL${hint}`);
}

/**
 * Splits `HOST:REST` or `[IPV6]:REST` into the host and the text after the colon; null when
 * there is no colon. The host is not checked here (see {@linkcode validateHost}), but a URL,
 * an IPv6 address without brackets and brackets around anything else are rejected.
 *
 * @param raw an address as the user wrote it
 * @returns the host (IPv6 without brackets) and the rest, or null
 * @throws {UsageError} on a URL, an unbracketed IPv6 address or unbalanced brackets
 */
export function splitHost(raw: string): { hostname: string; rest: string } | null {
  rejectUrl(raw);
  if (raw.startsWith("[")) {
    const close = raw.indexOf("]");
    if (close < 0 || raw[close + 1] !== ":") {
      throw new UsageError(
        `Invalid address ${quote(raw)}: expected [IPV6]:PORT, such as [::1]:9090`,
      );
    }
    const hostname = raw.slice(1, close);
    if (hostname !== "" && !isIPv6Literal(hostname)) {
      throw new UsageError(
        `Invalid host ${quote(`[${hostname}]`)}: brackets are for an IPv6 address, such as [::1]`,
      );
    }
    return { hostname, rest: raw.slice(close + 2) };
  }
  const colon = raw.lastIndexOf(":");
  if (colon < 0) return null;
  const hostname = raw.slice(0, colon);
  const rest = raw.slice(colon + 1);
  if (hostname.includes(":")) {
    const example = isIPv6Literal(hostname)
      ? `[${escapeText(hostname)}]:${escapeText(rest)}`
      : "[::1]:9090";
    throw new UsageError(
      `Invalid address ${quote(raw)}: put an IPv6 address in brackets, such as ${example}`,
    );
  }
  return { hostname, rest };
}

/** True when `raw` is a host that {@linkcode validateHost} takes. */
function isHost(raw: string): boolean {
  try {
    validateHost(raw);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `HOST:PORT` or `[IPV6]:PORT`; the port may be a service name (`example.com:https`).
 *
 * @param raw the address as the user wrote it
 * @param options whether port 0 is allowed
 * @returns the checked host (see {@linkcode validateHost}) and the port
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseHostPort } from "./address.ts";
 * assertEquals(parseHostPort("[::1]:9090"), { hostname: "::1", port: 9090 });
 * ```
 * @throws {UsageError} when the host or the port is missing or malformed, or it is a URL
 */
export function parseHostPort(raw: string, options: ParsePortOptions = {}): HostPort {
  const split = splitHost(raw);
  if (!split || split.hostname === "") {
    const example = !split && raw !== "" && isHost(raw) ? `${raw}:9090` : "127.0.0.1:9090";
    throw new UsageError(`Invalid address ${quote(raw)}: expected HOST:PORT, such as ${example}`);
  }
  return { hostname: validateHost(split.hostname), port: parsePort(split.rest, options) };
}

/**
 * Parses `HOST PORT` given as two words, as `tcpkit connect example.com 443` takes them. The
 * host may be an IPv6 address with or without brackets; a host that carries a port of its own
 * (`127.0.0.1:22 22`) is rejected rather than guessed at.
 *
 * @param host the first word: a host name or an IP address
 * @param port the second word: a port number or a service name
 * @param options whether port 0 is allowed
 * @returns the checked host (see {@linkcode validateHost}) and the port
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseHostAndPort } from "./address.ts";
 * assertEquals(parseHostAndPort("[::1]", "ssh"), { hostname: "::1", port: 22 });
 * ```
 * @throws {UsageError} when the host or the port is malformed, or the host carries a port
 */
export function parseHostAndPort(
  host: string,
  port: string,
  options: ParsePortOptions = {},
): HostPort {
  rejectUrl(host);
  if (carriesPort(host)) {
    throw new UsageError(
      `Invalid host ${quote(host)}: give HOST PORT or HOST:PORT, not both`,
    );
  }
  return { hostname: validateHost(host), port: parsePort(port, options) };
}

/** True when a host word is HOST:PORT itself (`127.0.0.1:22`, `[::1]:22`), not an IPv6 address. */
function carriesPort(host: string): boolean {
  const match = /^(.*):([^:\]]*)$/s.exec(host);
  if (!match || isIPv6Literal(host) || /^\[.*\]$/s.test(host)) return false;
  try {
    parsePort(match[2]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses serve's `[HOST:]PORT`; without a host the hostname is undefined (all interfaces). The
 * port may be 0 (any free port) or a service name.
 *
 * @param raw the listen address as the user wrote it
 * @returns the checked host, if one was given, and the port
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseListenAddress } from "./address.ts";
 * assertEquals(parseListenAddress("9000"), { port: 9000 });
 * assertEquals(parseListenAddress("127.0.0.1:9000"), { hostname: "127.0.0.1", port: 9000 });
 * ```
 * @throws {UsageError} when it is malformed, or the host is `*`
 */
export function parseListenAddress(raw: string): { hostname?: string; port: number } {
  const split = splitHost(raw);
  if (!split) {
    if (raw !== "" && !/^\d+$/.test(raw) && serviceNamePort(raw) === undefined && isHost(raw)) {
      throw new UsageError(
        `Invalid address ${quote(raw)}: expected [HOST:]PORT, such as ${raw}:9000 or 9000`,
      );
    }
    return { port: parsePort(raw, { allowZero: true }) };
  }
  const port = parsePort(split.rest, { allowZero: true });
  if (split.hostname === "") return { port };
  if (split.hostname === "*") {
    throw new UsageError(
      `Invalid host "*": leave HOST out to listen on every interface: serve ${port}`,
    );
  }
  return { hostname: validateHost(split.hostname), port };
}

/**
 * Shows an address as a person types it: IPv4-mapped IPv6 as IPv4, IPv6 in brackets.
 *
 * @param hostname a host name or an IP address
 * @param port the port
 * @returns `HOST:PORT` or `[IPV6]:PORT`
 */
export function formatAddress(hostname: string, port: number): string {
  const host = hostname.startsWith("::ffff:") && hostname.includes(".")
    ? hostname.slice("::ffff:".length)
    : hostname;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Formats a socket address of a connection or listener: `HOST:PORT` for TCP, `unix:/path` for a
 * Unix socket (`unix:(unnamed)` for a client socket that has no path), `vsock:CID:PORT`.
 *
 * @param addr the address Deno reports
 * @returns the address as text, control bytes in a path escaped
 */
export function formatNetAddr(addr: Deno.Addr): string {
  if ("hostname" in addr) return formatAddress(addr.hostname, addr.port);
  if ("path" in addr) {
    return `${addr.transport}:${addr.path ? escapeText(addr.path) : "(unnamed)"}`;
  }
  return `${addr.transport}:${addr.cid}:${addr.port}`;
}
