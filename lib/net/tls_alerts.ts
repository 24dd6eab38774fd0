/** TLS failures after the handshake (alerts, bad records), from node:tls or Deno's TLS, in words. */
import { TlsError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";

/**
 * A TLS failure after the handshake (an alert, a record that does not decrypt), from node:tls
 * (an `ERR_SSL_…` code) or Deno's TLS (`InvalidData`), as a {@linkcode TlsError} in words;
 * undefined for other errors. Under TLS 1.3, a server that wants a client certificate and gets
 * none (or refuses it) says so only after the client's handshake is over.
 *
 * @param context the peer, for messages: `TLS with HOST:PORT`
 */
export function tlsStreamError(e: unknown, context: string): TlsError | undefined {
  const code = (e as { code?: unknown })?.code;
  const node = typeof code === "string" && code.startsWith("ERR_SSL_");
  if (!node && !(e instanceof Deno.errors.InvalidData)) return undefined;
  const text = (e instanceof Error ? e.message : String(code)).replace(/\s*\(os error \d+\)$/, "");
  // Deno's node:tls gives most failures one code (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, also for
  // a record that does not decrypt): its message is what tells them apart.
  const said = `${node ? code : ""} ${text}`;
  const detail = /TLSV13_ALERT_CERTIFICATE_REQUIRED|alert: (CertificateRequired|HandshakeFailure)/
      .test(said)
    ? "the server requires a client certificate (--cert FILE --key FILE) or refused ours"
    : /ALERT_UNKNOWN_CA|ALERT_BAD_CERTIFICATE|alert: (UnknownCA|BadCertificate|CertificateUnknown)/
        .test(said)
    ? "the server did not accept our client certificate"
    : escapeText(text);
  return new TlsError({ kind: "after-handshake", detail }, context, { cause: e });
}
