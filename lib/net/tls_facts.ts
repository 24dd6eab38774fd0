/** A client's TLS session as the fields every command's JSON carries. */
import { tlsText } from "../errors.ts";
import { daysFrom, round } from "../format.ts";
import type { EventFields } from "../report.ts";
import type { TlsSession } from "./tls.ts";

/** A TLS session's facts for JSON, with the field names every command uses. */
export function tlsFields(session: TlsSession, now: Date = new Date()): EventFields {
  const cert = session.certificate;
  return {
    protocol: session.protocol,
    cipher: session.cipher,
    alpn: session.alpn,
    handshake_ms: round(session.handshakeMs),
    subject: cert?.subject ?? null,
    issuer: cert?.issuer ?? null,
    names: cert?.names ?? [],
    not_after: cert?.notAfter.toISOString() ?? null,
    days_left: cert ? daysFrom(cert.notAfter, now) : null,
    fingerprint: cert?.fingerprint ?? null,
    trust: session.trust,
    verified: session.failure === undefined,
    verify_error: session.failure ? tlsText(session.failure, now, false) : null,
  };
}
