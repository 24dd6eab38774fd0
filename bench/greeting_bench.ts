/**
 * @module
 * The greeting server's work per dialogue that is not a socket operation: framing the client's
 * lines, writing the answers into a spare buffer, and escaping the names for the session's log.
 *
 *   deno bench bench/greeting_bench.ts
 */
import { BufferPool } from "../lib/io/bytes.ts";
import { escapeBytes } from "../lib/io/escape.ts";
import { helloLength, isExit, LineFramer, writeHello } from "../lib/protocol/greeting.ts";

const encoder = new TextEncoder();
/** A line client's four reads, each one message, as the server's read buffer holds them. */
const READS = ["Michael\n", "Tracy\n", "Sarah\n", "exit\n"].map((text) => encoder.encode(text));
const buffer = new Uint8Array(256);
const answers = new BufferPool(2048, 16);
const messages: Uint8Array[] = [];
let sink = 0;

Deno.bench("frame a dialogue's four lines", { group: "dialogue" }, () => {
  const framer = new LineFramer();
  for (const read of READS) {
    buffer.set(read);
    sink += framer.push(buffer, read.length, messages)!.length;
    messages.length = 0;
  }
});

Deno.bench(
  "frame and answer a dialogue's four lines",
  { group: "dialogue", baseline: true },
  () => {
    const framer = new LineFramer();
    for (const read of READS) {
      buffer.set(read);
      for (const message of framer.push(buffer, read.length, messages)!) {
        if (isExit(message)) continue;
        const answer = answers.take(helloLength(message.length));
        sink += writeHello(message, answer, 0);
        answers.give(answer);
      }
      messages.length = 0;
    }
  },
);

Deno.bench("frame, answer and escape a dialogue's names for the log", { group: "dialogue" }, () => {
  const framer = new LineFramer();
  for (const read of READS) {
    buffer.set(read);
    for (const message of framer.push(buffer, read.length, messages)!) {
      if (isExit(message)) continue;
      sink += escapeBytes(message).length;
      const answer = answers.take(helloLength(message.length));
      sink += writeHello(message, answer, 0);
      answers.give(answer);
    }
    messages.length = 0;
  }
});

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink); // keeps the results in use
});
