/** `tcpkit serve`: listen, and serve each client in the chosen mode. */
import type { ServeCommand, UdpServeCommand } from "../cli/args.ts";
import { Broadcast } from "../io/broadcast.ts";
import type { ChunkSink, ChunkSource } from "../io/chunks.ts";
import { HexDumper } from "../io/hexdump.ts";
import { serialSink } from "../io/serial.ts";
import { Gate } from "../net/gate.ts";
import { listen } from "../net/listen.ts";
import type { Reporter } from "../report.ts";
import { chatHandler } from "../server/chat.ts";
import { echoHandler } from "../server/echo.ts";
import { GreetHandler } from "../server/greet.ts";
import { replyHandler } from "../server/reply.ts";
import { type Handler, runServer } from "../server/server.ts";
import type { Session, SessionTap } from "../server/session.ts";
import { sinkHandler } from "../server/sink.ts";
import { stdioHandler } from "../server/stdio.ts";
import { guardOutput } from "./output.ts";
import { certificateNames, clientAddress, serverTlsOptions } from "./tls_options.ts";

/** The streams serve works on: main.ts passes stdin and stdout, tests pass in-memory ones. */
export interface ServeIO {
  /** Stdin, for the default mode; read only once a client is connected. */
  input: ChunkSource;
  /** Stdout: what clients send (default mode), what they said first (`--reply`). */
  output: ChunkSink;
  /** Where events and errors of the command are reported (stderr). */
  reporter: Reporter;
  /** Aborted on SIGINT or SIGTERM: stop accepting, close every connection, summarise, exit 0. */
  signal?: AbortSignal;
  /**
   * Whether stdin is a person at a terminal: then a client's close ends its connection, as
   * with nc -l, instead of waiting for the person's Ctrl-D to finish the other direction.
   */
  inputIsTerminal?: boolean;
  /** Told the real address once listening (tests use it to find port 0's choice). */
  onListening?: (address: string, port: number | undefined) => void;
  /** Where the hex dump of `-x` goes (stderr), written as it is. */
  dump?: (text: string) => void;
}

const encoder = new TextEncoder();

/**
 * Runs serve until its one client is done, or with `-k` until the signal aborts.
 *
 * @returns the exit code
 * @throws what listening failed with, or (without -k) what the client's connection failed with
 */
export async function serve(command: ServeCommand | UdpServeCommand, io: ServeIO): Promise<number> {
  if ("udp" in command) return (await import("./serve_udp.ts")).serveUdp(command, io);
  const { reporter } = io;
  const tls = command.listen.tls
    ? await serverTlsOptions(command.tls, reporter, certificateNames(command.listen))
    : undefined;
  const listening = await listen(command.listen, { tls: tls?.options });
  const gate = command.access.allow.length + command.access.deny.length > 0
    ? new Gate({ allow: command.access.allow, deny: command.access.deny })
    : undefined;
  reporter.event(
    "listening",
    {
      address: listening.address,
      port: listening.port ?? null,
      tls: command.listen.tls,
      ...(gate ? { access: gate.describe() } : {}),
    },
    `listening on ${listening.address}${listening.scope ? ` ${listening.scope}` : ""}` +
      (command.listen.tls ? " (TLS)" : "") + (gate ? `; ${gate.describe()}` : ""),
    true,
  );
  tls?.announce?.(clientAddress(listening.address, listening.port));
  io.onListening?.(listening.address, listening.port);
  const output = guardOutput(serialSink(io.output));
  try {
    return await runServer({
      listening,
      handler: handlerFor(command, io, output),
      reporter,
      keepOpen: command.keepOpen,
      idleTimeoutMs: command.idleTimeoutMs,
      signal: io.signal,
      reportClosed: command.mode.kind === "sink",
      gate,
      maxConns: command.access.maxConns,
      tap: command.hexdump && io.dump ? hexdumpTap(io.dump) : undefined,
    });
  } finally {
    listening.close();
  }
}

function handlerFor(command: ServeCommand, io: ServeIO, output: ChunkSink): Handler {
  const { mode } = command;
  switch (mode.kind) {
    case "stdio":
      return stdioHandler({
        broadcast: new Broadcast(io.input),
        output,
        inputIsTerminal: io.inputIsTerminal ?? false,
        label: command.label,
      });
    case "echo":
      return echoHandler();
    case "sink":
      return sinkHandler();
    case "reply":
      return replyHandler({ reply: encoder.encode(mode.text), output, reporter: io.reporter });
    case "greet":
      return new GreetHandler({ quietMs: mode.quietMs, json: io.reporter.json });
    case "chat":
      return chatHandler({ output });
  }
}

/** Each session's bytes as a hex dump (`-x`): `>` sent to the client, `<` received from it. */
function hexdumpTap(write: (text: string) => void): (session: Session) => SessionTap {
  return (session) => {
    const sent = new HexDumper(`> ${session.peer}`);
    const received = new HexDumper(`< ${session.peer}`);
    return {
      sent: (chunk) => write(sent.dump(chunk)),
      received: (chunk) => write(received.dump(chunk)),
    };
  };
}
