import { assert, assertEquals } from "@std/assert";
import { probe, type ProbeResult } from "../../lib/net/probe.ts";

/** Listeners on free loopback ports, and ports known to be closed. */
function ports(open: number, closed: number) {
  const listeners = Array.from(
    { length: open },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const shut = Array.from({ length: closed }, () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    l.close();
    return port;
  });
  return {
    open: listeners.map((l) => l.addr.port),
    closed: shut,
    [Symbol.dispose]: () => listeners.forEach((l) => l.close()),
  };
}

function jobsOf(list: number[]): Int32Array {
  return Int32Array.from(list.flatMap((port) => [0, port]));
}

async function scan(list: number[], concurrency: number, signal?: AbortSignal) {
  const found = new Map<number, ProbeResult>();
  await probe(["127.0.0.1"], jobsOf(list), {
    concurrency,
    timeoutMs: 2000,
    signal,
    onResult: (job, result) => {
      assert(!found.has(job), `job ${job} reported twice`);
      found.set(job, result);
    },
  });
  return found;
}

for (const [what, concurrency] of [["on the main thread", 50], ["over Workers", 1600]] as const) {
  Deno.test(`probe() ${what} tells open from closed, every job once`, async () => {
    using p = ports(3, 200);
    const list = [...p.closed.slice(0, 100), ...p.open, ...p.closed.slice(100)];
    const found = await scan(list, concurrency);
    assertEquals(found.size, list.length);
    list.forEach((port, job) => {
      const result = found.get(job)!;
      if (p.open.includes(port)) {
        assertEquals(result.kind, "open", `port ${port}`);
        assert(result.kind === "open" && result.latencyMs >= 0);
      } else {
        assertEquals(result, { kind: "failed", failure: "refused" }, `port ${port}`);
      }
    });
  });
}

Deno.test("probe() reports nothing once its signal aborts, and returns", async () => {
  using p = ports(0, 1);
  const controller = new AbortController();
  controller.abort();
  const found = await scan(p.closed, 10, controller.signal);
  assertEquals(found.size, 0);
});

for (const [what, jobs, concurrency] of [["main thread", 1, 1], ["Workers", 300, 1600]] as const) {
  Deno.test(`probe() (${what}) gives a failure nothing classifies as other, in the system's words`, async () => {
    // Port 0 cannot be connected to: Deno refuses it before any packet, with a RangeError.
    const found = await scan(Array(jobs).fill(0), concurrency);
    assertEquals(found.size, jobs);
    for (const result of found.values()) {
      assertEquals(result, {
        kind: "failed",
        failure: "other",
        detail: "invalid port (out of range): 0",
      });
    }
  });
}
