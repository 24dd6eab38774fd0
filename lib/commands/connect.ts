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
import { CONNECT_TIMEOUT_MS, dial } from "../net/dial.ts";
import { toNetError } from "../net/errors.ts";
import { tlsStreamError } from "../net/tls_alerts.ts";
import { closeNotifyOf } from "../net/tls_end.ts";
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
  /**
   * Whether the output (stdout) is a terminal: then no progress line is drawn, whatever
   * `terminal.progress` says, since what the server sends would be glued to it (curl's rule).
   */
  outputIsTerminal?: boolean;
}

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
  const dialOptions = {
    timeoutMs: timeoutMs || undefined,
    family: command.family,
    numeric: command.numeric,
    source: command.source,
    proxy: command.proxy,
    tls: command.target.tls
      ? {
        ...await clientTlsOptions(command.tls, timeoutMs || undefined),
        // -v and --json show the certificate: node:tls's handshake, which can read it.
        wantCertificate: io.reporter.shows(),
      }
      : undefined,
  };
  const dialed = command.waitMs === undefined
    ? await dial(command.target, dialOptions)
    : await (await import("../net/dial_wait.ts")).dialWaiting(command.target, {
      ...dialOptions,
      waitMs: command.waitMs,
      onRetry: (attempt, reason, elapsedMs) =>
        io.reporter.event(
          "waiting",
          { attempt, reason, elapsed_ms: round(elapsedMs) },
          `waiting: ${reason} (attempt ${attempt}, ${formatDuration(elapsedMs)})`,
        ),
    });
  const { conn, peer, connectMs } = dialed;
  // With a known size (stdin from a file), the line shows what was sent of it.
  const total = command.send === undefined && !command.recvOnly
    ? io.inputSize ?? io.input.size
    : undefined;
  const progress = io.terminal?.progress && !io.outputIsTerminal
    ? new ProgressLine((text) => io.terminal!.write(text), {
      total,
      direction: total ? "sent" : command.recvOnly ? "received" : undefined,
    })
    : undefined;
  // Whatever else goes to the terminal (a line of diagnostics, the hex dump) clears the line
  // first, so that nothing is glued to it.
  const reporter = progress ? clearingFirst(io.reporter, progress) : io.reporter;
  const toTerminal = (text: string) => {
    progress?.clear();
    io.terminal!.write(text);
  };
  const remote = formatNetAddr(conn.remoteAddr);
  // Through a proxy, the socket's far end is the proxy's: say so rather than show its address.
  const via = command.proxy
    ? ` through ${command.proxy.text}`
    : remote === peer
    ? ""
    : ` (${remote})`;
  io.reporter.event(
    "connected",
    {
      peer,
      remote,
      local: formatNetAddr(conn.localAddr),
      connect_ms: round(connectMs),
      ...(command.proxy ? { proxy: command.proxy.text } : {}),
    },
    `connected to ${peer}${via} in ${formatDuration(connectMs)}`,
  );
  if (dialed.tls) reportTlsSession(io.reporter, peer, dialed.tls);

  const traffic = new Traffic();
  const stop = new AbortController();
  const idle = idleTimer(command.idleTimeoutMs, () => {
    closeQuietly(conn);
    stop.abort();
  });
  const moved = () => progress?.update(total ? traffic.sent : traffic.sent + traffic.received);
  // -d: stdin is never read, and nothing ends: no FIN goes out before the server's close.
  const silent = command.recvOnly ? silence() : undefined;
  let input = silent?.source ??
    (command.send === undefined ? io.input : bytesSource(new TextEncoder().encode(command.send)));
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
    sink = tapSink(sink, (chunk) => toTerminal(out.dump(chunk)));
    source = tapSource(source, (chunk) => toTerminal(back.dump(chunk)));
  }
  let result;
  try {
    const close = () => closeQuietly(conn);
    result = await duplex(
      { source: input, sink: guardOutput(io.output), close: silent?.close },
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
        // With -d, there is nothing in flight either: the server's close is the end.
        stopWhenBEnds: command.recvOnly || (io.inputIsTerminal ?? false),
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
        reporter.event(
          "output_closed",
          { peer, ...traffic.fields() },
          `output closed early (broken pipe) after ${formatBytes(traffic.received)}; stopped`,
        );
        return 0;
      }
      throw failure.cause;
    }
    // An alert from the server (a client certificate it requires) or a bad record fails the
    // connection after the handshake: a TLS failure (exit 5), not the network's.
    const error = (dialed.tls && tlsStreamError(failure.cause, `TLS with ${peer}`)) ||
      toNetError(failure.cause, `connection to ${peer}`);
    // Never exit 0 with data unsent: a failure while sending says how much was sent.
    const sending = !command.recvOnly && (failure.leg === "aToB" || failure.otherUnfinished);
    throw sending && !(error instanceof TlsError)
      ? new UndeliveredError(error, traffic.sent)
      : error;
  }
  // A TLS server's data ends with its close_notify; without it, it may have been cut short.
  const closeNotify = dialed.tls ? closeNotifyOf(conn) : undefined;
  if (closeNotify === false && traffic.sent > 0 && traffic.received === 0) {
    // A server that refuses a client after the handshake (TLS 1.3 checks a client certificate
    // only then) and hangs up looks like this: whether it read what was sent, TCP cannot say.
    reporter.event(
      "warning",
      { peer, message: "closed without TLS close_notify, having sent nothing" },
      `warning: ${peer} closed without TLS close_notify and sent nothing: it may not have read ` +
        `the ${formatBytes(traffic.sent)} sent`,
      true,
    );
  } else if (closeNotify === false && !reporter.json) {
    reporter.event(
      "tls_truncated",
      {},
      `${peer} closed without TLS close_notify: the data may be truncated`,
    );
  }
  reporter.event(
    "closed",
    {
      peer,
      ...traffic.fields(),
      ...(closeNotify === undefined ? {} : { tls_close_notify: closeNotify }),
    },
    `closed ${peer}: ${traffic.describe()}`,
  );
  return 0;
}

/** `reporter`, clearing the progress line before each line it writes. */
function clearingFirst(reporter: Reporter, progress: ProgressLine): Reporter {
  return {
    json: reporter.json,
    shows: (always) => reporter.shows(always),
    event(name, fields, text, always) {
      if (reporter.shows(always)) progress.clear();
      reporter.event(name, fields, text, always);
    },
  };
}

/**
 * The input of `-d`: a source that gives nothing and never ends on its own, so that the
 * connection is never half-closed; closing it (the server's close, a failure, the idle timeout)
 * fails its pending read, which the duplex takes as the direction being stopped.
 */
function silence(): { source: ChunkSource; close(): void } {
  let stop = () => {};
  const stopped = new Promise<never>((_, reject) => stop = () => reject(new Error("stopped")));
  stopped.catch(() => {}); // a close with no read pending is no unhandled rejection
  return { source: { next: () => stopped }, close: () => stop() };
}
