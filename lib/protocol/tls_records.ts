/**
 * What the plaintext part of a TLS handshake says, read from the records themselves: whether a
 * server asked for a client certificate, and the alert a server sends to refuse one. Under TLS 1.2
 * the server's handshake messages (ServerHello to ServerHelloDone, with a CertificateRequest) and
 * an alert sent before its ChangeCipherSpec travel in the clear; under TLS 1.3 everything after
 * the ServerHello is encrypted, and nothing here can see it.
 */

/** The record types of TLS. */
const HANDSHAKE = 22;
const ALERT = 21;
/** A handshake message's type: the server asks for a client certificate. */
const CERTIFICATE_REQUEST = 13;
/** The most of a handshake that is read: certificates chains are a few KiB. */
const LIMIT = 64 * 1024;

/**
 * Reads the server's side of a handshake, a chunk at a time, and tells whether it asked for a
 * client certificate in the clear (TLS 1.2). It keeps at most 64 KiB, and stops at the first
 * record that is not a plaintext handshake record.
 */
export class HandshakeReader {
  #bytes: Uint8Array = new Uint8Array(0);
  #messages: Uint8Array = new Uint8Array(0);
  #done = false;
  #asked = false;

  /** True once a CertificateRequest was seen. */
  get askedForCertificate(): boolean {
    return this.#asked;
  }

  /** Takes the next bytes the server sent. */
  push(chunk: Uint8Array): void {
    if (this.#done) return;
    if (this.#bytes.length + chunk.length > LIMIT) {
      this.#done = true;
      return;
    }
    this.#bytes = concat(this.#bytes, chunk);
    this.#records();
  }

  #records(): void {
    let at = 0;
    while (!this.#done && this.#bytes.length - at >= 5) {
      const type = this.#bytes[at];
      const length = (this.#bytes[at + 3] << 8) | this.#bytes[at + 4];
      if (this.#bytes.length - at - 5 < length) break;
      if (type !== HANDSHAKE) {
        this.#done = true;
        break;
      }
      this.#messages = concat(this.#messages, this.#bytes.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    }
    this.#bytes = this.#bytes.slice(at);
    this.#handshakeMessages();
  }

  #handshakeMessages(): void {
    let at = 0;
    while (this.#messages.length - at >= 4) {
      const type = this.#messages[at];
      const length = (this.#messages[at + 1] << 16) | (this.#messages[at + 2] << 8) |
        this.#messages[at + 3];
      if (this.#messages.length - at - 4 < length) break;
      if (type === CERTIFICATE_REQUEST) this.#asked = true;
      at += 4 + length;
    }
    this.#messages = this.#messages.slice(at);
  }
}

/** The alerts a server sends to refuse a client's certificate (RFC 5246, 7.2). */
export type CertificateAlert = "handshake_failure" | "bad_certificate";

const ALERT_CODES: Record<CertificateAlert, number> = {
  // RFC 5246 7.4.6: a server that requires a certificate and gets none answers handshake_failure.
  handshake_failure: 40,
  bad_certificate: 42,
};

/**
 * A fatal alert as a TLS 1.2 plaintext record, for a server to send before its ChangeCipherSpec
 * (once that is sent, alerts are encrypted and only the TLS library can send them).
 */
export function plaintextAlert(alert: CertificateAlert): Uint8Array {
  return Uint8Array.of(ALERT, 3, 3, 0, 2, 2, ALERT_CODES[alert]);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
