/** Listening on an endpoint: one address, every interface over IPv4 and IPv6, or a Unix socket. */
import { NetError } from "../errors.ts";
import { formatAddress, formatNetAddr } from "./address.ts";
import { closeQuietly } from "./close.ts";
import { formatEndpoint, type ListenEndpoint } from "./endpoint.ts";
import { escapeText } from "../io/escape.ts";
import { classifyFailure, toNetError } from "./errors.ts";
import { resolve } from "./resolve.ts";
import type { listenTls as ListenTls, TlsServerOptions } from "./tls.ts";

/** The listeners for one endpoint and how to announce them. */
export interface Listening {
  /** One listener, or two for every interface where IPv4 and IPv6 are apart. */
  listeners: Deno.Listener[];
  /** The address really bound: `127.0.0.1:43567`, `[::]:43567`, `unix:/tmp/a.sock`. */
  address: string;
  /** The port really bound (useful when 0 was asked); undefined for a Unix socket. */
  port: number | undefined;
  /** Extra words for the announcement, such as "(all interfaces, IPv4 and IPv6)". */
  scope: string;
  /** Closes every listener (and removes the Unix socket's file); accepts then end. */
  close(): void;
  /**
   * For TLS listeners: each accepted connection's handshake (within a time), which resolves to
   * the connection to serve, so that a client that does not speak TLS fails before it is served.
   * Rejects with a TlsError.
   */
  handshake?: (conn: Deno.Conn, peer: string) => Promise<Deno.Conn>;
}

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /** The certificate and what to ask of clients, for a TLS endpoint. */
  tls?: TlsServerOptions;
  /** How long an accepted client has for its TLS handshake (default 10 s). */
  handshakeTimeoutMs?: number;
  /**
   * Plain TCP connections that can be reset (node:net's, see tcp_conn.ts): a forwarder carries
   * a reset from one end to the other. TLS and Unix sockets are Deno's, closed with a FIN.
   */
  resettable?: boolean;
}

/** A client's TLS handshake's bound, from accept to its end. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Listens on `endpoint`. Without a host: `[::]`, which is dual-stack on Linux and macOS, plus
 * `0.0.0.0` where the system keeps the two apart (Windows), or `0.0.0.0` alone where the host
 * has no IPv6. A Unix socket's file is made on listening and removed on close; a stale file
 * left by a server that is gone (nothing accepts on it) is replaced.
 *
 * @throws {NetError} address in use, not available, permission denied (1)
 * @throws {ResolveError} the host name did not resolve (3)
 */
export async function listen(
  endpoint: ListenEndpoint,
  options: ListenOptions = {},
): Promise<Listening> {
  if (endpoint.kind === "unix") return await listenUnix(endpoint.path);
  const { hostname, port } = endpoint;
  const tls = endpoint.tls ? options.tls : undefined;
  if (endpoint.tls && !tls) throw new Error("listen: a TLS endpoint needs its certificate");
  let handshake: ReturnType<typeof ListenTls>["handshake"] | undefined;
  // node:tls (for --client-ca) is loaded only for a TLS endpoint.
  const listenTls = tls ? (await import("./tls.ts")).listenTls : undefined;
  const open = async (host: string, at: number): Promise<Deno.Listener> => {
    const where = formatAddress(host, at);
    try {
      if (!tls && options.resettable) {
        return await (await import("./tcp_conn.ts")).listenTcp(host, at);
      }
      if (!tls || !listenTls) return Deno.listen({ hostname: host, port: at, transport: "tcp" });
      const opened = listenTls(host, at, tls);
      handshake = opened.handshake;
      return opened.listener;
    } catch (e) {
      throw listenError(e, at, where);
    }
  };
  const handshakeMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  const made = (listeners: Deno.Listener[], address: string, bound: number, scope: string) => {
    const result = listening(listeners, address, bound, scope);
    if (handshake) {
      const run = handshake;
      result.handshake = (conn, peer) => run(conn, `TLS with ${peer}`, handshakeMs);
    }
    return result;
  };
  if (hostname !== undefined) {
    // A name is resolved here, as dial resolves it: its failure says why (not found, no DNS
    // server), where Deno's own lookup would only say it failed.
    const { address } = await resolve(hostname);
    const listener = await open(address, port);
    const addr = listener.addr as Deno.NetAddr;
    return made([listener], formatNetAddr(addr), addr.port, "");
  }
  let v6: Deno.Listener;
  try {
    v6 = await open("::", port);
  } catch (e) {
    if (e instanceof NetError && e.failure === "in-use") throw e;
    const v4 = await open("0.0.0.0", port);
    const bound = (v4.addr as Deno.NetAddr).port;
    return made([v4], formatAddress("0.0.0.0", bound), bound, "(all IPv4 interfaces)");
  }
  const bound = (v6.addr as Deno.NetAddr).port;
  const listeners: Deno.Listener[] = [v6];
  try {
    listeners.push(await open("0.0.0.0", bound));
  } catch {
    // In use by our own dual-stack [::] socket: IPv4 is already covered.
  }
  return made(listeners, formatAddress("::", bound), bound, "(all interfaces, IPv4 and IPv6)");
}

function listening(
  listeners: Deno.Listener[],
  address: string,
  port: number | undefined,
  scope: string,
  onClose?: () => void,
): Listening {
  let closed = false;
  return {
    listeners,
    address,
    port,
    scope,
    close() {
      if (closed) return;
      closed = true;
      listeners.forEach(closeQuietly);
      onClose?.();
    },
  };
}

/** Why listening on `where` failed, typed. */
function listenError(e: unknown, port: number, where: string): Error {
  const failure = classifyFailure(e);
  const hint = failure === "in-use"
    ? "choose another port, or stop the program using it"
    : failure === "permission" && port < 1024
    ? "ports below 1024 need privileges; choose a higher port"
    : undefined;
  return toNetError(e, `cannot listen on ${where}`, hint);
}

async function listenUnix(path: string): Promise<Listening> {
  // The path is the user's text: shown escaped in the messages about it.
  const where = escapeText(formatEndpoint({ kind: "unix", path, tls: false }));
  const open = () => Deno.listen({ transport: "unix", path });
  let listener: Deno.UnixListener;
  try {
    listener = open();
  } catch (e) {
    if (classifyFailure(e) !== "in-use" || !(await isStaleSocket(path))) {
      throw toNetError(e, `cannot listen on ${where}`, inUseHint(e));
    }
    try {
      await Deno.remove(path);
      listener = open();
    } catch (again) {
      throw toNetError(again, `cannot listen on ${where}`, inUseHint(again));
    }
  }
  return listening([listener], where, undefined, "", () => {
    try {
      Deno.removeSync(path);
    } catch {
      // already gone
    }
  });
}

function inUseHint(e: unknown): string | undefined {
  return classifyFailure(e) === "in-use"
    ? "a server is listening on it; stop it, or choose another path"
    : undefined;
}

/** True when `path` is a socket file that nothing accepts on any more. */
async function isStaleSocket(path: string): Promise<boolean> {
  try {
    if (!(await Deno.lstat(path)).isSocket) return false;
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return false;
  } catch (e) {
    return classifyFailure(e) === "refused";
  }
}
