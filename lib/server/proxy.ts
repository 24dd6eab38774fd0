/**
 * The proxy mode: SOCKS5 and HTTP on one port, told apart by the client's first byte (5 is
 * SOCKS5, a letter is HTTP). SOCKS5 CONNECT and HTTP CONNECT become a tunnel carried by the one
 * duplex pump; plain-HTTP requests (`GET http://…`) are forwarded by node:http, which parses
 * them. Every client is bounded: its handshake within a time limit, every message and head
 * within a size limit; the destination is checked on the address really dialled.
 */
import { describeError, NetError, ProxyError, ResolveError, TimeoutError } from "../errors.ts";
import { connSink, connSource, writeAll } from "../io/chunks.ts";
import { duplex, failureOf } from "../io/duplex.ts";
import { escapeText } from "../io/escape.ts";
import { formatAddress } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { dial, type Dialed, type DialOptions } from "../net/dial.ts";
import type { Destinations } from "../net/destinations.ts";
import { resolveAll } from "../net/resolve.ts";
import {
  encodeResponse,
  headEnd,
  headerValue,
  HttpProxyProtocolError,
  parseAuthority,
  parseBasicCredentials,
  parseRequestHead,
} from "../protocol/http_connect.ts";
import {
  encodeLoginStatus,
  encodeMethodChoice,
  encodeReply,
  parseGreeting,
  parseLogin,
  parseRequest,
  Socks5ProtocolError,
  SocksCommand,
  SocksMethod,
  SocksReply,
} from "../protocol/socks5.ts";
import type { Reporter } from "../report.ts";
import { type Handler, handlerOf, type SessionSummary } from "./server.ts";
import { type Session, sessionEnd } from "./session.ts";
import { associate } from "./socks5_udp.ts";

/** What the proxy gives all its sessions. */
export interface ProxyServerOptions {
  /** The logins accepted; anyone when empty. */
  auth: { username: string; password: string }[];
  /** Where clients may connect to. */
  destinations: Destinations;
  /** How destinations are dialled: timeout, family, an upstream proxy. */
  dial: DialOptions;
  /** A client's handshake must be over within this long. */
  handshakeTimeoutMs: number;
  reporter: Reporter;
}

/** The most bytes of an HTTP request head taken (more is answered 431 and closed). */
export const MAX_REQUEST_HEAD = 64 * 1024;
/** The read buffer of the handshake. */
const HANDSHAKE_READ = 4096;
/** A SOCKS5 client's messages before its request (greeting, login, request: 3 + 513 + 262). */
const MAX_SOCKS_BYTES = 1024;

/** How a proxied connection ended, for its log line. */
export type ProxyEnd =
  | "closed"
  | "client-reset"
  | "target-reset"
  | "client-error"
  | "target-error"
  | "shutdown"
  | "denied"
  | "login-refused"
  | "unreachable"
  | "bad-request"
  | "handshake-timeout"
  | "no-request";

/** The proxy mode's handler. */
export function proxyHandler(options: ProxyServerOptions): Handler {
  const http = new PlainHttp(options);
  return handlerOf((session) => proxyOne(session, options, http));
}

/** A session's handshake so far: what the client asked for, and who it is. */
interface Asked {
  protocol: "socks5" | "socks5-udp" | "http" | "socks4" | "unknown";
  user?: string;
  target?: string;
}

/** Bytes read from the client and not yet used. */
class Pending {
  bytes = new Uint8Array(0);

  constructor(readonly conn: Deno.Conn, readonly session: Session) {}

  /** Reads more; false at the client's end. */
  async more(limit: number): Promise<boolean> {
    if (this.bytes.length >= limit) throw new HttpProxyProtocolError("too long");
    const buffer = new Uint8Array(HANDSHAKE_READ);
    const n = await this.conn.read(buffer);
    if (n === null) return false;
    const joined = new Uint8Array(this.bytes.length + n);
    joined.set(this.bytes);
    joined.set(buffer.subarray(0, n), this.bytes.length);
    this.bytes = joined;
    this.session.idle?.touch();
    return true;
  }

  /** Drops the first `n` bytes (a message used). */
  take(n: number): void {
    this.bytes = this.bytes.slice(n);
  }
}

async function proxyOne(
  session: Session,
  options: ProxyServerOptions,
  http: PlainHttp,
): Promise<SessionSummary | void> {
  const asked: Asked = { protocol: "unknown" };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    session.close();
  }, options.handshakeTimeoutMs);
  // The handshake is a few small messages each way: none may wait for Nagle's algorithm.
  if ("setNoDelay" in session.conn) (session.conn as Deno.TcpConn).setNoDelay(true);
  const pending = new Pending(session.conn, session);
  let tunnel: Dialed | undefined;
  try {
    if (!await pending.more(1)) return summary(session, asked, "no-request");
    const first = pending.bytes[0];
    let opened: Opened;
    if (first === 5) opened = await socks5(pending, options, asked);
    else if (first === 4) {
      // SOCKS4 or 4a: answered "request rejected" (91), as its protocol has it.
      asked.protocol = "socks4";
      await writeAll(session.conn, new Uint8Array([0, 91, 0, 0, 0, 0, 0, 0]));
      return summary(session, asked, "bad-request", "SOCKS4 is not served; use SOCKS5");
    } else if (first >= 0x41 && first <= 0x7a) {
      asked.protocol = "http";
      const head = await readHead(pending);
      if (typeof head === "string") {
        const status = head === "too long" ? 431 : 400;
        await writeAll(session.conn, encodeResponse(status, STATUS[status]));
        return summary(session, asked, "bad-request", head);
      }
      const request = parseRequestHead(head.bytes);
      if (request.method !== "CONNECT") {
        clearTimeout(timer);
        return await http.serve(session, pending.bytes, asked);
      }
      opened = await httpConnect(pending, head.length, request, options, asked);
    } else {
      return summary(session, asked, "bad-request", "neither SOCKS5 nor HTTP");
    }
    if ("end" in opened) return summary(session, asked, opened.end, opened.reason);
    if ("associate" in opened) {
      clearTimeout(timer);
      return await associate(session, opened.associate, asked.user, {
        destinations: options.destinations,
        family: options.dial.family,
        numeric: options.dial.numeric,
        reporter: options.reporter,
      });
    }
    tunnel = opened.dialed;
    clearTimeout(timer);
    return await relay(session, tunnel, pending.bytes, asked);
  } catch (e) {
    if (timedOut) return summary(session, asked, "handshake-timeout");
    if (e instanceof Socks5ProtocolError || e instanceof HttpProxyProtocolError) {
      return summary(session, asked, "bad-request", e.message);
    }
    throw e;
  } finally {
    clearTimeout(timer);
    if (tunnel) closeQuietly(tunnel.conn);
  }
}

/** A tunnel opened, a UDP association asked for, or how the handshake ended without either. */
type Opened =
  | { dialed: Dialed }
  | { associate: { host: string; port: number } }
  | { end: ProxyEnd; reason?: string };

/** The SOCKS5 handshake up to the reply. */
async function socks5(pending: Pending, options: ProxyServerOptions, asked: Asked) {
  asked.protocol = "socks5";
  const conn = pending.conn;
  const whole = async <T extends { length: number }>(parse: (b: Uint8Array) => T | undefined) => {
    for (;;) {
      const parsed = parse(pending.bytes);
      if (parsed) {
        pending.take(parsed.length);
        return parsed;
      }
      if (!await pending.more(MAX_SOCKS_BYTES)) return undefined;
    }
  };
  const greeting = await whole(parseGreeting);
  if (!greeting) return { end: "no-request" as const };
  const wanted = options.auth.length > 0 ? SocksMethod.login : SocksMethod.none;
  const method = greeting.methods.includes(wanted) ? wanted : SocksMethod.noAcceptable;
  await writeAll(conn, encodeMethodChoice(method));
  if (method === SocksMethod.noAcceptable) {
    return {
      end: "login-refused" as const,
      reason: wanted === SocksMethod.login ? "no login offered" : "no method offered",
    };
  }
  if (method === SocksMethod.login) {
    const login = await whole(parseLogin);
    if (!login) return { end: "no-request" as const };
    asked.user = escapeText(login.username);
    const ok = accepts(options, login.username, login.password);
    await writeAll(conn, encodeLoginStatus(ok));
    if (!ok) return { end: "login-refused" as const };
  }
  const request = await whole(parseRequest);
  if (!request) return { end: "no-request" as const };
  const { host, port } = request.address;
  if (request.command === SocksCommand.udpAssociate) {
    asked.protocol = "socks5-udp";
    // Datagrams cannot go through an upstream proxy's TCP tunnel, and must not bypass it.
    if (!options.dial.proxy) return { associate: { host, port } };
    await writeAll(conn, encodeReply(SocksReply.commandNotSupported));
    return {
      end: "bad-request" as const,
      reason: "UDP ASSOCIATE is not served through an upstream proxy (--proxy)",
    };
  }
  asked.target = escapeText(formatAddress(host, port));
  if (request.command !== SocksCommand.connect) {
    await writeAll(conn, encodeReply(SocksReply.commandNotSupported));
    return {
      end: "bad-request" as const,
      reason: request.command === SocksCommand.bind
        ? "BIND is not served"
        : `command ${request.command}`,
    };
  }
  const opened = await openDestination(host, port, options);
  if ("dialed" in opened) {
    const local = opened.dialed.conn.localAddr as Deno.NetAddr;
    await writeAll(
      conn,
      encodeReply(SocksReply.succeeded, { host: local.hostname, port: local.port }),
    );
    return opened;
  }
  await writeAll(conn, encodeReply(opened.socks));
  return opened;
}

/** HTTP CONNECT up to the 200. */
async function httpConnect(
  pending: Pending,
  headLength: number,
  request: ReturnType<typeof parseRequestHead>,
  options: ProxyServerOptions,
  asked: Asked,
): Promise<Opened> {
  pending.take(headLength);
  const conn = pending.conn;
  const authority = parseAuthority(request.target);
  if (!authority) {
    await writeAll(conn, encodeResponse(400, STATUS[400]));
    return { end: "bad-request", reason: "CONNECT wants HOST:PORT" };
  }
  asked.target = escapeText(formatAddress(authority.host, authority.port));
  const login = checkBasic(options, headerValue(request.headers, "proxy-authorization"), asked);
  if (login) {
    await writeAll(conn, encodeResponse(407, STATUS[407], [...PROXY_AUTHENTICATE]));
    return { end: "login-refused", reason: login };
  }
  const opened = await openDestination(authority.host, authority.port, options);
  if ("dialed" in opened) {
    await writeAll(conn, encodeResponse(200, "Connection established"));
    return opened;
  }
  await writeAll(conn, encodeResponse(opened.http, STATUS[opened.http]));
  return opened;
}

const PROXY_AUTHENTICATE: [string, string][] = [["Proxy-Authenticate", 'Basic realm="tcpkit"']];

const STATUS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  407: "Proxy Authentication Required",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  504: "Gateway Timeout",
};

/** Undefined when the credential is one of --auth's (or none is asked for); else why not. */
function checkBasic(
  options: ProxyServerOptions,
  value: string | undefined,
  asked: Asked,
): string | undefined {
  if (options.auth.length === 0) return undefined;
  const login = parseBasicCredentials(value);
  if (!login) return value === undefined ? "no login given" : "a malformed login";
  asked.user = escapeText(login.username);
  return accepts(options, login.username, login.password) ? undefined : "the login was refused";
}

function accepts(options: ProxyServerOptions, username: string, password: string): boolean {
  // Every login is compared in full, whichever matches, so timing tells nothing.
  let ok = false;
  for (const login of options.auth) {
    ok = constantTimeEqual(login.username, username) &&
        constantTimeEqual(login.password, password) || ok;
  }
  return ok;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** A tunnel opened, or why not with the SOCKS reply and HTTP status that say so. */
type Destination = { dialed: Dialed } | {
  end: ProxyEnd;
  reason: string;
  socks: number;
  http: number;
};

/**
 * Resolves the destination here, checks each address against --allow-to/--deny-to, and dials
 * the permitted ones in turn (through the upstream proxy, when there is one).
 */
export async function openDestination(
  host: string,
  port: number,
  options: ProxyServerOptions,
): Promise<Destination> {
  let addresses: string[];
  try {
    const resolved = await resolveAll(host, {
      family: options.dial.family,
      numericOnly: options.dial.numeric,
    });
    addresses = resolved.addresses.map((a) => a.address);
  } catch (e) {
    return {
      end: "unreachable",
      reason: describeError(e).message,
      socks: SocksReply.hostUnreachable,
      http: 502,
    };
  }
  const name = addresses[0] === host ? undefined : host;
  const permitted = addresses.filter((a) => !options.destinations.refuses(name, a, port));
  if (permitted.length === 0) {
    const rule = options.destinations.refuses(name, addresses[0], port)!;
    return {
      end: "denied",
      reason: `${formatAddress(addresses[0], port)} refused by ${rule}`,
      socks: SocksReply.notAllowed,
      http: 403,
    };
  }
  let failure: unknown;
  for (const address of permitted) {
    try {
      return {
        dialed: await dial({ kind: "tcp", hostname: address, port, tls: false }, options.dial),
      };
    } catch (e) {
      failure = e;
    }
  }
  return {
    end: "unreachable",
    reason: describeError(failure).message,
    socks: socksReplyOf(failure),
    http: failure instanceof TimeoutError ? 504 : 502,
  };
}

/** The SOCKS reply for a failed dial. */
function socksReplyOf(e: unknown): number {
  if (e instanceof ProxyError && e.failure.kind === "socks-reply") return e.failure.code;
  if (e instanceof TimeoutError || e instanceof ResolveError) return SocksReply.hostUnreachable;
  if (e instanceof NetError) {
    switch (e.failure) {
      case "refused":
        return SocksReply.connectionRefused;
      case "host-unreachable":
        return SocksReply.hostUnreachable;
      case "network-unreachable":
        return SocksReply.networkUnreachable;
    }
  }
  return SocksReply.generalFailure;
}

/** Reads the HTTP head: its bytes and length, or why not (`too long`, `closed`). */
async function readHead(
  pending: Pending,
): Promise<{ bytes: Uint8Array; length: number } | string> {
  for (;;) {
    const end = headEnd(pending.bytes);
    if (end >= 0) return { bytes: pending.bytes.subarray(0, end), length: end };
    if (pending.bytes.length >= MAX_REQUEST_HEAD) return "too long";
    if (!await pending.more(MAX_REQUEST_HEAD + HANDSHAKE_READ)) return "closed before its head";
  }
}

/** The tunnel: the client's early bytes first, then both ways through the duplex pump. */
async function relay(
  session: Session,
  target: Dialed,
  early: Uint8Array,
  asked: Asked,
): Promise<SessionSummary> {
  const backend = target.conn;
  session.onClose = () => closeQuietly(backend);
  if (early.length > 0) {
    await writeAll(backend, early);
    session.countReceived(early.length);
  }
  const result = await duplex(sessionEnd(session), {
    source: connSource(backend),
    sink: connSink(backend),
    close: () => closeQuietly(backend),
  }, { onAToB: (n) => session.countReceived(n) });
  const failure = failureOf(result);
  const client = failure && (failure.leg === "aToB") === (failure.side === "read");
  const end: ProxyEnd = session.closedByUs
    ? "shutdown"
    : !failure
    ? "closed"
    : client
    ? (isReset(failure.cause) ? "client-reset" : "client-error")
    : (isReset(failure.cause) ? "target-reset" : "target-error");
  return summary(session, asked, end);
}

function isReset(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    (e as { code?: string })?.code === "ECONNRESET";
}

const ENDS: Record<ProxyEnd, string> = {
  "closed": "closed",
  "client-reset": "reset by the client",
  "target-reset": "reset by the target",
  "client-error": "failed on the client's side",
  "target-error": "failed on the target's side",
  "shutdown": "closed at shutdown",
  "denied": "denied",
  "login-refused": "login refused",
  "unreachable": "target not reached",
  "bad-request": "bad request",
  "handshake-timeout": "no request within the handshake timeout",
  "no-request": "closed before a request",
};

/** The session's one log line: who, as whom, to where, the bytes, how it ended. */
function summary(
  session: Session,
  asked: Asked,
  end: ProxyEnd,
  reason?: string,
): SessionSummary {
  const target = asked.target ?? null;
  return {
    event: "closed",
    fields: {
      protocol: asked.protocol,
      user: asked.user ?? null,
      target,
      end,
      ...(reason ? { reason } : {}),
    },
    text: `${asked.protocol}${asked.user ? ` ${asked.user}` : ""}` +
      `${target ? ` -> ${target}` : ""}: ${session.describe()}; ${ENDS[end]}` +
      (reason ? ` (${reason})` : ""),
  };
}

/**
 * Plain-HTTP forwarding (`GET http://host/path`): node:http parses the client's requests (as
 * many as it sends on the connection) and the origin's answers; each request's destination is
 * checked and dialled as a tunnel's is.
 */
class PlainHttp {
  readonly #options: ProxyServerOptions;
  #server: Promise<import("node:http").Server> | undefined;
  readonly #asked = new WeakMap<object, Asked>();

  constructor(options: ProxyServerOptions) {
    this.#options = options;
  }

  /** Serves the connection, whose first bytes were already read (`early`), until it closes. */
  async serve(session: Session, early: Uint8Array, asked: Asked): Promise<SessionSummary> {
    const server = await (this.#server ??= this.#create());
    const { streamOverConn } = await import("../net/node_conn.ts");
    const counted = countedConn(session);
    const stream = streamOverConn(counted);
    this.#asked.set(stream, asked);
    const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()));
    stream.on("error", () => {});
    session.onClose = () => stream.destroy();
    stream.unshift(early);
    session.countReceived(early.length);
    server.emit("connection", stream);
    await closed;
    return summary(session, asked, session.closedByUs ? "shutdown" : "closed");
  }

  async #create(): Promise<import("node:http").Server> {
    const http = await import("node:http");
    const { streamOverConn } = await import("../net/node_conn.ts");
    const server = http.createServer();
    server.on("clientError", (_e, socket) => socket.destroy());
    server.on("request", (req, res) => {
      const asked = this.#asked.get(req.socket) ?? { protocol: "http" };
      res.on("error", () => {});
      req.on("error", () => {});
      const refuse = (status: number, headers: [string, string][] = []) => {
        res.writeHead(status, STATUS[status] ?? "", Object.fromEntries(headers));
        res.end();
      };
      const problem = checkBasic(this.#options, req.headers["proxy-authorization"], asked);
      if (problem) return refuse(407, PROXY_AUTHENTICATE);
      let url: URL;
      try {
        url = new URL(req.url ?? "");
      } catch {
        return refuse(400);
      }
      if (url.protocol !== "http:") return refuse(400);
      const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
      const port = url.port === "" ? 80 : Number(url.port);
      asked.target = escapeText(formatAddress(host, port));
      openDestination(host, port, this.#options).then((opened) => {
        if (!("dialed" in opened)) return refuse(opened.http);
        const headers = { ...req.headers };
        for (const hop of HOP_BY_HOP) delete headers[hop];
        const upstream = http.request({
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers,
          host,
          port,
          setHost: false,
          createConnection: () => streamOverConn(opened.dialed.conn),
        });
        upstream.on("error", () => {
          if (!res.headersSent) refuse(502);
          else res.destroy();
        });
        // The answer done, or the client gone mid-request: the request to the origin ends, and
        // with it the connection dialled for it (an agent that took a pooled socket instead
        // would otherwise leave this one open).
        res.once("close", () => {
          upstream.destroy();
          closeQuietly(opened.dialed.conn);
        });
        upstream.on("response", (answer) => {
          const back = { ...answer.headers };
          for (const hop of HOP_BY_HOP) delete back[hop];
          answer.on("error", () => res.destroy());
          try {
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, back);
          } catch {
            // A status line or header node:http will not write again (a control character in
            // the reason): the origin's answer is refused, not the process ended.
            answer.destroy();
            upstream.destroy();
            return refuse(502);
          }
          answer.pipe(res);
        });
        req.pipe(upstream);
      }, () => refuse(502));
    });
    return server;
  }
}

/** Headers of one hop, not passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = [
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** The session's connection, its reads and writes counted and taken as activity. */
function countedConn(session: Session): Deno.Conn {
  const conn = session.conn;
  return Object.assign(Object.create(conn), {
    read: async (buffer: Uint8Array) => {
      const n = await conn.read(buffer);
      if (n !== null) session.countReceived(n);
      return n;
    },
    write: async (bytes: Uint8Array) => {
      const n = await conn.write(bytes);
      session.countSent(n);
      return n;
    },
    closeWrite: () => conn.closeWrite(),
    close: () => conn.close(),
  });
}
