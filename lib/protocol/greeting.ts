/**
 * The greeting dialogue of seed 003, as pure logic over bytes: the server's words, the framing of
 * the client's messages, and the server's answer to each message.
 */

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
/** The prompt alone: the answer to an empty line. */
export const PROMPT_BYTES: Uint8Array = encoder.encode(PROMPT);
/** What the server says to `exit`. */
export const GOODBYE: Uint8Array = encoder.encode(FAREWELL);
/** What the server says to a client whose name is too long, before closing. */
export const TOO_LONG: Uint8Array = encoder.encode(
  `\nServer: Error: a name may be at most ${MAX_NAME_BYTES} bytes. Good bye!\n`,
);

const HELLO_START = encoder.encode("Server: Hello ");
const HELLO_END = encoder.encode("!\n" + PROMPT);

/** The length in bytes of the answer to a name of `nameLength` bytes. */
export function helloLength(nameLength: number): number {
  return HELLO_START.length + nameLength + HELLO_END.length;
}

/**
 * Writes the answer to a name (the hello, the name, and the next prompt) into `target` at
 * `offset`, which must have room for {@linkcode helloLength} bytes; returns the offset after it.
 * A busy server writes its answers straight into spare buffers, with no parts to join.
 */
export function writeHello(name: Uint8Array, target: Uint8Array, offset: number): number {
  target.set(HELLO_START, offset);
  target.set(name, offset + HELLO_START.length);
  target.set(HELLO_END, offset + HELLO_START.length + name.length);
  return offset + helloLength(name.length);
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
   * messages (without their line endings) added to `messages`, or null when a message grew past
   * the limit. Messages may point into `chunk`: use them before the chunk's buffer is read into
   * again.
   */
  push(
    chunk: Uint8Array,
    length: number = chunk.length,
    messages: Uint8Array[] = [],
  ): Uint8Array[] | null {
    let start = 0;
    // A loop rather than indexOf: a server's reads are a few bytes long, in a larger buffer that
    // indexOf would search to its end.
    for (let i = 0; i < length; i++) {
      if (chunk[i] !== 0x0a) continue;
      const message = withoutCr(this.#joined(chunk.subarray(start, i)));
      if (message.length > this.#maxBytes) return null;
      messages.push(message);
      start = i + 1;
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
