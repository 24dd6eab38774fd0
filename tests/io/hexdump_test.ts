import { assertEquals, assertFalse } from "@std/assert";
import { HexDumper } from "../../lib/io/hexdump.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("HexDumper.dump() shows a short chunk as one line, as hexdump -C does after the label", () => {
  const sent = new HexDumper("> 127.0.0.1:9000");
  assertEquals(
    sent.dump(encode("Hello\n")),
    "> 127.0.0.1:9000 00000000  48 65 6c 6c 6f 0a                                 |Hello.|\n",
  );
});

Deno.test("HexDumper.dump() puts 16 bytes on a line, with a wider gap after the eighth", () => {
  const received = new HexDumper("< 127.0.0.1:9000");
  assertEquals(
    received.dump(encode("Hello, world!\r\n\x1b[0m")),
    "< 127.0.0.1:9000 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0d 0a 1b  |Hello, world!...|\n" +
      "< 127.0.0.1:9000 00000010  5b 30 6d                                          |[0m|\n",
  );
});

Deno.test("HexDumper.dump() lays out lines exactly as hexdump -C does", () => {
  // The output of `printf 'Hello\nWorld, this is a longer line \x1b[31m with bytes\0\xff\n' | hexdump -C`.
  const bytes = new Uint8Array([
    ...encode("Hello\nWorld, this is a longer line \x1b[31m with bytes\0"),
    0xff,
    0x0a,
  ]);
  assertEquals(
    new HexDumper("").dump(bytes),
    [
      "00000000  48 65 6c 6c 6f 0a 57 6f  72 6c 64 2c 20 74 68 69  |Hello.World, thi|",
      "00000010  73 20 69 73 20 61 20 6c  6f 6e 67 65 72 20 6c 69  |s is a longer li|",
      "00000020  6e 65 20 1b 5b 33 31 6d  20 77 69 74 68 20 62 79  |ne .[31m with by|",
      "00000030  74 65 73 00 ff 0a                                 |tes...|",
      "",
    ].join("\n"),
  );
});

Deno.test("HexDumper.dump() keeps the ASCII column in place for every line length", () => {
  for (let length = 1; length <= 16; length++) {
    const line = new HexDumper("<").dump(new Uint8Array(length).fill(0x41));
    assertEquals(line.indexOf("|"), "< 00000000  ".length + 16 * 3 + 1 + 1, `${length} bytes`);
    assertEquals(line.length, line.indexOf("|") + length + 3);
  }
  // Eight bytes: the gap after the eighth is kept, in the padding.
  assertEquals(
    new HexDumper("<").dump(new Uint8Array(8).fill(0x42)),
    `< 00000000  ${"42 ".repeat(8)}  ${" ".repeat(24)}|BBBBBBBB|\n`,
  );
});

Deno.test("HexDumper.dump() continues the offset from the previous chunk, on a new line", () => {
  const dumper = new HexDumper("<");
  dumper.dump(encode("0123456789")); // 10 bytes
  assertEquals(dumper.offset, 10);
  const lines = dumper.dump(new Uint8Array(20).fill(0x2e)).split("\n");
  assertEquals(lines.map((line) => line.slice(2, 10)), ["0000000a", "0000001a", ""]);
  assertEquals(dumper.offset, 30);
});

Deno.test("HexDumper keeps one offset per dumper, so the two directions count apart", () => {
  const sent = new HexDumper("> peer");
  const received = new HexDumper("< peer");
  sent.dump(new Uint8Array(100));
  assertEquals(received.dump(encode("hi")).slice(0, 15), "< peer 00000000");
  assertEquals(sent.dump(encode("hi")).slice(0, 15), "> peer 00000064");
});

Deno.test("HexDumper.dump() shows every byte that is not printable ASCII as a dot", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  const text = new HexDumper("").dump(all).split("\n").slice(0, -1)
    .map((line) => line.slice(line.indexOf("|") + 1, -1)).join("");
  const expected = Array.from(all, (b) => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".");
  assertEquals(text, expected.join(""));
  // deno-lint-ignore no-control-regex
  assertFalse(/[\x00-\x09\x0b-\x1f\x7f-\uffff]/.test(new HexDumper("").dump(all)));
});

Deno.test("HexDumper.dump() shows nothing for an empty chunk", () => {
  const dumper = new HexDumper("<");
  assertEquals(dumper.dump(new Uint8Array(0)), "");
  assertEquals(dumper.offset, 0);
});

Deno.test("HexDumper escapes its label, which may hold a host name from the command line", () => {
  const dumper = new HexDumper("> evil\x1b[2J\u202e:80");
  assertEquals(dumper.dump(encode("A")).slice(0, 25), "> evil\\x1b[2J\\u202e:80 00");
});

Deno.test("HexDumper.dump() of a large chunk gives a line per 16 bytes, in order", () => {
  const chunk = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
  const lines = new HexDumper("<").dump(chunk).split("\n");
  assertEquals(lines.length, 4096 + 1);
  assertEquals(lines[4095].slice(0, 12), "< 0000fff0  ");
  assertEquals(lines[4095].slice(12, 17), "f0 f1");
});
