/** JSON Lines that are safe on a terminal, and received bytes carried in JSON exactly once. */

/**
 * What JSON.stringify leaves raw but a terminal acts on: DEL, C1 controls, the line and paragraph
 * separators and the bidirectional controls. (It escapes C0 controls and lone surrogates itself.)
 */
const RAW = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const RAW_ALL = new RegExp(RAW.source, "g");

/**
 * `JSON.stringify(value)` on one line, with DEL, C1 controls, U+2028/U+2029 and the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) written as
 * `\u007f`, `\u009b`, `\u202e`: the same JSON to a parser, but nothing a terminal would act on
 * when the line is read by a person. Such characters can only be inside strings, where `\uNNNN`
 * means the character itself, so the value parses back unchanged. Text with none of them costs
 * one regex test over the stringified line. No line ending is added.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonLine } from "./json.ts";
 * assertEquals(jsonLine({ name: "evil\u202etxt" }), '{"name":"evil\\u202etxt"}');
 * assertEquals(JSON.parse(jsonLine({ name: "evil\u202etxt" })).name, "evil\u202etxt");
 * ```
 *
 * @param value what to write: anything JSON.stringify turns into text
 * @returns the JSON text, without a line ending
 * @throws {TypeError} when the value has no JSON form (`undefined`, a function, a symbol, a
 * BigInt) or refers to itself
 */
export function jsonLine(value: unknown): string {
  const text: string | undefined = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`Cannot write ${typeof value} as JSON`);
  if (!RAW.test(text)) return text;
  return text.replace(RAW_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });

/** Received bytes as {@linkcode jsonBytesText} carries them in JSON. */
export interface JsonBytesText {
  /** The bytes as text: exact when they are valid UTF-8, else with U+FFFD for what is not. */
  text: string;
  /** The exact bytes in base64, present only when `text` is not exact. */
  base64?: string;
}

/**
 * Received bytes as JSON fields, carried exactly once. Valid UTF-8 (BOM and CRs included) is
 * carried as `text` as it is, and only the JSON encoding escapes it: escaping it beforehand as
 * for a terminal would escape it twice (`"\\r"` in the JSON, a backslash and an `r` to a parser),
 * and shaping it for people (CRLF as LF) would drop bytes. Put the result through
 * {@linkcode jsonLine}, which escapes what a terminal would act on. Bytes that are not valid
 * UTF-8 cannot be text: `text` is then their lossy decoding, for people, and `base64` holds the
 * exact bytes, for programs. A reader takes `base64` when it is there, else `text` in UTF-8.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonBytesText } from "./json.ts";
 * const greeting = new TextEncoder().encode("220 ready\r\n");
 * assertEquals(jsonBytesText(greeting), { text: "220 ready\r\n" });
 * assertEquals(jsonBytesText(new Uint8Array([0x41, 0xff])), { text: "A\ufffd", base64: "Qf8=" });
 * ```
 *
 * @param bytes the bytes received
 * @returns `{ text }`, or `{ text, base64 }` when the bytes are not valid UTF-8
 */
export function jsonBytesText(bytes: Uint8Array): JsonBytesText {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    return { text: lossy.decode(bytes), base64: bytes.toBase64() };
  }
}
