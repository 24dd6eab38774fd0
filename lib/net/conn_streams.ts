/** Web streams over a connection that tcpkit reads with `read` and writes with `write`. */

/** What the streams need of a connection. */
export interface ReadWriteConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
}

/** The connection's bytes as a web stream, read `size` bytes at most at a time. */
export function readableOf(
  conn: ReadWriteConn,
  size: number,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new ReadableStream({
    pull: async (controller) => {
      const buffer = new Uint8Array(size);
      const n = await conn.read(buffer);
      if (n === null) controller.close();
      else controller.enqueue(buffer.subarray(0, n));
    },
  });
}

/**
 * A web stream that writes to the connection (its close is a half-close). `copy`: each chunk is
 * copied first, for a connection that keeps what it is given until it is sent.
 */
export function writableOf(
  conn: ReadWriteConn,
  copy = false,
): WritableStream<Uint8Array<ArrayBufferLike>> {
  return new WritableStream({
    write: async (chunk) => {
      await conn.write(copy ? chunk.slice() : chunk);
    },
    close: () => conn.closeWrite(),
  });
}
