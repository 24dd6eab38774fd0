/** `tcpkit connect`: send stdin or a text, half-close, and read the server to completion. */
import type { ConnectCommand, UdpConnectCommand } from "../cli/args.ts";
import { OutputError, TimeoutError, TlsError, UndeliveredError } from "../errors.ts";
import { formatBytes, formatDuration, round } from "../format.ts";
import {
  bytesSource,
  type ChunkSink,
  type ChunkSource,
  connSink,
  connSource,
  tapSink,
  tapSource,
} from "../io/chunks.ts";
import { crlfSource } from "../io/crlf.ts";
import { duplex, failureOf } from "../io/duplex.ts";
import { HexDumper } from "../io/hexdump.ts";
import { idleTimer } from "../io/idle.ts";
import { ProgressLine } from "../io/progress.ts";
import { formatNetAddr } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import { dial } from "../net/dial.ts";
import { toNetError } from "../net/errors.ts";
import { type Reporter, Traffic } from "../report.ts";
import { guardOutput } from "./output.ts";
import { clientTlsOptions, reportTlsSession } from "./tls_options.ts";

/** The streams connect works on: main.ts passes stdin and stdout, tests pass in-memory ones. */
export interface ConnectIO {
  /** Stdin: what to send (unless the command has `--send`). */
  input: ChunkSource;
  /** Stdout: where what the server sends goes. */
  output: ChunkSink;
  /** Where events and errors of the command are reported (stderr). */
  reporter: Reporter;
  /** Whether the input is a person at a terminal rather than a pipe or a file. */
  inputIsTerminal?: boolean;
  /**
   * The input's size when it is a regular file (for the progress line's percent); the input's
   * own `size` when left out.
   */
  inputSize?: number;
  /**
   * Where the terminal's progress line and the hex dump go (stderr), written as they are;
   * without it, neither is shown. The progress line is drawn only when `progress` is set.
   */
  terminal?: { write(text: string): void; progress: boolean };
}

/** connect's connect timeout when none is given: a host that drops SYNs is not waited on for minutes. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Runs connect to completion: both directions at once, each half-closed at its end. When the
 * server closes first, the input is still sent to its end, unless a person is typing it.
 *
 * @returns the exit code (0 when both directions are done and nothing was lost)
 * @throws what failed: the connect, the connection, stdin or stdout; never with data unsent
 */
export async function connect(
  command: ConnectCommand | UdpConnectCommand,
  io: ConnectIO,
): Promise<number> {
  if ("udp" in command) return (await import("./connect_udp.ts")).connectUdp(command, io);
  const timeoutMs = command.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const dialed = await dial(command.target, {
    timeoutMs: timeoutMs || undefined,
    family: command.family,
    numeric: command.numeric,
    source: command.source,
    tls: command.target.tls
      ? {
        ...await clientTlsOptions(command.tls, timeoutMs || undefined),
        // -v and --json show the certificate: node:tls's handshake, which can read it.
        wantCertificate: io.reporter.shows(),
      }
      : undefined,
  });
  const { conn, peer, connectMs } = dialed;
  const remote = formatNetAddr(conn.remoteAddr);
  io.reporter.event(
    "connected",
    { peer, remote, local: formatNetAddr(conn.localAddr), connect_ms: round(connectMs) },
    `connected to ${peer}${remote === peer ? "" : ` (${remote})`} in ${formatDuration(connectMs)}`,
  );
  if (dialed.tls) reportTlsSession(io.reporter, peer, dialed.tls);

  const traffic = new Traffic();
  const stop = new AbortController();
  const idle = idleTimer(command.idleTimeoutMs, () => {
    closeQuietly(conn);
    stop.abort();
  });
  // With a known size (stdin from a file), the line shows what was sent of it.
  const total = command.send === undefined ? io.inputSize ?? io.input.size : undefined;
  const progress = io.terminal?.progress
    ? new ProgressLine((text) => io.terminal!.write(text), {
      total,
      direction: total ? "sent" : undefined,
    })
    : undefined;
  const moved = () => progress?.update(total ? traffic.sent : traffic.sent + traffic.received);
  let input = command.send === undefined
    ? io.input
    : bytesSource(new TextEncoder().encode(command.send));
  if (command.crlf) input = crlfSource(input);
  let source = connSource(conn);
  let sink = connSink(conn, {
    onWritten: (n) => {
      traffic.sent += n;
      idle?.touch();
      moved();
    },
  });
  if (command.hexdump && io.terminal) {
    const out = new HexDumper(`> ${peer}`);
    const back = new HexDumper(`< ${peer}`);
    sink = tapSink(sink, (chunk) => io.terminal!.write(out.dump(chunk)));
    source = tapSource(source, (chunk) => io.terminal!.write(back.dump(chunk)));
  }
  let result;
  try {
    const close = () => closeQuietly(conn);
    result = await duplex(
      { source: input, sink: guardOutput(io.output) },
      { source, sink, close },
      {
        onBToA: (n) => {
          traffic.received += n;
          idle?.touch();
          moved();
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
    progress?.finish();
    closeQuietly(conn);
  }
  if (idle?.fired) throw new TimeoutError("idle", idle.timeoutMs, peer);
  const failure = failureOf(result);
  if (failure) {
    // stdin and stdout fail with errors of their own (InputError, OutputError). A reader of
    // stdout that went away (| head) wanted no more: that is no failure, as with nc.
    if ((failure.leg === "aToB") === (failure.side === "read")) {
      if (failure.cause instanceof OutputError && failure.cause.brokenPipe) {
        io.reporter.event(
          "output_closed",
          { peer, ...traffic.fields() },
          `output closed early (broken pipe) after ${formatBytes(traffic.received)}; stopped`,
        );
        return 0;
      }
      throw failure.cause;
    }
    // Over Deno's TLS, an alert from the server (a client certificate it requires) fails the
    // connection after the handshake, as invalid data: a TLS failure (exit 5), not the network's.
    const error = dialed.tls && failure.cause instanceof Deno.errors.InvalidData
      ? new TlsError({ kind: "handshake", detail: failure.cause.message }, `TLS with ${peer}`, {
        cause: failure.cause,
      })
      : toNetError(failure.cause, `connection to ${peer}`);
    // Never exit 0 with data unsent: a failure while sending says how much was sent.
    const sending = failure.leg === "aToB" || failure.otherUnfinished;
    throw sending && !(error instanceof TlsError)
      ? new UndeliveredError(error, traffic.sent)
      : error;
  }
  io.reporter.event(
    "closed",
    { peer, ...traffic.fields() },
    `closed ${peer}: ${traffic.describe()}`,
  );
  return 0;
}
