/**
 * resolve() against a DNS server of the test's own, in network namespaces: an answer, NXDOMAIN,
 * no address of the family, a server that cannot be reached, one that never answers, one that
 * answers SERVFAIL, and the caller's own timeout, each with its own failure kind and words.
 *
 * lib/net/resolve.ts runs in a Deno process inside the namespace (`ip netns exec`), with the
 * permissions the CLI ships with, so that getaddrinfo reads the namespace's resolv.conf, which
 * names a stub on the namespace's loopback (tests/e2e/_netns.ts). Nothing here asks this
 * machine's resolver anything, and the namespaces have no route out.
 *
 * This needs root, iproute2 and python3; elsewhere the tests are registered as ignored, with
 * the reason in their names.
 */
import { assert, assertEquals } from "@std/assert";
import { PERMISSIONS } from "./_cli.ts";
import { type DnsQuery, Netns, type NetnsOptions, whyNetnsUnavailable } from "./_netns.ts";

const skipReason = await whyNetnsUnavailable();
if (skipReason !== null) {
  console.log(`resolve_netns_test.ts: skipping the network-namespace tests: ${skipReason}`);
}
const ignore = skipReason !== null;
const suffix = ignore ? ` [skipped: ${skipReason}]` : "";

const ROOT = new URL("../../", import.meta.url);

/** One resolve() call: the host, its options, and a timeout of the caller's (an abort). */
interface Case {
  hostname: string;
  family?: 4 | 6;
  numericOnly?: boolean;
  timeoutMs?: number;
}

/** What one call gave: the address, or the failure with its words and exit code; its time. */
interface Result {
  address?: string;
  family?: number;
  ms?: number;
  failure?: string;
  detail?: string;
  message?: string;
  exitCode?: number;
  elapsedMs: number;
}

/** Runs resolve() for each group of cases (a group's cases at once) and prints JSON results. */
const SCRIPT = `
import { resolve } from ${JSON.stringify(new URL("lib/net/resolve.ts", ROOT).href)};
import { describeError, ResolveError } from ${JSON.stringify(new URL("lib/errors.ts", ROOT).href)};
const groups = JSON.parse(Deno.args[0]);
const results = [];
for (const group of groups) {
  results.push(...await Promise.all(group.map(async ({ hostname, family, numericOnly, timeoutMs }) => {
    const started = performance.now();
    const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    try {
      const resolved = await resolve(hostname, { family, numericOnly, signal });
      return { ...resolved, elapsedMs: performance.now() - started };
    } catch (e) {
      if (!(e instanceof ResolveError)) throw e;
      return {
        failure: e.failure,
        detail: e.detail,
        ...describeError(e),
        elapsedMs: performance.now() - started,
      };
    }
  })));
}
console.log(JSON.stringify(results));
`;

/** Runs the cases inside `net`; also returns how long the whole process took. */
async function resolveInside(
  net: Netns,
  groups: Case[][],
): Promise<{ results: Result[]; processMs: number }> {
  const out = await net.exec([
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-check",
    ...PERMISSIONS,
    "--config",
    new URL("deno.json", ROOT).pathname,
    "-",
    JSON.stringify(groups),
  ], { stdin: SCRIPT, timeoutMs: 30_000 });
  assertEquals(out.code, 0, `the resolve script failed:\n${out.stderr}`);
  return { results: JSON.parse(out.stdout), processMs: out.ms };
}

/** Runs one case in a namespace made with `options`. */
async function resolveOnce(options: NetnsOptions, one: Case): Promise<Result> {
  await using net = await Netns.create(options);
  const { results } = await resolveInside(net, [[one]]);
  return results[0];
}

function names(queries: DnsQuery[]): string[] {
  return queries.map((q) => `${q.name} ${q.type}`);
}

const ANSWERS = {
  "v4.tcpkit.test": "10.1.2.3",
  "v6.tcpkit.test": "fd00:1::3",
  "both.tcpkit.test": ["10.1.2.4", "fd00:1::4"],
};

Deno.test({
  name: `resolve() returns the DNS server's address of the family asked for (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await Netns.create({ dns: { answers: ANSWERS } });
    const { results } = await resolveInside(net, [[
      { hostname: "v4.tcpkit.test" },
      { hostname: "v6.tcpkit.test" },
      { hostname: "both.tcpkit.test", family: 4 },
      { hostname: "both.tcpkit.test", family: 6 },
      { hostname: "V4.TCPKIT.TEST." },
    ]]);
    assertEquals(
      results.map((r) => [r.address, r.family, r.failure]),
      [
        ["10.1.2.3", 4, undefined],
        ["fd00:1::3", 6, undefined],
        ["10.1.2.4", 4, undefined],
        ["fd00:1::4", 6, undefined],
        ["10.1.2.3", 4, undefined],
      ],
    );
    for (const r of results) assert(r.ms! > 0 && r.ms! < 1000, `lookup took ${r.ms} ms`);
    const asked = names(await net.queries());
    for (const query of ["v4.tcpkit.test A", "both.tcpkit.test A", "both.tcpkit.test AAAA"]) {
      assert(asked.includes(query), `no query "${query}" in ${asked.join(", ")}`);
    }
  },
});

Deno.test({
  name: `resolve() takes literals and /etc/hosts names without DNS queries (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await Netns.create({ hosts: { "hosts-only.tcpkit.test": "10.7.7.7" } });
    const { results } = await resolveInside(net, [[
      { hostname: "127.0.0.1" },
      { hostname: "[::1]" },
      { hostname: "::ffff:10.0.0.1", family: 4 },
      { hostname: "10.0.0.1", numericOnly: true },
      { hostname: "hosts-only.tcpkit.test" },
      { hostname: "999.1.1.1" },
      { hostname: "name.tcpkit.test", numericOnly: true },
    ]]);
    assertEquals(results.map((r) => [r.address ?? r.failure, r.ms]), [
      ["127.0.0.1", 0],
      ["::1", 0],
      ["10.0.0.1", 0],
      ["10.0.0.1", 0],
      ["10.7.7.7", results[4].ms],
      ["other", undefined],
      ["other", undefined],
    ]);
    assertEquals(results[4].family, 4);
    assertEquals(await net.queries(), [], "a literal or an /etc/hosts name reached the DNS server");
  },
});

Deno.test({
  name: `resolve() of a name the DNS server does not know is not-found, exit 3 (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await Netns.create({ dns: { answers: ANSWERS } });
    const { results } = await resolveInside(net, [[{ hostname: "no-such-host.tcpkit.test" }]]);
    const [r] = results;
    assertEquals([r.failure, r.message, r.exitCode], [
      "not-found",
      'cannot resolve host "no-such-host.tcpkit.test": name not found',
      3,
    ]);
    assert(r.elapsedMs < 900, `NXDOMAIN took ${r.elapsedMs.toFixed(0)} ms`);
    assert(names(await net.queries()).includes("no-such-host.tcpkit.test A"));
  },
});

Deno.test({
  name: `resolve() of a name without an address of the family is no-address (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await Netns.create({
      dns: { answers: ANSWERS, nodata: ["mx-only.tcpkit.test"] },
    });
    const { results } = await resolveInside(net, [[
      { hostname: "v4.tcpkit.test", family: 6 },
      { hostname: "v6.tcpkit.test", family: 4 },
      { hostname: "mx-only.tcpkit.test" },
      { hostname: "127.0.0.1", family: 6 },
    ]]);
    assertEquals(results.map((r) => [r.failure, r.detail, r.message, r.exitCode]), [
      ["no-address", "IPv6", 'cannot resolve host "v4.tcpkit.test": no IPv6 address', 3],
      ["no-address", "IPv4", 'cannot resolve host "v6.tcpkit.test": no IPv4 address', 3],
      ["no-address", undefined, 'cannot resolve host "mx-only.tcpkit.test": no address', 3],
      ["no-address", "IPv6", 'cannot resolve host "127.0.0.1": no IPv6 address', 3],
    ]);
    const asked = names(await net.queries());
    assert(asked.includes("v4.tcpkit.test AAAA"), asked.join(", "));
    assert(!asked.includes("v4.tcpkit.test A"), "family 6 asked for an A record");
  },
});

Deno.test({
  name: `resolve() with no DNS server on port 53 is resolver-unreachable, quickly (netns)${suffix}`,
  ignore,
  async fn() {
    const r = await resolveOnce({ dns: "unreachable" }, { hostname: "v4.tcpkit.test" });
    assertEquals([r.failure, r.message, r.exitCode], [
      "resolver-unreachable",
      'cannot resolve host "v4.tcpkit.test": the DNS server could not be reached',
      3,
    ]);
    // A refusal comes back at once: no waiting for the resolver's one-second timeout.
    assert(r.elapsedMs < 900, `took ${r.elapsedMs.toFixed(0)} ms`);
  },
});

Deno.test({
  name: `resolve() with a silent DNS server is resolver-timeout, in 1 s (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await Netns.create({ dns: "silent" });
    const { results } = await resolveInside(net, [[{ hostname: "v4.tcpkit.test" }]]);
    const [r] = results;
    assertEquals([r.failure, r.message, r.exitCode], [
      "resolver-timeout",
      'cannot resolve host "v4.tcpkit.test": the DNS server did not answer in time',
      3,
    ]);
    // resolv.conf says timeout:1 attempts:1.
    assert(r.elapsedMs >= 900, `gave up after ${r.elapsedMs.toFixed(0)} ms, before 1 s`);
    assert(r.elapsedMs < 2500, `took ${r.elapsedMs.toFixed(0)} ms, for a 1 s timeout`);
    assert(names(await net.queries()).includes("v4.tcpkit.test A"), "the stub heard nothing");
  },
});

Deno.test({
  name:
    `resolve() of a name answered after the resolver's timeout is resolver-timeout (netns)${suffix}`,
  ignore,
  async fn() {
    const r = await resolveOnce(
      { dns: { answers: ANSWERS, slow: { "late.tcpkit.test": 3 } } },
      { hostname: "late.tcpkit.test" },
    );
    assertEquals(r.failure, "resolver-timeout");
    assert(r.elapsedMs >= 900 && r.elapsedMs < 2500, `took ${r.elapsedMs.toFixed(0)} ms`);
  },
});

Deno.test({
  name: `resolve() with a DNS server answering SERVFAIL or REFUSED says so (netns)${suffix}`,
  ignore,
  async fn() {
    await using net = await Netns.create({
      dns: { fail: { "servfail.tcpkit.test": "SERVFAIL", "refused.tcpkit.test": "REFUSED" } },
    });
    const { results } = await resolveInside(net, [[
      { hostname: "servfail.tcpkit.test" },
      { hostname: "refused.tcpkit.test" },
    ]]);
    for (const r of results) {
      assertEquals([r.failure, r.detail, r.exitCode], [
        "other",
        "the DNS server reported a failure (SERVFAIL or REFUSED)",
        3,
      ]);
      assert(r.elapsedMs < 900, `took ${r.elapsedMs.toFixed(0)} ms`);
    }
  },
});

Deno.test({
  name: `resolve() gives up at the caller's timeout and the process exits at once (netns)${suffix}`,
  ignore,
  async fn() {
    // A resolver that would wait 5 s per try, twice, for each of A and AAAA.
    await using net = await Netns.create({
      dns: {
        answers: { ...ANSWERS, "later.tcpkit.test": "10.1.2.5" },
        slow: { "late.tcpkit.test": 30, "later.tcpkit.test": 1 },
      },
      resolver: { timeoutSeconds: 5, attempts: 2 },
    });
    const { results, processMs } = await resolveInside(net, [[
      { hostname: "late.tcpkit.test", timeoutMs: 300 },
      { hostname: "later.tcpkit.test", timeoutMs: 5000 },
    ]]);
    const [late, later] = results;
    assertEquals([late.failure, late.exitCode], ["resolver-timeout", 3]);
    assert(late.elapsedMs >= 290 && late.elapsedMs < 1000, `took ${late.elapsedMs} ms`);
    // The other lookup, in the same worker, still running when the first was abandoned, is
    // answered (a second later, as the stub was told).
    assertEquals([later.address, later.failure], ["10.1.2.5", undefined]);
    assert(later.elapsedMs >= 900, `answered after ${later.elapsedMs} ms`);
    // The abandoned getaddrinfo would keep the process alive for 10 s or more.
    assert(processMs < 5000, `the process took ${processMs.toFixed(0)} ms to exit`);
  },
});
