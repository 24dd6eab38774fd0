/** Showing text tcpkit did not write (network bytes, names, arguments) safely on a terminal. */

const decoder = new TextDecoder("utf-8");
/** Printable ASCII runs up to this length become text without a call into the decoder. */
const SHORT_RUN = 1024;
/** The escaped text is gathered as UTF-8 in a buffer of this size, decoded once it is full. */
const BUFFER_SIZE = 16 * 1024;
/** The most bytes one input character becomes (`\u202e`), so a step never overruns the buffer. */
const LONGEST_ESCAPE = 6;
const BACKSLASH = 0x5c;
const HEX_DIGITS = "0123456789abcdef";
/** The characters with a short escape of their own; every other C0 control is `\xNN`. */
const NAMED: Record<number, string> = { 0x09: "t", 0x0a: "n", 0x0d: "r", 0x5c: "\\" };

/**
 * The characters shown escaped besides the C0 controls (which vary with keepNewlines): the
 * backslash, DEL, C1 controls, the line and paragraph separators, and the bidirectional controls
 * that reorder what a terminal shows. Written once, for every pattern below.
 */
const UNSAFE = String.raw`\\\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069`;
/** Whether a string holds anything to escape (one test, no allocation, for the common case). */
const UNSAFE_TEST = new RegExp(String.raw`[\x00-\x1f${UNSAFE}]`);
const UNSAFE_ALL = new RegExp(String.raw`[\x00-\x1f${UNSAFE}]`, "g");
/** With keepNewlines: LF and TAB are not matched at all, so multi-line text stays one run. */
const UNSAFE_KEEP = new RegExp(String.raw`[\x00-\x08\x0b-\x1f${UNSAFE}]`, "g");
/** With crlfAsNewline too: a CRLF is matched whole, to become a LF. */
const UNSAFE_CRLF = new RegExp(String.raw`\r\n|[\x00-\x08\x0b-\x1f${UNSAFE}]`, "g");
/** What a terminal acts on, for {@linkcode escapeControls}: all but the backslash and LF. */
const CONTROLS = String
  .raw`\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069`;
const CONTROLS_TEST = new RegExp(`[${CONTROLS}]`);
const CONTROLS_ALL = new RegExp(`[${CONTROLS}]`, "g");

/** Options for {@linkcode escapeBytes}, {@linkcode escapeText} and {@linkcode StreamEscaper}. */
export interface EscapeOptions {
  /** Keep line feeds (and tabs) as they are, for multi-line text. Default false. */
  keepNewlines?: boolean;
  /** With `keepNewlines`, show a CRLF line ending as a line feed alone. Default false. */
  crlfAsNewline?: boolean;
}

/**
 * Renders bytes as printable text, by the one policy for everything tcpkit shows that it did
 * not write, so that no byte from a peer can drive the terminal:
 *
 * - C0 controls (but LF and TAB with `keepNewlines`) and DEL become `\x1b`, `\x7f`, ...;
 *   TAB, LF and CR are `\t`, `\n` and `\r`;
 * - C1 controls, U+2028/U+2029 and the bidirectional controls (U+061C, U+200E, U+200F,
 *   U+202A-U+202E, U+2066-U+2069) become `\u009b`, `\u2028`, `\u202e`, ...: a right-to-left
 *   override would otherwise turn the rest of the line around;
 * - bytes that are not valid UTF-8 become `\xNN` (so `\x9b` is a byte, `\u009b` a character);
 * - a backslash is doubled, so a literal `\x1b` cannot pass for an escaped ESC.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeBytes } from "./escape.ts";
 * assertEquals(escapeBytes(new TextEncoder().encode("hi\x1b[31m\u202e")), "hi\\x1b[31m\\u202e");
 * ```
 */
export function escapeBytes(bytes: Uint8Array, options: EscapeOptions = {}): string {
  const keep = options.keepNewlines === true;
  const crlf = keep && options.crlfAsNewline === true;
  // The common case first: text with nothing to escape is decoded as it is, in one piece.
  let i = 0;
  let ascii = true;
  const length = bytes.length;
  while (i < length) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f && b !== BACKSLASH) {
      i++;
    } else if (b < 0x80) {
      if (!keep || (b !== 0x0a && b !== 0x09)) break;
      i++;
    } else {
      const size = utf8Length(bytes, i);
      if (size === 0 || isEscapedCodePoint(bytes, i, size)) break;
      i += size;
      ascii = false;
    }
  }
  if (i === length) return textOf(bytes, ascii);
  return textOf(bytes.subarray(0, i), ascii) + escapeFrom(bytes, i, keep, crlf);
}

/** The text of bytes that need no escaping: plain ASCII without the decoder while short. */
function textOf(bytes: Uint8Array, ascii: boolean): string {
  if (bytes.length === 0) return "";
  return ascii && bytes.length <= SHORT_RUN
    ? String.fromCharCode.apply(null, bytes as unknown as number[])
    : decoder.decode(bytes);
}

let buffer: Uint8Array | undefined;

/**
 * The escaped text of `bytes` from `start` on. The text is built as UTF-8 in one reused buffer
 * (valid characters copied as they are, escapes written as ASCII) and decoded a buffer at a
 * time: one decoder call per 16 KiB, however many escapes, instead of one per run.
 */
function escapeFrom(bytes: Uint8Array, start: number, keep: boolean, crlf: boolean): string {
  const out = buffer ??= new Uint8Array(BUFFER_SIZE + LONGEST_ESCAPE);
  let text = "";
  let o = 0;
  let i = start;
  const length = bytes.length;
  while (i < length) {
    // Only here, between characters, so no character is ever split between two decodes.
    if (o >= BUFFER_SIZE) {
      text += decoder.decode(out.subarray(0, o));
      o = 0;
    }
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f && b !== BACKSLASH) {
      out[o++] = b;
      i++;
    } else if (b < 0x80) {
      i++;
      if (keep && (b === 0x0a || b === 0x09)) {
        out[o++] = b;
      } else if (b === 0x0d && crlf && bytes[i] === 0x0a) {
        // the CR of a CRLF: its LF comes next, and is kept
      } else {
        out[o++] = BACKSLASH;
        const name = NAMED[b];
        o = name === undefined ? writeHex(out, o, 0x78, b, 2) : writeAscii(out, o, name);
      }
    } else {
      const size = utf8Length(bytes, i);
      if (size === 0) {
        out[o++] = BACKSLASH;
        o = writeHex(out, o, 0x78, b, 2);
        i++;
      } else if (isEscapedCodePoint(bytes, i, size)) {
        out[o++] = BACKSLASH;
        o = writeHex(out, o, 0x75, codePoint(bytes, i, size), 4);
        i += size;
      } else {
        for (const end = i + size; i < end; i++) out[o++] = bytes[i];
      }
    }
  }
  return text + decoder.decode(out.subarray(0, o));
}

/** Writes `x` or `u` (`letter`) and `value` as `digits` lowercase hex digits; returns the end. */
function writeHex(
  out: Uint8Array,
  o: number,
  letter: number,
  value: number,
  digits: number,
): number {
  out[o++] = letter;
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out[o++] = HEX_DIGITS.charCodeAt((value >> shift) & 0xf);
  }
  return o;
}

function writeAscii(out: Uint8Array, o: number, text: string): number {
  for (let k = 0; k < text.length; k++) out[o++] = text.charCodeAt(k);
  return o;
}

/**
 * Escapes a string as {@linkcode escapeBytes} escapes bytes: for names, arguments and text
 * already decoded. A string with nothing to escape is returned as it is, after one regex test.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeText } from "./escape.ts";
 * assertEquals(escapeText("evil\u202etxt.exe"), "evil\\u202etxt.exe");
 * ```
 */
export function escapeText(text: string, options: EscapeOptions = {}): string {
  if (!UNSAFE_TEST.test(text)) return text;
  const keep = options.keepNewlines === true;
  const pattern = !keep ? UNSAFE_ALL : options.crlfAsNewline ? UNSAFE_CRLF : UNSAFE_KEEP;
  return text.replace(pattern, (c) => {
    if (c.length === 2) return "\n"; // a CRLF, with crlfAsNewline
    return escapeChar(c);
  });
}

/**
 * Escapes what a terminal would act on in a line about to be written (the C0 controls but the
 * line feed, DEL, the C1 controls, U+2028/U+2029 and the bidirectional controls), as
 * {@linkcode escapeText} does, and nothing else: a backslash stays as it is, so that text escaped
 * already passes unchanged. The last guard where diagnostics are written, for words that a
 * layer quoted from the command line or the system without escaping them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeControls } from "./escape.ts";
 * assertEquals(escapeControls('unknown option "--a\x1b]0;x\x07"'), 'unknown option "--a\\x1b]0;x\\x07"');
 * assertEquals(escapeControls('invalid host "a\\x1bb"'), 'invalid host "a\\x1bb"');
 * ```
 */
export function escapeControls(text: string): string {
  if (!CONTROLS_TEST.test(text)) return text;
  return text.replace(CONTROLS_ALL, escapeChar);
}

/** One character as its escape: `\n` and the like by name, `\xHH` below 0x80, else `\uHHHH`. */
function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  const name = NAMED[code];
  if (name !== undefined) return `\\${name}`;
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * The length of the well-formed UTF-8 sequence at `i` (2 to 4), or 0 if there is none: no
 * overlong forms, no surrogates, nothing above U+10FFFF.
 */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  const length = leadLength(b);
  if (length === 0 || i + length > bytes.length) return 0;
  const second = bytes[i + 1];
  const [low, high] = b === 0xe0
    ? [0xa0, 0xbf]
    : b === 0xed
    ? [0x80, 0x9f]
    : b === 0xf0
    ? [0x90, 0xbf]
    : b === 0xf4
    ? [0x80, 0x8f]
    : [0x80, 0xbf];
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) {
    if ((bytes[i + k] & 0xc0) !== 0x80) return 0;
  }
  return length;
}

/** The length of the UTF-8 sequence that byte `b` begins (2 to 4), or 0 when it begins none. */
function leadLength(b: number): number {
  return b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
}

/**
 * Whether the well-formed sequence at `i` is a character shown escaped: a C1 control
 * (c2 80-c2 9f), U+061C (d8 9c), U+200E-U+200F (e2 80 8e-8f), U+2028-U+202E (e2 80 a8-ae) or
 * U+2066-U+2069 (e2 81 a6-a9). Byte comparisons, so a valid character costs no decoding.
 */
function isEscapedCodePoint(bytes: Uint8Array, i: number, length: number): boolean {
  const lead = bytes[i];
  const second = bytes[i + 1];
  if (length === 2) return lead === 0xc2 ? second <= 0x9f : lead === 0xd8 && second === 0x9c;
  if (length !== 3 || lead !== 0xe2) return false;
  const third = bytes[i + 2];
  if (second === 0x80) return third === 0x8e || third === 0x8f || (third >= 0xa8 && third <= 0xae);
  return second === 0x81 && third >= 0xa6 && third <= 0xa9;
}

/** The code point of the well-formed two- or three-byte sequence at `i`. */
function codePoint(bytes: Uint8Array, i: number, length: number): number {
  return length === 2
    ? ((bytes[i] & 0x1f) << 6) | (bytes[i + 1] & 0x3f)
    : ((bytes[i] & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
}

/**
 * Escapes a byte stream chunk by chunk, as {@linkcode escapeBytes} does: a character split
 * between two chunks is held back until its end comes, instead of being shown as `\xNN` bytes;
 * with `crlfAsNewline`, so is a CR that ends a chunk, in case its LF begins the next.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { StreamEscaper } from "./escape.ts";
 * const escaper = new StreamEscaper();
 * const e = new TextEncoder().encode("é"); // c3 a9
 * assertEquals(escaper.push(e.subarray(0, 1)) + escaper.push(e.subarray(1)), "é");
 * ```
 */
export class StreamEscaper {
  #options: EscapeOptions;
  #crlf: boolean;
  #held: Uint8Array | undefined;

  /** Escapes with `options`, the same for every chunk. */
  constructor(options: EscapeOptions = {}) {
    this.#options = options;
    this.#crlf = options.keepNewlines === true && options.crlfAsNewline === true;
  }

  /** The text of `chunk`, but for a character it leaves unfinished (kept for the next chunk). */
  push(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.#held) {
      bytes = new Uint8Array(this.#held.length + chunk.length);
      bytes.set(this.#held);
      bytes.set(chunk, this.#held.length);
    }
    let keep = unfinishedTail(bytes);
    if (keep === 0 && this.#crlf && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) keep = 1;
    this.#held = keep > 0 ? bytes.slice(bytes.length - keep) : undefined;
    return escapeBytes(bytes.subarray(0, bytes.length - keep), this.#options);
  }

  /** What is still held back when the stream ends mid-character, escaped. */
  flush(): string {
    const held = this.#held;
    this.#held = undefined;
    return held ? escapeBytes(held, this.#options) : "";
  }
}

/** How many bytes at the end of `bytes` begin a UTF-8 character that has not ended (0 to 3). */
function unfinishedTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    return back < leadLength(b) ? back : 0;
  }
  return 0;
}

/**
 * The start of what a peer sent, as a person can read it: its first line, escaped, at most 40
 * characters (then `…`). How a server that does not speak the expected protocol is quoted.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { firstLineSample } from "./escape.ts";
 * assertEquals(firstLineSample(new TextEncoder().encode("SSH-2.0-OpenSSH_9.2\r\n")), "SSH-2.0-OpenSSH_9.2");
 * ```
 */
export function firstLineSample(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).split(/\r?\n/)[0];
  const shown = escapeText(text.slice(0, 40));
  return text.length > 40 ? `${shown}…` : shown;
}
