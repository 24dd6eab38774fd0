/** Host and port parsing and formatting: names, IPv4 and bracketed IPv6. */
import { UsageError } from "../errors.ts";

/** A host name or address and a port. */
export interface HostPort {
  hostname: string;
  port: number;
}

/** Options for {@linkcode parsePort}. */
export interface ParsePortOptions {
  /** Accept port 0, "any free port" (for listening). */
  allowZero?: boolean;
}

/**
 * Parses a decimal port number.
 *
 * @throws {UsageError} when it is not an integer in range
 */
export function parsePort(raw: string, options: ParsePortOptions = {}): number {
  const min = options.allowZero ? 0 : 1;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= min && port <= 65535)) {
    throw new UsageError(`Invalid port "${raw}": expected an integer from ${min} to 65535`);
  }
  return port;
}

/** Splits `HOST:REST`, `[V6]:REST` into host and the text after the colon; null if no host. */
export function splitHost(raw: string): { hostname: string; rest: string } | null {
  if (raw.startsWith("[")) {
    const close = raw.indexOf("]");
    if (close < 0 || raw[close + 1] !== ":") {
      throw new UsageError(`Invalid address "${raw}": expected [IPV6]:PORT, such as [::1]:9090`);
    }
    return { hostname: raw.slice(1, close), rest: raw.slice(close + 2) };
  }
  const colon = raw.lastIndexOf(":");
  if (colon < 0) return null;
  const hostname = raw.slice(0, colon);
  if (hostname.includes(":")) {
    throw new UsageError(
      `Invalid address "${raw}": put an IPv6 address in brackets, such as [::1]:9090`,
    );
  }
  return { hostname, rest: raw.slice(colon + 1) };
}

/**
 * Parses `HOST:PORT` or `[IPV6]:PORT`.
 *
 * @example
 * ```ts
 * import { parseHostPort } from "./address.ts";
 * parseHostPort("[::1]:9090"); // { hostname: "::1", port: 9090 }
 * ```
 * @throws {UsageError} when the host or the port is missing or malformed
 */
export function parseHostPort(raw: string, options: ParsePortOptions = {}): HostPort {
  const split = splitHost(raw);
  if (!split || split.hostname === "") {
    throw new UsageError(`Invalid address "${raw}": expected HOST:PORT, such as 127.0.0.1:9090`);
  }
  return { hostname: split.hostname, port: parsePort(split.rest, options) };
}

/**
 * Parses serve's `[HOST:]PORT`; without a host the hostname is undefined (all interfaces).
 *
 * @throws {UsageError} when it is malformed
 */
export function parseListenAddress(raw: string): { hostname?: string; port: number } {
  const split = splitHost(raw);
  if (!split) return { port: parsePort(raw, { allowZero: true }) };
  const port = parsePort(split.rest, { allowZero: true });
  return split.hostname === "" ? { port } : { hostname: split.hostname, port };
}

/** Shows an address as a person types it: IPv4-mapped IPv6 as IPv4, IPv6 in brackets. */
export function formatAddress(hostname: string, port: number): string {
  const host = hostname.startsWith("::ffff:") && hostname.includes(".")
    ? hostname.slice("::ffff:".length)
    : hostname;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Formats a socket address of a connection or listener. */
export function formatNetAddr(addr: Deno.Addr): string {
  return "hostname" in addr ? formatAddress(addr.hostname, addr.port) : String(addr.transport);
}
