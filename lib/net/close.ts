/** Closing (or resetting) a connection or listener that may already be closed. */

/** Closes `resource`; closing one that is already closed is no error. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // already closed
  }
}

/** A connection that can be cut with a reset (RST) rather than closed (FIN): tcp_conn.ts. */
export interface Resettable {
  /** Cuts the connection with an RST: the peer's next read or write fails with a reset. */
  reset(): void;
}

/** True when `conn` can be reset. */
export function isResettable(conn: Deno.Conn): conn is Deno.Conn & Resettable {
  return typeof (conn as Partial<Resettable>).reset === "function";
}

/**
 * Cuts `conn` with a reset where it can be reset, else closes it (a FIN: the closest a
 * `Deno.Conn` allows, see tcp_conn.ts). Doing so twice, or on a closed connection, is no error.
 */
export function resetQuietly(conn: Deno.Conn): void {
  try {
    if (isResettable(conn)) conn.reset();
    else conn.close();
  } catch {
    // already closed
  }
}
