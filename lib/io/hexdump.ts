/**
 * `-x/--hexdump`: the bytes of a connection as hex and ASCII, as `hexdump -C` shows them.
 *
 * The layout of a line, for a dumper labelled `> 127.0.0.1:9000` (bytes sent):
 *
 * ```text
 * > 127.0.0.1:9000 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0d 0a 1b  |Hello, world!...|
 * > 127.0.0.1:9000 00000010  5b 30 6d                                          |[0m|
 * ```
 *
 * - the label, escaped as {@linkcode escapeText} escapes text, and one space;
 * - the offset of the line's first byte in its direction of the stream, eight or more lowercase
 *   hex digits, and two spaces;
 * - 16 bytes as lowercase hex, each followed by a space, with one more space after the eighth;
 *   a shorter line is padded with spaces, so the ASCII column always starts in the same place;
 * - one space, then the bytes between bars, printable ASCII (0x20-0x7e) as it is and any other
 *   byte as `.`; the column is as long as the line's bytes.
 *
 * After the label, that is `hexdump -C`'s layout, which people already read at a glance: chosen
 * over ncat -x's (four-digit offsets that start again at 0 with every read, no direction, spaces
 * shown as `.`) and socat -x's (a header per transfer, then all its bytes on one line, without
 * ASCII). The label, as socat's `>` and `<`, tells the directions apart when their lines
 * interleave; it is on every line, so that `grep '^<'` keeps one direction. Each chunk starts a
 * new line, so where each read or write ended stays visible, but its offset continues from the
 * previous chunk's end: the offset is the position in the stream.
 *
 * @module
 */
import { escapeText } from "./escape.ts";

const BYTES_PER_LINE = 16;
/** The hex area: three characters a byte, and one space between the two halves. */
const HEX_WIDTH = BYTES_PER_LINE * 3 + 1;
const SPACE = 0x20;
const BAR = 0x7c;
const DOT = 0x2e;
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
const decoder = new TextDecoder();

/**
 * The lines of a chunk are written as bytes into this buffer, then decoded once: work linear in
 * the chunk, without a string a byte. Made on first use (nothing when -x is not given) and kept,
 * as large as the largest chunk needs.
 */
let scratch = new Uint8Array(0);

/**
 * Dumps the bytes of one direction of a connection, chunk by chunk, keeping the offset across
 * chunks.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { HexDumper } from "./hexdump.ts";
 * const sent = new HexDumper("> 127.0.0.1:9000");
 * assertEquals(
 *   sent.dump(new TextEncoder().encode("Hello\n")),
 *   "> 127.0.0.1:9000 00000000  48 65 6c 6c 6f 0a                                 |Hello.|\n",
 * );
 * ```
 */
export class HexDumper {
  #prefix: Uint8Array;
  #offset = 0;

  /**
   * A dumper whose lines begin with `label` and a space: by convention `>` and the peer for
   * bytes sent, `<` and the peer for bytes received (`< 127.0.0.1:9000`). An empty label
   * leaves the lines as `hexdump -C` prints them.
   */
  constructor(label: string) {
    this.#prefix = new TextEncoder().encode(label === "" ? "" : `${escapeText(label)} `);
  }

  /** How many bytes this dumper has shown: the offset of the next chunk's first byte. */
  get offset(): number {
    return this.#offset;
  }

  /** The lines of `chunk`, each ending in a line feed; "" for an empty chunk. */
  dump(chunk: Uint8Array): string {
    const length = chunk.length;
    if (length === 0) return "";
    const start = this.#offset;
    this.#offset += length;
    const digits = Math.max(8, (this.#offset - 1).toString(16).length);
    const prefix = this.#prefix;
    // label, offset, two spaces, hex, a space, bars around the text, a line feed
    const lineSize = prefix.length + digits + 2 + HEX_WIDTH + 1 + BYTES_PER_LINE + 3;
    const size = Math.ceil(length / BYTES_PER_LINE) * lineSize;
    if (scratch.length < size) scratch = new Uint8Array(size);
    const out = scratch;
    let o = 0;
    for (let at = 0; at < length; at += BYTES_PER_LINE) {
      const end = Math.min(at + BYTES_PER_LINE, length);
      out.set(prefix, o);
      o += prefix.length;
      o = writeOffset(out, o, start + at, digits);
      out[o++] = SPACE;
      out[o++] = SPACE;
      const hexEnd = o + HEX_WIDTH;
      for (let i = at; i < end; i++) {
        if (i === at + 8) out[o++] = SPACE;
        const b = chunk[i];
        out[o++] = HEX_DIGITS[b >> 4];
        out[o++] = HEX_DIGITS[b & 0xf];
        out[o++] = SPACE;
      }
      out.fill(SPACE, o, hexEnd + 1);
      o = hexEnd + 1;
      out[o++] = BAR;
      for (let i = at; i < end; i++) {
        const b = chunk[i];
        out[o++] = b >= 0x20 && b < 0x7f ? b : DOT;
      }
      out[o++] = BAR;
      out[o++] = 0x0a;
    }
    return decoder.decode(out.subarray(0, o));
  }
}

/** Writes `offset` as `digits` lowercase hex digits, zero-padded; returns the end. */
function writeOffset(out: Uint8Array, o: number, offset: number, digits: number): number {
  // Arithmetic, not bit shifts: offsets go past 2^32 on long transfers.
  for (let k = o + digits - 1; k >= o; k--) {
    out[k] = HEX_DIGITS[offset % 16];
    offset = Math.floor(offset / 16);
  }
  return o + digits;
}
