import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { parseDuration } from "../../lib/cli/duration.ts";
import { formatDuration } from "../../lib/format.ts";
import { UsageError } from "../../lib/errors.ts";

Deno.test("parseDuration() reads milliseconds", () => {
  assertEquals(parseDuration("500ms"), 500);
  assertEquals(parseDuration("1ms"), 1);
});

Deno.test("parseDuration() reads seconds", () => {
  assertEquals(parseDuration("2s"), 2000);
});

Deno.test("parseDuration() reads minutes", () => {
  assertEquals(parseDuration("1m"), 60_000);
});

Deno.test("parseDuration() reads hours", () => {
  assertEquals(parseDuration("1h"), 3_600_000);
});

Deno.test("parseDuration() reads a bare number as seconds", () => {
  assertEquals(parseDuration("3"), 3000);
  assertEquals(parseDuration("10"), 10_000);
});

Deno.test("parseDuration() reads fractions", () => {
  assertEquals(parseDuration("1.5"), 1500);
  assertEquals(parseDuration("0.5s"), 500);
  assertEquals(parseDuration(".25s"), 250);
  assertEquals(parseDuration("1.5m"), 90_000);
});

Deno.test("parseDuration() ignores surrounding white space", () => {
  assertEquals(parseDuration(" 2s "), 2000);
});

Deno.test("parseDuration() rejects zero", () => {
  for (const raw of ["0", "0ms", "0s", "0.0"]) {
    assertThrows(() => parseDuration(raw), UsageError, "positive duration");
  }
});

Deno.test("parseDuration() rejects negative durations", () => {
  assertThrows(() => parseDuration("-1"), UsageError);
  assertThrows(() => parseDuration("-5s"), UsageError);
});

Deno.test("parseDuration() rejects text that is not a duration", () => {
  for (
    const raw of ["", " ", "abc", "5x", "s", "ms", "2 s", "1e3", "1.2.3", "Infinity", "NaN", "2sec"]
  ) {
    assertThrows(() => parseDuration(raw), UsageError, undefined, `accepted "${raw}"`);
  }
});

Deno.test("parseDuration() throws a usage error with exit code 2", () => {
  const error = assertThrows(() => parseDuration("soon"), UsageError);
  assertEquals((error as UsageError).exitCode, 2);
});

Deno.test("parseDuration() names the option and the bad text in its error", () => {
  const error = assertThrows(() => parseDuration("soon", "--timeout"), UsageError);
  assertStringIncludes((error as Error).message, "--timeout");
  assertStringIncludes((error as Error).message, '"soon"');
  assertStringIncludes((error as Error).message, "500ms");
});

Deno.test("parseDuration() names a duration by default in its error", () => {
  assertThrows(() => parseDuration("x"), UsageError, 'Invalid duration "x"');
});

Deno.test("formatDuration() shows small durations in milliseconds with two decimals", () => {
  assertEquals(formatDuration(0), "0.00 ms");
  assertEquals(formatDuration(0.42), "0.42 ms");
  assertEquals(formatDuration(9.5), "9.50 ms");
});

Deno.test("formatDuration() shows durations under a second in whole milliseconds", () => {
  assertEquals(formatDuration(10), "10 ms");
  assertEquals(formatDuration(12), "12 ms");
  assertEquals(formatDuration(12.4), "12 ms");
  assertEquals(formatDuration(999.4), "999 ms");
});

Deno.test("formatDuration() shows durations under a minute in seconds with two decimals", () => {
  assertEquals(formatDuration(1000), "1.00 s");
  assertEquals(formatDuration(1500), "1.50 s");
  assertEquals(formatDuration(59_000), "59.00 s");
});

Deno.test("formatDuration() shows long durations in minutes and padded seconds", () => {
  assertEquals(formatDuration(60_000), "1m 00s");
  assertEquals(formatDuration(125_000), "2m 05s");
  assertEquals(formatDuration(3_600_000), "60m 00s");
});

Deno.test("formatDuration() rounds long durations to the second", () => {
  assertEquals(formatDuration(61_400), "1m 01s");
  assertEquals(formatDuration(61_600), "1m 02s");
});
