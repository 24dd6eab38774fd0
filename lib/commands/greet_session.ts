/** serve --greet: one client's greeting dialogue, in one loop that holds little while idle. */
import { writerSink } from "../io/chunks.ts";
import { escapeBytes } from "../io/escape.ts";
import {
  GOODBYE,
  GREETING,
  helloTo,
  isExit,
  LineFramer,
  PROMPT,
  TOO_LONG,
} from "../protocol/greeting.ts";

/** How a dialogue ended. */
export type GreetEnd = "exit" | "closed" | "too-long";

/** What a dialogue did, for the session's log line. */
export interface GreetOutcome {
  end: GreetEnd;
  /** How many names the client gave. */
  names: number;
  /** The first names, escaped for the log (a client may send thousands). */
  shown: string[];
}

/** Options for {@linkcode greetSession}. */
export interface GreetSessionOptions {
  /** Text without a line ending is a message once the client has paused this long. */
  quietMs: number;
  /** Counts bytes received (and resets the idle timer). */
  onReceived: (bytes: number) => void;
  /** Counts bytes sent. */
  onSent: (bytes: number) => void;
}

/** After the last word, how long to read what the client still sends before closing. */
const DRAIN_MS = 2000;
/** The names a session's log line shows; the rest are counted. */
const SHOWN_NAMES = 8;
/** A small read buffer: an idle session holds it for as long as it is connected. */
const READ_BUFFER_BYTES = 256;
const PROMPT_BYTES = new TextEncoder().encode(PROMPT);

/**
 * Speaks the dialogue with one client until it says `exit`, closes, or sends a name that is too
 * long. It reads the next bytes only once the answers to the previous ones are written, so a
 * client that never reads its answers is held back by TCP, not buffered.
 */
export async function greetSession(
  conn: Deno.Conn,
  options: GreetSessionOptions,
): Promise<GreetOutcome> {
  const sink = writerSink(conn);
  const send = async (bytes: Uint8Array) => {
    await sink.write(bytes);
    options.onSent(bytes.length);
  };
  const outcome: GreetOutcome = { end: "closed", names: 0, shown: [] };
  /** Answers one message; true when the dialogue is over. */
  const answer = async (message: Uint8Array): Promise<boolean> => {
    if (isExit(message)) {
      await send(GOODBYE);
      outcome.end = "exit";
      return true;
    }
    if (message.length === 0) {
      await send(PROMPT_BYTES); // an empty line: ask again
      return false;
    }
    outcome.names++;
    if (outcome.shown.length < SHOWN_NAMES) outcome.shown.push(escapeBytes(message));
    await send(helloTo(message));
    return false;
  };

  await send(GREETING);
  const buffer = new Uint8Array(READ_BUFFER_BYTES);
  const framer = new LineFramer();
  let reading: Promise<number | null> | undefined;
  const read = () => {
    reading ??= conn.read(buffer);
    reading.catch(() => {}); // a read left pending when the session ends is not an error
    return reading;
  };
  /** After the last word: half-close, and read until the client closes (bounded), so that the
   * close does not reset the connection while the last word is in flight. */
  const finish = async () => {
    await conn.closeWrite();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = (async () => {
      while ((await read()) !== null) reading = undefined;
    })().catch(() => {});
    await Promise.race([drained, new Promise((resolve) => timer = setTimeout(resolve, DRAIN_MS))]);
    clearTimeout(timer);
    return outcome;
  };
  for (;;) {
    read();
    let n: number | null | "quiet";
    if (framer.pending > 0) {
      // Text without a line ending: it is a message once the client pauses.
      let timer: ReturnType<typeof setTimeout> | undefined;
      n = await Promise.race([
        reading!,
        new Promise<"quiet">((resolve) => timer = setTimeout(resolve, options.quietMs, "quiet")),
      ]);
      clearTimeout(timer);
    } else {
      n = await reading!;
    }
    if (n === "quiet") {
      if (await answer(framer.takePartial())) return await finish(); // the read stays pending
      continue;
    }
    reading = undefined;
    if (n === null) {
      if (framer.pending > 0) await answer(framer.takePartial());
      return outcome;
    }
    options.onReceived(n);
    const messages = framer.push(buffer.subarray(0, n));
    if (messages === null) {
      await send(TOO_LONG);
      outcome.end = "too-long";
      return await finish();
    }
    for (const message of messages) {
      if (await answer(message)) return await finish();
    }
  }
}
