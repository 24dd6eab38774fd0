import { assertEquals } from "@std/assert";
import { exitCodeOf, targetVerdict } from "../../lib/check/verdict.ts";
import { stateOfFailure } from "../../lib/check/states.ts";

Deno.test("targetVerdict() of one port: open is up, a TLS state is tls, the rest down", () => {
  assertEquals(targetVerdict(["open"]), "up");
  for (const state of ["expiring", "unverified", "tls-error"] as const) {
    assertEquals(targetVerdict([state]), "tls", state);
  }
  for (const state of ["closed", "timeout", "unreachable", "unresolved", "error"] as const) {
    assertEquals(targetVerdict([state]), "down", state);
  }
});

Deno.test("targetVerdict() of a range: one open port is up, but a bad certificate anywhere is not", () => {
  assertEquals(targetVerdict(["closed", "open", "timeout"]), "up");
  assertEquals(targetVerdict(["closed", "timeout"]), "down");
  assertEquals(targetVerdict(["open", "unverified"]), "tls");
  assertEquals(targetVerdict(["open", "expiring"]), "tls");
  // A port in a range that does not speak TLS is no certificate failure.
  assertEquals(targetVerdict(["open", "tls-error", "closed"]), "up");
  assertEquals(targetVerdict(["tls-error", "closed"]), "tls");
  assertEquals(targetVerdict([undefined]), "down");
});

Deno.test("exitCodeOf(): 1 when a target is down (over 5), 5 for TLS, 0 when all are up", () => {
  assertEquals(exitCodeOf(["up", "up"]), 0);
  assertEquals(exitCodeOf(["up", "tls"]), 5);
  assertEquals(exitCodeOf(["tls", "down", "up"]), 1);
  assertEquals(exitCodeOf([]), 0);
});

Deno.test("stateOfFailure(): refused is closed, every unreachable is unreachable, else error", () => {
  assertEquals(stateOfFailure("refused"), "closed");
  assertEquals(stateOfFailure("host-unreachable"), "unreachable");
  assertEquals(stateOfFailure("network-unreachable"), "unreachable");
  assertEquals(stateOfFailure("reset"), "error");
  assertEquals(stateOfFailure("not-available"), "error");
  assertEquals(stateOfFailure("other"), "error");
});
