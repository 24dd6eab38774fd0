/**
 * check's name lookups, in a network namespace with a DNS server of the test's own
 * (tests/e2e/_netns.ts): a name that resolves (looked up once a round, its time reported, its
 * probe shared with the address's), NXDOMAIN, a DNS server that never answers, and -n. tcpkit
 * runs inside the namespace, so getaddrinfo asks the stub; nothing asks this machine's resolver,
 * and the namespace has no route out.
 *
 * This needs root, iproute2 and python3; elsewhere the tests are registered as ignored, with the
 * reason in their names.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { TCPKIT } from "./_cli.ts";
import { Netns, whyNetnsUnavailable } from "./_netns.ts";

const skipReason = await whyNetnsUnavailable();
if (skipReason !== null) {
  console.log(`check_dns_test.ts: skipping the network-namespace tests: ${skipReason}`);
}
const ignore = skipReason !== null;
const suffix = ignore ? ` [skipped: ${skipReason}]` : "";

// deno-lint-ignore no-explicit-any
type Json = any;

function jsonLines(stdout: string): Json[] {
  return stdout.trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** A listener on 127.0.0.1:PORT inside the namespace (python3), ready once it says so. */
async function listen(netns: Netns, port: number) {
  const server = netns.spawn([
    "python3",
    "-c",
    `import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", ${port}))
s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()`,
  ]);
  await server.stdout.waitFor(/^ready/m);
  return server;
}

Deno.test({
  name: `check resolves a name once a round, reports its time, shares its probes (netns)${suffix}`,
  ignore,
  async fn() {
    await using netns = await Netns.create({ dns: { answers: { "web.test": "127.0.0.1" } } });
    await using _server = await listen(netns, 8080);
    const out = await netns.exec([
      ...TCPKIT,
      "check",
      "web.test:8080",
      "127.0.0.1:8080",
      "web.test:8081",
      "--count",
      "3",
      "--interval",
      "10ms",
      "--json",
    ]);
    assertEquals(out.code, 1, out.stderr);
    const lines = jsonLines(out.stdout);
    const results = lines.filter((l) => l.event === "result");
    assertEquals(results.map((r) => [r.peer, r.address, r.state, r.probes]), [
      ["web.test:8080", "127.0.0.1", "open", 3],
      ["127.0.0.1:8080", "127.0.0.1", "open", 3],
      ["web.test:8081", "127.0.0.1", "closed", 3],
    ]);
    // The name's lookup is a phase of its own; the address needs none.
    assertEquals(results[0].phases.resolve.count, 3);
    assertEquals(results[1].phases.resolve, undefined);
    const probes = lines.filter((l) => l.event === "probe" && l.peer === "web.test:8080");
    assert(probes.every((p) => p.resolve_ms >= 0 && p.connect_ms >= 0), out.stdout);
    // One lookup a round, for all the ports and targets that name it.
    const queries = (await netns.queries()).filter((q) => q.name === "web.test" && q.type === "A");
    assertEquals(queries.length, 3, JSON.stringify(await netns.queries()));
  },
});

Deno.test({
  name:
    `check reports a name that does not resolve as unresolved, with why, exit 1 (netns)${suffix}`,
  ignore,
  async fn() {
    await using netns = await Netns.create();
    await using _server = await listen(netns, 8080);
    const text = await netns.exec([...TCPKIT, "check", "127.0.0.1:8080", "nowhere.test:80"]);
    assertEquals(text.code, 1, text.stderr);
    assertMatch(text.stdout, /^nowhere\.test:80 +unresolved +name not found$/m);
    assertMatch(text.stdout, /: 1 open, 1 unresolved$/m);

    const json = await netns.exec([...TCPKIT, "check", "nowhere.test:80", "--json"]);
    assertEquals(json.code, 1);
    const [result, summary] = jsonLines(json.stdout);
    assertEquals(result, {
      event: "result",
      target: "nowhere.test:80",
      peer: "nowhere.test:80",
      host: "nowhere.test",
      port: 80,
      address: null,
      state: "unresolved",
      reason: "name not found",
    });
    assertEquals(summary.counts.unresolved, 1);
  },
});

Deno.test({
  name:
    `check --count of an unresolvable HOST:PORT reports every probe unresolved (netns)${suffix}`,
  ignore,
  async fn() {
    await using netns = await Netns.create();
    const args = ["check", "nowhere.test:80", "--count", "2", "--interval", "10ms"];
    const text = await netns.exec([...TCPKIT, ...args]);
    assertEquals(text.code, 1);
    assertMatch(text.stdout, /^nowhere\.test:80: unresolved, name not found \(probe 1\)$/m);
    assertMatch(text.stdout, /^nowhere\.test:80: unresolved, name not found \(probe 2\)$/m);
    assertMatch(
      text.stdout,
      /^nowhere\.test:80 +unresolved +0\/2 open, 100% loss, no answer; name not found$/m,
    );
    const json = await netns.exec([...TCPKIT, ...args, "--json"]);
    const lines = jsonLines(json.stdout);
    assertEquals(lines.filter((l) => l.event === "probe").map((l) => [l.seq, l.state]), [
      [1, "unresolved"],
      [2, "unresolved"],
    ]);
    const result = lines.find((l) => l.event === "result");
    assertEquals([result.state, result.probes, result.open, result.loss_pct, result.min_ms], [
      "unresolved",
      2,
      0,
      100,
      null,
    ]);
  },
});

Deno.test({
  name: `check with a DNS server that never answers: unresolved within --timeout (netns)${suffix}`,
  ignore,
  async fn() {
    await using netns = await Netns.create({ dns: "silent", resolver: { timeoutSeconds: 5 } });
    const out = await netns.exec([...TCPKIT, "check", "slow.test:80", "--timeout", "500ms"]);
    assertEquals(out.code, 1, out.stderr);
    assertMatch(out.stdout, /^slow\.test:80 +unresolved +the DNS server did not answer in time$/m);
    assert(out.ms < 4000, `took ${out.ms} ms: the lookup was not given up after --timeout`);
  },
});

Deno.test({
  name: `check -n looks no name up: a name is unresolved, an address probed (netns)${suffix}`,
  ignore,
  async fn() {
    await using netns = await Netns.create({ dns: { answers: { "web.test": "127.0.0.1" } } });
    await using _server = await listen(netns, 8080);
    const out = await netns.exec([
      ...TCPKIT,
      "check",
      "-n",
      "web.test:8080",
      "127.0.0.1:8080",
      "--json",
    ]);
    const [name, address] = jsonLines(out.stdout);
    assertEquals([name.state, address.state], ["unresolved", "open"]);
    assertMatch(name.reason, /names are not looked up/);
    assertEquals(await netns.queries(), []);
  },
});
