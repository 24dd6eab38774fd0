/** Real certificates for TLS tests, made by openssl rather than by the code under test. */

/** The paths of a certificate (PEM) and its private key (PKCS#8 PEM). */
export interface CertificateFiles {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  key: string;
}

/** What {@linkcode makeTestCertificates} wrote, by the case each certificate is for. */
export interface TestCertificates {
  /** The directory everything was written to. */
  dir: string;
  /** The test CA (CA:TRUE), "CN=tcpkit Test CA, O=tcpkit tests": what `--ca` is given. */
  ca: CertificateFiles;
  /** A leaf for localhost, 127.0.0.1 and ::1 signed by {@linkcode TestCertificates.ca}. */
  valid: CertificateFiles;
  /** Like `valid`, but it expired on {@linkcode EXPIRED_ON}. */
  expired: CertificateFiles;
  /** Like `valid`, but it expires in 5 days. */
  expiringSoon: CertificateFiles;
  /** Signed by the test CA, but only for DNS:example.com. */
  wrongName: CertificateFiles;
  /** Like `valid`, but signed by another CA that nothing trusts ("CN=tcpkit Unknown CA"). */
  unknownIssuer: CertificateFiles;
  /** The CA that signed `unknownIssuer`. */
  otherCa: CertificateFiles;
  /** A self-signed leaf (CA:FALSE, so rustls takes it) for localhost, 127.0.0.1 and ::1. */
  selfSigned: CertificateFiles;
  /** For mutual TLS: a client certificate (clientAuth, "CN=tcpkit client") from the test CA. */
  client: CertificateFiles;
}

/** When the `expired` certificate expired: a fixed day in the past, so messages can name it. */
export const EXPIRED_ON: Date = new Date("2026-10-01T00:00:00Z");

/** When the `expired` certificate became valid. */
export const EXPIRED_FROM: Date = new Date("2026-07-01T00:00:00Z");

// One bash run makes everything: a process per openssl step costs a few milliseconds, P-256 keys
// cost nothing. Leaves are signed with `openssl ca` because OpenSSL 3.0's `x509` cannot set a
// start date in the past, and `ca -startdate/-enddate` can. Every leaf is CA:FALSE: rustls
// rejects a CA:TRUE certificate used as a server's (CaUsedAsEndEntity), even when trusted.
const SCRIPT = String.raw`
set -euo pipefail
# $1: the directory; $2, $3: when the expired leaf became valid and when it expired.
cd "$1"
mkdir -p issued
cat > openssl.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ self_signed_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
[ wrong_name_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:example.com
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
serial = serial.txt
new_certs_dir = issued
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
CNF
: > index.txt
echo 01 > serial.txt
new_key() { # NAME SUBJECT: a P-256 key (PKCS#8) and a request for it
  openssl req -config openssl.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.csr" -subj "$2"
}
self_sign() { # NAME SUBJECT EXTENSIONS
  openssl req -config openssl.cnf -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.pem" -subj "$2" -days 3650 -extensions "$3"
}
sign() { # NAME CA EXTENSIONS DATES...
  local name=$1 ca=$2 ext=$3
  shift 3
  openssl ca -config openssl.cnf -batch -notext -rand_serial -cert "$ca.pem" -keyfile "$ca.key" \
    -in "$name.csr" -out "$name.pem" -extensions "$ext" "$@"
  rm "$name.csr"
}
self_sign ca "/O=tcpkit tests/CN=tcpkit Test CA" ca_ext
self_sign other-ca "/O=tcpkit tests/CN=tcpkit Unknown CA" ca_ext
self_sign self-signed "/O=tcpkit tests/CN=localhost" self_signed_ext
new_key valid /CN=localhost
sign valid ca server_ext -days 3650
new_key expired /CN=localhost
sign expired ca server_ext -startdate "$2" -enddate "$3"
new_key expiring-soon /CN=localhost
sign expiring-soon ca server_ext -days 5
new_key wrong-name /CN=example.com
sign wrong-name ca wrong_name_ext -days 3650
new_key unknown-issuer /CN=localhost
sign unknown-issuer other-ca server_ext -days 3650
new_key client "/CN=tcpkit client"
sign client ca client_ext -days 3650
`;

/** `20261001000000Z`, as `openssl ca -startdate/-enddate` take it. */
function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]|\.\d+/g, "");
}

function files(dir: string, name: string): CertificateFiles {
  return { cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key` };
}

/**
 * Writes a test CA and certificates for each TLS case into `dir` (which must exist) with the
 * openssl command, and returns their paths. Takes about 100 ms.
 *
 * @throws {Error} with openssl's output when a step fails
 */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const output = await new Deno.Command("bash", {
    args: [
      "-c",
      SCRIPT,
      "make-test-certificates",
      dir,
      asn1Time(EXPIRED_FROM),
      asn1Time(EXPIRED_ON),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`cannot make test certificates in ${dir} with openssl: ${text}`);
  }
  return {
    dir,
    ca: files(dir, "ca"),
    valid: files(dir, "valid"),
    expired: files(dir, "expired"),
    expiringSoon: files(dir, "expiring-soon"),
    wrongName: files(dir, "wrong-name"),
    unknownIssuer: files(dir, "unknown-issuer"),
    otherCa: files(dir, "other-ca"),
    selfSigned: files(dir, "self-signed"),
    client: files(dir, "client"),
  };
}
