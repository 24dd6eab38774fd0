/**
 * UDP's sessions: UDP has no connections, so a session is a peer address heard from within the
 * idle time. The registry keys them by address, ends each after its idle time (one lazy timer a
 * session, never re-armed per datagram), and bounds how many there are.
 */
import { IdleTimer } from "../io/idle.ts";

/** Why a session ended. */
export type UdpSessionEnd = "idle" | "stopped";

/** Options for {@linkcode UdpSessions}. */
export interface UdpSessionsOptions<S> {
  /** A session with no datagram either way for this long ends. */
  idleTimeoutMs: number;
  /** The most sessions at once (`--max-conns`). */
  maxSessions: number;
  /** Told of each session's end, once. */
  onEnd: (key: string, session: S, why: UdpSessionEnd) => void;
}

interface Entry<S> {
  session: S;
  idle: IdleTimer;
}

/** The sessions of a UDP server, by peer address. */
export class UdpSessions<S> {
  readonly #entries = new Map<string, Entry<S>>();
  readonly #options: UdpSessionsOptions<S>;
  #emptied: (() => void) | undefined;

  /** An empty registry. */
  constructor(options: UdpSessionsOptions<S>) {
    this.#options = options;
  }

  /** The number of sessions. */
  get size(): number {
    return this.#entries.size;
  }

  /** The session of `key`, its idle time started again; undefined when there is none. */
  touch(key: string): S | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    entry.idle.touch();
    return entry.session;
  }

  /** Whether another session fits. */
  get full(): boolean {
    return this.#entries.size >= this.#options.maxSessions;
  }

  /** Adds a session (the caller checked {@linkcode full}). */
  add(key: string, session: S): void {
    const idle = new IdleTimer(this.#options.idleTimeoutMs, () => this.end(key, "idle"));
    this.#entries.set(key, { session, idle });
  }

  /** Every session, for stdin's datagrams. */
  *sessions(): IterableIterator<[string, S]> {
    for (const [key, entry] of this.#entries) yield [key, entry.session];
  }

  /** Ends the session of `key`, if any. */
  end(key: string, why: UdpSessionEnd): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.idle.stop();
    this.#entries.delete(key);
    this.#options.onEnd(key, entry.session, why);
    if (this.#entries.size === 0) this.#emptied?.();
  }

  /** Ends every session. */
  endAll(why: UdpSessionEnd): void {
    for (const key of [...this.#entries.keys()]) this.end(key, why);
  }

  /** Resolves once there is no session (at once when there is none). */
  emptied(): Promise<void> {
    if (this.#entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.#emptied;
      this.#emptied = () => {
        before?.();
        resolve();
      };
    });
  }
}
