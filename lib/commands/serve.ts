/** `tcpkit serve`: listen, accept, and serve each client in the chosen mode. */
import type { ServeCommand } from "../cli/args.ts";
import { formatDuration } from "../cli/duration.ts";
import { ExitCode, TcpkitError } from "../errors.ts";
import { Broadcast, type Subscriber } from "../io/broadcast.ts";
import {
  type ChunkSink,
  type ChunkSource,
  connSink,
  discardSink,
  readerSource,
  writeAll,
} from "../io/chunks.ts";
import { escapeBytes } from "../io/escape.ts";
import { idleTimeoutError, type IdleTimer, idleTimer } from "../io/idle.ts";
import { pump, PumpError } from "../io/pump.ts";
import { serialSink } from "../io/serial.ts";
import { delay, within } from "../io/timers.ts";
import { formatNetAddr } from "../net/address.ts";
import { cancelClose, closeAfterDrain, closeQuietly } from "../net/close.ts";
import { isClosedLocally, netError, reasonOf } from "../net/errors.ts";
import { listen } from "../net/listen.ts";
import { type EventFields, formatBytes, type Reporter, Traffic } from "../report.ts";
import {
  type GreetFailure,
  type GreetOutcome,
  type GreetServer,
  greetSession,
} from "./greet_session.ts";
import { guardOutput, OutputError } from "./output.ts";

/** The streams serve works on: main.ts passes stdin and stdout, tests pass in-memory ones. */
export interface ServeIO {
  /** Stdin, for the default mode; read only once a client is connected. */
  input: ChunkSource;
  output: ChunkSink;
  reporter: Reporter;
  /** Aborted on SIGINT or SIGTERM: stop accepting, close everything, summarise, exit 0. */
  signal?: AbortSignal;
  /**
   * Whether stdin is a person at a terminal: then a client's close ends its connection, as
   * with nc -l, instead of waiting for the person's Ctrl-D to finish the other direction.
   */
  inputIsTerminal?: boolean;
  /** Told the real address once listening (tests use it to find port 0's choice). */
  onListening?: (address: string, port: number) => void;
}

const encoder = new TextEncoder();

/** `--reply`'s first read: the client's first data, up to this much, is shown. */
const REPLY_FIRST_READ = 64 * 1024;
/** How long shutdown waits for connections to finish closing before it summarises. */
const SHUTDOWN_GRACE_MS = 1000;
/** The longest pause between accept attempts when descriptors run out. */
const MAX_ACCEPT_BACKOFF_MS = 1000;

/**
 * One client connection being served, with its traffic. It is kept small: a server may hold
 * tens of thousands of them.
 */
class Session extends Traffic {
  readonly conn: Deno.TcpConn;
  readonly peer: string;
  /** With `--idle-timeout`: touched by data either way; it closes the session. */
  idle: IdleTimer | undefined;
  #closed: Promise<void> | undefined;
  #markClosed: (() => void) | undefined;

  constructor(conn: Deno.TcpConn) {
    super();
    this.conn = conn;
    this.peer = formatNetAddr(conn.remoteAddr);
  }

  /** Closes the connection from our side (idle timeout, shutdown). */
  close(): void {
    closeQuietly(this.conn);
    if (this.#markClosed) this.#markClosed();
    else this.#closed ??= Promise.resolve();
  }

  /**
   * The session is over: stops its idle timer and closes the connection. Returns the idle
   * timeout's error when that is what ended it.
   */
  end(): TcpkitError | undefined {
    this.idle?.stop();
    closeQuietly(this.conn);
    return this.idle?.fired ? idleTimeoutError(this.idle.timeoutMs, this.peer) : undefined;
  }

  /** Resolves once we have closed the connection (made only for the modes that wait on it). */
  get closed(): Promise<void> {
    return this.#closed ??= new Promise((resolve) => this.#markClosed = resolve);
  }
}

/**
 * Runs serve until its one client is done, or with `-k` until the signal aborts.
 *
 * @returns the exit code
 * @throws {TcpkitError} when listening fails, or (without -k) when the client's connection fails
 */
export async function serve(command: ServeCommand, io: ServeIO): Promise<number> {
  const listening = listen(command.hostname, command.port);
  const { reporter } = io;
  reporter.event(
    "listening",
    { address: listening.address, port: listening.port },
    `listening on ${listening.address}${listening.scope ? ` ${listening.scope}` : ""}`,
    true,
  );
  io.onListening?.(listening.address, listening.port);

  const output = guardOutput(serialSink(io.output));
  const sessions = new Set<Session>();
  let allDone: (() => void) | undefined;
  const totals = { connections: 0, sent: 0, received: 0 };
  let firstError: TcpkitError | undefined;
  let stopping = false;
  const broadcast = command.mode.kind === "stdio"
    ? new Broadcast(io.input, (subscriber, n) => {
      const { session } = subscriber as SessionSubscriber;
      session.sent += n;
      session.idle?.touch();
    })
    : undefined;

  const closeListeners = () => listening.listeners.forEach(closeQuietly);
  const stop = () => {
    stopping = true;
    closeListeners();
    for (const session of sessions) session.close();
  };
  io.signal?.addEventListener("abort", stop, { once: true });

  const context: SessionContext = {
    output,
    reporter,
    broadcast,
    inputIsTerminal: io.inputIsTerminal ?? false,
    reply: command.mode.kind === "reply" ? encoder.encode(command.mode.text) : undefined,
  };
  /** Ends a session, reports how it ended, and counts it out. */
  const settle = (session: Session, summary?: SessionSummary, failure?: GreetFailure) => {
    const idleError = session.end();
    try {
      if (idleError) reportFailure(session, idleError);
      else if (failure) reportFailure(session, failure.error);
      else reportEnd(session, summary);
    } finally {
      sessions.delete(session);
      totals.sent += session.sent;
      totals.received += session.received;
      if (sessions.size === 0) allDone?.();
    }
  };
  const reportEnd = (session: Session, summary?: SessionSummary) => {
    const sink = command.mode.kind === "sink";
    // A session's numbers are shown with --sink, -v or --json only: a busy server need not
    // format them for nothing, nor build the fields, which are for JSON.
    if (!summary && !reporter.shows(sink)) return;
    const fields = reporter.json
      ? { peer: session.peer, ...summary?.fields, ...session.fields() }
      : NO_FIELDS;
    if (summary) reporter.event("session", fields, `${session.peer}: ${summary.text}`, true);
    else {
      reporter.event(
        "closed",
        fields,
        `closed ${session.peer}: ${session.describe()}`,
        sink,
      );
    }
  };
  const reportFailure = (session: Session, e: unknown) => {
    const error = toSessionError(e, session, stopping);
    if (!error) return;
    // An error that ends serve (any, without -k; stdout gone, with it) is main's to report.
    const ending = !command.keepOpen || error instanceof OutputError;
    if (ending) firstError ??= error;
    if (error instanceof OutputError) stop(); // nowhere left to deliver clients' data
    if (!ending) {
      reporter.event(
        "error",
        { peer: session.peer, message: `tcpkit: ${error.message}`, ...session.fields() },
        error.message,
        true,
      );
    }
  };
  const run = async (session: Session) => {
    try {
      await serveSession(session, command, context);
    } catch (error) {
      return settle(session, undefined, { error });
    }
    settle(session);
  };
  // The greeting dialogue tells of its end instead of being awaited: fewer objects per session.
  const greeting: GreetServer<Session> | undefined = command.mode.kind === "greet"
    ? {
      quietMs: command.mode.quietMs,
      ended: (session, outcome, failure) =>
        settle(
          session,
          failure ? undefined : greetSummary(outcome, session, reporter.json),
          failure,
        ),
    }
    : undefined;
  const handle = (conn: Deno.TcpConn) => {
    const session = new Session(conn);
    sessions.add(session);
    totals.connections++;
    if (reporter.shows()) {
      reporter.event(
        "accepted",
        { peer: session.peer, local: formatNetAddr(conn.localAddr) },
        `connection from ${session.peer}`,
      );
    }
    session.idle = idleTimer(command.idleTimeoutMs, () => session.close());
    if (greeting) greetSession(session, greeting);
    else void run(session);
  };

  const onConn = (conn: Deno.TcpConn) => {
    if (stopping || (!command.keepOpen && totals.connections > 0)) return closeQuietly(conn);
    // Without -k, one client, as nc -l: the next ones are refused.
    if (!command.keepOpen) closeListeners();
    handle(conn);
  };
  const shortage = { warned: false }; // told once, whichever listener meets it
  const acceptLoops = listening.listeners.map((listener) =>
    acceptLoop(listener, reporter, onConn, shortage)
  );
  try {
    await Promise.all(acceptLoops);
  } catch (e) {
    stop();
    throw e;
  }

  const finished = sessions.size === 0
    ? Promise.resolve()
    : new Promise<void>((resolve) => allDone = resolve);
  // A signal may come at any time (also during the one session of serve without -k): then the
  // sessions get a grace period to close, and serve summarises and exits however they are.
  const aborted = new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.race([finished, aborted]);
  if (io.signal?.aborted) {
    await within(finished, SHUTDOWN_GRACE_MS, undefined);
    for (const session of sessions) {
      totals.sent += session.sent;
      totals.received += session.received;
    }
    reporter.event(
      "stopped",
      {
        connections: totals.connections,
        bytes_sent: totals.sent,
        bytes_received: totals.received,
      },
      `stopped: ${totals.connections} connection${totals.connections === 1 ? "" : "s"}, ` +
        `received ${formatBytes(totals.received)}, sent ${formatBytes(totals.sent)}`,
      true,
    );
    return ExitCode.ok;
  }
  io.signal?.removeEventListener("abort", stop);
  if (firstError) throw firstError;
  return ExitCode.ok;
}

/**
 * Accepts until the listener is closed. A failed accept concerns one connection (reset before we
 * took it) or a passing shortage (descriptors, memory): it never stops the server. When
 * descriptors run out the user is told once which limit to raise, and accepting backs off.
 */
async function acceptLoop(
  listener: Deno.TcpListener,
  reporter: Reporter,
  onConn: (conn: Deno.TcpConn) => void,
  shortage: { warned: boolean },
): Promise<void> {
  let backoff = 0;
  for (;;) {
    let conn: Deno.TcpConn;
    try {
      conn = await listener.accept();
    } catch (e) {
      if (isClosedLocally(e)) return;
      const reason = reasonOf(e).text;
      if (reason === "too many open files") {
        if (!shortage.warned) {
          reporter.event(
            "warning",
            { message: "too many open files" },
            "cannot accept: too many open files; raise the limit (ulimit -n) to serve more " +
              "clients at once; accepting again as descriptors free up",
            true,
          );
        }
        shortage.warned = true;
        backoff = Math.min(Math.max(backoff * 2, 10), MAX_ACCEPT_BACKOFF_MS);
      } else {
        reporter.event("accept_failed", { message: reason }, `accept failed: ${reason}`);
        backoff = 1; // yield, so that a persistent failure cannot spin
      }
      await delay(backoff);
      continue;
    }
    backoff = 0;
    onConn(conn);
  }
}

interface SessionContext {
  output: ChunkSink;
  reporter: Reporter;
  broadcast?: Broadcast;
  inputIsTerminal: boolean;
  /** `--reply`'s answer, encoded once for all clients. */
  reply?: Uint8Array;
}

/** The fields of a text-mode event, which are not shown. */
const NO_FIELDS: Readonly<EventFields> = Object.freeze({});

/** A mode's own account of a session, logged in place of the byte counts. */
interface SessionSummary {
  fields: Readonly<EventFields>;
  text: string;
}

interface SessionSubscriber extends Subscriber {
  session: Session;
}

/**
 * Serves one client in the command's mode (except `--greet`, a dialogue of its own); resolves
 * when both directions are done. The caller ends the session (idle timer, connection).
 */
async function serveSession(
  session: Session,
  command: ServeCommand,
  context: SessionContext,
): Promise<void> {
  const { conn } = session;
  const received = (n: number) => {
    session.received += n;
    session.idle?.touch();
  };
  switch (command.mode.kind) {
    case "echo":
      await pump(readerSource(conn), connSink(conn), {
        onChunk: (n) => {
          received(n);
          session.sent += n;
        },
      });
      break;
    case "sink":
      await pump(readerSource(conn), discardSink, { onChunk: received });
      break;
    case "reply":
      await replyOnce(session, context, received);
      break;
    case "stdio":
      await stdioSession(session, context, received);
      break;
  }
}

/** The default mode: the client's bytes to stdout, stdin to the client, until both are done. */
async function stdioSession(
  session: Session,
  context: SessionContext,
  received: (n: number) => void,
): Promise<void> {
  const { conn } = session;
  let sendError: unknown;
  const receiving = pump(readerSource(conn), context.output, { end: false, onChunk: received });
  let stopSending = () => {};
  const sent = new Promise<void>((resolve) => {
    const subscriber: SessionSubscriber = {
      session,
      sink: connSink(conn),
      onDone: (error) => {
        sendError = error;
        resolve();
      },
    };
    context.broadcast!.add(subscriber);
    stopSending = () => {
      context.broadcast!.remove(subscriber);
      resolve();
    };
  });
  try {
    await receiving;
    if (context.inputIsTerminal) stopSending();
    await Promise.race([sent, session.closed]);
  } finally {
    // However the session ends (an error, an idle timeout, shutdown), it leaves the broadcast:
    // no later chunk is written to it and lost.
    stopSending();
  }
  // Never done with data unsent: a client that resets or stops reading while stdin is sent to
  // it is a failure (exit 1 without -k; with -k, that client's error line).
  if (sendError !== undefined && !isClosedLocally(sendError)) {
    throw netError(
      sendError,
      `connection from ${session.peer}`,
      `${formatBytes(session.sent)} sent, the rest of the input was not delivered`,
    );
  }
}

/**
 * A greeting dialogue's account for the log: the names, how it ended, and how long it took. The
 * fields are built for JSON only: a busy server logs thousands of dialogues a second.
 */
function greetSummary(outcome: GreetOutcome, session: Session, json: boolean): SessionSummary {
  let names = "";
  for (const name of outcome.shown) names += `${names === "" ? "" : ", "}"${name}"`;
  const more = outcome.names - outcome.shown.length;
  if (more > 0) names += ` and ${more} more`;
  const how = outcome.end === "exit"
    ? "said exit"
    : outcome.end === "too-long"
    ? "sent a name that was too long, and was closed"
    : "closed the connection";
  return {
    fields: json
      ? { names: outcome.names, shown_names: outcome.shown, end: outcome.end }
      : NO_FIELDS,
    text: `${outcome.names === 0 ? "no names" : `names ${names}`}; ${how} after ${
      formatDuration(session.elapsed())
    }`,
  };
}

/** `--reply`: the client's first data, shown with its address; the answer; then close. */
async function replyOnce(
  session: Session,
  context: SessionContext,
  received: (n: number) => void,
): Promise<void> {
  const { conn } = session;
  const source = readerSource(conn, { initialSize: REPLY_FIRST_READ });
  const first = await source.next();
  if (first === null) return;
  received(first.length);
  const shown = escapeBytes(first, { keepNewlines: true });
  if (context.reporter.shows()) {
    context.reporter.event(
      "data",
      { peer: session.peer, bytes: first.length, data: new TextDecoder().decode(first) },
      `${session.peer} sent ${formatBytes(first.length)}`,
    );
  }
  await context.output.write(
    encoder.encode(`${session.peer}: ${shown}${shown.endsWith("\n") ? "" : "\n"}`),
  );
  const answer = context.reply!;
  await writeAll(conn, answer);
  session.sent += answer.length;
  // Read what the client still sends until it closes, so that closing does not reset the
  // connection and destroy the answer in flight; bounded by the drain, not the idle timeout.
  session.idle?.stop();
  await conn.closeWrite();
  closeAfterDrain(conn);
  try {
    await pump(source, discardSink, { end: false, onChunk: received });
  } catch {
    // reset, or closed at the drain's end: the answer was given either way
  } finally {
    cancelClose(conn);
  }
}

/** Turns a session's failure into the error to report, or undefined when it is no failure. */
function toSessionError(e: unknown, session: Session, stopping: boolean): TcpkitError | undefined {
  const cause = e instanceof PumpError ? e.cause : e;
  if (cause instanceof TcpkitError) return cause;
  if (stopping && isClosedLocally(cause)) return undefined;
  return netError(cause, `connection from ${session.peer}`);
}
