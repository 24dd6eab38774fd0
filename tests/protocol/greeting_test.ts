import { concatBytes } from "../_bytes.ts";
import { assertEquals, assertStrictEquals } from "@std/assert";
import {
  GOODBYE,
  GREETING,
  helloLength,
  isExit,
  LineFramer,
  MAX_NAME_BYTES,
  writeHello,
} from "../../lib/protocol/greeting.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of an ASCII (or UTF-8) text. */
function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The messages as texts, for readable comparisons. */
function texts(messages: Uint8Array[] | null): string[] | null {
  return messages === null ? null : messages.map((message) => decoder.decode(message));
}

/** `length` bytes of the letter `a`. */
function letters(length: number): Uint8Array {
  return new Uint8Array(length).fill(0x61);
}

/** The answer to a name, as the server writes it: in an array of its own. */
function helloTo(name: Uint8Array): Uint8Array {
  const answer = new Uint8Array(helloLength(name.length));
  writeHello(name, answer, 0);
  return answer;
}

/** The concatenation of the given byte arrays. */
function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

// --- the server's words ---

Deno.test("GREETING is the welcome and the first prompt, byte for byte", () => {
  assertEquals(GREETING, bytes("Server: Welcome!\nServer: What's your name?"));
  assertEquals(
    Array.from(GREETING.subarray(0, 17)),
    [
      0x53,
      0x65,
      0x72,
      0x76,
      0x65,
      0x72,
      0x3a,
      0x20, // "Server: "
      0x57,
      0x65,
      0x6c,
      0x63,
      0x6f,
      0x6d,
      0x65,
      0x21,
      0x0a, // "Welcome!\n"
    ],
  );
  assertStrictEquals(GREETING.length, 42);
  assertStrictEquals(GREETING[GREETING.length - 1], 0x3f); // "?", no trailing newline
});

Deno.test("GOODBYE is the farewell line, byte for byte", () => {
  assertEquals(GOODBYE, bytes("Server: Good bye!\n"));
  assertStrictEquals(GOODBYE.length, 18);
});

Deno.test("helloTo() greets the name and prompts again", () => {
  assertEquals(helloTo(bytes("Alice")), bytes("Server: Hello Alice!\nServer: What's your name?"));
});

Deno.test("helloTo() of an empty name still greets and prompts", () => {
  assertEquals(helloTo(new Uint8Array(0)), bytes("Server: Hello !\nServer: What's your name?"));
});

Deno.test("helloTo() copies UTF-8 names verbatim", () => {
  assertEquals(
    helloTo(bytes("Zoë 🦕")),
    bytes("Server: Hello Zoë 🦕!\nServer: What's your name?"),
  );
});

Deno.test("helloTo() copies invalid UTF-8 and NUL bytes verbatim", () => {
  const name = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x80, 0x00, 0xfe, 0x41]);
  const reply = helloTo(name);
  const start = bytes("Server: Hello ");
  const end = bytes("!\nServer: What's your name?");
  assertEquals(reply, concat(start, name, end));
  assertEquals(Array.from(reply.subarray(start.length, start.length + name.length)), [
    0xff,
    0x00,
    0xc3,
    0x28,
    0x80,
    0x00,
    0xfe,
    0x41,
  ]);
});

Deno.test("helloTo() returns a copy that does not change with the name", () => {
  const name = bytes("Bob");
  const reply = helloTo(name);
  name.fill(0x58);
  assertEquals(reply, bytes("Server: Hello Bob!\nServer: What's your name?"));
});

Deno.test("helloTo() takes a name of MAX_NAME_BYTES bytes whole", () => {
  const name = letters(MAX_NAME_BYTES);
  const reply = helloTo(name);
  assertStrictEquals(reply.length, "Server: Hello ".length + 1024 + 2 + 25);
  assertEquals(reply.subarray(14, 14 + 1024), name);
});

Deno.test("isExit() is true for exactly the 4 bytes exit", () => {
  assertStrictEquals(isExit(bytes("exit")), true);
  assertStrictEquals(isExit(new Uint8Array([0x65, 0x78, 0x69, 0x74])), true);
});

Deno.test("isExit() is true for exit as a subarray of a larger buffer", () => {
  const buffer = bytes("xxexit\nyy");
  assertStrictEquals(isExit(buffer.subarray(2, 6)), true);
});

Deno.test("isExit() is false for anything but exactly exit", () => {
  for (
    const text of [
      "",
      "exit\n",
      "exit\r\n",
      "exit\r",
      "Exit",
      "EXIT",
      "exit ",
      " exit",
      "exi",
      "xit",
      "exits",
      "quit",
      "exit\0",
    ]
  ) {
    assertStrictEquals(isExit(bytes(text)), false, JSON.stringify(text));
  }
});

Deno.test("writeHello() writes the answer at the offset it is given and returns its end", () => {
  const name = bytes("Alice");
  const target = new Uint8Array(GREETING.length + helloLength(name.length) + 3).fill(0x2a);
  target.set(GREETING);
  const end = writeHello(name, target, GREETING.length);
  assertStrictEquals(end, GREETING.length + helloLength(name.length));
  assertEquals(target.subarray(0, end), concatBytes([GREETING, helloTo(name)]));
  assertEquals(Array.from(target.subarray(end)), [0x2a, 0x2a, 0x2a]); // nothing past the end
});

Deno.test("helloLength() counts the hello, the name and the prompt", () => {
  // "Server: Hello " is 14 bytes, "!\nServer: What's your name?" 27.
  for (const length of [0, 3, MAX_NAME_BYTES]) assertStrictEquals(helloLength(length), 41 + length);
});

// --- LineFramer: line endings ---

Deno.test("LineFramer splits a message at LF", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Alice\n"))), ["Alice"]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer splits a message at CRLF and strips the CR", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Alice\r\n"))), ["Alice"]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer takes only the first `length` bytes of a buffer that is read into again", () => {
  const framer = new LineFramer();
  const buffer = new Uint8Array(32);
  buffer.set(bytes("Bob\nAl\nstale\n"));
  // An LF beyond `length` (left from an earlier read) ends no message.
  assertEquals(texts(framer.push(buffer, 6)), ["Bob"]);
  assertStrictEquals(framer.pending, 2);
  buffer.set(bytes("ice\nEve\nstale"));
  assertEquals(texts(framer.push(buffer, 4)), ["Alice"]);
  assertStrictEquals(framer.pending, 0);
  buffer.set(bytes("Eve"));
  assertEquals(texts(framer.push(buffer, 3)), []);
  assertEquals(decoder.decode(framer.takePartial()), "Eve");
});

Deno.test("LineFramer push() adds the messages to the list it is given", () => {
  const framer = new LineFramer();
  const list = [bytes("earlier")];
  assertStrictEquals(framer.push(bytes("Bob\nAl"), undefined, list), list);
  assertEquals(texts(list), ["earlier", "Bob"]);
  assertStrictEquals(framer.pending, 2);
});

Deno.test("LineFramer strips a CR before LF when CR and LF come in different pushes", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Alice\r"))), []);
  assertStrictEquals(framer.pending, 6);
  assertEquals(texts(framer.push(bytes("\n"))), ["Alice"]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer strips only one CR directly before LF", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Alice\r\r\n"))), ["Alice\r"]);
});

Deno.test("LineFramer keeps a bare CR in the middle of a message", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Al\rice\n"))), ["Al\rice"]);
  assertEquals(texts(framer.push(bytes("\rBob\r\n"))), ["\rBob"]);
});

Deno.test("LineFramer takes a trailing CR at a pause as the start of the line ending", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Alice\r"))), []);
  assertEquals(decoder.decode(framer.takePartial()), "Alice");
});

Deno.test("LineFramer yields an empty message for an empty line", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("\n"))), [""]);
  assertEquals(texts(framer.push(bytes("\r\n"))), [""]);
  assertEquals(texts(framer.push(bytes("\n\r\n\n"))), ["", "", ""]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer yields a lone CR line as an empty message", () => {
  const framer = new LineFramer();
  const messages = framer.push(bytes("\r\n"));
  assertStrictEquals(messages?.length, 1);
  assertStrictEquals(messages?.[0].length, 0);
});

// --- LineFramer: splitting and joining ---

Deno.test("LineFramer joins a line split over several pushes into one message", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Al"))), []);
  assertStrictEquals(framer.pending, 2);
  assertEquals(texts(framer.push(bytes("i"))), []);
  assertStrictEquals(framer.pending, 3);
  assertEquals(texts(framer.push(bytes("ce"))), []);
  assertStrictEquals(framer.pending, 5);
  assertEquals(texts(framer.push(bytes("\r\n"))), ["Alice"]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer joins a line pushed byte by byte into one message", () => {
  const framer = new LineFramer();
  const input = bytes("Hello, tcpkit\r\nexit\n");
  const messages: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const pushed = framer.push(input.subarray(i, i + 1));
    assertEquals(pushed === null, false, `push of byte ${i} overflowed`);
    messages.push(...texts(pushed)!);
  }
  assertEquals(messages, ["Hello, tcpkit", "exit"]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer yields several lines of one push as several messages, in order", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("one\ntwo\r\nthree\nfour"))), ["one", "two", "three"]);
  assertStrictEquals(framer.pending, 4);
  assertEquals(texts(framer.push(bytes("\nfive\n"))), ["four", "five"]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer joins the partial with the first line of the next push only", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Ali"))), []);
  assertEquals(texts(framer.push(bytes("ce\nBob\nCar"))), ["Alice", "Bob"]);
  assertEquals(decoder.decode(framer.takePartial()), "Car");
});

Deno.test("LineFramer keeps text without a line ending pending until takePartial()", () => {
  const framer = new LineFramer();
  assertStrictEquals(framer.pending, 0);
  assertEquals(texts(framer.push(bytes("Alice"))), []);
  assertStrictEquals(framer.pending, 5);
  assertEquals(texts(framer.push(bytes(" Smith"))), []);
  assertStrictEquals(framer.pending, 11);
  assertEquals(decoder.decode(framer.takePartial()), "Alice Smith");
  assertStrictEquals(framer.pending, 0);
  assertEquals(framer.takePartial().length, 0);
});

Deno.test("LineFramer counts pending bytes, not characters", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Zoë🦕"))), []);
  assertStrictEquals(framer.pending, 2 + 2 + 4); // "Zo", "ë", "🦕"
});

Deno.test("LineFramer starts afresh after takePartial()", () => {
  const framer = new LineFramer();
  framer.push(bytes("Ali"));
  assertEquals(decoder.decode(framer.takePartial()), "Ali");
  assertEquals(texts(framer.push(bytes("Bob\n"))), ["Bob"]);
});

Deno.test("LineFramer takes an empty push without change", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(new Uint8Array(0))), []);
  assertStrictEquals(framer.pending, 0);
  framer.push(bytes("Ali"));
  assertEquals(texts(framer.push(new Uint8Array(0))), []);
  assertStrictEquals(framer.pending, 3);
  assertEquals(texts(framer.push(bytes("ce\n"))), ["Alice"]);
});

Deno.test("LineFramer passes NUL and invalid UTF-8 bytes through", () => {
  const framer = new LineFramer();
  const name = new Uint8Array([0x00, 0xff, 0xc3, 0x28, 0x0d, 0x80]);
  const messages = framer.push(concat(name, bytes("\r\n")));
  assertEquals(messages, [name]);
});

// --- LineFramer: the limit ---

Deno.test("LineFramer limit is MAX_NAME_BYTES, 1024", () => {
  assertStrictEquals(MAX_NAME_BYTES, 1024);
});

Deno.test("LineFramer takes a line of exactly 1024 bytes ending in LF", () => {
  const framer = new LineFramer();
  const messages = framer.push(concat(letters(1024), bytes("\n")));
  assertEquals(messages, [letters(1024)]);
});

Deno.test("LineFramer takes a line of exactly 1024 bytes ending in CRLF", () => {
  const framer = new LineFramer();
  const messages = framer.push(concat(letters(1024), bytes("\r\n")));
  assertEquals(messages, [letters(1024)]);
});

Deno.test("LineFramer takes a partial of exactly 1024 bytes", () => {
  const framer = new LineFramer();
  assertEquals(framer.push(letters(1024)), []);
  assertStrictEquals(framer.pending, 1024);
  assertEquals(framer.takePartial(), letters(1024));
});

Deno.test("LineFramer takes a 1024-byte partial, then its LF", () => {
  const framer = new LineFramer();
  assertEquals(framer.push(letters(1024)), []);
  assertEquals(framer.push(bytes("\n")), [letters(1024)]);
  assertStrictEquals(framer.pending, 0);
});

Deno.test("LineFramer takes a 1024-byte line pushed in pieces, then its CRLF", () => {
  const framer = new LineFramer();
  assertEquals(framer.push(letters(1000)), []);
  assertEquals(framer.push(letters(24)), []);
  assertStrictEquals(framer.pending, 1024);
  assertEquals(framer.push(bytes("\r\n")), [letters(1024)]);
});

Deno.test("LineFramer takes many 1024-byte lines in one push", () => {
  const framer = new LineFramer();
  const line = concat(letters(1024), bytes("\r\n"));
  const messages = framer.push(concat(line, line, line));
  assertEquals(messages, [letters(1024), letters(1024), letters(1024)]);
});

Deno.test("LineFramer push() returns null for a partial of 1025 bytes", () => {
  const framer = new LineFramer();
  assertStrictEquals(framer.push(letters(1025)), null);
});

Deno.test("LineFramer push() returns null when a partial grows past 1024 bytes", () => {
  const framer = new LineFramer();
  assertEquals(framer.push(letters(1000)), []);
  assertEquals(framer.push(letters(24)), []);
  assertStrictEquals(framer.push(bytes("a")), null);
});

Deno.test("LineFramer push() returns null for a partial past 1024 bytes after complete lines", () => {
  const framer = new LineFramer();
  assertStrictEquals(framer.push(concat(bytes("Alice\n"), letters(1025))), null);
});

Deno.test("LineFramer push() returns null for a CRLF line of 1025 bytes", () => {
  const framer = new LineFramer();
  assertStrictEquals(framer.push(concat(letters(1025), bytes("\r\n"))), null);
});

Deno.test("LineFramer push() returns null for a line far above 1024 bytes", () => {
  const framer = new LineFramer();
  assertStrictEquals(framer.push(concat(letters(5000), bytes("\n"))), null);
  const framer2 = new LineFramer();
  assertStrictEquals(framer2.push(concat(letters(5000), bytes("\r\n"))), null);
});

Deno.test("LineFramer stays bounded when a 10 MiB line is pushed in 64 KiB chunks", () => {
  const framer = new LineFramer();
  const chunk = letters(64 * 1024);
  const total = 10 * 1024 * 1024;
  let pushed = 0;
  let nullAt = -1;
  for (let i = 0; pushed < total; i++) {
    const result = framer.push(chunk);
    pushed += chunk.length;
    if (result === null) {
      nullAt = i;
      break;
    }
    assertEquals(result, []);
    assertStrictEquals(framer.pending <= MAX_NAME_BYTES, true, `pending ${framer.pending}`);
  }
  assertStrictEquals(nullAt, 0); // the first chunk already crosses the limit
});

Deno.test("LineFramer stays bounded when a 10 MiB line is pushed in 64 KiB chunks after text", () => {
  const framer = new LineFramer();
  assertEquals(texts(framer.push(bytes("Alice\nBo"))), ["Alice"]);
  const chunk = letters(64 * 1024);
  let nullAt = -1;
  for (let i = 0; i < 160; i++) {
    const result = framer.push(chunk);
    if (result === null) {
      nullAt = i;
      break;
    }
    assertStrictEquals(framer.pending <= MAX_NAME_BYTES, true, `pending ${framer.pending}`);
  }
  assertStrictEquals(nullAt, 0);
});

Deno.test("LineFramer stays bounded when a long line is pushed in small chunks", () => {
  // 100-byte chunks: the limit is crossed inside the 11th chunk (bytes 1001..1100).
  const framer = new LineFramer();
  const chunk = letters(100);
  let nullAt = -1;
  for (let i = 0; i < 10 * 1024 * 1024 / 100; i++) {
    const result = framer.push(chunk);
    if (result === null) {
      nullAt = i;
      break;
    }
    assertStrictEquals(framer.pending <= MAX_NAME_BYTES, true, `pending ${framer.pending}`);
  }
  assertStrictEquals(nullAt, 10);
});

Deno.test("LineFramer honours a smaller limit given to its constructor", () => {
  const framer = new LineFramer(4);
  assertEquals(texts(framer.push(bytes("exit\r\n"))), ["exit"]);
  assertEquals(texts(framer.push(bytes("abcd"))), []);
  assertStrictEquals(framer.pending, 4);
  assertStrictEquals(framer.push(bytes("e")), null);
});

// --- LineFramer: ownership of the bytes ---

Deno.test("LineFramer messages hold the right bytes right after push()", () => {
  // Documented: messages may point into the chunk, so they are only valid until its buffer is
  // read into again. Right after push() they must hold the lines.
  const framer = new LineFramer();
  const chunk = bytes("Alice\nBob\r\nCa");
  const messages = framer.push(chunk)!;
  assertEquals(texts(messages), ["Alice", "Bob"]);
  chunk.fill(0x58);
  assertEquals(decoder.decode(framer.takePartial()), "Ca");
});

Deno.test("LineFramer copies the partial, so reusing the chunk does not change it", () => {
  const framer = new LineFramer();
  const chunk = bytes("Alice\nBo");
  assertEquals(texts(framer.push(chunk)), ["Alice"]);
  chunk.fill(0x58); // the caller reads into its buffer again
  assertEquals(decoder.decode(framer.takePartial()), "Bo");
});

Deno.test("LineFramer copies a partial joined from several pushes", () => {
  const framer = new LineFramer();
  const first = bytes("Al");
  const second = bytes("ice");
  framer.push(first);
  first.fill(0x58);
  framer.push(second);
  second.fill(0x58);
  assertEquals(decoder.decode(framer.takePartial()), "Alice");
});

Deno.test("LineFramer copies the partial, so reusing the chunk does not change the next line", () => {
  const framer = new LineFramer();
  const buffer = new Uint8Array(16);
  buffer.set(bytes("Ali"));
  assertEquals(texts(framer.push(buffer.subarray(0, 3))), []);
  buffer.set(bytes("ce\n"));
  assertEquals(texts(framer.push(buffer.subarray(0, 3))), ["Alice"]);
});

Deno.test("LineFramer rejects a 1025-byte line that ends in a bare LF", () => {
  const framer = new LineFramer();
  assertEquals(framer.push(new TextEncoder().encode("a".repeat(1025) + "\n")), null);
});

Deno.test("LineFramer takes a 1024-byte name whose CR and LF arrive in separate pushes", () => {
  const framer = new LineFramer();
  assertEquals(framer.push(new TextEncoder().encode("a".repeat(1024) + "\r")), []);
  const messages = framer.push(new TextEncoder().encode("\n"));
  assertEquals(messages?.map((m) => m.length), [1024]);
});
