/**
 * HTTP CONNECT (RFC 9110 §9.3.6) as pure rules over bytes: the client's request and the proxy's
 * answer, the server's reading of a request head and its answers, and Basic login (RFC 7617).
 * A head is bounded ({@linkcode MAX_HEAD_BYTES}); what is not HTTP throws
 * {@linkcode HttpProxyProtocolError}.
 */

/** The most bytes of a request or response head taken before the peer is given up on. */
export const MAX_HEAD_BYTES = 16 * 1024;

/** The peer's bytes are not the HTTP this exchange needs. */
export class HttpProxyProtocolError extends Error {
  /** The error's class name, as it prints. */
  override name = "HttpProxyProtocolError";
}

/** A username and password for Basic login. */
export interface BasicLogin {
  username: string;
  password: string;
}

/** An HTTP head: the start line's parts and the header fields, in order. */
export interface HttpHead {
  /** Request: the method. Response: the version (`HTTP/1.1`). */
  first: string;
  /** Request: the target. Response: the status code, as text. */
  second: string;
  /** Request: the version. Response: the reason phrase (may be empty). */
  third: string;
  /** Header fields as sent, names lowercased. */
  headers: [string, string][];
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** `user:pass` as a Basic credential: `Basic dXNlcjpwYXNz`. */
export function basicCredentials(login: BasicLogin): string {
  const bytes = encoder.encode(`${login.username}:${login.password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/**
 * The client's CONNECT request for `authority` (`host:port`, `[v6]:port`), with a Basic login
 * when given.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodeConnectRequest } from "./http_connect.ts";
 * assertEquals(
 *   new TextDecoder().decode(encodeConnectRequest("example.org:443")),
 *   "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n",
 * );
 * ```
 */
export function encodeConnectRequest(authority: string, login?: BasicLogin): Uint8Array {
  if ([...authority].some((c) => c <= " " || c === "\x7f")) {
    throw new RangeError(`Invalid authority "${authority}"`);
  }
  const auth = login ? `Proxy-Authorization: ${basicCredentials(login)}\r\n` : "";
  return encoder.encode(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
}

/**
 * Collects a head a few bytes at a time, never past its end: {@linkcode need} is the most bytes
 * that can be read without taking any byte after the blank line (so a client reading the proxy's
 * answer leaves the target's first bytes in the connection).
 */
export class HeadReader {
  #bytes = new Uint8Array(256);
  #length = 0;
  readonly #max: number;

  /** A reader that gives up past `max` bytes. */
  constructor(max = MAX_HEAD_BYTES) {
    this.#max = max;
  }

  /** The most bytes that may be read next without passing the head's end. */
  get need(): number {
    const b = this.#bytes, n = this.#length;
    if (n >= 3 && b[n - 3] === 13 && b[n - 2] === 10 && b[n - 1] === 13) return 1;
    if (n >= 2 && b[n - 2] === 13 && b[n - 1] === 10) return 2;
    if (n >= 1 && b[n - 1] === 13) return 3;
    return 4;
  }

  /**
   * Adds `chunk` (at most {@linkcode need} bytes); returns the head's bytes once it is whole.
   *
   * @throws {HttpProxyProtocolError} past the size limit, or at a first byte that is not text
   */
  push(chunk: Uint8Array): Uint8Array | undefined {
    if (this.#length + chunk.length > this.#max) {
      throw new HttpProxyProtocolError(`a head longer than ${this.#max} bytes`);
    }
    if (this.#length + chunk.length > this.#bytes.length) {
      const grown = new Uint8Array(Math.min(this.#max, 2 * (this.#length + chunk.length)));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(chunk, this.#length);
    this.#length += chunk.length;
    return headEnd(this.#bytes.subarray(0, this.#length)) < 0
      ? undefined
      : this.#bytes.slice(0, this.#length);
  }
}

/** The index just after the head's blank line (CRLF CRLF, or LF LF), or -1 before it. */
export function headEnd(bytes: Uint8Array): number {
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] !== 10) continue;
    if (bytes[i - 1] === 10) return i + 1;
    if (i >= 3 && bytes[i - 1] === 13 && bytes[i - 2] === 10) return i + 1;
  }
  return -1;
}

/**
 * Parses a head (the bytes up to and with its blank line).
 *
 * @throws {HttpProxyProtocolError} when the start line is not three parts, or a field is malformed
 */
export function parseHead(bytes: Uint8Array): HttpHead {
  const text = latin1.decode(bytes);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  const start = lines.shift() ?? "";
  const m = /^(\S+) (\S+)(?: (.*))?$/.exec(start);
  if (!m) throw new HttpProxyProtocolError("not an HTTP start line");
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) {
      throw new HttpProxyProtocolError("a malformed header field");
    }
    headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { first: m[1], second: m[2], third: m[3] ?? "", headers };
}

/** A proxy's answer to CONNECT. */
export interface ConnectResponse {
  status: number;
  reason: string;
  headers: [string, string][];
}

/**
 * The proxy's answer, from its head.
 *
 * @throws {HttpProxyProtocolError} when it is not an HTTP response
 */
export function parseConnectResponse(bytes: Uint8Array): ConnectResponse {
  const head = parseHead(bytes);
  if (!/^HTTP\/1\.[01]$/.test(head.first) || !/^\d{3}$/.test(head.second)) {
    throw new HttpProxyProtocolError("not an HTTP response");
  }
  return { status: Number(head.second), reason: head.third, headers: head.headers };
}

/** A client's CONNECT request, as a proxy reads it. */
export interface ConnectRequest {
  /** The method (CONNECT, or another for plain-HTTP forwarding). */
  method: string;
  /** The request target: `host:port` for CONNECT. */
  target: string;
  headers: [string, string][];
}

/**
 * A request head, as a proxy reads it.
 *
 * @throws {HttpProxyProtocolError} when it is not an HTTP/1.x request
 */
export function parseRequestHead(bytes: Uint8Array): ConnectRequest {
  const head = parseHead(bytes);
  if (!/^[A-Z][A-Z-]*$/.test(head.first) || !/^HTTP\/1\.[01]$/.test(head.third)) {
    throw new HttpProxyProtocolError("not an HTTP/1 request");
  }
  return { method: head.first, target: head.second, headers: head.headers };
}

/** The first value of header `name` (lowercase). */
export function headerValue(headers: [string, string][], name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

/**
 * The login of a `Basic` credential (`Proxy-Authorization`'s value); undefined for another
 * scheme or a malformed one.
 */
export function parseBasicCredentials(value: string | undefined): BasicLogin | undefined {
  const m = value === undefined ? null : /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value);
  if (!m) return undefined;
  let binary: string;
  try {
    binary = atob(m[1]);
  } catch {
    return undefined;
  }
  const text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** A response head with no body: `HTTP/1.1 407 Proxy Authentication Required`, and fields. */
export function encodeResponse(
  status: number,
  reason: string,
  headers: [string, string][] = [],
): Uint8Array {
  const fields = headers.map(([n, v]) => `${n}: ${v}\r\n`).join("");
  const close = status === 200 ? "" : "Content-Length: 0\r\nConnection: close\r\n";
  return encoder.encode(`HTTP/1.1 ${status} ${reason}\r\n${fields}${close}\r\n`);
}

/**
 * Splits a CONNECT target (`host:port`, `[v6]:port`) into host and port; undefined when it is
 * not one.
 */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:\[\]/@]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}
