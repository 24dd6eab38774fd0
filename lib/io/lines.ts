/** Lines of text from a stream of bytes, bounded while reading (a file of targets, stdin). */
import { TextLineStream } from "@std/streams";
import type { ChunkSource } from "./chunks.ts";

/** The bounds of {@linkcode boundedLines}, in bytes. */
export interface LineLimits {
  /** The most bytes the whole input may hold. */
  maxBytes: number;
  /** The most bytes one line may hold, its line ending left out. */
  maxLineBytes: number;
}

/** The input passed one of {@linkcode LineLimits}: `limit` says which, `line` where. */
export class LineLimitError extends RangeError {
  override name = "LineLimitError";
  /** `"total"` for {@linkcode LineLimits.maxBytes}, `"line"` for the line's bound. */
  readonly limit: "total" | "line";
  /** The number of the line being read when the bound was passed, from 1. */
  readonly line: number;

  /** `limit` is the bound passed, `line` the line being read. */
  constructor(limit: "total" | "line", line: number) {
    super(limit === "total" ? "Too much input" : `Line ${line} is too long`);
    this.limit = limit;
    this.line = line;
  }
}

/**
 * The lines of `bytes` as text (UTF-8; LF or CRLF ends a line), through @std/streams'
 * `TextLineStream`. The bounds are checked on the bytes before they are decoded: no more than
 * one line (at most `maxLineBytes`) is ever held, and reading stops at the first byte past
 * `maxBytes` (`/dev/zero` is refused after its first line's bound, not read to the end).
 * Stopping early (an error, or a `break` in the caller's loop) cancels `bytes`.
 *
 * @param bytes the input, such as a file's `readable`
 * @param limits the bounds
 * @returns the lines, without their line endings
 * @throws {LineLimitError} when a bound is passed
 */
export async function* boundedLines(
  bytes: ReadableStream<Uint8Array>,
  limits: LineLimits,
): AsyncGenerator<string, void, undefined> {
  let total = 0;
  let line = 1;
  let lineBytes = 0;
  let endedWithCr = false;
  const bound = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      total += chunk.length;
      if (total > limits.maxBytes) throw new LineLimitError("total", line);
      let start = 0;
      for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
        // A CR before the LF is the line ending's, not the line's: a bound of N lets N through.
        const cr = end > 0 ? chunk[end - 1] === 13 : endedWithCr;
        const length = lineBytes + end - start - (cr ? 1 : 0);
        if (length > limits.maxLineBytes) throw new LineLimitError("line", line);
        line++;
        lineBytes = 0;
        start = end + 1;
      }
      lineBytes += chunk.length - start;
      endedWithCr = chunk.length > 0 && chunk[chunk.length - 1] === 13;
      // One byte of slack: a CR may end this chunk and its LF begin the next.
      if (lineBytes > limits.maxLineBytes + 1) throw new LineLimitError("line", line);
      controller.enqueue(chunk);
    },
  });
  // deno-std from npm is untyped: TextLineStream is a TransformStream of strings.
  const split = new TextLineStream() as TransformStream<string, string>;
  yield* bytes.pipeThrough(bound).pipeThrough(new TextDecoderStream()).pipeThrough(split);
}

/**
 * A `ReadableStream` over a {@linkcode ChunkSource}, each chunk copied (a source may lend its
 * buffer only until its next read).
 *
 * @param source where the bytes come from
 * @returns a stream that ends where the source ends
 */
export function sourceStream(source: ChunkSource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await source.next();
      if (chunk === null) controller.close();
      else controller.enqueue(chunk.slice());
    },
  }, { highWaterMark: 0 });
}
