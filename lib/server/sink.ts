/** serve --sink: everything a client sends is counted and dropped; its rate is reported. */
import { discardSink } from "../io/chunks.ts";
import { duplex, type End, failureOf } from "../io/duplex.ts";
import { type Handler, handlerOf } from "./server.ts";
import { type Session, sessionEnd } from "./session.ts";

/**
 * An end that takes everything and says nothing until it has been given all: its source ends
 * once its sink has ended (the client's FIN), so that the connection closes when the client is
 * done sending, and not before (a client may take an early FIN as the end of its upload).
 */
export function discardEnd(): End {
  let ended: (() => void) | undefined;
  const done = new Promise<null>((resolve) => ended = () => resolve(null));
  return {
    source: { next: () => done },
    sink: {
      write: discardSink.write,
      end() {
        ended!();
        return Promise.resolve();
      },
    },
    close: () => ended!(),
  };
}

/** The sink mode's handler. */
export function sinkHandler(): Handler {
  return handlerOf(async (session: Session) => {
    const result = await duplex(sessionEnd(session), discardEnd(), {
      onAToB: (n) => session.countReceived(n),
    });
    const failure = failureOf(result);
    if (failure) throw failure.cause;
  });
}
