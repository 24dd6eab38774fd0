/**
 * A proxy as the user names it: `socks5://[USER:PASS@]HOST:PORT` (the target's name resolved
 * here), `socks5h://…` (the name handed to the proxy), `http://…` (HTTP CONNECT); without a
 * scheme, HTTP, as curl and ncat take it.
 */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { formatAddress, validateHost } from "./address.ts";

/** The proxy protocols tcpkit speaks as a client. */
export type ProxyProtocol = "socks5" | "socks5h" | "http";

/** A parsed proxy URL. */
export interface ProxyUrl {
  /** `socks5` resolves the target here; `socks5h` hands its name over; `http` is CONNECT. */
  protocol: ProxyProtocol;
  /** The proxy's name or address (an IPv6 address without brackets). */
  hostname: string;
  /** The proxy's port. */
  port: number;
  /** The login, percent-decoded, when the URL has one. */
  login?: { username: string; password: string };
  /** The URL as messages show it: the scheme, host and port, never the password. */
  text: string;
}

/** The port of a proxy URL that names none (curl's default, for SOCKS and HTTP alike). */
export const DEFAULT_PROXY_PORT = 1080;

/**
 * Parses a proxy URL.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseProxyUrl } from "./proxy_url.ts";
 * assertEquals(parseProxyUrl("socks5h://me:p%40ss@[::1]:1080"), {
 *   protocol: "socks5h",
 *   hostname: "::1",
 *   port: 1080,
 *   login: { username: "me", password: "p@ss" },
 *   text: "socks5h://[::1]:1080",
 * });
 * ```
 * @throws {UsageError} for another scheme, a bad host or port, or a malformed login
 */
export function parseProxyUrl(raw: string, option = "--proxy"): ProxyUrl {
  const invalid = (detail: string) =>
    new UsageError(`Invalid ${option} "${escapeText(redact(raw))}": ${detail}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  const protocol = scheme ?? "http";
  if (protocol !== "socks5" && protocol !== "socks5h" && protocol !== "http") {
    throw invalid(
      protocol === "https"
        ? "TLS to the proxy itself is not supported; use http:// (CONNECT) or socks5://"
        : protocol.startsWith("socks4")
        ? "expected socks5://, socks5h:// or http:// (SOCKS4 is not supported)"
        : "expected socks5://, socks5h:// or http://",
    );
  }
  let url: URL;
  try {
    // The URL parser knows http's form; for the SOCKS schemes, the same form is parsed as http.
    url = new URL(`http://${scheme === undefined ? raw : raw.slice(scheme.length + 3)}`);
  } catch {
    throw invalid("expected SCHEME://[USER:PASS@]HOST:PORT");
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw invalid("a proxy URL has no path: SCHEME://[USER:PASS@]HOST:PORT");
  }
  const hostname = validateHost(url.hostname);
  // The URL parser drops http's default port (80): an explicit :80 is read from the text.
  const authority = raw.replace(/^[^/]*\/\//, "").replace(/\/.*$/s, "").replace(/^.*@/s, "");
  const port = url.port !== ""
    ? Number(url.port)
    : /:0*80$/.test(authority)
    ? 80
    : DEFAULT_PROXY_PORT;
  if (!(port >= 1 && port <= 65535)) throw invalid("the port is from 1 to 65535");
  let login: ProxyUrl["login"];
  if (url.username !== "" || url.password !== "") {
    try {
      login = {
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      };
    } catch {
      throw invalid("the login's percent-encoding is malformed");
    }
  }
  return {
    protocol,
    hostname,
    port,
    ...(login ? { login } : {}),
    text: `${protocol}://${formatAddress(hostname, port)}`,
  };
}

/** The URL with its password hidden, for messages. */
function redact(raw: string): string {
  return raw.replace(/^([^/]*\/\/)?([^@/]*):([^@/]*)@/, (_, s = "", user) => `${s}${user}:***@`);
}
