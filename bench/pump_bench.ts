/**
 * Micro-benchmarks of tcpkit's hot paths on in-memory data (no network):
 *
 *   deno bench --allow-net bench/
 *
 * @module
 */
import { parseCommandLine } from "../lib/cli/args.ts";
import { type ChunkSource, discardSink, type Reader, readerSource } from "../lib/io/chunks.ts";
import { escapeBytes } from "../lib/io/escape.ts";
import { pump } from "../lib/io/pump.ts";

const MiB = 1024 * 1024;
const PUMP_BYTES = 64 * MiB;
const CHUNK_SIZE = 256 * 1024;

/** Like `bytesSource`, but lends `total` bytes as chunks of one reused buffer of `chunkSize`. */
function chunkedSource(total: number, chunkSize: number): ChunkSource {
  const chunk = new Uint8Array(chunkSize).fill(0x61);
  let left = total;
  return {
    next() {
      if (left === 0) return Promise.resolve(null);
      const n = Math.min(chunkSize, left);
      left -= n;
      return Promise.resolve(n === chunkSize ? chunk : chunk.subarray(0, n));
    },
  };
}

/** A reader that fills every buffer it is given (as a fast socket would), up to `total` bytes. */
function fillingReader(total: number): Reader {
  let left = total;
  return {
    read(buffer) {
      if (left === 0) return Promise.resolve(null);
      const n = Math.min(buffer.length, left);
      buffer.fill(0x62, 0, n);
      left -= n;
      return Promise.resolve(n);
    },
  };
}

/** 1 MiB of mixed text: ASCII lines, UTF-8 letters, terminal escapes, NULs and invalid bytes. */
function mixedText(size: number): Uint8Array {
  const piece = new Uint8Array([
    ...new TextEncoder().encode("GET /index.html HTTP/1.1\r\nHost: example.org\r\n"),
    ...new TextEncoder().encode("naïve café – ünïcödé 日本語 ✓\t\\path\n"),
    ...new TextEncoder().encode("\x1b[31mred\x1b[0m\x07\x00"),
    0xff,
    0xc3,
    0x28, // a broken two-byte sequence
    0xe2,
    0x82, // a truncated three-byte sequence
    0x0a,
  ]);
  const out = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += piece.length) {
    out.set(piece.subarray(0, Math.min(piece.length, size - offset)), offset);
  }
  return out;
}

const MIXED = mixedText(MiB);

const COMMAND_LINES: string[][] = [
  ["serve", "127.0.0.1:0", "--sink", "-k", "--json"],
  ["serve", "9000", "--echo", "-k", "-v", "--idle-timeout", "30s"],
  ["serve", "[::1]:8888", "--reply", "the server has received data"],
  ["connect", "example.org", "80", "--send", "HEAD / HTTP/1.0\r\n\r\n", "--timeout", "2s"],
  ["connect", "[::1]:9090", "--json", "--idle-timeout", "500ms"],
];

Deno.bench({
  name: "pump: 64 MiB in 256 KiB chunks into discardSink",
  group: "pump",
  baseline: true,
  async fn() {
    const moved = await pump(chunkedSource(PUMP_BYTES, CHUNK_SIZE), discardSink);
    if (moved !== PUMP_BYTES) throw new Error(`moved ${moved} bytes`);
  },
});

Deno.bench({
  name: "pump: 64 MiB from readerSource over a filling reader into discardSink",
  group: "pump",
  async fn() {
    const moved = await pump(readerSource(fillingReader(PUMP_BYTES)), discardSink);
    if (moved !== PUMP_BYTES) throw new Error(`moved ${moved} bytes`);
  },
});

Deno.bench({
  name: "readerSource: 64 MiB of next() over a filling reader",
  group: "readerSource",
  async fn() {
    const source = readerSource(fillingReader(PUMP_BYTES));
    let total = 0;
    for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) {
      total += chunk.length;
    }
    if (total !== PUMP_BYTES) throw new Error(`read ${total} bytes`);
  },
});

Deno.bench({
  name: "escapeBytes: 1 MiB of mixed text",
  group: "escape",
  fn() {
    const text = escapeBytes(MIXED);
    if (text.length < MIXED.length / 2) throw new Error("short output");
  },
});

Deno.bench({
  name: "escapeBytes: 1 MiB of mixed text, keepNewlines",
  group: "escape",
  fn() {
    escapeBytes(MIXED, { keepNewlines: true });
  },
});

Deno.bench({
  name: "parseCommandLine: 5 command lines",
  group: "args",
  fn() {
    for (const argv of COMMAND_LINES) parseCommandLine(argv);
  },
});
