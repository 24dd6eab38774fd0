/** `tcpkit serve`: listen, and serve each client in the chosen mode. */
import type { ServeCommand } from "../cli/args.ts";
import { Broadcast } from "../io/broadcast.ts";
import type { ChunkSink, ChunkSource } from "../io/chunks.ts";
import { serialSink } from "../io/serial.ts";
import { listen } from "../net/listen.ts";
import type { Reporter } from "../report.ts";
import { echoHandler } from "../server/echo.ts";
import { GreetHandler } from "../server/greet.ts";
import { replyHandler } from "../server/reply.ts";
import { type Handler, runServer } from "../server/server.ts";
import { sinkHandler } from "../server/sink.ts";
import { stdioHandler } from "../server/stdio.ts";
import { guardOutput } from "./output.ts";

/** The streams serve works on: main.ts passes stdin and stdout, tests pass in-memory ones. */
export interface ServeIO {
  /** Stdin, for the default mode; read only once a client is connected. */
  input: ChunkSource;
  /** Stdout: what clients send (default mode), what they said first (`--reply`). */
  output: ChunkSink;
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
}

const encoder = new TextEncoder();

/**
 * Runs serve until its one client is done, or with `-k` until the signal aborts.
 *
 * @returns the exit code
 * @throws what listening failed with, or (without -k) what the client's connection failed with
 */
export async function serve(command: ServeCommand, io: ServeIO): Promise<number> {
  const listening = await listen(command.listen);
  const { reporter } = io;
  reporter.event(
    "listening",
    { address: listening.address, port: listening.port ?? null },
    `listening on ${listening.address}${listening.scope ? ` ${listening.scope}` : ""}`,
    true,
  );
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
      });
    case "echo":
      return echoHandler();
    case "sink":
      return sinkHandler();
    case "reply":
      return replyHandler({ reply: encoder.encode(mode.text), output, reporter: io.reporter });
    case "greet":
      return new GreetHandler({ quietMs: mode.quietMs, json: io.reporter.json });
  }
}
