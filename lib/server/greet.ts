/** serve --greet: each client's greeting dialogue, in one loop that holds little while idle. */
import { formatDuration } from "../format.ts";
import { BufferPool } from "../io/bytes.ts";
import { writeAll } from "../io/chunks.ts";
import { escapeBytes } from "../io/escape.ts";
import { within } from "../io/timers.ts";
import { Drain } from "./drain.ts";
import type { Handler, SessionOutcome, SessionSummary } from "./server.ts";
import type { Session } from "./session.ts";
import {
  GOODBYE,
  GREETING,
  helloLength,
  isExit,
  LineFramer,
  PROMPT_BYTES,
  TOO_LONG,
  writeHello,
} from "../protocol/greeting.ts";

/** How a dialogue ended. */
export type GreetEnd = "exit" | "closed" | "too-long" | "idle-timeout";

/** What a dialogue did, for the session's log line. */
export interface GreetOutcome {
  end: GreetEnd;
  /** How many names the client gave. */
  names: number;
  /** The first names, escaped for the log (a client may send thousands). */
  shown: string[];
}

/** The names a session's log line shows; the rest are counted. */
const SHOWN_NAMES = 8;

const ignore = () => {};

/**
 * The greeting mode's handler: speaks the dialogue with each client until it says `exit`,
 * closes, or sends a name that is too long. Memory stays bounded whatever a client does: a name
 * is at most 1,024 bytes, and a client that never reads its answers is held back by TCP, not
 * buffered. The buffers its dialogues share are its own.
 */
export class GreetHandler implements Handler {
  /** Text without a line ending is a message once the client has paused this long. */
  readonly quietMs: number;
  /** Whether the session summaries carry JSON fields (built for --json only). */
  readonly json: boolean;
  /**
   * Small read buffers: an idle session holds one for as long as it is connected. A dialogue
   * that is over gives its buffer back for the next one.
   */
  readonly readBuffers: BufferPool = new BufferPool(256, 1024);
  /**
   * Buffers for answers, shared by all dialogues: an answer's buffer is free again once
   * written. 2 KiB holds the answer to a name of the longest length.
   */
  readonly answers: BufferPool = new BufferPool(2048, 256);
  /** The messages of the read being answered, in one list that dialogues take turns with. */
  readonly received: Uint8Array[] = [];
  /** Dialogues that said their last word, reading the client's last bytes for a bounded time. */
  readonly drain: Drain = new Drain();

  /** A handler whose dialogues take `quietMs` of silence as the end of a name. */
  constructor(options: { quietMs: number; json: boolean }) {
    this.quietMs = options.quietMs;
    this.json = options.json;
  }

  /** Starts the dialogue; `done` is told its summary, or what it failed with. */
  start(session: Session, done: (outcome?: SessionOutcome) => void): void {
    void new Dialogue(session, this, done).run();
  }
}

/**
 * A dialogue's account for the log: the names, how it ended, and how long it took. The fields
 * are built for JSON only: a busy server logs thousands of dialogues a second.
 */
function summaryOf(outcome: GreetOutcome, session: Session, json: boolean): SessionSummary {
  let names = "";
  for (const name of outcome.shown) names += `${names === "" ? "" : ", "}"${name}"`;
  const more = outcome.names - outcome.shown.length;
  if (more > 0) names += ` and ${more} more`;
  const how = outcome.end === "exit"
    ? "said exit"
    : outcome.end === "too-long"
    ? "sent a name that was too long, and was closed"
    : outcome.end === "idle-timeout"
    ? "was silent too long (idle timeout), and was closed"
    : "closed the connection";
  return {
    idleTimeout: outcome.end === "idle-timeout",
    fields: json ? { names: outcome.names, shown_names: outcome.shown, end: outcome.end } : {},
    text: `${outcome.names === 0 ? "no names" : `names ${names}`}; ${how} after ${
      formatDuration(session.elapsed())
    }`,
  };
}

/**
 * One dialogue's state. A class, not closures, and one async function for the whole dialogue,
 * told of its end by a callback rather than awaited: a busy server holds hundreds of dialogues
 * that its garbage collector copies, an idle one may hold ten thousand.
 */
class Dialogue {
  readonly outcome: GreetOutcome = { end: "closed", names: 0, shown: [] };
  #session: Session;
  #handler: GreetHandler;
  #done: (outcome?: SessionOutcome) => void;
  #buffer: Uint8Array<ArrayBuffer>;
  #framer = new LineFramer();
  /** A read under way, kept across a quiet-period wake-up (its buffer is still being filled). */
  #reading: Promise<number | null> | undefined;

  constructor(session: Session, handler: GreetHandler, done: (outcome?: SessionOutcome) => void) {
    this.#session = session;
    this.#handler = handler;
    this.#done = done;
    this.#buffer = handler.readBuffers.take();
  }

  async run(): Promise<void> {
    const { conn } = this.#session;
    let failure: { error: unknown } | undefined;
    let rest: Promise<void> | undefined;
    try {
      if ((rest = this.#sent(GREETING, await conn.write(GREETING)))) await rest;
      for (;;) {
        const n = this.#took(
          this.#framer.pending > 0 ? await this.#readOrQuiet() : await this.#read(),
        );
        let answer: Uint8Array | null | undefined;
        if (n === "quiet") answer = this.#answer([this.#framer.takePartial()]);
        else if (n === null) {
          if (this.#framer.pending > 0) {
            answer = this.#answer([this.#framer.takePartial()]);
            if ((rest = this.#sent(answer, await conn.write(answer), true))) await rest;
          }
          return;
        } else {
          this.#session.received += n;
          this.#session.idle?.touch();
          answer = this.#framed(n);
          if (answer === null) {
            if ((rest = this.#sent(TOO_LONG, await conn.write(TOO_LONG)))) await rest;
            this.outcome.end = "too-long";
            break;
          }
          if (answer === undefined) continue;
        }
        const over = this.outcome.end === "exit";
        // The next read starts before the answer is written (the answer no longer needs the
        // read buffer): one turn of the event loop less per exchange. A client that never reads
        // its answers is still held back by TCP: at most one more buffer of its bytes is read
        // while the write waits.
        if (!over) this.#read();
        if ((rest = this.#sent(answer, await conn.write(answer), true))) await rest;
        if (over) break;
      }
      // After the last word: half-close, and read until the client closes (bounded by the
      // drain sweep), so that the close does not reset the connection while the last word is
      // in flight. (Here rather than in a method of its own: one async function per dialogue.)
      // The dialogue is complete: the drain's own bound replaces the idle timeout.
      this.#session.idle?.stop();
      await conn.closeWrite();
      this.#handler.drain.closeLater(conn);
      try {
        while (this.#took(await this.#read()) !== null) { /* discard */ }
      } catch {
        // reset, or closed by the sweep: the dialogue is over either way
      } finally {
        this.#handler.drain.cancel(conn);
      }
    } catch (error) {
      failure = { error };
    } finally {
      // A read left under way when the session ends is no error; its buffer is not for reuse.
      if (this.#reading) this.#reading.catch(ignore);
      else this.#handler.readBuffers.give(this.#buffer);
      this.#end(failure);
    }
  }

  /**
   * Tells the server the dialogue is over. A dialogue cut by the idle timeout is logged as such,
   * with the names said before it; any other failure is the error the server reports.
   */
  #end(failure: { error: unknown } | undefined): void {
    const { json } = this.#handler;
    if (this.#session.idle?.fired) {
      this.outcome.end = "idle-timeout";
      this.#done({ summary: summaryOf(this.outcome, this.#session, json) });
    } else if (failure) this.#done(failure);
    else this.#done({ summary: summaryOf(this.outcome, this.#session, json) });
  }

  /**
   * Frames the `n` bytes just read and answers the messages they complete: null when a message
   * is too long, undefined when none is complete yet.
   */
  #framed(n: number): Uint8Array | null | undefined {
    const { received } = this.#handler;
    try {
      if (this.#framer.push(this.#buffer, n, received) === null) return null;
      // A bare "exit" is taken at once, as the seed's server does: waiting out the quiet period
      // would only guard a longer name that happens to begin with it.
      if (isExit(this.#framer.peekPartial())) received.push(this.#framer.takePartial());
      return received.length === 0 ? undefined : this.#answer(received);
    } finally {
      received.length = 0; // whatever happened: the next read's messages start from nothing
    }
  }

  /**
   * The answer to one or more messages, in one write, written straight into a spare buffer when
   * it fits; an `exit` ends the dialogue, and what follows it is not answered.
   */
  #answer(messages: Uint8Array[]): Uint8Array {
    let count = 0;
    let length = 0;
    for (const message of messages) {
      count++;
      if (isExit(message)) {
        length += GOODBYE.length;
        break;
      }
      length += message.length === 0 ? PROMPT_BYTES.length : helloLength(message.length);
    }
    const { answers } = this.#handler;
    const answer = length <= answers.size ? answers.take(length) : new Uint8Array(length);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const message = messages[i];
      if (isExit(message)) {
        answer.set(GOODBYE, offset);
        offset += GOODBYE.length;
        this.outcome.end = "exit";
      } else if (message.length === 0) {
        answer.set(PROMPT_BYTES, offset); // an empty line: ask again
        offset += PROMPT_BYTES.length;
      } else {
        this.outcome.names++;
        if (this.outcome.shown.length < SHOWN_NAMES) this.outcome.shown.push(escapeBytes(message));
        offset = writeHello(message, answer, offset);
      }
    }
    return answer;
  }

  /** The read under way, or a new one. Its result is taken with {@linkcode #took}. */
  #read(): Promise<number | null> {
    return this.#reading ??= this.#session.conn.read(this.#buffer);
  }

  /** Marks the read under way as used up. (Not an async step of its own: an idle session
   * waits in as few async frames as can be, each costing memory.) */
  #took<N>(n: N): N {
    if (n !== "quiet") this.#reading = undefined;
    return n;
  }

  /** Text without a line ending waits: it is a message once the client pauses. */
  #readOrQuiet(): Promise<number | null | "quiet"> {
    return within(this.#read(), this.#handler.quietMs, "quiet" as const);
  }

  /**
   * Counts the `written` first bytes of a write, and writes the rest if there is any (the
   * promise then returned). Each write is awaited where it is made: no async step of its own.
   * An answer's buffer (`pooled`) goes back to the pool once written.
   */
  #sent(bytes: Uint8Array, written: number, pooled = false): Promise<void> | undefined {
    this.#session.sent += written;
    if (written < bytes.length) return this.#sendRest(bytes, written, pooled);
    if (pooled) this.#handler.answers.give(bytes);
  }

  async #sendRest(bytes: Uint8Array, written: number, pooled: boolean): Promise<void> {
    await writeAll(this.#session.conn, bytes.subarray(written));
    this.#session.sent += bytes.length - written;
    if (pooled) this.#handler.answers.give(bytes);
  }
}
