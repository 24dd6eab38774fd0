/** What a failed write to stdout means for the user. */
import { ExitCode, TcpkitError } from "../errors.ts";
import { formatBytes } from "../report.ts";

/** A write to stdout failed: usually the reader went away (`tcpkit connect ... | head`). */
export function outputError(cause: unknown, written: number): TcpkitError {
  const why = cause instanceof Deno.errors.BrokenPipe
    ? "output closed early (broken pipe)"
    : `cannot write to stdout (${cause instanceof Error ? cause.message : String(cause)})`;
  return new TcpkitError(
    `${why} after ${formatBytes(written)}`,
    ExitCode.network,
    { cause },
  );
}
