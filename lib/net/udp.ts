/**
 * UDP sockets: node:dgram behind one small class that turns its events into callbacks and
 * promises, with its 'error' listener attached at creation and kept until it is closed. Binding
 * to listen (one address or every interface) and "dialing" (a resolved peer, a bound source).
 *
 * node:dgram, not `Deno.listenDatagram`: the latter still needs `--unstable-net` in Deno 2.9.6
 * (docs/architecture.md says more).
 */
import dgram from "node:dgram";
import { NetError } from "../errors.ts";
import { formatAddress, ipFamily } from "./address.ts";
import type { UdpEndpoint } from "./endpoint.ts";
import { classifyFailure, toNetError } from "./errors.ts";
import { resolve } from "./resolve.ts";

export { MAX_DATAGRAM } from "../io/datagram_pump.ts";
import { MAX_DATAGRAM } from "../io/datagram_pump.ts";

/** A UDP peer: an address (IPv6 without brackets) and a port. */
export interface UdpAddress {
  /** The address as the socket reports it (IPv4-mapped on a dual-stack socket). */
  address: string;
  /** The port. */
  port: number;
}

/** Called with each datagram received: `data` is the datagram's own buffer. */
export type DatagramHandler = (data: Uint8Array, from: UdpAddress) => void;

/**
 * One bound UDP socket. Datagrams go to {@linkcode onDatagram} as they arrive (node:dgram has
 * no backpressure: a reader that cannot keep up queues or drops, as the kernel does); failures
 * after binding go to {@linkcode onError}.
 */
export class UdpSocket {
  /** Each datagram received. */
  onDatagram: DatagramHandler = () => {};
  /** A failure of the socket after it was bound (the listener stays attached until closed). */
  onError: (error: Error) => void = () => {};
  /** The address bound. */
  readonly address: string;
  /** The port bound. */
  readonly port: number;
  readonly #socket: dgram.Socket;
  #closed = false;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    const bound = socket.address();
    this.address = bound.address;
    this.port = bound.port;
    socket.on("message", (data: Uint8Array, from: dgram.RemoteInfo) => {
      this.onDatagram(data, { address: from.address, port: from.port });
    });
    socket.on("error", (e: Error) => {
      if (!this.#closed) this.onError(e);
    });
  }

  /**
   * Binds a socket of the address's family to `address`:`port` (0 for any free port);
   * `dualStack` lets an IPv6 socket on `::` take IPv4 datagrams too.
   *
   * @throws {NetError} address in use, not available, permission denied
   */
  static bind(address: string, port: number, dualStack = false): Promise<UdpSocket> {
    const v6 = ipFamily(address) === 6;
    return new Promise((resolve, reject) => {
      let socket: dgram.Socket;
      const failed = (e: unknown) => {
        try {
          socket?.close();
        } catch {
          // never bound
        }
        reject(bindError(e, address, port));
      };
      try {
        socket = dgram.createSocket({ type: v6 ? "udp6" : "udp4", ipv6Only: v6 && !dualStack });
        // Attached first: a failed bind is reported as an event.
        socket.once("error", failed);
        socket.bind(port, address, () => {
          socket.off("error", failed);
          resolve(new UdpSocket(socket));
        });
      } catch (e) {
        failed(e);
      }
    });
  }

  /** Whether the socket was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one datagram to `to` (an IP address); `done` is told when the system took it, or why
   * not. Without a promise: a forwarder sends tens of thousands a second.
   */
  send(data: Uint8Array, to: UdpAddress, done?: (error: Error | null) => void): void {
    if (this.#closed) {
      done?.(
        new NetError("other", `cannot send to ${formatAddress(to.address, to.port)}`, {
          detail: "the socket is closed",
        }),
      );
      return;
    }
    try {
      this.#socket.send(data, to.port, to.address, done && ((e) => done(e ?? null)));
    } catch (e) {
      done?.(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Sends one datagram, resolving once the system took it. */
  sendAsync(data: Uint8Array, to: UdpAddress): Promise<void> {
    return new Promise((resolve, reject) => {
      this.send(data, to, (e) => {
        if (e) reject(sendError(e, to, data.length));
        else resolve();
      });
    });
  }

  /** Closes the socket; idempotent. Its pending receive ends. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}

/** Why sending `size` bytes to `to` failed, typed. */
export function sendError(e: unknown, to: UdpAddress, size: number): Error {
  const where = `cannot send ${size} B to ${formatAddress(to.address, to.port)}`;
  if ((e as { code?: unknown })?.code === "EMSGSIZE") {
    return new NetError("other", where, {
      detail: "datagram too large",
      hint: `a datagram holds at most ${MAX_DATAGRAM} B`,
      cause: e,
    });
  }
  return toNetError(e, where);
}

function bindError(e: unknown, address: string, port: number): Error {
  const failure = classifyFailure(e);
  const hint = failure === "in-use"
    ? "choose another port, or stop the program using it"
    : failure === "permission" && port > 0 && port < 1024
    ? "ports below 1024 need privileges; choose a higher port"
    : undefined;
  return toNetError(e, `cannot listen on udp ${formatAddress(address, port)}`, hint);
}

/** A bound socket to serve on, and how to announce it. */
export interface UdpListening {
  /** The socket. */
  socket: UdpSocket;
  /** The address really bound: `127.0.0.1:43567`, `[::]:43567`. */
  address: string;
  /** The port really bound. */
  port: number;
  /** Extra words for the announcement: "(all interfaces, IPv4 and IPv6)". */
  scope: string;
}

/**
 * Binds where `endpoint` says: its host (a name is resolved), or without one every interface:
 * `::` dual-stack, or `0.0.0.0` where the host has no IPv6.
 *
 * @throws {NetError} address in use, not available, permission denied (1)
 * @throws {ResolveError} the host name did not resolve (3)
 */
export async function listenUdp(
  endpoint: UdpEndpoint,
  options: { family?: 4 | 6 } = {},
): Promise<UdpListening> {
  const made = (socket: UdpSocket, scope: string): UdpListening => ({
    socket,
    address: formatAddress(socket.address, socket.port),
    port: socket.port,
    scope,
  });
  if (endpoint.hostname !== undefined) {
    const { address } = await resolve(endpoint.hostname, { family: options.family });
    return made(await UdpSocket.bind(address, endpoint.port), "");
  }
  if (options.family !== 4) {
    try {
      return made(
        await UdpSocket.bind("::", endpoint.port, options.family !== 6),
        options.family === 6 ? "(all IPv6 interfaces)" : "(all interfaces, IPv4 and IPv6)",
      );
    } catch (e) {
      if (options.family === 6 || (e instanceof NetError && e.failure === "in-use")) throw e;
    }
  }
  return made(await UdpSocket.bind("0.0.0.0", endpoint.port), "(all IPv4 interfaces)");
}

/** Options for {@linkcode dialUdp}. */
export interface DialUdpOptions {
  /** Only this family's addresses (`-4`, `-6`). */
  family?: 4 | 6;
  /** No name lookup (`-n`). */
  numeric?: boolean;
  /** The local address to send from (`--source`). */
  source?: string;
  /** Gives up the lookup when aborted. */
  signal?: AbortSignal;
}

/** A socket that sends to one peer. */
export interface DialedUdp {
  /** The socket, bound to the source address (or any) and a free port. */
  socket: UdpSocket;
  /** The peer's address and port. */
  remote: UdpAddress;
  /** The peer as the user named it: `localhost:53`. */
  peer: string;
  /** How long the lookup took. */
  resolveMs: number;
}

/**
 * Resolves the endpoint's host and binds a socket to send to it: UDP has no connect, so this is
 * all "dialing" is; datagrams from anyone else are the caller's to ignore ({@linkcode sameAddress}).
 *
 * @throws {ResolveError} the host name did not resolve (3)
 * @throws {NetError} the source address cannot be bound (1)
 */
export async function dialUdp(
  endpoint: UdpEndpoint,
  options: DialUdpOptions = {},
): Promise<DialedUdp> {
  const hostname = endpoint.hostname ?? "localhost";
  const resolved = await resolve(hostname, {
    family: options.family,
    numericOnly: options.numeric,
    signal: options.signal,
  });
  const local = options.source ?? (resolved.family === 6 ? "::" : "0.0.0.0");
  const socket = await UdpSocket.bind(local, 0);
  return {
    socket,
    remote: { address: resolved.address, port: endpoint.port },
    peer: formatAddress(hostname, endpoint.port),
    resolveMs: resolved.ms,
  };
}

/** Whether two peers are one: the same port, and the same address (IPv4-mapped or not). */
export function sameAddress(a: UdpAddress, b: UdpAddress): boolean {
  return a.port === b.port && unmapped(a.address) === unmapped(b.address);
}

/** An IPv4-mapped IPv6 address as the IPv4 address it is; any other as it is. */
export function unmapped(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".")
    ? address.slice("::ffff:".length)
    : address;
}
