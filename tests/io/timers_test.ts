import { assert, assertEquals, assertRejects } from "@std/assert";
import { deadline, delay, within } from "../../lib/io/timers.ts";
import { isAbortTimeout } from "../../lib/net/errors.ts";

Deno.test("delay() resolves once its time has passed", async () => {
  const started = performance.now();
  await delay(30);
  assert(performance.now() - started >= 29);
});

Deno.test("within() gives the promise's value when it comes first, and leaves no timer", async () => {
  // Deno's test sanitizer fails a test that leaves a timer behind.
  assertEquals(await within(Promise.resolve(7), 60_000, "late"), 7);
});

Deno.test("within() gives the timed-out value when the deadline comes first", async () => {
  const never = new Promise<number>(() => {});
  assertEquals(await within(never, 10, "late"), "late");
});

Deno.test("within() passes on the promise's rejection", async () => {
  await assertRejects(
    () => within(Promise.reject(new Error("reset")), 60_000, "late"),
    Error,
    "reset",
  );
});

Deno.test("deadline() aborts its signal with a TimeoutError once its time has passed", async () => {
  const limit = deadline(5);
  await new Promise((resolve) => limit.signal.addEventListener("abort", resolve, { once: true }));
  assert(isAbortTimeout(limit.signal.reason));
  limit.clear();
});

Deno.test("deadline() cleared in time never aborts, and leaves no timer", async () => {
  const limit = deadline(5);
  limit.clear();
  await delay(20);
  assert(!limit.signal.aborted);
});
