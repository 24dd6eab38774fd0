/** `tcpkit greet`: play the client side of the greeting dialogue, or read any server's banner. */
import type { GreetCommand } from "../cli/args.ts";
import { TcpkitError, TimeoutError } from "../errors.ts";
import { formatDuration, round } from "../format.ts";
import { type ChunkSink, writeAll } from "../io/chunks.ts";
import { escapeBytes, escapeText, StreamEscaper } from "../io/escape.ts";
import { within } from "../io/timers.ts";
import { closeQuietly } from "../net/close.ts";
import { dial } from "../net/dial.ts";
import { toNetError } from "../net/errors.ts";
import { identifyProtocol, quietSpellFor } from "../protocol/banner.ts";
import { EXIT, FAREWELL, PROMPT } from "../protocol/greeting.ts";
import type { Reporter } from "../report.ts";

/** Where greet writes: the server's words to `output` (stdout), reports to the reporter. */
export interface GreetIO {
  output: ChunkSink;
  reporter: Reporter;
}

/** In the dialogue, the most text greet takes without a prompt: then it is no greeting server. */
const MAX_WITHOUT_PROMPT = 64 * 1024;
/** The most of the dialogue's transcript kept for --json. */
const MAX_TRANSCRIPT = 64 * 1024;
/** The most of a banner greet reads: a greeting is short. */
const MAX_BANNER_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/**
 * Runs greet: with names, the dialogue; without, the banner.
 *
 * @returns the exit code
 * @throws {TcpkitError} connect failures, a dialogue broken off (1), no answer in time (4)
 */
export async function greet(command: GreetCommand, io: GreetIO): Promise<number> {
  const { conn, peer, connectMs } = await dial(command.target, { timeoutMs: command.timeoutMs });
  io.reporter.event(
    "connected",
    { peer, connect_ms: round(connectMs) },
    `connected to ${peer} in ${formatDuration(connectMs)}`,
  );
  // What --json's object begins with, in either mode.
  const header = {
    ...(command.target.kind === "tcp"
      ? { host: command.target.hostname, port: command.target.port }
      : { host: `unix:${command.target.path}`, port: null }),
    connect_ms: round(connectMs),
  };
  try {
    if (command.names.length > 0) await dialogue(conn, command, io, peer, header);
    else await banner(conn, command, io, peer, header);
    return 0;
  } finally {
    closeQuietly(conn);
  }
}

/** Reads until the next chunk arrives, the deadline passes (`"timeout"`), or the end (null). */
function readWithin(
  conn: Deno.Conn,
  buffer: Uint8Array,
  pending: { read?: Promise<number | null> },
  ms: number,
): Promise<number | null | "timeout"> {
  pending.read ??= conn.read(buffer);
  pending.read.catch(() => {});
  const read = pending.read.then((n) => {
    pending.read = undefined;
    return n;
  });
  return within(read, ms, "timeout" as const);
}

async function dialogue(
  conn: Deno.Conn,
  command: GreetCommand,
  io: GreetIO,
  peer: string,
  header: Record<string, unknown>,
): Promise<void> {
  const answers = [...command.names, EXIT];
  const buffer = new Uint8Array(4096);
  const pending: { read?: Promise<number | null> } = {};
  const decoder = new TextDecoder();
  const shown = new StreamEscaper({ keepNewlines: true }); // what is printed, as it comes
  let transcript = ""; // for --json, up to MAX_TRANSCRIPT characters
  let unread = ""; // text not yet searched for a prompt (and the farewell)
  let answered = 0;
  for (;;) {
    let n: number | null | "timeout";
    try {
      n = await readWithin(conn, buffer, pending, command.waitMs);
    } catch (e) {
      throw toNetError(e, `dialogue with ${peer}`);
    }
    if (n === "timeout") throw new TimeoutError("answer", command.waitMs, `dialogue with ${peer}`);
    if (n === null) {
      const rest = shown.flush();
      if (rest !== "") await print(io, rest);
      throw new TcpkitError(
        `dialogue with ${peer}: the server closed the connection before saying good bye ` +
          `(after ${answered} of ${answers.length} answers)`,
      );
    }
    const chunk = buffer.subarray(0, n);
    const text = decoder.decode(chunk, { stream: true });
    if (transcript.length < MAX_TRANSCRIPT) transcript += text;
    unread += text;
    if (!command.json) await print(io, shown.push(chunk));
    if (answered === answers.length && unread.includes(FAREWELL)) break;
    // Answer each prompt in the new text, as a person at the keyboard would.
    for (let at = unread.indexOf(PROMPT); at >= 0; at = unread.indexOf(PROMPT)) {
      unread = unread.slice(at + PROMPT.length);
      if (answered === answers.length) break;
      const answer = answers[answered++];
      if (!command.json) await print(io, ` ${escapeText(answer)}\n`);
      try {
        await writeAll(conn, encoder.encode(answer));
      } catch (e) {
        throw toNetError(e, `dialogue with ${peer}`);
      }
    }
    if (unread.length > MAX_WITHOUT_PROMPT) {
      throw new TcpkitError(
        `dialogue with ${peer}: ${MAX_WITHOUT_PROMPT / 1024} KiB without a "What's your name?": ` +
          "not the greeting dialogue (without --name, greet shows a server's banner)",
      );
    }
  }
  if (command.json) {
    await printJson(io, {
      ...header,
      names: command.names,
      completed: true,
      transcript: escapeText(transcript, { keepNewlines: true }),
    });
  }
}

async function banner(
  conn: Deno.Conn,
  command: GreetCommand,
  io: GreetIO,
  peer: string,
  header: Record<string, unknown>,
): Promise<void> {
  const started = performance.now();
  const deadline = started + command.waitMs;
  // The banner is read straight into one buffer of the most greet takes.
  const buffer = new Uint8Array(MAX_BANNER_BYTES);
  const pending: { read?: Promise<number | null> } = {};
  let length = 0;
  let firstByteMs: number | undefined;
  let lastByteAt = started;
  for (;;) {
    const now = performance.now();
    const quiet = length > 0
      ? lastByteAt + quietSpellFor(buffer.subarray(0, length)) - now
      : Infinity;
    const wait = Math.min(deadline - now, quiet);
    if (wait <= 0 || length >= MAX_BANNER_BYTES) break;
    let n: number | null | "timeout";
    try {
      // A read kept across a wake-up (timeout) still fills the same place: `length` is unchanged.
      n = await readWithin(conn, buffer.subarray(length), pending, wait);
    } catch (e) {
      if (length > 0) break; // a reset after the greeting: show what came
      throw toNetError(e, `reading the greeting of ${peer}`);
    }
    if (n === null) break;
    if (n === "timeout") continue;
    lastByteAt = performance.now();
    firstByteMs ??= lastByteAt - started;
    length += n;
  }
  const received = buffer.subarray(0, length);
  const protocol = identifyProtocol(
    received,
    command.target.kind === "tcp" ? command.target.port : undefined,
  );
  // CRLF shown as a line break, every other control byte escaped.
  const greeting = escapeBytes(received, { keepNewlines: true, crlfAsNewline: true });
  if (command.json) {
    await printJson(io, {
      ...header,
      first_byte_ms: firstByteMs === undefined ? null : round(firstByteMs),
      bytes: received.length,
      greeting,
      protocol,
    });
    return;
  }
  if (received.length === 0) {
    io.reporter.event(
      "silent",
      { peer },
      `${peer} said nothing within ${formatDuration(command.waitMs)}: a silent server ` +
        "(one where the client speaks first, as with HTTP)",
      true,
    );
    return;
  }
  await print(io, greeting.endsWith("\n") ? greeting : greeting + "\n");
  io.reporter.event(
    "greeting",
    { peer, protocol, bytes: received.length },
    `${peer} greeted in ${formatDuration(firstByteMs!)}: ${
      protocol === null ? "protocol not recognised" : `protocol ${protocol}`
    }`,
    true,
  );
}

/** One JSON object on stdout, as one line. */
function printJson(io: GreetIO, value: Record<string, unknown>): Promise<void> {
  return print(io, JSON.stringify(value) + "\n");
}

async function print(io: GreetIO, text: string): Promise<void> {
  await io.output.write(encoder.encode(text));
}
