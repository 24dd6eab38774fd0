/**
 * check's HTTP targets: `http://HOST[:PORT]/PATH` and `https://…`, parsed into what the probe
 * dials (host, port, TLS) and what it asks for (the path with its query, the Host header).
 */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { validateHost } from "./address.ts";

/** One URL to probe with an HTTP request. */
export interface HttpTarget {
  /** The URL as it will be requested (normalised: scheme and host in lower case, a path). */
  url: string;
  /** `https://`: TLS before the request, verified as connect verifies. */
  tls: boolean;
  /** The host to dial: a name in ASCII form, or an address (IPv6 without brackets). */
  hostname: string;
  /** The port: the URL's, else 80 or 443. */
  port: number;
  /** What the request line asks for: the path and the query (`/healthz?full=1`). */
  path: string;
  /** The Host header: the host, and the port when it is not the scheme's own. */
  host: string;
}

/** True when `word` is meant as an HTTP target (`http://`, `https://`, in any case). */
export function isHttpUrl(word: string): boolean {
  return /^https?:\/\//i.test(word);
}

/**
 * Parses an `http://` or `https://` URL. User names and passwords are refused (a health check
 * has no business carrying them on a command line; `-H 'Authorization: …'` does that); the
 * fragment, which is never sent, is dropped.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseHttpTarget } from "./http_target.ts";
 * assertEquals(parseHttpTarget("http://[::1]:8080/healthz?x=1"), {
 *   url: "http://[::1]:8080/healthz?x=1",
 *   tls: false,
 *   hostname: "::1",
 *   port: 8080,
 *   path: "/healthz?x=1",
 *   host: "[::1]:8080",
 * });
 * ```
 * @throws {UsageError} for a URL that does not parse, has no host, or carries a user name
 */
export function parseHttpTarget(raw: string): HttpTarget {
  const invalid = (why: string) =>
    new UsageError(
      `Invalid URL "${escapeText(raw)}": ${why}, such as http://127.0.0.1:8080/healthz`,
    );
  if (!isHttpUrl(raw)) throw invalid("expected http:// or https://");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("not a URL");
  }
  if (url.hostname === "") throw invalid("no host");
  if (url.username !== "" || url.password !== "") {
    throw invalid('a user name or password in the URL is not sent; give -H "Authorization: …"');
  }
  const tls = url.protocol === "https:";
  const hostname = validateHost(url.hostname);
  const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
  if (port === 0) throw invalid("port 0 cannot be dialled");
  url.hash = "";
  return {
    url: url.href,
    tls,
    hostname,
    port,
    path: `${url.pathname}${url.search}`,
    host: url.host,
  };
}
