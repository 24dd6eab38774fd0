/**
 * UDP sockets: Deno's own datagram sockets (`Deno.listenDatagram`, which needs `--unstable-net`)
 * behind one small class that turns them into callbacks: one receive loop per socket into a
 * reused buffer, each datagram copied out at its own size; sends without a promise each, bounded
 * in number. Binding to listen (one address or every interface) and "dialing" (a resolved peer,
 * a bound source).
 *
 * Not node:dgram: under Deno its receives allocate and zero a fresh 64 KiB buffer per datagram,
 * which made forward -u 3 times slower and cost 64 KiB per idle socket (docs/architecture.md,
 * docs/benchmarks.md).
 */
import { NetError } from "../errors.ts";
import { formatAddress, ipFamily } from "./address.ts";
import type { UdpEndpoint } from "./endpoint.ts";
import { classifyFailure, isClosedLocally, toNetError } from "./errors.ts";
import { ReceiveBuffers } from "./receive_buffers.ts";
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

/** Called with each datagram received: `data` is the datagram's own buffer, its exact size. */
export type DatagramHandler = (data: Uint8Array, from: UdpAddress) => void;

/**
 * The most bytes handed to the system and not yet seen taken, over every socket of the process.
 * Sends on loopback and a LAN complete at once; past this bound (send buffers that stay full) a
 * datagram is dropped with an error, as UDP may, rather than held in memory without end.
 */
export const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
let bytesInFlight = 0;

/** Every socket's receive buffer comes from here. */
const receiveBuffers = new ReceiveBuffers();

/**
 * One bound UDP socket. Datagrams go to {@linkcode onDatagram} as they arrive, one at a time: the
 * socket receives the next once the handler has returned (a slow handler leaves datagrams to the
 * kernel's receive buffer, which drops them when full); failures after binding go to
 * {@linkcode onError}.
 */
export class UdpSocket {
  /** A failure of the socket after it was bound; receiving stops (the owner closes it). */
  onError: (error: Error) => void = () => {};
  /** The address bound. */
  readonly address: string;
  /** The port bound. */
  readonly port: number;
  readonly #conn: Deno.DatagramConn;
  /** An IPv6 socket asked not to take IPv4: datagrams from IPv4-mapped senders are ignored. */
  readonly #ipv6Only: boolean;
  #onDatagram: DatagramHandler = () => {};
  #receiving = false;
  #closed = false;
  /** Sends waiting for the one in flight, in order. */
  #queue: { data: Uint8Array; to: UdpAddress; done?: (error: Error | null) => void }[] = [];
  #sending = false;

  private constructor(conn: Deno.DatagramConn, ipv6Only: boolean) {
    this.#conn = conn;
    this.#ipv6Only = ipv6Only;
    const bound = conn.addr as Deno.NetAddr;
    this.address = bound.hostname;
    this.port = bound.port;
  }

  /**
   * Binds a socket of the address's family to `address`:`port` (0 for any free port);
   * `dualStack` lets an IPv6 socket on `::` take IPv4 datagrams too.
   *
   * @throws {NetError} address in use, not available, permission denied; UDP without
   *   `--unstable-net`
   */
  static bind(address: string, port: number, dualStack = false): Promise<UdpSocket> {
    try {
      if (typeof Deno.listenDatagram !== "function") {
        throw new NetError("other", `cannot listen on udp ${formatAddress(address, port)}`, {
          detail: "UDP needs Deno's --unstable-net flag",
          hint: "run tcpkit as released, or add --unstable-net to deno run",
        });
      }
      const conn = Deno.listenDatagram({ transport: "udp", hostname: address, port });
      return Promise.resolve(new UdpSocket(conn, ipFamily(address) === 6 && !dualStack));
    } catch (e) {
      return Promise.reject(e instanceof NetError ? e : bindError(e, address, port));
    }
  }

  /** Each datagram received. Receiving starts once a handler is set, so that none is missed. */
  get onDatagram(): DatagramHandler {
    return this.#onDatagram;
  }

  set onDatagram(handler: DatagramHandler) {
    this.#onDatagram = handler;
    if (!this.#receiving && !this.#closed) {
      this.#receiving = true;
      void this.#receive();
    }
  }

  /** Whether the socket was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Receives until closed or failed, into one reused buffer; never rejects. */
  async #receive(): Promise<void> {
    const buffer = receiveBuffers.take();
    try {
      while (!this.#closed) {
        let datagram: Uint8Array;
        let from: Deno.NetAddr;
        try {
          const [view, sender] = await this.#conn.receive(buffer);
          // Copied out at its own size: the buffer takes the next datagram.
          datagram = view.slice();
          from = sender as Deno.NetAddr;
        } catch (e) {
          if (this.#closed || isClosedLocally(e)) return;
          // An ICMP error (port unreachable) reported on a receive: Linux does so only on a
          // connected socket, which these never are, but one such error is no reason to stop.
          const failure = classifyFailure(e);
          if (failure === "refused" || failure === "host-unreachable") continue;
          this.#fail(e);
          return;
        }
        if (this.#ipv6Only && from.hostname.startsWith("::ffff:")) continue;
        try {
          this.#onDatagram(datagram, { address: from.hostname, port: from.port });
        } catch (e) {
          this.#fail(e);
          return;
        }
      }
    } finally {
      // The receive has ended: nothing writes into the buffer any more.
      receiveBuffers.give(buffer);
    }
  }

  #fail(e: unknown): void {
    if (!this.#closed) this.onError(e instanceof Error ? e : new Error(String(e)));
  }

  /**
   * Sends one datagram to `to` (an IP address); `done` is told when the system took it, or why
   * not. Without a promise to await: a forwarder sends tens of thousands a second.
   */
  send(data: Uint8Array, to: UdpAddress, done?: (error: Error | null) => void): void {
    const size = data.length;
    if (this.#closed || bytesInFlight + size > MAX_BYTES_IN_FLIGHT) {
      done?.(
        new NetError("other", `cannot send ${size} B to ${formatAddress(to.address, to.port)}`, {
          detail: this.#closed ? "the socket is closed" : "too many datagrams waiting to be sent",
        }),
      );
      return;
    }
    bytesInFlight += size;
    // One send at a time on a socket: sends started in the same turn of the event loop reach
    // the system in no set order (a burst of eight went out reversed), and datagrams keep theirs.
    if (this.#sending) this.#queue.push({ data, to, done });
    else this.#start(data, to, done);
  }

  #start(data: Uint8Array, to: UdpAddress, done?: (error: Error | null) => void): void {
    this.#sending = true;
    const finish = (error: Error | null) => {
      bytesInFlight -= data.length;
      done?.(error);
      const next = this.#queue.shift();
      if (next === undefined) this.#sending = false;
      else if (this.#closed) {
        this.#sending = false;
        for (const waiting of [next, ...this.#queue.splice(0)]) {
          bytesInFlight -= waiting.data.length;
          waiting.done?.(new NetError("other", "cannot send", { detail: "the socket is closed" }));
        }
      } else this.#start(next.data, next.to, next.done);
    };
    let sending: Promise<number>;
    try {
      sending = this.#conn.send(data, { transport: "udp", hostname: to.address, port: to.port });
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    sending.then(() => finish(null), (e) => finish(e instanceof Error ? e : new Error(String(e))));
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

  /** Closes the socket; idempotent. Its pending receive ends, and no handler is called again. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
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
