/** Reading a server's greeting (banner): when it is complete, and which protocol it names. */
import { WELCOME } from "./greeting.ts";

/** The name of a protocol recognised from a greeting. */
export type ProtocolName =
  | "ssh"
  | "smtp"
  | "ftp"
  | "pop3"
  | "imap"
  | "vnc"
  | "mysql"
  | "telnet"
  | "nntp"
  | "irc"
  | "rsync"
  | "tcpkit-greet";

/** Every protocol {@linkcode identifyProtocol} can name, in the order the README lists them. */
export const PROTOCOLS: readonly ProtocolName[] = Object.freeze([
  "ssh",
  "smtp",
  "ftp",
  "pop3",
  "imap",
  "vnc",
  "mysql",
  "telnet",
  "nntp",
  "irc",
  "rsync",
  "tcpkit-greet",
]);

/** A protocol recognised from a greeting, or null. */
export type Protocol = ProtocolName | null;

const latin1 = new TextDecoder("latin1");

/** Ports where a bare `220` greeting is taken as SMTP: smtp, smtps, submission, the alternative. */
const SMTP_PORTS: ReadonlySet<number> = new Set([25, 465, 587, 2525]);
/** Ports where a bare `220` greeting is taken as FTP: ftp, ftps. */
const FTP_PORTS: ReadonlySet<number> = new Set([21, 990]);
/** Words only an FTP server's greeting has: its software's name, or FTP itself. */
const FTP_WORDS = /FTP|FileZilla|ProFTPD|Pure-FTPd/i;
/** Words only a mail server's greeting has. */
const SMTP_WORDS = /SMTP|Postfix|Exim|Sendmail|qmail|Haraka|MailEnable|hMailServer/i;

/**
 * Names the protocol of a greeting, from the first bytes a server sends. A multi-line reply is
 * read whole, since the words that tell (ESMTP, FTP) may be on a later line. `port`, the port
 * the greeting came from, breaks the tie a bare `220` leaves between SMTP and FTP; it is only
 * a hint: nothing else is guessed from a port (text on 110 is POP3 only if it says `+OK`).
 *
 * @example
 * ```ts
 * import { identifyProtocol } from "./banner.ts";
 * identifyProtocol(new TextEncoder().encode("SSH-2.0-OpenSSH_9.2p1\r\n")); // "ssh"
 * identifyProtocol(new TextEncoder().encode("220 Welcome\r\n"), 21); // "ftp"
 * ```
 */
export function identifyProtocol(greeting: Uint8Array, port?: number): Protocol {
  if (greeting.length === 0) return null;
  if (isMysqlHandshake(greeting)) return "mysql";
  if (greeting[0] === 0xff && greeting.length >= 3 && greeting[1] >= 0xfb && greeting[1] <= 0xfe) {
    return "telnet"; // IAC WILL/WONT/DO/DONT: option negotiation
  }
  const text = latin1.decode(greeting.subarray(0, 1024));
  if (/^SSH-\d+\.\d+-/.test(text)) return "ssh";
  if (/^RFB \d{3}\.\d{3}\n/.test(text)) return "vnc";
  if (/^\+OK/.test(text)) return "pop3";
  if (/^\* (OK|PREAUTH|BYE)\b/i.test(text)) return "imap";
  if (/^220[ -]/.test(text)) return smtpOrFtp(greeting, port);
  if (/^20[01] .*(NNTP|news)/i.test(text)) return "nntp";
  if (/^:\S+ NOTICE /.test(text) || /^NOTICE AUTH /.test(text)) return "irc";
  if (/^@RSYNCD: \d/.test(text)) return "rsync";
  if (text.startsWith(WELCOME)) return "tcpkit-greet";
  return null;
}

/** SMTP and FTP both greet with 220: their words tell them apart, else the port may. */
function smtpOrFtp(greeting: Uint8Array, port: number | undefined): Protocol {
  // Every line, not only the first 1,024 bytes: a long legal notice may come before "ESMTP".
  // (64 KiB, the most greet reads, bounds the work.)
  const text = latin1.decode(greeting.subarray(0, 64 * 1024));
  if (FTP_WORDS.test(text)) return "ftp";
  if (SMTP_WORDS.test(text)) return "smtp";
  if (port !== undefined && SMTP_PORTS.has(port)) return "smtp";
  if (port !== undefined && FTP_PORTS.has(port)) return "ftp";
  // Weaker than a port: "mail" in the server's name (mail.example.com), but not in later lines
  // ("questions? e-mail us").
  const lf = text.indexOf("\n");
  const firstLine = lf < 0 ? text : text.slice(0, lf);
  if (/mail/i.test(firstLine)) return "smtp";
  return null; // 220 alone could be either
}

/**
 * MySQL and MariaDB open with a handshake packet: a 3-byte length, sequence 0, protocol 10 and a
 * version string; or with an error packet (0xff) such as "host not allowed". With `prefix`, the
 * first five bytes are enough (for deciding how long to wait for the rest).
 */
function isMysqlHandshake(bytes: Uint8Array, prefix = false): boolean {
  if (bytes.length < (prefix ? 5 : 6) || bytes[3] !== 0) return false;
  const length = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16);
  if (length < 2 || length > 1024) return false;
  if (bytes[4] === 0xff) return true;
  return bytes[4] === 0x0a && (bytes.length < 6 ? prefix : bytes[5] >= 0x30 && bytes[5] <= 0x39);
}

/** How long to wait after the last byte before taking a greeting as complete. */
export interface QuietRules {
  /** After a finished line (the last byte is a line feed). */
  afterLineMs: number;
  /** After anything else (a prompt without a newline, a binary greeting). */
  afterPartialMs: number;
}

/** Defaults: a greeting's lines come together; a binary or unfinished one gets longer. */
export const BANNER_QUIET: QuietRules = { afterLineMs: 100, afterPartialMs: 500 };

/**
 * The quiet spell after which the greeting received so far counts as complete: 0 when it is
 * complete already, Infinity while it is certainly not.
 *
 * A numeric reply (SMTP, FTP, NNTP) tells: `220-` lines go on until `220 ` ends the reply, so
 * a greeting is incomplete after a continuation line however long the server pauses (a greeting
 * delay, a slow DNS lookup) and complete the moment the last line is in.
 *
 * @example
 * ```ts
 * import { quietSpellFor } from "./banner.ts";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * quietSpellFor(bytes("220-Welcome\r\n")); // Infinity: more lines are to come
 * quietSpellFor(bytes("220-Welcome\r\n220 ready\r\n")); // 0: the reply is complete
 * quietSpellFor(bytes("SSH-2.0-OpenSSH_9.2p1\r\n")); // 100: after a line, a short spell
 * ```
 */
export function quietSpellFor(received: Uint8Array, rules: QuietRules = BANNER_QUIET): number {
  if (isMysqlHandshake(received, true)) {
    // Binary: a 0x0a byte in it is no line feed. Done once the whole packet is here.
    const length = received[0] | (received[1] << 8) | (received[2] << 16);
    return received.length >= length + 4 ? 0 : rules.afterPartialMs;
  }
  const endsInLine = received.length > 0 && received[received.length - 1] === 0x0a;
  const lastLf = received.lastIndexOf(0x0a);
  if (lastLf >= 0) {
    const lastLineStart = lastLf > 0 ? received.lastIndexOf(0x0a, lastLf - 1) + 1 : 0;
    if (isContinuation(received.subarray(lastLineStart, lastLf))) return Infinity;
    const state = followReplies(received);
    if (state === "open") return Infinity;
    if (state === "closed" && endsInLine) return 0;
  }
  return endsInLine ? rules.afterLineMs : rules.afterPartialMs;
}

/**
 * Where the numeric replies a greeting is made of have got to, by its complete lines. `"open"`:
 * in a multi-line reply; `"closed"`: the last complete line ended a reply; `"other"`: the
 * greeting is not (only) numeric replies, or has no complete line.
 */
type ReplyProgress = "open" | "closed" | "other";

/**
 * Follows the replies a greeting begins with, line by line. Between the first and the last line
 * of a reply any text may come (RFC 959 allows it, though SMTP servers put the code on every
 * line): only the same code followed by a space, or alone, ends the reply.
 */
function followReplies(bytes: Uint8Array): ReplyProgress {
  let state: ReplyProgress = "other";
  let open = -1; // the code of the reply whose end is awaited
  for (let start = 0; start < bytes.length;) {
    const lf = bytes.indexOf(0x0a, start);
    if (lf < 0) break;
    const line = bytes.subarray(start, lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf);
    start = lf + 1;
    const code = replyCode(line);
    if (open < 0) {
      if (code < 0) return "other";
      if (line[3] === 0x2d) {
        open = code;
        state = "open";
        continue;
      }
    } else if (code !== open || line[3] === 0x2d) {
      continue; // text inside the reply
    }
    open = -1;
    state = "closed";
  }
  return state;
}

/** The code a reply line begins with (`220-`, `220 `, or `220` alone), or -1. */
function replyCode(line: Uint8Array): number {
  if (line.length < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2])) return -1;
  if (line.length > 3 && line[3] !== 0x20 && line[3] !== 0x2d) return -1;
  return (line[0] - 0x30) * 100 + (line[1] - 0x30) * 10 + (line[2] - 0x30);
}

/** A numeric reply's continuation line: three digits and a hyphen, `220-`. */
function isContinuation(line: Uint8Array): boolean {
  return line.length >= 4 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2]) &&
    line[3] === 0x2d;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
