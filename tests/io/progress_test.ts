import { assertEquals } from "@std/assert";
import { formatProgress, ProgressLine, type ProgressLineOptions } from "../../lib/io/progress.ts";

const MiB = 1024 * 1024;

// --- formatProgress --------------------------------------------------------------------------

Deno.test("formatProgress() shows bytes, rate and time taken when the total is unknown", () => {
  assertEquals(
    formatProgress({ bytes: 3 * MiB, elapsedMs: 2000 }),
    "  3 MiB  1.5 MiB/s  0:00:02 elapsed",
  );
});

Deno.test("formatProgress() adds the total, percent done and time left when the total is known", () => {
  assertEquals(
    formatProgress({ bytes: 12.5 * MiB, elapsedMs: 1000, total: 64 * MiB }),
    "  12.5 MiB / 64 MiB  19%  12.5 MiB/s  0:00:01 elapsed  0:00:05 left",
  );
});

Deno.test("formatProgress() rounds percent down and time left up, promising nothing early", () => {
  // 99.99% done is not 100%; 0.1 s left is a second left.
  const line = formatProgress({ bytes: 9999, elapsedMs: 1000, total: 10000 });
  assertEquals(line, "  9.76 KiB / 9.77 KiB  99%  9.76 KiB/s  0:00:01 elapsed  0:00:01 left");
});

Deno.test("formatProgress() rounds the time taken down, as a clock does", () => {
  assertEquals(formatProgress({ bytes: 0, elapsedMs: 1999 }), "  0 B  0 B/s  0:00:01 elapsed");
});

Deno.test("formatProgress() shows hours, minutes and seconds", () => {
  const line = formatProgress({
    bytes: MiB,
    elapsedMs: (3600 + 2 * 60 + 3) * 1000,
    total: 4 * MiB,
  });
  assertEquals(line.split("  ").slice(4), ["1:02:03 elapsed", "3:06:09 left"]);
  assertEquals(
    formatProgress({ bytes: 1, elapsedMs: 360_000_000 }).endsWith(" 100:00:00 elapsed"),
    true,
  );
});

Deno.test("formatProgress() leaves the time left open until there is a rate to go by", () => {
  assertEquals(
    formatProgress({ bytes: 0, elapsedMs: 5000, total: MiB }),
    "  0 B / 1 MiB  0%  0 B/s  0:00:05 elapsed  -:--:-- left",
  );
  assertEquals(formatProgress({ bytes: 10, elapsedMs: 0, total: MiB }).split("  ").slice(3), [
    "-",
    "0:00:00 elapsed",
    "-:--:-- left",
  ]);
});

Deno.test("formatProgress() shows 100% and nothing left once the total is reached or passed", () => {
  assertEquals(formatProgress({ bytes: MiB, elapsedMs: 2000, total: MiB }).split("  ").slice(2), [
    "100%",
    "512 KiB/s",
    "0:00:02 elapsed",
    "0:00:00 left",
  ]);
  assertEquals(
    formatProgress({ bytes: 2 * MiB, elapsedMs: 1000, total: MiB }).split("  ")[2],
    "100%",
  );
  assertEquals(formatProgress({ bytes: 0, elapsedMs: 1000, total: 0 }).split("  ")[2], "100%");
});

Deno.test("formatProgress() puts the direction first, escaped", () => {
  assertEquals(
    formatProgress({ bytes: 1024, elapsedMs: 1000, direction: "sent" }),
    "sent  1 KiB  1 KiB/s  0:00:01 elapsed",
  );
  assertEquals(
    formatProgress({ bytes: 0, elapsedMs: 0, direction: "\x1b[2J" }).slice(0, 9),
    "\\x1b[2J  ",
  );
});

// --- ProgressLine ----------------------------------------------------------------------------

/** A ProgressLine on a fake clock, and everything it wrote. */
function fakeLine(options: ProgressLineOptions = {}) {
  const clock = { now: 0 };
  const written: string[] = [];
  const line = new ProgressLine((text) => written.push(text), { now: () => clock.now, ...options });
  return { clock, written, line };
}

Deno.test("ProgressLine shows nothing for a transfer shorter than the delay", () => {
  const { clock, written, line } = fakeLine();
  for (let ms = 0; ms < 1000; ms += 10) {
    clock.now = ms;
    line.update(ms * 1000);
  }
  line.finish();
  assertEquals(written, []);
});

Deno.test("ProgressLine draws the line once the delay has passed, with \\r before and clear-to-end after", () => {
  const { clock, written, line } = fakeLine({ total: 4 * MiB });
  clock.now = 1000;
  line.update(MiB);
  assertEquals(written, ["\r  1 MiB / 4 MiB  25%  1 MiB/s  0:00:01 elapsed  0:00:03 left\x1b[K"]);
});

Deno.test("ProgressLine redraws at most once an interval, however often it is updated", () => {
  const { clock, written, line } = fakeLine({ delayMs: 0, intervalMs: 250 });
  for (let ms = 0; ms <= 1000; ms += 5) {
    clock.now = ms;
    line.update(ms);
  }
  // At 0, 250, 500, 750 and 1000 ms.
  assertEquals(written.length, 5);
  assertEquals(
    written.map((text) => text.startsWith("\r") && text.endsWith("\x1b[K")),
    Array(5).fill(true),
  );
});

Deno.test("ProgressLine times the interval from the last redraw, not from a grid", () => {
  const { clock, written, line } = fakeLine({ delayMs: 1000, intervalMs: 250 });
  clock.now = 1100;
  line.update(1);
  clock.now = 1300; // 200 ms after the redraw: not yet
  line.update(2);
  clock.now = 1350;
  line.update(3);
  assertEquals(written.length, 2);
});

Deno.test("ProgressLine times the transfer from its construction", () => {
  let now = 5000;
  const written: string[] = [];
  const line = new ProgressLine((text) => written.push(text), { now: () => now });
  now = 7000;
  line.update(2048);
  assertEquals(written, ["\r  2 KiB  1 KiB/s  0:00:02 elapsed\x1b[K"]);
});

Deno.test("ProgressLine.finish() clears a line it drew, once", () => {
  const { clock, written, line } = fakeLine();
  clock.now = 1000;
  line.update(10);
  line.finish();
  line.finish();
  assertEquals(written.slice(1), ["\r\x1b[K"]);
});

Deno.test("ProgressLine shows nothing after finish()", () => {
  const { clock, written, line } = fakeLine();
  line.finish();
  clock.now = 10_000;
  line.update(10);
  line.finish();
  assertEquals(written, []);
});

Deno.test("ProgressLine reads the clock once an update and formats nothing until a redraw is due", () => {
  let reads = 0;
  const written: string[] = [];
  const line = new ProgressLine((text) => written.push(text), {
    now: () => (reads++, 0),
    direction: "sent",
  });
  for (let i = 0; i < 1000; i++) line.update(i);
  assertEquals(reads, 1 + 1000);
  assertEquals(written, []);
});

Deno.test("ProgressLine puts its direction first", () => {
  const { clock, written, line } = fakeLine({ direction: "received" });
  clock.now = 1000;
  line.update(0);
  assertEquals(written, ["\rreceived  0 B  0 B/s  0:00:01 elapsed\x1b[K"]);
});

Deno.test("ProgressLine.clear() wipes a shown line for other text, and the next redraw brings it back", () => {
  const { clock, written, line } = fakeLine({ delayMs: 0, intervalMs: 250 });
  line.clear(); // nothing shown: nothing to clear
  assertEquals(written, []);
  line.update(1);
  line.clear();
  line.clear(); // already clear
  assertEquals(written.slice(1), ["\r\x1b[K"]);
  clock.now = 250;
  line.update(2);
  assertEquals(written.length, 3);
  line.finish();
  line.clear();
  assertEquals(written.slice(3), ["\r\x1b[K"]);
});
