/** Who said what (`serve -k --label`): each client's lines on stdout after its address. */
import type { ChunkSink } from "./chunks.ts";
import { StreamEscaper } from "./escape.ts";

/** The longest line kept back waiting for its end; a longer one is written in pieces. */
const MAX_LINE = 64 * 1024;

const encoder = new TextEncoder();

/** A sink that writes whole lines, each after `label`, and what is left at its end. */
export interface LabelSink extends ChunkSink {
  /** Writes the unfinished line, if any, ended with a line feed (the client is gone). */
  flush(): Promise<void>;
}

/**
 * Lines of one client for a stdout that several clients share: each line is written whole after
 * `label` (`127.0.0.1:51234: `), so that two clients' lines never mix within a line, with what
 * a terminal would act on escaped (a person reads them, as with ncat --chat). A line still
 * unfinished waits for its end, up to {@linkcode MAX_LINE}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { labelLines } from "./label.ts";
 * const written: string[] = [];
 * const sink = labelLines({ write: async (c) => { written.push(new TextDecoder().decode(c)); } }, "a");
 * await sink.write(new TextEncoder().encode("hi\nthe"));
 * await sink.write(new TextEncoder().encode("re\n"));
 * assertEquals(written, ["a: hi\n", "a: there\n"]);
 * ```
 */
export function labelLines(sink: ChunkSink, label: string): LabelSink {
  const prefix = `${label}: `;
  const escaper = new StreamEscaper({ keepNewlines: true, crlfAsNewline: true });
  let partial = "";
  const emit = async (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop()!;
    let out = "";
    for (const line of lines) out += `${prefix}${line}\n`;
    if (partial.length > MAX_LINE) {
      out += `${prefix}${partial}\n`;
      partial = "";
    }
    if (out !== "") await sink.write(encoder.encode(out));
  };
  return {
    write: (chunk) => emit(escaper.push(chunk)),
    async flush() {
      const rest = escaper.flush();
      if (rest !== "") await emit(rest);
      if (partial !== "") {
        const line = `${prefix}${partial}\n`;
        partial = "";
        await sink.write(encoder.encode(line));
      }
    },
  };
}
