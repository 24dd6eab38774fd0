/** Reading a server's greeting (banner): when it is complete, and which protocol it names. */
import { WELCOME } from "./greeting.ts";

/** A protocol recognised from a greeting, or null. */
export type Protocol =
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
  | "tcpkit-greet"
  | null;

const latin1 = new TextDecoder("latin1");

/**
 * Names the protocol of a greeting, from the first bytes a server sends.
 *
 * @example
 * ```ts
 * import { identifyProtocol } from "./banner.ts";
 * identifyProtocol(new TextEncoder().encode("SSH-2.0-OpenSSH_9.2p1\r\n")); // "ssh"
 * ```
 */
export function identifyProtocol(greeting: Uint8Array): Protocol {
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
  if (/^220[ -]/.test(text)) {
    if (/FTP|FileZilla|ProFTPD|Pure-FTPd/i.test(text)) return "ftp";
    if (/SMTP|Postfix|Exim|Sendmail|mail/i.test(text)) return "smtp";
    return null; // 220 alone could be either
  }
  if (/^20[01] .*(NNTP|news)/i.test(text)) return "nntp";
  if (/^:\S+ NOTICE /.test(text) || /^NOTICE AUTH /.test(text)) return "irc";
  if (/^@RSYNCD: \d/.test(text)) return "rsync";
  if (text.startsWith(WELCOME)) return "tcpkit-greet";
  return null;
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

/** The quiet spell after which the greeting received so far counts as complete. */
export function quietSpellFor(received: Uint8Array, rules: QuietRules = BANNER_QUIET): number {
  if (isMysqlHandshake(received, true)) {
    // Binary: a 0x0a byte in it is no line feed. Done once the whole packet is here.
    const length = received[0] | (received[1] << 8) | (received[2] << 16);
    return received.length >= length + 4 ? 0 : rules.afterPartialMs;
  }
  return received.length > 0 && received[received.length - 1] === 0x0a
    ? rules.afterLineMs
    : rules.afterPartialMs;
}
