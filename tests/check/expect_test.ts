import { assertEquals, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import {
  bodyHolds,
  DEFAULT_EXPECT,
  httpVerdict,
  parseExpect,
  statusExpected,
} from "../../lib/check/expect.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("parseExpect() takes statuses, classes, lists and ranges", () => {
  assertEquals(parseExpect("200").ranges, [[200, 200]]);
  assertEquals(parseExpect("2xx").ranges, [[200, 299]]);
  assertEquals(parseExpect("2XX").ranges, [[200, 299]]);
  assertEquals(parseExpect("200,204").ranges, [[200, 200], [204, 204]]);
  assertEquals(parseExpect("200-299").ranges, [[200, 299]]);
  assertEquals(parseExpect(" 200 , 3xx ,401-403").ranges, [[200, 200], [300, 399], [401, 403]]);
  assertEquals(parseExpect(" 200 , 3xx").text, "200,3xx");
});

Deno.test("parseExpect() refuses what is not a status list, saying what was wrong", () => {
  for (
    const [raw, words] of [
      ["", "an empty item"],
      ["200,", "an empty item"],
      ["ok", '"ok" is not a status'],
      ["6xx", '"6xx" is not a status'],
      ["2000", '"2000" is not a status'],
      ["99", '"99" is not a status'],
      ["600", "600 is not an HTTP status (100-599)"],
      ["299-200", "the range 299-200 ends before it begins"],
    ]
  ) {
    const e = assertThrows(() => parseExpect(raw), UsageError);
    assertEquals(
      e.message,
      `Invalid --expect "${raw}": ${words}; expected statuses such as 200, 2xx, 200,204 or 200-299`,
    );
  }
});

Deno.test("statusExpected() holds 200-399 by default: a redirect is an answer", () => {
  assertEquals([199, 200, 302, 399, 400, 503].map((s) => statusExpected(s, DEFAULT_EXPECT)), [
    false,
    true,
    true,
    true,
    false,
    false,
  ]);
});

Deno.test("httpVerdict() judges the status first, then the body", () => {
  const expect = { status: parseExpect("2xx"), body: "ok" };
  assertEquals(httpVerdict({ status: 200, body: encode("all ok\n") }, expect), { healthy: true });
  assertEquals(httpVerdict({ status: 503, body: encode("ok") }, expect), {
    healthy: false,
    reason: "status 503, expected 2xx",
  });
  assertEquals(httpVerdict({ status: 200, body: encode("down") }, expect), {
    healthy: false,
    reason: 'body lacks "ok"',
  });
  assertEquals(httpVerdict({ status: 200, body: encode("x".repeat(10)), bodyCut: true }, expect), {
    healthy: false,
    reason: 'body lacks "ok" (in its first 64 KiB)',
  });
  assertEquals(httpVerdict({ status: 204 }, { status: parseExpect("204") }), { healthy: true });
});

Deno.test("httpVerdict() escapes the expected text in its reason", () => {
  const verdict = httpVerdict({ status: 200, body: encode("") }, {
    status: DEFAULT_EXPECT,
    body: "\x1b[31m",
  });
  assertEquals(verdict, { healthy: false, reason: 'body lacks "\\x1b[31m"' });
});

Deno.test("bodyHolds() finds UTF-8 text anywhere in the bytes, and nothing in no body", () => {
  assertEquals(bodyHolds(encode("status: grün"), "grün"), true);
  assertEquals(bodyHolds(encode("status: gru"), "grün"), false);
  assertEquals(bodyHolds(encode("ab"), "abc"), false);
  assertEquals(bodyHolds(undefined, "ok"), false);
  assertEquals(bodyHolds(encode(""), ""), true);
});
