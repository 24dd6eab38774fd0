import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import { IdleTimer, idleTimer } from "../../lib/io/idle.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, checking every few milliseconds; fails after `limitMs`. */
async function until(condition: () => boolean, what: string, limitMs = 2000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/** Timer callbacks may run up to a millisecond early by the clock; the timer allows for it. */
const SLACK_MS = 2;

Deno.test("IdleTimer fires after the timeout when nothing touches it", async () => {
  let calls = 0;
  let firedAt = 0;
  const start = performance.now();
  const timer = new IdleTimer(30, () => {
    calls++;
    firedAt = performance.now();
  });
  try {
    assertEquals(timer.fired, false);
    await until(() => calls > 0, "the timer fires");
    assertEquals(calls, 1);
    assertEquals(timer.fired, true);
    assert(firedAt - start >= 30 - SLACK_MS, `fired after ${firedAt - start} ms`);
  } finally {
    timer.stop();
  }
});

Deno.test("IdleTimer fires only once", async () => {
  let calls = 0;
  const timer = new IdleTimer(20, () => calls++);
  try {
    await until(() => calls > 0, "the timer fires");
    await sleep(80); // several more timeouts
    assertEquals(calls, 1);
  } finally {
    timer.stop();
  }
});

Deno.test("IdleTimer does not fire again when touched after it fired", async () => {
  let calls = 0;
  const timer = new IdleTimer(20, () => calls++);
  try {
    await until(() => calls > 0, "the timer fires");
    timer.touch();
    await sleep(60);
    assertEquals(calls, 1);
  } finally {
    timer.stop();
  }
});

Deno.test("IdleTimer touch() postpones firing until the timeout has passed since the touch", async () => {
  let firedAt = 0;
  const timeoutMs = 60;
  const start = performance.now();
  const timer = new IdleTimer(timeoutMs, () => firedAt = performance.now());
  try {
    await sleep(20);
    assertEquals(timer.fired, false, "fired before its timeout");
    const touchedAt = performance.now();
    timer.touch();
    await until(() => timer.fired, "the timer fires");
    // However late the loop runs, the timer may not fire before the idle period after the touch.
    assert(
      firedAt - touchedAt >= timeoutMs - SLACK_MS,
      `fired ${firedAt - touchedAt} ms after the touch`,
    );
    assert(firedAt - start >= 20 + timeoutMs - SLACK_MS);
  } finally {
    timer.stop();
  }
});

Deno.test("IdleTimer does not fire while it keeps being touched", async () => {
  let calls = 0;
  const timeoutMs = 60;
  const timer = new IdleTimer(timeoutMs, () => calls++);
  let lastTouch = performance.now();
  let longestGap = 0;
  try {
    const end = performance.now() + 3 * timeoutMs;
    while (performance.now() < end) {
      await sleep(5);
      const now = performance.now();
      longestGap = Math.max(longestGap, now - lastTouch);
      lastTouch = now;
      timer.touch();
    }
    // Only meaningful when the touches really came more often than the timeout.
    if (longestGap < timeoutMs - SLACK_MS) assertEquals(calls, 0);
    await until(() => calls > 0, "the timer fires once the touches stop");
    assertEquals(calls, 1);
  } finally {
    timer.stop();
  }
});

Deno.test("IdleTimer stop() prevents it from firing", async () => {
  let calls = 0;
  const timer = new IdleTimer(20, () => calls++);
  timer.stop();
  await sleep(60);
  assertEquals(calls, 0);
  assertEquals(timer.fired, false);
});

Deno.test("IdleTimer stop() after a touch prevents it from firing", async () => {
  // The case needs stop() to come after the first deadline (the timer has re-armed) and before
  // the moved one; a loaded machine can oversleep past both, so such a run is tried again.
  for (let attempt = 1;; attempt++) {
    let calls = 0;
    const timer = new IdleTimer(60, () => calls++);
    const started = performance.now();
    await sleep(45);
    timer.touch(); // the deadline moves from about 60 ms to about 105 ms
    const touched = performance.now();
    await sleep(35); // past the first deadline, where the timer re-armed for the rest of the period
    const stoppedAt = performance.now();
    timer.stop();
    const callsAtStop = calls;
    await sleep(100);
    assertEquals(calls, callsAtStop, "fired after stop()");
    const inWindow = touched - started < 60 && stoppedAt - started > 60 &&
      stoppedAt - touched < 55;
    if (inWindow || attempt === 10) {
      assertEquals(calls, 0);
      return;
    }
  }
});

Deno.test("IdleTimer stop() can be called more than once, and after firing", async () => {
  let calls = 0;
  const timer = new IdleTimer(10, () => calls++);
  await until(() => calls > 0, "the timer fires");
  timer.stop();
  timer.stop();
  assertEquals(calls, 1);
});

Deno.test("idleTimer() returns no timer without a timeout", () => {
  assertEquals(idleTimer(undefined, () => {}), undefined);
});

Deno.test("idleTimer() returns a running IdleTimer for a timeout", async () => {
  let calls = 0;
  const timer = idleTimer(10, () => calls++);
  try {
    assertInstanceOf(timer, IdleTimer);
    await until(() => calls > 0, "the timer fires");
  } finally {
    timer?.stop();
  }
});
