/** TLS as the command line asks for it: files read, a certificate generated, sessions reported. */
import type { TlsClientArgs, TlsServerArgs } from "../cli/args.ts";
import type { ListenEndpoint } from "../net/endpoint.ts";
import { tlsText } from "../errors.ts";
import { expiryText, formatDuration } from "../format.ts";
import type { TlsClientOptions, TlsServerOptions, TlsSession } from "../net/tls.ts";
import { tlsFields } from "../net/tls_facts.ts";
import type { Reporter } from "../report.ts";

/** The client's TLS options, with the files it names read. */
export async function clientTlsOptions(
  args: TlsClientArgs,
  timeoutMs?: number,
): Promise<TlsClientOptions> {
  const { loadPem } = await import("../net/certs.ts");
  return {
    sni: args.sni,
    ca: args.caFiles.length > 0
      ? await Promise.all(args.caFiles.map((file) => loadPem(file, "--ca")))
      : undefined,
    alpn: args.alpn.length > 0 ? args.alpn : undefined,
    cert: args.certFile === undefined ? undefined : await loadPem(args.certFile, "--cert"),
    key: args.keyFile === undefined ? undefined : await loadPem(args.keyFile, "--key"),
    insecure: args.insecure,
    pin: args.pin,
    timeoutMs,
  };
}

/**
 * The server's TLS options: its certificate from files, or one generated in memory (nothing is
 * written to disk) and announced with its fingerprint and a client command line that pins it.
 */
export async function serverTlsOptions(
  args: TlsServerArgs,
  reporter: Reporter,
  names: string[],
): Promise<{ options: TlsServerOptions; announce?: (address: string) => void }> {
  // The certificate library is loaded only by the commands that use TLS.
  const { generateCertificate, loadPem } = await import("../net/certs.ts");
  const clientCa = args.clientCaFiles.length > 0
    ? await Promise.all(args.clientCaFiles.map((file) => loadPem(file, "--client-ca")))
    : undefined;
  if (args.certFile !== undefined && args.keyFile !== undefined) {
    return {
      options: {
        cert: await loadPem(args.certFile, "--cert"),
        key: await loadPem(args.keyFile, "--key"),
        clientCa,
      },
    };
  }
  const generated = await generateCertificate({ names });
  const announce = (address: string) => {
    const client = `tcpkit connect --tls --pin ${generated.fingerprint} ${address}`;
    reporter.event(
      "certificate",
      {
        generated: true,
        fingerprint: generated.fingerprint,
        not_after: generated.notAfter.toISOString(),
        connect: client,
      },
      `TLS certificate generated in memory, valid until ${
        generated.notAfter.toISOString().slice(0, 10)
      }, SHA-256 ${generated.fingerprint}; clients can verify it with: ${client}`,
      true,
    );
  };
  return { options: { cert: generated.cert, key: generated.key, clientCa }, announce };
}

/** The names a generated certificate is for, besides localhost: the host listened on, if any. */
export function certificateNames(listen: ListenEndpoint): string[] {
  return listen.kind === "tcp" && listen.hostname !== undefined &&
      !["::", "0.0.0.0"].includes(listen.hostname)
    ? [listen.hostname]
    : [];
}

/** The address a client would paste: the one listened on, or localhost for every interface. */
export function clientAddress(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return address.startsWith("[::]") || address.startsWith("0.0.0.0:")
    ? `localhost:${port}`
    : address;
}

/**
 * Reports a client's TLS session: its facts with -v (or `always`), and always a warning when the
 * certificate was taken without being verified (--insecure).
 */
export function reportTlsSession(
  reporter: Reporter,
  peer: string,
  session: TlsSession,
  always = false,
): void {
  if (session.trust === "insecure") {
    reporter.event(
      "warning",
      { peer, message: "certificate not verified (--insecure)" },
      `warning: --insecure: the certificate of ${peer} is not verified` +
        (session.failure ? ` (${tlsText(session.failure, new Date(), false)})` : "") +
        "; the connection is encrypted but not authenticated",
      true,
    );
  }
  if (!reporter.shows(always)) return;
  const cert = session.certificate;
  const how = session.trust === "pinned"
    ? "pinned"
    : session.trust === "verified"
    ? "verified"
    : "not verified";
  reporter.event(
    "tls",
    { peer, ...tlsFields(session) },
    `${session.protocol ?? "TLS"} with ${peer} in ${formatDuration(session.handshakeMs)}, ${
      session.cipher ?? "unknown cipher"
    }${session.alpn ? `, ALPN ${session.alpn}` : ""}; certificate ${
      cert
        ? `"${cert.subject}" issued by "${cert.issuer}", ${
          expiryText(cert.notAfter)
        }, SHA-256 ${cert.fingerprint}`
        : "none"
    } (${how})`,
    always,
  );
}
