/**
 * TCP connections that can be reset: node:net sockets as `Deno.Conn`s. A `Deno.Conn` can only
 * be closed, and its close always sends a FIN (Deno shuts the sending side down when it drops
 * the socket, even after SO_LINGER 0 was set through a duplicate of its descriptor): a forwarder
 * could not tell one end that the other was reset. node:net's `resetAndDestroy()` sets
 * SO_LINGER 0 and closes, which sends an RST. The forwarder's plain TCP connections are these.
 */
import { readableOf, writableOf } from "./conn_streams.ts";
import * as net from "node:net";
import { type ChunkSource, MAX_BUFFER_SIZE as MAX_READ_SIZE } from "../io/chunks.ts";
import { resetQuietly, type Resettable } from "./close.ts";

/** The first read buffer of a connection: an idle connection holds only this. */
const INITIAL_READ_SIZE = 1024;
/**
 * Reads a socket into one buffer of its own (node:net's `onread`), which grows fourfold while
 * reads fill it, up to `MAX_BUFFER_SIZE` (256 KiB, lib/io/chunks.ts). Reading stops after each
 * read until its bytes are taken, so the socket holds one buffer's worth at most. (Smaller
 * buffers cost throughput: with 64 KiB, 1 GiB through the forwarder took 1.2 times as long and
 * 1.4 times the CPU, the pump's work per chunk.)
 */
class SocketReader {
  #buffer = new Uint8Array(INITIAL_READ_SIZE);
  /** The bytes read and not yet taken (a view of a read buffer), from #offset on. */
  held: Uint8Array | undefined;
  offset = 0;
  /** Called when bytes arrive, or the end, or an error. */
  wake: (() => void) | undefined;
  /** node:net's `onread` option for this reader. */
  readonly onread = {
    buffer: () => this.#buffer,
    callback: (n: number, buffer: Uint8Array): boolean => {
      this.held = buffer.subarray(0, n);
      this.offset = 0;
      if (n === buffer.length && buffer.length < MAX_READ_SIZE) {
        // The held bytes keep the old buffer; the next read gets a larger one.
        this.#buffer = new Uint8Array(Math.min(buffer.length * 4, MAX_READ_SIZE));
      }
      this.wake?.();
      return false; // stop reading until these bytes are taken
    },
  };
}

/** The readers of sockets made by a server (node:net gives them no other handle to us). */
const readers = new WeakMap<net.Socket, SocketReader>();

/**
 * A node:net TCP socket as a `Deno.Conn` that can also be reset. `read` and `write` keep Deno's
 * meaning: a reset by the peer rejects with `Deno.errors.ConnectionReset`, a write to a peer gone
 * with `BrokenPipe`, a read after our close resolves null.
 */
export class TcpConn implements Deno.Conn, Resettable {
  #socket: net.Socket;
  #localAddr: Deno.NetAddr | undefined;
  #remoteAddr: Deno.NetAddr | undefined;
  #reader: SocketReader | undefined;
  /** With no reader of ours (a runtime without `_createSocket`): the chunk a 'data' event gave. */
  #fallback: { held: Uint8Array | undefined; offset: number; wake?: () => void } | undefined;
  #ended = false;
  #closed = false;
  #error: unknown;
  #readable: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  #writable: WritableStream<Uint8Array<ArrayBufferLike>> | undefined;

  /**
   * Takes over `socket`, which is connected; `reader` is the one given as its `onread`; `remote`,
   * the address it was dialled to, when known (no system call to ask for it).
   */
  constructor(
    socket: net.Socket,
    reader?: SocketReader,
    remote?: { hostname: string; port: number },
  ) {
    this.#socket = socket;
    this.#reader = reader;
    if (remote) this.#remoteAddr = netAddr(remote.hostname, remote.port);
    const wake = () => this.#state.wake?.();
    if (!reader) {
      this.#fallback = { held: undefined, offset: 0 };
      socket.on("data", (data: Uint8Array) => {
        this.#fallback!.held = data;
        this.#fallback!.offset = 0;
        socket.pause();
        wake();
      });
    }
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("error", (e: unknown) => {
      this.#error ??= denoError(e);
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
    // Flowing: node:net emits 'end' only to a stream that flows (data goes to the reader).
    socket.resume();
  }

  /** This end's address (asked of the system once, when first wanted). */
  get localAddr(): Deno.NetAddr {
    return this.#localAddr ??= netAddr(this.#socket.localAddress, this.#socket.localPort);
  }

  /** The peer's address (asked of the system once, when first wanted). */
  get remoteAddr(): Deno.NetAddr {
    return this.#remoteAddr ??= netAddr(this.#socket.remoteAddress, this.#socket.remotePort);
  }

  get #state(): { held: Uint8Array | undefined; offset: number; wake?: () => void } {
    return (this.#reader ?? this.#fallback)!;
  }

  /** Waits for bytes: the held ones, or null at the end; throws the connection's error. */
  async #next(): Promise<Uint8Array | null> {
    const state = this.#state;
    for (;;) {
      if (this.#closed) return null;
      if (state.held !== undefined) return state.held.subarray(state.offset);
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => state.wake = resolve);
      state.wake = undefined;
    }
  }

  /** Marks `n` held bytes taken; reading goes on once all are. */
  #take(n: number): void {
    const state = this.#state;
    state.offset += n;
    if (state.offset < state.held!.length) return;
    state.held = undefined;
    if (!this.#closed) this.#socket.resume();
  }

  /** Reads into `buffer`: the bytes read, or null at the peer's end (or after our close). */
  async read(buffer: Uint8Array): Promise<number | null> {
    const bytes = await this.#next();
    if (bytes === null) return null;
    const n = Math.min(bytes.length, buffer.length);
    buffer.set(bytes.subarray(0, n));
    this.#take(n);
    return n;
  }

  /**
   * The connection's bytes as a {@linkcode ChunkSource} that lends its own read buffer (no copy):
   * a chunk is taken, and reading goes on, at the next call.
   */
  chunks(): ChunkSource {
    let lent = 0;
    return {
      next: async () => {
        if (lent > 0) {
          this.#take(lent);
          lent = 0;
        }
        const bytes = await this.#next();
        lent = bytes?.length ?? 0;
        return bytes;
      },
    };
  }

  /**
   * Writes all of `bytes`, resolved once they went to the system: until then they are not
   * copied, and must not change.
   */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("connection closed"));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (e?: Error | null) => {
        if (e) reject(this.#error ?? denoError(e));
        else resolve(bytes.length);
      });
    });
  }

  /** Half-close: shuts down the sending side once all written has gone; reading goes on. */
  closeWrite(): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#socket.end((e?: Error | null) => {
        if (e) reject(this.#error ?? denoError(e));
        else resolve();
      });
    });
  }

  /** Closes the connection (a FIN); a read under way then ends. */
  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("connection closed");
    this.#closed = true;
    this.#socket.destroy();
    this.#state.wake?.();
  }

  /** Cuts the connection with an RST (SO_LINGER 0, then close). */
  reset(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.resetAndDestroy();
    this.#state.wake?.();
  }

  /** The connection's bytes as a web stream (tcpkit itself reads with `read`). */
  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#readable ??= readableOf(this, MAX_READ_SIZE);
  }

  /** A web stream to write to the connection (its close is a half-close). */
  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    return this.#writable ??= writableOf(this, true);
  }

  /** Kept for the interface. */
  ref(): void {}

  /** Kept for the interface. */
  unref(): void {}

  /** Closes the connection. */
  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }
}

/** node:net's errors as Deno's, which every layer above tells apart. */
function denoError(e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === "ECONNRESET") return new Deno.errors.ConnectionReset(message, { cause: e });
  if (code === "EPIPE") return new Deno.errors.BrokenPipe(message, { cause: e });
  if (code === "ECONNREFUSED") return new Deno.errors.ConnectionRefused(message, { cause: e });
  return e;
}

function netAddr(hostname: string | undefined, port: number | undefined): Deno.NetAddr {
  return { transport: "tcp", hostname: hostname ?? "", port: port ?? 0 };
}

/**
 * Connects to `hostname:port` (an address, not a name) over node:net, optionally from a local
 * address: a {@linkcode TcpConn}, with Nagle's algorithm off.
 *
 * @throws what the connect failed with, as Deno's error where there is one (refused, reset),
 * or `signal`'s reason when it aborts first
 */
export function connectTcp(
  hostname: string,
  port: number,
  options: { signal?: AbortSignal; localAddress?: string } = {},
): Promise<TcpConn> {
  const { signal, localAddress } = options;
  return new Promise((resolve, reject) => {
    const reader = new SocketReader();
    const socket = net.connect({
      host: hostname,
      port,
      localAddress,
      noDelay: true,
      allowHalfOpen: true,
      onread: reader.onread,
    });
    const onAbort = () => {
      socket.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const onError = (e: Error) => {
      signal?.removeEventListener("abort", onAbort);
      if (isShortage(e)) noteShortage();
      reject(denoError(e));
    };
    // Attached at once, kept until the connection takes over (it attaches its own first).
    socket.on("error", onError);
    socket.once("connect", () => {
      signal?.removeEventListener("abort", onAbort);
      const conn = new TcpConn(socket, reader, { hostname, port });
      socket.off("error", onError);
      resolve(conn);
    });
  });
}

/**
 * Listens on `hostname:port` over node:net: a `Deno.Listener` whose connections are
 * {@linkcode TcpConn}s. Unlike Deno's listener it accepts at once: clients that are not taken
 * yet wait accepted, unread, rather than in the kernel's backlog (511 of them at most: more are
 * reset, as a full backlog would refuse them).
 *
 * @throws what listening failed with (address in use, not available, permission), as node:net
 * words it, with its `code`
 */
export async function listenTcp(hostname: string, port: number): Promise<TcpListener> {
  const server = await listenOn(hostname, port);
  return new TcpListener(server, hostname);
}

/** A node:net server listening on `hostname:port`, its sockets reading as dialled ones do. */
function listenOn(hostname: string, port: number): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true });
  // Each accepted socket reads into a buffer of its own (onread), as dialled ones do: node:net
  // takes that option only when it makes the socket, and under Deno its server makes them in
  // _createSocket. Elsewhere, sockets read through 'data' events (a copy per chunk).
  const internal = server as unknown as { _createSocket?: (handle: unknown) => net.Socket };
  if (typeof internal._createSocket === "function") {
    internal._createSocket = function (this: unknown, handle: unknown) {
      const reader = new SocketReader();
      const Socket = net.Socket as unknown as new (options: object) => net.Socket;
      const socket = new Socket({
        handle,
        allowHalfOpen: true,
        readable: true,
        writable: true,
        onread: reader.onread,
      });
      Object.assign(socket, { server: this, _server: this });
      readers.set(socket, reader);
      return socket;
    };
  }
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port, backlog: BACKLOG }, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** Connections accepted and not yet taken, at most: the kernel's listen backlog, as Deno's. */
const BACKLOG = 511;

/** The listeners open now: each is listened again on after a shortage of descriptors. */
const listening = new Set<TcpListener>();

/**
 * Descriptors ran out (a connect failed with EMFILE or ENFILE). Deno 2.9's node:net server stops
 * accepting for good when an accept fails so (it reports nothing, and is not woken again): each
 * listener then listens anew, once descriptors can be had.
 */
export function noteShortage(): void {
  for (const listener of listening) listener.relisten();
}

function isShortage(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** A node:net server as a `Deno.Listener` of {@linkcode TcpConn}s. */
export class TcpListener implements Deno.Listener<TcpConn, Deno.NetAddr> {
  readonly addr: Deno.NetAddr;
  #server: net.Server;
  #hostname: string;
  #accepted: TcpConn[] = [];
  #waiting: { resolve: (conn: TcpConn) => void; reject: (e: unknown) => void }[] = [];
  #error: unknown;
  #closed = false;
  #relisten: ReturnType<typeof setTimeout> | undefined;

  /** Takes over `server`, listening on `hostname` (an address). */
  constructor(server: net.Server, hostname: string) {
    this.#server = server;
    this.#hostname = hostname;
    const bound = server.address() as net.AddressInfo;
    this.addr = { transport: "tcp", hostname: bound.address, port: bound.port };
    this.#attach(server);
    listening.add(this);
  }

  #attach(server: net.Server): void {
    server.on("connection", (socket: net.Socket) => {
      const conn = new TcpConn(socket, readers.get(socket));
      const next = this.#waiting.shift();
      if (next) next.resolve(conn);
      else if (this.#accepted.length < BACKLOG) this.#accepted.push(conn);
      else resetQuietly(conn); // as a full listen backlog would refuse it
    });
    // An accept that failed: told to the next accept.
    server.on("error", (e: unknown) => {
      if (isShortage(e)) this.relisten();
      const next = this.#waiting.shift();
      if (next) next.reject(e);
      else this.#error = e;
    });
  }

  /**
   * Listens anew on the same address and port (after a shortage of descriptors): the old socket
   * is closed first (clients in its queue are refused), and a new one is tried every 100 ms until
   * it listens.
   */
  relisten(delayMs = 100): void {
    if (this.#closed || this.#relisten !== undefined) return;
    this.#relisten = setTimeout(() => {
      this.#relisten = undefined;
      if (this.#closed) return;
      this.#server.close();
      listenOn(this.#hostname, this.addr.port).then((server) => {
        if (this.#closed) return server.close();
        this.#server = server;
        this.#attach(server);
      }, () => this.relisten(Math.min(delayMs * 2, 1000)));
    }, delayMs);
  }

  /** The next connection; rejects with `BadResource` once the listener is closed. */
  accept(): Promise<TcpConn> {
    const conn = this.#accepted.shift();
    if (conn) return Promise.resolve(conn);
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    if (this.#error !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** Stops listening; connections accepted and not taken are closed. */
  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("listener closed");
    this.#closed = true;
    listening.delete(this);
    clearTimeout(this.#relisten);
    this.#server.close();
    for (const conn of this.#accepted.splice(0)) resetQuietly(conn);
    const closed = new Deno.errors.BadResource("listener closed");
    for (const waiter of this.#waiting.splice(0)) waiter.reject(closed);
  }

  async *[Symbol.asyncIterator](): AsyncIterableIterator<TcpConn> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (e) {
        if (e instanceof Deno.errors.BadResource) return;
        throw e;
      }
    }
  }

  /** Kept for the interface. */
  ref(): void {}

  /** Kept for the interface. */
  unref(): void {}

  /** Closes the listener. */
  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }
}
