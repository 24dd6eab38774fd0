/** Stdout as a sink whose failure is an {@linkcode OutputError}: it ends the command. */
import { OutputError } from "../errors.ts";
import type { ChunkSink } from "../io/chunks.ts";

/** `sink` (stdout), counting what it wrote, with its failures turned into {@linkcode OutputError}s. */
export function guardOutput(sink: ChunkSink): ChunkSink {
  let written = 0;
  return {
    async write(chunk) {
      try {
        await sink.write(chunk);
        written += chunk.length;
      } catch (e) {
        throw e instanceof OutputError ? e : new OutputError(e, written);
      }
    },
  };
}
