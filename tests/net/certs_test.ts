import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import {
  certificateFacts,
  checkIdentity,
  generateCertificate,
  loadPem,
  normalizeFingerprint,
  pinMatches,
  verificationFailure,
} from "../../lib/net/certs.ts";
import { tlsText, UsageError } from "../../lib/errors.ts";
import {
  type CertificateFiles,
  EXPIRED_FROM,
  EXPIRED_ON,
  makeTestCertificates,
  type TestCertificates,
} from "../_certs.ts";

const DIR = await Deno.makeTempDir({ prefix: "tcpkit-certs-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(DIR, { recursive: true }));
const CERTS: TestCertificates = await makeTestCertificates(DIR);
const CA = Deno.readTextFileSync(CERTS.ca.cert);
const DAY = 86_400_000;

/** The DER of a PEM certificate file. */
function der(path: string): Uint8Array {
  return new Uint8Array(new X509Certificate(Deno.readTextFileSync(path)).raw);
}

/** What `openssl x509` prints for a certificate, with the given options. */
async function openssl(path: string, ...options: string[]): Promise<string> {
  const output = await new Deno.Command("openssl", {
    args: ["x509", "-in", path, "-noout", ...options],
    stdout: "piped",
  }).output();
  assert(output.success, `openssl x509 ${options.join(" ")} failed`);
  return new TextDecoder().decode(output.stdout).trim();
}

/** `openssl s_server` on a free loopback port, serving one certificate until disposed. */
async function openSslServer(files: CertificateFiles): Promise<{ port: number } & AsyncDisposable> {
  const child = new Deno.Command("openssl", {
    args: ["s_server", "-accept", "127.0.0.1:0", "-cert", files.cert, "-key", files.key, "-www"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let port: number | undefined;
  while (port === undefined) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`openssl s_server exited before listening: ${seen}`);
    seen += value;
    const match = seen.match(/^ACCEPT .*:(\d+)$/m);
    if (match) port = Number(match[1]);
  }
  // Keep reading what it prints per connection, so that it never blocks on a full pipe.
  const drained = (async () => {
    while (!(await lines.read()).done) { /* discard */ }
  })();
  return {
    port,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

/** What a node:tls client saw of a handshake made without verification. */
interface Handshake {
  authorized: boolean;
  authorizationError?: string;
  raw: Uint8Array;
  fingerprint256: string;
}

/** Makes a node:tls handshake with `rejectUnauthorized: false`, then hangs up. */
function handshake(options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ rejectUnauthorized: false, ...options }, () => {
      const peer = socket.getPeerCertificate(true);
      resolve({
        authorized: socket.authorized,
        ...(socket.authorizationError
          ? { authorizationError: String(socket.authorizationError) }
          : {}),
        raw: peer.raw, // a Buffer, as the integration will pass it
        fingerprint256: peer.fingerprint256,
      });
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

/** Serves `files` with openssl and judges a node:tls handshake to it (with the test CA). */
async function judge(files: CertificateFiles, options: tls.ConnectionOptions = {}) {
  await using server = await openSslServer(files);
  const seen = await handshake({ host: "127.0.0.1", port: server.port, ca: [CA], ...options });
  const expectedName = options.servername ?? "127.0.0.1";
  const facts = certificateFacts(seen.raw);
  return { seen, facts, failure: verificationFailure({ ...seen, facts, expectedName }) };
}

// --- makeTestCertificates (tests/_certs.ts) --------------------------------------------------

Deno.test("makeTestCertificates() makes a CA and CA:FALSE leaves signed by it", () => {
  assert(new X509Certificate(CA).ca);
  const ca = new X509Certificate(CA);
  for (const name of ["valid", "expired", "expiringSoon", "wrongName", "client"] as const) {
    const leaf = new X509Certificate(Deno.readTextFileSync(CERTS[name].cert));
    assert(!leaf.ca, `${name} is a CA`);
    assert(leaf.verify(ca.publicKey), `${name} is not signed by the test CA`);
  }
});

Deno.test("makeTestCertificates() makes leaves for localhost, 127.0.0.1 and ::1", () => {
  for (const name of ["valid", "expired", "expiringSoon", "unknownIssuer", "selfSigned"] as const) {
    assertEquals(certificateFacts(der(CERTS[name].cert)).names, ["localhost", "127.0.0.1", "::1"]);
  }
});

Deno.test("makeTestCertificates() makes an expired leaf with fixed dates", () => {
  const facts = certificateFacts(der(CERTS.expired.cert));
  assertEquals(facts.notBefore, EXPIRED_FROM);
  assertEquals(facts.notAfter, EXPIRED_ON);
});

Deno.test("makeTestCertificates() makes a leaf that expires in 5 days", () => {
  const facts = certificateFacts(der(CERTS.expiringSoon.cert));
  assertAlmostEquals(facts.notAfter.getTime(), Date.now() + 5 * DAY, 60_000);
});

Deno.test("makeTestCertificates() makes a wrong-name leaf only for example.com", () => {
  assertEquals(certificateFacts(der(CERTS.wrongName.cert)).names, ["example.com"]);
});

Deno.test("makeTestCertificates() signs the unknown-issuer leaf with another CA", () => {
  const other = new X509Certificate(Deno.readTextFileSync(CERTS.otherCa.cert));
  const leaf = new X509Certificate(Deno.readTextFileSync(CERTS.unknownIssuer.cert));
  assert(other.ca);
  assert(leaf.verify(other.publicKey));
  assertEquals(certificateFacts(leaf.raw).issuer, "CN=tcpkit Unknown CA, O=tcpkit tests");
});

Deno.test("makeTestCertificates() makes a self-signed leaf that is not a CA", () => {
  const leaf = new X509Certificate(Deno.readTextFileSync(CERTS.selfSigned.cert));
  assert(!leaf.ca);
  assert(certificateFacts(leaf.raw).selfSigned);
});

Deno.test("makeTestCertificates() makes PKCS#8 keys that match their certificates", async () => {
  for (const [name, files] of Object.entries(CERTS)) {
    if (typeof files === "string") continue;
    assertMatch(Deno.readTextFileSync(files.key), /^-----BEGIN PRIVATE KEY-----\n/, name);
    const output = await new Deno.Command("openssl", {
      args: ["x509", "-in", files.cert, "-noout", "-pubkey"],
      stdout: "piped",
    }).output();
    const fromKey = await new Deno.Command("openssl", {
      args: ["pkey", "-in", files.key, "-pubout"],
      stdout: "piped",
    }).output();
    assertEquals(fromKey.stdout, output.stdout, `${name}: key and certificate differ`);
  }
});

Deno.test("makeTestCertificates() makes a client certificate for mutual TLS", async () => {
  const server = tls.createServer({
    cert: Deno.readTextFileSync(CERTS.valid.cert),
    key: Deno.readTextFileSync(CERTS.valid.key),
    requestCert: true,
    rejectUnauthorized: true,
    ca: [CA],
  });
  const accepted = new Promise<{ authorized: boolean; subject: string }>((resolve) =>
    server.once("secureConnection", (socket: tls.TLSSocket) => {
      resolve({ authorized: socket.authorized, subject: socket.getPeerCertificate().subject.CN });
      socket.end();
    })
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const seen = await handshake({
      host: "127.0.0.1",
      port,
      ca: [CA],
      cert: Deno.readTextFileSync(CERTS.client.cert),
      key: Deno.readTextFileSync(CERTS.client.key),
    });
    assert(seen.authorized);
    assertEquals(await accepted, { authorized: true, subject: "tcpkit client" });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("makeTestCertificates() gives the client certificate clientAuth only", () => {
  const cert = new x509.X509Certificate(Deno.readTextFileSync(CERTS.client.cert));
  const usage = cert.getExtension(x509.ExtendedKeyUsageExtension);
  assertEquals([...usage!.usages], [x509.ExtendedKeyUsage.clientAuth]);
});

// --- verificationFailure, against real handshakes ---------------------------------------------

Deno.test("verificationFailure() accepts a valid certificate from a trusted CA", async () => {
  const { seen, failure } = await judge(CERTS.valid);
  assert(seen.authorized);
  assertEquals(failure, undefined);
});

Deno.test("verificationFailure() checks the host name given as servername", async () => {
  const { seen, failure } = await judge(CERTS.valid, { servername: "localhost" });
  assert(seen.authorized);
  assertEquals(failure, undefined);
});

Deno.test("verificationFailure() reports an expired certificate with its date", async () => {
  const { seen, failure } = await judge(CERTS.expired);
  assert(!seen.authorized);
  assertEquals(failure, { kind: "expired", notAfter: EXPIRED_ON });
  assertStringIncludes(tlsText(failure!), "certificate expired on 2026-10-01");
});

Deno.test("verificationFailure() reports a certificate for other names", async () => {
  const { seen, failure } = await judge(CERTS.wrongName);
  assertEquals(seen.authorizationError, "ERR_TLS_CERT_ALTNAME_INVALID");
  assertEquals(failure, { kind: "name-mismatch", names: ["example.com"], expected: "127.0.0.1" });
  assertEquals(tlsText(failure!), "certificate is for example.com, not 127.0.0.1");
});

Deno.test("verificationFailure() reports a name mismatch for the servername", async () => {
  const { failure } = await judge(CERTS.valid, { servername: "other.test" });
  assertEquals(failure, {
    kind: "name-mismatch",
    names: ["localhost", "127.0.0.1", "::1"],
    expected: "other.test",
  });
});

Deno.test("verificationFailure() reports an unknown issuer by name", async () => {
  const { seen, failure } = await judge(CERTS.unknownIssuer);
  assert(!seen.authorized);
  assertEquals(failure, {
    kind: "unknown-issuer",
    issuer: "CN=tcpkit Unknown CA, O=tcpkit tests",
    fingerprint: seen.fingerprint256,
  });
});

Deno.test("verificationFailure() reports an unknown issuer when no CA is given", async () => {
  await using server = await openSslServer(CERTS.valid);
  const seen = await handshake({ host: "127.0.0.1", port: server.port });
  const facts = certificateFacts(seen.raw);
  const failure = verificationFailure({ ...seen, facts, expectedName: "127.0.0.1" });
  assertEquals(failure?.kind, "unknown-issuer");
});

Deno.test("verificationFailure() reports a self-signed certificate", async () => {
  const { seen, failure } = await judge(CERTS.selfSigned);
  assert(!seen.authorized);
  assertEquals(failure, {
    kind: "self-signed",
    subject: "CN=localhost, O=tcpkit tests",
    fingerprint: seen.fingerprint256,
  });
});

Deno.test("verificationFailure() accepts a certificate that expires in 5 days", async () => {
  const { failure } = await judge(CERTS.expiringSoon);
  assertEquals(failure, undefined);
});

// --- verificationFailure, by its rules --------------------------------------------------------

const VALID_FACTS = certificateFacts(der(CERTS.valid.cert));

Deno.test("verificationFailure() is undefined whenever node:tls authorized the peer", () => {
  const facts = certificateFacts(der(CERTS.expired.cert));
  assertEquals(verificationFailure({ authorized: true, facts, expectedName: "x" }), undefined);
});

Deno.test("verificationFailure() judges expiry at the given time", () => {
  const soon = certificateFacts(der(CERTS.expiringSoon.cert));
  const now = new Date(soon.notAfter.getTime() + DAY);
  const input = { authorized: false, authorizationError: "X", facts: soon, expectedName: "x" };
  assertEquals(verificationFailure({ ...input, now }), {
    kind: "expired",
    notAfter: soon.notAfter,
  });
});

Deno.test("verificationFailure() reports a certificate that is not valid yet", () => {
  const now = new Date(VALID_FACTS.notBefore.getTime() - DAY);
  const failure = verificationFailure({
    authorized: false,
    authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    facts: VALID_FACTS,
    expectedName: "localhost",
    now,
  });
  assertEquals(failure, { kind: "not-yet-valid", notBefore: VALID_FACTS.notBefore });
});

Deno.test("verificationFailure() reports expiry before a name mismatch", () => {
  const facts = certificateFacts(der(CERTS.expired.cert));
  const failure = verificationFailure({ authorized: false, facts, expectedName: "example.com" });
  assertEquals(failure?.kind, "expired");
});

Deno.test("verificationFailure() reports a name mismatch before the issuer", () => {
  const facts = certificateFacts(der(CERTS.unknownIssuer.cert));
  const failure = verificationFailure({
    authorized: false,
    authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    facts,
    expectedName: "example.com",
  });
  assertEquals(failure?.kind, "name-mismatch");
});

Deno.test("verificationFailure() matches names by node:tls's rules", () => {
  const judgeName = (expectedName: string) =>
    verificationFailure({
      authorized: false,
      authorizationError: "CERT_REVOKED",
      facts: VALID_FACTS,
      expectedName,
    })?.kind;
  for (const name of ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "::1", "[::1]"]) {
    assertEquals(judgeName(name), "untrusted", name);
  }
  for (const name of ["127.0.0.2", "::2", "sub.localhost", "example.com"]) {
    assertEquals(judgeName(name), "name-mismatch", name);
  }
});

Deno.test("verificationFailure() gives any other code as untrusted", () => {
  const failure = verificationFailure({
    authorized: false,
    authorizationError: "CERT_REVOKED",
    facts: VALID_FACTS,
    expectedName: "localhost",
  });
  assertEquals(failure, {
    kind: "untrusted",
    code: "CERT_REVOKED",
    fingerprint: VALID_FACTS.fingerprint,
  });
});

Deno.test("verificationFailure() calls a certificate self-signed only when it is", () => {
  // Deno's node:tls says DEPTH_ZERO_SELF_SIGNED_CERT for a CA:TRUE leaf that another CA signed.
  const failure = verificationFailure({
    authorized: false,
    authorizationError: "DEPTH_ZERO_SELF_SIGNED_CERT",
    facts: VALID_FACTS,
    expectedName: "localhost",
  });
  assertEquals(failure, {
    kind: "untrusted",
    code: "DEPTH_ZERO_SELF_SIGNED_CERT",
    fingerprint: VALID_FACTS.fingerprint,
  });
});

// --- certificateFacts ------------------------------------------------------------------------

Deno.test("certificateFacts() gives a leaf's subject, issuer, names and dates", async () => {
  const facts = certificateFacts(der(CERTS.valid.cert));
  assertEquals(facts.subject, "CN=localhost");
  assertEquals(facts.commonName, "localhost");
  assertEquals(facts.issuer, "CN=tcpkit Test CA, O=tcpkit tests");
  assertEquals(facts.names, ["localhost", "127.0.0.1", "::1"]);
  assertEquals(facts.selfSigned, false);
  const dates = await openssl(CERTS.valid.cert, "-dates");
  assertEquals(facts.notBefore, new Date(dates.match(/notBefore=(.*)/)![1]));
  assertEquals(facts.notAfter, new Date(dates.match(/notAfter=(.*)/)![1]));
});

Deno.test("certificateFacts() gives fingerprint and serial as openssl prints them", async () => {
  for (const name of ["valid", "expired", "selfSigned", "client", "ca"] as const) {
    const facts = certificateFacts(der(CERTS[name].cert));
    const fingerprint = await openssl(CERTS[name].cert, "-fingerprint", "-sha256");
    assertEquals(
      `sha256 Fingerprint=${facts.fingerprint}`,
      fingerprint.replace(/^SHA256/, "sha256"),
    );
    assertEquals(`serial=${facts.serial}`, await openssl(CERTS[name].cert, "-serial"));
  }
});

Deno.test("certificateFacts() finds a CA and a self-signed leaf self-signed", () => {
  assert(certificateFacts(der(CERTS.ca.cert)).selfSigned);
  assert(certificateFacts(der(CERTS.selfSigned.cert)).selfSigned);
  assert(!certificateFacts(der(CERTS.unknownIssuer.cert)).selfSigned);
});

Deno.test("certificateFacts() gives no names for a certificate without SANs", () => {
  const facts = certificateFacts(der(CERTS.client.cert));
  assertEquals(facts.names, []);
  assertEquals(facts.commonName, "tcpkit client");
});

Deno.test("certificateFacts() writes a name on one line, most specific part first", async () => {
  const path = `${DIR}/odd-name.pem`;
  const output = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-keyout", `${DIR}/odd-name.key`, "-out", path, "-days", "1", "-utf8"],
      ...["-multivalue-rdn", "-subj", '/C=DE/O=Acme, Inc./OU=a+OU=b/CN=two\nlines "q" é'],
    ],
    stderr: "null",
  }).output();
  assert(output.success);
  const facts = certificateFacts(der(path));
  assertEquals(facts.subject, 'CN=two\\0Alines \\"q\\" é, OU=a+OU=b, O=Acme\\, Inc., C=DE');
  // Shown as it is kept: a line feed from a certificate is never written raw.
  assertEquals(facts.commonName, 'two\\nlines "q" é');
  assertEquals(facts.names, []);
});

Deno.test("certificateFacts() reads a view into a larger buffer", () => {
  const bytes = der(CERTS.valid.cert);
  const larger = new Uint8Array(bytes.length + 16).fill(0x30);
  larger.set(bytes, 8);
  assertEquals(certificateFacts(larger.subarray(8, 8 + bytes.length)), certificateFacts(bytes));
});

Deno.test("certificateFacts() throws on bytes that are not a certificate", () => {
  assertThrows(() => certificateFacts(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])));
});

// --- generateCertificate ---------------------------------------------------------------------

Deno.test("generateCertificate() makes one Deno.listenTls serves and node:tls pins", async () => {
  const generated = await generateCertificate();
  using listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: generated.cert,
    key: generated.key,
  });
  const served = (async () => {
    using conn = await listener.accept();
    await conn.handshake();
  })();
  const seen = await handshake({ host: "127.0.0.1", port: listener.addr.port });
  await served;
  assertEquals(seen.fingerprint256, generated.fingerprint);
  assert(pinMatches(normalizeFingerprint(generated.fingerprint), seen.fingerprint256));
  assertEquals(seen.authorizationError, "DEPTH_ZERO_SELF_SIGNED_CERT");
  const facts = certificateFacts(seen.raw);
  assertEquals(verificationFailure({ ...seen, facts, expectedName: "127.0.0.1" }), {
    kind: "self-signed",
    subject: "CN=tcpkit",
    fingerprint: generated.fingerprint,
  });
});

Deno.test("generateCertificate() makes one Deno.connectTls trusts with caCerts", async () => {
  const generated = await generateCertificate();
  using listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: generated.cert,
    key: generated.key,
  });
  const served = (async () => {
    for (let i = 0; i < 2; i++) {
      using conn = await listener.accept();
      await conn.write(new TextEncoder().encode("hi"));
    }
  })();
  const port = listener.addr.port;
  // By address: the IP SAN 127.0.0.1 is checked.
  using byAddress = await Deno.connectTls({
    hostname: "127.0.0.1",
    port,
    caCerts: [generated.cert],
  });
  assertEquals(await byAddress.handshake(), { alpnProtocol: null });
  // By name, dialling the address: the DNS SAN localhost is checked, with no name lookup.
  using byName = await Deno.startTls(await Deno.connect({ hostname: "127.0.0.1", port }), {
    hostname: "localhost",
    caCerts: [generated.cert],
  });
  assertEquals(await byName.handshake(), { alpnProtocol: null });
  await served;
});

Deno.test("generateCertificate() makes what the brief asks, as openssl reads it", async () => {
  const generated = await generateCertificate({ names: ["svc.test", "10.0.0.7", "[fd00::7]"] });
  const path = `${DIR}/generated.pem`;
  await Deno.writeTextFile(path, generated.cert);
  const text = await openssl(path, "-text");
  assertStringIncludes(text, "Public-Key: (256 bit)");
  assertStringIncludes(text, "NIST CURVE: P-256");
  assertStringIncludes(text, "Signature Algorithm: ecdsa-with-SHA256");
  assertMatch(text, /Basic Constraints: critical\s+CA:FALSE/);
  assertMatch(text, /Key Usage: critical\s+Digital Signature\n/);
  assertMatch(text, /Extended Key Usage: \s+TLS Web Server Authentication\n/);
  assertStringIncludes(
    text,
    "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:svc.test, " +
      "IP Address:10.0.0.7, IP Address:FD00:0:0:0:0:0:0:7\n",
  );
  assertStringIncludes(text, "Subject: CN = svc.test\n");
  const fingerprint = await openssl(path, "-fingerprint", "-sha256");
  assertEquals(fingerprint.replace(/^\w+ Fingerprint=/, ""), generated.fingerprint);
});

Deno.test("generateCertificate() is valid from an hour ago for 7 days by default", async () => {
  const before = Date.now();
  const generated = await generateCertificate();
  const facts = certificateFacts(new Uint8Array(new X509Certificate(generated.cert).raw));
  assertEquals(facts.notAfter, generated.notAfter);
  assertAlmostEquals(facts.notBefore.getTime(), before - 3_600_000, 2_000);
  assertAlmostEquals(facts.notAfter.getTime(), before + 7 * DAY, 2_000);
  assertEquals(facts.selfSigned, true);
});

Deno.test("generateCertificate() takes the number of days", async () => {
  const before = Date.now();
  const generated = await generateCertificate({ days: 1 });
  assertAlmostEquals(generated.notAfter.getTime(), before + DAY, 2_000);
});

Deno.test("generateCertificate() makes a random 128-bit serial each time", async () => {
  const serials = await Promise.all([1, 2, 3].map(async () => {
    const { cert } = await generateCertificate();
    return certificateFacts(new Uint8Array(new X509Certificate(cert).raw)).serial;
  }));
  assertEquals(new Set(serials).size, 3);
  for (const serial of serials) assertMatch(serial, /^[0-7][0-9A-F]{31}$/);
});

Deno.test("generateCertificate() takes the first name as CN and drops repeats", async () => {
  const { cert } = await generateCertificate({ names: ["LocalHost", "a.test", "a.test"] });
  const facts = certificateFacts(new Uint8Array(new X509Certificate(cert).raw));
  assertEquals(facts.subject, "CN=LocalHost");
  assertEquals(facts.names, ["localhost", "127.0.0.1", "::1", "a.test"]);
});

Deno.test("generateCertificate() gives a PKCS#8 key", async () => {
  const { key } = await generateCertificate();
  assertMatch(
    key,
    /^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PRIVATE KEY-----\n$/,
  );
});

Deno.test("generateCertificate() rejects a name that is not a host or an address", async () => {
  for (const name of ["", "a b", "bad_name!", "-x.test", "a..b"]) {
    await assertRejects(
      () => generateCertificate({ names: [name] }),
      UsageError,
      `Invalid certificate name "${name}"`,
    );
  }
});

Deno.test("generateCertificate() rejects a lifetime that is not positive", async () => {
  for (const days of [0, -1, NaN, Infinity]) {
    await assertRejects(() => generateCertificate({ days }), RangeError);
  }
});

// --- normalizeFingerprint and pinMatches -----------------------------------------------------

const HEX = "0123456789abcdef".repeat(4);
const CANONICAL = HEX.toUpperCase().match(/../g)!.join(":");

Deno.test("normalizeFingerprint() accepts colon pairs in either case", () => {
  assertEquals(normalizeFingerprint(CANONICAL), CANONICAL);
  assertEquals(normalizeFingerprint(CANONICAL.toLowerCase()), CANONICAL);
});

Deno.test("normalizeFingerprint() accepts 64 bare hex digits", () => {
  assertEquals(normalizeFingerprint(HEX), CANONICAL);
  assertEquals(normalizeFingerprint(HEX.toUpperCase()), CANONICAL);
});

Deno.test("normalizeFingerprint() accepts sha256: and SHA256= prefixes in any case", () => {
  for (const prefix of ["sha256:", "SHA256:", "SHA256=", "sha256=", "Sha256:"]) {
    assertEquals(normalizeFingerprint(prefix + HEX), CANONICAL, prefix);
    assertEquals(normalizeFingerprint(prefix + CANONICAL), CANONICAL, prefix);
  }
});

Deno.test("normalizeFingerprint() accepts openssl's fingerprint line and stray spaces", () => {
  assertEquals(normalizeFingerprint(`sha256 Fingerprint=${CANONICAL}`), CANONICAL);
  assertEquals(normalizeFingerprint(`SHA256 Fingerprint=${CANONICAL}\n`), CANONICAL);
  assertEquals(normalizeFingerprint(`  ${HEX} `), CANONICAL);
});

Deno.test("normalizeFingerprint() rejects anything but a SHA-256 fingerprint", () => {
  for (
    const raw of [
      "",
      "x",
      HEX.slice(1),
      HEX + "0",
      HEX.slice(0, 40), // a SHA-1 fingerprint
      HEX.replace("a", "g"),
      CANONICAL.slice(0, -3),
      CANONICAL.replace(":", ""),
      CANONICAL.replaceAll(":", " "),
      `sha1:${HEX}`,
      `sha256:sha256:${HEX}`,
    ]
  ) {
    assertThrows(() => normalizeFingerprint(raw), UsageError, undefined, `accepted "${raw}"`);
  }
});

Deno.test("normalizeFingerprint() says what a pin must look like", () => {
  const error = assertThrows(() => normalizeFingerprint("x"), UsageError);
  assertEquals(
    error.message,
    'Invalid --pin "x": expected a SHA-256 fingerprint of 64 hex digits, such as AB:CD:...',
  );
  assertEquals((error as UsageError).exitCode, 2);
});

Deno.test("pinMatches() matches the same fingerprint in any form", () => {
  assert(pinMatches(CANONICAL, CANONICAL));
  assert(pinMatches(CANONICAL, CANONICAL.toLowerCase()));
  assert(pinMatches(CANONICAL, HEX));
});

Deno.test("pinMatches() does not match another or a malformed fingerprint", () => {
  assert(!pinMatches(CANONICAL, CANONICAL.replace("01", "10")));
  assert(!pinMatches(CANONICAL, ""));
  assert(!pinMatches(CANONICAL, "not a fingerprint"));
});

// --- loadPem ---------------------------------------------------------------------------------

/** Writes `text` to a file in the test directory and returns its path. */
async function file(name: string, text: string | Uint8Array): Promise<string> {
  const path = `${DIR}/${name}`;
  if (typeof text === "string") await Deno.writeTextFile(path, text);
  else await Deno.writeFile(path, text);
  return path;
}

const block = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

Deno.test("loadPem() reads a certificate for --ca, --cert and --client-ca", async () => {
  for (const what of ["--ca", "--cert", "--client-ca"] as const) {
    assertEquals(await loadPem(CERTS.ca.cert, what), CA);
  }
});

Deno.test("loadPem() reads a PKCS#8, EC or RSA key for --key", async () => {
  assertEquals(await loadPem(CERTS.valid.key, "--key"), Deno.readTextFileSync(CERTS.valid.key));
  for (const label of ["EC PRIVATE KEY", "RSA PRIVATE KEY"]) {
    const path = await file("key-" + label.split(" ")[0], block(label));
    assertEquals(await loadPem(path, "--key"), block(label));
  }
});

Deno.test("loadPem() reads a file that holds a certificate and its key", async () => {
  const both = Deno.readTextFileSync(CERTS.valid.key) + Deno.readTextFileSync(CERTS.valid.cert);
  const path = await file("both.pem", both);
  assertEquals(await loadPem(path, "--cert"), both);
  assertEquals(await loadPem(path, "--key"), both);
});

Deno.test("loadPem() names a missing file", async () => {
  await assertRejects(
    () => loadPem(`${DIR}/missing.pem`, "--ca"),
    UsageError,
    `Cannot read --ca file "${DIR}/missing.pem": no such file`,
  );
});

Deno.test("loadPem() names a directory", async () => {
  await assertRejects(
    () => loadPem(DIR, "--cert"),
    UsageError,
    `Cannot read --cert file "${DIR}": it is a directory`,
  );
});

Deno.test("loadPem() names a key given where a certificate is expected", async () => {
  await assertRejects(
    () => loadPem(CERTS.valid.key, "--cert"),
    UsageError,
    `Invalid --cert file "${CERTS.valid.key}": expected a PEM certificate ` +
      "(-----BEGIN CERTIFICATE-----), but it holds PRIVATE KEY",
  );
});

Deno.test("loadPem() names a certificate given where a key is expected", async () => {
  await assertRejects(
    () => loadPem(CERTS.valid.cert, "--key"),
    UsageError,
    `Invalid --key file "${CERTS.valid.cert}": expected a PEM private key ` +
      "(-----BEGIN PRIVATE KEY-----), but it holds CERTIFICATE",
  );
});

Deno.test("loadPem() says an encrypted key must be decrypted", async () => {
  const path = await file("encrypted.key", block("ENCRYPTED PRIVATE KEY"));
  await assertRejects(() => loadPem(path, "--key"), UsageError, "the key is encrypted");
});

Deno.test("loadPem() says a file is empty", async () => {
  const path = await file("empty.pem", "");
  await assertRejects(() => loadPem(path, "--client-ca"), UsageError, "but the file is empty");
});

Deno.test("loadPem() recognises a DER certificate and says how to convert it", async () => {
  const path = await file("cert.der", der(CERTS.valid.cert));
  await assertRejects(
    () => loadPem(path, "--ca"),
    UsageError,
    "but it looks like DER; convert it with: openssl x509 -inform der",
  );
});

Deno.test("loadPem() rejects text without a whole PEM block", async () => {
  for (const text of ["hello\n", "-----BEGIN CERTIFICATE-----\nAAAA\n"]) {
    const path = await file("partial.pem", text);
    await assertRejects(() => loadPem(path, "--ca"), UsageError, "but it holds no PEM block");
  }
});

Deno.test({
  name: "loadPem() leaves a missing --allow-read to the caller",
  permissions: { read: false },
  async fn() {
    await assertRejects(() => loadPem(CERTS.ca.cert, "--ca"), Deno.errors.NotCapable);
  },
});

Deno.test("checkIdentity() judges a DNS name holding a quote instead of throwing", () => {
  const peer = {
    subject: {},
    subjectaltname: 'DNS:a"b.example, DNS:localhost',
  } as unknown as tls.PeerCertificate;
  // Deno's own checkServerIdentity throws on it ("Invalid alt name format").
  assertThrows(() => tls.checkServerIdentity("localhost", peer));
  const error = checkIdentity("localhost", peer);
  assertEquals((error as { code?: string })?.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  assertEquals(
    checkIdentity(
      "localhost",
      { subject: {}, subjectaltname: "DNS:localhost" } as unknown as tls.PeerCertificate,
    ),
    undefined,
  );
});
