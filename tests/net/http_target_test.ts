import { assertEquals, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import { isHttpUrl, parseHttpTarget } from "../../lib/net/http_target.ts";
import { parseTargets } from "../../lib/net/targets.ts";

Deno.test("parseHttpTarget() takes the scheme's port, the path and query, and drops the fragment", () => {
  assertEquals(parseHttpTarget("http://example.com"), {
    url: "http://example.com/",
    tls: false,
    hostname: "example.com",
    port: 80,
    path: "/",
    host: "example.com",
  });
  assertEquals(parseHttpTarget("HTTPS://Example.COM:443/a/b?c=d#top"), {
    url: "https://example.com/a/b?c=d",
    tls: true,
    hostname: "example.com",
    port: 443,
    path: "/a/b?c=d",
    host: "example.com",
  });
  assertEquals(parseHttpTarget("https://127.0.0.1:8443/healthz").host, "127.0.0.1:8443");
  assertEquals(parseHttpTarget("http://[::1]:8080/").hostname, "::1");
});

Deno.test("parseHttpTarget() refuses a URL without a host, with a user name, or that does not parse", () => {
  for (const raw of ["http://", "http://user:pw@host/", "http://host:99999/", "http://a b/"]) {
    assertThrows(() => parseHttpTarget(raw), UsageError, `Invalid URL "${raw}"`);
  }
});

Deno.test("isHttpUrl() tells http:// and https:// targets from HOST:PORT ones", () => {
  assertEquals(["http://a", "HTTPS://a", "host:80", "tls://a:1", "http:a"].map(isHttpUrl), [
    true,
    true,
    false,
    false,
    false,
  ]);
});

Deno.test("parseTargets() mixes URLs with HOST:PORT and HOST PORT targets, in order", () => {
  const targets = parseTargets(["a:22", "http://b:8080/x", "c", "80", "https://d/"]);
  assertEquals(targets.map((t) => [t.text, t.hosts, t.ports, t.http?.path]), [
    ["a:22", ["a"], [22], undefined],
    ["http://b:8080/x", ["b"], [8080], "/x"],
    ["c 80", ["c"], [80], undefined],
    ["https://d/", ["d"], [443], "/"],
  ]);
});
