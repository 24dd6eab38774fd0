/** Sources and sinks of byte chunks: sockets, stdio, web streams and plain bytes behind one shape. */

/** Where bytes come from. A chunk is lent: it is valid only until the next call to `next`. */
export interface ChunkSource {
  /** The next chunk, or null at the end of the data. */
  next(): Promise<Uint8Array | null>;
  /** The bytes it gives in all, when known beforehand (stdin from a regular file). */
  readonly size?: number;
}

/** Where bytes go. */
export interface ChunkSink {
  /** Writes the whole chunk; resolves when the sink has taken it (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** No more data will come: for a socket, shut down the sending side (half-close). */
  end?(): Promise<void>;
}

/** Something with Deno's `read(buffer)`: a connection, a file, stdin. */
export interface Reader {
  /** Reads into `buffer`: the number of bytes read, or null at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Something with Deno's `write(bytes)`, which may write only part of them. */
export interface Writer {
  /** Writes some of `bytes`: the number written. */
  write(bytes: Uint8Array): Promise<number>;
}

/** Options for {@linkcode readerSource}. */
export interface ReaderSourceOptions {
  /** The first buffer's size: small, so that an idle connection costs little memory. */
  initialSize?: number;
  /** The largest buffer: a buffer filled by one read grows fourfold up to this size. */
  maxSize?: number;
}

/** The size of the first read buffer of a connection. */
export const INITIAL_BUFFER_SIZE = 1024;
/** The largest read buffer: 256 KiB matched nc's throughput; more gave nothing. */
export const MAX_BUFFER_SIZE = 256 * 1024;
/**
 * The largest read buffer of `serve --echo`, whose client may send and never read: it bounds what
 * is held per connection meanwhile, since reading stops until its bytes are taken.
 */
export const BOUNDED_READ_SIZE = 64 * 1024;

/**
 * A source that reads into one reused buffer, which grows only while data flows fast.
 *
 * @example
 * ```ts
 * import { readerSource } from "./chunks.ts";
 * const source = readerSource(Deno.stdin);
 * ```
 */
export function readerSource(reader: Reader, options: ReaderSourceOptions = {}): ChunkSource {
  const maxSize = options.maxSize ?? MAX_BUFFER_SIZE;
  let buffer = new Uint8Array(Math.min(options.initialSize ?? INITIAL_BUFFER_SIZE, maxSize));
  return {
    async next() {
      for (;;) {
        // Inline, not a helper: a suspended read is one async frame (thousands wait at once).
        let n: number | null;
        try {
          n = await reader.read(buffer);
        } catch (e) {
          // A TLS peer that closed without close_notify has ended (Deno's TLS says
          // UnexpectedEof), as node:tls and most tools take it: servers commonly do so.
          if (e instanceof Deno.errors.UnexpectedEof) return null;
          throw e;
        }
        if (n === null) return null;
        if (n === 0) continue;
        const chunk = buffer.subarray(0, n);
        if (n === buffer.length && buffer.length < maxSize) {
          // The chunk keeps the old buffer; the next read gets a larger one.
          buffer = new Uint8Array(Math.min(buffer.length * 4, maxSize));
        }
        return chunk;
      }
    },
  };
}

/** Writes every byte: `write` may take only part of them. */
export async function writeAll(writer: Writer, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await writer.write(bytes.subarray(offset));
}

/** A sink that loops until every byte is written, and optionally half-closes at the end. */
export function writerSink(writer: Writer, end?: () => Promise<void> | void): ChunkSink {
  return {
    write: (chunk) => writeAll(writer, chunk),
    end: end && (async () => await end()),
  };
}

/** Options for {@linkcode connSink}. */
export interface ConnSinkOptions {
  /**
   * Told of every write the kernel took, whole or partial: bytes leaving for a slow reader are
   * activity (an idle timer) even while a large chunk is still being written.
   */
  onWritten?: (bytes: number) => void;
}

/**
 * A sink for a connection: writes every byte (a write may take only part of a chunk); `end`
 * shuts down the sending side (half-close). It writes with `conn.write`, not `conn.writable`:
 * a web stream hides partial writes, and closing it would close the whole connection.
 */
export function connSink(conn: Deno.Conn, options: ConnSinkOptions = {}): ChunkSink {
  const { onWritten } = options;
  return {
    write: onWritten
      ? async (chunk) => {
        for (let offset = 0; offset < chunk.length;) {
          const n = await conn.write(chunk.subarray(offset));
          offset += n;
          onWritten(n);
        }
      }
      : (chunk) => writeAll(conn, chunk),
    end: () => conn.closeWrite(),
  };
}

/**
 * A source over a connection: reads with `conn.read` into one reused buffer that grows only
 * while data flows fast. Not `conn.readable`: on Deno 2.9 that stream closes the whole
 * connection at the peer's FIN (nothing can be sent after it) and ends quietly on a reset.
 */
export function connSource(conn: Deno.Conn, options: ReaderSourceOptions = {}): ChunkSource {
  if (isChunkConn(conn)) return conn.chunks();
  return readerSource(conn, options);
}

/**
 * A connection that lends its own read buffer as chunks (lib/net/tcp_conn.ts): a source over it
 * copies nothing, and holds no buffer besides the connection's.
 */
export interface ChunkConn {
  /** The connection's bytes as a source; the connection bounds its chunks itself. */
  chunks(): ChunkSource;
}

function isChunkConn(conn: Deno.Conn): conn is Deno.Conn & ChunkConn {
  return typeof (conn as Partial<ChunkConn>).chunks === "function";
}

/** A source of one chunk of bytes, then the end. */
export function bytesSource(bytes: Uint8Array): ChunkSource {
  let done = bytes.length === 0;
  return {
    next() {
      if (done) return Promise.resolve(null);
      done = true;
      return Promise.resolve(bytes);
    },
  };
}

/** A source that ends at once. */
export const emptySource: ChunkSource = { next: () => Promise.resolve(null) };

/** A sink that drops everything. */
export const discardSink: ChunkSink = { write: () => Promise.resolve() };

/** A source over a web `ReadableStream` of bytes. */
export function streamSource(readable: ReadableStream<Uint8Array>): ChunkSource {
  const reader = readable.getReader();
  return {
    async next() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return null;
        if (value.length > 0) return value;
      }
    },
  };
}

/** A sink over a web `WritableStream`; chunks are copied, since sources lend theirs. */
export function streamSink(writable: WritableStream<Uint8Array>): ChunkSink {
  const writer = writable.getWriter();
  return {
    async write(chunk) {
      await writer.write(chunk.slice());
    },
    async end() {
      await writer.close();
    },
  };
}

/** `source`, telling `onChunk` of every chunk it gives (a hex dump, a count). */
export function tapSource(source: ChunkSource, onChunk: (chunk: Uint8Array) => void): ChunkSource {
  return {
    async next() {
      const chunk = await source.next();
      if (chunk !== null) onChunk(chunk);
      return chunk;
    },
  };
}

/** `sink`, telling `onChunk` of every chunk before it is written. */
export function tapSink(sink: ChunkSink, onChunk: (chunk: Uint8Array) => void): ChunkSink {
  return {
    write(chunk) {
      onChunk(chunk);
      return sink.write(chunk);
    },
    end: sink.end && (() => sink.end!()),
  };
}
