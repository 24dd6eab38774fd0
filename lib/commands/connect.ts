/** `tcpkit connect`: send stdin or a text, half-close, and read the server to completion. */
import type { ConnectCommand } from "../cli/args.ts";
import { formatDuration } from "../cli/duration.ts";
import { ExitCode } from "../errors.ts";
import {
  bytesSource,
  type ChunkSink,
  type ChunkSource,
  connSink,
  readerSource,
} from "../io/chunks.ts";
import { idleTimeoutError, idleTimer } from "../io/idle.ts";
import { pump, PumpError } from "../io/pump.ts";
import { formatNetAddr } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { dial } from "../net/dial.ts";
import { netError } from "../net/errors.ts";
import { formatBytes, type Reporter, round, Traffic } from "../report.ts";
import { outputError } from "./output.ts";

/** The streams connect works on: main.ts passes stdin and stdout, tests pass in-memory ones. */
export interface ConnectIO {
  input: ChunkSource;
  output: ChunkSink;
  reporter: Reporter;
  /** Whether the input is a person at a terminal rather than a pipe or a file. */
  inputIsTerminal?: boolean;
}

/**
 * Runs connect to completion.
 *
 * @returns the exit code (0 when the server closed and everything received was written)
 * @throws {TcpkitError} refused, reset, unresolved, timed out, stdout closed
 */
export async function connect(command: ConnectCommand, io: ConnectIO): Promise<number> {
  const { conn, peer, connectMs } = await dial(command.target, { timeoutMs: command.timeoutMs });
  const remote = formatNetAddr(conn.remoteAddr);
  io.reporter.event(
    "connected",
    {
      peer,
      remote,
      local: formatNetAddr(conn.localAddr),
      connect_ms: round(connectMs),
    },
    `connected to ${peer}${remote === peer ? "" : ` (${remote})`} in ${formatDuration(connectMs)}`,
  );

  const traffic = new Traffic();
  const idle = idleTimer(command.idleTimeoutMs, () => conn.close());
  const input = command.send === undefined
    ? io.input
    : bytesSource(new TextEncoder().encode(command.send));

  let uploadDone = false;
  const upload = pump(input, connSink(conn), {
    onChunk: (n) => {
      traffic.sent += n;
      idle?.touch();
    },
  }).then(
    () => ({ error: undefined }),
    (error: unknown) => ({ error }),
  ).finally(() => uploadDone = true);

  try {
    await pump(readerSource(conn), io.output, {
      end: false,
      onChunk: (n) => {
        traffic.received += n;
        idle?.touch();
      },
    });
    // The server's FIN ends only its direction: from a pipe or a file, the input is sent on
    // until it ends (the server may have half-closed and still be reading, however slowly). A
    // person at a terminal has nothing in flight: the session ends with the server's close.
    if (!io.inputIsTerminal) await upload;
  } catch (e) {
    if (idle?.fired) throw idleTimeoutError(idle.timeoutMs, peer);
    if (e instanceof PumpError && e.side === "write") throw outputError(e.cause, traffic.received);
    throw netError(
      e instanceof PumpError ? e.cause : e,
      `connection to ${peer}`,
      uploadDone ? undefined : undelivered(traffic),
    );
  } finally {
    idle?.stop();
    closeQuietly(conn);
  }
  if (idle?.fired) throw idleTimeoutError(idle.timeoutMs, peer);

  const { error } = uploadDone ? await upload : { error: undefined };
  if (error !== undefined) {
    // Never exit 0 with data unsent: a reset or a failed write while sending is an error.
    throw netError(
      error instanceof PumpError ? error.cause : error,
      `sending to ${peer}`,
      undelivered(traffic),
    );
  }
  io.reporter.event(
    "closed",
    { peer, ...traffic.fields() },
    `closed ${peer}: ${traffic.describe()}`,
  );
  return ExitCode.ok;
}

/** What a connection that broke off while sending leaves undelivered, for its error. */
function undelivered(traffic: Traffic): string {
  return `${formatBytes(traffic.sent)} sent, the rest of the input was not delivered`;
}
