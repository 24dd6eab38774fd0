/** Dialing an endpoint: resolve, connect (within a timeout), and hand back a `Deno.Conn`. */
import { NetError, ResolveError, TimeoutError, TlsError } from "../errors.ts";
import { resolveAll } from "./resolve.ts";
import { formatAddress } from "./address.ts";
import { type Endpoint, formatEndpoint } from "./endpoint.ts";
import { escapeText } from "../io/escape.ts";
import { deadline } from "../io/timers.ts";
import { classifyFailure, isAbortTimeout, toNetError } from "./errors.ts";
import type { TlsClientOptions, TlsSession } from "./tls.ts";
import { dialThroughProxy } from "./proxy_hop.ts";
import type { ProxyUrl } from "./proxy_url.ts";

/** Options for {@linkcode dial}. */
export interface DialOptions {
  /** Give up after this many milliseconds (exit 4); the system's own timeout otherwise. */
  timeoutMs?: number;
  /** Only addresses of this family (`-4`, `-6`). */
  family?: 4 | 6;
  /** Take the host as an address literal, with no name lookup (`-n`). */
  numeric?: boolean;
  /** How to trust the server, for a TLS endpoint. */
  tls?: TlsClientOptions;
  /** The local address to connect from (`--source`). */
  source?: string;
  /** Reach TCP endpoints through this proxy (`--proxy`); TLS then runs through it, end to end. */
  proxy?: ProxyUrl;
  /**
   * Plain TCP connections that can be reset (node:net's, see tcp_conn.ts): a forwarder carries
   * a reset from one end to the other. TLS and Unix sockets are Deno's, closed with a FIN.
   */
  resettable?: boolean;
}

/** connect's connect timeout when none is given: a host that drops SYNs is not waited on for minutes. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A TLS handshake's bound when no --timeout is given: a server that never answers one. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** A connection made by {@linkcode dial}. */
export interface Dialed {
  /** The connection; over TCP, with Nagle's algorithm off (a person's lines go out as typed). */
  conn: Deno.Conn;
  /** The endpoint as the user gave it, `HOST:PORT` or `unix:/path`, for messages. */
  peer: string;
  /** How long the name lookup took, in milliseconds (0 for an address or a Unix socket). */
  resolveMs: number;
  /** How long the connect took, in milliseconds. */
  connectMs: number;
  /** For a TLS endpoint: the session (protocol, certificate, how it was trusted). */
  tls?: TlsSession;
}

/**
 * Connects to `endpoint`. A name is resolved first; its addresses are tried in turn, as nc does,
 * until one accepts. A connection that the kernel made to itself (its source port chosen equal
 * to the destination port on the same address, with nothing listening) is a refused connect.
 * A TLS endpoint then has its handshake, and the server's certificate is verified as
 * `options.tls` says (by default: the chain and the name, against the system's roots).
 *
 * @throws {ResolveError} the name did not resolve (3)
 * @throws {TimeoutError} no connection within `timeoutMs` (4)
 * @throws {NetError} refused, unreachable, or any other failure (1)
 * @throws {TlsError} the handshake failed or the certificate is not trusted (5)
 */
export async function dial(endpoint: Endpoint, options: DialOptions = {}): Promise<Dialed> {
  const dialed = await plainConnect(endpoint, options);
  if (!endpoint.tls || endpoint.kind !== "tcp") return dialed;
  // node:tls and its streams are loaded only for a TLS endpoint: a plain connect starts faster.
  const { startTls, NativeTlsFailure } = await import("./tls.ts");
  const context = `TLS with ${dialed.peer}`;
  const tls = {
    ...options.tls,
    timeoutMs: options.tls?.timeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS,
    // With --ca, Deno's TLS may be asked on a second connection (--ca adds to the system's roots).
    reconnect: async () => (await plainConnect(endpoint, options)).conn,
  };
  try {
    const { conn, session } = await startTls(dialed.conn, endpoint.hostname, context, tls);
    return { ...dialed, conn, tls: session };
  } catch (e) {
    try {
      dialed.conn.close();
    } catch {
      // closed with the TLS socket
    }
    if (!(e instanceof NativeTlsFailure)) throw e;
    throw await explainTlsFailure(endpoint, options, context, e.detail);
  }
}

/**
 * Why Deno's TLS refused a server, found by asking node:tls on a second connection (Deno's says
 * too little: no certificate, words for people): expired, for another name, an unknown issuer,
 * not TLS at all. When the server does not take a second connection, Deno's words are the reason.
 */
async function explainTlsFailure(
  endpoint: Endpoint & { kind: "tcp" },
  options: DialOptions,
  context: string,
  detail: string,
): Promise<Error> {
  const { startTls } = await import("./tls.ts");
  try {
    const again = await plainConnect(endpoint, options);
    try {
      const { conn, session } = await startTls(again.conn, endpoint.hostname, context, {
        ...options.tls,
        timeoutMs: options.tls?.timeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS,
        inspect: true,
      });
      conn.close();
      if (session.failure) return new TlsError(session.failure, context);
    } catch (e) {
      // Only a reason about the server itself: a second connection cut short says nothing,
      // unless the server asked for a client certificate before it cut it.
      if (e instanceof TlsError && e.failure.kind === "not-tls") return e;
      if (e instanceof TlsError && e.failure.kind === "handshake" && e.failure.clientCertificate) {
        return e;
      }
    }
  } catch {
    // no second connection: Deno's words will do
  }
  return new TlsError({ kind: "handshake", detail }, context);
}

/** The connection under TLS: straight to the endpoint, or through the proxy's hop. */
function plainConnect(endpoint: Endpoint, options: DialOptions): Promise<Dialed> {
  if (!options.proxy || endpoint.kind !== "tcp") return connectTo(endpoint, options);
  // TLS through the proxy runs over the connection to it: Deno's TLS needs Deno's socket.
  const toProxy: DialOptions = { ...options, resettable: options.resettable && !endpoint.tls };
  return dialThroughProxy(endpoint, options.proxy, toProxy, connectTo);
}

/** The plain connection: a Unix socket, or TCP to the first of a name's addresses that accepts. */
async function connectTo(endpoint: Endpoint, options: DialOptions): Promise<Dialed> {
  // A Unix socket's path is the user's text, shown in every message about the connection.
  const peer = escapeText(formatEndpoint(endpoint));
  const context = `cannot connect to ${peer}`;
  const limit = options.timeoutMs === undefined ? undefined : deadline(options.timeoutMs);
  const signal = limit?.signal;
  const started = performance.now();
  try {
    if (endpoint.kind === "unix") {
      const conn = await Deno.connect({ transport: "unix", path: endpoint.path });
      return { conn, peer, resolveMs: 0, connectMs: performance.now() - started };
    }
    const resolved = await resolveAll(endpoint.hostname, {
      family: options.family,
      numericOnly: options.numeric,
      signal,
    });
    const connecting = performance.now();
    let failure: unknown;
    for (const { address } of resolved.addresses) {
      try {
        const conn = options.resettable && !endpoint.tls
          ? await connectResettable(address, endpoint.port, options.source, signal)
          : options.source === undefined
          ? await Deno.connect({ hostname: address, port: endpoint.port, signal })
          : await connectFrom(address, endpoint.port, options.source, signal);
        if (isSelfConnect(conn)) {
          conn.close();
          throw new NetError("refused", context);
        }
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
        return { conn, peer, resolveMs: resolved.ms, connectMs: performance.now() - connecting };
      } catch (e) {
        failure = e;
        if (signal?.aborted) break;
      }
    }
    throw failure;
  } catch (e) {
    if (e instanceof ResolveError) throw e;
    // Descriptors ran out: node:net's listeners must listen anew (tcp_conn.ts).
    if (tcpConn && classifyFailure(e) === "too-many-files") (await tcpConn).noteShortage();
    if (signal?.aborted && (isAbortTimeout(e) || isAbortTimeout(signal.reason))) {
      throw new TimeoutError("connect", options.timeoutMs!, context, { cause: e });
    }
    throw toNetError(e, context);
  } finally {
    limit?.clear();
  }
}

/**
 * Connects from a chosen local address. Deno.connect cannot bind one, node:net can: its socket
 * is then wrapped as a `Deno.Conn`.
 */
async function connectFrom(
  hostname: string,
  port: number,
  source: string,
  signal: AbortSignal | undefined,
): Promise<Deno.Conn> {
  const [{ connect: netConnect }, { SocketConn }] = await Promise.all([
    import("node:net"),
    import("./node_conn.ts"),
  ]);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: hostname, port, localAddress: source, noDelay: true });
    const onAbort = () => {
      socket.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("error", (e: Error & { syscall?: string }) => {
      signal?.removeEventListener("abort", onAbort);
      reject(bindError(e, source) ?? e);
    });
    socket.once("connect", () => {
      signal?.removeEventListener("abort", onAbort);
      const addr = (host: string | undefined, at: number | undefined): Deno.NetAddr => ({
        transport: "tcp",
        hostname: host ?? "",
        port: at ?? 0,
      });
      resolve(
        new SocketConn(socket, {
          localAddr: addr(socket.localAddress, socket.localPort),
          remoteAddr: addr(socket.remoteAddress, socket.remotePort),
        }),
      );
    });
  });
}

/** tcp_conn.ts (and node:net), loaded once, on the first connection that can be reset. */
let tcpConn: Promise<typeof import("./tcp_conn.ts")> | undefined;

/** A node:net connection that can be reset (tcp_conn.ts), from `source` if given. */
async function connectResettable(
  hostname: string,
  port: number,
  source: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Deno.Conn> {
  const { connectTcp } = await (tcpConn ??= import("./tcp_conn.ts"));
  try {
    return await connectTcp(hostname, port, { signal, localAddress: source });
  } catch (e) {
    throw (source !== undefined && bindError(e, source)) || e;
  }
}

/** Binding fails for an address that is not this host's (node says EINVAL or EADDRNOTAVAIL). */
function bindError(e: unknown, source: string): NetError | undefined {
  if ((e as { syscall?: string })?.syscall !== "bind") return undefined;
  return new NetError("not-available", `cannot connect from ${source}`, {
    hint: "--source takes an address of one of this host's interfaces",
    cause: e,
  });
}

/** True when a TCP connection's two ends are one address and port: a connection to itself. */
function isSelfConnect(conn: Deno.Conn): boolean {
  const local = conn.localAddr;
  const remote = conn.remoteAddr;
  if (!("hostname" in local) || !("hostname" in remote)) return false;
  return local.port === remote.port &&
    formatAddress(local.hostname, 0) === formatAddress(remote.hostname, 0);
}
