/** One client connection a server is serving: its connection, peer, traffic and idle timer. */
import { TimeoutError } from "../errors.ts";
import type { IdleTimer } from "../io/idle.ts";
import { formatNetAddr } from "../net/address.ts";
import {
  connSink,
  connSource,
  type ReaderSourceOptions,
  tapSink,
  tapSource,
} from "../io/chunks.ts";
import type { End } from "../io/duplex.ts";
import { closeQuietly } from "../net/close.ts";
import { Traffic } from "../report.ts";

/**
 * One client connection being served, with its traffic. It is kept small: a server may hold
 * tens of thousands of them.
 */
export class Session extends Traffic {
  /** The client's connection. */
  readonly conn: Deno.Conn;
  /** The client's address, for messages: `127.0.0.1:51234`, `unix:(unnamed)`. */
  readonly peer: string;
  /** With `--idle-timeout`: touched by data either way; it closes the session. */
  idle: IdleTimer | undefined;
  /** Set by a mode whose session can be held up by others (a broadcast): then it is not idle. */
  busy: (() => boolean) | undefined;
  /** With `-x`: told of the bytes each way, for the hex dump. */
  tap: SessionTap | undefined;
  /** Told when we close the session (idle timeout, shutdown): a mode's own resources go too. */
  onClose: (() => void) | undefined;
  #closedByUs = false;

  /** A session over `conn`, named by its remote address. */
  constructor(conn: Deno.Conn) {
    super();
    this.conn = conn;
    this.peer = formatNetAddr(conn.remoteAddr);
  }

  /**
   * Closes the connection from our side (idle timeout, shutdown); pending reads then end. The
   * mode's `onClose` comes first: it may cut the connection its own way (forward resets it).
   */
  close(): void {
    this.#closedByUs = true;
    this.onClose?.();
    closeQuietly(this.conn);
  }

  /** True once {@linkcode close} was called: the failures that follow are ours, not the peer's. */
  get closedByUs(): boolean {
    return this.#closedByUs;
  }

  /**
   * The session is over: stops its idle timer and closes the connection. Returns the idle
   * timeout's error when that is what ended it.
   */
  end(): TimeoutError | undefined {
    this.idle?.stop();
    closeQuietly(this.conn);
    return this.idle?.fired ? new TimeoutError("idle", this.idle.timeoutMs, this.peer) : undefined;
  }

  /** Counts bytes received from the client, and takes them as activity. */
  countReceived(bytes: number): void {
    this.received += bytes;
    this.idle?.touch();
  }

  /** Counts bytes sent to the client, and takes them as activity. */
  countSent(bytes: number): void {
    this.sent += bytes;
    this.idle?.touch();
  }
}

/**
 * The session's connection as one end of a duplex: reads counted as received, writes (partial
 * ones too) as sent, both taken as activity. `options` bound its read buffer.
 */
export function sessionEnd(session: Session, options: ReaderSourceOptions = {}): End {
  const source = connSource(session.conn, options);
  const sink = connSink(session.conn, { onWritten: (n) => session.countSent(n) });
  const close = () => closeQuietly(session.conn);
  const { tap } = session;
  if (!tap) return { source, sink, close };
  return { source: tapSource(source, tap.received), sink: tapSink(sink, tap.sent), close };
}

/** What a session's bytes are shown to (`-x`): those sent to the client, and those received. */
export interface SessionTap {
  sent(chunk: Uint8Array): void;
  received(chunk: Uint8Array): void;
}
