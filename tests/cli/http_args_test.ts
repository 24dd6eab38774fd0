import { assertEquals, assertThrows } from "@std/assert";
import { type CheckCommand, parseCommandLine } from "../../lib/cli/args.ts";
import { parseHeader } from "../../lib/cli/http_args.ts";
import { UsageError } from "../../lib/errors.ts";

const check = (...args: string[]) => parseCommandLine(["check", ...args]) as CheckCommand;

Deno.test("parseHeader() takes Name: value, and an empty value to take a header away", () => {
  assertEquals(parseHeader("X-Test:  a b "), ["X-Test", "a b"]);
  assertEquals(parseHeader("Accept:"), ["Accept", ""]);
  for (const raw of ["NoColon", ": value", "Bad Name: x", "X: a\r\nInjected: 1", "X: a\u2028b"]) {
    assertThrows(() => parseHeader(raw), UsageError, "Invalid header");
  }
});

Deno.test("check's HTTP options go with http:// targets", () => {
  const command = check("http://a/", "-H", "X: 1", "--method", "HEAD", "--expect", "2xx");
  assertEquals(command.http?.method, "HEAD");
  assertEquals(command.http?.headers, [["X", "1"]]);
  assertEquals(command.http?.expect.ranges, [[200, 299]]);
  assertThrows(() => check("a:80", "--expect", "200"), UsageError, "go with http:// or https://");
  assertThrows(
    () => check("http://a/", "--method", "POST"),
    UsageError,
    'Invalid --method "POST": expected GET or HEAD',
  );
  assertThrows(
    () => check("http://a/", "--method", "HEAD", "--expect-body", "ok"),
    UsageError,
    "a HEAD answer has no body",
  );
});

Deno.test("check takes TLS options for https:// targets, --source for HTTP targets only", () => {
  const command = check("https://a/", "--pin", "aa".repeat(32), "--sni=b");
  assertEquals(command.httpsTls?.sni, "b");
  assertEquals(command.tls, undefined);
  assertThrows(() => check("http://a/", "--sni", "b"), UsageError, "--tls or an https:// target");
  assertEquals(check("http://a/", "--source", "127.0.0.2").source, "127.0.0.2");
  assertThrows(() => check("a:80", "--source", "127.0.0.2"), UsageError, "http:// and https://");
});

Deno.test("check --wait takes a duration, and not with --count", () => {
  assertEquals(check("a:80", "--wait", "30s").waitMs, 30_000);
  assertEquals(check("a:80", "--wait", "5s", "--interval", "250ms").waitIntervalMs, 250);
  assertEquals(check("a:80", "--wait", "5s").waitIntervalMs, undefined);
  assertThrows(() => check("a:80", "--wait", "5s", "--count", "3"), UsageError, "--wait");
  assertEquals(parseCommandLine(["connect", "--wait", "2s", "a:1"]).command, "connect");
});
