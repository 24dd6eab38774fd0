import { concatBytes } from "../_bytes.ts";
import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  MAX_STARTTLS_BYTES,
  MAX_STARTTLS_LINE_BYTES,
  STARTTLS_PROTOCOLS,
  StartTlsClient,
  type StartTlsProtocol,
  type StartTlsStep,
} from "../../lib/protocol/starttls.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of a text (UTF-8). */
function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

const WAIT: StartTlsStep = { kind: "wait" };
const READY: StartTlsStep = { kind: "ready" };

/** The step that sends `command`. */
function send(command: string): StartTlsStep {
  return { kind: "send", bytes: bytes(command) };
}

/** The step that gives up for `reason`. */
function failed(reason: string): StartTlsStep {
  return { kind: "failed", reason };
}

/** Pushes `data` in one chunk. */
function pushWhole(client: StartTlsClient, data: string | Uint8Array): StartTlsStep {
  return client.push(typeof data === "string" ? bytes(data) : data);
}

/** Pushes `data` one byte at a time: every byte but the last must leave the client waiting. */
function pushBytewise(client: StartTlsClient, data: string | Uint8Array): StartTlsStep {
  const all = typeof data === "string" ? bytes(data) : data;
  for (let i = 0; i < all.length - 1; i++) {
    assertEquals(client.push(all.subarray(i, i + 1)), WAIT, `byte ${i} of ${JSON.stringify(data)}`);
  }
  return client.push(all.subarray(all.length - 1));
}

const WAYS = [["in one chunk", pushWhole], ["byte by byte", pushBytewise]] as const;

/**
 * Plays a dialogue: each of the server's turns is pushed (the way given), and the client's
 * answer to it checked.
 */
function play(
  protocol: StartTlsProtocol,
  turns: [string, StartTlsStep][],
  push: (client: StartTlsClient, data: string) => StartTlsStep = pushWhole,
  client: StartTlsClient = new StartTlsClient(protocol),
): StartTlsClient {
  for (const [server, answer] of turns) {
    assertEquals(push(client, server), answer, JSON.stringify(server));
  }
  return client;
}

// --- the protocols and the options ---

Deno.test("STARTTLS_PROTOCOLS lists smtp, imap, pop3 and ftp", () => {
  assertEquals([...STARTTLS_PROTOCOLS], ["smtp", "imap", "pop3", "ftp"]);
});

Deno.test("StartTlsClient rejects a protocol it does not speak", () => {
  assertThrows(
    () => new StartTlsClient("xmpp" as StartTlsProtocol),
    RangeError,
    'Invalid STARTTLS protocol "xmpp"',
  );
});

Deno.test("StartTlsClient rejects a client name that could smuggle a command into EHLO", () => {
  for (
    const clientName of ["", "two words", "host\r\nRSET", "tab\there", "naïve", "x".repeat(256)]
  ) {
    assertThrows(
      () => new StartTlsClient("smtp", { clientName }),
      RangeError,
      "Invalid client name",
      JSON.stringify(clientName),
    );
  }
});

// --- SMTP ---

const POSTFIX_GREETING = "220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n";
const POSTFIX_EHLO = "250-mx.example.com\r\n" +
  "250-PIPELINING\r\n" +
  "250-SIZE 10240000\r\n" +
  "250-VRFY\r\n" +
  "250-ETRN\r\n" +
  "250-STARTTLS\r\n" +
  "250-ENHANCEDSTATUSCODES\r\n" +
  "250-8BITMIME\r\n" +
  "250-DSN\r\n" +
  "250-SMTPUTF8\r\n" +
  "250 CHUNKING\r\n";
const POSTFIX_GO_AHEAD = "220 2.0.0 Ready to start TLS\r\n";

for (const [way, push] of WAYS) {
  Deno.test(`StartTlsClient upgrades an SMTP session, the server's bytes ${way}`, () => {
    const client = play("smtp", [
      [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
      [POSTFIX_EHLO, send("STARTTLS\r\n")],
      [POSTFIX_GO_AHEAD, READY],
    ], push);
    assertEquals(decoder.decode(client.greeting), POSTFIX_GREETING);
    assertEquals(
      decoder.decode(client.transcript),
      POSTFIX_GREETING + POSTFIX_EHLO + POSTFIX_GO_AHEAD,
    );
  });
}

Deno.test("StartTlsClient waits for every line of a multi-line SMTP greeting", () => {
  const greeting = "220-mx.example.org ESMTP Exim 4.96 Mon, 03 Jun 2024 10:15:02 +0000\r\n" +
    "220-We do not authorize the use of this system to transport unsolicited,\r\n" +
    "220 and/or bulk e-mail.\r\n";
  const client = new StartTlsClient("smtp");
  const lines = greeting.split(/(?<=\n)/);
  assertEquals(client.push(bytes(lines[0])), WAIT);
  assertEquals(client.greeting.length, 0); // not complete yet
  assertEquals(client.push(bytes(lines[1])), WAIT);
  assertEquals(client.push(bytes(lines[2])), send("EHLO tcpkit\r\n"));
  assertEquals(decoder.decode(client.greeting), greeting);
});

Deno.test("StartTlsClient reads SMTP lines that end in a bare LF", () => {
  play("smtp", [
    ["220 mx ESMTP\n", send("EHLO tcpkit\r\n")],
    ["250-mx\n250 STARTTLS\n", send("STARTTLS\r\n")],
    ["220 go ahead\n", READY],
  ]);
});

Deno.test("StartTlsClient takes a reply code alone as the last line of an SMTP reply", () => {
  play("smtp", [
    ["220\r\n", send("EHLO tcpkit\r\n")],
    ["250-mx\r\n250-STARTTLS\r\n250\r\n", send("STARTTLS\r\n")],
    ["220\r\n", READY],
  ]);
});

Deno.test("StartTlsClient says EHLO with the client name it is given", () => {
  const client = new StartTlsClient("smtp", { clientName: "probe.example.net" });
  assertEquals(client.push(bytes(POSTFIX_GREETING)), send("EHLO probe.example.net\r\n"));
  const literal = new StartTlsClient("smtp", { clientName: "[192.0.2.1]" });
  assertEquals(literal.push(bytes(POSTFIX_GREETING)), send("EHLO [192.0.2.1]\r\n"));
});

Deno.test("StartTlsClient finds STARTTLS on the last EHLO line and in any case", () => {
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    ["250-mx\r\n250-SIZE\r\n250 STARTTLS\r\n", send("STARTTLS\r\n")],
  ]);
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    ["250-mx\r\n250-starttls\r\n250 SIZE\r\n", send("STARTTLS\r\n")],
  ]);
});

Deno.test("StartTlsClient fails when the server does not offer STARTTLS", () => {
  const reason = "the server does not offer STARTTLS";
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    ["250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n", failed(reason)],
  ]);
  // Not STARTTLS: another keyword that starts with it, or the server's name on the first line.
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    ["250-STARTTLS.example.com\r\n250-XSTARTTLS\r\n250 STARTTLSX\r\n", failed(reason)],
  ]);
  play("smtp", [[POSTFIX_GREETING, send("EHLO tcpkit\r\n")], ["250 mx\r\n", failed(reason)]]);
});

Deno.test("StartTlsClient fails on a non-2xx SMTP greeting, quoting the server", () => {
  play("smtp", [[
    "554 5.7.1 No SMTP service for 192.0.2.1\r\n",
    failed('the server refused the session: "554 5.7.1 No SMTP service for 192.0.2.1"'),
  ]]);
  const client = play("smtp", [[
    "421-mx.example.com busy\r\n421 try again later\r\n",
    failed('the server refused the session: "421 try again later"'),
  ]]);
  assertEquals(
    decoder.decode(client.greeting),
    "421-mx.example.com busy\r\n421 try again later\r\n",
  );
});

Deno.test("StartTlsClient fails on a greeting that is no SMTP reply", () => {
  const client = play("smtp", [[
    "SSH-2.0-OpenSSH_9.2p1\r\n",
    failed('the server\'s greeting is not an SMTP reply: "SSH-2.0-OpenSSH_9.2p1"'),
  ]]);
  assertEquals(decoder.decode(client.greeting), "SSH-2.0-OpenSSH_9.2p1\r\n");
});

Deno.test("StartTlsClient fails when the server refuses EHLO", () => {
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [
      "502 5.5.2 Error: command not recognized\r\n",
      failed('the server refused EHLO: "502 5.5.2 Error: command not recognized"'),
    ],
  ]);
});

Deno.test("StartTlsClient fails when the server refuses STARTTLS", () => {
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [POSTFIX_EHLO, send("STARTTLS\r\n")],
    [
      "454 4.7.0 TLS not available due to local problem\r\n",
      failed('the server refused STARTTLS: "454 4.7.0 TLS not available due to local problem"'),
    ],
  ]);
});

Deno.test("StartTlsClient fails on a malformed multi-line SMTP reply", () => {
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    ["250-mx\r\nSTARTTLS\r\n", failed('the server sent a malformed SMTP reply: "STARTTLS"')],
  ]);
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [
      "250-mx\r\n251 STARTTLS\r\n",
      failed('the server sent a malformed SMTP reply: "251 STARTTLS"'),
    ],
  ]);
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [
      "hello\r\n",
      failed('the server\'s answer to EHLO is not an SMTP reply: "hello"'),
    ],
  ]);
});

Deno.test("StartTlsClient fails when the SMTP server sends data after its go-ahead", () => {
  const reason = "the server sent data after its go-ahead";
  // An injected reply, in plain text, that would be read as the first over TLS.
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [POSTFIX_EHLO, send("STARTTLS\r\n")],
    ["220 2.0.0 Ready to start TLS\r\n250-injected\r\n", failed(reason)],
  ]);
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [POSTFIX_EHLO, send("STARTTLS\r\n")],
    ["220 go ahead\r\nX", failed(reason)],
  ]);
});

Deno.test("StartTlsClient fails on bytes pushed after ready, and stays ready for nothing", () => {
  const client = play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [POSTFIX_EHLO, send("STARTTLS\r\n")],
    [POSTFIX_GO_AHEAD, READY],
  ]);
  assertEquals(client.push(new Uint8Array(0)), READY);
  assertEquals(client.push(bytes("250 ok\r\n")), failed("the server sent data after its go-ahead"));
  assertEquals(client.push(new Uint8Array(0)), failed("the server sent data after its go-ahead"));
});

Deno.test("StartTlsClient fails when the SMTP server answers before it is asked", () => {
  play("smtp", [[
    POSTFIX_GREETING + "250-mx\r\n250 STARTTLS\r\n",
    failed("the server sent data before the client's EHLO"),
  ]]);
  play("smtp", [
    [POSTFIX_GREETING, send("EHLO tcpkit\r\n")],
    [
      POSTFIX_EHLO + "220 go ahead\r\n",
      failed("the server sent data before the client's STARTTLS"),
    ],
  ]);
});

Deno.test("StartTlsClient gives the same failure to every push after it", () => {
  const client = play("smtp", [[
    "554 go away\r\n",
    failed('the server refused the session: "554 go away"'),
  ]]);
  assertEquals(
    client.push(bytes("220 ok\r\n")),
    failed('the server refused the session: "554 go away"'),
  );
});

// --- escaping the server's words ---

Deno.test("StartTlsClient escapes control bytes in the server's line as \\xNN", () => {
  const line = concatBytes([
    bytes("554 \x1b[31mred\x1b[0m\x07 tab\there cr\rdel\x7f"),
    Uint8Array.of(0xc2, 0x9b), // U+009B, CSI: a C1 control in UTF-8
    Uint8Array.of(0x9b, 0xff, 0xc3), // bytes that are not UTF-8
    bytes(" Grüße 🦕"),
  ]);
  const client = new StartTlsClient("smtp");
  const step = client.push(concatBytes([line, bytes("\r\n")]));
  assertEquals(
    step,
    failed(
      'the server refused the session: "554 \\x1b[31mred\\x1b[0m\\x07 tab\\x09here cr\\x0ddel' +
        '\\x7f\\x9b\\x9b\\xff\\xc3 Grüße 🦕"',
    ),
  );
});

Deno.test("StartTlsClient escapes the characters that reorder a line as \\uNNNN", () => {
  // A right-to-left override would show the rest of the reason backwards.
  const step = new StartTlsClient("pop3").push(bytes("-ERR abc\u202edef\u2028\u2066x\r\n"));
  assertEquals(step, failed('the server refused the session: "-ERR abc\\u202edef\\u2028\\u2066x"'));
});

Deno.test("StartTlsClient quotes at most 200 bytes of a long line", () => {
  const step = new StartTlsClient("pop3").push(bytes(`-ERR ${"x".repeat(300)}\r\n`));
  assertEquals(
    step,
    failed(`the server refused the session: "-ERR ${"x".repeat(195)}..."`),
  );
});

// --- IMAP ---

const DOVECOT_IMAP = "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ " +
  "STARTTLS LOGINDISABLED] Dovecot (Debian) ready.\r\n";

for (const [way, push] of WAYS) {
  Deno.test(`StartTlsClient upgrades an IMAP session, the server's bytes ${way}`, () => {
    const client = play("imap", [
      [DOVECOT_IMAP, send("a1 STARTTLS\r\n")],
      ["a1 OK Begin TLS negotiation now.\r\n", READY],
    ], push);
    assertEquals(decoder.decode(client.greeting), DOVECOT_IMAP);
  });

  Deno.test(`StartTlsClient skips untagged IMAP lines before the tagged answer, ${way}`, () => {
    play("imap", [
      ["* OK IMAP4rev1 ready\r\n", send("a1 STARTTLS\r\n")],
      ["* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK [ALERT] maintenance at 02:00\r\n", WAIT],
      ["a1 OK Begin TLS negotiation now\r\n", READY],
    ], push);
    play("imap", [
      ["* OK IMAP4rev1 ready\r\n", send("a1 STARTTLS\r\n")],
      ["* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK go\r\n", READY],
    ], push);
  });
}

Deno.test("StartTlsClient takes an IMAP PREAUTH greeting and a lowercase OK", () => {
  play("imap", [
    ["* PREAUTH IMAP4rev1 server logged in as Smith\r\n", send("a1 STARTTLS\r\n")],
    ["A1 ok\r\n", READY],
  ]);
});

Deno.test("StartTlsClient fails on an IMAP BYE greeting", () => {
  play("imap", [[
    "* BYE Too many connections from 192.0.2.1\r\n",
    failed('the server refused the session: "* BYE Too many connections from 192.0.2.1"'),
  ]]);
});

Deno.test("StartTlsClient fails on a greeting that is no IMAP greeting", () => {
  play("imap", [[
    "+OK Dovecot ready.\r\n",
    failed('the server\'s greeting is not an IMAP greeting: "+OK Dovecot ready."'),
  ]]);
  play("imap", [[
    "* OKAY\r\n",
    failed('the server\'s greeting is not an IMAP greeting: "* OKAY"'),
  ]]);
});

Deno.test("StartTlsClient fails when the IMAP server answers NO or BAD", () => {
  play("imap", [
    [DOVECOT_IMAP, send("a1 STARTTLS\r\n")],
    [
      "a1 NO [UNAVAILABLE] TLS is down\r\n",
      failed('the server refused STARTTLS: "a1 NO [UNAVAILABLE] TLS is down"'),
    ],
  ]);
  play("imap", [
    [DOVECOT_IMAP, send("a1 STARTTLS\r\n")],
    ["a1 BAD Unknown command\r\n", failed('the server refused STARTTLS: "a1 BAD Unknown command"')],
  ]);
});

Deno.test("StartTlsClient fails when the IMAP server says BYE after STARTTLS", () => {
  play("imap", [
    [DOVECOT_IMAP, send("a1 STARTTLS\r\n")],
    [
      "* BYE Server shutting down\r\n",
      failed('the server is closing the connection: "* BYE Server shutting down"'),
    ],
  ]);
});

Deno.test("StartTlsClient fails on an IMAP answer that is neither untagged nor tagged a1", () => {
  for (const answer of ["+ go on", "a2 OK done", "a1 PREAUTH", "a1OK"]) {
    play("imap", [
      [DOVECOT_IMAP, send("a1 STARTTLS\r\n")],
      [`${answer}\r\n`, failed(`the server sent an unexpected answer to STARTTLS: "${answer}"`)],
    ]);
  }
});

Deno.test("StartTlsClient fails when the IMAP server sends data after its go-ahead", () => {
  play("imap", [
    [DOVECOT_IMAP, send("a1 STARTTLS\r\n")],
    [
      "a1 OK go\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n",
      failed("the server sent data after its go-ahead"),
    ],
  ]);
});

// --- POP3 ---

for (const [way, push] of WAYS) {
  Deno.test(`StartTlsClient upgrades a POP3 session, the server's bytes ${way}`, () => {
    const client = play("pop3", [
      ["+OK Dovecot (Debian) ready.\r\n", send("STLS\r\n")],
      ["+OK Begin TLS negotiation now.\r\n", READY],
    ], push);
    assertEquals(decoder.decode(client.greeting), "+OK Dovecot (Debian) ready.\r\n");
  });
}

Deno.test("StartTlsClient takes a bare +OK from a POP3 server", () => {
  play("pop3", [["+OK\r\n", send("STLS\r\n")], ["+OK\r\n", READY]]);
});

Deno.test("StartTlsClient fails on a POP3 -ERR greeting, or none", () => {
  play("pop3", [[
    "-ERR [SYS/TEMP] too busy\r\n",
    failed('the server refused the session: "-ERR [SYS/TEMP] too busy"'),
  ]]);
  play("pop3", [[
    "220 mx ESMTP\r\n",
    failed('the server\'s greeting is not a POP3 greeting: "220 mx ESMTP"'),
  ]]);
});

Deno.test("StartTlsClient fails when the POP3 server refuses STLS", () => {
  play("pop3", [
    ["+OK ready\r\n", send("STLS\r\n")],
    ["-ERR Unknown command.\r\n", failed('the server refused STLS: "-ERR Unknown command."')],
  ]);
  play("pop3", [
    ["+OK ready\r\n", send("STLS\r\n")],
    ["* OK\r\n", failed('the server sent an unexpected answer to STLS: "* OK"')],
  ]);
});

Deno.test("StartTlsClient fails when the POP3 server sends data after its go-ahead", () => {
  play("pop3", [
    ["+OK ready\r\n", send("STLS\r\n")],
    ["+OK go\r\n+OK injected\r\n", failed("the server sent data after its go-ahead")],
  ]);
});

// --- FTP ---

for (const [way, push] of WAYS) {
  Deno.test(`StartTlsClient upgrades an FTP session, the server's bytes ${way}`, () => {
    play("ftp", [
      ["220 (vsFTPd 3.0.3)\r\n", send("AUTH TLS\r\n")],
      ["234 Proceed with negotiation.\r\n", READY],
    ], push);
  });

  Deno.test(`StartTlsClient waits for a multi-line FTP greeting, ${way}`, () => {
    const greeting = "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n" +
      "220-You are user number 1 of 50 allowed.\r\n" +
      "220-Local time is now 10:15. Server port: 21.\r\n" +
      "220 You will be disconnected after 15 minutes of inactivity.\r\n";
    const client = play("ftp", [
      [greeting, send("AUTH TLS\r\n")],
      ["234 AUTH TLS OK.\r\n", READY],
    ], push);
    assertEquals(decoder.decode(client.greeting), greeting);
  });
}

Deno.test("StartTlsClient reads RFC 959 text lines inside a multi-line FTP reply", () => {
  // Between the first and the last line, any text: even a line that starts with a code.
  const greeting = "220-Welcome\r\nThis server is for authorised users.\r\n" +
    "  220 is not the end\r\n221 nor is this\r\n220-nor this\r\n220 Ready\r\n";
  const client = play("ftp", [[greeting, send("AUTH TLS\r\n")]]);
  assertEquals(decoder.decode(client.greeting), greeting);
});

Deno.test("StartTlsClient waits past a preliminary 120 reply for the FTP greeting", () => {
  const client = play("ftp", [
    ["120 Service ready in 1 minute.\r\n", WAIT],
    ["220 Service ready.\r\n", send("AUTH TLS\r\n")],
    ["234 Go.\r\n", READY],
  ]);
  assertEquals(
    decoder.decode(client.greeting),
    "120 Service ready in 1 minute.\r\n220 Service ready.\r\n",
  );
});

Deno.test("StartTlsClient fails on an FTP greeting that refuses the session", () => {
  play("ftp", [[
    "421 Too many connections (8) from this IP\r\n",
    failed('the server refused the session: "421 Too many connections (8) from this IP"'),
  ]]);
  play("ftp", [[
    "SSH-2.0-OpenSSH_9.2p1\r\n",
    failed('the server\'s greeting is not an FTP reply: "SSH-2.0-OpenSSH_9.2p1"'),
  ]]);
});

Deno.test("StartTlsClient fails when the FTP server refuses AUTH TLS", () => {
  for (const answer of ["500 AUTH not understood", "502 Command not implemented", "530 Not now"]) {
    play("ftp", [
      ["220 FTP ready\r\n", send("AUTH TLS\r\n")],
      [`${answer}\r\n`, failed(`the server refused AUTH TLS: "${answer}"`)],
    ]);
  }
});

Deno.test("StartTlsClient fails when the FTP server sends data after its go-ahead", () => {
  play("ftp", [
    ["220 FTP ready\r\n", send("AUTH TLS\r\n")],
    ["234 Go\r\n230 Logged in\r\n", failed("the server sent data after its go-ahead")],
  ]);
  play("ftp", [
    ["220 FTP ready\r\n", send("AUTH TLS\r\n")],
    ["234 Go\r\n", READY],
    ["\x16\x03\x03", failed("the server sent data after its go-ahead")],
  ]);
});

Deno.test("StartTlsClient fails when the FTP server answers before it is asked", () => {
  play("ftp", [[
    "220 FTP ready\r\n234 Go\r\n",
    failed("the server sent data before the client's AUTH TLS"),
  ]]);
});

// --- bounds ---

Deno.test("MAX_STARTTLS_LINE_BYTES is 8 KiB and MAX_STARTTLS_BYTES 64 KiB", () => {
  assertStrictEquals(MAX_STARTTLS_LINE_BYTES, 8192);
  assertStrictEquals(MAX_STARTTLS_BYTES, 65536);
});

Deno.test("StartTlsClient takes a line of exactly 8 KiB, its CR and LF apart", () => {
  const line = `220 ${"x".repeat(8192 - 4)}`;
  const client = new StartTlsClient("ftp");
  assertEquals(client.push(bytes(line + "\r")), WAIT);
  assertEquals(client.push(bytes("\n")), send("AUTH TLS\r\n"));
});

Deno.test("StartTlsClient fails on a line of more than 8 KiB, whole or in pieces", () => {
  const reason = "the server sent 8 KiB without a line ending";
  const long = `220 ${"x".repeat(8192 - 3)}`;
  assertEquals(new StartTlsClient("ftp").push(bytes(long + "\r\n")), failed(reason));
  assertEquals(new StartTlsClient("ftp").push(bytes(long)), failed(reason));
  const client = new StartTlsClient("smtp");
  assertEquals(client.push(bytes(long.slice(0, 5000))), WAIT);
  assertEquals(client.push(bytes(long.slice(5000))), failed(reason));
});

Deno.test("StartTlsClient fails when a server sends more than 64 KiB without its go-ahead", () => {
  // A multi-line greeting without end, in lines of 100 bytes.
  const line = bytes(`220-${"x".repeat(94)}\r\n`);
  const client = new StartTlsClient("ftp");
  let step: StartTlsStep = WAIT;
  let pushed = 0;
  while (step.kind === "wait") {
    step = client.push(line);
    pushed += line.length;
    if (pushed > 10 * 1024 * 1024) break;
  }
  assertEquals(step, failed("the server sent 64 KiB without a go-ahead for TLS"));
  assertStrictEquals(pushed, 65600); // the first push past 65,536 bytes
  assertStrictEquals(client.transcript.length, MAX_STARTTLS_BYTES);
});

Deno.test("StartTlsClient takes a greeting of exactly 64 KiB, but nothing more", () => {
  const end = bytes("220 ready\r\n");
  const filler = bytes(`220-${"x".repeat(MAX_STARTTLS_BYTES - 4 - 2 - end.length)}\r\n`);
  assertStrictEquals(filler.length + end.length, MAX_STARTTLS_BYTES);
  const client = new StartTlsClient("ftp");
  assertEquals(client.push(filler), failed("the server sent 8 KiB without a line ending"));
  // In lines of 1 KiB instead.
  const kib = bytes(`220-${"x".repeat(1024 - 6)}\r\n`);
  const fits = new StartTlsClient("ftp");
  for (let i = 0; i < 63; i++) assertEquals(fits.push(kib), WAIT);
  const last = concatBytes([kib.subarray(0, 1024 - end.length - 2), bytes("\r\n"), end]);
  assertStrictEquals(63 * 1024 + last.length, MAX_STARTTLS_BYTES);
  assertEquals(fits.push(last), send("AUTH TLS\r\n"));
  assertEquals(fits.push(bytes("2")), failed("the server sent 64 KiB without a go-ahead for TLS"));
});

Deno.test("StartTlsClient keeps its memory bounded when a server streams 10 MiB", () => {
  const client = new StartTlsClient("imap");
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const step = client.push(chunk);
  assertEquals(step, failed("the server sent 8 KiB without a line ending"));
  for (let i = 0; i < 160; i++) client.push(chunk);
  assertStrictEquals(client.transcript.length, MAX_STARTTLS_BYTES);
});

// --- what the client keeps ---

Deno.test("StartTlsClient greeting is empty until the greeting is complete", () => {
  const client = new StartTlsClient("smtp");
  assertStrictEquals(client.greeting.length, 0);
  client.push(bytes("220-first\r\n220 sec"));
  assertStrictEquals(client.greeting.length, 0);
  assertEquals(decoder.decode(client.transcript), "220-first\r\n220 sec");
  client.push(bytes("ond\r\n"));
  assertEquals(decoder.decode(client.greeting), "220-first\r\n220 second\r\n");
});

Deno.test("StartTlsClient greeting and transcript are copies the caller may change", () => {
  const client = new StartTlsClient("pop3");
  const chunk = bytes("+OK ready\r\n");
  client.push(chunk);
  chunk.fill(0x58); // the caller reads into its buffer again
  client.greeting.fill(0);
  client.transcript.fill(0);
  assertEquals(decoder.decode(client.greeting), "+OK ready\r\n");
  assertEquals(decoder.decode(client.transcript), "+OK ready\r\n");
});
