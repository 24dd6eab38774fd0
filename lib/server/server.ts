/**
 * A server: accept loops over the listeners, the registry of open sessions, and shutdown. What
 * happens on each connection is a handler's (one file per mode); who may connect, a gate's.
 */
import { describeError, InputError, OutputError } from "../errors.ts";
import { formatBytes } from "../format.ts";
import { IdleTimer } from "../io/idle.ts";
import { delay, within } from "../io/timers.ts";
import { formatNetAddr } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { classifyFailure, isClosedLocally, toNetError } from "../net/errors.ts";
import type { Listening } from "../net/listen.ts";
import type { EventFields, Reporter } from "../report.ts";
import { Session, type SessionTap } from "./session.ts";

/** A mode's own account of a session, logged in place of the byte counts. */
export interface SessionSummary {
  /** Extra fields of the JSON event. */
  fields: Readonly<EventFields>;
  /** What the text line says after the peer. */
  text: string;
  /** The event's name: `session` (a dialogue) unless the mode says `closed` (a connection). */
  event?: string;
  /**
   * True when the summary tells that the idle timeout ended the session: it is then logged in
   * place of the timeout's error.
   */
  idleTimeout?: boolean;
}

/** How a session ended: normally (with a summary, perhaps), or with what failed. */
export interface SessionOutcome {
  summary?: SessionSummary;
  error?: unknown;
}

/**
 * What a server does with each connection: one per mode. `start` serves the session and calls
 * `done` once, when it is over; the server then closes the connection and logs it. (A callback
 * rather than a promise: a greeting server holds thousands of sessions, each promise costs.)
 */
export interface Handler {
  start(session: Session, done: (outcome?: SessionOutcome) => void): void;
}

/** Adapts an async function that serves a session to a {@linkcode Handler}. */
export function handlerOf(
  serve: (session: Session) => Promise<SessionSummary | void>,
): Handler {
  return {
    start(session, done) {
      serve(session).then(
        (summary) => done(summary ? { summary } : undefined),
        (error) => done({ error }),
      );
    },
  };
}

/** Who may connect: a pure decision per client address (see lib/net/gate.ts). */
export interface Admission {
  admits(address: string): boolean;
}

/** Options for {@linkcode runServer}. */
export interface ServerOptions {
  listening: Listening;
  handler: Handler;
  reporter: Reporter;
  /** Keep accepting and serve clients concurrently; else serve one client, then return. */
  keepOpen: boolean;
  /** Close a session after this long with no byte either way. */
  idleTimeoutMs?: number;
  /** Aborted on SIGINT or SIGTERM: stop accepting, finish or close sessions, summarise. */
  signal?: AbortSignal;
  /** Log each session's byte counts even without -v (`--sink`'s report). */
  reportClosed?: boolean;
  /** On shutdown, how long open sessions may go on before they are closed (0: at once). */
  drainMs?: number;
  /** Who may connect; everyone when left out. */
  gate?: Admission;
  /** At most this many sessions at once: more clients wait (in the listen backlog, or accepted). */
  maxConns?: number;
  /** Sets up each session's tap (the hex dump of `-x`). */
  tap?: (session: Session) => SessionTap;
  /** How the summary names the bytes received and sent (forward: "client to target", ...). */
  directions?: { received: string; sent: string };
}

/** How long shutdown waits for closed sessions to settle before it summarises. */
const SHUTDOWN_GRACE_MS = 1000;
/** The longest pause between accept attempts when descriptors run out. */
const MAX_ACCEPT_BACKOFF_MS = 1000;
/** The fields of a text-mode event, which are not shown. */
const NO_FIELDS: Readonly<EventFields> = Object.freeze({});

/**
 * Runs the server until its one client is done, or with `keepOpen` until the signal aborts.
 *
 * @returns the exit code (0)
 * @throws the error that ended the server: without keepOpen, its client's failure; with it, only
 * a failure of stdout or stdin, which leaves nothing to serve
 */
export async function runServer(options: ServerOptions): Promise<number> {
  const { listening, handler, reporter, keepOpen } = options;
  const sessions = new Set<Session>();
  let allDone: (() => void) | undefined;
  const totals = { connections: 0, sent: 0, received: 0 };
  let firstError: unknown;
  let stopping = false;
  const slots = new Slots(options.maxConns, reporter);

  /** Connections accepted and still in their TLS handshake: not sessions yet, but open. */
  const handshaking = new Set<Deno.Conn>();
  const closeAll = () => {
    for (const session of sessions) session.close();
    for (const conn of handshaking) closeQuietly(conn);
  };
  const stopAccepting = () => {
    stopping = true;
    listening.close();
    slots.close();
  };
  const stop = () => {
    stopAccepting();
    if (!options.drainMs) closeAll();
  };
  options.signal?.addEventListener("abort", stop, { once: true });

  const settle = (session: Session, outcome?: SessionOutcome) => {
    const idleError = session.end();
    try {
      // A summary that tells of the idle timeout (--greet's, with what was said before it)
      // is logged in place of the timeout's error.
      const idleTold = idleError !== undefined && outcome?.summary?.idleTimeout === true;
      const error = idleTold ? undefined : idleError ?? outcome?.error;
      if (error !== undefined) reportFailure(session, session.peer, error);
      else {
        reportEnd(session, outcome?.summary);
        // Without -k, the idle timeout still ends the server as one (exit 4).
        if (idleTold && !keepOpen) firstError ??= idleError;
      }
    } finally {
      sessions.delete(session);
      totals.sent += session.sent;
      totals.received += session.received;
      if (sessions.size + handshaking.size === 0) allDone?.();
    }
  };
  const reportEnd = (session: Session, summary?: SessionSummary) => {
    const always = options.reportClosed ?? false;
    // A session's numbers are shown with --sink, -v or --json only: a busy server need not
    // format them for nothing, nor build the fields, which are for JSON.
    if (!summary && !reporter.shows(always)) return;
    const fields = reporter.json
      ? { peer: session.peer, ...summary?.fields, ...session.fields() }
      : NO_FIELDS;
    if (summary) {
      reporter.event(summary.event ?? "session", fields, `${session.peer}: ${summary.text}`, true);
    } else {
      reporter.event("closed", fields, `closed ${session.peer}: ${session.describe()}`, always);
    }
  };
  const reportFailure = (session: Session | undefined, peer: string, e: unknown) => {
    if ((stopping || session?.closedByUs) && closedLocally(e)) return;
    const error = toNetError(e, `connection from ${peer}`);
    // Without stdout or stdin there is nothing left to serve: that ends a server with -k too.
    const fatal = error instanceof OutputError || error instanceof InputError;
    if (!keepOpen || fatal) firstError ??= error;
    if (fatal) stop();
    if (keepOpen && !fatal) {
      const { message } = describeError(error);
      reporter.event(
        "error",
        { peer, message: `tcpkit: ${message}`, ...session?.fields() },
        message,
        true,
      );
    }
  };

  const refuse = (conn: Deno.Conn) => {
    closeQuietly(conn);
    slots.release();
  };
  const onConn = (conn: Deno.Conn) => {
    if (stopping || (!keepOpen && totals.connections > 0)) return refuse(conn);
    const remote = conn.remoteAddr;
    // A Unix socket's client has no address: it is let in only where no --allow rule is given.
    if (options.gate && !options.gate.admits("hostname" in remote ? remote.hostname : "")) {
      refuse(conn);
      reporter.event(
        "denied",
        { peer: formatNetAddr(remote) },
        `refused ${formatNetAddr(remote)}: not allowed by --allow/--deny`,
        true,
      );
      return;
    }
    // Without keepOpen, one client, as nc -l: the next ones are refused.
    if (!keepOpen) listening.close();
    totals.connections++;
    if (!listening.handshake) return begin(conn);
    // A TLS client is served once its handshake is done; one that fails it is its own error.
    const peer = formatNetAddr(remote);
    handshaking.add(conn);
    listening.handshake(conn, peer).then((secured) => {
      handshaking.delete(conn);
      if (stopping) return refuse(secured);
      begin(secured);
    }, (error) => {
      handshaking.delete(conn);
      refuse(conn);
      reportFailure(undefined, peer, error);
      if (sessions.size + handshaking.size === 0) allDone?.();
    });
  };
  const begin = (conn: Deno.Conn) => {
    const session = new Session(conn);
    session.tap = options.tap?.(session);
    sessions.add(session);
    if (reporter.shows()) {
      reporter.event(
        "accepted",
        { peer: session.peer, local: formatNetAddr(conn.localAddr) },
        `connection from ${session.peer}`,
      );
    }
    if (options.idleTimeoutMs !== undefined) {
      session.idle = new IdleTimer(options.idleTimeoutMs, () => session.close(), {
        busy: () => session.busy?.() ?? false,
      });
    }
    let over = false;
    handler.start(session, (outcome) => {
      if (over) return;
      over = true;
      settle(session, outcome);
      slots.release();
    });
  };

  const shortage = { warned: false }; // told once, whichever listener meets it
  try {
    await Promise.all(
      listening.listeners.map((listener) =>
        acceptLoop(listener, reporter, onConn, shortage, slots)
      ),
    );
  } catch (e) {
    stop();
    throw e;
  }

  const finished = sessions.size + handshaking.size === 0
    ? Promise.resolve()
    : new Promise<void>((resolve) => allDone = resolve);
  // A signal may come at any time (also during the one session without keepOpen): then the
  // sessions get the drain time to finish, are closed, and the server summarises and returns.
  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.race([finished, aborted]);
  if (options.signal?.aborted) {
    const cut = options.drainMs
      ? !(await within(finished.then(() => true), options.drainMs, false))
      : false;
    const open = sessions.size;
    closeAll();
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
        ...(options.drainMs ? { cut: cut ? open : 0 } : {}),
      },
      `stopped: ${totals.connections} connection${totals.connections === 1 ? "" : "s"}, ` +
        `${options.directions?.received ?? "received"} ${formatBytes(totals.received)}, ` +
        `${options.directions?.sent ?? "sent"} ${formatBytes(totals.sent)}` +
        (cut ? `; ${open} still open at the end of the drain, closed` : ""),
      true,
    );
    return 0;
  }
  options.signal?.removeEventListener("abort", stop);
  if (firstError !== undefined) throw firstError;
  return 0;
}

/** True when `e`, or what it was caused by (an undelivered rest), is a close of ours. */
function closedLocally(e: unknown): boolean {
  let cause = e;
  for (let depth = 0; depth < 8 && cause instanceof Error; depth++, cause = cause.cause) {
    if (isClosedLocally(cause)) return true;
  }
  return false;
}

/**
 * Accepts until the listener is closed. A failed accept concerns one connection (reset before we
 * took it): the loop goes straight on. Only when descriptors run out (a passing shortage) does it
 * back off, telling the user once which limit to raise.
 */
async function acceptLoop(
  listener: Deno.Listener,
  reporter: Reporter,
  onConn: (conn: Deno.Conn) => void,
  shortage: { warned: boolean },
  slots: Slots,
): Promise<void> {
  let backoff = 0;
  for (;;) {
    await slots.take();
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (e) {
      slots.release();
      if (isClosedLocally(e)) return;
      if (classifyFailure(e) === "too-many-files") {
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
        await delay(backoff);
      } else if (reporter.shows()) {
        const { message } = describeError(toNetError(e, "accept failed"));
        reporter.event("accept_failed", { message }, message);
      }
      continue;
    }
    backoff = 0;
    onConn(conn);
  }
}

/**
 * The sessions a server may have at once (`--max-conns`): an accept waits for a slot, so that
 * clients beyond the limit wait in the listen backlog (the kernel's queue) until one ends. Said
 * once per burst: when the limit is reached, and again when accepting resumes.
 */
class Slots {
  #free: number;
  #max: number | undefined;
  #waiting: (() => void)[] = [];
  #reporter: Reporter;
  #full = false;

  constructor(max: number | undefined, reporter: Reporter) {
    this.#max = max;
    this.#free = max ?? Infinity;
    this.#reporter = reporter;
  }

  /** Resolves once a session may start: at once while below the limit. */
  take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    if (!this.#full) {
      this.#full = true;
      this.#reporter.event(
        "max_conns",
        { max_conns: this.#max ?? null },
        `${this.#max} connections open (--max-conns): new clients wait until one closes`,
        true,
      );
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** No more sessions will start: the accepts that wait go on (to find the listener closed). */
  close(): void {
    this.#free = Infinity;
    for (const next of this.#waiting.splice(0)) next();
  }

  /** A session ended (or an accept failed): its slot goes to the next accept. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) return next();
    this.#free++;
    if (this.#full && this.#max !== undefined && this.#free > 0) {
      this.#full = false;
      this.#reporter.event("accepting", {}, "below --max-conns again: accepting new clients");
    }
  }
}
