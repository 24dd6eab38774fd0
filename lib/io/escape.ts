/** Showing bytes from the network as safe text: control bytes and invalid UTF-8 escaped. */

const decoder = new TextDecoder("utf-8", { fatal: true });
const NAMED: Record<number, string> = { 0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r", 0x5c: "\\\\" };

/** Options for {@linkcode escapeBytes}. */
export interface EscapeOptions {
  /** Keep line feeds (and tabs) as they are, for multi-line text. Default false. */
  keepNewlines?: boolean;
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
  let out = "";
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    // Runs of valid UTF-8 are decoded whole; a byte that breaks one is escaped alone.
    if (i < bytes.length && bytes[i] < 0x80) continue;
    out += escapeText(decodeAscii(bytes, start, i), options);
    if (i === bytes.length) break;
    const length = utf8Length(bytes, i);
    if (length > 0) {
      out += escapeText(decoder.decode(bytes.subarray(i, i + length)), options);
      i += length - 1;
    } else {
      out += hex(bytes[i]);
    }
    start = i + 1;
  }
  return out;
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

function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** The length of the valid UTF-8 sequence at `i`, or 0 if there is none. */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  const length = b >= 0xc2 && b <= 0xdf
    ? 2
    : b >= 0xe0 && b <= 0xef
    ? 3
    : b >= 0xf0 && b <= 0xf4
    ? 4
    : 0;
  if (length === 0 || i + length > bytes.length) return 0;
  try {
    decoder.decode(bytes.subarray(i, i + length));
    return length;
  } catch {
    return 0;
  }
}

function hex(code: number): string {
  return `\\x${code.toString(16).padStart(2, "0")}`;
}
