/** Showing bytes from the network as safe text: control bytes and invalid UTF-8 escaped. */

const decoder = new TextDecoder("utf-8");
/** Printable ASCII runs up to this length become text without a call into the decoder. */
const SHORT_RUN = 1024;
const NAMED: Record<number, string> = { 0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r", 0x5c: "\\\\" };

/** Options for {@linkcode escapeBytes}. */
export interface EscapeOptions {
  /** Keep line feeds (and tabs) as they are, for multi-line text. Default false. */
  keepNewlines?: boolean;
  /** With `keepNewlines`, show a CRLF line ending as a line feed alone. Default false. */
  crlfAsNewline?: boolean;
}

/**
 * Renders bytes as printable text: ESC, NUL, BEL and other control characters become `\x1b`,
 * `\x00`, ...; bytes that are not valid UTF-8 become `\xNN`; a backslash is doubled.
 *
 * @example
 * ```ts
 * import { escapeBytes } from "./escape.ts";
 * escapeBytes(new TextEncoder().encode("hi\x1b[31m")); // "hi\\x1b[31m"
 * ```
 */
export function escapeBytes(bytes: Uint8Array, options: EscapeOptions = {}): string {
  if (bytes.length <= SHORT_RUN && isPlainAscii(bytes)) {
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  // One pass: runs of printable, valid UTF-8 are decoded whole; everything else is escaped.
  let out = "";
  let start = 0;
  let i = 0;
  let ascii = true; // whether the run since `start` is ASCII, which needs no decoder
  const flush = () => {
    if (i === start) return;
    const run = bytes.subarray(start, i);
    out += ascii && run.length <= SHORT_RUN
      ? String.fromCharCode.apply(null, run as unknown as number[])
      : decoder.decode(run);
    ascii = true;
  };
  while (i < bytes.length) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) {
      i++;
      continue;
    }
    const length = b < 0x80 ? 1 : utf8Length(bytes, i);
    if (length > 1 && !isEscapedCodePoint(bytes, i, length)) {
      i += length;
      ascii = false;
      continue;
    }
    flush();
    if (b === 0x0d && options.crlfAsNewline && options.keepNewlines && bytes[i + 1] === 0x0a) {
      start = ++i; // the CR of a CRLF: its LF comes next
      continue;
    }
    if (length === 0) {
      out += hex(b);
      i++;
    } else {
      const text = decoder.decode(bytes.subarray(i, i + length));
      out += escapeText(text, options);
      i += length;
    }
    start = i;
  }
  flush();
  return out;
}

/** True when every byte is printable ASCII other than the backslash: text as it is. */
function isPlainAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x20 || b >= 0x7f || b === 0x5c) return false;
  }
  return true;
}

/** Escapes the control characters of a string, as {@linkcode escapeBytes} does. */
export function escapeText(text: string, options: EscapeOptions = {}): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f\\\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    if (options.keepNewlines && (code === 0x0a || code === 0x09)) return c;
    return NAMED[code] ?? (code <= 0xff ? hex(code) : `\\u${code.toString(16).padStart(4, "0")}`);
  });
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
 * Escapes a byte stream chunk by chunk, as {@linkcode escapeBytes} does: a character split
 * between two chunks is held back until its end comes, instead of being shown as `\xNN` bytes.
 */
export class StreamEscaper {
  #options: EscapeOptions;
  #held: Uint8Array | undefined;

  constructor(options: EscapeOptions = {}) {
    this.#options = options;
  }

  /** The text of `chunk`, but for a character it leaves unfinished (kept for the next chunk). */
  push(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.#held) {
      bytes = new Uint8Array(this.#held.length + chunk.length);
      bytes.set(this.#held);
      bytes.set(chunk, this.#held.length);
    }
    const keep = unfinishedTail(bytes);
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

/** C1 controls (U+0080-U+009F) and the Unicode line and paragraph separators are escaped too. */
function isEscapedCodePoint(bytes: Uint8Array, i: number, length: number): boolean {
  if (length === 2) return bytes[i] === 0xc2 && bytes[i + 1] <= 0x9f;
  return length === 3 && bytes[i] === 0xe2 && bytes[i + 1] === 0x80 &&
    (bytes[i + 2] === 0xa8 || bytes[i + 2] === 0xa9);
}

function hex(code: number): string {
  return `\\x${code.toString(16).padStart(2, "0")}`;
}
