/** Line endings for protocols that want CRLF (`-C`): a bare LF becomes CRLF, as nc -C sends it. */
import type { ChunkSource } from "./chunks.ts";

const CR = 0x0d;
const LF = 0x0a;

/**
 * A source whose bare line feeds are CRLF: a CR already before an LF (also at the end of the
 * previous chunk) is left alone, so CRLF input is sent as it is.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bytesSource } from "./chunks.ts";
 * import { crlfSource } from "./crlf.ts";
 * const chunk = await crlfSource(bytesSource(new TextEncoder().encode("a\nb\r\n"))).next();
 * assertEquals(new TextDecoder().decode(chunk!), "a\r\nb\r\n");
 * ```
 */
export function crlfSource(source: ChunkSource): ChunkSource {
  let lastWasCr = false;
  let out = new Uint8Array(0);
  return {
    async next() {
      const chunk = await source.next();
      if (chunk === null) return null;
      let bare = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === LF && !(i === 0 ? lastWasCr : chunk[i - 1] === CR)) bare++;
      }
      const ended = chunk[chunk.length - 1] === CR;
      if (bare === 0) {
        lastWasCr = ended;
        return chunk;
      }
      if (out.length < chunk.length + bare) out = new Uint8Array(chunk.length + bare);
      let o = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === LF && !(i === 0 ? lastWasCr : chunk[i - 1] === CR)) out[o++] = CR;
        out[o++] = b;
      }
      lastWasCr = ended;
      return out.subarray(0, o);
    },
  };
}
