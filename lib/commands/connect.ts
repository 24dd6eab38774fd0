/** `tcpkit connect`: send stdin or a text, half-close, and read the server to completion. */
import type { ConnectCommand } from "../cli/args.ts";
import { TimeoutError, UndeliveredError } from "../errors.ts";
import { formatDuration, round } from "../format.ts";
import {
  bytesSource,
  type ChunkSink,
  type ChunkSource,
  connSink,
  connSource,
} from "../io/chunks.ts";
import { duplex, failureOf } from "../io/duplex.ts";
import { idleTimer } from "../io/idle.ts";
import { formatNetAddr } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { dial } from "../net/dial.ts";
import { toNetError } from "../net/errors.ts";
import { type Reporter, Traffic } from "../report.ts";
import { guardOutput } from "./output.ts";

/** The streams connect works on: main.ts passes stdin and stdout, tests pass in-memory ones. */
export interface ConnectIO {
  /** Stdin: what to send (unless the command has `--send`). */
  input: ChunkSource;
  /** Stdout: where what the server sends goes. */
  output: ChunkSink;
  reporter: Reporter;
  /** Whether the input is a person at a terminal rather than a pipe or a file. */
  inputIsTerminal?: boolean;
}

/**
 * Runs connect to completion: both directions at once, each half-closed at its end. When the
 * server closes first, the input is still sent to its end, unless a person is typing it.
 *
 * @returns the exit code (0 when both directions are done and nothing was lost)
 * @throws what failed: the connect, the connection, stdin or stdout; never with data unsent
 */
export async function connect(command: ConnectCommand, io: ConnectIO): Promise<number> {
  const { conn, peer, connectMs } = await dial(command.target, { timeoutMs: command.timeoutMs });
  const remote = formatNetAddr(conn.remoteAddr);
  io.reporter.event(
    "connected",
    { peer, remote, local: formatNetAddr(conn.localAddr), connect_ms: round(connectMs) },
    `connected to ${peer}${remote === peer ? "" : ` (${remote})`} in ${formatDuration(connectMs)}`,
  );

  const traffic = new Traffic();
  const stop = new AbortController();
  const idle = idleTimer(command.idleTimeoutMs, () => {
    closeQuietly(conn);
    stop.abort();
  });
  const input = command.send === undefined
    ? io.input
    : bytesSource(new TextEncoder().encode(command.send));
  let result;
  try {
    result = await duplex(
      { source: input, sink: guardOutput(io.output) },
      {
        source: connSource(conn),
        sink: connSink(conn, {
          onWritten: (n) => {
            traffic.sent += n;
            idle?.touch();
          },
        }),
      },
      {
        onBToA: (n) => {
          traffic.received += n;
          idle?.touch();
        },
        // A person at a terminal has nothing in flight: the server's close ends the session.
        // From a pipe or a file, the server's FIN ends only its direction (it may have
        // half-closed and still be reading): the input is sent to its end.
        stopWhenBEnds: io.inputIsTerminal ?? false,
        signal: stop.signal,
      },
    );
  } finally {
    idle?.stop();
    closeQuietly(conn);
  }
  if (idle?.fired) throw new TimeoutError("idle", idle.timeoutMs, peer);
  const failure = failureOf(result);
  if (failure) {
    // stdin and stdout fail with errors of their own (InputError, OutputError).
    if ((failure.leg === "aToB") === (failure.side === "read")) throw failure.cause;
    const error = toNetError(failure.cause, `connection to ${peer}`);
    // Never exit 0 with data unsent: a failure while sending says how much was sent.
    const sending = failure.leg === "aToB" || failure.otherUnfinished;
    throw sending ? new UndeliveredError(error, traffic.sent) : error;
  }
  io.reporter.event(
    "closed",
    { peer, ...traffic.fields() },
    `closed ${peer}: ${traffic.describe()}`,
  );
  return 0;
}
