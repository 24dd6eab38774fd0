import { assertEquals, assertFalse, assertStrictEquals, assertThrows } from "@std/assert";
import { jsonBytesText, jsonLine } from "../../lib/io/json.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** Any character a terminal acts on: what no JSON line of tcpkit may hold raw. */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

// --- jsonLine --------------------------------------------------------------------------------

Deno.test("jsonLine() writes what JSON.stringify() writes when nothing needs escaping", () => {
  const value = { event: "listening", port: 9000, ok: true, name: "Zoë 😀", tags: ["a", null] };
  assertEquals(jsonLine(value), JSON.stringify(value));
});

Deno.test("jsonLine() leaves the C0 controls to JSON.stringify(), which escapes them", () => {
  assertEquals(jsonLine("a\x1b[2J\r\n\t\x00"), '"a\\u001b[2J\\r\\n\\t\\u0000"');
});

Deno.test("jsonLine() escapes DEL and the C1 controls as \\u00NN", () => {
  assertEquals(jsonLine("\x7f"), '"\\u007f"');
  assertEquals(jsonLine("a\x9b31mb\x85"), '"a\\u009b31mb\\u0085"');
});

Deno.test("jsonLine() escapes the line and paragraph separators", () => {
  assertEquals(jsonLine("a\u2028b\u2029c"), '"a\\u2028b\\u2029c"');
});

Deno.test("jsonLine() escapes every bidirectional control", () => {
  const bidi = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
  assertEquals(
    jsonLine(bidi),
    '"\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069"',
  );
});

Deno.test("jsonLine() escapes keys as well as values", () => {
  assertEquals(jsonLine({ "a\u202e": "\x9b" }), '{"a\\u202e":"\\u009b"}');
});

Deno.test("jsonLine() output parses back to the same value", () => {
  const value = {
    text: '\x00\x1b\x7f\x80\x9b\x9f\xa0\u061c\u200e\u2028\u202e\u2066\u2069 é 😀 \\ "',
    nested: [{ deep: "\u202d\x85" }],
  };
  assertEquals(JSON.parse(jsonLine(value)), value);
});

Deno.test("jsonLine() output never holds a character a terminal acts on", () => {
  const all = Array.from({ length: 0x2100 }, (_, code) => String.fromCharCode(code)).join("");
  const line = jsonLine({ all });
  assertFalse(UNSAFE.test(line));
  assertEquals(JSON.parse(line).all, all);
});

Deno.test("jsonLine() keeps the characters next to the escaped ones", () => {
  assertEquals(
    jsonLine("\x7e\xa0\u200d\u2027\u202f\u2065\u206a"),
    '"~\xa0\u200d\u2027\u202f\u2065\u206a"',
  );
});

Deno.test("jsonLine() rejects a value that has no JSON form", () => {
  assertThrows(() => jsonLine(undefined), TypeError, "Cannot write undefined as JSON");
  assertThrows(() => jsonLine(() => {}), TypeError, "Cannot write function as JSON");
  assertThrows(() => jsonLine(1n), TypeError);
});

// --- jsonBytesText ---------------------------------------------------------------------------

Deno.test("jsonBytesText() carries valid UTF-8 as text alone", () => {
  assertEquals(jsonBytesText(encode("SSH-2.0-OpenSSH_9.6\r\n")), {
    text: "SSH-2.0-OpenSSH_9.6\r\n",
  });
  assertFalse("base64" in jsonBytesText(encode("Zoë")));
});

Deno.test("jsonBytesText() keeps CRs and control bytes, for the JSON encoding to escape once", () => {
  const bytes = encode("220 ready\r\n\x1b[2J\x00");
  const { text } = jsonBytesText(bytes);
  assertEquals(text, "220 ready\r\n\x1b[2J\x00");
  assertEquals(jsonLine({ greeting: text }), '{"greeting":"220 ready\\r\\n\\u001b[2J\\u0000"}');
  assertEquals(encode(JSON.parse(jsonLine({ greeting: text })).greeting), bytes);
});

Deno.test("jsonBytesText() keeps a byte order mark", () => {
  assertEquals(jsonBytesText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), { text: "\ufeffA" });
});

Deno.test("jsonBytesText() carries bytes that are not valid UTF-8 in base64, exactly", () => {
  const bytes = new Uint8Array([0x4a, 0x00, 0x00, 0x00, 0x0a, 0x38, 0xff, 0xc3, 0x28, 0x80]);
  const carried = jsonBytesText(bytes);
  assertEquals(carried.text, "J\x00\x00\x00\n8\ufffd\ufffd(\ufffd");
  assertEquals(carried.base64, "SgAAAAo4/8MogA==");
  assertEquals(Uint8Array.fromBase64(carried.base64!), bytes);
});

Deno.test("jsonBytesText() treats a character cut off at the end as not valid", () => {
  const carried = jsonBytesText(new Uint8Array([0x41, 0xe2, 0x82]));
  assertEquals(carried, { text: "A\ufffd", base64: "QeKC" });
});

Deno.test("jsonBytesText() carries no bytes as empty text", () => {
  assertEquals(jsonBytesText(new Uint8Array(0)), { text: "" });
});

Deno.test("jsonBytesText() decodes a view of a larger buffer, not the whole buffer", () => {
  const buffer = encode("xxHELLOxx");
  assertStrictEquals(jsonBytesText(buffer.subarray(2, 7)).text, "HELLO");
  const invalid = new Uint8Array([0x41, 0xff, 0x42, 0x43]).subarray(1, 3);
  assertEquals(jsonBytesText(invalid), { text: "\ufffdB", base64: "/0I=" });
});
