/**
 * A network namespace of a test's own, with a DNS server of its own: name lookups in tests never
 * reach this machine's resolver, and no packet leaves the machine.
 *
 * {@linkcode Netns.create} makes a namespace with a unique name and `lo` up (and no other
 * interface, so no route out), writes `/etc/netns/NAME/resolv.conf` (which `ip netns exec NAME`
 * mounts over /etc/resolv.conf) pointing at the namespace's loopback, and starts the stub DNS
 * server (`_dns_stub.py`) there, waiting until it says it listens. Commands then run inside with
 * {@linkcode Netns.exec} and {@linkcode Netns.bash}, and `await using` deletes it all again (the
 * stub, every process left inside, the namespace, /etc/netns/NAME), also when the test fails.
 *
 * The resolver is made quick to give up (`options timeout:1 attempts:1`), so that a DNS server
 * that never answers costs a test a second, not ten.
 *
 * Making namespaces needs root and iproute2; {@linkcode whyNetnsUnavailable} says why not, for
 * registering the tests as ignored elsewhere.
 */
import { bash, has, type Output, run, Running, type RunOptions } from "./_cli.ts";

/** The stub DNS server's script. */
export const DNS_STUB: string = new URL("./_dns_stub.py", import.meta.url).pathname;

/** What the stub DNS server answers; by default NXDOMAIN to everything. */
export interface DnsStubOptions {
  /** Addresses by name: IPv4 ones are its A records, IPv6 ones its AAAA records. */
  answers?: Record<string, string | string[]>;
  /** Names that exist with no address at all (NOERROR with no records, for any type). */
  nodata?: string[];
  /** Names answered with an error code instead: SERVFAIL, REFUSED, NOTIMP, FORMERR. */
  fail?: Record<string, "SERVFAIL" | "REFUSED" | "NOTIMP" | "FORMERR">;
  /** Names answered only after this many seconds (other queries are answered meanwhile). */
  slow?: Record<string, number>;
  /** Never answer anything (the queries are still logged). */
  silent?: boolean;
}

/** Options for {@linkcode Netns.create}. */
export interface NetnsOptions {
  /**
   * The namespace's DNS server: a stub with these answers (the default: one that answers
   * NXDOMAIN to everything); `"silent"`, a stub that never answers (a resolver timeout);
   * `"unreachable"`, a loopback address where nothing listens on port 53 (the kernel answers
   * ICMP port unreachable).
   */
  dns?: DnsStubOptions | "silent" | "unreachable";
  /** resolv.conf's `timeout:` and `attempts:` (1 and 1 by default, so tests stay quick). */
  resolver?: { timeoutSeconds?: number; attempts?: number };
  /** The namespace's /etc/hosts entries (name → address), besides localhost. */
  hosts?: Record<string, string>;
  /** More local addresses, on `lo` (such as `10.9.0.1/32`, `fd00:9::1/128`): no route out. */
  addresses?: string[];
}

/** A query the stub DNS server received: the name (lower case, no trailing dot), its type. */
export interface DnsQuery {
  name: string;
  type: string;
}

/** The loopback address resolv.conf names when nothing is to listen there. */
const UNREACHABLE_NAMESERVER = "127.0.0.2";

/** Single-quotes a word for bash. */
export function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

let created = 0;

/** A network namespace with lo up, its own resolv.conf and its own DNS stub; see the module. */
export class Netns implements AsyncDisposable {
  /** The namespace's name (`ip netns exec NAME`). */
  readonly name: string;
  /** The address in resolv.conf. */
  readonly nameserver: string;
  #dir: string | undefined;
  #stub: Running | undefined;
  #log: string | undefined;
  #made = false;

  private constructor(nameserver: string) {
    const random = crypto.getRandomValues(new Uint16Array(1))[0].toString(16);
    this.name = `tcpkit-dns-${Deno.pid}-${created++}-${random}`;
    this.nameserver = nameserver;
  }

  /** Makes the namespace and starts its DNS stub; on any failure undoes what it made. */
  static async create(options: NetnsOptions = {}): Promise<Netns> {
    const dns = options.dns ?? {};
    const netns = new Netns(dns === "unreachable" ? UNREACHABLE_NAMESERVER : "127.0.0.1");
    try {
      await netns.#setUp(options);
      if (dns !== "unreachable") await netns.#startStub(dns === "silent" ? { silent: true } : dns);
    } catch (e) {
      await netns[Symbol.asyncDispose]();
      throw e;
    }
    return netns;
  }

  async #setUp(options: NetnsOptions): Promise<void> {
    const ns = quote(this.name);
    const addresses = (options.addresses ?? []).map((cidr) =>
      `ip -n ${ns} addr add ${quote(cidr)} dev lo${cidr.includes(":") ? " nodad" : ""}`
    ).join("\n");
    const add = await bash(`ip netns add ${ns}`, { timeoutMs: 20_000 });
    if (add.code !== 0) throw new Error(`ip netns add ${this.name} failed:\n${add.stderr}`);
    this.#made = true; // ours to delete from here on (and not before: the name might be taken)
    const out = await bash(
      `set -e
       ip -n ${ns} link set lo up
       ${addresses}
       # The safety net: no interface but lo, so no route out, IPv4 or IPv6.
       if [ "$(ip -n ${ns} -o link show | grep -vc ': lo:')" != 0 ]; then
         echo "an interface besides lo in ${ns}" >&2; exit 1
       fi
       if [ -n "$(ip -n ${ns} route show default; ip -n ${ns} -6 route show default)" ]; then
         echo "a default route in ${ns}" >&2; exit 1
       fi`,
      { timeoutMs: 20_000 },
    );
    if (out.code !== 0) throw new Error(`setting up namespace ${this.name} failed:\n${out.stderr}`);

    this.#dir = await Deno.makeTempDir({ prefix: "tcpkit-netns-" });
    const etc = `/etc/netns/${this.name}`;
    await Deno.mkdir(etc, { recursive: true });
    const { timeoutSeconds = 1, attempts = 1 } = options.resolver ?? {};
    await Deno.writeTextFile(
      `${etc}/resolv.conf`,
      `# ${this.name}: written by tests/e2e/_netns.ts, deleted with the namespace\n` +
        `nameserver ${this.nameserver}\noptions timeout:${timeoutSeconds} attempts:${attempts}\n`,
    );
    if (options.hosts) {
      const lines = Object.entries(options.hosts).map(([name, address]) => `${address} ${name}`);
      await Deno.writeTextFile(
        `${etc}/hosts`,
        ["127.0.0.1 localhost", "::1 localhost", ...lines, ""].join("\n"),
      );
    }
  }

  async #startStub(options: DnsStubOptions): Promise<void> {
    this.#log = `${this.#dir}/queries.log`;
    const args = ["--address", this.nameserver, "--port", "53", "--log", this.#log];
    for (const [name, value] of Object.entries(options.answers ?? {})) {
      for (const address of [value].flat()) args.push(`${name}=${address}`);
    }
    for (const name of options.nodata ?? []) args.push("--nodata", name);
    for (const [name, rcode] of Object.entries(options.fail ?? {})) {
      args.push("--fail", `${name}=${rcode}`);
    }
    for (const [name, seconds] of Object.entries(options.slow ?? {})) {
      args.push("--slow", `${name}=${seconds}`);
    }
    if (options.silent) args.push("--silent");

    const stub = new Running(["ip", "netns", "exec", this.name, "python3", DNS_STUB, ...args]);
    this.#stub = stub;
    const ready = stub.stdout.waitFor(/^ready /m, 20_000);
    ready.catch(() => {}); // when the stub exits first, its rejection comes later, unheard
    const first = await Promise.race([
      ready.then(() => "ready" as const),
      stub.child.status.then(() => "exited" as const),
    ]);
    if (first === "exited") {
      const out = await stub.result();
      throw new Error(`the DNS stub exited (${out.code}) before it was ready:\n${out.stderr}`);
    }
  }

  /** Runs `argv` inside the namespace to completion; also times it. */
  async exec(argv: string[], options: RunOptions = {}): Promise<Output & { ms: number }> {
    const started = performance.now();
    const out = await run(this.#inside(argv), [], options);
    return { ...out, ms: performance.now() - started };
  }

  /** Runs a bash script inside the namespace (with `set -o pipefail`); also times it. */
  bash(script: string, options: RunOptions = {}): Promise<Output & { ms: number }> {
    return this.exec(["bash", "-c", `set -o pipefail\n${script}`], options);
  }

  /** Starts `argv` inside the namespace and lets it run (a server, a peer). */
  spawn(argv: string[], options: { stdin?: boolean } = {}): Running {
    return new Running(this.#inside(argv), options);
  }

  /** The queries the DNS stub has received so far, in order (none without a stub). */
  async queries(): Promise<DnsQuery[]> {
    if (this.#log === undefined) return [];
    const text = await Deno.readTextFile(this.#log).catch(() => "");
    return text.split("\n").filter((line) => line !== "").map((line) => {
      const [name, type] = line.split(" ");
      return { name, type };
    });
  }

  /** The pids of the processes inside the namespace (the DNS stub among them). */
  async pids(): Promise<number[]> {
    const out = await bash(`ip netns pids ${quote(this.name)}`);
    return out.stdout.split("\n").filter((line) => line.trim() !== "").map(Number);
  }

  /** The argv that runs `argv` inside: Deno's update check off, whatever the caller's env. */
  #inside(argv: string[]): string[] {
    return ["ip", "netns", "exec", this.name, "env", "DENO_NO_UPDATE_CHECK=1", ...argv];
  }

  /** Ends the stub and anything else left inside, deletes the namespace and its files. */
  async [Symbol.asyncDispose](): Promise<void> {
    const errors: string[] = [];
    if (this.#stub) await this.#stub[Symbol.asyncDispose]();
    if (this.#made) {
      const ns = quote(this.name);
      const out = await bash(
        `[ -e /run/netns/${ns} ] || exit 0
         for pid in $(ip netns pids ${ns} 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
         ip netns del ${ns}`,
        { timeoutMs: 20_000 },
      );
      if (out.code !== 0) errors.push(`deleting namespace ${this.name}: ${out.stderr.trim()}`);
    }
    for (const path of [`/etc/netns/${this.name}`, this.#dir]) {
      if (path === undefined) continue;
      await Deno.remove(path, { recursive: true }).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) errors.push(`removing ${path}: ${e}`);
      });
    }
    if (errors.length > 0) throw new Error(errors.join("\n"));
  }
}

let unavailable: Promise<string | null> | undefined;

/**
 * Why namespaces cannot be made here (not root, no `ip` or `python3`, a kernel or container that
 * refuses `ip netns add`), or null when they can; asked once per process.
 */
export function whyNetnsUnavailable(): Promise<string | null> {
  unavailable ??= (async () => {
    const uid = await bash("id -u");
    if (uid.stdout.trim() !== "0") return "not root (ip netns needs root)";
    for (const program of ["ip", "python3"]) {
      if (!has(program)) return `${program} is not installed`;
    }
    // Everything the fixture does, once: add, lo up, /etc/netns/NAME, exec, delete.
    const name = `tcpkit-probe-${Deno.pid}`;
    const probe = await bash(
      `ip netns add ${name} || exit 1
       trap 'ip netns del ${name}; rm -rf /etc/netns/${name}' EXIT
       ip -n ${name} link set lo up && mkdir -p /etc/netns/${name} &&
         echo 'nameserver 127.0.0.1' > /etc/netns/${name}/resolv.conf &&
         ip netns exec ${name} grep -q '^nameserver 127.0.0.1$' /etc/resolv.conf`,
      { timeoutMs: 20_000 },
    );
    if (probe.code !== 0) {
      return `"ip netns add" or "ip netns exec" with /etc/netns failed: ${
        probe.stderr.trim().split("\n")[0] || `exit ${probe.code}`
      }`;
    }
    return null;
  })();
  return unavailable;
}
