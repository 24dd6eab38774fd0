/** After a server's last word: reading what the client still sends, for a bounded time. */
import { closeQuietly } from "../net/close.ts";

/** After a server's last word, how long to read what the client still sends before closing. */
export const DRAIN_MS = 2000;

/**
 * Connections that have said their last word and wait for the client to close, with their
 * deadlines. One sweep closes the overdue ones, instead of a timer per connection. Each server
 * owns one.
 */
export class Drain {
  #draining = new Map<Deno.Conn, number>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  #ms: number;

  /** Connections are closed `ms` after {@linkcode closeLater} unless cancelled first. */
  constructor(ms: number = DRAIN_MS) {
    this.#ms = ms;
  }

  /**
   * Closes `conn` once the drain time has passed, unless {@linkcode cancel} comes first: the
   * bound on reading a client's last bytes after the half-close (a pending read then ends).
   */
  closeLater(conn: Deno.Conn): void {
    this.#draining.set(conn, performance.now() + this.#ms);
    this.#sweep ??= setInterval(() => {
      const now = performance.now();
      for (const [conn, deadline] of this.#draining) {
        if (now < deadline) continue;
        this.#draining.delete(conn);
        closeQuietly(conn);
      }
      if (this.#draining.size === 0) this.#stop();
    }, this.#ms / 4);
  }

  /** The client closed in time (or the drain failed): `conn` is no longer the sweep's to close. */
  cancel(conn: Deno.Conn): void {
    this.#draining.delete(conn);
    if (this.#draining.size === 0) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}
