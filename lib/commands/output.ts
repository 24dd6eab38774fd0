/** What a failed write to stdout means for the user. */
import { ExitCode, TcpkitError } from "../errors.ts";
import type { ChunkSink } from "../io/chunks.ts";
import { formatBytes } from "../report.ts";

/** A failed write to stdout: it ends the command, unlike one peer's failure. */
export class OutputError extends TcpkitError {
  override name = "OutputError";
}

/** A write to stdout failed: usually the reader went away (`tcpkit connect ... | head`). */
export function outputError(cause: unknown, written: number): OutputError {
  const why = cause instanceof Deno.errors.BrokenPipe
    ? "output closed early (broken pipe)"
    : `cannot write to stdout (${cause instanceof Error ? cause.message : String(cause)})`;
  return new OutputError(
    `${why} after ${formatBytes(written)}`,
    ExitCode.network,
    { cause },
  );
}

/** `sink` (stdout), counting what it wrote, with its failures turned into {@linkcode outputError}s. */
export function guardOutput(sink: ChunkSink): ChunkSink {
  let written = 0;
  return {
    async write(chunk) {
      try {
        await sink.write(chunk);
        written += chunk.length;
      } catch (e) {
        throw outputError(e, written);
      }
    },
  };
}
