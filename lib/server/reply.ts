/**
 * serve --reply TEXT (seed 004): wait for the client's first data, show it with the client's
 * address, answer TEXT, and close once the client has closed too (or the drain time is up).
 */
import { formatBytes } from "../format.ts";
import { type ChunkSink, connSource, discardSink, writeAll } from "../io/chunks.ts";
import { escapeBytes } from "../io/escape.ts";
import { jsonBytesText } from "../io/json.ts";
import { pump } from "../io/pump.ts";
import { QUIET, TimedSource } from "../io/timed_source.ts";
import type { Reporter } from "../report.ts";
import { Drain } from "./drain.ts";
import { type Handler, handlerOf } from "./server.ts";
import type { Session } from "./session.ts";

/** What the reply mode needs. */
export interface ReplyOptions {
  /** The answer, sent to every client. */
  reply: Uint8Array;
  /** Stdout, written one whole chunk at a time. */
  output: ChunkSink;
  reporter: Reporter;
}

/** The first read's buffer: small, since an idle client holds it for as long as it waits. */
const FIRST_READ = 1024;
/** The client's first data is shown up to this much. */
const MAX_SHOWN = 64 * 1024;
/** More data within this time after a full first read belongs to the first message. */
const MORE_WITHIN_MS = 20;

const encoder = new TextEncoder();

/** The reply mode's handler; it owns the drain of the sessions it has answered. */
export function replyHandler(options: ReplyOptions): Handler {
  const drain = new Drain();
  return handlerOf((session) => replyOnce(session, options, drain));
}

async function replyOnce(session: Session, options: ReplyOptions, drain: Drain): Promise<void> {
  const { conn } = session;
  const counted = (n: number) => session.countReceived(n);
  // A small buffer while the client is silent; it grows, up to MAX_SHOWN, only while data
  // comes fast: the first message is what arrives before a pause.
  const source = new TimedSource(
    connSource(conn, { initialSize: FIRST_READ, maxSize: MAX_SHOWN }),
  );
  const first = await source.next();
  if (first === null) return;
  counted(first.length);
  let message: Uint8Array = first.slice();
  let last = first.length;
  while (message.length < MAX_SHOWN && last >= FIRST_READ) {
    const more = await source.within(MORE_WITHIN_MS);
    if (more === null || more === QUIET) break;
    counted(more.length);
    last = more.length;
    message = concat(message, more.subarray(0, MAX_SHOWN - message.length));
  }
  if (options.reporter.shows()) {
    const { text, base64 } = jsonBytesText(message);
    options.reporter.event(
      "data",
      { peer: session.peer, bytes: message.length, data: text, data_base64: base64 },
      `${session.peer} sent ${formatBytes(message.length)}`,
    );
  }
  await options.output.write(encoder.encode(shownLines(session.peer, message)));
  await writeAll(conn, options.reply);
  session.countSent(options.reply.length);
  // Read what the client still sends until it closes, so that closing does not reset the
  // connection and destroy the answer in flight; bounded by the drain, not the idle timeout.
  session.idle?.stop();
  await conn.closeWrite();
  drain.closeLater(conn);
  try {
    await pump(source, discardSink, { end: false, onChunk: counted });
  } catch {
    // reset, or closed at the drain's end: the answer was given either way
  } finally {
    drain.cancel(conn);
  }
}

/**
 * The message as lines, each after the client's address: a CRLF request shows as its lines,
 * not as one line and a second without the address.
 */
export function shownLines(peer: string, message: Uint8Array): string {
  const text = escapeBytes(message, { keepNewlines: true, crlfAsNewline: true });
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => `${peer}: ${line}`.trimEnd() + "\n").join("");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
