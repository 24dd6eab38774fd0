/** Closing a connection or listener that may already be closed. */

/** Closes `resource`; closing one that is already closed is no error. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // already closed
  }
}

/** After a server's last word, how long to read what the client still sends before closing. */
export const DRAIN_MS = 2000;

/**
 * Connections that have said their last word and wait for the client to close, with their
 * deadlines. One sweep closes the overdue ones, instead of a timer per connection.
 */
const draining = new Map<Deno.Conn, number>();
let sweep: ReturnType<typeof setInterval> | undefined;

/**
 * Closes `conn` once {@linkcode DRAIN_MS} have passed, unless {@linkcode cancelClose} comes first:
 * the bound on reading a client's last bytes after the half-close (a pending read then ends).
 */
export function closeAfterDrain(conn: Deno.Conn): void {
  draining.set(conn, performance.now() + DRAIN_MS);
  sweep ??= setInterval(() => {
    const now = performance.now();
    for (const [conn, deadline] of draining) {
      if (now < deadline) continue;
      draining.delete(conn);
      closeQuietly(conn);
    }
    if (draining.size === 0) {
      clearInterval(sweep);
      sweep = undefined;
    }
  }, DRAIN_MS / 4);
}

/** The client closed in time (or the drain failed): `conn` is no longer the sweep's to close. */
export function cancelClose(conn: Deno.Conn): void {
  draining.delete(conn);
}
