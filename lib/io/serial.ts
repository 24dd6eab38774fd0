/** Many writers into one sink, one whole chunk at a time, in the order they asked. */
import type { ChunkSink } from "./chunks.ts";

/** Wraps `sink` so that concurrent writes never interleave inside a chunk. */
export function serialSink(sink: ChunkSink): ChunkSink {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    write(chunk) {
      const written = tail.then(() => sink.write(chunk));
      tail = written.catch(() => {});
      return written;
    },
  };
}
