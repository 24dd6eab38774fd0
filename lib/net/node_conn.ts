/**
 * Between Deno's connections and node:tls: a `Deno.Conn` as a node stream (for node:tls to run
 * TLS over), and a node TLS socket as a `Deno.Conn` (for everything above lib/net). node:tls is
 * the one TLS that can skip verification per connection and show the peer's certificate.
 */
import { readableOf, writableOf } from "./conn_streams.ts";
import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { connSource } from "../io/chunks.ts";
import { formatNetAddr } from "./address.ts";
import { tlsStreamError } from "./tls_alerts.ts";

/** How many bytes of the peer's data a socket may hold before it stops reading (backpressure). */
const HIGH_WATER = 1024 * 1024;
/** The read buffer of the stream over a connection. */
const READ_SIZE = 64 * 1024;

/**
 * Holds a stream's reading from its connection while the reader above it is behind. It is how
 * TLS over a connection is held back: node:tls, once paused, can miss the peer's end of the data
 * (on Deno 2.9 a TLS socket paused when close_notify arrives never ends), so the TLS socket is
 * never paused, and its input is held back instead.
 */
export class ReadGate {
  #open = true;
  #waiting: (() => void)[] = [];

  /** Undefined while reading may go on; else a promise that resolves when it may again. */
  wait(): Promise<void> | undefined {
    return this.#open ? undefined : new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Holds reading back. */
  close(): void {
    this.#open = false;
  }

  /** Lets reading go on. */
  open(): void {
    if (this.#open) return;
    this.#open = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

/** Options for {@linkcode streamOverConn}. */
export interface StreamOverConnOptions {
  /**
   * Sees every chunk read from the connection before node:tls does (a handshake that fails can
   * then say what the peer sent).
   */
  onBytes?: (chunk: Uint8Array) => void;
  /** Holds reading back while the reader above is behind. */
  gate?: ReadGate;
  /**
   * Asked when the stream is destroyed: a promise makes the connection's close wait for it (a
   * server's last words, such as an alert that node:tls over a stream does not send).
   */
  holdClose?: () => Promise<void> | undefined;
}

/**
 * A node stream over `conn`, for node:tls to run TLS over. Half-close passes through: ending the
 * stream shuts down the connection's sending side.
 */
export function streamOverConn(conn: Deno.Conn, options: StreamOverConnOptions = {}): Duplex {
  // A small buffer while the peer is quiet (an idle connection holds it), larger while data flows.
  const source = connSource(conn, { maxSize: READ_SIZE });
  const { onBytes, gate, holdClose } = options;
  const stream = new Duplex({
    allowHalfOpen: true,
    read() {
      const read = () =>
        source.next().then((bytes) => {
          if (bytes === null) return this.push(null);
          const chunk = bytes.slice(); // the source's buffer is read into again
          onBytes?.(chunk);
          this.push(chunk);
        }, (e) => this.destroy(e));
      const held = gate?.wait();
      if (held) held.then(read);
      else read();
    },
    write(chunk: Uint8Array, _encoding, done) {
      writeAllTo(conn, chunk).then(() => done(), done);
    },
    // node:tls writes a record at a time (16 KiB at most): the records buffered meanwhile go
    // out in one write, not a system call each.
    writev(chunks: { chunk: Uint8Array }[], done) {
      let size = 0;
      for (const { chunk } of chunks) size += chunk.length;
      const joined = new Uint8Array(size);
      let offset = 0;
      for (const { chunk } of chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      writeAllTo(conn, joined).then(() => done(), done);
    },
    final(done) {
      conn.closeWrite().then(() => done(), done);
    },
    destroy(error, done) {
      const close = () => {
        try {
          conn.close();
        } catch {
          // already closed
        }
      };
      const held = holdClose?.();
      if (held) held.finally(close);
      else close();
      done(error);
    },
  });
  // The connection's failures reach node:tls through the stream's destruction; its 'error'
  // event is heard here so that one emitted when nothing else listens cannot end the process.
  stream.on("error", () => {});
  return stream;
}

async function writeAllTo(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}

/**
 * A node socket (a TLS socket, or a TCP socket from a chosen source address) as a `Deno.Conn`:
 * `read` into the caller's buffer, `write` with backpressure, `closeWrite` for half-close
 * (over TLS: close_notify, then the FIN), `close`.
 */
export class SocketConn implements Deno.Conn {
  readonly localAddr: Deno.Addr;
  readonly remoteAddr: Deno.Addr;
  #socket: Socket;
  #queue: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #ended = false;
  #closed = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #gate: ReadGate | undefined;
  #readable: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  #writable: WritableStream<Uint8Array<ArrayBufferLike>> | undefined;

  /**
   * Takes over `socket`, whose handshake is done; `addresses` are the connection's ends. With a
   * `gate` (TLS over a stream of {@linkcode streamOverConn}), a reader that is behind holds the
   * connection's reading back; without one, the socket itself is paused.
   */
  constructor(
    socket: Socket,
    addresses: { localAddr: Deno.Addr; remoteAddr: Deno.Addr },
    gate?: ReadGate,
  ) {
    this.#socket = socket;
    this.#gate = gate;
    this.localAddr = addresses.localAddr;
    this.remoteAddr = addresses.remoteAddr;
    const wake = () => {
      const resolve = this.#wake;
      this.#wake = undefined;
      resolve?.();
    };
    socket.on("data", (data: Uint8Array) => {
      this.#queue.push(data);
      this.#queued += data.length;
      if (this.#queued >= HIGH_WATER) {
        if (this.#gate) this.#gate.close();
        else socket.pause();
      }
      wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("error", (e: unknown) => {
      this.#error ??= tlsStreamError(e, `TLS with ${formatNetAddr(addresses.remoteAddr)}`) ?? e;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
  }

  /** Reads into `buffer`: the bytes read, or null at the peer's end (or after our close). */
  async read(buffer: Uint8Array): Promise<number | null> {
    for (;;) {
      if (this.#queue.length > 0) return this.#take(buffer);
      if (this.#closed) return null;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  #take(buffer: Uint8Array): number {
    let n = 0;
    while (n < buffer.length && this.#queue.length > 0) {
      const first = this.#queue[0];
      const count = Math.min(buffer.length - n, first.length - this.#head);
      buffer.set(first.subarray(this.#head, this.#head + count), n);
      n += count;
      this.#head += count;
      if (this.#head === first.length) {
        this.#queue.shift();
        this.#head = 0;
      }
    }
    this.#queued -= n;
    if (this.#queued < HIGH_WATER) {
      if (this.#gate) this.#gate.open();
      else if (this.#socket.isPaused()) this.#socket.resume();
    }
    return n;
  }

  /** Writes all of `bytes` (copied: the caller may reuse its buffer), waiting while TLS is full. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("connection closed"));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    // A socket already gone (its 'close' fired) would never say 'drain' again.
    if (this.#socket.destroyed) {
      return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
    }
    return new Promise((resolve, reject) => {
      const copy = bytes.slice();
      if (this.#socket.write(copy)) return resolve(copy.length);
      const socket = this.#socket;
      const settle = (error?: unknown) => {
        socket.off("drain", onDrain).off("error", onError).off("close", onClose);
        if (error === undefined) resolve(copy.length);
        else reject(error);
      };
      const onDrain = () => settle();
      const onError = (e: unknown) => settle(e);
      const onClose = () => settle(this.#error ?? new Deno.errors.BrokenPipe("connection closed"));
      socket.on("drain", onDrain).on("error", onError).on("close", onClose);
    });
  }

  /** Half-close: sends close_notify and shuts down the sending side; reading goes on. */
  closeWrite(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#error !== undefined) return reject(this.#error);
      // The callback comes once everything written has gone to the connection underneath, or
      // with the error that stopped it: a write that was only buffered is not taken as sent.
      this.#socket.end((error?: unknown) => {
        const failure = error ?? this.#error;
        if (failure !== undefined && failure !== null) reject(failure);
        else resolve();
      });
    });
  }

  /** Closes the connection; a read under way then ends. */
  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("connection closed");
    this.#closed = true;
    this.#socket.destroy();
    this.#wake?.();
  }

  /** The connection's bytes as a web stream (a convenience: tcpkit itself reads with `read`). */
  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#readable ??= readableOf(this, READ_SIZE);
  }

  /** A web stream to write to the connection (its close is a half-close). */
  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    return this.#writable ??= writableOf(this);
  }

  /** Kept for the interface: the connection underneath keeps the process alive as it is. */
  ref(): void {}

  /** Kept for the interface. */
  unref(): void {}

  /** Closes the connection. */
  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }
}
