import { concatBytes } from "../_bytes.ts";
import { assertEquals, assertStrictEquals } from "@std/assert";
import {
  BANNER_QUIET,
  identifyProtocol,
  type ProtocolName,
  PROTOCOLS,
  quietSpellFor,
} from "../../lib/protocol/banner.ts";

const encoder = new TextEncoder();

/** The bytes of an ASCII text. */
function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The concatenation of the given parts: byte arrays, byte lists, or ASCII texts. */
function concat(...parts: (Uint8Array | number[] | string)[]): Uint8Array {
  const arrays = parts.map((part) =>
    typeof part === "string"
      ? bytes(part)
      : part instanceof Uint8Array
      ? part
      : Uint8Array.from(part)
  );
  return concatBytes(arrays);
}

/** A MySQL packet: a 3-byte little-endian payload length, the sequence number, the payload. */
function mysqlPacket(sequence: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  return concat([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, sequence], payload);
}

/** A protocol-10 handshake (Initial Handshake Packet) as MySQL and MariaDB send on connect. */
function mysqlHandshake(version: string, plugin: string, threadId: number): Uint8Array {
  return mysqlPacket(
    0,
    concat(
      [0x0a], // protocol version 10
      version,
      [0x00],
      [threadId & 0xff, (threadId >> 8) & 0xff, (threadId >> 16) & 0xff, threadId >>> 24],
      [0x21, 0x3b, 0x5c, 0x17, 0x6f, 0x29, 0x4e, 0x33], // auth-plugin-data part 1
      [0x00], // filler
      [0xff, 0xff], // capability flags, lower
      [0xff], // character set: utf8mb4_0900_ai_ci
      [0x02, 0x00], // status: autocommit
      [0xff, 0xdf], // capability flags, upper
      [0x15], // auth-plugin-data length: 21
      new Uint8Array(10), // reserved
      [0x15, 0x5f, 0x1b, 0x6c, 0x2e, 0x49, 0x71, 0x3d, 0x12, 0x58, 0x66, 0x24, 0x00], // part 2
      plugin,
      [0x00],
    ),
  );
}

/** MySQL 8.0.36's greeting. */
const MYSQL_8 = mysqlHandshake("8.0.36", "caching_sha2_password", 43);
/** MariaDB 10.11's greeting (with the "5.5.5-" prefix it sends for old clients). */
const MARIADB = mysqlHandshake(
  "5.5.5-10.11.6-MariaDB-0+deb12u1",
  "mysql_native_password",
  31,
);
/** The error packet a MySQL server sends instead of a handshake to a host it does not allow. */
const MYSQL_HOST_NOT_ALLOWED = mysqlPacket(
  0,
  concat(
    [0xff], // error
    [0x6a, 0x04], // error code 1130, little-endian
    "Host '192.168.1.23' is not allowed to connect to this MySQL server",
  ),
);

/** Deterministic pseudo-random bytes (a linear congruential generator). */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

// --- the MySQL packets built above ---

Deno.test("test helper builds a MySQL 8 handshake byte by byte", () => {
  assertEquals(Array.from(MYSQL_8.subarray(0, 12)), [
    0x4a, // payload length 74, little-endian
    0x00,
    0x00,
    0x00, // sequence 0
    0x0a, // protocol 10
    0x38, // "8.0.36"
    0x2e,
    0x30,
    0x2e,
    0x33,
    0x36,
    0x00, // NUL after the version
  ]);
  assertStrictEquals(MYSQL_8.length, 4 + 74);
});

// --- identifyProtocol(): SSH ---

Deno.test("identifyProtocol() names an OpenSSH banner ssh", () => {
  assertStrictEquals(identifyProtocol(bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")), "ssh");
});

Deno.test("identifyProtocol() names a Dropbear banner ssh", () => {
  assertStrictEquals(identifyProtocol(bytes("SSH-2.0-dropbear_2022.83\r\n")), "ssh");
});

Deno.test("identifyProtocol() names an SSH banner ssh before its line ending has come", () => {
  assertStrictEquals(identifyProtocol(bytes("SSH-2.0-OpenSSH_9.2p1")), "ssh");
});

Deno.test("identifyProtocol() names an old SSH 1.99 banner ssh", () => {
  assertStrictEquals(identifyProtocol(bytes("SSH-1.99-OpenSSH_3.9p1\n")), "ssh");
});

// --- SMTP ---

Deno.test("identifyProtocol() names a Postfix banner smtp", () => {
  assertStrictEquals(
    identifyProtocol(bytes("220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n")),
    "smtp",
  );
});

Deno.test("identifyProtocol() names a multi-line Exim banner smtp", () => {
  assertStrictEquals(
    identifyProtocol(bytes(
      "220-mx.example.org ESMTP Exim 4.96 Mon, 03 Jun 2024 10:15:02 +0000\r\n" +
        "220-We do not authorize the use of this system to transport unsolicited,\r\n" +
        "220 and/or bulk e-mail.\r\n",
    )),
    "smtp",
  );
});

Deno.test("identifyProtocol() names the first line of a multi-line Exim banner smtp", () => {
  assertStrictEquals(
    identifyProtocol(
      bytes("220-mx.example.org ESMTP Exim 4.96 Mon, 03 Jun 2024 10:15:02 +0000\r\n"),
    ),
    "smtp",
  );
});

Deno.test("identifyProtocol() names a Sendmail banner smtp", () => {
  assertStrictEquals(
    identifyProtocol(bytes(
      "220 relay.example.com ESMTP Sendmail 8.17.1.9/8.17.1.9; Mon, 3 Jun 2024 10:15:02 GMT\r\n",
    )),
    "smtp",
  );
});

// --- FTP ---

Deno.test("identifyProtocol() names a vsftpd banner ftp", () => {
  assertStrictEquals(identifyProtocol(bytes("220 (vsFTPd 3.0.3)\r\n")), "ftp");
});

Deno.test("identifyProtocol() names a ProFTPD banner ftp", () => {
  assertStrictEquals(
    identifyProtocol(bytes("220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n")),
    "ftp",
  );
});

Deno.test("identifyProtocol() names a Pure-FTPd multi-line banner ftp", () => {
  assertStrictEquals(
    identifyProtocol(bytes(
      "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n" +
        "220-You are user number 1 of 50 allowed.\r\n",
    )),
    "ftp",
  );
});

Deno.test("identifyProtocol() names a FileZilla Server banner ftp", () => {
  assertStrictEquals(identifyProtocol(bytes("220-FileZilla Server 1.8.1\r\n")), "ftp");
});

// --- POP3, IMAP ---

Deno.test("identifyProtocol() names a Dovecot POP3 banner pop3", () => {
  assertStrictEquals(identifyProtocol(bytes("+OK Dovecot (Debian) ready.\r\n")), "pop3");
});

Deno.test("identifyProtocol() names a Dovecot IMAP banner imap", () => {
  assertStrictEquals(
    identifyProtocol(bytes(
      "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS " +
        "AUTH=PLAIN] Dovecot (Debian) ready.\r\n",
    )),
    "imap",
  );
});

Deno.test("identifyProtocol() names an IMAP PREAUTH greeting imap", () => {
  assertStrictEquals(
    identifyProtocol(bytes("* PREAUTH IMAP4rev1 server logged in as Smith\r\n")),
    "imap",
  );
});

// --- VNC ---

Deno.test("identifyProtocol() names an RFB 3.8 version string vnc", () => {
  assertStrictEquals(identifyProtocol(bytes("RFB 003.008\n")), "vnc");
});

Deno.test("identifyProtocol() names an RFB 3.3 version string vnc", () => {
  assertStrictEquals(identifyProtocol(bytes("RFB 003.003\n")), "vnc");
});

// --- MySQL, MariaDB ---

Deno.test("identifyProtocol() names a MySQL 8 handshake mysql", () => {
  assertStrictEquals(identifyProtocol(MYSQL_8), "mysql");
});

Deno.test("identifyProtocol() names a MariaDB handshake mysql", () => {
  assertStrictEquals(identifyProtocol(MARIADB), "mysql");
});

Deno.test("identifyProtocol() names a MySQL 5.7 handshake mysql", () => {
  assertStrictEquals(
    identifyProtocol(mysqlHandshake("5.7.44-log", "mysql_native_password", 9)),
    "mysql",
  );
});

Deno.test("identifyProtocol() names a MySQL 'host is not allowed' error packet mysql", () => {
  assertStrictEquals(MYSQL_HOST_NOT_ALLOWED[4], 0xff);
  assertStrictEquals(identifyProtocol(MYSQL_HOST_NOT_ALLOWED), "mysql");
});

Deno.test("identifyProtocol() names the start of a MySQL handshake mysql", () => {
  assertStrictEquals(identifyProtocol(MYSQL_8.subarray(0, 12)), "mysql");
});

// --- telnet ---

Deno.test("identifyProtocol() names telnet option negotiation telnet", () => {
  // IAC DO TERMINAL-TYPE, IAC DO TERMINAL-SPEED, IAC DO X-DISPLAY, IAC DO NEW-ENVIRON
  assertStrictEquals(
    identifyProtocol(
      Uint8Array.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23, 0xff, 0xfd, 0x27]),
    ),
    "telnet",
  );
});

Deno.test("identifyProtocol() names telnet IAC WILL ECHO negotiation telnet", () => {
  // IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, IAC DO NAWS
  assertStrictEquals(
    identifyProtocol(Uint8Array.from([0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfd, 0x1f])),
    "telnet",
  );
});

Deno.test("identifyProtocol() names a single telnet command telnet", () => {
  assertStrictEquals(identifyProtocol(Uint8Array.from([0xff, 0xfd, 0x18])), "telnet");
});

// --- NNTP, IRC, rsync ---

Deno.test("identifyProtocol() names an INN banner nntp", () => {
  assertStrictEquals(
    identifyProtocol(
      bytes("200 news.example.com InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n"),
    ),
    "nntp",
  );
});

Deno.test("identifyProtocol() names an INN banner without posting nntp", () => {
  assertStrictEquals(
    identifyProtocol(
      bytes("201 news.example.com InterNetNews NNRP server INN 2.7.1 ready (no posting)\r\n"),
    ),
    "nntp",
  );
});

Deno.test("identifyProtocol() names an IRC server notice irc", () => {
  assertStrictEquals(
    identifyProtocol(bytes(":irc.example.net NOTICE * :*** Looking up your hostname...\r\n")),
    "irc",
  );
});

Deno.test("identifyProtocol() names an old-style IRC NOTICE AUTH irc", () => {
  assertStrictEquals(
    identifyProtocol(bytes("NOTICE AUTH :*** Looking up your hostname...\r\n")),
    "irc",
  );
});

Deno.test("identifyProtocol() names an rsync daemon greeting rsync", () => {
  assertStrictEquals(identifyProtocol(bytes("@RSYNCD: 31.0\n")), "rsync");
});

// --- tcpkit ---

Deno.test("identifyProtocol() names the tcpkit greeting tcpkit-greet", () => {
  assertStrictEquals(
    identifyProtocol(bytes("Server: Welcome!\nServer: What's your name?")),
    "tcpkit-greet",
  );
});

Deno.test("identifyProtocol() names the tcpkit welcome line alone tcpkit-greet", () => {
  assertStrictEquals(identifyProtocol(bytes("Server: Welcome!\n")), "tcpkit-greet");
});

// --- nothing recognised ---

Deno.test("identifyProtocol() names nothing for an empty greeting", () => {
  assertStrictEquals(identifyProtocol(new Uint8Array(0)), null);
});

Deno.test("identifyProtocol() names nothing for a bare 220 (FTP or SMTP)", () => {
  assertStrictEquals(identifyProtocol(bytes("220 Welcome\r\n")), null);
});

Deno.test("identifyProtocol() names nothing for pseudo-random binary", () => {
  for (const seed of [1, 42, 2024, 0xdeadbeef]) {
    const random = pseudoRandomBytes(256, seed);
    assertStrictEquals(identifyProtocol(random), null, `seed ${seed}`);
  }
});

Deno.test("identifyProtocol() names nothing for fixed binary bytes", () => {
  assertStrictEquals(
    identifyProtocol(
      Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x9a]),
    ),
    null,
  );
  assertStrictEquals(identifyProtocol(Uint8Array.from([0x00])), null);
  assertStrictEquals(identifyProtocol(Uint8Array.from([0xff])), null);
});

Deno.test("identifyProtocol() names nothing for an HTTP response", () => {
  assertStrictEquals(
    identifyProtocol(bytes(
      "HTTP/1.1 400 Bad Request\r\n" +
        "Server: nginx/1.22.1\r\n" +
        "Date: Mon, 03 Jun 2024 10:15:02 GMT\r\n" +
        "Content-Type: text/html\r\n" +
        "Content-Length: 157\r\n" +
        "Connection: close\r\n\r\n",
    )),
    null,
  );
});

Deno.test("identifyProtocol() names nothing for a plain text line", () => {
  assertStrictEquals(identifyProtocol(bytes("hello\n")), null);
});

// --- quietSpellFor() ---

Deno.test("BANNER_QUIET waits 100 ms after a line and 500 ms after anything else", () => {
  assertEquals(BANNER_QUIET, { afterLineMs: 100, afterPartialMs: 500 });
});

Deno.test("quietSpellFor() is 100 ms after a line ending", () => {
  assertStrictEquals(quietSpellFor(bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("RFB 003.008\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("Server: Welcome!\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("\n")), 100);
});

Deno.test("quietSpellFor() is 500 ms after partial text", () => {
  assertStrictEquals(quietSpellFor(bytes("Server: Welcome!\nServer: What's your name?")), 500);
  assertStrictEquals(quietSpellFor(bytes("SSH-2.0-OpenSSH_9.2p1")), 500);
  assertStrictEquals(quietSpellFor(bytes("220 mail.example.com ESMTP\r")), 500);
});

Deno.test("quietSpellFor() is 500 ms for nothing received yet", () => {
  assertStrictEquals(quietSpellFor(new Uint8Array(0)), 500);
});

Deno.test("quietSpellFor() is 500 ms after binary without a line ending", () => {
  assertStrictEquals(
    quietSpellFor(Uint8Array.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20])),
    500,
  );
});

Deno.test("quietSpellFor() is 0 once a complete MySQL handshake packet is in", () => {
  assertStrictEquals(quietSpellFor(MYSQL_8), 0);
  assertStrictEquals(quietSpellFor(MARIADB), 0);
});

Deno.test("quietSpellFor() is 0 once a complete MySQL error packet is in", () => {
  assertStrictEquals(quietSpellFor(MYSQL_HOST_NOT_ALLOWED), 0);
});

Deno.test("quietSpellFor() is 0 for a complete MySQL handshake followed by more bytes", () => {
  assertStrictEquals(quietSpellFor(concat(MYSQL_8, [0x01, 0x02])), 0);
});

Deno.test("quietSpellFor() is 500 ms for an incomplete MySQL handshake packet", () => {
  assertStrictEquals(quietSpellFor(MYSQL_8.subarray(0, MYSQL_8.length - 1)), 500);
  assertStrictEquals(quietSpellFor(MYSQL_8.subarray(0, 12)), 500); // up to the version's NUL
  assertStrictEquals(quietSpellFor(MYSQL_8.subarray(0, 40)), 500);
  assertStrictEquals(quietSpellFor(MARIADB.subarray(0, MARIADB.length - 10)), 500);
  assertStrictEquals(
    quietSpellFor(MYSQL_HOST_NOT_ALLOWED.subarray(0, MYSQL_HOST_NOT_ALLOWED.length - 1)),
    500,
  );
});

Deno.test("quietSpellFor() follows the rules it is given", () => {
  const rules = { afterLineMs: 7, afterPartialMs: 70 };
  assertStrictEquals(quietSpellFor(bytes("+OK ready\r\n"), rules), 7);
  assertStrictEquals(quietSpellFor(bytes("login: "), rules), 70);
  assertStrictEquals(quietSpellFor(MYSQL_8, rules), 0);
  assertStrictEquals(quietSpellFor(MYSQL_8.subarray(0, 40), rules), 70);
});

Deno.test("quietSpellFor() waits the longer spell for an incomplete MySQL packet ending in 0x0a", () => {
  assertEquals(quietSpellFor(new Uint8Array([0x4a, 0, 0, 0, 0x0a])), 500);
});

// --- PROTOCOLS ---

Deno.test("PROTOCOLS lists every protocol identifyProtocol() can name, once each", () => {
  // A Record over the type: the compiler insists that every name of ProtocolName is here.
  const names: Record<ProtocolName, true> = {
    ssh: true,
    smtp: true,
    ftp: true,
    pop3: true,
    imap: true,
    vnc: true,
    mysql: true,
    telnet: true,
    nntp: true,
    irc: true,
    rsync: true,
    "tcpkit-greet": true,
  };
  assertEquals([...PROTOCOLS].sort(), Object.keys(names).sort());
  assertStrictEquals(new Set(PROTOCOLS).size, PROTOCOLS.length);
});

Deno.test("PROTOCOLS keeps the README's order, with tcpkit-greet last", () => {
  assertEquals([...PROTOCOLS], [
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
});

Deno.test("identifyProtocol() names only protocols that PROTOCOLS lists", () => {
  const greetings = [
    bytes("SSH-2.0-OpenSSH_9.2p1\r\n"),
    bytes("220 mx ESMTP\r\n"),
    bytes("220 (vsFTPd 3.0.3)\r\n"),
    bytes("+OK ready\r\n"),
    bytes("* OK ready\r\n"),
    bytes("RFB 003.008\n"),
    MYSQL_8,
    Uint8Array.from([0xff, 0xfd, 0x18]),
    bytes("200 news.example.com NNTP ready\r\n"),
    bytes("NOTICE AUTH :*** hello\r\n"),
    bytes("@RSYNCD: 31.0\n"),
    bytes("Server: Welcome!\n"),
  ];
  const named = greetings.map((greeting) => identifyProtocol(greeting));
  assertEquals(named, [...PROTOCOLS]);
});

// --- identifyProtocol(): every line of a multi-line reply ---

Deno.test("identifyProtocol() finds ESMTP on a later line of a multi-line greeting", () => {
  assertStrictEquals(
    identifyProtocol(bytes(
      "220-relay.example.org\r\n" +
        "220-Unauthorised use of this system is prohibited.\r\n" +
        "220 ESMTP ready\r\n",
    )),
    "smtp",
  );
});

Deno.test("identifyProtocol() finds the FTP server's name on a later line", () => {
  assertStrictEquals(
    identifyProtocol(
      bytes("220-Welcome to example.org\r\n220-Powered by ProFTPD\r\n220 Ready\r\n"),
    ),
    "ftp",
  );
});

Deno.test("identifyProtocol() reads the RFC 959 text lines inside a multi-line FTP reply", () => {
  assertStrictEquals(
    identifyProtocol(
      bytes("220-Welcome\r\nThis is the FTP service of example.org.\r\n220 Ready\r\n"),
    ),
    "ftp",
  );
});

Deno.test("identifyProtocol() finds the words that tell beyond the first 1,024 bytes", () => {
  const notice = Array.from(
    { length: 40 },
    (_, i) => `220-Line ${i} of a long legal notice about acceptable use.\r\n`,
  ).join("");
  const greeting = bytes(`${notice}220 ESMTP Exim 4.96 ready\r\n`);
  assertStrictEquals(greeting.length > 2048, true);
  assertStrictEquals(identifyProtocol(greeting), "smtp");
});

Deno.test("identifyProtocol() takes no e-mail address on a later line for SMTP", () => {
  const greeting = bytes(
    "220-Welcome to the archive\r\n220-Questions? E-mail admin@example.org\r\n220 Ready\r\n",
  );
  assertStrictEquals(identifyProtocol(greeting), null);
  assertStrictEquals(identifyProtocol(greeting, 21), "ftp");
});

Deno.test("identifyProtocol() still takes mail in the server's name on the first line as SMTP", () => {
  assertStrictEquals(identifyProtocol(bytes("220 mail.example.com ready\r\n")), "smtp");
});

// --- identifyProtocol(): the port as a hint ---

Deno.test("identifyProtocol() names a bare 220 greeting smtp on the mail ports", () => {
  for (const port of [25, 465, 587, 2525]) {
    assertStrictEquals(identifyProtocol(bytes("220 Welcome\r\n"), port), "smtp", `port ${port}`);
  }
});

Deno.test("identifyProtocol() names a bare 220 greeting ftp on the FTP ports", () => {
  for (const port of [21, 990]) {
    assertStrictEquals(identifyProtocol(bytes("220 Welcome\r\n"), port), "ftp", `port ${port}`);
  }
});

Deno.test("identifyProtocol() leaves a bare 220 greeting unnamed on other ports", () => {
  for (const port of [undefined, 22, 80, 110, 2121, 8025]) {
    assertStrictEquals(identifyProtocol(bytes("220 Welcome\r\n"), port), null, `port ${port}`);
  }
});

Deno.test("identifyProtocol() believes the greeting's words over the port", () => {
  assertStrictEquals(identifyProtocol(bytes("220 (vsFTPd 3.0.3)\r\n"), 25), "ftp");
  assertStrictEquals(identifyProtocol(bytes("220 mx.example.com ESMTP Postfix\r\n"), 21), "smtp");
  assertStrictEquals(identifyProtocol(bytes("SSH-2.0-OpenSSH_9.2p1\r\n"), 21), "ssh");
  assertStrictEquals(identifyProtocol(bytes("* OK IMAP4rev1 ready\r\n"), 110), "imap");
});

Deno.test("identifyProtocol() takes the port over 'mail' in a bare 220 greeting's first line", () => {
  assertStrictEquals(identifyProtocol(bytes("220 mail.example.com ready\r\n"), 21), "ftp");
});

Deno.test("identifyProtocol() guesses nothing from the POP3 ports: only +OK is POP3", () => {
  for (const port of [110, 995]) {
    assertStrictEquals(identifyProtocol(bytes("hello\r\n"), port), null, `port ${port}`);
    assertStrictEquals(identifyProtocol(bytes("Welcome\r\n"), port), null, `port ${port}`);
    assertStrictEquals(identifyProtocol(bytes("220 Welcome\r\n"), port), null, `port ${port}`);
    assertStrictEquals(identifyProtocol(bytes("+OK ready\r\n"), port), "pop3", `port ${port}`);
  }
});

Deno.test("identifyProtocol() uses the port for 220 greetings only", () => {
  assertStrictEquals(identifyProtocol(bytes("554 No service\r\n"), 25), null);
  assertStrictEquals(identifyProtocol(bytes("hello\r\n"), 21), null);
  assertStrictEquals(identifyProtocol(new Uint8Array(0), 25), null);
});

// --- quietSpellFor(): numeric replies ---

Deno.test("quietSpellFor() is Infinity after a numeric reply's continuation line", () => {
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n")), Infinity);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\n")), Infinity);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n220-more\r\n")), Infinity);
  assertStrictEquals(
    quietSpellFor(bytes("220---------- Welcome to Pure-FTPd ----------\r\n")),
    Infinity,
  );
});

Deno.test("quietSpellFor() is Infinity while the next line of an open reply is arriving", () => {
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n220 rea")), Infinity);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n220 ready\r")), Infinity);
});

Deno.test("quietSpellFor() is Infinity after RFC 959 text lines inside an open reply", () => {
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\nSome text\r\n")), Infinity);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n  220 indented\r\n")), Infinity);
  // Another code followed by a space ends nothing: only the reply's own code does.
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n221 not the end\r\n")), Infinity);
});

Deno.test("quietSpellFor() is 0 once the last line of a multi-line reply has come", () => {
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n220-more\r\n220 ready\r\n")), 0);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\n220 ready\n")), 0);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\nSome text\r\n220 ready\r\n")), 0);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n220\r\n")), 0);
});

Deno.test("quietSpellFor() is 0 after a one-line numeric reply", () => {
  assertStrictEquals(quietSpellFor(bytes("220 mx.example.com ESMTP Postfix\r\n")), 0);
  assertStrictEquals(quietSpellFor(bytes("220 (vsFTPd 3.0.3)\n")), 0);
  assertStrictEquals(quietSpellFor(bytes("200 news.example.com NNTP ready\r\n")), 0);
  assertStrictEquals(quietSpellFor(bytes("421 Too many connections\r\n")), 0);
});

Deno.test("quietSpellFor() waits out a pause between the lines of a multi-line greeting", () => {
  // The case greet cut short: 220-Welcome, then 0.3 s later the rest.
  const first = bytes("220-Welcome\r\n");
  assertStrictEquals(quietSpellFor(first), Infinity);
  const whole = concat(first, "220-more\r\n220 ready\r\n");
  assertStrictEquals(quietSpellFor(whole), 0);
  assertStrictEquals(identifyProtocol(whole, 25), "smtp");
});

Deno.test("quietSpellFor() is 0 and Infinity whatever rules it is given", () => {
  const rules = { afterLineMs: 7, afterPartialMs: 70 };
  assertStrictEquals(quietSpellFor(bytes("220-Welcome\r\n"), rules), Infinity);
  assertStrictEquals(quietSpellFor(bytes("220 ready\r\n"), rules), 0);
});

Deno.test("quietSpellFor() keeps the usual spells when a reply is followed by something else", () => {
  assertStrictEquals(quietSpellFor(bytes("220 ready\r\nX")), 500);
  assertStrictEquals(quietSpellFor(bytes("220 ready\r\nhello\r\n")), 100);
});

Deno.test("quietSpellFor() keeps the usual spells for greetings that are no numeric reply", () => {
  assertStrictEquals(quietSpellFor(bytes("hello\r\n220 ready\r\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("2200-not a reply\r\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("22-not a reply\r\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("220x\r\n")), 100);
  assertStrictEquals(quietSpellFor(bytes("220-Welcome")), 500); // no complete line yet
});

Deno.test("quietSpellFor() is Infinity after a continuation line even below other text", () => {
  assertStrictEquals(quietSpellFor(bytes("hello\r\n220-Welcome\r\n")), Infinity);
});
