import { assertEquals } from "@std/assert";
import { daysFrom, expiryText, relativeDays } from "../lib/format.ts";

const NOW = new Date("2026-12-06T15:00:00Z");
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * 3_600_000);

Deno.test("daysFrom() counts whole days toward zero, ahead and past", () => {
  assertEquals(daysFrom(at(2 * 24 + 20), NOW), 2);
  assertEquals(daysFrom(at(-(2 * 24 + 20)), NOW), -2);
  assertEquals(daysFrom(at(23), NOW), 0);
  assertEquals(daysFrom(at(-23), NOW), 0);
  assertEquals(daysFrom(at(30 * 24), NOW), 30);
});

Deno.test("relativeDays() and expiryText() say it one way", () => {
  assertEquals(relativeDays(at(-(2 * 24 + 20)), NOW), "2 days ago");
  assertEquals(relativeDays(at(-30), NOW), "1 day ago");
  assertEquals(relativeDays(at(5), NOW), "today");
  assertEquals(relativeDays(at(30 * 24 + 1), NOW), "in 30 days");
  assertEquals(
    expiryText(new Date("2026-12-03T19:00:00Z"), NOW),
    "expired on 2026-12-03 (2 days ago)",
  );
  assertEquals(
    expiryText(new Date("2027-01-05T16:00:00Z"), NOW),
    "expires on 2027-01-05 (in 30 days)",
  );
  assertEquals(expiryText(at(-1), NOW), "expired on 2026-12-06 (today)");
});
