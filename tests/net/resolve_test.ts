/**
 * resolve.ts without a resolver: IP literals, hosts no resolver could know, and the
 * classification of lookup errors. Nothing here looks a name up (names are tested in
 * tests/e2e/resolve_netns_test.ts, inside namespaces with a DNS server of their own).
 */
import { assertEquals, assertInstanceOf, assertRejects, assertThrows } from "@std/assert";
import { describeError, ResolveError } from "../../lib/errors.ts";
import {
  classifyLookupError,
  classifyProbe,
  literalAddress,
  probeWindowMs,
  resolve,
  resolveAll,
  resolveHost,
  TIMED_OUT_AFTER_MS,
} from "../../lib/net/resolve.ts";

Deno.test("literalAddress() takes IPv4 and IPv6 literals, with or without brackets", () => {
  assertEquals(literalAddress("127.0.0.1"), { address: "127.0.0.1", family: 4 });
  assertEquals(literalAddress("::1"), { address: "::1", family: 6 });
  assertEquals(literalAddress("[::1]"), { address: "::1", family: 6 });
  assertEquals(literalAddress("fe80::1%eth0"), { address: "fe80::1%eth0", family: 6 });
  assertEquals(literalAddress("2001:db8::1", 6), { address: "2001:db8::1", family: 6 });
  assertEquals(literalAddress("0.0.0.0", 4), { address: "0.0.0.0", family: 4 });
});

Deno.test("literalAddress() keeps an IPv4-mapped address, and unmaps it when IPv4 is asked for", () => {
  assertEquals(literalAddress("::ffff:127.0.0.1"), { address: "::ffff:127.0.0.1", family: 6 });
  assertEquals(literalAddress("::ffff:127.0.0.1", 4), { address: "127.0.0.1", family: 4 });
  assertEquals(literalAddress("::ffff:7f00:1", 4), { address: "127.0.0.1", family: 4 });
});

Deno.test("literalAddress() is null for a host name, which needs a lookup", () => {
  for (const name of ["localhost", "example.test", "a-b.c_d.test.", "xn--bcher-kva.test", "1a"]) {
    assertEquals(literalAddress(name), null, name);
  }
});

Deno.test("literalAddress() rejects a literal of the other family as no-address", () => {
  const v6 = assertThrows(() => literalAddress("127.0.0.1", 6), ResolveError);
  assertEquals([v6.failure, v6.detail, v6.hostname], ["no-address", "IPv6", "127.0.0.1"]);
  const v4 = assertThrows(() => literalAddress("::1", 4), ResolveError);
  assertEquals([v4.failure, v4.detail], ["no-address", "IPv4"]);
  assertEquals(describeError(v4), {
    message: 'cannot resolve host "::1": no IPv4 address',
    exitCode: 3,
  });
});

Deno.test("literalAddress() rejects numbers and dots that are no IPv4 address, with no lookup", () => {
  for (const host of ["999.1.1.1", "256.0.0.1", "1.2.3.4.5", "127.1", "010.0.0.1", "1.2.3.0x4"]) {
    const e = assertThrows(() => literalAddress(host), ResolveError, undefined, host);
    assertEquals(e.failure, "other", host);
    assertEquals(
      describeError(e).message,
      `cannot resolve host "${host}": not a valid IPv4 address (four numbers from 0 to 255, ` +
        "such as 127.0.0.1)",
    );
  }
});

Deno.test("literalAddress() rejects colons and brackets that are no IPv6 address", () => {
  for (const host of ["1::2::3", "::g", "[127.0.0.1]", "[example.test]", "host:80"]) {
    const e = assertThrows(() => literalAddress(host), ResolveError, undefined, host);
    assertEquals([e.failure, e.detail], ["other", "not a valid IPv6 address"], host);
  }
});

Deno.test("resolve() returns a literal at once, in 0 ms", async () => {
  assertEquals(await resolve("127.0.0.1"), { address: "127.0.0.1", family: 4, ms: 0 });
  assertEquals(await resolve("[::1]", { family: 6 }), { address: "::1", family: 6, ms: 0 });
  assertEquals(await resolve("::ffff:10.1.2.3", { family: 4, numericOnly: true }), {
    address: "10.1.2.3",
    family: 4,
    ms: 0,
  });
  assertEquals(await resolveAll("10.0.0.1"), {
    addresses: [{ address: "10.0.0.1", family: 4 }],
    ms: 0,
  });
});

Deno.test("resolve() with numericOnly rejects a name without looking it up", async () => {
  const e = await assertRejects(
    () => resolve("localhost", { numericOnly: true }),
    ResolveError,
  );
  assertEquals([e.failure, e.hostname], ["other", "localhost"]);
  assertEquals(
    describeError(e).message,
    'cannot resolve host "localhost": not an IP address, and names are not looked up ' +
      "(numeric only)",
  );
});

Deno.test("resolve() with a signal already timed out fails as resolver-timeout, no lookup", async () => {
  const signal = AbortSignal.abort(new DOMException("timed out", "TimeoutError"));
  const e = await assertRejects(() => resolve("never-looked-up.test", { signal }), ResolveError);
  assertEquals(e.failure, "resolver-timeout");
  assertInstanceOf(e.cause, DOMException);
});

Deno.test("resolve() with a signal aborted for another reason throws that reason", async () => {
  const reason = new Error("interrupted");
  const signal = AbortSignal.abort(reason);
  const e = await assertRejects(() => resolve("never-looked-up.test", { signal }));
  assertEquals(e, reason);
});

Deno.test("resolveHost() gives a literal back, and null for a host that cannot resolve", async () => {
  assertEquals(await resolveHost("127.0.0.1"), "127.0.0.1");
  assertEquals(await resolveHost("999.1.1.1"), null);
});

Deno.test("classifyLookupError() tells NXDOMAIN from no address by errno, not by code", () => {
  // node:dns says ENOTFOUND for both: only libuv's errno tells them apart.
  assertEquals(classifyLookupError({ code: "ENOTFOUND", errno: -3008, message: "" }, 5), {
    failure: "not-found",
  });
  assertEquals(classifyLookupError({ code: "ENOTFOUND", errno: -3007, message: "" }, 5, 6), {
    failure: "no-address",
    detail: "IPv6",
  });
  assertEquals(classifyLookupError({ code: "ENOTFOUND", errno: -3007, message: "" }, 5), {
    failure: "no-address",
    detail: undefined,
  });
});

Deno.test("classifyLookupError() calls an EAI_AGAIN after a resolver try a timeout", () => {
  const again = { code: "EAI_AGAIN", errno: -3001, message: "getaddrinfo EAI_AGAIN x" };
  assertEquals(classifyLookupError(again, 1009), { failure: "resolver-timeout" });
  assertEquals(classifyLookupError(again, TIMED_OUT_AFTER_MS), { failure: "resolver-timeout" });
  // Quicker than any try can time out: refused, unreachable, or SERVFAIL. The server must say.
  assertEquals(classifyLookupError(again, 9), "probe");
  assertEquals(classifyLookupError(again, TIMED_OUT_AFTER_MS - 1), "probe");
});

Deno.test("classifyLookupError() never reads the message", () => {
  const message = "getaddrinfo ENOTFOUND Name or service not known timed out";
  assertEquals(classifyLookupError({ code: "EAI_AGAIN", errno: -3001, message }, 2000), {
    failure: "resolver-timeout",
  });
  assertEquals(classifyLookupError({ code: "ENOTFOUND", errno: -3008, message }, 2000), {
    failure: "not-found",
  });
});

Deno.test("classifyLookupError() words EAI_FAIL, EPERM and anything else as other", () => {
  assertEquals(classifyLookupError({ code: "EAI_FAIL", errno: -3004, message: "" }, 5), {
    failure: "other",
    detail: "the DNS server failed (a non-recoverable error)",
  });
  assertEquals(classifyLookupError({ code: "EPERM", errno: -1, message: "" }, 0), {
    failure: "other",
    detail: "no permission to look names up (--allow-net)",
  });
  assertEquals(classifyLookupError({ code: "EAI_MEMORY", errno: -3006, message: "" }, 0), {
    failure: "other",
    detail: "name lookup failed (EAI_MEMORY)",
  });
});

Deno.test("classifyProbe() tells an answering DNS server from an unreachable one", () => {
  assertEquals(classifyProbe("silent"), { failure: "resolver-unreachable" });
  assertEquals(classifyProbe("answered"), {
    failure: "other",
    detail: "the DNS server reported a failure (SERVFAIL or REFUSED)",
  });
  assertEquals(classifyProbe("unknown"), {
    failure: "other",
    detail: "temporary failure in name resolution",
  });
});

Deno.test("probeWindowMs() gives a quick server a little time, and never a second", () => {
  assertEquals(probeWindowMs(0), 200);
  assertEquals(probeWindowMs(10), 200);
  assertEquals(probeWindowMs(100), 500);
  assertEquals(probeWindowMs(899), 1000);
});

Deno.test("describeError() words each resolve failure, exit 3", () => {
  const words = (e: ResolveError) => describeError(e);
  assertEquals(words(new ResolveError("x.test", "not-found")), {
    message: 'cannot resolve host "x.test": name not found',
    exitCode: 3,
  });
  assertEquals(
    words(new ResolveError("x.test", "resolver-unreachable")).message,
    'cannot resolve host "x.test": the DNS server could not be reached',
  );
  assertEquals(
    words(new ResolveError("x.test", "resolver-timeout")).message,
    'cannot resolve host "x.test": the DNS server did not answer in time',
  );
  assertEquals(
    words(new ResolveError("x.test", "no-address")).message,
    'cannot resolve host "x.test": no address',
  );
});
