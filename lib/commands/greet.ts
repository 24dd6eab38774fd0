/**
 * `tcpkit greet`: play the client side of the greeting dialogue, or read any server's banner
 * (over TLS with `--tls`, or after STARTTLS with `--starttls`).
 */
import type { GreetCommand } from "../cli/args.ts";
import { TcpkitError, TimeoutError, TlsError } from "../errors.ts";
import { formatDuration, round } from "../format.ts";
import { type ChunkSink, connSource, writeAll } from "../io/chunks.ts";
import { escapeBytes, escapeText, StreamEscaper } from "../io/escape.ts";
import { jsonBytesText, jsonLine } from "../io/json.ts";
import { QUIET, TimedSource } from "../io/timed_source.ts";
import { closeQuietly } from "../net/close.ts";
import { dial } from "../net/dial.ts";
import { toNetError } from "../net/errors.ts";
import { startTls, type TlsClientOptions } from "../net/tls.ts";
import { identifyProtocol, quietSpellFor } from "../protocol/banner.ts";
import { EXIT, FAREWELL, PROMPT } from "../protocol/greeting.ts";
import { AFTER_TLS, StartTlsClient } from "../protocol/starttls.ts";
import type { Reporter } from "../report.ts";
import { tlsFields } from "../net/tls_facts.ts";
import { clientTlsOptions, reportTlsSession } from "./tls_options.ts";

/** Where greet writes: the server's words to `output` (stdout), reports to the reporter. */
export interface GreetIO {
  /** Stdout: the server's words, or --json's object. */
  output: ChunkSink;
  /** Where events and errors of the command are reported (stderr). */
  reporter: Reporter;
}

/** In the dialogue, the most text greet takes without a prompt: then it is no greeting server. */
const MAX_WITHOUT_PROMPT = 64 * 1024;
/** The most of the dialogue's transcript kept for --json. */
const MAX_TRANSCRIPT = 64 * 1024;
/** The most of a banner greet reads: a greeting is short. */
const MAX_BANNER_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/** What a connection to greet on is: the connection, its peer, and how it was made. */
interface Greeting {
  conn: Deno.Conn;
  peer: string;
  command: GreetCommand;
  io: GreetIO;
  /** What --json's object begins with, in every mode. */
  header: Record<string, unknown>;
}

/**
 * Runs greet: with names, the dialogue; without, the banner (after STARTTLS, with it).
 *
 * @returns the exit code
 * @throws connect and TLS failures, a dialogue broken off (1), no answer in time (4)
 */
export async function greet(command: GreetCommand, io: GreetIO): Promise<number> {
  const tls = command.target.tls || command.starttls
    ? await clientTlsOptions(command.tls, command.timeoutMs)
    : undefined;
  const dialed = await dial(command.target, {
    timeoutMs: command.timeoutMs,
    family: command.family,
    numeric: command.numeric,
    proxy: command.proxy,
    // greet shows the certificate it met (and carries it in JSON): node:tls's handshake.
    tls: command.target.tls ? { ...tls, wantCertificate: true } : undefined,
  });
  const { peer, connectMs } = dialed;
  io.reporter.event(
    "connected",
    { peer, connect_ms: round(connectMs), ...(command.proxy ? { proxy: command.proxy.text } : {}) },
    `connected to ${peer}${command.proxy ? ` through ${command.proxy.text}` : ""} in ${
      formatDuration(connectMs)
    }`,
  );
  if (dialed.tls) reportTlsSession(io.reporter, peer, dialed.tls);
  const header = {
    event: command.names.length > 0 ? "dialogue" : "greeting",
    peer,
    ...(command.target.kind === "tcp"
      ? { host: command.target.hostname, port: command.target.port }
      : { host: `unix:${command.target.path}`, port: null }),
    connect_ms: round(connectMs),
    ...(dialed.tls ? { tls: tlsFields(dialed.tls) } : {}),
  };
  const greeting: Greeting = { conn: dialed.conn, peer, command, io, header };
  try {
    if (command.names.length > 0) await dialogue(greeting);
    else if (command.starttls) await starttls(greeting, tls!);
    else await banner(greeting);
    return 0;
  } finally {
    closeQuietly(greeting.conn);
  }
}

async function dialogue({ conn, peer, command, io, header }: Greeting): Promise<void> {
  const answers = [...command.names, EXIT];
  const source = new TimedSource(connSource(conn, { initialSize: 4096 }));
  const decoder = new TextDecoder();
  const shown = new StreamEscaper({ keepNewlines: true }); // what is printed, as it comes
  const context = `dialogue with ${peer}`;
  let transcript = ""; // for --json, up to MAX_TRANSCRIPT characters
  let unread = ""; // text not yet searched for a prompt (and the farewell)
  let answered = 0;
  let afterExit = 0; // bytes received since "exit" was sent, without the farewell
  let askedAgain = 0; // prompts after "exit", which get no answer
  // --wait bounds the wait for each answer as a whole: a server that trickles a byte at a
  // time, or streams without end, does not keep greet for longer.
  let deadline = performance.now() + command.waitMs;
  for (;;) {
    let chunk: Uint8Array | null | typeof QUIET;
    const remaining = deadline - performance.now();
    try {
      chunk = remaining > 0 ? await source.within(remaining) : QUIET;
    } catch (e) {
      throw toNetError(e, context);
    }
    if (chunk === QUIET) throw new TimeoutError("answer", command.waitMs, context);
    if (chunk === null) {
      const rest = shown.flush();
      if (rest !== "") await print(io, rest);
      throw new TcpkitError(
        `${context}: the server closed the connection before saying good bye ` +
          `(after ${answered} of ${answers.length} answers)`,
      );
    }
    if (answered === answers.length) afterExit += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    if (transcript.length < MAX_TRANSCRIPT) transcript += text;
    unread += text;
    if (!command.json) await print(io, shown.push(chunk));
    if (answered === answers.length && unread.includes(FAREWELL)) break;
    // Answer each prompt in the new text, as a person at the keyboard would.
    for (let at = unread.indexOf(PROMPT); at >= 0; at = unread.indexOf(PROMPT)) {
      unread = unread.slice(at + PROMPT.length);
      if (answered === answers.length) {
        askedAgain++; // asked again after exit: no more answers
        continue;
      }
      const answer = answers[answered++];
      if (!command.json) await print(io, ` ${escapeText(answer)}\n`);
      try {
        await writeAll(conn, encoder.encode(answer));
      } catch (e) {
        throw toNetError(e, context);
      }
      deadline = performance.now() + command.waitMs;
    }
    // After "exit", what the server sends is bounded whatever it is: a server that floods
    // prompts never lets text pile up unread, so the bytes since "exit" are what is counted.
    if (afterExit > MAX_WITHOUT_PROMPT) {
      throw new TcpkitError(
        `${context}: the server sent ${MAX_WITHOUT_PROMPT / 1024} KiB after "exit" without ` +
          "saying good bye" +
          (askedAgain > 0
            ? `, asking "What's your name?" ${askedAgain} more time${askedAgain === 1 ? "" : "s"}`
            : ""),
      );
    }
    if (answered < answers.length && unread.length > MAX_WITHOUT_PROMPT) {
      throw new TcpkitError(
        `${context}: ${MAX_WITHOUT_PROMPT / 1024} KiB without a "What's your name?": ` +
          "not the greeting dialogue (without --name, greet shows a server's banner)",
      );
    }
  }
  if (command.json) {
    const { text, base64 } = jsonBytesText(encoder.encode(transcript));
    await printJson(io, {
      ...header,
      names: command.names,
      completed: true,
      transcript: text,
      ...(base64 ? { transcript_base64: base64 } : {}),
    });
  }
}

/** The server's first words, read until they are complete, the end, or the wait is up. */
async function readGreeting(
  source: TimedSource,
  waitMs: number,
  context: string,
): Promise<{ received: Uint8Array; firstByteMs: number | undefined }> {
  const started = performance.now();
  const deadline = started + waitMs;
  const received = new Uint8Array(MAX_BANNER_BYTES);
  let length = 0;
  let firstByteMs: number | undefined;
  let lastByteAt = started;
  while (length < MAX_BANNER_BYTES) {
    const now = performance.now();
    const quiet = length > 0
      ? lastByteAt + quietSpellFor(received.subarray(0, length)) - now
      : Infinity;
    const wait = Math.min(deadline - now, quiet);
    if (wait <= 0) break;
    let chunk: Uint8Array | null | typeof QUIET;
    try {
      chunk = await source.within(wait);
    } catch (e) {
      if (length > 0) break; // a reset after the greeting: show what came
      throw toNetError(e, context);
    }
    if (chunk === null) break;
    if (chunk === QUIET) continue;
    lastByteAt = performance.now();
    firstByteMs ??= lastByteAt - started;
    const take = Math.min(chunk.length, MAX_BANNER_BYTES - length);
    received.set(chunk.subarray(0, take), length);
    length += take;
  }
  return { received: received.subarray(0, length), firstByteMs };
}

async function banner(greeting: Greeting): Promise<void> {
  const { conn, peer, command, io, header } = greeting;
  const source = new TimedSource(connSource(conn, { initialSize: 4096 }));
  const { received, firstByteMs } = await readGreeting(
    source,
    command.waitMs,
    `reading the greeting of ${peer}`,
  );
  const protocol = identifyProtocol(received, portOf(command));
  if (command.json) {
    const { text, base64 } = jsonBytesText(received);
    await printJson(io, {
      ...header,
      first_byte_ms: firstByteMs === undefined ? null : round(firstByteMs),
      bytes: received.length,
      greeting: text,
      ...(base64 ? { greeting_base64: base64 } : {}),
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
  await printShown(io, received);
  io.reporter.event(
    "greeting",
    { peer, protocol, bytes: received.length },
    `${peer} greeted in ${formatDuration(firstByteMs!)}: ${
      protocol === null ? "protocol not recognised" : `protocol ${protocol}`
    }`,
    true,
  );
}

/**
 * `--starttls`: the plain greeting, the upgrade, the certificate, and the server's capabilities
 * asked again through TLS (its second greeting).
 */
async function starttls(greeting: Greeting, options: TlsClientOptions): Promise<void> {
  const { peer, command, io, header } = greeting;
  const protocol = command.starttls!;
  const context = `STARTTLS with ${peer}`;
  const client = new StartTlsClient(protocol);
  const plain = new TimedSource(connSource(greeting.conn, { initialSize: 4096 }));
  for (;;) {
    let chunk: Uint8Array | null | typeof QUIET;
    try {
      chunk = await plain.within(command.waitMs);
    } catch (e) {
      throw toNetError(e, context);
    }
    if (chunk === QUIET) throw new TimeoutError("answer", command.waitMs, context);
    if (chunk === null) {
      throw new TlsError({
        kind: "starttls",
        detail: "the server closed the connection before TLS began",
      }, context);
    }
    const step = client.push(chunk);
    if (step.kind === "failed") {
      throw new TlsError({ kind: "starttls", detail: step.reason }, context);
    }
    if (step.kind === "ready") break;
    if (step.kind === "send") {
      try {
        await writeAll(greeting.conn, step.bytes);
      } catch (e) {
        throw toNetError(e, context);
      }
    }
  }
  if (!command.json) await printShown(io, client.greeting);
  const hostname = command.target.kind === "tcp" ? command.target.hostname : "localhost";
  const secured = await startTls(greeting.conn, hostname, `TLS with ${peer}`, {
    ...options,
    wantCertificate: true,
  });
  greeting.conn = secured.conn;
  // The certificate is what --starttls is for: it is shown without -v.
  if (!command.json) reportTlsSession(io.reporter, peer, secured.session, true);
  await writeAll(secured.conn, encoder.encode(AFTER_TLS[protocol]));
  const after = await readGreeting(
    new TimedSource(connSource(secured.conn, { initialSize: 4096 })),
    command.waitMs,
    `reading ${peer} through TLS`,
  );
  if (command.json) {
    const first = jsonBytesText(client.greeting);
    const second = jsonBytesText(after.received);
    await printJson(io, {
      ...header,
      starttls: protocol,
      greeting: first.text,
      ...(first.base64 ? { greeting_base64: first.base64 } : {}),
      tls: tlsFields(secured.session),
      greeting_tls: second.text,
      ...(second.base64 ? { greeting_tls_base64: second.base64 } : {}),
      protocol: identifyProtocol(client.greeting, portOf(command)) ?? protocol,
    });
    return;
  }
  if (after.received.length > 0) await printShown(io, after.received);
}

function portOf(command: GreetCommand): number | undefined {
  return command.target.kind === "tcp" ? command.target.port : undefined;
}

/** Bytes from the network as text a terminal shows safely, CRLF as a line break. */
function printShown(io: GreetIO, bytes: Uint8Array): Promise<void> {
  const text = escapeBytes(bytes, { keepNewlines: true, crlfAsNewline: true });
  return print(io, text.endsWith("\n") ? text : text + "\n");
}

/** One JSON object on stdout, as one line. */
function printJson(io: GreetIO, value: Record<string, unknown>): Promise<void> {
  return print(io, jsonLine(value) + "\n");
}

async function print(io: GreetIO, text: string): Promise<void> {
  await io.output.write(encoder.encode(text));
}
