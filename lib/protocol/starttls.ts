/** The client side of STARTTLS for SMTP, IMAP, POP3 and FTP: a state machine over bytes. */
import { escapeText } from "../io/escape.ts";

/** A protocol whose plain-text session can be upgraded to TLS. */
export type StartTlsProtocol = "smtp" | "imap" | "pop3" | "ftp";

/** Every protocol {@linkcode StartTlsClient} speaks. */
export const STARTTLS_PROTOCOLS: readonly StartTlsProtocol[] = Object.freeze(
  [
    "smtp",
    "imap",
    "pop3",
    "ftp",
  ] as const,
);

/**
 * What the caller does next: write `bytes` to the server (then push what comes back), wait for
 * more bytes, start TLS on the connection, or give up (`reason` fits after "STARTTLS with
 * HOST:PORT: ").
 */
export type StartTlsStep =
  | { kind: "send"; bytes: Uint8Array }
  | { kind: "wait" }
  | { kind: "ready" }
  | { kind: "failed"; reason: string };

/** Options for {@linkcode StartTlsClient}. */
export interface StartTlsOptions {
  /** The client's name in SMTP's EHLO: a domain name or an address literal. Default "tcpkit". */
  clientName?: string;
}

/** The longest line the client takes from a server, its line ending not counted. */
export const MAX_STARTTLS_LINE_BYTES = 8 * 1024;
/** The most a server may send before its go-ahead: a dialogue of a few short replies. */
export const MAX_STARTTLS_BYTES = 64 * 1024;

/** Where the dialogue is: the reply the client waits for. */
type Stage = "greeting" | "ehlo" | "upgrade";

/** A complete numeric reply (SMTP, FTP): its code, and its lines (the last one ends it). */
interface Reply {
  code: number;
  lines: Uint8Array[];
}

/** What a line does to the dialogue: nothing yet (undefined), or the next step. */
type Outcome = StartTlsStep | undefined;

/** The IMAP tag of the STARTTLS command, which its tagged answer repeats. */
const TAG = "a1";
/** What each protocol sends to ask for TLS, for messages. */
const UPGRADE_COMMAND: Record<StartTlsProtocol, string> = {
  smtp: "STARTTLS",
  imap: "STARTTLS",
  pop3: "STLS",
  ftp: "AUTH TLS",
};
/** The longest part of a server's line quoted in a reason. */
const QUOTED_BYTES = 200;

/** The line and paragraph separators, and the controls that reorder bidirectional text. */
const REORDERING = /^[\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]$/;

const WAIT: StartTlsStep = Object.freeze({ kind: "wait" });
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Drives the plain-text start of a session up to the point where TLS begins. Every protocol here
 * waits for the server to speak first: the caller connects, pushes each chunk the server sends,
 * writes whatever a `send` step holds (before pushing the next chunk), and starts TLS on `ready`.
 *
 * Anything the server sends after its go-ahead fails the upgrade: those bytes were sent in plain
 * text yet would be read as if they came over TLS, the response injection RFC 3207 section 5
 * warns about. Memory is bounded: a line over {@linkcode MAX_STARTTLS_LINE_BYTES}, or more than
 * {@linkcode MAX_STARTTLS_BYTES} in all, fails.
 *
 * @example
 * ```ts
 * import { StartTlsClient } from "./starttls.ts";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const client = new StartTlsClient("pop3");
 * client.push(bytes("+OK Dovecot ready.\r\n")); // { kind: "send", bytes: "STLS\r\n" }
 * client.push(bytes("+OK Begin TLS negotiation now.\r\n")); // { kind: "ready" }
 * ```
 */
export class StartTlsClient {
  readonly #protocol: StartTlsProtocol;
  readonly #clientName: string;
  #stage: Stage = "greeting";
  /** The end state (ready or failed), once reached. */
  #result: StartTlsStep | undefined;
  /** Every byte received, up to MAX_STARTTLS_BYTES: lines are read in place. */
  #received = new Uint8Array(1024);
  #length = 0;
  /** Where the line being received begins. */
  #lineStart = 0;
  /** How far the line being received has been searched for its LF. */
  #searched = 0;
  /** Where the greeting ends, once it is complete. */
  #greetingEnd = 0;
  /** The numeric reply whose continuation lines are coming (SMTP, FTP). */
  #open: Reply | undefined;

  /**
   * Starts a dialogue, before the server's greeting.
   *
   * @param protocol the session's protocol
   * @param options the EHLO name (SMTP)
   * @throws {RangeError} for an unknown protocol, or a client name with spaces or control bytes
   */
  constructor(protocol: StartTlsProtocol, options: StartTlsOptions = {}) {
    if (!STARTTLS_PROTOCOLS.includes(protocol)) {
      throw new RangeError(
        `Invalid STARTTLS protocol "${escapeText(String(protocol))}": expected one of ` +
          STARTTLS_PROTOCOLS.join(", "),
      );
    }
    const clientName = options.clientName ?? "tcpkit";
    // It goes into a command line: a space or CRLF in it would let it say more than a name.
    if (!/^[\x21-\x7e]{1,255}$/.test(clientName)) {
      throw new RangeError(
        `Invalid client name "${escapeText(clientName)}": expected a domain name or address ` +
          "literal of printable ASCII, without spaces",
      );
    }
    this.#protocol = protocol;
    this.#clientName = clientName;
  }

  /** The server's plain-text greeting, all its lines; empty until its last line has come. */
  get greeting(): Uint8Array {
    return this.#received.slice(0, this.#greetingEnd);
  }

  /** Every plain-text byte the server sent, up to {@linkcode MAX_STARTTLS_BYTES}. */
  get transcript(): Uint8Array {
    return this.#received.slice(0, this.#length);
  }

  /**
   * Takes the next bytes the server sent; returns what to do next. After `ready` or `failed`
   * the answer stays the same, but for bytes after `ready`, which fail it.
   */
  push(chunk: Uint8Array): StartTlsStep {
    const taken = this.#append(chunk);
    if (this.#result !== undefined) {
      if (this.#result.kind === "ready" && chunk.length > 0) {
        this.#result = failed("the server sent data after its go-ahead");
      }
      return this.#result;
    }
    const overflow = taken < chunk.length;
    for (;;) {
      // From where the last search stopped: a line that comes a byte at a time is searched once.
      const from = Math.max(this.#lineStart, this.#searched);
      const lf = this.#received.subarray(0, this.#length).indexOf(0x0a, from);
      this.#searched = lf < 0 ? this.#length : lf + 1;
      if (lf < 0) break;
      const end = lf > this.#lineStart && this.#received[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = this.#received.subarray(this.#lineStart, end);
      if (line.length > MAX_STARTTLS_LINE_BYTES) return this.#fail(tooLong());
      this.#lineStart = lf + 1;
      const outcome = this.#line(line);
      if (outcome === undefined) continue;
      if (outcome.kind === "failed") return this.#fail(outcome.reason);
      // The line hands the turn to the client, so more bytes mean the server spoke out of turn:
      // before the client's command, or in plain text after its go-ahead (RFC 3207 section 5).
      if (this.#lineStart < this.#length || overflow) {
        return this.#fail(
          outcome.kind === "ready"
            ? "the server sent data after its go-ahead"
            : `the server sent data before the client's ${this.#command()}`,
        );
      }
      if (outcome.kind === "ready") this.#result = outcome;
      return outcome;
    }
    const pending = this.#length - this.#lineStart;
    // One byte over is allowed only for the CR of a CRLF whose LF is still to come.
    const endsInCr = pending > 0 && this.#received[this.#length - 1] === 0x0d;
    if (pending > MAX_STARTTLS_LINE_BYTES + (endsInCr ? 1 : 0)) return this.#fail(tooLong());
    if (overflow) {
      return this.#fail(
        `the server sent ${MAX_STARTTLS_BYTES / 1024} KiB without a go-ahead for TLS`,
      );
    }
    return WAIT;
  }

  /** Keeps as much of `chunk` as the bound allows; returns how much that was. */
  #append(chunk: Uint8Array): number {
    const taken = Math.min(chunk.length, MAX_STARTTLS_BYTES - this.#length);
    if (this.#length + taken > this.#received.length) {
      let size = this.#received.length;
      while (size < this.#length + taken) size *= 2;
      const grown = new Uint8Array(Math.min(size, MAX_STARTTLS_BYTES));
      grown.set(this.#received.subarray(0, this.#length));
      this.#received = grown;
    }
    this.#received.set(chunk.subarray(0, taken), this.#length);
    this.#length += taken;
    return taken;
  }

  #fail(reason: string): StartTlsStep {
    this.#result = failed(reason);
    return this.#result;
  }

  /** The dialogue's answer to one complete line (without its line ending). */
  #line(line: Uint8Array): Outcome {
    switch (this.#protocol) {
      case "smtp":
      case "ftp": {
        const reply = this.#replyLine(line);
        if (reply === undefined) return undefined;
        if ("kind" in reply) return reply;
        return this.#protocol === "smtp" ? this.#smtp(reply) : this.#ftp(reply);
      }
      case "imap":
        return this.#imap(line);
      case "pop3":
        return this.#pop3(line);
    }
  }

  /**
   * Gathers the lines of a numeric reply: `250-...` lines go on until `250 ...` (or `250`
   * alone). FTP (RFC 959) allows any text between the first and the last line; SMTP does not.
   */
  #replyLine(line: Uint8Array): Reply | StartTlsStep | undefined {
    const text = latin1.decode(line);
    const match = /^(\d{3})([ -]|$)/.exec(text);
    const open = this.#open;
    if (open === undefined) {
      if (match === null) {
        if (this.#stage === "greeting") this.#greetingEnd = this.#lineStart;
        return failed(
          this.#stage === "greeting"
            ? `the server's greeting is not ${this.#name()} reply: ${quote(line)}`
            : `the server's answer to ${this.#command()} is not ${this.#name()} reply: ` +
              quote(line),
        );
      }
      const reply = { code: Number(match[1]), lines: [line] };
      if (match[2] === "-") {
        this.#open = reply;
        return undefined;
      }
      return reply;
    }
    open.lines.push(line);
    if (match !== null && Number(match[1]) === open.code && match[2] !== "-") {
      this.#open = undefined;
      return open;
    }
    if (this.#protocol === "smtp" && (match === null || Number(match[1]) !== open.code)) {
      return failed(`the server sent a malformed SMTP reply: ${quote(line)}`);
    }
    return undefined;
  }

  #smtp(reply: Reply): Outcome {
    const last = quote(reply.lines[reply.lines.length - 1]);
    switch (this.#stage) {
      case "greeting":
        this.#greetingEnd = this.#lineStart;
        if (reply.code < 200 || reply.code > 299) {
          return failed(`the server refused the session: ${last}`);
        }
        this.#stage = "ehlo";
        return send(`EHLO ${this.#clientName}\r\n`);
      case "ehlo": {
        if (reply.code !== 250) return failed(`the server refused EHLO: ${last}`);
        // The first line names the server; each after it is an extension, keyword first.
        const offered = reply.lines.slice(1).some((line) =>
          /^STARTTLS$/i.test(latin1.decode(line.subarray(4)).split(" ")[0])
        );
        if (!offered) return failed("the server does not offer STARTTLS");
        this.#stage = "upgrade";
        return send("STARTTLS\r\n");
      }
      case "upgrade":
        return reply.code === 220
          ? { kind: "ready" }
          : failed(`the server refused STARTTLS: ${last}`);
    }
  }

  #ftp(reply: Reply): Outcome {
    const last = quote(reply.lines[reply.lines.length - 1]);
    if (this.#stage === "greeting") {
      // 120: "ready in nnn minutes", a preliminary reply; the greeting proper follows.
      if (reply.code >= 100 && reply.code <= 199) return undefined;
      this.#greetingEnd = this.#lineStart;
      if (reply.code < 200 || reply.code > 299) {
        return failed(`the server refused the session: ${last}`);
      }
      this.#stage = "upgrade";
      return send("AUTH TLS\r\n");
    }
    return reply.code === 234 ? { kind: "ready" } : failed(`the server refused AUTH TLS: ${last}`);
  }

  #imap(line: Uint8Array): Outcome {
    const text = latin1.decode(line);
    if (this.#stage === "greeting") {
      this.#greetingEnd = this.#lineStart;
      // PREAUTH is accepted: the server's answer to STARTTLS then says whether it allows it.
      if (/^\* (OK|PREAUTH)( |$)/i.test(text)) {
        this.#stage = "upgrade";
        return send(`${TAG} STARTTLS\r\n`);
      }
      if (/^\* BYE( |$)/i.test(text)) {
        return failed(`the server refused the session: ${quote(line)}`);
      }
      return failed(`the server's greeting is not an IMAP greeting: ${quote(line)}`);
    }
    if (/^\* BYE( |$)/i.test(text)) {
      return failed(`the server is closing the connection: ${quote(line)}`);
    }
    if (text.startsWith("* ")) return undefined; // untagged data: capabilities, alerts
    if (new RegExp(`^${TAG} OK( |$)`, "i").test(text)) return { kind: "ready" };
    if (new RegExp(`^${TAG} (NO|BAD)( |$)`, "i").test(text)) {
      return failed(`the server refused STARTTLS: ${quote(line)}`);
    }
    return failed(`the server sent an unexpected answer to STARTTLS: ${quote(line)}`);
  }

  #pop3(line: Uint8Array): Outcome {
    const text = latin1.decode(line);
    const ok = /^\+OK( |$)/.test(text);
    const error = /^-ERR( |$)/.test(text);
    if (this.#stage === "greeting") {
      this.#greetingEnd = this.#lineStart;
      if (ok) {
        this.#stage = "upgrade";
        return send("STLS\r\n");
      }
      return failed(
        error
          ? `the server refused the session: ${quote(line)}`
          : `the server's greeting is not a POP3 greeting: ${quote(line)}`,
      );
    }
    if (ok) return { kind: "ready" };
    return failed(
      error
        ? `the server refused STLS: ${quote(line)}`
        : `the server sent an unexpected answer to STLS: ${quote(line)}`,
    );
  }

  /** "an SMTP", "an FTP": for messages. */
  #name(): string {
    return `an ${this.#protocol.toUpperCase()}`;
  }

  /** The command the client sent last, whose answer it waits for: for messages. */
  #command(): string {
    return this.#stage === "ehlo" ? "EHLO" : UPGRADE_COMMAND[this.#protocol];
  }
}

function send(command: string): StartTlsStep {
  return { kind: "send", bytes: encoder.encode(command) };
}

function failed(reason: string): StartTlsStep {
  return { kind: "failed", reason };
}

function tooLong(): string {
  return `the server sent ${MAX_STARTTLS_LINE_BYTES / 1024} KiB without a line ending`;
}

/**
 * A server's line, quoted for a message, so that a hostile server cannot drive the terminal that
 * shows it: control bytes (below 0x20, 0x7f to 0x9f) and bytes that are not UTF-8 are written
 * `\xNN`; the line separators and the bidirectional controls, which could turn the rest of the
 * line around, `\uNNNN`.
 */
function quote(line: Uint8Array): string {
  const shown = line.subarray(0, QUOTED_BYTES);
  let out = "";
  for (let i = 0; i < shown.length;) {
    const b = shown[i];
    if (b >= 0x20 && b < 0x7f) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
    const character = length > 0 ? utf8(shown.subarray(i, i + length)) : undefined;
    if (character === undefined) {
      out += hex(b);
      i++;
      continue;
    }
    const code = character.codePointAt(0)!;
    // A C1 control (U+0080 to U+009F) shows as its code point, like the C0 ones.
    out += code <= 0x9f
      ? hex(code)
      : REORDERING.test(character)
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : character;
    i += length;
  }
  return `"${out}${line.length > QUOTED_BYTES ? "..." : ""}"`;
}

/** The one character `bytes` encode in UTF-8, or undefined when they are not one. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    const text = strictUtf8.decode(bytes);
    return [...text].length === 1 ? text : undefined;
  } catch {
    return undefined;
  }
}

function hex(code: number): string {
  return `\\x${code.toString(16).padStart(2, "0")}`;
}

/**
 * What to ask a server once TLS is up, to see it again through TLS (its second greeting): the
 * capabilities it offers now.
 */
export const AFTER_TLS: Readonly<Record<StartTlsProtocol, string>> = Object.freeze({
  smtp: "EHLO tcpkit\r\n",
  imap: "a2 CAPABILITY\r\n",
  pop3: "CAPA\r\n",
  ftp: "FEAT\r\n",
});
