/**
 * A server: accept loops over the listeners, the registry of open sessions, and shutdown. What
 * happens on each connection is a handler's (one file per mode); who may connect, a gate's.
 */
import { describeError, InputError, OutputError } from "../errors.ts";
import { formatBytes } from "../format.ts";
import { idleTimer } from "../io/idle.ts";
import { delay, within } from "../io/timers.ts";
import { formatNetAddr } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { classifyFailure, isClosedLocally, toNetError } from "../net/errors.ts";
import type { Listening } from "../net/listen.ts";
import type { EventFields, Reporter } from "../report.ts";
import { Session } from "./session.ts";

/** A mode's own account of a session, logged in place of the byte counts. */
export interface SessionSummary {
  /** Extra fields of the JSON `session` event. */
  fields: Readonly<EventFields>;
  /** What the text line says after the peer. */
  text: string;
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

  const closeAll = () => {
    for (const session of sessions) session.close();
  };
  const stopAccepting = () => {
    stopping = true;
    listening.close();
  };
  const stop = () => {
    stopAccepting();
    if (!options.drainMs) closeAll();
  };
  options.signal?.addEventListener("abort", stop, { once: true });

  const settle = (session: Session, outcome?: SessionOutcome) => {
    const idleError = session.end();
    try {
      const error = idleError ?? outcome?.error;
      if (error !== undefined) reportFailure(session, error);
      else reportEnd(session, outcome?.summary);
    } finally {
      sessions.delete(session);
      totals.sent += session.sent;
      totals.received += session.received;
      if (sessions.size === 0) allDone?.();
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
    if (summary) reporter.event("session", fields, `${session.peer}: ${summary.text}`, true);
    else {
      reporter.event("closed", fields, `closed ${session.peer}: ${session.describe()}`, always);
    }
  };
  const reportFailure = (session: Session, e: unknown) => {
    if ((stopping || session.closedByUs) && isClosedLocally(e)) return;
    const error = toNetError(e, `connection from ${session.peer}`);
    // Without stdout or stdin there is nothing left to serve: that ends a server with -k too.
    const fatal = error instanceof OutputError || error instanceof InputError;
    if (!keepOpen || fatal) firstError ??= error;
    if (fatal) stop();
    if (keepOpen && !fatal) {
      const { message } = describeError(error);
      reporter.event(
        "error",
        { peer: session.peer, message: `tcpkit: ${message}`, ...session.fields() },
        message,
        true,
      );
    }
  };

  const onConn = (conn: Deno.Conn) => {
    if (stopping || (!keepOpen && totals.connections > 0)) return closeQuietly(conn);
    const remote = conn.remoteAddr;
    if (options.gate && "hostname" in remote && !options.gate.admits(remote.hostname)) {
      closeQuietly(conn);
      reporter.event(
        "denied",
        { peer: formatNetAddr(remote) },
        `refused ${formatNetAddr(remote)}: not allowed`,
        true,
      );
      return;
    }
    // Without keepOpen, one client, as nc -l: the next ones are refused.
    if (!keepOpen) listening.close();
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
    session.idle = idleTimer(options.idleTimeoutMs, () => session.close(), {
      busy: () => session.busy?.() ?? false,
    });
    let over = false;
    handler.start(session, (outcome) => {
      if (over) return;
      over = true;
      settle(session, outcome);
    });
  };

  const shortage = { warned: false }; // told once, whichever listener meets it
  try {
    await Promise.all(
      listening.listeners.map((listener) => acceptLoop(listener, reporter, onConn, shortage)),
    );
  } catch (e) {
    stop();
    throw e;
  }

  const finished = sessions.size === 0
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
        `received ${formatBytes(totals.received)}, sent ${formatBytes(totals.sent)}` +
        (cut ? `; ${open} still open at the end of the drain, closed` : ""),
      true,
    );
    return 0;
  }
  options.signal?.removeEventListener("abort", stop);
  if (firstError !== undefined) throw firstError;
  return 0;
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
): Promise<void> {
  let backoff = 0;
  for (;;) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (e) {
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
