/** TLS certificates: a generated self-signed one, a peer's facts, pins, why one is not trusted. */
// reflect-metadata must be evaluated before @peculiar/x509, whose ASN.1 schemas use decorators.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, X509Certificate as NodeX509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { type TlsFailure, UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { normalizeFingerprint, pinMatches } from "./fingerprint.ts";

// Where they were first, and where callers may still look for them.
export { normalizeFingerprint, pinMatches };

// Re-exported so that this module's documentation is whole: verificationFailure returns it.
export type { TlsFailure };

/** Options for {@linkcode generateCertificate}. */
export interface GenerateCertificateOptions {
  /**
   * Names the certificate is for besides localhost, 127.0.0.1 and ::1: host names become DNS
   * names, addresses IP addresses. The first is the subject's common name.
   */
  names?: string[];
  /** Days the certificate is valid from now (default 7); it is also valid for the hour before. */
  days?: number;
}

/** A generated certificate and its key, ready for `Deno.listenTls({ cert, key })`. */
export interface GeneratedCertificate {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PKCS#8 PEM. */
  key: string;
  /** SHA-256 of the certificate, `AA:BB:…`: what a client passes to `--pin`. */
  fingerprint: string;
  /** When the certificate expires. */
  notAfter: Date;
}

/** What a certificate says about itself, in the forms tcpkit shows and checks. */
export interface CertificateFacts {
  /** The subject on one line, most specific first: `CN=localhost, O=tcpkit tests`. */
  subject: string;
  /** The subject's common name, if it has one (escaped as {@linkcode escapeText} shows text). */
  commonName?: string;
  /** The issuer, in the same form as the subject. */
  issuer: string;
  /**
   * The subject alternative names a client checks: DNS names and IP addresses, in order; escaped
   * as {@linkcode escapeText} shows text, since a server writes what it likes in them.
   */
  names: string[];
  /** When the certificate starts being valid. */
  notBefore: Date;
  /** When it expires. */
  notAfter: Date;
  /** SHA-256 of the DER, `AA:BB:…`, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
  /** True when the certificate's issuer is its own subject and it is signed by its own key. */
  selfSigned: boolean;
  /** The serial number in upper-case hexadecimal, as `openssl x509 -serial` prints it. */
  serial: string;
}

/** What {@linkcode verificationFailure} decides from. */
export interface VerificationInput {
  /** `TLSSocket.authorized`: the chain and the name verified. */
  authorized: boolean;
  /** `TLSSocket.authorizationError`: the code of why not (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`). */
  authorizationError?: string;
  /** The peer certificate's facts. */
  facts: CertificateFacts;
  /** The name the certificate must be for: the host dialled or the `--sni` name; may be an IP. */
  expectedName: string;
  /** The time to judge validity at (default: now). */
  now?: Date;
}

/** The flags that name a PEM file, which decide the kind of block it must hold. */
export type PemFlag = "--ca" | "--cert" | "--key" | "--client-ca";

// Authorization codes meaning that no trusted issuer was found for the chain. Deno's node:tls also
// reports an expired or otherwise rejected leaf as UNABLE_TO_VERIFY_LEAF_SIGNATURE (rustls' reason
// is not passed on), which is why expiry is judged from the certificate's dates first.
const ISSUER_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
]);

const DEFAULT_NAMES = ["localhost", "127.0.0.1", "::1"];

// A DNS name as a certificate may carry it: labels of letters, digits, hyphens (and underscores,
// which real names use), an optional leading wildcard label.
const DNS_NAME =
  /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

/**
 * Generates a short-lived self-signed certificate for a TLS server: ECDSA P-256, CA:false (rustls
 * refuses a CA certificate as a server's), for serverAuth, valid from an hour ago (to absorb clock
 * skew between machines) for `days` days, with a random serial.
 *
 * @example
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { generateCertificate } from "./certs.ts";
 * const { cert, key, fingerprint } = await generateCertificate({ names: ["test.internal"] });
 * assertMatch(cert, /^-----BEGIN CERTIFICATE-----/);
 * assertMatch(key, /^-----BEGIN PRIVATE KEY-----/);
 * assertMatch(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
 * ```
 * @throws {UsageError} when a name is neither a host name nor an IP address
 * @throws {RangeError} when `days` is not a positive number
 */
export async function generateCertificate(
  options: GenerateCertificateOptions = {},
): Promise<GeneratedCertificate> {
  const days = options.days ?? 7;
  if (!(days > 0 && Number.isFinite(days))) {
    throw new RangeError(
      `Invalid certificate lifetime ${days}: expected a positive number of days`,
    );
  }
  const given = (options.names ?? []).map(certificateName);
  const names = unique([...DEFAULT_NAMES, ...given]);
  // Whole seconds, as the certificate stores them, so that notAfter is exactly the certificate's.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const notAfter = new Date(now + Math.round(days * 86_400) * 1000);
  const keys = await crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [given[0] ?? "tcpkit"] }],
    notBefore: new Date(now - 3_600_000),
    notAfter,
    keys,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((value): x509.JsonGeneralName => ({ type: isIP(value) ? "ip" : "dns", value })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const digest = await crypto.subtle.digest("SHA-256", cert.rawData);
  return {
    cert: cert.toString("pem") + "\n",
    key: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n",
    fingerprint: colonHex(new Uint8Array(digest)),
    notAfter,
  };
}

/**
 * The facts of a certificate (DER, such as node:tls's `getPeerCertificate().raw`).
 *
 * Names, dates and the serial come from @peculiar/x509, which parses the ASN.1 into structure:
 * Deno's `node:crypto` `X509Certificate` gives only display strings (its subject lines leave a
 * comma or a newline in a value unescaped, its serial drops a leading zero digit). The signature
 * check and the hash come from `node:crypto`, because they must be synchronous and @peculiar's are
 * not.
 *
 * @throws {Error} when `der` is not a certificate
 */
export function certificateFacts(der: Uint8Array): CertificateFacts {
  const cert = new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
  const subjectRdns = cert.subjectName.toJSON();
  const subject = formatName(subjectRdns);
  const issuer = formatName(cert.issuerName.toJSON());
  const commonName = subjectRdns.flatMap((rdn) => rdn.CN ?? []).at(-1);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  // A hostile server writes what it likes in its names: they are kept escaped, as shown.
  const names = (san?.names.toJSON() ?? [])
    .filter((name) => name.type === "dns" || name.type === "ip")
    .map((name) => escapeText(String(name.value)));
  return {
    subject,
    ...(commonName === undefined ? {} : { commonName: escapeText(commonName) }),
    issuer,
    names,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint: fingerprintOf(der),
    selfSigned: subject === issuer && signedByItself(der),
    serial: serialText(cert.serialNumber),
  };
}

/** SHA-256 of a certificate's DER, `AA:BB:…`: its fingerprint, whatever the DER holds. */
export function fingerprintOf(der: Uint8Array): string {
  return colonHex(createHash("sha256").update(der).digest());
}

/**
 * Why a certificate is not trusted, from node:tls's verdict and the certificate itself; undefined
 * when node:tls accepted it. Checked in the order a person can act on: the dates, the name (with
 * node:tls's own `checkServerIdentity`, so the rules are the ones the verdict used), a self-signed
 * certificate, an unknown issuer; anything else is reported with node:tls's code.
 */
export function verificationFailure(input: VerificationInput): TlsFailure | undefined {
  if (input.authorized) return undefined;
  const { facts } = input;
  const now = input.now ?? new Date();
  const code = input.authorizationError ?? "UNKNOWN";
  if (facts.notAfter.getTime() < now.getTime()) {
    return { kind: "expired", notAfter: facts.notAfter };
  }
  if (facts.notBefore.getTime() > now.getTime()) {
    return { kind: "not-yet-valid", notBefore: facts.notBefore };
  }
  const expected = input.expectedName.replace(/^\[(.*)\]$/, "$1");
  if (!nameMatches(facts, expected)) {
    return { kind: "name-mismatch", names: facts.names, expected };
  }
  // Not node:tls's DEPTH_ZERO_SELF_SIGNED_CERT alone: Deno also gives it for a CA:TRUE leaf
  // signed by another CA (rustls' CaUsedAsEndEntity), which is not self-signed.
  if (facts.selfSigned) {
    return { kind: "self-signed", subject: facts.subject, fingerprint: facts.fingerprint };
  }
  if (ISSUER_CODES.has(code)) {
    return { kind: "unknown-issuer", issuer: facts.issuer, fingerprint: facts.fingerprint };
  }
  return { kind: "untrusted", code, fingerprint: facts.fingerprint };
}

/**
 * Reads a PEM file given to a flag, and checks that it holds a block of the kind the flag needs:
 * CERTIFICATE for `--ca`, `--cert`, `--client-ca`; PRIVATE KEY (PKCS#8), EC PRIVATE KEY or RSA
 * PRIVATE KEY for `--key`. Returns the whole text.
 *
 * @throws {UsageError} when the file is missing, unreadable, a directory, or holds no such block
 */
export async function loadPem(path: string, what: PemFlag): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    // Missing --allow-read is a fault of how tcpkit was run, not of the user's file.
    if (e instanceof Deno.errors.NotCapable) throw e;
    throw new UsageError(`Cannot read ${what} file "${escapeText(path)}": ${readFailure(e)}`);
  }
  const text = new TextDecoder().decode(bytes);
  const wanted = what === "--key"
    ? ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"]
    : ["CERTIFICATE"];
  const found = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)]
    .map((match) => match[1]);
  if (found.some((label) => wanted.includes(label))) return text;
  const expected = what === "--key"
    ? "a PEM private key (-----BEGIN PRIVATE KEY-----)"
    : "a PEM certificate (-----BEGIN CERTIFICATE-----)";
  throw new UsageError(
    `Invalid ${what} file "${escapeText(path)}": expected ${expected}, ${
      pemMismatch(bytes, found, what)
    }`,
  );
}

/** What a PEM file holds instead of what was expected, as the end of a sentence. */
function pemMismatch(bytes: Uint8Array, found: string[], what: PemFlag): string {
  if (bytes.length === 0) return "but the file is empty";
  if (found.includes("ENCRYPTED PRIVATE KEY")) {
    return "but the key is encrypted; decrypt it with: openssl pkey -in FILE -out PLAIN.key";
  }
  if (found.length > 0) return `but it holds ${[...new Set(found)].join(", ")}`;
  // A DER file starts with an ASN.1 SEQUENCE tag (0x30): a common mix-up worth naming.
  if (bytes[0] === 0x30) {
    const command = what === "--key" ? "pkey" : "x509";
    return "but it looks like DER; convert it with: " +
      `openssl ${command} -inform der -in FILE -out FILE.pem`;
  }
  return "but it holds no PEM block";
}

/** Why a file could not be read, in words. */
function readFailure(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\s*\(os error \d+\)(: .*)?$/, "");
}

/** Validates a name for a generated certificate; IPv6 may come in brackets. */
function certificateName(raw: string): string {
  const name = raw.trim().replace(/^\[(.*)\]$/, "$1");
  if (isIP(name) || (name.length <= 253 && DNS_NAME.test(name))) return name;
  throw new UsageError(
    `Invalid certificate name "${
      escapeText(raw)
    }": expected a host name or an IP address, such as example.com`,
  );
}

/** Names without repeats (case-insensitive), in first-seen order. */
function unique(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** 128 random bits, positive (top bit clear) and without a leading zero byte. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `AA:BB:…` from bytes. */
function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** A serial as openssl prints it: upper case, whole bytes, no leading zero byte. */
function serialText(hex: string): string {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return even.replace(/^(00)+(?=..)/, "").toUpperCase();
}

/** True when the certificate's signature verifies with its own public key. */
function signedByItself(der: Uint8Array): boolean {
  try {
    const cert = new NodeX509Certificate(der);
    return cert.verify(cert.publicKey);
  } catch {
    // An algorithm node:crypto cannot check: the names alone say self-issued, so believe them.
    return true;
  }
}

/**
 * A distinguished name on one line, most specific first (RFC 4514 order and escaping, with `, `
 * between parts for reading): `CN=localhost, O=tcpkit tests`.
 */
function formatName(rdns: Record<string, string[]>[]): string {
  return rdns.toReversed()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((value) => `${type}=${escapeValue(value)}`))
        .join("+")
    )
    .join(", ");
}

/**
 * RFC 4514 escaping, and what a terminal would act on (controls, C1, the line separators and the
 * bidirectional controls) as `\XX` per UTF-8 byte, so a name stays on one line and in order.
 */
function escapeValue(value: string): string {
  return value
    .replace(/[\\",+;<>]/g, "\\$&")
    .replace(/^[# ]| $/g, "\\$&")
    .replace(
      // deno-lint-ignore no-control-regex
      /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
      (c) =>
        Array.from(
          new TextEncoder().encode(c),
          (b) => `\\${b.toString(16).padStart(2, "0").toUpperCase()}`,
        ).join(""),
    );
}

/**
 * True when the certificate is for `name`, by node:tls's `checkServerIdentity`: wildcards, case,
 * IP addresses in any notation, the common name only when there are no DNS names. (Deno's
 * `X509Certificate.checkHost` is not usable: it is case-sensitive, ignores wildcards and always
 * falls back to the common name.) The facts do not keep whether a SAN was a DNS name or an IP
 * address; one that parses as an address is taken as one, as only a malformed certificate puts
 * an address in a DNS name.
 */
function nameMatches(facts: CertificateFacts, name: string): boolean {
  // node:tls's own form: a name holding a comma, a quote or anything but plain ASCII in quotes.
  const quoted = (n: string) =>
    /^[\x21-\x7e]*$/.test(n) && !/[,"\\]/.test(n) ? n : JSON.stringify(n);
  const subjectaltname = facts.names
    .map((n) => isIP(n) ? `IP Address:${n}` : `DNS:${quoted(n)}`)
    .join(", ");
  const peer = {
    subject: facts.commonName === undefined ? {} : { CN: facts.commonName },
    ...(subjectaltname === "" ? {} : { subjectaltname }),
  } as unknown as PeerCertificate;
  try {
    return checkServerIdentity(name, peer) === undefined;
  } catch {
    // Names node:tls cannot read: none of them is the name asked for.
    return false;
  }
}

/**
 * node:tls's `checkServerIdentity`, for `tls.connect({ checkServerIdentity })`, except that it
 * never throws: Deno's throws "Invalid alt name format" on a DNS name that holds a quote, which a
 * hostile server's certificate may, and node:tls does not catch it. Such a certificate is judged
 * by {@linkcode nameMatches} instead, from the certificate itself.
 */
export function checkIdentity(host: string, cert: PeerCertificate): Error | undefined {
  try {
    return checkServerIdentity(host, cert);
  } catch {
    try {
      if (cert?.raw && nameMatches(certificateFacts(new Uint8Array(cert.raw)), host)) {
        return undefined;
      }
    } catch {
      // a certificate that cannot be read is for no name
    }
    return Object.assign(new Error(`the certificate's names do not include ${escapeText(host)}`), {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  }
}
