/** serve --echo: everything a client sends goes back to it, with half-close honoured. */
import { BOUNDED_READ_SIZE, type ChunkSink, type ChunkSource } from "../io/chunks.ts";
import { duplex, type End, failureOf } from "../io/duplex.ts";
import { type Handler, handlerOf } from "./server.ts";
import { type Session, sessionEnd } from "./session.ts";

/**
 * An end that gives back what it is given: a chunk written to its sink comes out of its source,
 * and the write completes once the chunk has been taken onward (the next read), so that a client
 * that does not read its echo holds back its own sending (backpressure, bounded memory). The end
 * of its sink is the end of its source.
 */
export function echoEnd(): End {
  let chunk: Uint8Array | null | undefined;
  let ended = false;
  let give: (() => void) | undefined;
  let taken: (() => void) | undefined;
  const wait = () => new Promise<void>((resolve) => give = resolve);
  const source: ChunkSource = {
    async next() {
      taken?.(); // the last chunk went onward: its write completes
      taken = undefined;
      while (chunk === undefined && !ended) await wait();
      const next = chunk ?? null;
      chunk = undefined;
      return next;
    },
  };
  const sink: ChunkSink = {
    write(bytes) {
      chunk = bytes;
      give?.();
      return new Promise<void>((resolve) => taken = resolve);
    },
    end() {
      ended = true;
      give?.();
      return Promise.resolve();
    },
  };
  // Closed: nothing more comes out, and a write held until its chunk is taken is let go.
  const close = () => {
    ended = true;
    chunk = undefined;
    give?.();
    taken?.();
  };
  return { source, sink, close };
}

/** The echo mode's handler. */
export function echoHandler(): Handler {
  return handlerOf(async (session: Session) => {
    // A client that sends and does not read holds one read buffer here: bounded small.
    const result = await duplex(sessionEnd(session, { maxSize: BOUNDED_READ_SIZE }), echoEnd(), {
      onAToB: (n) => session.countReceived(n),
    });
    const failure = failureOf(result);
    if (failure) throw failure.cause;
  });
}
