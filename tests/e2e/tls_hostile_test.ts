/**
 * TLS against hostile peers: servers that hang up during the handshake, certificates with names
 * no library expects, clients that never finish a handshake, streams cut without close_notify.
 * Nothing a peer does may crash tcpkit, hold its descriptors, or pass a failure for success.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import {
  freePort,
  type Output,
  type PythonPeer,
  pythonPeer,
  run,
  Running,
  Server,
  TCPKIT,
  tcpkit,
  TCPKIT_BIN,
  tempDir,
  unsafeForTerminal,
  waitForListener,
} from "./_cli.ts";
import { makeTestCertificates } from "../_certs.ts";

/** One clear line on stderr, never a stack trace. */
function assertOneLine(out: Output): void {
  assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
  assertEquals(unsafeForTerminal(out.stderr.trimEnd()), [], out.stderr);
  assertEquals(out.stderr.trim().split("\n").length, 1, out.stderr);
}

/**
 * Self-signed certificates (CA:FALSE, for localhost and 127.0.0.1) with what a hostile server
 * may write in one, made by openssl: `quote` has the DNS name `a"b.example` (and that common
 * name); `controls` has an ESC sequence in a DNS name and U+202E and ESC in its organisation.
 */
async function hostileCertificates(dir: string) {
  const script = String.raw`set -euo pipefail
cd "$1"
make() { # NAME SUBJECT FIRST-DNS-NAME (openssl's config syntax: a quote as \")
  cat > "$1.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
utf8 = yes
string_mask = utf8only
[dn]
CN = x
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = @alt
[alt]
DNS.1 = $3
DNS.2 = localhost
IP.1 = 127.0.0.1
CNF
  openssl req -config "$1.cnf" -utf8 -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.pem" -subj "$2" -days 30 -extensions ext 2>/dev/null
  openssl x509 -in "$1.pem" -noout -fingerprint -sha256 | cut -d= -f2 > "$1.fp"
}
esc=$(printf '\033')
rlo=$(printf '\342\200\256')
make quote '/CN=a"b.example' 'a\"b.example'
make controls "/O=ab$rlo""cd$esc[2J/CN=x" "e$esc[31mvil.example"
`;
  const out = await run(["bash", "-c", script, "hostile-certificates", dir]);
  if (out.code !== 0) throw new Error(`openssl failed: ${out.stderr}`);
  const files = async (name: string) => ({
    cert: `${dir}/${name}.pem`,
    key: `${dir}/${name}.key`,
    fingerprint: (await Deno.readTextFile(`${dir}/${name}.fp`)).trim(),
  });
  return { quote: await files("quote"), controls: await files("controls") };
}

/** An openssl s_server for `cert` on a free port, for up to `naccept` clients one after another. */
async function sServer(
  cert: { cert: string; key: string },
  naccept = 50,
): Promise<Running & { port: number }> {
  const port = freePort();
  const server = new Running([
    "bash",
    "-c",
    `exec openssl s_server -quiet -accept 127.0.0.1:${port} -cert '${cert.cert}' ` +
    `-key '${cert.key}' -naccept ${naccept} 2>/dev/null`,
  ], { stdin: true });
  await waitForListener(port);
  return Object.assign(server, { port });
}

/** A server that reads the client's hello and hangs up, for every connection. */
function hangingUpServer(): Promise<PythonPeer> {
  return pythonPeer(`while True:
    c, _ = s.accept()
    c.recv(4096)
    c.close()`);
}

// --- a server that closes during the handshake --------------------------------------------------

Deno.test("every TLS client says a server closed during the handshake, exit 5", async (t) => {
  await using server = await hangingUpServer();
  const target = `127.0.0.1:${server.port}`;
  for (
    const args of [
      ["connect", "--tls", target],
      ["connect", "--tls", "-v", target],
      ["connect", "--tls", "--json", target],
      ["connect", "--tls", "-k", target],
      ["connect", "--tls", "--pin", "AA:".repeat(31) + "AA", target],
      ["greet", "--tls", target],
    ]
  ) {
    await t.step(args.join(" "), async () => {
      const out = await tcpkit(args);
      assertEquals(out.code, 5, out.stderr);
      assertStringIncludes(out.stderr, "closed the connection during the handshake");
      if (!args.includes("--json")) assertOneLine(out);
      else assert(!/Uncaught/.test(out.stderr), out.stderr);
    });
  }
});

Deno.test("check --tls marks a port whose server closed during the handshake, and goes on", async () => {
  await using server = await hangingUpServer();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = closed.addr.port;
  closed.close();
  const out = await tcpkit([
    "check",
    "--tls",
    "--json",
    `127.0.0.1:${server.port}`,
    `127.0.0.1:${closedPort}`,
  ]);
  assert(!/Uncaught/.test(out.stderr), out.stderr);
  const results = out.stdout.trim().split("\n").map((line) => JSON.parse(line))
    .filter((event) => event.event === "result");
  assertEquals(results.length, 2, out.stdout);
  const byPort = new Map(results.map((r) => [r.port, r]));
  assertEquals(byPort.get(server.port).state, "tls-error");
  assertStringIncludes(
    byPort.get(server.port).reason,
    "closed the connection during the handshake",
  );
  assertEquals(byPort.get(closedPort).state, "closed");
  assertEquals(out.code, 1);
});

Deno.test("forward to a tls:// target that closes during the handshake logs it and lives", async () => {
  await using server = await hangingUpServer();
  await using forward = new Running([
    ...TCPKIT,
    "forward",
    "127.0.0.1:0",
    `tls://127.0.0.1:${server.port}`,
  ]);
  const port = Number((await forward.stderr.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  for (let i = 1; i <= 2; i++) {
    const client = await tcpkit(["connect", `127.0.0.1:${port}`], { stdin: "hello\n" });
    assert(!/Uncaught/.test(client.stderr), client.stderr);
    await forward.stderr.waitForCount("closed the connection during the handshake", i);
  }
  assert(!/Uncaught/.test(forward.stderr.text), forward.stderr.text);
  // Still accepting after both.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.close();
});

Deno.test("a TLS client says a server reset the connection during the handshake, exit 5", async (t) => {
  await using server = await pythonPeer(`import struct
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()`);
  const target = `127.0.0.1:${server.port}`;
  for (const args of [["connect", "--tls", target], ["connect", "--tls", "-v", target]]) {
    await t.step(args.join(" "), async () => {
      const out = await tcpkit(args);
      assertEquals(out.code, 5, out.stderr);
      assertStringIncludes(out.stderr, "reset the connection during the handshake");
      assertOneLine(out);
    });
  }
});

// --- certificates no library expects -------------------------------------------------------------

Deno.test("a certificate with a quote in its DNS name is judged, shown and pinned, never a crash", async (t) => {
  await using dir = await tempDir();
  const { quote } = await hostileCertificates(dir.path);
  await using server = await sServer(quote);
  const target = `127.0.0.1:${server.port}`;
  const noCrash = (out: Output) =>
    assert(!/Uncaught|unexpected error|\n\s+at /.test(out.stderr), out.stderr);
  await t.step("connect -v refuses it as self-signed, exit 5", async () => {
    const out = await tcpkit(["connect", "--tls", "-v", "--send", "x", target]);
    noCrash(out);
    assertEquals(out.code, 5, out.stderr);
    assertStringIncludes(out.stderr, 'self-signed certificate "CN=a\\"b.example"');
  });
  await t.step("connect --pin takes it and shows it", async () => {
    const out = await tcpkit([
      "connect",
      "--tls",
      "-v",
      "--pin",
      quote.fingerprint,
      "--send",
      "x",
      target,
    ]);
    noCrash(out);
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stderr, "(pinned)");
  });
  await t.step("connect -k takes it with a warning", async () => {
    const out = await tcpkit(["connect", "--tls", "-k", "--send", "x", target]);
    noCrash(out);
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stderr, "--insecure");
  });
  await t.step("connect --ca -v verifies it for 127.0.0.1 and for the quoted name", async () => {
    for (const extra of [[], ["--sni", 'a"b.example']]) {
      const out = await tcpkit([
        "connect",
        "--tls",
        "-v",
        "--ca",
        quote.cert,
        ...extra,
        "--send",
        "x",
        target,
      ]);
      noCrash(out);
      assertEquals(out.code, 0, out.stderr);
      assertStringIncludes(out.stderr, "(verified)");
    }
  });
  await t.step("connect --ca -v refuses it for another name, exit 5", async () => {
    const out = await tcpkit([
      "connect",
      "--tls",
      "-v",
      "--ca",
      quote.cert,
      "--sni",
      "other.example",
      "--send",
      "x",
      target,
    ]);
    noCrash(out);
    assertEquals(out.code, 5, out.stderr);
    assertStringIncludes(
      out.stderr,
      'certificate is for a"b.example, localhost, 127.0.0.1, not other.example',
    );
  });
  await t.step("greet --tls refuses it, exit 5", async () => {
    const out = await tcpkit(["greet", "--tls", target]);
    noCrash(out);
    assertEquals(out.code, 5, out.stderr);
  });
  await t.step("check --tls marks it unverified", async () => {
    const out = await tcpkit(["check", "--tls", "--json", target]);
    noCrash(out);
    const result = JSON.parse(out.stdout.split("\n")[0]);
    assertEquals(result.state, "unverified");
    assertEquals(out.code, 5);
  });
  await t.step("forward --pin carries a client through", async () => {
    await using forward = new Running([
      ...TCPKIT,
      "forward",
      "127.0.0.1:0",
      `tls://${target}`,
      "--pin",
      quote.fingerprint,
    ]);
    const port = Number((await forward.stderr.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const client = await tcpkit(["connect", `127.0.0.1:${port}`], { stdin: "through forward\n" });
    assertEquals(client.code, 0, client.stderr);
    // The line reached the server (s_server writes what it receives to its stdout).
    await server.stdout.waitFor(/through forward/);
    assert(!/Uncaught|unexpected error/.test(forward.stderr.text), forward.stderr.text);
  });
});

Deno.test("a certificate's control and bidi characters are shown escaped, also in Prometheus output", async (t) => {
  await using dir = await tempDir();
  const { controls } = await hostileCertificates(dir.path);
  await using server = await sServer(controls);
  const target = `127.0.0.1:${server.port}`;
  for (
    const args of [
      ["connect", "--tls", "-v", "--send", "x", target],
      ["connect", "--tls", "-k", "-v", "--send", "x", target],
      ["connect", "--tls", "-v", "--ca", controls.cert, "--send", "x", target],
      ["check", "--tls", target],
      ["check", "--tls", "--format", "prometheus", target],
    ]
  ) {
    await t.step(args.slice(0, -1).join(" "), async () => {
      const out = await tcpkit(args);
      assert(!/Uncaught|unexpected error/.test(out.stderr), out.stderr);
      assertEquals(unsafeForTerminal(out.stderr.trimEnd()), [], out.stderr);
      assertEquals(unsafeForTerminal(out.stdout.replaceAll("\n", " ")), [], out.stdout);
      assertMatch(out.stdout + out.stderr, /\\+E2\\+80\\+AE/);
    });
  }
});

// --- clients that never finish a handshake --------------------------------------------------------

/** How many descriptors a process holds. */
async function descriptors(pid: number): Promise<number> {
  const out = await run(["bash", "-c", `ls /proc/${pid}/fd | wc -l`]);
  return Number(out.stdout.trim());
}

/**
 * Waits until a process's descriptors pass `test` (they are counted from /proc, which has no
 * event to wait on), for up to 10 s; returns the last count.
 */
async function descriptorsUntil(pid: number, test: (n: number) => boolean): Promise<number> {
  let n = await descriptors(pid);
  for (let i = 0; i < 100 && !test(n); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    n = await descriptors(pid);
  }
  return n;
}

/** `count` clients that connect and say nothing until their stdin closes. */
async function silentClients(port: number, count: number): Promise<Running> {
  const clients = new Running([
    "python3",
    "-c",
    `import socket, sys
held = [socket.create_connection(("127.0.0.1", ${port})) for _ in range(${count})]
print("connected", flush=True)
sys.stdin.read()`,
  ], { stdin: true });
  await clients.stdout.waitFor(/connected/);
  return clients;
}

for (const command of ["serve", "forward"]) {
  Deno.test(`${command} --tls closes the connections of silent clients whose handshake timed out`, async () => {
    const SILENT = 200;
    await using backend = await pythonPeer(`while True:
    c, _ = s.accept()
    c.sendall(b"backend\\n")
    c.close()`);
    const args = command === "serve"
      ? ["serve", "127.0.0.1:0", "--tls", "-k", "--reply", "served"]
      : ["forward", "tls://127.0.0.1:0", `127.0.0.1:${backend.port}`];
    await using server = new Running([...TCPKIT, ...args]);
    const port = Number((await server.stderr.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const pid = server.child.pid;
    const before = await descriptors(pid);
    await using clients = await silentClients(port, SILENT);
    const during = await descriptorsUntil(pid, (n) => n >= before + SILENT);
    assert(during >= before + SILENT, `${during} descriptors: the silent clients were accepted`);
    // The handshake's bound is 10 s: every silent client is told of, and its descriptor let go.
    await server.stderr.waitForCount("TLS handshake timed out", SILENT, 30_000);
    const held = await descriptorsUntil(pid, (n) => n <= before + 5);
    assert(held <= before + 5, `${held} descriptors held, ${before} before the silent clients`);
    // The silent clients are still connected, and a real client is served.
    const client = await tcpkit([
      "connect",
      "--tls",
      "-k",
      "--send",
      "hello\n",
      `127.0.0.1:${port}`,
    ]);
    assertEquals(client.code, 0, client.stderr);
    assertStringIncludes(client.stdout, command === "serve" ? "served" : "backend");
    await clients.closeStdin();
  });
}

// --- failures after the handshake ----------------------------------------------------------------

Deno.test("a client certificate refused by openssl s_server -Verify 1 exits 5 naming it", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  const cases: [string, string[], string | undefined][] = [
    ["connect --send", ["connect", "--tls", "--ca", certs.ca.cert, "--send", "hello"], undefined],
    [
      "connect -v --send",
      ["connect", "--tls", "-v", "--ca", certs.ca.cert, "--send", "x"],
      undefined,
    ],
    ["connect with stdin", ["connect", "--tls", "--ca", certs.ca.cert], "hello\n"],
    ["greet", ["greet", "--tls", "--ca", certs.ca.cert], undefined],
  ];
  for (const [name, args, stdin] of cases) {
    await t.step(name, async () => {
      const port = freePort();
      await using server = new Running([
        "bash",
        "-c",
        `exec openssl s_server -quiet -accept 127.0.0.1:${port} -cert '${certs.valid.cert}' ` +
        `-key '${certs.valid.key}' -CAfile '${certs.ca.cert}' -Verify 1 -naccept 1 >/dev/null 2>&1`,
      ], { stdin: true });
      await waitForListener(port);
      const out = await tcpkit(
        [...args, `127.0.0.1:${port}`],
        stdin === undefined ? {} : { stdin },
      );
      assertEquals(out.code, 5, out.stderr);
      assertMatch(
        out.stderr,
        /TLS failed after the handshake: the server requires a client certificate/,
      );
      assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
      await server.closeStdin();
    });
  }
});

Deno.test("serve --tls --client-ca refuses a client's certificate with an alert: the client exits 5 naming it", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  const ca = ["--ca", certs.ca.cert];
  await using server = await Server.start([
    "127.0.0.1:0",
    "--tls",
    "--cert",
    certs.valid.cert,
    "--key",
    certs.valid.key,
    "--client-ca",
    certs.ca.cert,
    "--echo",
    "-k",
  ]);
  const target = `127.0.0.1:${server.port}`;
  const required =
    /TLS handshake failed: the server requires a client certificate \(--cert FILE --key FILE\)/;
  const refused = /TLS handshake failed: the server did not accept our client certificate/;
  const other = ["--cert", certs.unknownIssuer.cert, "--key", certs.unknownIssuer.key];
  const cases: [string, string[], string | undefined, RegExp][] = [
    ["connect --send", ["connect", "--tls", ...ca, "--send", "hello"], undefined, required],
    ["connect -v --send", ["connect", "--tls", "-v", ...ca, "--send", "x"], undefined, required],
    ["connect with stdin", ["connect", "--tls", ...ca], "hello\n", required],
    ["greet", ["greet", "--tls", ...ca], undefined, required],
    ["check --tls", ["check", "--tls", ...ca], undefined, required],
    [
      "connect --cert from another CA",
      ["connect", "--tls", ...ca, ...other, "--send", "x"],
      undefined,
      refused,
    ],
  ];
  for (const [name, args, stdin, words] of cases) {
    await t.step(name, async () => {
      const out = await tcpkit([...args, target], stdin === undefined ? {} : { stdin });
      assertEquals(out.code, 5, out.stderr + out.stdout);
      assertMatch(out.stderr + out.stdout, words);
      assertEquals(out.stdout.includes("hello"), false);
      assert(!/Uncaught|\n\s+at /.test(out.stderr), out.stderr);
    });
  }
  await t.step("openssl s_client hears the alert (handshake failure)", async () => {
    const out = await run([
      "bash",
      "-c",
      `echo | openssl s_client -connect ${target} -CAfile '${certs.ca.cert}' 2>&1`,
    ]);
    assertMatch(out.stdout, /alert handshake failure|alert number 40/);
  });
  await t.step("a client with a certificate of the CA is still served", async () => {
    const client = ["--cert", certs.client.cert, "--key", certs.client.key];
    const out = await tcpkit(["connect", "--tls", ...ca, ...client, "--send", "mutual", target]);
    assertEquals([out.code, out.stdout], [0, "mutual"], out.stderr);
  });
});

Deno.test("a TLS 1.2 server that asks for a client certificate and hangs up is named for it", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  // Python's ssl over memory buffers, TLS 1.2, requiring a client certificate: when it refuses
  // the handshake, it closes the connection instead of sending its alert.
  await using server = await pythonPeer(`import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(${JSON.stringify(certs.valid.cert)}, ${JSON.stringify(certs.valid.key)})
ctx.load_verify_locations(${JSON.stringify(certs.ca.cert)})
ctx.verify_mode = ssl.CERT_REQUIRED
while True:
    c, _ = s.accept()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                c.sendall(outgoing.read())
                data = c.recv(65536)
                if not data:
                    break
                incoming.write(data)
    except Exception:
        pass
    c.close()`);
  const target = `127.0.0.1:${server.port}`;
  for (const extra of [[], ["-v"]]) {
    await t.step(extra.join(" ") || "plain", async () => {
      const out = await tcpkit([
        "connect",
        "--tls",
        "--ca",
        certs.ca.cert,
        ...extra,
        "--send",
        "x",
        target,
      ]);
      assertEquals(out.code, 5, out.stderr);
      assertMatch(
        out.stderr,
        /the server closed the connection during the handshake: it may require a client certificate/,
      );
    });
  }
});

Deno.test("a record that does not decrypt after the handshake is not called a handshake failure", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  // Python's ssl: a good record, then 37 bytes of application data that no key decrypts.
  await using server = await pythonPeer(`import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(${JSON.stringify(certs.valid.cert)}, ${JSON.stringify(certs.valid.key)})
while True:
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.sendall(b"first\\n")
        socket.socket.send(t, b"\\x17\\x03\\x03\\x00\\x20" + b"\\x00" * 32)
        t.recv(100)
    except Exception:
        pass
    finally:
        c.close()`);
  for (const args of [["--ca", certs.ca.cert], ["-v", "--ca", certs.ca.cert], ["-k"]]) {
    await t.step(args.join(" "), async () => {
      const out = await tcpkit(["connect", "--tls", ...args, `127.0.0.1:${server.port}`]);
      assertEquals(out.code, 5, out.stderr);
      assertMatch(out.stderr, /TLS failed after the handshake: /);
      assert(!/handshake failed/.test(out.stderr), out.stderr);
    });
  }
});

// --- one meaning of --ca ------------------------------------------------------------------------

Deno.test("--ca gives one verdict whichever TLS the client takes (-v, --json, --cert or none)", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  const cases = [["valid", certs.valid, 0], ["wrong CA", certs.unknownIssuer, 5], [
    "expired",
    certs.expired,
    5,
  ]] as const;
  for (const [name, leaf, expected] of cases) {
    await t.step(name, async () => {
      await using server = await sServer(leaf);
      const target = `127.0.0.1:${server.port}`;
      const ca = ["--ca", certs.ca.cert];
      const codes = [];
      for (
        const extra of [[], ["-v"], ["--json"], [
          "--cert",
          certs.client.cert,
          "--key",
          certs.client.key,
        ]]
      ) {
        const out = await tcpkit(["connect", "--tls", ...ca, ...extra, "--send", "x", target]);
        codes.push(out.code);
      }
      assertEquals(codes, [expected, expected, expected, expected]);
    });
  }
});

Deno.test("--ca adds to the system's roots whichever TLS the client takes (a root injected by DENO_CERT)", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  // The "system" root: Deno's TLS takes DENO_CERT's CAs as roots besides its own.
  const system = { DENO_CERT: certs.otherCa.cert };
  await using fromTestCa = await sServer(certs.valid);
  await using fromSystemCa = await sServer(certs.unknownIssuer);
  // deno run honours DENO_CERT; a binary under test (TCPKIT_BIN) may not: then that root is no
  // root, and the verdict must still be one (a refusal) everywhere.
  const target = `127.0.0.1:${fromSystemCa.port}`;
  const honoured = (await tcpkit(["connect", "--tls", "--send", "x", target], { env: system }))
    .code === 0;
  assert(honoured || TCPKIT_BIN !== undefined, "deno run did not take DENO_CERT's root");
  const cases: [string, number, string, Record<string, string>, number][] = [
    ["a certificate of CA-A, --ca CA-B only", fromTestCa.port, certs.otherCa.cert, {}, 5],
    ["a certificate of CA-A, --ca CA-A", fromTestCa.port, certs.ca.cert, {}, 0],
    [
      "a certificate of a system root, --ca another CA",
      fromSystemCa.port,
      certs.ca.cert,
      system,
      honoured ? 0 : 5,
    ],
    ["the same without that system root", fromSystemCa.port, certs.ca.cert, {}, 5],
  ];
  for (const [name, port, ca, env, expected] of cases) {
    await t.step(name, async () => {
      const codes = [];
      for (const extra of [[], ["-v"], ["--json"]]) {
        const args = ["connect", "--tls", "--ca", ca, ...extra, "--send", "x", `127.0.0.1:${port}`];
        const out = await tcpkit(args, { env });
        codes.push(out.code);
      }
      const check = await tcpkit(["check", "--tls", "--ca", ca, `127.0.0.1:${port}`], { env });
      codes.push(check.code);
      assertEquals(codes, [expected, expected, expected, expected]);
    });
  }
});

// --- the end of a TLS stream: close_notify, or a cut -----------------------------------------------

/** A python3 TLS server that sends a line, then ends with close_notify (unwrap) or without. */
function endingServer(certs: { valid: { cert: string; key: string } }, version: string) {
  return pythonPeer(`import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.${version}
ctx.load_cert_chain(${JSON.stringify(certs.valid.cert)}, ${JSON.stringify(certs.valid.key)})
notify = True
while True:
    c, _ = s.accept()
    notify = not notify
    t = None
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.sendall(b"notify\\n" if notify else b"cut\\n")
        if notify:
            t = t.unwrap()
    except Exception:
        pass
    finally:
        if t is not None:
            t.close()
        c.close()`);
}

Deno.test("connect -v and --json say whether a TLS server ended with close_notify", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  for (const version of ["TLSv1_3", "TLSv1_2"]) {
    await using server = await endingServer(certs, version);
    const target = `127.0.0.1:${server.port}`;
    const ca = ["--ca", certs.ca.cert];
    // The server alternates: a cut first, then close_notify.
    for (const ending of ["cut", "notify"]) {
      await t.step(`${version} ${ending}, -v`, async () => {
        const out = await tcpkit(["connect", "--tls", ...ca, "-v", target]);
        assertEquals([out.code, out.stdout], [0, `${ending}\n`], out.stderr);
        const warned =
          /127\.0\.0\.1:\d+ closed without TLS close_notify: the data may be truncated/;
        assertEquals(warned.test(out.stderr), ending === "cut", out.stderr);
      });
    }
    for (const ending of ["cut", "notify"]) {
      await t.step(`${version} ${ending}, --json`, async () => {
        const out = await tcpkit(["connect", "--tls", ...ca, "--json", target]);
        assertEquals([out.code, out.stdout], [0, `${ending}\n`], out.stderr);
        const closed = out.stderr.trim().split("\n").map((line) => JSON.parse(line)).find((e) =>
          e.event === "closed"
        );
        assertEquals(closed?.tls_close_notify, ending === "notify", out.stderr);
      });
    }
  }
});

Deno.test("connect warns when a TLS server read, sent nothing and hung up without close_notify", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  // It reads to the client's end (so no reset), answers nothing and closes without close_notify:
  // what a TLS 1.3 server that refuses the client after the handshake may look like.
  await using server = await pythonPeer(`import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(${JSON.stringify(certs.valid.cert)}, ${JSON.stringify(certs.valid.key)})
while True:
    c, _ = s.accept()
    t = None
    try:
        t = ctx.wrap_socket(c, server_side=True)
        while t.recv(65536):
            pass
    except Exception:
        pass
    finally:
        if t is not None:
            t.close()
        c.close()`);
  const target = `127.0.0.1:${server.port}`;
  for (const extra of [[], ["-v"]]) {
    await t.step(extra.join(" ") || "without -v", async () => {
      const out = await tcpkit([
        "connect",
        "--tls",
        "--ca",
        certs.ca.cert,
        ...extra,
        "--send",
        "hello",
        target,
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertMatch(
        out.stderr,
        /warning: 127\.0\.0\.1:\d+ closed without TLS close_notify and sent nothing: it may not have read the 5 B sent/,
      );
    });
  }
});

/** A client that sends its ClientHello, then hangs up (FIN) and waits for the server to close. */
const HELLO_THEN_FIN = `import socket, ssl, sys
context = ssl.create_default_context(); context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(outgoing.read()); s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
print("closed", flush=True)`;

Deno.test("a TLS server says a client hung up during the handshake, at once, not at the timeout", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  for (
    const [name, extra] of [
      ["serve --tls", []],
      ["serve --tls --client-ca", ["--client-ca", certs.ca.cert]],
    ] as [string, string[]][]
  ) {
    await t.step(name, async () => {
      await using server = await Server.start([
        "127.0.0.1:0",
        "--tls",
        "--cert",
        certs.valid.cert,
        "--key",
        certs.valid.key,
        ...extra,
        "--echo",
        "-k",
      ]);
      const started = performance.now();
      const client = await run(["python3", "-c", HELLO_THEN_FIN, String(server.port)]);
      assertEquals(client.stdout, "closed\n", client.stderr);
      await server.stderr.waitFor(/closed the connection during the handshake/);
      // The handshake's limit is 10 s: the close is seen within its grace of a second instead.
      const ms = performance.now() - started;
      assert(ms < 8000, `the server held the connection ${ms.toFixed(0)} ms`);
      assert(!/timed out/.test(server.stderr.text), server.stderr.text);
    });
  }
});
