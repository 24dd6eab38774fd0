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
const APPLICATION_DATA = 23;
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

  /** The bytes held, of records and of messages not yet whole: never much over 64 KiB. */
  get held(): number {
    return this.#bytes.length + this.#messages.length;
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
      // The messages waiting for their end are bounded too: a server may declare a message of
      // 16 MiB, which would otherwise be gathered (and copied again) record by record.
      if (this.#messages.length + length > LIMIT) {
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

/**
 * Follows the records a peer sends, to tell at its end whether the last one was its close_notify
 * alert: under TLS 1.2 an alert record (type 21); under TLS 1.3, where every record after the
 * handshake looks like application data, a record of 19 bytes (a 2-byte alert, its content type
 * and a 16-byte AEAD tag). That much cannot tell a close_notify from a last record of two bytes
 * of data under TLS 1.3, nor from one the peer padded.
 */
export class RecordTail {
  #header = new Uint8Array(5);
  #headerUsed = 0;
  #bodyLeft = 0;
  #lastType = -1;
  #lastLength = -1;

  /** Takes the next bytes the peer sent. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#bodyLeft > 0) {
        const skip = Math.min(this.#bodyLeft, chunk.length - at);
        this.#bodyLeft -= skip;
        at += skip;
        continue;
      }
      this.#header[this.#headerUsed++] = chunk[at++];
      if (this.#headerUsed < 5) continue;
      this.#headerUsed = 0;
      this.#lastType = this.#header[0];
      this.#lastLength = (this.#header[3] << 8) | this.#header[4];
      this.#bodyLeft = this.#lastLength;
    }
  }

  /** Whether the peer's last whole record was (as far as its size tells) its close_notify. */
  get endedWithAlert(): boolean {
    if (this.#bodyLeft > 0 || this.#headerUsed > 0) return false;
    return this.#lastType === ALERT ||
      (this.#lastType === APPLICATION_DATA && this.#lastLength === 19);
  }
}
