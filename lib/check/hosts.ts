/**
 * The addresses of check's hosts: an address stands for itself; a name is looked up once a
 * round (so each probe has its own resolution time, and a name that stops resolving is seen),
 * however many ports and targets name it.
 */
import { describeError, ResolveError } from "../errors.ts";
import { literalAddress, resolve } from "../net/resolve.ts";

/** A host's address (and how long the lookup took, for a name), or why it has none. */
export type HostAddress =
  | { address: string; ms?: number }
  | { reason: string };

/** Options for {@linkcode HostAddresses}. */
export interface HostAddressesOptions {
  /** Only this family's addresses (`-4`, `-6`). */
  family?: 4 | 6;
  /** No lookups: a name is unresolved (`-n`). */
  numeric: boolean;
  /** A lookup's time limit. */
  timeoutMs: number;
  /** Names are not looked up here but taken as they are (a proxy resolves them: socks5h, http). */
  keepNames?: boolean;
}

/**
 * The hosts of a check and their addresses. The addresses of literals are found once; names
 * again with each {@linkcode HostAddresses.lookUp}.
 */
export class HostAddresses {
  readonly #options: HostAddressesOptions;
  readonly #found = new Map<string, HostAddress>();
  readonly #names: string[] = [];

  /** Sorts `hosts` into addresses (taken as they are) and names (looked up each round). */
  constructor(hosts: Iterable<string>, options: HostAddressesOptions) {
    this.#options = options;
    for (const host of hosts) {
      if (this.#found.has(host)) continue;
      try {
        const literal = literalAddress(host, options.family);
        if (literal === null && options.keepNames) {
          this.#found.set(host, { address: host });
        } else if (literal === null) {
          this.#names.push(host);
          this.#found.set(host, { reason: "not looked up yet" });
        } else {
          this.#found.set(host, { address: literal.address });
        }
      } catch (e) {
        this.#found.set(host, { reason: reasonOf(e) });
      }
    }
  }

  /** True when some host is a name, looked up each round. */
  get hasNames(): boolean {
    return this.#names.length > 0;
  }

  /** What `host` stands for, as last found. */
  get(host: string): HostAddress {
    return this.#found.get(host) ?? { reason: "unknown host" };
  }

  /**
   * Looks every name up (concurrently, each once).
   *
   * @returns true when some name's address (or whether it has one) changed
   * @throws {unknown} the signal's reason, when it aborts
   */
  async lookUp(signal?: AbortSignal): Promise<boolean> {
    const { family, numeric, timeoutMs } = this.#options;
    let changed = false;
    await Promise.all(this.#names.map(async (name) => {
      const limit = AbortSignal.timeout(timeoutMs);
      let found: HostAddress;
      try {
        const resolved = await resolve(name, {
          family,
          numericOnly: numeric,
          signal: signal ? AbortSignal.any([signal, limit]) : limit,
        });
        found = { address: resolved.address, ms: resolved.ms };
      } catch (e) {
        signal?.throwIfAborted();
        found = { reason: reasonOf(e) };
      }
      const before = this.#found.get(name)!;
      if (addressOf(before) !== addressOf(found)) changed = true;
      this.#found.set(name, found);
    }));
    return changed;
  }
}

/** Why a host did not resolve, without the "cannot resolve host" that the state already says. */
function reasonOf(e: unknown): string {
  if (!(e instanceof ResolveError)) throw e;
  const { message } = describeError(e);
  const prefix = `cannot resolve host "${e.hostname}": `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function addressOf(found: HostAddress): string | undefined {
  return "address" in found ? found.address : undefined;
}
