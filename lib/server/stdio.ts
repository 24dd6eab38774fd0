/**
 * serve's default mode: what each client sends goes to stdout, and stdin goes to every client (a
 * broadcast at the pace of the slowest). The client's FIN ends only its direction: stdin from a
 * pipe or a file is still sent to its end, unless stdin is a person at a terminal.
 */
import { TlsError, UndeliveredError } from "../errors.ts";
import type { Broadcast } from "../io/broadcast.ts";
import type { ChunkSink } from "../io/chunks.ts";
import { duplex, failureOf } from "../io/duplex.ts";
import { labelLines } from "../io/label.ts";
import { isClosedLocally, toNetError } from "../net/errors.ts";
import { type Handler, handlerOf } from "./server.ts";
import { type Session, sessionEnd } from "./session.ts";

/** What the stdio mode shares among its sessions. */
export interface StdioOptions {
  /** Stdin, shared by every client. */
  broadcast: Broadcast;
  /** Stdout, written one whole chunk at a time (clients may send at once). */
  output: ChunkSink;
  /** A person types on stdin: a client's close ends its session at once. */
  inputIsTerminal: boolean;
  /** Each client's lines on stdout after its address (`--label`). */
  label?: boolean;
}

/** The stdio mode's handler. */
export function stdioHandler(options: StdioOptions): Handler {
  return handlerOf(async (session: Session) => {
    const subscription = options.broadcast.subscribe();
    // A session waiting for stdin's next chunk while a slower client holds it up is not idle.
    session.busy = () => subscription.waitingOnOthers;
    // Closing the session (idle timeout, shutdown) leaves the broadcast: the stdin direction ends.
    session.onClose = () => subscription.cancel();
    const labelled = options.label ? labelLines(options.output, session.peer) : undefined;
    try {
      const result = await duplex(
        {
          source: subscription,
          sink: labelled ?? options.output,
          close: () => subscription.cancel(),
        },
        sessionEnd(session),
        {
          onBToA: (n) => session.countReceived(n),
          stopWhenBEnds: options.inputIsTerminal,
        },
      );
      const failure = failureOf(result);
      if (!failure) return;
      // Closed by us (a shutdown, the idle timeout): the cut is ours, not the client's failure;
      // the session's counts (-v) and the server's summary say what was sent.
      if (session.closedByUs && isClosedLocally(failure.cause)) return;
      // stdin and stdout fail with errors of their own (InputError, OutputError).
      if ((failure.leg === "aToB") === (failure.side === "read")) throw failure.cause;
      const error = toNetError(failure.cause, `connection from ${session.peer}`);
      // Never done with data unsent: a client that resets or stops reading while stdin is still
      // being sent to it is a failure, which says so.
      const sending = failure.leg === "aToB" || failure.otherUnfinished;
      throw sending && !(error instanceof UndeliveredError) && !(error instanceof TlsError)
        ? new UndeliveredError(error, session.sent)
        : error;
    } finally {
      subscription.cancel();
      await labelled?.flush().catch(() => {});
    }
  });
}
