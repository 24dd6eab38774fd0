import { assert, assertEquals, assertRejects } from "@std/assert";
import { delay, within } from "../../lib/io/timers.ts";

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
