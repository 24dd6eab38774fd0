/**
 * check --tls and --starttls end to end, against servers nobody here wrote: openssl s_server
 * with each certificate of tests/_certs.ts (valid, expiring in 5 days, expired, for another
 * name, from an unknown CA, self-signed), and the STARTTLS server of _starttls_server.py. Each
 * is reported with its state, its reason and its exit code; all on loopback.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { EXPIRED_ON, makeTestCertificates, type TestCertificates } from "../_certs.ts";
import { parseExposition } from "../check/_prometheus.ts";
import { bash, freePort, Running, tcpkit, tempDir, waitForListener } from "./_cli.ts";

const STARTTLS_SERVER = new URL("./_starttls_server.py", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Json = any;

function resultsOf(stdout: string): Json[] {
  return stdout.trim().split("\n").map((line) => JSON.parse(line)).filter((o) =>
    o.event === "result"
  );
}

/** The certificate kinds, as the fixture names them. */
const KINDS = [
  "valid",
  "expiringSoon",
  "expired",
  "wrongName",
  "unknownIssuer",
  "selfSigned",
] as const;
type Kind = typeof KINDS[number];

/**
 * An openssl s_server for each certificate kind, each on a free loopback port, serving one
 * client after another until disposed (its stdin is a pipe left open: an s_server whose stdin
 * ends closes its side at once).
 */
async function servers(extra: string[] = []) {
  const dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  const running: Running[] = [];
  const ports = {} as Record<Kind, number>;
  try {
    for (const kind of KINDS) {
      const port = freePort();
      running.push(
        new Running([
          "openssl",
          "s_server",
          "-quiet",
          "-accept",
          `127.0.0.1:${port}`,
          "-cert",
          certs[kind].cert,
          "-key",
          certs[kind].key,
          ...extra,
        ], { stdin: true }),
      );
      ports[kind] = port;
      await waitForListener(port);
    }
  } catch (e) {
    for (const server of running) await server[Symbol.asyncDispose]();
    await dir[Symbol.asyncDispose]();
    throw e;
  }
  return {
    certs,
    ports,
    target: (kind: Kind) => `127.0.0.1:${ports[kind]}`,
    async [Symbol.asyncDispose]() {
      for (const server of running) await server[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** The SHA-256 fingerprint of a certificate file, as openssl prints it. */
async function fingerprint(cert: string): Promise<string> {
  const out = await bash(`openssl x509 -in '${cert}' -noout -fingerprint -sha256`);
  return out.stdout.trim().split("=")[1];
}

Deno.test("check --tls reports each certificate with its state, reason and exit code", async () => {
  await using s = await servers();
  const ca = s.certs.ca.cert;
  const cases: [Kind, string[], string, number, RegExp | undefined][] = [
    ["valid", [], "open", 0, undefined],
    [
      "expiringSoon",
      ["--warn-days", "10"],
      "expiring",
      5,
      /^certificate expires on \d{4}-\d\d-\d\d \(in [45] days\), within --warn-days 10$/,
    ],
    ["expiringSoon", ["--warn-days", "3"], "open", 0, undefined],
    ["expired", [], "unverified", 5, /^certificate expired on 2026-10-01 \(\d+ days ago\)$/],
    ["wrongName", [], "unverified", 5, /^certificate is for example\.com, not 127\.0\.0\.1$/],
    [
      "unknownIssuer",
      [],
      "unverified",
      5,
      /^unknown issuer "CN=tcpkit Unknown CA, O=tcpkit tests"$/,
    ],
    ["selfSigned", [], "unverified", 5, /^self-signed certificate "CN=localhost, O=tcpkit tests"$/],
  ];
  for (const [kind, flags, state, code, reason] of cases) {
    const what = `${kind} ${flags.join(" ")}`;
    const out = await tcpkit(["check", "--tls", "--ca", ca, s.target(kind), ...flags, "--json"]);
    assertEquals(out.code, code, `${what}: ${out.stdout}${out.stderr}`);
    const [result] = resultsOf(out.stdout);
    assertEquals(result.state, state, what);
    if (reason) assertMatch(result.reason, reason, what);
    else assertEquals(result.reason, undefined, what);
    const { tls } = result;
    assert(result.connect_ms >= 0 && result.handshake_ms >= 0, what);
    assertMatch(tls.protocol, /^TLSv1\.[23]$/);
    assertEquals(tls.verified, kind === "valid" || kind === "expiringSoon", what);
    assertEquals(tls.name_matches, kind !== "wrongName", what);
    const subject = kind === "wrongName"
      ? "CN=example.com"
      : kind === "selfSigned"
      ? "CN=localhost, O=tcpkit tests"
      : "CN=localhost";
    assertEquals(tls.subject, subject, what);
  }
});

Deno.test("check --tls shows the certificate's facts for people", async () => {
  await using s = await servers();
  const out = await tcpkit(["check", "--tls", "--ca", s.certs.ca.cert, s.target("valid")]);
  assertEquals(out.code, 0, out.stderr);
  const lines = out.stdout.split("\n");
  assertMatch(lines[1], /^127\.0\.0\.1:\d+ +open +[\d.]+ ms; TLS [\d.]+ ms$/);
  assertMatch(
    lines[2],
    /^ {4}TLSv1\.[23]; certificate "CN=localhost" for localhost, 127\.0\.0\.1, ::1; issued by "CN=tcpkit Test CA, O=tcpkit tests"; expires on \d{4}-\d\d-\d\d \(in \d+ days\); chain and name verified$/,
  );
  const wrong = await tcpkit(["check", "--tls", "--ca", s.certs.ca.cert, s.target("wrongName")]);
  assertEquals(wrong.code, 5);
  assertMatch(
    wrong.stdout,
    /unverified +[\d.]+ ms; TLS [\d.]+ ms; certificate is for example\.com, not 127\.0\.0\.1\n {4}TLSv1\.[23]; certificate "CN=example\.com" for example\.com; .*; not verified\n/,
  );
});

Deno.test("check --tls --sni, --pin and --insecure decide what is trusted", async () => {
  await using s = await servers();
  const ca = s.certs.ca.cert;
  const sni = await tcpkit([
    "check",
    "--tls",
    "--ca",
    ca,
    "--sni",
    "example.com",
    s.target("wrongName"),
  ]);
  assertEquals(sni.code, 0, sni.stdout);
  const pin = await fingerprint(s.certs.selfSigned.cert);
  const pinned = await tcpkit(["check", "--tls", "--pin", pin, s.target("selfSigned"), "--json"]);
  assertEquals(pinned.code, 0, pinned.stdout);
  assertEquals(resultsOf(pinned.stdout)[0].tls.trust, "pinned");
  const other = await tcpkit(["check", "--tls", "--pin", pin, s.target("valid"), "--json"]);
  assertEquals(other.code, 5);
  const [mismatch] = resultsOf(other.stdout);
  assertEquals(mismatch.state, "unverified");
  assertMatch(mismatch.reason, /^certificate fingerprint [0-9A-F:]+ does not match --pin /);
  // --insecure takes any certificate; --warn-days still counts.
  const insecure = await tcpkit([
    "check",
    "--tls",
    "-k",
    s.target("unknownIssuer"),
    s.target("selfSigned"),
  ]);
  assertEquals(insecure.code, 0, insecure.stdout);
  const expiring = await tcpkit([
    "check",
    "--tls",
    "-k",
    "--warn-days",
    "30",
    s.target("expiringSoon"),
  ]);
  assertEquals(expiring.code, 5, expiring.stdout);
  assertMatch(expiring.stdout, /expiring/);
});

Deno.test("check --tls of all six at once: in order; exit 5, or 1 once a target is down", async () => {
  await using s = await servers();
  const closed = freePort();
  const targets = KINDS.map((kind) => s.target(kind));
  const args = ["check", "--tls", "--ca", s.certs.ca.cert, "--warn-days", "10", ...targets];
  const out = await tcpkit([...args, "--json"]);
  assertEquals(out.code, 5, out.stderr);
  assertEquals(resultsOf(out.stdout).map((r) => r.state), [
    "open",
    "expiring",
    "unverified",
    "unverified",
    "unverified",
    "unverified",
  ]);
  const down = await tcpkit([...args, `127.0.0.1:${closed}`]);
  assertEquals(down.code, 1, down.stdout);
  assertMatch(down.stdout, /: 1 open, 1 expiring, 4 unverified, 1 closed$/m);
});

Deno.test("check --tls --format prometheus: expiry as a Unix time, verified or not", async () => {
  await using s = await servers();
  const out = await tcpkit([
    "check",
    "--tls",
    "--ca",
    s.certs.ca.cert,
    s.target("valid"),
    s.target("expired"),
    "--format",
    "prometheus",
  ]);
  assertEquals(out.code, 5, out.stderr);
  const { samples } = parseExposition(out.stdout);
  const of = (name: string, kind: Kind) =>
    samples.find((x) => x.name === name && x.labels.port === String(s.ports[kind]))?.value;
  for (const kind of ["valid", "expired"] as const) {
    const end = await bash(`openssl x509 -in '${s.certs[kind].cert}' -noout -enddate`);
    const notAfter = new Date(end.stdout.trim().replace("notAfter=", "")).getTime() / 1000;
    assertEquals(of("tcpkit_check_tls_cert_not_after_timestamp_seconds", kind), notAfter, kind);
  }
  assertEquals(of("tcpkit_check_tls_verified", "valid"), 1);
  assertEquals(of("tcpkit_check_tls_verified", "expired"), 0);
  assertEquals(of("tcpkit_check_success", "valid"), 1);
  assertEquals(of("tcpkit_check_success", "expired"), 0);
  const info = samples.find((x) => x.name === "tcpkit_check_tls_info")!;
  assertEquals(info.labels.issuer, "CN=tcpkit Test CA, O=tcpkit tests");
  assert(
    samples.some((x) => x.name === "tcpkit_check_phase_seconds" && x.labels.phase === "handshake"),
  );
});

Deno.test("check --tls --alpn reports the protocol the server chose", async () => {
  await using s = await servers(["-alpn", "h2,http/1.1"]);
  const out = await tcpkit([
    "check",
    "--tls",
    "--ca",
    s.certs.ca.cert,
    "--alpn",
    "h2",
    s.target("valid"),
    "--json",
  ]);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(resultsOf(out.stdout)[0].tls.alpn, "h2");
});

Deno.test("check --tls --count: the handshake's spread over the probes", async () => {
  await using s = await servers();
  const out = await tcpkit([
    "check",
    "--tls",
    "--ca",
    s.certs.ca.cert,
    s.target("valid"),
    "-c",
    "3",
    "--interval",
    "10ms",
    "--json",
  ]);
  assertEquals(out.code, 0, out.stderr);
  const [result] = resultsOf(out.stdout);
  assertEquals([result.probes, result.phases.handshake.count, result.phases.connect.count], [
    3,
    3,
    3,
  ]);
  assert(result.phases.handshake.p95_ms >= result.phases.handshake.min_ms);
});

Deno.test("check --tls of a server that does not speak TLS: tls-error, exit 5", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("SSH-2.0-OpenSSH_9.2\r\n"));
    await conn.read(new Uint8Array(4096)).catch(() => null);
    conn.close();
  })();
  const out = await tcpkit(["check", "--tls", `127.0.0.1:${listener.addr.port}`, "--json"]);
  await serving;
  assertEquals(out.code, 5, out.stderr);
  const [result] = resultsOf(out.stdout);
  assertEquals(result.state, "tls-error");
  assertEquals(result.reason, 'the server does not speak TLS (it sent "SSH-2.0-OpenSSH_9.2")');
});

/** _starttls_server.py for `protocol` with the valid certificate; one client, then it exits. */
async function starttlsServer(certs: TestCertificates, protocol: string, flags: string[] = []) {
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

for (const protocol of ["smtp", "imap", "pop3", "ftp"]) {
  Deno.test(`check --starttls ${protocol}: the upgrade, then the certificate`, async () => {
    await using dir = await tempDir();
    const certs = await makeTestCertificates(dir.path);
    await using server = await starttlsServer(certs, protocol);
    const out = await tcpkit([
      "check",
      "--starttls",
      protocol,
      "--ca",
      certs.ca.cert,
      `127.0.0.1:${server.port}`,
      "--banner",
      "--json",
      // check's 2 s is for a LAN; a loaded machine's Python dialogue and handshake can take longer.
      "--timeout",
      "10s",
    ]);
    assertEquals(out.code, 0, out.stdout + out.stderr);
    const [result] = resultsOf(out.stdout);
    assertEquals([result.state, result.tls.verified, result.tls.subject], [
      "open",
      true,
      "CN=localhost",
    ]);
    // --banner times the plain greeting's first byte.
    assert(result.first_byte_ms >= 0 && result.handshake_ms >= 0, JSON.stringify(result));
    assertEquals((await server.result()).code, 0);
  });
}

Deno.test("check --starttls of a server that does not offer it: tls-error with why, exit 5", async () => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  await using server = await starttlsServer(certs, "smtp", ["--no-starttls"]);
  const out = await tcpkit(["check", "--starttls", "smtp", `127.0.0.1:${server.port}`]);
  assertEquals(out.code, 5, out.stdout + out.stderr);
  assertMatch(
    out.stdout,
    /^127\.0\.0\.1:\d+ +tls-error +[\d.]+ ms; STARTTLS: the server does not offer STARTTLS$/m,
  );
});

Deno.test("an expired certificate's age is one number everywhere: connect -v, the TLS error, check text and JSON", async () => {
  await using s = await servers();
  const target = s.target("expired");
  const ca = ["--ca", s.certs.ca.cert];
  // Whole days since, counted toward zero (the run may straddle the day's turn: either is taken).
  const since = () => Math.trunc((Date.now() - EXPIRED_ON.getTime()) / 86_400_000);
  const before = since();
  const verbose = await tcpkit(["connect", "--tls", "-v", "-k", ...ca, "--send", "", target]);
  const error = await tcpkit(["connect", "--tls", ...ca, "--send", "", target]);
  const text = await tcpkit(["check", "--tls", ...ca, target]);
  const json = await tcpkit(["check", "--tls", "--json", ...ca, target]);
  const after = since();
  const ages = [
    verbose.stderr.match(/expired on 2026-10-01 \((\d+) days ago\), SHA-256/)?.[1],
    error.stderr.match(/certificate expired on 2026-10-01 \((\d+) days ago\)$/m)?.[1],
    text.stdout.match(/; expired on 2026-10-01 \((\d+) days ago\); not verified/)?.[1],
    String(-resultsOf(json.stdout)[0].tls.days_left),
  ].map(Number);
  assert(
    ages.every((age) => age === before) || ages.every((age) => age === after),
    `${ages} (expected ${before}): ${verbose.stderr}${error.stderr}${text.stdout}${json.stdout}`,
  );
});
