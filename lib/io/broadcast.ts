/** One input sent to every connected client, at the pace of the slowest, with nothing dropped. */
import type { ChunkSource } from "./chunks.ts";

/** One client's share of a broadcast: a source of the input's chunks, from when it joined. */
export interface Subscription extends ChunkSource {
  /**
   * True while this subscriber waits for a chunk that other subscribers are still holding up
   * (writing the last one to a slow client): it is then not idle, only held back.
   */
  readonly waitingOnOthers: boolean;
  /** Leaves the broadcast: the input is no longer held back for this subscriber. */
  cancel(): void;
}

type MemberState = "want" | "has" | "using";

interface Member {
  state: MemberState;
  /** Resolves a `next` that waits for the next chunk. */
  wake?: () => void;
}

/**
 * Reads `source` only when at least one subscriber is waiting for more and every subscriber is
 * done with the last chunk, so that no byte is read for nobody and memory holds one chunk
 * (backpressure from the slowest client). A chunk goes to every subscriber of the moment it is
 * read; one who joins later gets the chunks after it. At the input's end, every subscriber's
 * source ends, as does each later one's. A failure to read the input is every subscriber's.
 */
export class Broadcast {
  #source: ChunkSource;
  #members = new Set<Member>();
  #chunk: Uint8Array | null = null;
  /** A chunk read while its subscribers left: it goes to the next ones, not to nobody. */
  #undelivered = false;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #reading = false;

  /** A broadcast of `source`'s chunks; nothing is read before the first subscriber asks. */
  constructor(source: ChunkSource) {
    this.#source = source;
  }

  /** Joins the broadcast: the subscription's chunks start with the next one read. */
  subscribe(): Subscription {
    const member: Member = { state: "want" };
    this.#members.add(member);
    // deno-lint-ignore no-this-alias
    const broadcast = this;
    return {
      next: () => this.#next(member),
      cancel: () => {
        if (!this.#members.delete(member)) return;
        member.wake?.();
        this.#readIfDue();
      },
      get waitingOnOthers() {
        return member.state === "want" && broadcast.#holding();
      },
    };
  }

  async #next(member: Member): Promise<Uint8Array | null> {
    if (member.state === "using") {
      member.state = "want";
      this.#readIfDue();
    }
    while (member.state === "want") {
      if (this.#failure) throw this.#failure.error;
      if (this.#ended || !this.#members.has(member)) return null;
      await new Promise<void>((resolve) => {
        member.wake = resolve;
        this.#readIfDue();
      });
      member.wake = undefined;
    }
    member.state = "using";
    return this.#chunk;
  }

  /** True while some subscriber has the current chunk and has not finished with it. */
  #holding(): boolean {
    for (const member of this.#members) if (member.state !== "want") return true;
    return false;
  }

  /** Reads the next chunk when everyone is done with the last one and someone waits. */
  #readIfDue(): void {
    if (this.#reading || this.#ended || this.#failure || this.#holding()) return;
    let waiting = false;
    for (const member of this.#members) if (member.wake) waiting = true;
    if (!waiting) return;
    if (this.#undelivered) return this.#deliver();
    this.#reading = true;
    this.#source.next().then(
      (chunk) => {
        this.#reading = false;
        if (chunk === null) {
          this.#ended = true;
          this.#wakeAll();
        } else {
          this.#chunk = chunk;
          this.#undelivered = true;
          if (this.#members.size > 0) this.#deliver();
        }
      },
      (error: unknown) => {
        this.#reading = false;
        this.#failure = { error };
        this.#wakeAll();
      },
    );
  }

  /** Gives the chunk read to every subscriber of the moment. */
  #deliver(): void {
    this.#undelivered = false;
    for (const member of this.#members) member.state = "has";
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const member of this.#members) member.wake?.();
  }
}
