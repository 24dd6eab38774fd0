/** Waiting on the event loop in unit tests: by turns and conditions, never by wall-clock sleeps. */

/** Lets the event loop run `n` full turns (timers included), so pending work can proceed. */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits, turn by turn, until `condition` holds; fails after many turns. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await turns(1);
  }
  throw new Error(`timed out waiting until ${what}`);
}
