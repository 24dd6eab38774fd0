/**
 * TLS on a connection: the client's handshake with tcpkit's own trust decision (verified by
 * default, a pinned fingerprint, or --insecure), and a server's TLS listeners.
 *
 * The client side runs node:tls over the connection dial() made: it is the one TLS of Deno 2.9
 * that can skip verification per connection and show the peer's certificate (Deno.startTls
 * verifies without a way out and shows nothing). The server side is node:tls's server too, over
 * a plain listener's connections, so that a handshake that times out can be closed (see
 * {@linkcode listenTls}).
 */
import { isIP } from "node:net";
import tls from "node:tls";
import { TlsError, type TlsFailure } from "../errors.ts";
import { escapeText, firstLineSample } from "../io/escape.ts";
import type { CertificateFacts } from "./certs.ts";
import { pinMatches } from "./fingerprint.ts";
import {
  type CertificateAlert,
  HandshakeReader,
  plaintextAlert,
  RecordTail,
} from "../protocol/tls_records.ts";
import { trackNativeTlsEnd, trackTlsEnd } from "./tls_end.ts";
import { ReadGate, SocketConn, streamOverConn } from "./node_conn.ts";

/** How a client trusts (or checks) the server's certificate, and what it offers. */
export interface TlsClientOptions {
  /** The name to send (SNI) and verify, when it differs from the host dialled (`--sni`). */
  sni?: string;
  /** Roots to trust besides the default ones, PEM (`--ca`), whichever TLS makes the connection. */
  ca?: string[];
  /** Protocols to offer with ALPN, in order of preference (`--alpn`). */
  alpn?: string[];
  /** A client certificate and its key, PEM, for servers that ask for one (mutual TLS). */
  cert?: string;
  /** The key of {@linkcode TlsClientOptions.cert}. */
  key?: string;
  /** Accept any certificate (`--insecure`): the connection is encrypted but not authenticated. */
  insecure?: boolean;
  /** Accept exactly the certificate with this SHA-256 fingerprint (`--pin`, normalized). */
  pin?: string;
  /** Only look: make the connection whatever the certificate (check --tls reports it). */
  inspect?: boolean;
  /**
   * The caller shows the certificate (`-v`, `--json`): the handshake must be node:tls's, which
   * can read it. Without this, a plain verified connection takes Deno's own TLS, which moves
   * bulk data at about twice node:tls's speed but shows nothing of the certificate.
   */
  wantCertificate?: boolean;
  /** Give up on a handshake that takes longer than this. */
  timeoutMs?: number;
  /**
   * Makes a new plain connection to the same server. With `--ca`, node:tls trusts the `--ca`
   * CAs instead of the system's roots (Deno hands node:tls those only with --allow-sys): when it
   * finds the chain untrusted, Deno's TLS, which adds `--ca` to the system's roots, is asked on
   * this second connection, so that `--ca` adds on every path. Without it, node:tls's verdict
   * stands.
   */
  reconnect?: () => Promise<Deno.Conn>;
}

/** What a handshake settled: the protocol, and the server's certificate with the verdict on it. */
export interface TlsSession {
  /** `TLSv1.3`, `TLSv1.2`. */
  protocol: string | null;
  /** The cipher suite's standard name. */
  cipher: string | null;
  /** The protocol ALPN chose, or null. */
  alpn: string | null;
  /** The server's certificate, as it describes itself. */
  certificate: CertificateFacts | undefined;
  /**
   * Why the certificate would not be trusted, when it would not: with --insecure, --pin or
   * inspection, the connection was made anyway.
   */
  failure: TlsFailure | undefined;
  /** How the certificate was accepted: it verified, it matched --pin, or --insecure took it. */
  trust: "verified" | "pinned" | "insecure";
  /** How long the handshake took, in milliseconds. */
  handshakeMs: number;
}

/** A connection with TLS on it, and its session. */
export interface TlsConnection {
  /** The connection, with TLS on it. */
  conn: Deno.Conn;
  /** What the handshake settled. */
  session: TlsSession;
}

/** The TLS record types a server's first byte can be: anything else is not TLS. */
const TLS_RECORD_FIRST = new Set([0x14, 0x15, 0x16, 0x17]);

/**
 * Runs the client's TLS handshake over `conn` (a plain connection, new or after STARTTLS) and
 * decides whether to trust the server: its pin when one is given, else `--insecure`, else the
 * chain and the name (the `--sni` name, or `host`) must verify.
 *
 * @param host the host dialled: the name to verify (and to send as SNI, unless an address)
 * @param context the peer, for messages: `TLS with HOST:PORT`
 * @throws {TlsError} when the handshake fails or the certificate is not trusted (exit 5)
 */
export async function startTls(
  conn: Deno.Conn,
  host: string,
  context: string,
  options: TlsClientOptions = {},
): Promise<TlsConnection> {
  const expectedName = options.sni ?? host;
  if (nativeWill(conn, options)) return await nativeStartTls(conn, expectedName, context, options);
  // The certificate library: node:tls asks it whether the certificate is for the name.
  const certs = await import("./certs.ts");
  let first: Uint8Array | undefined;
  // The server's handshake, as far as it is in the clear: did it ask for a client certificate?
  const records = new HandshakeReader();
  // The server's records to its end: was the last one its close_notify?
  const tail = new RecordTail();
  const gate = new ReadGate();
  const stream = streamOverConn(conn, {
    onBytes: (chunk) => {
      first ??= chunk.slice(0, 64);
      records.push(chunk);
      tail.push(chunk);
    },
    gate,
  });
  const started = performance.now();
  const socket = tls.connect({
    socket: stream,
    // node:tls checks the name against `host` (with a socket given and no host: "localhost").
    host: expectedName,
    servername: isIP(expectedName) ? undefined : expectedName,
    // --ca adds to the default roots, as Deno's own TLS does with them (one meaning, -v or not).
    ca: options.ca === undefined ? undefined : [...defaultRoots(), ...options.ca],
    ALPNProtocols: options.alpn,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: false,
    allowHalfOpen: true,
    checkServerIdentity: certs.checkIdentity,
  } as tls.ConnectionOptions);
  // Heard from the socket's making to its destruction: node:tls may emit 'error' after the
  // handshake has failed (a server that hangs up: first 'end', then an 'error'), and an 'error'
  // that nobody hears ends the process.
  socket.on("error", ignore);
  try {
    await handshake(socket, options.timeoutMs);
  } catch (e) {
    socket.destroy();
    const client = { asked: records.askedForCertificate, offered: options.cert !== undefined };
    throw new TlsError(handshakeFailure(e, first, options.timeoutMs, client), context, {
      cause: e,
    });
  }
  const handshakeMs = performance.now() - started;
  const judged = peerCertificate(socket, expectedName, certs);
  const { certificate, fingerprint } = judged;
  const failure = judged.failure;
  if (failure && options.pin === undefined && secondOpinionHelps(failure, options)) {
    // Deno's TLS is asked on a connection of its own, made once this one is closed (a server
    // may serve one client at a time); if it trusts the chain, its connection is the one used.
    const cipher = socket.getCipher();
    const protocol = socket.getProtocol() ?? null;
    socket.destroy();
    const native = await systemRootsTrust(expectedName, options);
    if (!native && !options.inspect) throw new TlsError(failure, context);
    if (!native) {
      // Inspection goes on with the certificate untrusted, over a connection made again.
      let again: Deno.Conn;
      try {
        again = await options.reconnect!();
      } catch {
        throw new TlsError(failure, context);
      }
      return await startTls(again, host, context, { ...options, reconnect: undefined });
    }
    return {
      conn: native.conn,
      session: {
        ...native.session,
        protocol,
        cipher: cipher?.standardName ?? cipher?.name ?? null,
        certificate,
        handshakeMs: performance.now() - started,
      },
    };
  }
  let trust: TlsSession["trust"] = "verified";
  if (options.pin !== undefined) {
    if (!pinMatches(options.pin, fingerprint)) {
      socket.destroy();
      throw new TlsError({ kind: "pin-mismatch", pinned: options.pin, fingerprint }, context);
    }
    trust = "pinned";
  } else if (failure) {
    if (!options.insecure && !options.inspect) {
      socket.destroy();
      throw new TlsError(failure, context);
    }
    trust = "insecure";
  }
  const cipher = socket.getCipher();
  const secured = new SocketConn(socket, conn, gate);
  let ended = false;
  socket.once("end", () => ended = true);
  trackTlsEnd(secured, () => ended ? tail.endedWithAlert : undefined);
  return {
    conn: secured,
    session: {
      protocol: socket.getProtocol() ?? null,
      cipher: cipher?.standardName ?? cipher?.name ?? null,
      alpn: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null,
      certificate,
      failure,
      trust,
      handshakeMs,
    },
  };
}

/**
 * The server's certificate, the verdict on it and its fingerprint. Whatever the certificate
 * holds, this does not throw: one that cannot be read is a failure in words, and still has its
 * fingerprint (a --pin may accept it).
 */
function peerCertificate(
  socket: tls.TLSSocket,
  expectedName: string,
  certs: typeof import("./certs.ts"),
): { certificate?: CertificateFacts; failure?: TlsFailure; fingerprint: string } {
  let raw: Uint8Array | undefined;
  try {
    const peer = socket.getPeerCertificate(true);
    raw = peer?.raw ? new Uint8Array(peer.raw) : undefined;
  } catch {
    // node:tls could not describe it: nothing to read
  }
  if (!raw) {
    return {
      failure: { kind: "handshake", detail: "the server sent no certificate" },
      fingerprint: "none",
    };
  }
  const fingerprint = certs.fingerprintOf(raw);
  try {
    const certificate = certs.certificateFacts(raw);
    const failure = certs.verificationFailure({
      authorized: socket.authorized,
      authorizationError: socket.authorizationError?.toString(),
      facts: certificate,
      expectedName,
    });
    return { certificate, failure, fingerprint };
  } catch (e) {
    const why = escapeText(e instanceof Error ? e.message : String(e));
    return {
      failure: { kind: "unreadable", detail: why, fingerprint },
      fingerprint,
    };
  }
}

/** The failures that say only that no trusted root vouched for the chain. */
const CHAIN_FAILURES = new Set<TlsFailure["kind"]>(["unknown-issuer", "self-signed", "untrusted"]);

/**
 * Whether Deno's TLS may trust a chain node:tls found untrusted: `--ca` is given (node:tls then
 * trusted its CAs instead of the system's roots, where Deno's TLS adds them), the failure is the
 * chain's (expiry and name fail either way), and a second connection can be made.
 */
function secondOpinionHelps(failure: TlsFailure, options: TlsClientOptions): boolean {
  // Deno.startTls offers no client certificate: with --cert, node:tls's verdict stands.
  // With --insecure, any certificate is taken anyway.
  return options.ca !== undefined && options.reconnect !== undefined && !options.insecure &&
    options.cert === undefined && CHAIN_FAILURES.has(failure.kind) && !defaultRootsKnown();
}

/**
 * Deno's TLS on a new connection (see {@linkcode TlsClientOptions.reconnect}), verifying the
 * chain and name against the system's roots and the `--ca` ones: the connection when they
 * verify, else undefined.
 */
async function systemRootsTrust(
  expectedName: string,
  options: TlsClientOptions,
): Promise<TlsConnection | undefined> {
  let conn: Deno.Conn;
  try {
    conn = await options.reconnect!();
  } catch {
    return undefined;
  }
  if (!("setNoDelay" in conn)) {
    conn.close();
    return undefined;
  }
  try {
    return await nativeStartTls(conn, expectedName, "", {
      ca: options.ca,
      alpn: options.alpn,
      timeoutMs: options.timeoutMs,
    });
  } catch {
    return undefined;
  }
}

/**
 * Whether Deno's own TLS can make this connection: the certificate is only to be verified (no
 * pin, no --insecure, no inspection, nothing shown), no client certificate is offered, and the
 * connection is one of Deno's TCP connections.
 */
function nativeWill(conn: Deno.Conn, options: TlsClientOptions): boolean {
  return !options.insecure && options.pin === undefined && !options.inspect &&
    !options.wantCertificate && options.cert === undefined && "setNoDelay" in conn;
}

/**
 * Deno's TLS failed a handshake: it says too little to tell why (no certificate, a message for
 * people), so the caller may ask node:tls on a new connection (see lib/net/dial.ts).
 */
export class NativeTlsFailure extends Error {
  /** The error's class name, as it prints. */
  override name = "NativeTlsFailure";
  /** Deno's words, for when no better reason can be found. */
  readonly detail: string;

  /** `cause` is Deno's error. */
  constructor(cause: unknown) {
    const text = (cause instanceof Error ? cause.message : String(cause))
      .replace(/\s*\(os error \d+\)$/, "");
    super(text, { cause });
    // Deno's words for a server that hung up ("unexpected end of file") or reset mid-handshake.
    this.detail =
      cause instanceof Deno.errors.UnexpectedEof || /^unexpected end of file$/i.test(text)
        ? "the server closed the connection during the handshake"
        : cause instanceof Deno.errors.ConnectionReset
        ? "the server reset the connection during the handshake"
        : text;
  }
}

/**
 * The handshake with Deno's TLS (`Deno.startTls`): the chain and the name verified against the
 * system's roots and the `--ca` ones (which it adds to them).
 */
async function nativeStartTls(
  conn: Deno.Conn,
  expectedName: string,
  context: string,
  options: TlsClientOptions,
): Promise<TlsConnection> {
  const started = performance.now();
  let secured: Deno.TlsConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    secured = await Deno.startTls(conn as Deno.TcpConn, {
      hostname: expectedName,
      caCerts: options.ca,
      alpnProtocols: options.alpn,
    });
    const handshake = secured.handshake();
    const { alpnProtocol } = options.timeoutMs === undefined
      ? await handshake
      : await Promise.race([
        handshake,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HandshakeTimeout()), options.timeoutMs);
        }),
      ]);
    trackNativeTlsEnd(secured);
    return {
      conn: secured,
      session: {
        protocol: null,
        cipher: null,
        alpn: alpnProtocol,
        certificate: undefined,
        failure: undefined,
        trust: "verified",
        handshakeMs: performance.now() - started,
      },
    };
  } catch (e) {
    try {
      (secured ?? conn).close();
    } catch {
      // closed already
    }
    if (e instanceof HandshakeTimeout) {
      throw new TlsError({ kind: "timeout", ms: options.timeoutMs! }, context, { cause: e });
    }
    throw new NativeTlsFailure(e);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the handshake is done; rejects with its error, or on the timeout. */
function handshake(socket: tls.TLSSocket, timeoutMs: number | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = timeoutMs === undefined
      ? undefined
      : setTimeout(() => reject(new HandshakeTimeout()), timeoutMs);
    const settle = (error?: unknown) => {
      clearTimeout(timer);
      socket.off("secureConnect", onSecure).off("error", onError).off("end", onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onSecure = () => settle();
    const onError = (e: unknown) => settle(e);
    const onEnd = () => settle(new HandshakeClosed());
    socket.on("secureConnect", onSecure).on("error", onError).on("end", onEnd);
  });
}

class HandshakeTimeout extends Error {
  override name = "HandshakeTimeout";
}

/** The peer closed the connection before the handshake was over. */
class HandshakeClosed extends Error {
  override name = "HandshakeClosed";
}

/**
 * The roots a client trusts by default (the same Mozilla set as Deno's own TLS), for `--ca` to add
 * to. Deno hands them out only with `--allow-sys=ca`; without it (a build run with other flags),
 * `--ca` replaces them on this path, as before.
 */
function defaultRoots(): readonly string[] {
  try {
    return [...tls.rootCertificates];
  } catch {
    return [];
  }
}

/** Whether node:tls was given the default roots with --ca (Deno hands them out with sys access). */
function defaultRootsKnown(): boolean {
  return defaultRoots().length > 0;
}

/** A listener that keeps an event from being unheard (its news comes another way). */
function ignore(): void {}

/**
 * The peer hung up during the handshake: its end of the stream, or node:tls's words for it
 * (ECONNRESET "Client network socket disconnected before secure TLS connection was established").
 */
function closedDuringHandshake(e: unknown): boolean {
  if (e instanceof HandshakeClosed) return true;
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return code === "ECONNRESET" && typeof message === "string" &&
    message.includes("disconnected before secure TLS connection");
}

/** The peer reset the connection during the handshake. */
function resetDuringHandshake(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return e instanceof Deno.errors.ConnectionReset ||
    (code === "ECONNRESET" && !closedDuringHandshake(e));
}

/**
 * What a failed handshake means, from what failed and the server's first bytes. A server that
 * asked for a client certificate (seen in the clear under TLS 1.2) and then refused the
 * handshake, by an alert or by hanging up, is named for it: the certificate is the likely cause.
 */
function handshakeFailure(
  e: unknown,
  first: Uint8Array | undefined,
  timeoutMs: number | undefined,
  client: { asked: boolean; offered: boolean },
): TlsFailure {
  if (first && first.length > 0 && !TLS_RECORD_FIRST.has(first[0])) {
    return { kind: "not-tls", sample: firstLineSample(first) };
  }
  if (e instanceof HandshakeTimeout) return { kind: "timeout", ms: timeoutMs! };
  const why = client.asked ? certificateWords(e, client.offered) : undefined;
  if (why) return { kind: "handshake", detail: why, clientCertificate: true };
  if (closedDuringHandshake(e)) {
    return { kind: "handshake", detail: "the server closed the connection during the handshake" };
  }
  if (resetDuringHandshake(e)) {
    return { kind: "handshake", detail: "the server reset the connection during the handshake" };
  }
  const text = e instanceof Error ? e.message : String(e);
  const detail = text.replace(/\s*\(os error \d+\)$/, "");
  return { kind: "handshake", detail: detail.charAt(0).toLowerCase() + detail.slice(1) };
}

/**
 * The words for a handshake refused after the server asked for a client certificate: its alert
 * (handshake_failure, bad_certificate and their kin), or its hanging up, which leaves a guess.
 */
function certificateWords(e: unknown, offered: boolean): string | undefined {
  const code = (e as { code?: unknown })?.code;
  const said = `${typeof code === "string" ? code : ""} ${e instanceof Error ? e.message : ""}`;
  const alert =
    /ALERT_(HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED)|alert: ?(HandshakeFailure|BadCertificate|UnknownCA|CertificateUnknown|CertificateRequired)/i
      .test(said);
  if (alert) {
    return offered
      ? "the server did not accept our client certificate"
      : "the server requires a client certificate (--cert FILE --key FILE)";
  }
  if (closedDuringHandshake(e) || resetDuringHandshake(e)) {
    const how = closedDuringHandshake(e) ? "closed" : "reset";
    return `the server ${how} the connection during the handshake: ` +
      (offered
        ? "it may not accept our client certificate"
        : "it may require a client certificate (--cert FILE --key FILE)");
  }
  return undefined;
}

/** A server's certificate and what it asks of clients. */
export interface TlsServerOptions {
  /** The certificate chain, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
  /** Require client certificates issued by these CAs, PEM (mutual TLS, `--client-ca`). */
  clientCa?: string[];
  /** Protocols to accept with ALPN. */
  alpn?: string[];
}

/**
 * A TLS listener for an address, and the handshake of each connection it accepts: a plain
 * listener whose connections each get node:tls's server handshake (asking for a client
 * certificate with `clientCa`), bounded in time.
 *
 * Not Deno.listenTls, though it moves bulk data faster: a connection it accepted cannot be closed
 * before its handshake is over (its close waits for the handshake, without a bound), so a client
 * that connects and says nothing would hold a descriptor for as long as it likes, and enough of
 * them would lock every other client out. Over a plain connection, tcpkit closes what times out.
 */
export function listenTls(
  hostname: string,
  port: number,
  options: TlsServerOptions,
): {
  listener: Deno.Listener;
  handshake: (conn: Deno.Conn, context: string, timeoutMs: number) => Promise<Deno.Conn>;
} {
  const asking = options.clientCa !== undefined;
  const serverOptions: tls.TlsOptions = {
    cert: options.cert,
    key: options.key,
    ca: options.clientCa,
    requestCert: asking,
    rejectUnauthorized: asking,
    ALPNProtocols: options.alpn,
    allowHalfOpen: true,
    // Asking for a client certificate, TLS 1.2 at most: under TLS 1.3 the client's handshake is
    // over before the server reads its certificate, so a client refused there takes its
    // handshake as a success (and may send into a closed connection), and node:tls over a
    // stream sends no alert. Under TLS 1.2 the server's Finished comes after the client's
    // certificate, and the refusal is an alert that tcpkit writes in the clear (see below).
    maxVersion: asking ? "TLSv1.2" : undefined,
  };
  return {
    listener: Deno.listen({ hostname, port, transport: "tcp" }),
    handshake: (conn, context, timeoutMs) =>
      serverHandshake(conn, context, timeoutMs, serverOptions),
  };
}

/**
 * node:tls's server handshake over an accepted connection, within `timeoutMs` (a client that
 * says nothing, or does not speak TLS, fails here and its connection is closed). node:tls
 * verifies a client certificate against the client CAs only as a server's (tls.Server), so each
 * connection is handed to a server object of its own. Its data then flows as a `Deno.Conn`.
 */
function serverHandshake(
  conn: Deno.Conn,
  context: string,
  timeoutMs: number,
  options: tls.TlsOptions,
): Promise<Deno.Conn> {
  return new Promise((resolve, reject) => {
    const gate = new ReadGate();
    // node:tls destroys the stream before it says why the handshake failed: until then, the
    // connection's close waits, so that a refused client can still be sent its alert.
    let settled = false;
    let verdict: (() => void) | undefined;
    const lastWords = new Promise<void>((resolve) => verdict = resolve);
    const holdClose = () => settled ? undefined : bounded(lastWords, ALERT_WRITE_MS);
    const stream = streamOverConn(conn, { gate, holdClose });
    const timer = setTimeout(() => fail(new HandshakeTimeout()), timeoutMs);
    const fail = (e: unknown) => {
      clearTimeout(timer);
      clearTimeout(ended);
      settled = true;
      const alert = options.requestCert ? certificateAlert(e) : undefined;
      if (alert) bounded(conn.write(plaintextAlert(alert)), ALERT_WRITE_MS).finally(verdict);
      else verdict!();
      stream.destroy();
      reject(new TlsError(serverFailure(e, timeoutMs), context, { cause: e }));
    };
    const server = tls.createServer(options, (socket) => {
      clearTimeout(timer);
      clearTimeout(ended);
      settled = true;
      verdict!();
      resolve(new SocketConn(socket, conn, gate));
    });
    server.on("tlsClientError", fail);
    // A client that hangs up (FIN) mid-handshake is not noticed by node:tls, which would hold the
    // connection to the timeout: once the stream has ended, the handshake has a moment to finish
    // (a client may half-close after its last flight), then it has failed.
    let ended: ReturnType<typeof setTimeout> | undefined;
    stream.once("end", () => {
      ended = setTimeout(() => settled || fail(new HandshakeClosed()), ALERT_WRITE_MS);
    });
    server.emit("connection", stream);
  });
}

/**
 * The alert that refuses a client's certificate, for a failure that is one: none was sent
 * (node:tls's code for it), or node:tls gave up on the one sent (Deno's node:tls calls that a
 * reset, as it calls a client that hangs up: the alert then goes nowhere).
 */
function certificateAlert(e: unknown): CertificateAlert | undefined {
  const code = (e as { code?: string })?.code;
  return code === "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"
    ? "handshake_failure"
    : code === "ECONNRESET"
    ? "bad_certificate"
    : undefined;
}

/**
 * How long a refused client has to take its alert before its connection is closed anyway (node:tls
 * over a stream does not send it: under TLS 1.2, which a server asking for certificates keeps to,
 * the server's records are still in the clear when the client's certificate is judged, so tcpkit
 * writes the alert itself).
 */
const ALERT_WRITE_MS = 1000;

/** Settles when `promise` does, or after `ms`, never rejecting. */
function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(ignore, ignore),
    new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
  ]).finally(() => clearTimeout(timer));
}

/** What a failed server handshake means, in the words of a TlsFailure. */
function serverFailure(e: unknown, timeoutMs: number): TlsFailure {
  if (e instanceof HandshakeTimeout) return { kind: "timeout", ms: timeoutMs };
  if (e instanceof HandshakeClosed) {
    return { kind: "handshake", detail: "the client closed the connection during the handshake" };
  }
  const code = (e as { code?: string })?.code;
  if (code === "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE") {
    return {
      kind: "handshake",
      detail: "the client sent no certificate (--client-ca requires one)",
    };
  }
  if (code === "ECONNRESET") {
    return {
      kind: "handshake",
      detail: "the client's certificate was not accepted, or it broke off the handshake",
    };
  }
  const text = (e instanceof Error ? e.message : String(e)).replace(/^.*?: /, "");
  return { kind: "handshake", detail: text.replace(/\s*\(os error \d+\)$/, "") };
}
