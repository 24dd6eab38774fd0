import { assertAlmostEquals, assertEquals } from "@std/assert";
import { EXACT_SAMPLES, LatencyStats } from "../../lib/check/stats.ts";

Deno.test("LatencyStats.summary() is undefined before the first latency", () => {
  assertEquals(new LatencyStats().summary(), undefined);
});

Deno.test("LatencyStats gives min, mean, max, population stddev and nearest-rank p95", () => {
  const stats = new LatencyStats();
  for (let ms = 1; ms <= 20; ms++) stats.add(ms);
  const s = stats.summary()!;
  assertEquals([s.count, s.min, s.max, s.avg], [20, 1, 20, 10.5]);
  // Population variance of 1..20 is (20² - 1) / 12.
  assertAlmostEquals(s.stddev, Math.sqrt(399 / 12), 1e-12);
  // Rank ceil(0.95 × 20) = 19.
  assertEquals(s.p95, 19);
});

Deno.test("LatencyStats of one latency: everything is that latency, stddev 0", () => {
  const stats = new LatencyStats();
  stats.add(0.25);
  assertEquals(stats.summary(), {
    count: 1,
    min: 0.25,
    avg: 0.25,
    max: 0.25,
    stddev: 0,
    p95: 0.25,
  });
});

Deno.test("LatencyStats orders latencies as numbers, not as text", () => {
  const stats = new LatencyStats();
  for (const ms of [9, 10, 100, 2, 1000, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19]) {
    stats.add(ms);
  }
  assertEquals(stats.summary()!.p95, 100);
});

Deno.test("LatencyStats keeps p95 within 1 % past its exact samples, in bounded memory", () => {
  const stats = new LatencyStats();
  const n = EXACT_SAMPLES * 10;
  // 0.1 ms to about 10 ms, in a shuffled order.
  for (let i = 0; i < n; i++) stats.add(0.1 + ((i * 7919) % n) / n * 10);
  const s = stats.summary()!;
  assertEquals(s.count, n);
  const exact = 0.1 + Math.ceil(0.95 * n - 1) / n * 10;
  assertAlmostEquals(s.p95, exact, exact * 0.01);
  assertAlmostEquals(s.avg, 0.1 + 5 * (n - 1) / n, 1e-9);
  assertAlmostEquals(s.min, 0.1, 1e-12);
});
