/**
 * Stdin for UDP: one read of stdin is one datagram, as nc -u has it. The TCP path's ring
 * (stdin.ts) merges reads into large chunks, which is right for a byte stream and wrong here:
 * a line typed, or a write by the program feeding the pipe, must stay one datagram.
 */
import { InputError } from "../errors.ts";
import type { ChunkSource, Reader } from "./chunks.ts";
import { MAX_DATAGRAM } from "./datagram_pump.ts";

/**
 * A source whose every chunk is what one read of `reader` gave (stdin by default), at most
 * `maxSize` bytes (the rest of a larger read comes as the next datagram). A chunk is lent until
 * the next call. A stdin that cannot be read fails with an {@linkcode InputError}.
 */
export function datagramReader(
  maxSize: number = MAX_DATAGRAM,
  reader: Reader = Deno.stdin,
): ChunkSource {
  const buffer = new Uint8Array(maxSize);
  let ended = false;
  return {
    async next() {
      if (ended) return null;
      for (;;) {
        let n: number | null;
        try {
          n = await reader.read(buffer);
        } catch (e) {
          const text = (e instanceof Error ? e.message : String(e))
            .replace(/\s*\(os error \d+\)$/, "");
          throw new InputError(text.charAt(0).toLowerCase() + text.slice(1));
        }
        if (n === null) {
          ended = true;
          return null;
        }
        if (n > 0) return buffer.subarray(0, n);
      }
    },
  };
}
