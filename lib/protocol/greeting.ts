/**
 * The greeting dialogue of seed 003, as pure logic over bytes: the server's words, the framing of
 * the client's messages, and the server's answer to each message.
 */

import { concatBytes } from "../io/bytes.ts";

const encoder = new TextEncoder();

/** The server's words, byte for byte as the seed's server writes them. */
export const WELCOME = "Server: Welcome!\n";
export const PROMPT = "Server: What's your name?";
export const FAREWELL = "Server: Good bye!\n";
/** The message that ends the dialogue. */
export const EXIT = "exit";

/** The longest name (a message) the server takes: the seed's server reads 1,024 bytes at most. */
export const MAX_NAME_BYTES = 1024;

/** What the server says to a new client: the welcome and the first prompt, in one write. */
export const GREETING: Uint8Array = encoder.encode(WELCOME + PROMPT);
/** What the server says to `exit`. */
export const GOODBYE: Uint8Array = encoder.encode(FAREWELL);
/** What the server says to a client whose name is too long, before closing. */
export const TOO_LONG: Uint8Array = encoder.encode(
  `\nServer: Error: a name may be at most ${MAX_NAME_BYTES} bytes. Good bye!\n`,
);

const HELLO_START = encoder.encode("Server: Hello ");
const HELLO_END = encoder.encode("!\n" + PROMPT);

/**
 * The answer to a name, in its three parts: the hello, the name, and the next prompt; added to
 * `parts` when it is given (a busy server builds answers without a new array each).
 */
export function helloParts(name: Uint8Array, parts: Uint8Array[] = []): Uint8Array[] {
  parts.push(HELLO_START, name, HELLO_END);
  return parts;
}

/** The answer to a name: the hello and the next prompt, in one array. */
export function helloTo(name: Uint8Array): Uint8Array {
  return concatBytes(helloParts(name));
}

/** True when the message is `exit`. */
export function isExit(message: Uint8Array): boolean {
  return message.length === 4 && message[0] === 0x65 && message[1] === 0x78 &&
    message[2] === 0x69 && message[3] === 0x74;
}

const EMPTY = new Uint8Array(0);

function withoutCr(line: Uint8Array): Uint8Array {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line;
}

/**
 * Splits a byte stream into messages: lines ending in LF or CRLF. Text after the last line ending
 * is kept as the partial message until more comes or the caller takes it (after a quiet period).
 * Holds at most {@linkcode MAX_NAME_BYTES} of partial text: more is an overflow.
 */
export class LineFramer {
  #partial: Uint8Array = EMPTY;
  #maxBytes: number;

  constructor(maxBytes = MAX_NAME_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes waiting for a line ending. */
  get pending(): number {
    return this.#partial.length;
  }

  /**
   * Adds received bytes, the first `length` of `chunk` (by default all); returns the complete
   * messages (without their line endings), or null when a message grew past the limit. Messages
   * may point into `chunk`: use them before the chunk's buffer is read into again.
   */
  push(chunk: Uint8Array, length: number = chunk.length): Uint8Array[] | null {
    const messages: Uint8Array[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(0x0a); lf >= 0 && lf < length; lf = chunk.indexOf(0x0a, start)) {
      const message = withoutCr(this.#joined(chunk.subarray(start, lf)));
      if (message.length > this.#maxBytes) return null;
      messages.push(message);
      start = lf + 1;
    }
    if (start < length) {
      const rest = chunk.subarray(start, length);
      const pending = this.#partial.length + rest.length;
      // One byte over is allowed only for the CR of a CRLF whose LF is still to come.
      if (pending > this.#maxBytes + (rest[rest.length - 1] === 0x0d ? 1 : 0)) return null;
      // Copied: the chunk is lent, and its buffer is read into again.
      this.#partial = this.#joined(rest).slice();
    }
    return messages;
  }

  /** The partial message, left in place. */
  peekPartial(): Uint8Array {
    return this.#partial;
  }

  /**
   * Takes the partial message (text without a line ending that has waited long enough); a CR
   * at its end is taken as the start of its line ending.
   */
  takePartial(): Uint8Array {
    const partial = this.#partial;
    this.#partial = EMPTY;
    return withoutCr(partial);
  }

  #joined(tail: Uint8Array): Uint8Array {
    if (this.#partial.length === 0) return tail;
    const joined = new Uint8Array(this.#partial.length + tail.length);
    joined.set(this.#partial);
    joined.set(tail, this.#partial.length);
    this.#partial = EMPTY;
    return joined;
  }
}
