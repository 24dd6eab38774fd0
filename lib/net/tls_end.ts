/**
 * How a TLS connection's peer ended its data: with its close_notify alert (the data is whole), or
 * by closing the connection under TLS without it (the data may have been cut short by anyone on
 * the path). Deno's TLS says the latter as an error on read (UnexpectedEof), which the reading
 * takes as an end, as node:tls and most tools do (many servers close so); node:tls says nothing,
 * and tcpkit reads the peer's records (see lib/protocol/tls_records.ts).
 */

const ends = new WeakMap<Deno.Conn, () => boolean | undefined>();

/**
 * Whether the peer of a TLS connection sent close_notify before its end: true, false, or
 * undefined when the connection is not TLS or its peer has not ended its data.
 */
export function closeNotifyOf(conn: Deno.Conn): boolean | undefined {
  return ends.get(conn)?.();
}

/** Makes {@linkcode closeNotifyOf} answer for `conn` with `state`. */
export function trackTlsEnd(conn: Deno.Conn, state: () => boolean | undefined): void {
  ends.set(conn, state);
}

/**
 * Follows the reads of Deno's TLS connection: a null read is the peer's close_notify; rustls's
 * UnexpectedEof is an end without it. Its reads are wrapped where they are: the connection stays
 * the Deno.TlsConn it is.
 */
export function trackNativeTlsEnd(conn: Deno.TlsConn): void {
  let notified: boolean | undefined;
  const read = conn.read.bind(conn);
  conn.read = (buffer: Uint8Array) =>
    read(buffer).then((n) => {
      if (n === null) notified ??= true;
      return n;
    }, (e) => {
      if (e instanceof Deno.errors.UnexpectedEof) notified ??= false;
      throw e;
    });
  trackTlsEnd(conn, () => notified);
}
