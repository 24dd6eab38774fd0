import { assert, assertEquals, assertFalse, assertStrictEquals } from "@std/assert";
import { describeError, NetError, TcpkitError, TimeoutError } from "../../lib/errors.ts";
import { classifyFailure, isClosedLocally, isPeerGone, toNetError } from "../../lib/net/errors.ts";

/** An error as Deno's ops make one: a class of its own, or a plain Error with a code. */
function withCode(code: string, message = `${code} (os error 1)`): Error {
  return Object.assign(new Error(message), { code });
}

// --- classifyFailure -------------------------------------------------------------------------

Deno.test("classifyFailure() names Deno's socket error classes", () => {
  const cases: [Error, string][] = [
    [new Deno.errors.ConnectionRefused("x"), "refused"],
    [new Deno.errors.ConnectionReset("x"), "reset"],
    [new Deno.errors.ConnectionAborted("x"), "aborted"],
    [new Deno.errors.BrokenPipe("x"), "broken-pipe"],
    [new Deno.errors.AddrInUse("x"), "in-use"],
    [new Deno.errors.AddrNotAvailable("x"), "not-available"],
    [new Deno.errors.NetworkUnreachable("x"), "network-unreachable"],
    [new Deno.errors.PermissionDenied("x"), "permission"],
    [new Deno.errors.NotCapable("x"), "permission"],
    [new Deno.errors.NotFound("x"), "not-found"],
  ];
  for (const [error, failure] of cases) assertEquals(classifyFailure(error), failure, error.name);
});

Deno.test("classifyFailure() names the system's codes on plain errors, not their words", () => {
  assertEquals(classifyFailure(withCode("EHOSTUNREACH")), "host-unreachable");
  assertEquals(classifyFailure(withCode("ENETUNREACH")), "network-unreachable");
  assertEquals(classifyFailure(withCode("EMFILE")), "too-many-files");
  assertEquals(classifyFailure(withCode("ENFILE")), "too-many-files");
  assertEquals(classifyFailure(new Error("Too many open files (os error 24)")), undefined);
  assertEquals(classifyFailure(new Error("No route to host")), undefined);
});

Deno.test("classifyFailure() is undefined for values that are not Errors", () => {
  assertEquals(classifyFailure("ConnectionRefused"), undefined);
  assertEquals(classifyFailure(undefined), undefined);
});

Deno.test("classifyFailure() is self-contained, so that its source text runs in a Worker", () => {
  const shipped = new Function(`return (${classifyFailure.toString()})`)();
  assertEquals(shipped(new Deno.errors.ConnectionRefused("x")), "refused");
  assertEquals(shipped(withCode("EHOSTUNREACH")), "host-unreachable");
});

// --- isPeerGone, isClosedLocally -------------------------------------------------------------

Deno.test("isPeerGone() is true for reset, broken pipe and aborted", () => {
  assert(isPeerGone(new Deno.errors.ConnectionReset("x")));
  assert(isPeerGone(new Deno.errors.BrokenPipe("x")));
  assert(isPeerGone(new Deno.errors.ConnectionAborted("x")));
});

Deno.test("isPeerGone() is false for other errors", () => {
  assertFalse(isPeerGone(new Deno.errors.ConnectionRefused("x")));
  assertFalse(isPeerGone(new Deno.errors.BadResource("x")));
  assertFalse(isPeerGone(new Error("Connection reset by peer")));
  assertFalse(isPeerGone(null));
});

Deno.test("isClosedLocally() is true for a resource closed under a pending operation", () => {
  assert(isClosedLocally(new Deno.errors.BadResource("x")));
  assert(isClosedLocally(new Deno.errors.Interrupted("x")));
  assertFalse(isClosedLocally(new Deno.errors.ConnectionReset("x")));
});

// --- toNetError ------------------------------------------------------------------------------

Deno.test("toNetError() types a socket error by its kind, with what was being done", () => {
  const cause = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
  const error = toNetError(cause, "cannot connect to 127.0.0.1:1");
  if (!(error instanceof NetError)) throw new Error(`not a NetError: ${error}`);
  assertEquals([error.failure, error.context], ["refused", "cannot connect to 127.0.0.1:1"]);
  assertStrictEquals(error.cause, cause);
  assertEquals(describeError(error), {
    message: "cannot connect to 127.0.0.1:1: connection refused",
    exitCode: 1,
  });
});

Deno.test("toNetError() keeps a hint, said after a semicolon", () => {
  const error = toNetError(new Deno.errors.AddrInUse("x"), "cannot listen on 0.0.0.0:80", "go");
  assertEquals(
    describeError(error).message,
    "cannot listen on 0.0.0.0:80: address already in use; go",
  );
});

Deno.test("toNetError() keeps the system's words for an error it cannot classify", () => {
  const error = toNetError(new Error("Something odd happened (os error 5)"), "read failed");
  assertEquals(describeError(error).message, "read failed: something odd happened");
});

Deno.test("toNetError() passes tcpkit's own typed errors through as they are", () => {
  const timeout = new TimeoutError("connect", 2000, "cannot connect to 10.0.0.1:22");
  assertStrictEquals(toNetError(timeout, "other"), timeout);
  const worded = new TcpkitError("dialogue with x: broke off");
  assertStrictEquals(toNetError(worded, "other"), worded);
});
