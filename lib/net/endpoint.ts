/**
 * Where bytes go or come from: a TCP address (`HOST:PORT`), the same with TLS on it
 * (`tls://HOST:PORT`, or `HOST:PORT` with `--tls`), or a Unix socket (`unix:/path`).
 */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { formatAddress, parseHostPort, parseListenAddress } from "./address.ts";

/** A TCP address to dial, with or without TLS on it. */
export interface TcpEndpoint {
  /** The endpoint's kind. */
  kind: "tcp";
  /** A name, an IPv4 address, or an IPv6 address (without brackets). */
  hostname: string;
  /** The port, 1 to 65535. */
  port: number;
  /** TLS on top of the TCP connection. */
  tls: boolean;
}

/** A Unix stream socket, by its path. */
export interface UnixEndpoint {
  /** The endpoint's kind. */
  kind: "unix";
  /** The socket file's path. */
  path: string;
  /** Always false: tcpkit does not speak TLS over Unix sockets. */
  tls: false;
}

/** Where to dial. */
export type Endpoint = TcpEndpoint | UnixEndpoint;

/** A TCP address to listen on: without a hostname, every interface. */
export interface TcpListenEndpoint {
  /** The endpoint's kind. */
  kind: "tcp";
  /** The address or name to listen on; every interface when left out. */
  hostname?: string;
  /** The port; 0 for any free one. */
  port: number;
  /** TLS on every connection accepted. */
  tls: boolean;
}

/** Where to listen. */
export type ListenEndpoint = TcpListenEndpoint | UnixEndpoint;

/** A UDP address (`udp://HOST:PORT`, or `HOST:PORT` with `-u`): to send to, or to listen on. */
export interface UdpEndpoint {
  /** The endpoint's kind. */
  kind: "udp";
  /** A name or an address (IPv6 without brackets); every interface when left out (listening). */
  hostname?: string;
  /** The port; 0 for any free one (listening). */
  port: number;
  /** Always false: tcpkit does not speak DTLS. */
  tls: false;
}

/** Options for {@linkcode parseEndpoint} and {@linkcode parseListenEndpoint}. */
export interface EndpointOptions {
  /** TLS for a plain `HOST:PORT` (the `--tls` option). */
  tls?: boolean;
}

const TLS_PREFIX = "tls://";
const UNIX_PREFIX = "unix:";
/** The scheme that makes an address a UDP one. */
export const UDP_PREFIX = "udp://";

/**
 * Parses a UDP address: `udp://HOST:PORT` or `HOST:PORT` (the scheme is optional: `-u` says
 * UDP); to listen on (`listen`), `[HOST:]PORT`, every interface without HOST.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseUdpEndpoint } from "./endpoint.ts";
 * assertEquals(parseUdpEndpoint("udp://[::1]:53"), {
 *   kind: "udp",
 *   hostname: "::1",
 *   port: 53,
 *   tls: false,
 * });
 * ```
 * @throws {UsageError} when it is not such an address
 */
export function parseUdpEndpoint(raw: string, options: { listen?: boolean } = {}): UdpEndpoint {
  const text = raw.startsWith(UDP_PREFIX) ? raw.slice(UDP_PREFIX.length) : raw;
  if (text.startsWith(TLS_PREFIX) || text.startsWith(UNIX_PREFIX)) {
    throw new UsageError(
      `Invalid address "${escapeText(raw)}": UDP goes to HOST:PORT, not TLS or a Unix socket`,
    );
  }
  return options.listen
    ? { kind: "udp", ...parseListenAddress(text), tls: false }
    : { kind: "udp", ...parseHostPort(text), tls: false };
}

/**
 * Parses where to dial: `HOST:PORT`, `[IPV6]:PORT`, `tls://HOST:PORT` or `unix:/path`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseEndpoint } from "./endpoint.ts";
 * assertEquals(parseEndpoint("tls://[::1]:8443"), {
 *   kind: "tcp",
 *   hostname: "::1",
 *   port: 8443,
 *   tls: true,
 * });
 * ```
 * @throws {UsageError} when it is none of these
 */
export function parseEndpoint(raw: string, options: EndpointOptions = {}): Endpoint {
  const unix = parseUnix(raw, options);
  if (unix) return unix;
  const tls = raw.startsWith(TLS_PREFIX);
  const { hostname, port } = parseHostPort(tls ? raw.slice(TLS_PREFIX.length) : raw);
  return { kind: "tcp", hostname, port, tls: tls || (options.tls ?? false) };
}

/**
 * Parses where to listen: `[HOST:]PORT` (every interface without HOST), `tls://[HOST:]PORT`,
 * or `unix:/path`.
 *
 * @throws {UsageError} when it is none of these
 */
export function parseListenEndpoint(raw: string, options: EndpointOptions = {}): ListenEndpoint {
  const unix = parseUnix(raw, options);
  if (unix) return unix;
  const tls = raw.startsWith(TLS_PREFIX);
  const address = parseListenAddress(tls ? raw.slice(TLS_PREFIX.length) : raw);
  return { kind: "tcp", ...address, tls: tls || (options.tls ?? false) };
}

function parseUnix(raw: string, options: EndpointOptions): UnixEndpoint | undefined {
  if (!raw.startsWith(UNIX_PREFIX)) return undefined;
  // unix:/path, and unix:///path as a URL would write it.
  const path = raw.slice(UNIX_PREFIX.length).replace(/^\/\/(?=\/)/, "");
  if (path === "") {
    throw new UsageError(
      `Invalid address "${raw}": expected unix:PATH, such as unix:/tmp/app.sock`,
    );
  }
  if (options.tls) {
    throw new UsageError(
      `Invalid address "${escapeText(raw)}": TLS over a Unix socket is not supported`,
    );
  }
  return { kind: "unix", path, tls: false };
}

/**
 * Shows an endpoint as a person would type it: `127.0.0.1:9000`, `[::1]:443`, `unix:/tmp/a.sock`.
 * TLS is not marked: messages say `TLS with ...` where it matters.
 */
export function formatEndpoint(endpoint: Endpoint | ListenEndpoint | UdpEndpoint): string {
  if (endpoint.kind === "unix") return `${UNIX_PREFIX}${endpoint.path}`;
  return endpoint.hostname === undefined
    ? `*:${endpoint.port}`
    : formatAddress(endpoint.hostname, endpoint.port);
}
