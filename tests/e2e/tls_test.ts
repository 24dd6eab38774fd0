/**
 * TLS end to end, against peers nobody here wrote: openssl s_server and s_client, ncat --ssl,
 * socat OPENSSL, and Python's ssl module; with certificates made by openssl for each case.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { makeTestCertificates, type TestCertificates } from "../_certs.ts";
import {
  bash,
  freePort,
  type Output,
  run,
  Running,
  Server,
  TCPKIT,
  tcpkit,
  TCPKIT_SH,
  tempDir,
  waitForListener,
} from "./_cli.ts";

const BIG = 256 * 1024 * 1024;
const STARTTLS_SERVER = new URL("./_starttls_server.py", import.meta.url).pathname;

/** Certificates and two files of random bytes in a directory removed at the end. */
async function fixture(size = BIG) {
  const dir = await tempDir();
  await Deno.mkdir(`${dir.path}/certs`);
  const certs = await makeTestCertificates(`${dir.path}/certs`);
  if (size > 0) {
    await bash(
      `head -c ${size} /dev/urandom > ${dir.path}/up && head -c ${size} /dev/urandom > ${dir.path}/down`,
    );
  }
  return Object.assign(dir, { certs });
}

async function sha256(path: string): Promise<string> {
  return (await bash(`sha256sum < '${path}' | cut -d' ' -f1`)).stdout.trim();
}

/**
 * An openssl s_server on a free port with `cert`. Its stdin is a pipe of the test's, left open:
 * an s_server whose stdin ends closes its side at once.
 */
function sServer(
  port: number,
  cert: { cert: string; key: string },
  extra = "",
  out = "/dev/null",
  naccept = 1,
) {
  return new Running([
    "bash",
    "-c",
    `exec openssl s_server -quiet -accept 127.0.0.1:${port} -cert '${cert.cert}' ` +
    `-key '${cert.key}' -naccept ${naccept} ${extra} > ${out} 2>/dev/null`,
  ], { stdin: true });
}

function assertTlsError(out: Output, pattern: RegExp): void {
  assertEquals(out.code, 5, out.stderr);
  assertMatch(out.stderr.trim(), pattern);
  assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
  assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
}

// --- 256 MiB through TLS, byte for byte ---------------------------------------------------------

Deno.test("connect --tls --ca uploads 256 MiB to openssl s_server byte for byte", async () => {
  await using f = await fixture();
  const port = freePort();
  await using server = sServer(port, f.certs.valid, "", `${f.path}/got`);
  await waitForListener(port);
  const out = await bash(
    `${TCPKIT_SH} connect --tls --ca ${f.certs.ca.cert} 127.0.0.1:${port} < ${f.path}/up`,
  );
  assertEquals(out.code, 0, out.stderr);
  await server.result();
  assertEquals(await sha256(`${f.path}/got`), await sha256(`${f.path}/up`));
});

Deno.test("connect --tls downloads 256 MiB from socat OPENSSL-LISTEN byte for byte", async () => {
  await using f = await fixture();
  const port = freePort();
  const { cert, key } = f.certs.valid;
  await using socat = new Running([
    "socat",
    "-u",
    `OPEN:${f.path}/down`,
    `OPENSSL-LISTEN:${port},bind=127.0.0.1,reuseaddr,cert=${cert},key=${key},verify=0`,
  ]);
  await waitForListener(port);
  const out = await bash(
    `${TCPKIT_SH} connect --tls --ca ${f.certs.ca.cert} 127.0.0.1:${port} < /dev/null > ${f.path}/got`,
  );
  assertEquals(out.code, 0, out.stderr);
  await socat.result();
  assertEquals(await sha256(`${f.path}/got`), await sha256(`${f.path}/down`));
});

Deno.test("connect --tls uploads 256 MiB to ncat --ssl byte for byte", async () => {
  await using f = await fixture();
  const port = freePort();
  const { cert, key } = f.certs.valid;
  await using ncat = new Running([
    "bash",
    "-c",
    `exec ncat --ssl --ssl-cert ${cert} --ssl-key ${key} -l 127.0.0.1 ${port} --recv-only > ${f.path}/got`,
  ]);
  await waitForListener(port);
  const out = await bash(
    `${TCPKIT_SH} connect --tls --ca ${f.certs.ca.cert} 127.0.0.1:${port} < ${f.path}/up`,
  );
  assertEquals(out.code, 0, out.stderr);
  await ncat.result();
  assertEquals(await sha256(`${f.path}/got`), await sha256(`${f.path}/up`));
});

Deno.test("serve --tls sends 256 MiB to openssl s_client byte for byte", async () => {
  await using f = await fixture();
  const { cert, key } = f.certs.valid;
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 --tls --cert ${cert} --key ${key} < ${f.path}/down`,
  ]);
  const client = await bash(
    `openssl s_client -quiet -connect 127.0.0.1:${server.port} -CAfile ${f.certs.ca.cert} ` +
      `< /dev/null > ${f.path}/got 2>/dev/null`,
  );
  assertEquals(client.code, 0);
  assertEquals((await server.result()).code, 0);
  assertEquals(await sha256(`${f.path}/got`), await sha256(`${f.path}/down`));
});

Deno.test("serve --tls receives 256 MiB from socat OPENSSL byte for byte", async () => {
  await using f = await fixture();
  const { cert, key } = f.certs.valid;
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 --tls --cert ${cert} --key ${key} < /dev/null > ${f.path}/got`,
  ]);
  // Both ways, not -u: a client that never reads leaves TLS 1.3's session tickets unread, and
  // its close then resets the connection (whatever the server).
  const client = await bash(
    `socat OPEN:${f.path}/up OPENSSL:127.0.0.1:${server.port},cafile=${f.certs.ca.cert} > /dev/null`,
  );
  assertEquals(client.code, 0, client.stderr);
  assertEquals((await server.result()).code, 0);
  assertEquals(await sha256(`${f.path}/got`), await sha256(`${f.path}/up`));
});

Deno.test("serve --tls sends 256 MiB to ncat --ssl byte for byte", async () => {
  await using f = await fixture();
  const { cert, key } = f.certs.valid;
  await using server = await Server.spawn([
    "bash",
    "-c",
    `exec ${TCPKIT_SH} serve 127.0.0.1:0 --tls --cert ${cert} --key ${key} < ${f.path}/down`,
  ]);
  const client = await bash(
    `ncat --ssl --recv-only 127.0.0.1 ${server.port} > ${f.path}/got`,
  );
  assertEquals(client.code, 0, client.stderr);
  assertEquals((await server.result()).code, 0);
  assertEquals(await sha256(`${f.path}/got`), await sha256(`${f.path}/down`));
});

// --- half-close over TLS -------------------------------------------------------------------------

Deno.test("connect --tls half-closes with close_notify and reads the answer that follows", async () => {
  await using f = await fixture(0);
  const port = freePort();
  const { cert, key } = f.certs.valid;
  // The server counts what it gets until our close_notify, and only then answers.
  await using _socat = new Running([
    "socat",
    `OPENSSL-LISTEN:${port},bind=127.0.0.1,reuseaddr,cert=${cert},key=${key},verify=0`,
    "SYSTEM:wc -c",
  ]);
  await waitForListener(port);
  const out = await tcpkit(["connect", "--tls", "--ca", f.certs.ca.cert, `127.0.0.1:${port}`], {
    stdin: "x".repeat(100_000),
  });
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout.trim(), "100000");
});

Deno.test("serve --tls sends its answer after the client's close_notify (tcpkit both ends)", async () => {
  await using f = await fixture(0);
  const { cert, key } = f.certs.valid;
  await using server = await Server.start(["127.0.0.1:0", "--tls", "--cert", cert, "--key", key], {
    stdin: true,
  });
  await using client = new Running([
    ...TCPKIT,
    "connect",
    "--tls",
    "--ca",
    f.certs.ca.cert,
    `127.0.0.1:${server.port}`,
  ], { stdin: true });
  await client.write("question");
  await client.closeStdin(); // the client half-closes: close_notify, then FIN
  await server.stdout.waitFor(/question/);
  await server.write("answer after your end");
  await server.closeStdin();
  const out = await client.result();
  assertEquals([out.code, out.stdout], [0, "answer after your end"], out.stderr);
  assertEquals((await server.result()).code, 0);
});

// --- verification ------------------------------------------------------------------------------

Deno.test("connect --tls refuses each certificate it cannot trust, saying why, with exit 5", async (t) => {
  await using f = await fixture(0);
  const cases: [string, { cert: string; key: string }, string[], RegExp][] = [
    [
      "expired",
      f.certs.expired,
      ["--ca", f.certs.ca.cert],
      /^tcpkit: TLS with 127\.0\.0\.1:\d+: certificate expired on 2026-10-01 \(\d+ days ago\)$/,
    ],
    [
      "for another name",
      f.certs.wrongName,
      ["--ca", f.certs.ca.cert],
      /^tcpkit: TLS with 127\.0\.0\.1:\d+: certificate is for example\.com, not 127\.0\.0\.1$/,
    ],
    [
      "from an unknown issuer",
      f.certs.unknownIssuer,
      ["--ca", f.certs.ca.cert],
      /^tcpkit: TLS with 127\.0\.0\.1:\d+: unknown issuer "CN=tcpkit Unknown CA[^"]*" \(use --ca FILE, or --pin ([0-9A-F]{2}:){31}[0-9A-F]{2} to trust this certificate\)$/,
    ],
    [
      "self-signed, without --ca",
      f.certs.selfSigned,
      [],
      /^tcpkit: TLS with 127\.0\.0\.1:\d+: self-signed certificate "[^"]+" \(use --pin [0-9A-F:]{95} to trust it, or --ca FILE\)$/,
    ],
    [
      "signed by the test CA, without --ca (the system's roots do not know it)",
      f.certs.valid,
      [],
      /^tcpkit: TLS with 127\.0\.0\.1:\d+: unknown issuer "CN=tcpkit Test CA/,
    ],
  ];
  for (const [name, cert, flags, pattern] of cases) {
    await t.step(name, async () => {
      const port = freePort();
      // Two clients: tcpkit asks a second time, with node:tls, why Deno's TLS refused.
      await using _server = sServer(port, cert, "", "/dev/null", 2);
      await waitForListener(port);
      const out = await tcpkit(["connect", "--tls", ...flags, `127.0.0.1:${port}`, "--send", "x"]);
      assertTlsError(out, pattern);
    });
  }
});

Deno.test("connect --tls refusing a certificate gives Deno's reason when the server takes no second connection", async () => {
  await using f = await fixture(0);
  const port = freePort();
  await using _server = sServer(port, f.certs.expired); // one client only
  await waitForListener(port);
  const out = await tcpkit(["connect", "--tls", "--ca", f.certs.ca.cert, `127.0.0.1:${port}`]);
  assertTlsError(
    out,
    /^tcpkit: TLS with 127\.0\.0\.1:\d+: TLS handshake failed: .*certificate.*$/i,
  );
});

Deno.test("connect --tls --sni verifies the name given, not the address dialled", async () => {
  await using f = await fixture(0);
  const port = freePort();
  await using _server = sServer(port, f.certs.wrongName);
  await waitForListener(port);
  const out = await tcpkit([
    "connect",
    `tls://127.0.0.1:${port}`,
    "--ca",
    f.certs.ca.cert,
    "--sni",
    "example.com",
    "--send",
    "x",
    "-v",
  ]);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stderr, /\(verified\)$/m);
});

Deno.test("connect --pin accepts exactly that certificate, and refuses another one", async () => {
  await using f = await fixture(0);
  const fingerprint = (await bash(
    `openssl x509 -in ${f.certs.selfSigned.cert} -noout -fingerprint -sha256 | cut -d= -f2`,
  )).stdout.trim();
  const port = freePort();
  await using _server = sServer(port, f.certs.selfSigned);
  await waitForListener(port);
  const ok = await tcpkit(["connect", "--tls", "--pin", fingerprint, `127.0.0.1:${port}`, "-v"], {
    stdin: "",
  });
  assertEquals(ok.code, 0, ok.stderr);
  assertMatch(ok.stderr, /\(pinned\)$/m);
  const other = freePort();
  await using _second = sServer(other, f.certs.valid);
  await waitForListener(other);
  const wrong = await tcpkit(["connect", "--tls", "--pin", fingerprint, `127.0.0.1:${other}`]);
  assertTlsError(
    wrong,
    /^tcpkit: TLS with 127\.0\.0\.1:\d+: certificate fingerprint [0-9A-F:]{95} does not match --pin [0-9A-F:]{95}$/,
  );
});

Deno.test("connect --insecure connects to an expired certificate and says so once", async () => {
  await using f = await fixture(0);
  const port = freePort();
  await using _server = sServer(port, f.certs.expired);
  await waitForListener(port);
  const out = await tcpkit(["connect", "--tls", "-k", `127.0.0.1:${port}`], { stdin: "" });
  assertEquals(out.code, 0, out.stderr);
  const lines = out.stderr.trim().split("\n");
  assertEquals(lines.length, 1, out.stderr);
  assertMatch(
    lines[0],
    /^tcpkit: warning: --insecure: the certificate of 127\.0\.0\.1:\d+ is not verified \(certificate expired on 2026-10-01 .*\); the connection is encrypted but not authenticated$/,
  );
});

Deno.test("connect -v shows the TLS version, cipher, and the certificate's subject, issuer, expiry and fingerprint", async () => {
  await using f = await fixture(0);
  const port = freePort();
  await using _server = sServer(port, f.certs.valid);
  await waitForListener(port);
  const out = await tcpkit(
    ["connect", "--tls", "--ca", f.certs.ca.cert, `127.0.0.1:${port}`, "-v"],
    { stdin: "" },
  );
  assertEquals(out.code, 0, out.stderr);
  assertMatch(
    out.stderr,
    /^tcpkit: TLSv1\.3 with 127\.0\.0\.1:\d+ in [\d.]+ ms, TLS_\w+; certificate "CN=localhost" issued by "CN=tcpkit Test CA, O=tcpkit tests", expires on \d{4}-\d\d-\d\d \(in \d+ days\), SHA-256 [0-9A-F:]{95} \(verified\)$/m,
  );
  const again = freePort(); // s_server serves one client
  await using _second = sServer(again, f.certs.valid);
  await waitForListener(again);
  const json = await tcpkit(
    ["connect", "--tls", "--ca", f.certs.ca.cert, `127.0.0.1:${again}`, "--json"],
    { stdin: "" },
  );
  const tls = json.stderr.trim().split("\n").map((line) => JSON.parse(line)).find((e) =>
    e.event === "tls"
  );
  assertEquals([tls.protocol, tls.trust, tls.verified, tls.subject], [
    "TLSv1.3",
    "verified",
    true,
    "CN=localhost",
  ]);
});

Deno.test("connect --tls to a server that does not speak TLS says what it sent, exit 5", async () => {
  const script = `
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
for _ in range(2):  # tcpkit asks a second time why the handshake failed
    c, _ = s.accept(); c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian\\r\\n"); c.recv(4096); c.close()
`;
  await using py = new Running(["python3", "-c", script]);
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  const out = await tcpkit(["connect", `tls://127.0.0.1:${port}`]);
  assertTlsError(
    out,
    /^tcpkit: TLS with 127\.0\.0\.1:\d+: the server does not speak TLS \(it sent "SSH-2\.0-OpenSSH_9\.2p1 Debian"\)$/,
  );
});

Deno.test("connect --tls gives up a handshake the server never answers after --timeout, exit 5", async () => {
  const script = `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(10)
`;
  await using py = new Running(["python3", "-c", script]);
  const port = (await py.stdout.waitFor(/(\d+)\n/))[1];
  const started = performance.now();
  const out = await tcpkit(["connect", "--tls", `127.0.0.1:${port}`, "--timeout", "500ms"]);
  assertTlsError(out, /^tcpkit: TLS with 127\.0\.0\.1:\d+: TLS handshake timed out after 500 ms$/);
  assert(performance.now() - started < 5000);
  py.kill("SIGKILL");
});

// --- the generated certificate -----------------------------------------------------------------

Deno.test("serve --tls without --cert prints a connect command line that works as it is", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--tls", "--echo"]);
  const line = await server.stderr.waitFor(/clients can verify it with: (tcpkit connect .*)$/m);
  const words = line[1].split(" ").slice(1); // without "tcpkit"
  assertEquals(words.slice(0, 3), ["connect", "--tls", "--pin"]);
  assertMatch(words[3], /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  const out = await tcpkit([...words, "--send", "pinned"]);
  assertEquals([out.code, out.stdout], [0, "pinned"], out.stderr);
});

Deno.test("serve --tls --json announces the generated certificate as an event", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--tls", "--sink", "--json"]);
  const event = JSON.parse((await server.stderr.waitFor(/^\{"event":"certificate".*$/m))[0]);
  assertMatch(event.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assertEquals(event.generated, true);
  assertStringIncludes(event.connect, `tcpkit connect --tls --pin ${event.fingerprint} 127.0.0.1:`);
});

Deno.test("serve --tls answers a client that does not speak TLS with one line, and goes on with -k", async () => {
  await using server = await Server.start(["127.0.0.1:0", "--tls", "--echo", "-k"]);
  await bash(`printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -N 127.0.0.1 ${server.port} > /dev/null`);
  await server.stderr.waitFor(/^tcpkit: TLS with 127\.0\.0\.1:\d+: TLS handshake failed: .+$/m);
  const fingerprint = (await server.stderr.waitFor(/--pin (\S+)/))[1];
  const out = await tcpkit([
    "connect",
    "--tls",
    "--pin",
    fingerprint,
    `127.0.0.1:${server.port}`,
    "--send",
    "still up",
  ]);
  assertEquals(out.stdout, "still up", out.stderr);
});

// --- mutual TLS --------------------------------------------------------------------------------

Deno.test("connect --cert --key gives openssl s_server the client certificate it requires", async () => {
  await using f = await fixture(0);
  const port = freePort();
  await using _server = sServer(port, f.certs.valid, `-Verify 1 -CAfile ${f.certs.ca.cert}`);
  await waitForListener(port);
  const ok = await tcpkit([
    "connect",
    "--tls",
    "--ca",
    f.certs.ca.cert,
    "--cert",
    f.certs.client.cert,
    "--key",
    f.certs.client.key,
    `127.0.0.1:${port}`,
  ], { stdin: "" });
  assertEquals(ok.code, 0, ok.stderr);
  const other = freePort();
  await using _second = sServer(other, f.certs.valid, `-Verify 1 -CAfile ${f.certs.ca.cert}`);
  await waitForListener(other);
  const without = await tcpkit(
    ["connect", "--tls", "--ca", f.certs.ca.cert, `127.0.0.1:${other}`],
    {
      stdin: "hello",
    },
  );
  assertEquals(without.code, 5, without.stderr);
  assertMatch(without.stderr, /client certificate|CertificateRequired/);
});

Deno.test("serve --tls --client-ca serves a client with a certificate from that CA, and refuses one without", async () => {
  await using f = await fixture(0);
  const { cert, key } = f.certs.valid;
  const args = [
    "127.0.0.1:0",
    "--tls",
    "--cert",
    cert,
    "--key",
    key,
    "--client-ca",
    f.certs.ca.cert,
  ];
  await using server = await Server.start([...args, "--echo", "-k"]);
  const client = f.certs.client;
  const ok = await bash(
    `printf mutual | socat - OPENSSL:127.0.0.1:${server.port},cafile=${f.certs.ca.cert},cert=${client.cert},key=${client.key}`,
  );
  assertEquals(ok.stdout, "mutual", ok.stderr);
  await bash(
    `printf none | socat - OPENSSL:127.0.0.1:${server.port},cafile=${f.certs.ca.cert} 2>/dev/null`,
  );
  await server.stderr.waitFor(
    /^tcpkit: TLS with 127\.0\.0\.1:\d+: TLS handshake failed: the client sent no certificate/m,
  );
  // tcpkit's own client, with the certificate and without.
  const mine = await tcpkit([
    "connect",
    "--tls",
    "--ca",
    f.certs.ca.cert,
    "--cert",
    client.cert,
    "--key",
    client.key,
    `127.0.0.1:${server.port}`,
    "--send",
    "both tcpkit",
  ]);
  assertEquals([mine.code, mine.stdout], [0, "both tcpkit"], mine.stderr);
});

// --- greet over TLS and STARTTLS ----------------------------------------------------------------

Deno.test("greet --tls reads the banner of an implicit-TLS server (smtps)", async () => {
  await using f = await fixture(0);
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(f.certs.valid.cert),
    key: await Deno.readTextFile(f.certs.valid.key),
  });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("220 smtps.test ESMTP ready\r\n"));
    await conn.read(new Uint8Array(64)).catch(() => null); // until the client goes
    conn.close();
  })();
  const out = await tcpkit([
    "greet",
    `tls://127.0.0.1:${listener.addr.port}`,
    "--ca",
    f.certs.ca.cert,
  ]);
  await served;
  listener.close();
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "220 smtps.test ESMTP ready\n");
  assertMatch(out.stderr, /protocol smtp/);
});

/** Starts the STARTTLS test server for `protocol` and resolves with its port. */
async function starttlsServer(
  protocol: string,
  certs: TestCertificates,
  ...flags: string[]
): Promise<Running & { port: number }> {
  const server = new Running([
    "python3",
    STARTTLS_SERVER,
    protocol,
    certs.valid.cert,
    certs.valid.key,
    ...flags,
  ]);
  const port = Number((await server.stdout.waitFor(/ready (\d+)/))[1]);
  return Object.assign(server, { port });
}

Deno.test("greet --starttls shows both greetings and the certificate, for smtp, imap, pop3 and ftp", async (t) => {
  await using f = await fixture(0);
  const seconds: Record<string, RegExp> = {
    smtp: /250 AUTH PLAIN/,
    imap: /a2 OK done/,
    pop3: /SASL PLAIN/,
    ftp: /211 End/,
  };
  for (const protocol of ["smtp", "imap", "pop3", "ftp"]) {
    await t.step(protocol, async () => {
      await using server = await starttlsServer(protocol, f.certs, "--multiline");
      const out = await tcpkit([
        "greet",
        `127.0.0.1:${server.port}`,
        "--starttls",
        protocol,
        "--ca",
        f.certs.ca.cert,
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertMatch(out.stdout, /tcpkit-test|mail\.test/);
      assertMatch(out.stdout, seconds[protocol]);
      assertMatch(out.stderr, /certificate "CN=localhost" issued by "CN=tcpkit Test CA/);
    });
  }
});

Deno.test("greet --starttls --json carries both greetings and a tls object", async () => {
  await using f = await fixture(0);
  await using server = await starttlsServer("smtp", f.certs);
  const out = await tcpkit([
    "greet",
    `127.0.0.1:${server.port}`,
    "--starttls",
    "smtp",
    "--ca",
    f.certs.ca.cert,
    "--json",
  ]);
  assertEquals(out.code, 0, out.stderr);
  const result = JSON.parse(out.stdout);
  assertEquals(result.starttls, "smtp");
  assertEquals(result.greeting, "220 mail.test ESMTP tcpkit-test\r\n");
  assertStringIncludes(result.greeting_tls, "250 AUTH PLAIN");
  assertEquals([result.tls.protocol, result.tls.verified], ["TLSv1.3", true]);
});

Deno.test("greet --starttls says so when the server does not offer STARTTLS, exit 5", async () => {
  await using f = await fixture(0);
  await using server = await starttlsServer("smtp", f.certs, "--no-starttls");
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--starttls", "smtp"]);
  assertTlsError(out, /^tcpkit: STARTTLS with 127\.0\.0\.1:\d+: .*STARTTLS/);
});

Deno.test("TLS options without TLS are usage errors that say what they go with", async () => {
  for (
    const args of [
      ["connect", "127.0.0.1:1", "--pin", "AA".repeat(32)],
      ["connect", "127.0.0.1:1", "--ca", "/etc/hostname"],
      ["serve", "0", "--cert", "/x", "--key", "/y"],
      ["serve", "0", "--tls", "--cert", "/x"],
    ]
  ) {
    const out = await run(TCPKIT, args);
    assertEquals(out.code, 2, args.join(" "));
    assertMatch(
      out.stderr,
      /^tcpkit: options? "--(pin|ca|cert)" (is for TLS|and "--key" go together)/,
    );
  }
});

Deno.test("a certificate file that cannot be read is a usage error naming it", async () => {
  const out = await tcpkit(["connect", "--tls", "--ca", "/no/such/ca.pem", "127.0.0.1:1"]);
  assertEquals(out.code, 2, out.stderr);
  assertStringIncludes(out.stderr, "/no/such/ca.pem");
});
