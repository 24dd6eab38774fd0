import { assertEquals, assertFalse } from "@std/assert";
import { escapeBytes, escapeText, firstLineSample, StreamEscaper } from "../../lib/io/escape.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);

// --- escapeBytes -----------------------------------------------------------------------------

Deno.test("escapeBytes() keeps printable ASCII as it is", () => {
  assertEquals(escapeBytes(encode("Hello, world! ~[]{}")), "Hello, world! ~[]{}");
});

Deno.test("escapeBytes() returns an empty string for no bytes", () => {
  assertEquals(escapeBytes(new Uint8Array(0)), "");
});

Deno.test("escapeBytes() escapes ESC, so terminal sequences are shown, not run", () => {
  assertEquals(escapeBytes(encode("hi\x1b[31mred")), "hi\\x1b[31mred");
  assertFalse(escapeBytes(encode("\x1b]0;title\x07")).includes("\x1b"));
});

Deno.test("escapeBytes() escapes NUL", () => {
  assertEquals(escapeBytes(bytes(0x61, 0x00, 0x62)), "a\\x00b");
});

Deno.test("escapeBytes() escapes BEL", () => {
  assertEquals(escapeBytes(bytes(0x07)), "\\x07");
});

Deno.test("escapeBytes() escapes CR as \\r", () => {
  assertEquals(escapeBytes(encode("a\r\n")), "a\\r\\n");
});

Deno.test("escapeBytes() escapes LF and tab by default", () => {
  assertEquals(escapeBytes(encode("a\nb\tc")), "a\\nb\\tc");
});

Deno.test("escapeBytes() doubles a backslash, so escapes stay unambiguous", () => {
  assertEquals(escapeBytes(encode("a\\b")), "a\\\\b");
  // A literal backslash-x-1-b is not the same as an ESC byte.
  assertEquals(escapeBytes(encode("\\x1b")), "\\\\x1b");
});

Deno.test("escapeBytes() escapes DEL and the other C0 control bytes", () => {
  assertEquals(escapeBytes(bytes(0x7f)), "\\x7f");
  assertEquals(escapeBytes(bytes(0x01, 0x08, 0x0b, 0x0c, 0x1f)), "\\x01\\x08\\x0b\\x0c\\x1f");
});

Deno.test("escapeBytes() escapes a C1 control character encoded in UTF-8 as \\u00NN", () => {
  // U+009B (CSI) is a terminal control sequence introducer; \x9b would be a byte alone.
  assertEquals(escapeBytes(bytes(0xc2, 0x9b)), "\\u009b");
  assertEquals(escapeBytes(bytes(0x9b)), "\\x9b");
});

Deno.test("escapeBytes() keeps multi-byte UTF-8 characters", () => {
  assertEquals(escapeBytes(encode("café")), "café");
  assertEquals(escapeBytes(encode("€ 100")), "€ 100");
  assertEquals(escapeBytes(encode("日本語")), "日本語");
  assertEquals(escapeBytes(encode("ok 😀!")), "ok 😀!");
});

Deno.test("escapeBytes() escapes bytes that are not valid UTF-8 as \\xNN", () => {
  assertEquals(escapeBytes(bytes(0xff)), "\\xff");
  assertEquals(escapeBytes(bytes(0x41, 0xfe, 0x42)), "A\\xfeB");
  assertEquals(escapeBytes(bytes(0x80)), "\\x80");
});

Deno.test("escapeBytes() escapes a truncated UTF-8 sequence byte by byte", () => {
  assertEquals(escapeBytes(bytes(0xc3)), "\\xc3");
  assertEquals(escapeBytes(bytes(0xe2, 0x82)), "\\xe2\\x82");
  assertEquals(escapeBytes(bytes(0xf0, 0x9f, 0x98)), "\\xf0\\x9f\\x98");
  assertEquals(escapeBytes(bytes(0xc3, 0x41)), "\\xc3A");
});

Deno.test("escapeBytes() escapes overlong encodings and UTF-16 surrogates", () => {
  assertEquals(escapeBytes(bytes(0xc0, 0x80)), "\\xc0\\x80");
  assertEquals(escapeBytes(bytes(0xed, 0xa0, 0x80)), "\\xed\\xa0\\x80");
});

Deno.test("escapeBytes() resumes after an invalid byte with valid UTF-8", () => {
  const input = new Uint8Array([...encode("é"), 0xff, ...encode("ü\x1bz")]);
  assertEquals(escapeBytes(input), "é\\xffü\\x1bz");
});

Deno.test("escapeBytes() keeps LF and tab with keepNewlines", () => {
  assertEquals(escapeBytes(encode("a\nb\tc\n"), { keepNewlines: true }), "a\nb\tc\n");
});

Deno.test("escapeBytes() still escapes CR and ESC with keepNewlines", () => {
  assertEquals(escapeBytes(encode("a\r\n\x1b"), { keepNewlines: true }), "a\\r\n\\x1b");
});

Deno.test("escapeBytes() output never contains a control character", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  // deno-lint-ignore no-control-regex
  assertFalse(/[\x00-\x1f\x7f-\x9f]/.test(escapeBytes(all)));
});

// --- escapeText ------------------------------------------------------------------------------

Deno.test("escapeText() keeps ordinary text", () => {
  assertEquals(escapeText("Hello, café 😀"), "Hello, café 😀");
});

Deno.test("escapeText() escapes control characters", () => {
  assertEquals(escapeText("\x1b[0m\x00\x07\r"), "\\x1b[0m\\x00\\x07\\r");
});

Deno.test("escapeText() escapes LF and tab unless keepNewlines", () => {
  assertEquals(escapeText("a\n\tb"), "a\\n\\tb");
  assertEquals(escapeText("a\n\tb", { keepNewlines: true }), "a\n\tb");
});

Deno.test("escapeText() doubles a backslash", () => {
  assertEquals(escapeText("C:\\dir"), "C:\\\\dir");
});

Deno.test("escapeText() escapes C1 controls and the Unicode line separators", () => {
  assertEquals(escapeText("\x9b"), "\\u009b");
  assertEquals(escapeText("a\u2028b\u2029c"), "a\\u2028b\\u2029c");
});

Deno.test("escapeBytes() escapes ill-formed UTF-8: surrogates, overlong forms, above U+10FFFF", () => {
  assertEquals(escapeBytes(new Uint8Array([0xed, 0xa0, 0x80])), "\\xed\\xa0\\x80");
  assertEquals(escapeBytes(new Uint8Array([0xc0, 0x80, 0x41])), "\\xc0\\x80A");
  assertEquals(escapeBytes(new Uint8Array([0xe0, 0x80, 0xaf])), "\\xe0\\x80\\xaf");
  assertEquals(escapeBytes(new Uint8Array([0xf4, 0x90, 0x80, 0x80])), "\\xf4\\x90\\x80\\x80");
  assertEquals(escapeBytes(new Uint8Array([0xf0, 0x9f, 0x98, 0x80])), "😀");
});

Deno.test("escapeBytes() escapes C1 controls and the Unicode line separators", () => {
  assertEquals(escapeBytes(new Uint8Array([0x61, 0xc2, 0x85, 0x62])), "a\\u0085b");
  assertEquals(escapeBytes(new TextEncoder().encode("a\u2028b\u2029c")), "a\\u2028b\\u2029c");
  assertEquals(escapeBytes(new TextEncoder().encode("é\u00a0ü")), "é\u00a0ü");
});

Deno.test("escapeBytes() keeps long runs and runs of UTF-8 text whole", () => {
  const long = "a".repeat(5000);
  assertEquals(escapeBytes(encode(long)), long);
  assertEquals(escapeBytes(encode(`Zoë ${long}\x07é`)), `Zoë ${long}\\x07é`);
});

Deno.test("escapeBytes() treats the last byte of short printable text like any other", () => {
  // Names up to 1,024 bytes that are plain printable ASCII are taken as they are; one byte
  // that is not, wherever it is, sends the whole text through the escaping.
  for (const length of [1, 1023, 1024, 1025]) {
    const text = "n".repeat(length - 1);
    assertEquals(escapeBytes(encode(`${text}~`)), `${text}~`);
    assertEquals(escapeBytes(encode(`${text}\\`)), `${text}\\\\`);
    assertEquals(escapeBytes(encode(`${text}\x1b`)), `${text}\\x1b`);
    assertEquals(escapeBytes(encode(`\x7f${text}`)), `\\x7f${text}`);
  }
});

Deno.test("escapeBytes() shows a CRLF as a line break with crlfAsNewline, and escapes a lone CR", () => {
  const options = { keepNewlines: true, crlfAsNewline: true };
  assertEquals(escapeBytes(encode("220 ready\r\n"), options), "220 ready\n");
  assertEquals(escapeBytes(encode("a\rb\r\r\nc\n\r"), options), "a\\rb\\r\nc\n\\r");
  // Without keepNewlines there are no line breaks to show.
  assertEquals(escapeBytes(encode("a\r\n"), { crlfAsNewline: true }), "a\\r\\n");
});

/** What a StreamEscaper prints for `bytes` split at each of `cuts`, and at the end. */
function streamed(bytes: Uint8Array, cuts: number[]): string[] {
  const escaper = new StreamEscaper({ keepNewlines: true });
  const edges = [0, ...cuts, bytes.length];
  const out = edges.slice(1).map((end, i) => escaper.push(bytes.subarray(edges[i], end)));
  return [...out, escaper.flush()];
}

Deno.test("StreamEscaper holds back a character split between chunks until its end comes", () => {
  const zoe = encode("Hello Zoë!\n"); // ë is c3 ab
  assertEquals(streamed(zoe, [9]), ["Hello Zo", "ë!\n", ""]);
  const wave = encode("a👋b"); // 👋 is f0 9f 91 8b
  for (const cut of [2, 3, 4]) {
    assertEquals(streamed(wave, [cut]).join(""), "a👋b", `cut at ${cut}`);
    assertEquals(streamed(wave, [cut])[0], "a");
  }
  assertEquals(streamed(wave, [2, 3, 4]), ["a", "", "", "👋b", ""]);
});

Deno.test("StreamEscaper shows bytes that begin no character at once, escaped", () => {
  assertEquals(streamed(Uint8Array.from([0x41, 0xff, 0x80, 0x1b]), [2]), [
    "A\\xff",
    "\\x80\\x1b",
    "",
  ]);
});

Deno.test("StreamEscaper.flush() shows an unfinished character escaped when the stream ends", () => {
  assertEquals(streamed(Uint8Array.from([0x5a, 0x6f, 0xc3]), []), ["Zo", "\\xc3"]);
  assertEquals(streamed(Uint8Array.from([0xe2, 0x82]), []), ["", "\\xe2\\x82"]);
});

Deno.test("StreamEscaper of whole chunks gives what escapeBytes() gives", () => {
  const bytes = encode("Server: Hello \x1b[2J\n\tZoë\\");
  assertEquals(streamed(bytes, []).join(""), escapeBytes(bytes, { keepNewlines: true }));
});

// --- one policy, in bytes, in strings and in streams -----------------------------------------

/** The bidirectional controls, which reorder what a terminal shows after them. */
const BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
const u = (code: number) => `\\u${code.toString(16).padStart(4, "0")}`;

Deno.test("escapeBytes() and escapeText() escape every bidirectional control as \\uNNNN", () => {
  for (const char of BIDI) {
    const code = char.charCodeAt(0);
    assertEquals(escapeBytes(encode(`a${char}b`)), `a${u(code)}b`);
    assertEquals(escapeText(`a${char}b`), `a${u(code)}b`);
  }
});

Deno.test("escapeBytes() shows a right-to-left override escaped, so a name cannot reverse the line", () => {
  // "evil\u202Etxt.exe" would show as "evilexe.txt" on a terminal.
  assertEquals(escapeBytes(encode("evil\u202etxt.exe")), "evil\\u202etxt.exe");
  assertEquals(escapeBytes(bytes(0xe2, 0x80, 0xae)), "\\u202e");
});

Deno.test("escapeBytes() keeps the characters next to the bidi controls", () => {
  // U+200D (joiner) and U+2030 (per mille) share the bidi controls' first bytes.
  assertEquals(
    escapeBytes(encode("\u200d\u2027\u202f\u2030\u2065\u206a\u061b\u061d")),
    "\u200d\u2027\u202f\u2030\u2065\u206a\u061b\u061d",
  );
  assertEquals(
    escapeText("\u200d\u2027\u202f\u2030\u2065\u206a\u061b\u061d"),
    "\u200d\u2027\u202f\u2030\u2065\u206a\u061b\u061d",
  );
});

Deno.test("escapeBytes() and escapeText() escape C0 controls and DEL as \\xNN", () => {
  assertEquals(escapeBytes(bytes(0x00, 0x07, 0x1b, 0x1f, 0x7f)), "\\x00\\x07\\x1b\\x1f\\x7f");
  assertEquals(escapeText("\x00\x07\x1b\x1f\x7f"), "\\x00\\x07\\x1b\\x1f\\x7f");
});

Deno.test("escapeBytes() and escapeText() escape every C1 control as \\u00NN", () => {
  for (let code = 0x80; code <= 0x9f; code++) {
    assertEquals(escapeBytes(bytes(0xc2, code)), u(code));
    assertEquals(escapeText(String.fromCharCode(code)), u(code));
  }
  // The first character after them is printable: a no-break space.
  assertEquals(escapeText("\xa0"), "\xa0");
});

Deno.test("escapeText() escapes the Unicode line and paragraph separators as \\u2028 and \\u2029", () => {
  assertEquals(escapeText("\u2028\u2029", { keepNewlines: true }), "\\u2028\\u2029");
});

Deno.test("escapeText() shows a CRLF as a line break with crlfAsNewline, as escapeBytes() does", () => {
  const options = { keepNewlines: true, crlfAsNewline: true };
  assertEquals(escapeText("220 ready\r\n", options), "220 ready\n");
  assertEquals(escapeText("a\rb\r\r\nc\n\r", options), "a\\rb\\r\nc\n\\r");
  assertEquals(escapeText("a\r\n", { crlfAsNewline: true }), "a\\r\\n");
});

Deno.test("escapeText() returns text with nothing to escape as it is", () => {
  const text = "Hello, Zoë — 日本語 😀";
  assertEquals(escapeText(text), text);
  assertEquals(escapeText(""), "");
});

Deno.test("escapeBytes() gives what escapeText() gives for the same text", () => {
  const text = "a\tb\nc\r\n\x1b[1m\\ \x7f\x85\u2028\u202e\u2066ë😀";
  for (const options of [{}, { keepNewlines: true }, { keepNewlines: true, crlfAsNewline: true }]) {
    assertEquals(escapeBytes(encode(text), options), escapeText(text, options));
  }
});

Deno.test("escapeBytes() escapes long input with many escapes, and characters among them, whole", () => {
  // Far more escaped text than one 16 KiB buffer, with characters across every buffer's end.
  const piece = "\x1bé\u202e😀\\";
  const input = encode(piece.repeat(5000));
  assertEquals(escapeBytes(input), "\\x1bé\\u202e😀\\\\".repeat(5000));
  const ascii = `${"a".repeat(20000)}\x00${"b".repeat(20000)}`;
  assertEquals(escapeBytes(encode(ascii)), `${"a".repeat(20000)}\\x00${"b".repeat(20000)}`);
});

/** Any character escapeText() and escapeBytes() must never leave raw. */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

Deno.test("escapeText() and escapeBytes() never leave a control, separator or bidi character raw", () => {
  const all = Array.from({ length: 0x2100 }, (_, code) => String.fromCharCode(code)).join("");
  assertFalse(UNSAFE.test(escapeText(all)));
  assertFalse(UNSAFE.test(escapeBytes(encode(all))));
});

Deno.test("StreamEscaper escapes a bidi control split between chunks whole", () => {
  assertEquals(streamed(encode("a\u202eb"), [2]), ["a", "\\u202eb", ""]);
  assertEquals(streamed(bytes(0xc2, 0x9b), [1]), ["", "\\u009b", ""]);
});

Deno.test("StreamEscaper with crlfAsNewline holds back a CR that ends a chunk, for its LF", () => {
  const escaper = new StreamEscaper({ keepNewlines: true, crlfAsNewline: true });
  assertEquals(escaper.push(encode("220 ready\r")), "220 ready");
  assertEquals(escaper.push(encode("\nnext\r")), "\nnext");
  assertEquals(escaper.push(encode("x")), "\\rx");
  assertEquals(escaper.push(encode("\r")), "");
  assertEquals(escaper.flush(), "\\r");
});

Deno.test("firstLineSample() quotes a peer's first line, escaped, at most 40 characters", () => {
  assertEquals(firstLineSample(encode("SSH-2.0-OpenSSH_9.2p1\r\nmore")), "SSH-2.0-OpenSSH_9.2p1");
  assertEquals(
    firstLineSample(encode("\x1b[2J" + "x".repeat(50))),
    "\\x1b[2J" + "x".repeat(36) + "…",
  );
});
