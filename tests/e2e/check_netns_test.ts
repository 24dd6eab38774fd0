/**
 * check against a host that drops SYNs: timeouts, concurrency and loss, in network namespaces.
 *
 * Both ends run in network namespaces these tests create: a client namespace, where tcpkit runs
 * (`ip netns exec`), and a server namespace holding the test host, joined by a veth pair with a
 * /30 on it and no default route anywhere, so that the prober can reach nothing but the test
 * host. In the server namespace nftables drops SYNs to 1,000 ports (`timeout`), `nc -dlk`
 * listens on one port (`open`) and every other port answers RST (`closed`). The namespaces (and
 * with them the veth pair) are deleted after each test, also when it fails.
 *
 * This needs root, `ip` (iproute2), `nft` (nftables) and a kernel that lets `ip netns add` work;
 * elsewhere (CI runners as a normal user, containers without CAP_SYS_ADMIN) the tests are
 * registered as ignored, with the reason in their names and on the console.
 */
import { assert, assertEquals } from "@std/assert";
import { bash, has, type Output, Running, TCPKIT, TCPKIT_SH } from "./_cli.ts";
import { Netns } from "./_netns.ts";

/** The ports nftables drops SYNs to, in the server namespace. */
const DROP_FIRST = 20000;
const DROP_LAST = 20999;
/** A port with a listener (nc) in the server namespace. */
const OPEN_PORT = 21000;
/** A port with nothing on it and no rule: the server's kernel answers RST. */
const CLOSED_PORT = 21001;

/** The ports probed on each host of the subnet, and those with a listener on every host. */
const SUBNET_PORTS = [22, 25, 80, 443, 8080];
const SUBNET_LISTENING = [22, 80];
/**
 * The subnet's hosts by the last byte of their address: SYNs dropped (timeout); rejected with
 * ICMP host unreachable, network unreachable, administratively prohibited (each unreachable);
 * every other host answers (open on 22 and 80, closed on the rest).
 */
const SUBNET_HOSTS = {
  dropped: [100, 199],
  hostUnreachable: [200, 229],
  netUnreachable: [230, 244],
  prohibited: [245, 254],
} as const;

/** Single-quotes a word for bash. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Why these tests cannot run here, or null when they can. */
async function whyNot(): Promise<string | null> {
  const uid = await bash("id -u");
  if (uid.stdout.trim() !== "0") return "not root (ip netns and nft need root)";
  for (const program of ["ip", "nft", "nc", "ss"]) {
    if (!has(program)) return `${program} is not installed`;
  }
  // Everything the fixture needs, on a namespace of our own: add, exec, nft inside, delete.
  const name = `tcpkit-probe-${Deno.pid}`;
  const probe = await bash(
    `ip netns add ${name} || exit 1
     trap 'ip netns del ${name}' EXIT
     ip -n ${name} link set lo up && ip netns exec ${name} nft list ruleset >/dev/null`,
    { timeoutMs: 20_000 },
  );
  if (probe.code !== 0) {
    return `"ip netns add" or nft in a namespace failed: ${
      probe.stderr.trim().split("\n")[0] || `exit ${probe.code}`
    }`;
  }
  return null;
}

const skipReason = await whyNot();
if (skipReason !== null) {
  console.log(`check_netns_test.ts: skipping the network-namespace tests: ${skipReason}`);
}

let pairs = 0;

/**
 * A client namespace and a server namespace joined by a veth pair, with nftables dropping SYNs
 * to DROP_FIRST-DROP_LAST on the server and a listener on OPEN_PORT. Deleted on dispose.
 */
class NetnsPair implements AsyncDisposable {
  readonly client: string;
  readonly server: string;
  readonly clientAddress: string;
  readonly serverAddress: string;
  /** The first three bytes of the /24 of test hosts that { subnet: true } puts behind the server. */
  readonly subnet: string;
  #listener: Running | undefined;
  #subnetServer: Running | undefined;

  private constructor() {
    const n = pairs++;
    this.client = `tcpkit-c-${Deno.pid}-${n}`;
    this.server = `tcpkit-s-${Deno.pid}-${n}`;
    const x = (Deno.pid + n) % 250 + 1;
    this.clientAddress = `10.213.${x}.1`;
    this.serverAddress = `10.213.${x}.2`;
    this.subnet = `10.214.${x}`;
  }

  static async create(options: { subnet?: boolean } = {}): Promise<NetnsPair> {
    const pair = new NetnsPair();
    try {
      await pair.#setUp();
      if (options.subnet) await pair.#setUpSubnet();
    } catch (e) {
      await pair[Symbol.asyncDispose]();
      throw e;
    }
    return pair;
  }

  async #setUp(): Promise<void> {
    const c = quote(this.client);
    const s = quote(this.server);
    const out = await bash(
      `set -e
       ip netns add ${c}
       ip netns add ${s}
       ip -n ${c} link add veth0 type veth peer name veth1 netns ${s}
       ip -n ${c} addr add ${this.clientAddress}/30 dev veth0
       ip -n ${s} addr add ${this.serverAddress}/30 dev veth1
       for ns in ${c} ${s}; do ip -n "$ns" link set lo up; done
       ip -n ${c} link set veth0 up
       ip -n ${s} link set veth1 up
       ip netns exec ${s} nft -f - <<'EOF'
table inet tcpkit_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport ${DROP_FIRST}-${DROP_LAST} drop
  }
}
EOF
       # The safety net of the whole file: neither namespace may have a default route.
       for ns in ${c} ${s}; do
         if [ -n "$(ip -n "$ns" route show default)" ]; then echo "default route in $ns" >&2; exit 1; fi
       done`,
      { timeoutMs: 20_000 },
    );
    assertEquals(out.code, 0, `setting up the namespaces failed:\n${out.stderr}`);

    this.#listener = new Running([
      "ip",
      "netns",
      "exec",
      this.server,
      "nc",
      "-dlk",
      this.serverAddress,
      String(OPEN_PORT),
    ]);
    // Wait by the server's socket table, not by connecting (no stray connection to count).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ss = await bash(`ip netns exec ${s} ss -Hltn 'sport = :${OPEN_PORT}'`);
      if (ss.stdout.trim() !== "") break;
      if (Date.now() > deadline) {
        throw new Error(`nc did not listen on ${this.serverAddress}:${OPEN_PORT}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * A /24 of test hosts behind the server: its 254 addresses on the server's lo, routed from the
   * client through the veth pair (a route to the /24 only, no default route). Listeners on
   * 0.0.0.0 ports 22 and 80 answer on every address; nftables sorts the hosts by the last
   * byte of their address (see SUBNET_HOSTS).
   */
  async #setUpSubnet(): Promise<void> {
    const c = quote(this.client);
    const s = quote(this.server);
    const net = this.subnet;
    const ports = SUBNET_PORTS.join(", ");
    const { dropped, hostUnreachable, netUnreachable, prohibited } = SUBNET_HOSTS;
    const range = ([a, b]: readonly [number, number]) => `${net}.${a}-${net}.${b}`;
    const out = await bash(
      `set -e
       for i in $(seq 1 254); do echo "addr add ${net}.$i/32 dev lo"; done | ip -n ${s} -b -
       ip -n ${c} route add ${net}.0/24 via ${this.serverAddress} dev veth0
       # The kernel sends at most a few ICMP errors a second by default: the rest would be
       # timeouts. Each rejected SYN is to get its ICMP error here.
       ip netns exec ${s} sysctl -qw net.ipv4.icmp_ratelimit=0 \\
         net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000
       ip netns exec ${s} nft -f - <<'EOF'
table inet tcpkit_subnet {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr ${range(dropped)} tcp dport { ${ports} } drop
    ip daddr ${range(hostUnreachable)} tcp dport { ${ports} } reject with icmp type host-unreachable
    ip daddr ${range(netUnreachable)} tcp dport { ${ports} } reject with icmp type net-unreachable
    ip daddr ${range(prohibited)} tcp dport { ${ports} } reject with icmp type admin-prohibited
  }
}
EOF
       if [ -n "$(ip -n ${c} route show default)" ]; then echo "default route in ${c}" >&2; exit 1; fi`,
      { timeoutMs: 20_000 },
    );
    assertEquals(out.code, 0, `setting up the subnet failed:\n${out.stderr}`);
    this.#subnetServer = new Running([
      "ip",
      "netns",
      "exec",
      this.server,
      "python3",
      "-c",
      `import selectors, socket
sel = selectors.DefaultSelector()
for port in (${SUBNET_LISTENING.join(", ")}):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1024)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.close()`,
    ]);
    await this.#subnetServer.stdout.waitFor(/^ready/m);
  }

  /** What check should find on `host`:`port` of the subnet. */
  expected(host: string, port: number): string {
    const last = Number(host.split(".")[3]);
    const within = ([a, b]: readonly [number, number]) => a <= last && last <= b;
    if (within(SUBNET_HOSTS.dropped)) return "timeout";
    if (
      within(SUBNET_HOSTS.hostUnreachable) || within(SUBNET_HOSTS.netUnreachable) ||
      within(SUBNET_HOSTS.prohibited)
    ) {
      return "unreachable";
    }
    return SUBNET_LISTENING.includes(port) ? "open" : "closed";
  }

  /** Runs tcpkit ARGS in the client namespace; also times it. */
  async tcpkit(args: string[], timeoutMs = 60_000): Promise<Output & { ms: number }> {
    const started = performance.now();
    const out = await bash(
      `exec ip netns exec ${quote(this.client)} ${TCPKIT_SH} ${args.map(quote).join(" ")}`,
      { timeoutMs },
    );
    return { ...out, ms: performance.now() - started };
  }

  /** The pids of the processes still in the client namespace (none, once tcpkit has exited). */
  async clientPids(): Promise<string[]> {
    const out = await bash(`ip netns pids ${quote(this.client)}`);
    return out.stdout.split("\n").filter((line) => line.trim() !== "");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#listener) await this.#listener[Symbol.asyncDispose]();
    if (this.#subnetServer) await this.#subnetServer[Symbol.asyncDispose]();
    // Anything else still inside our namespaces was started by this test: end it by its pid,
    // then delete the namespaces (which deletes the veth pair).
    const out = await bash(
      `for ns in ${quote(this.client)} ${quote(this.server)}; do
         [ -e "/run/netns/$ns" ] || continue
         for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
         ip netns del "$ns"
       done`,
      { timeoutMs: 20_000 },
    );
    if (out.code !== 0) throw new Error(`deleting the namespaces failed:\n${out.stderr}`);
  }
}

interface Result {
  event: string;
  target?: string;
  peer?: string;
  host: string;
  port: number;
  address?: string | null;
  state: string;
  reason?: string;
  latency_ms?: number;
  seq?: number;
  probes?: number;
  open?: number;
  loss_pct?: number;
  min_ms?: number | null;
  avg_ms?: number | null;
  max_ms?: number | null;
}

function parseLines(out: Output): Result[] {
  return out.stdout.trim().split("\n").filter((line) => line !== "").map((line) =>
    JSON.parse(line)
  );
}

/** The result objects (one per port), without the probes' and the summary. */
function resultsOf(out: Output): Result[] {
  return parseLines(out).filter((r) => r.event === "result");
}

const ignore = skipReason !== null;
const suffix = ignore ? ` [skipped: ${skipReason}]` : "";

Deno.test({
  name: `check reports 1,000 SYN-dropping ports as timeout, concurrently (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await NetnsPair.create();
    const out = await net.tcpkit([
      "check",
      `${net.serverAddress}:${DROP_FIRST}-${DROP_LAST}`,
      "--timeout",
      "1s",
      "--json",
    ]);
    assertEquals(out.code, 1, out.stderr);
    assertEquals(out.stderr, "");
    const results = resultsOf(out);
    assertEquals(results.length, 1000);
    const states = new Map<string, number>();
    for (const r of results) states.set(r.state, (states.get(r.state) ?? 0) + 1);
    assertEquals(Object.fromEntries(states), { timeout: 1000 });
    assertEquals(
      results.map((r) => r.port),
      Array.from({ length: 1000 }, (_, i) => DROP_FIRST + i),
    );
    assert(results.every((r) => r.host === net.serverAddress && !("latency_ms" in r)));
    // Each probe waits its full second, and one by one they would take 1,000 s.
    assert(out.ms >= 1000, `finished in ${out.ms.toFixed(0)} ms, before the 1 s timeout`);
    assert(out.ms < 15_000, `took ${out.ms.toFixed(0)} ms: the probes did not run concurrently`);
    assertEquals(await net.clientPids(), [], "processes left in the client namespace");
  },
});

Deno.test({
  name: `check tells open, closed and timeout apart, with the exit codes (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await NetnsPair.create();
    const host = net.serverAddress;

    const singles = await net.tcpkit([
      "check",
      `${host}:${OPEN_PORT}`,
      `${host}:${CLOSED_PORT}`,
      `${host}:${DROP_FIRST}`,
      "--timeout",
      "1s",
      "--json",
    ]);
    // A HOST:PORT target that is not open makes the run fail.
    assertEquals(singles.code, 1, singles.stderr);
    assertEquals(singles.stderr, "");
    const byPort = new Map(resultsOf(singles).map((r) => [r.port, r]));
    assertEquals(byPort.size, 3);
    assertEquals(byPort.get(OPEN_PORT)?.state, "open");
    assertEquals(byPort.get(CLOSED_PORT)?.state, "closed");
    assertEquals(byPort.get(DROP_FIRST)?.state, "timeout");
    assert((byPort.get(OPEN_PORT)?.latency_ms ?? -1) >= 0);
    assertEquals("latency_ms" in byPort.get(CLOSED_PORT)!, false);
    assertEquals("latency_ms" in byPort.get(DROP_FIRST)!, false);

    // The same three ports as one list: one open port is enough (exit 0), and the text report
    // shows every state with -v.
    const list = await net.tcpkit([
      "check",
      `${host}:${OPEN_PORT},${CLOSED_PORT},${DROP_FIRST}`,
      "--timeout",
      "1s",
      "-v",
    ]);
    assertEquals(list.code, 0, list.stdout + list.stderr);
    const text = list.stdout;
    assert(new RegExp(`^  ${OPEN_PORT} +open +[\\d.]+ ms$`, "m").test(text), text);
    assert(new RegExp(`^  ${CLOSED_PORT} +closed$`, "m").test(text), text);
    assert(new RegExp(`^  ${DROP_FIRST} +timeout$`, "m").test(text), text);
    assert(/: 1 open, 1 closed, 1 timeout$/m.test(text), text);

    // Only the open port: exit 0. Only the dropped one: exit 1.
    const open = await net.tcpkit(["check", `${host}:${OPEN_PORT}`, "--timeout", "1s"]);
    assertEquals(open.code, 0, open.stdout + open.stderr);
    const dropped = await net.tcpkit(["check", `${host}:${DROP_LAST}`, "--timeout", "1s"]);
    assertEquals(dropped.code, 1, dropped.stdout + dropped.stderr);
    assert(new RegExp(`:${DROP_LAST} +timeout$`, "m").test(dropped.stdout), dropped.stdout);
    assertEquals(await net.clientPids(), [], "processes left in the client namespace");
  },
});

Deno.test({
  name:
    `check reports a host with no route to it as unreachable, with why, exit 1 (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await NetnsPair.create();
    // The client namespace routes only its /30: 192.0.2.1 (TEST-NET-1) has no route at all.
    const out = await net.tcpkit(["check", "192.0.2.1:80", "--timeout", "1s", "--json"]);
    assertEquals(out.code, 1, out.stderr);
    assertEquals(out.stderr, "");
    assertEquals(resultsOf(out), [{
      event: "result",
      target: "192.0.2.1:80",
      peer: "192.0.2.1:80",
      host: "192.0.2.1",
      port: 80,
      address: "192.0.2.1",
      state: "unreachable",
      reason: "network unreachable",
    }]);
    const text = await net.tcpkit(["check", "192.0.2.1:80", "--timeout", "1s"]);
    assertEquals(text.code, 1);
    assert(/^192\.0\.2\.1:80 +unreachable +network unreachable$/m.test(text.stdout), text.stdout);
    assert(/: 1 unreachable$/m.test(text.stdout), text.stdout);
  },
});

Deno.test({
  name: `check --count 3 of a SYN-dropping port reports 100% loss and no latency (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await NetnsPair.create();
    const port = DROP_FIRST + 500;
    const out = await net.tcpkit([
      "check",
      `${net.serverAddress}:${port}`,
      "--count",
      "3",
      "--interval",
      "200ms",
      "--timeout",
      "1s",
      "--json",
    ]);
    assertEquals(out.code, 1, out.stderr);
    assertEquals(out.stderr, "");
    const lines = parseLines(out);
    const probes = lines.filter((l) => l.event === "probe");
    assertEquals(probes.map((p) => [p.port, p.seq, p.state]), [
      [port, 1, "timeout"],
      [port, 2, "timeout"],
      [port, 3, "timeout"],
    ]);
    const summaries = lines.filter((l) => l.event === "result");
    assertEquals(summaries.length, 1);
    const s = summaries[0];
    assertEquals(
      [s.host, s.port, s.state, s.probes, s.open, s.loss_pct, s.min_ms, s.avg_ms, s.max_ms],
      [net.serverAddress, port, "timeout", 3, 0, 100, null, null, null],
    );
    // Three full timeouts and two pauses: about 3.4 s.
    assert(out.ms >= 3000, `finished in ${out.ms.toFixed(0)} ms, before three 1 s timeouts`);
    assert(out.ms < 15_000, `took ${out.ms.toFixed(0)} ms`);
    assertEquals(await net.clientPids(), [], "processes left in the client namespace");
  },
});

Deno.test({
  name:
    `check of a /24 on 5 ports: open, closed, timeout and every kind of unreachable, each right (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await NetnsPair.create({ subnet: true });
    const target = `${net.subnet}.0/24:${SUBNET_PORTS.join(",")}`;
    const out = await net.tcpkit(["check", target, "--timeout", "1s", "--json"]);
    // One open port is enough for a subnet.
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr, "");
    const results = resultsOf(out);
    assertEquals(results.length, 254 * SUBNET_PORTS.length);
    // In order: host by host, each host's ports in the order given.
    assertEquals(
      results.map((r) => `${r.host}:${r.port}`),
      Array.from({ length: 254 }, (_, h) => SUBNET_PORTS.map((p) => `${net.subnet}.${h + 1}:${p}`))
        .flat(),
    );
    const wrong = results.filter((r) => r.state !== net.expected(r.host, r.port));
    assertEquals(wrong.map((r) => `${r.host}:${r.port} ${r.state} (${r.reason})`), []);
    for (const r of results) {
      assertEquals(r.target, target);
      assertEquals(r.address, r.host);
      if (r.state === "unreachable") assert(r.reason !== undefined, JSON.stringify(r));
    }
    // Dropped SYNs wait their full second, all at once rather than one after the other.
    assert(out.ms < 15_000, `took ${out.ms.toFixed(0)} ms`);

    // The text report: the counts, and the open ports (every port with -v) under the header.
    const text = await net.tcpkit(["check", target, "--timeout", "1s"]);
    assertEquals(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split("\n");
    const count = (state: string) => results.filter((r) => r.state === state).length;
    assertEquals(
      lines[1],
      `${target}: ${count("open")} open, ${count("closed")} closed, ${count("timeout")} timeout, ` +
        `${count("unreachable")} unreachable`,
    );
    const rows = lines.filter((line) => line.startsWith("  "));
    assertEquals(rows.length, count("open"));
    const column = lines[0].indexOf("STATE");
    assert(rows.every((row) => row.indexOf(" open ") + 1 === column), lines.slice(0, 4).join("\n"));
    assertEquals(await net.clientPids(), [], "processes left in the client namespace");
  },
});

/**
 * A namespace of its own with only lo, where the kernel may pick only ports 40000 and 40001 as
 * source ports: a connect to 127.0.0.1:40000 (nothing listens there) gets 40000 as its source
 * port the first time, and TCP connects the socket to itself (a "self-connect").
 */
async function selfConnectNamespace(): Promise<Netns> {
  const netns = await Netns.create();
  const out = await netns.bash(`sysctl -qw net.ipv4.ip_local_port_range="40000 40001"`);
  if (out.code !== 0) {
    await netns[Symbol.asyncDispose]();
    throw new Error(`sysctl in ${netns.name} failed: ${out.stderr}`);
  }
  return netns;
}

Deno.test({
  name: `check reports a TCP self-connect as closed, not open (netns)${suffix}`,
  ignore,
  async fn() {
    // The fixture works: the kernel does connect the socket to itself.
    {
      await using netns = await selfConnectNamespace();
      const out = await netns.bash(
        `python3 -c 'import socket
s = socket.create_connection(("127.0.0.1", 40000))
print(s.getsockname()[1], s.getpeername()[1])'`,
      );
      assertEquals(out.stdout.trim(), "40000 40000", out.stderr);
    }
    const cases = [
      // The plain scan, on the main thread and over Workers; a session probe (--banner).
      ["127.0.0.1:40000"],
      ["127.0.0.1:39900-40100", "--concurrency", "1600"],
      ["127.0.0.1:40000", "--banner"],
    ];
    for (const args of cases) {
      await using netns = await selfConnectNamespace();
      const out = await netns.exec([...TCPKIT, "check", ...args, "--timeout", "1s", "--json"]);
      assertEquals(out.code, 1, `${args.join(" ")}: ${out.stdout}${out.stderr}`);
      const results = resultsOf(out);
      assertEquals(results.filter((r) => r.state !== "closed"), [], args.join(" "));
      assertEquals(results.find((r) => r.port === 40000)?.state, "closed");
    }
  },
});
