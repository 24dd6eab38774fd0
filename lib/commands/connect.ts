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
import { within } from "../io/timers.ts";
import { formatNetAddr } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { dial } from "../net/dial.ts";
import { isPeerGone, netError } from "../net/errors.ts";
import { type Reporter, round, Traffic } from "../report.ts";
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
 * After the server has closed its side, how long the input may stay quiet before connect stops
 * sending and exits. A pipe that still flows is sent in full (the server may have half-closed
 * and still be reading); a quiet or interactive input does not keep connect waiting.
 */
export const QUIET_AFTER_SERVER_CLOSE_MS = 300;

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
    // Only after a clean end from the server: a stdin that still flows is sent on.
    if (!uploadDone && !io.inputIsTerminal && !idle?.fired) await finishSending(upload, traffic);
  } catch (e) {
    if (idle?.fired) throw idleTimeoutError(idle.timeoutMs, peer);
    if (e instanceof PumpError && e.side === "write") throw outputError(e.cause, traffic.received);
    throw netError(e instanceof PumpError ? e.cause : e, `connection to ${peer}`);
  } finally {
    idle?.stop();
    closeQuietly(conn);
  }
  if (idle?.fired) throw idleTimeoutError(idle.timeoutMs, peer);

  const { error } = uploadDone ? await upload : { error: undefined };
  if (error !== undefined && !isPeerGone(error instanceof PumpError ? error.cause : error)) {
    throw netError(error instanceof PumpError ? error.cause : error, `sending to ${peer}`);
  }
  io.reporter.event(
    "closed",
    { peer, ...traffic.fields() },
    `closed ${peer}: ${traffic.describe()}`,
  );
  return ExitCode.ok;
}

/** The server has closed its side: send what the input still has while it keeps flowing. */
async function finishSending(upload: Promise<unknown>, traffic: Traffic): Promise<void> {
  const finished = upload.then(() => true);
  for (;;) {
    const before = traffic.sent;
    if (await within(finished, QUIET_AFTER_SERVER_CLOSE_MS, false)) return;
    if (traffic.sent === before) return;
  }
}
