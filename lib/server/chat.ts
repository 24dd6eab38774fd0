/**
 * serve --chat: a chat room, as `ncat --chat`. Each client's lines go to every other client (and
 * to stdout, the transcript), whole, after the sender's address, with what a terminal would act
 * on escaped; joins and leaves are announced. Stdin is not read: the server only relays.
 */
import { formatBytes } from "../format.ts";
import type { ChunkSink } from "../io/chunks.ts";
import { labelLines } from "../io/label.ts";
import { pump, PumpError } from "../io/pump.ts";
import { isClosedLocally, toNetError } from "../net/errors.ts";
import { type Handler, handlerOf, type SessionSummary } from "./server.ts";
import { type Session, sessionEnd } from "./session.ts";

/** What a client that does not read may have waiting for it before it is closed. */
export const CHAT_BACKLOG = 1024 * 1024;

/** Options for {@linkcode chatHandler}. */
export interface ChatOptions {
  /** Stdout: the transcript, each line after its sender's address. */
  output: ChunkSink;
  /** The most bytes waiting for one client; {@linkcode CHAT_BACKLOG} by default. */
  backlog?: number;
  /** How long a client may take nothing before senders stop waiting for it. Default 2000. */
  stallMs?: number;
}

const encoder = new TextEncoder();

/**
 * One client in the room: what is waiting to be sent to it, written in order by one loop.
 * Senders wait while a member has more than a quarter of the backlog waiting (the room goes at
 * the pace of its slowest reader), unless that member has taken nothing for the stall time:
 * then it is passed by, and once the full backlog waits for it, it is closed, so that a client
 * that does not read holds neither memory nor the others back.
 */
class Member {
  readonly session: Session;
  #sink: ChunkSink;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #backlog: number;
  #stallMs: number;
  /** Senders waiting for this member's backlog to go down. */
  #waiters: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** It took nothing for the stall time: senders no longer wait for it. */
  #stalled = false;
  /** Why it was closed by the room: a failed write. */
  failure: unknown;
  /** It was closed for not reading. */
  overflowed = false;
  gone = false;

  constructor(session: Session, sink: ChunkSink, backlog: number, stallMs: number) {
    this.session = session;
    this.#sink = sink;
    this.#backlog = backlog;
    this.#stallMs = stallMs;
  }

  send(bytes: Uint8Array): void {
    if (this.gone) return;
    // Only a member that was passed by is closed for its backlog: one read of empty lines,
    // labelled, is more than the backlog at once, and a member that reads it is no stuck one.
    if (this.#stalled && this.#queued + bytes.length > this.#backlog) {
      this.overflowed = true;
      return this.#drop();
    }
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    // What nobody waits on (joins and leaves) also starts the clock of a member that is behind.
    if (this.#queued > this.#backlog / 4) this.#watch();
    if (!this.#writing) this.#drain();
  }

  /** Resolves when a sender may go on: this member's backlog is low, it stalled, or it left. */
  room(): Promise<void> | undefined {
    if (this.gone || this.#stalled || this.#queued <= this.#backlog / 4) return undefined;
    this.#watch();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Starts the stall time, unless it runs already: taking nothing until it ends is stalling. */
  #watch(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#stalled = true;
      this.#release();
    }, this.#stallMs);
  }

  #release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.gone) {
        const chunk = this.#queue.shift()!;
        await this.#sink.write(chunk);
        this.#queued -= chunk.length;
        this.#stalled = false;
        if (this.#queued <= this.#backlog / 4) this.#release();
      }
    } catch (e) {
      if (!this.gone) {
        this.failure = e;
        this.#drop();
      }
    } finally {
      this.#writing = false;
    }
  }

  /** Leaves the room and closes the connection: its read ends, and its session with it. */
  #drop(): void {
    this.leave();
    this.session.close();
  }

  /** Leaves the room: nothing more is sent to it, and nobody waits for it. */
  leave(): void {
    this.gone = true;
    this.#queue = [];
    this.#queued = 0;
    this.#release();
  }
}

/** The chat mode's handler: one room for every client of the server. */
export function chatHandler(options: ChatOptions): Handler {
  const members = new Set<Member>();
  const backlog = options.backlog ?? CHAT_BACKLOG;
  const toOthers = (from: Member | undefined, bytes: Uint8Array) => {
    for (const member of members) if (member !== from) member.send(bytes);
  };
  const announce = (from: Member, text: string) => toOthers(from, encoder.encode(`-- ${text}\n`));

  return handlerOf(async (session: Session): Promise<SessionSummary | void> => {
    const end = sessionEnd(session);
    const member = new Member(session, end.sink, backlog, options.stallMs ?? 2000);
    const others = members.size;
    member.send(encoder.encode(
      `-- you are ${session.peer}; ${
        others === 0 ? "nobody else is" : `${others} other${others === 1 ? " is" : "s are"}`
      } here\n`,
    ));
    announce(member, `${session.peer} joined`);
    members.add(member);
    // Closed by the server (shutdown, idle timeout): it leaves the room at once.
    session.onClose = () => member.leave();
    // A sender held back by a slow reader is not idle.
    let holding = false;
    session.busy = () => holding;
    // Each whole line goes to stdout and to every other member, after the sender's address.
    const lines = labelLines({
      async write(chunk) {
        toOthers(member, chunk);
        await options.output.write(chunk);
        // At the pace of the slowest reader that is still reading.
        holding = true;
        for (const other of members) await other.room();
        holding = false;
      },
    }, session.peer);
    let failure: unknown;
    try {
      await pump(end.source, lines, { onChunk: (n) => session.countReceived(n), end: false });
    } catch (e) {
      // stdout's failure ends the server; the client's own is this session's.
      if (!(e instanceof PumpError) || e.side === "write") {
        throw e instanceof PumpError ? e.cause : e;
      }
      failure = e.cause;
    } finally {
      members.delete(member);
      member.leave();
    }
    // A last line without its line feed is still said, unless the server cut the session.
    if (!isClosedLocally(failure)) await lines.flush();
    announce(member, `${session.peer} left`);
    if (member.overflowed) {
      return {
        event: "closed",
        fields: { reason: "not reading" },
        text: `closed: it was not reading (${formatBytes(backlog)} waiting for it)`,
      };
    }
    if (member.failure !== undefined) {
      throw toNetError(member.failure, `connection from ${session.peer}`);
    }
    // Closed by the server (shutdown, idle timeout): no failure of the client's.
    if (failure !== undefined && !(session.closedByUs && isClosedLocally(failure))) throw failure;
  });
}
