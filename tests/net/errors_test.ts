import { assert, assertEquals, assertFalse, assertInstanceOf } from "@std/assert";
import { ExitCode, TcpkitError } from "../../lib/errors.ts";
import { isPeerGone, isResolveError, netError, reasonOf } from "../../lib/net/errors.ts";

/** The message Deno gives when a name does not resolve (Linux, glibc). */
const RESOLVE_MESSAGE = "failed to lookup address information: Name or service not known";

// --- reasonOf --------------------------------------------------------------------------------

Deno.test("reasonOf() names a refused connection, with exit code 1", () => {
  const e = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
  assertEquals(reasonOf(e), { text: "connection refused", exitCode: ExitCode.network });
  assertEquals(reasonOf(e).exitCode, 1);
});

Deno.test("reasonOf() names the errors of a peer that went away", () => {
  assertEquals(reasonOf(new Deno.errors.ConnectionReset("x")).text, "connection reset by peer");
  assertEquals(reasonOf(new Deno.errors.ConnectionAborted("x")).text, "connection aborted");
  assertEquals(
    reasonOf(new Deno.errors.BrokenPipe("x")).text,
    "the peer stopped reading (broken pipe)",
  );
});

Deno.test("reasonOf() names address and reachability errors, with exit code 1", () => {
  const cases: [Error, string][] = [
    [new Deno.errors.AddrInUse("x"), "address already in use"],
    [new Deno.errors.AddrNotAvailable("x"), "address not available on this host"],
    [new Deno.errors.NetworkUnreachable("x"), "network unreachable"],
    [new Deno.errors.PermissionDenied("x"), "permission denied"],
    [new Deno.errors.NotCapable("x"), "permission denied"],
  ];
  for (const [error, text] of cases) {
    assertEquals(reasonOf(error), { text, exitCode: 1 }, error.name);
  }
});

Deno.test("reasonOf() gives a timeout exit code 4", () => {
  assertEquals(reasonOf(new Deno.errors.TimedOut("x")), {
    text: "timed out",
    exitCode: ExitCode.timeout,
  });
  assertEquals(reasonOf(new Deno.errors.TimedOut("x")).exitCode, 4);
});

Deno.test("reasonOf() treats an abort signal's TimeoutError as a timeout", () => {
  const e = new DOMException("Signal timed out.", "TimeoutError");
  assertEquals(reasonOf(e), { text: "timed out", exitCode: 4 });
});

Deno.test("reasonOf() gives an unresolved name exit code 3", () => {
  assertEquals(reasonOf(new Error(RESOLVE_MESSAGE)), {
    text: "name not resolved",
    exitCode: ExitCode.resolve,
  });
  assertEquals(reasonOf(new Error(RESOLVE_MESSAGE)).exitCode, 3);
});

Deno.test("reasonOf() recognises too many open files", () => {
  assertEquals(reasonOf(new Error("Too many open files (os error 24)")), {
    text: "too many open files",
    exitCode: 1,
  });
});

Deno.test("reasonOf() lowercases an unknown error's message and drops its os error code", () => {
  assertEquals(reasonOf(new Error("Something odd happened (os error 5)")), {
    text: "something odd happened",
    exitCode: 1,
  });
});

Deno.test("reasonOf() keeps an unknown error's message without an os error code", () => {
  assertEquals(reasonOf(new Error("Weird")).text, "weird");
});

Deno.test("reasonOf() turns a value that is not an Error into text", () => {
  assertEquals(reasonOf("plain text"), { text: "plain text", exitCode: 1 });
  assertEquals(reasonOf(42), { text: "42", exitCode: 1 });
});

// --- netError --------------------------------------------------------------------------------

Deno.test("netError() reads action: reason", () => {
  const error = netError(
    new Deno.errors.ConnectionRefused("Connection refused (os error 111)"),
    "cannot connect to 127.0.0.1:1",
  );
  assertInstanceOf(error, TcpkitError);
  assertEquals(error.message, "cannot connect to 127.0.0.1:1: connection refused");
  assertEquals(error.exitCode, 1);
});

Deno.test("netError() appends a hint after a semicolon", () => {
  const error = netError(
    new Deno.errors.AddrInUse("x"),
    "cannot listen on 0.0.0.0:80",
    "choose another port",
  );
  assertEquals(
    error.message,
    "cannot listen on 0.0.0.0:80: address already in use; choose another port",
  );
});

Deno.test("netError() keeps the original error as the cause", () => {
  const cause = new Deno.errors.ConnectionReset("x");
  assertEquals(netError(cause, "read failed").cause, cause);
});

Deno.test("netError() carries the reason's exit code", () => {
  assertEquals(
    netError(new Error(RESOLVE_MESSAGE), "cannot connect to nowhere.invalid:1").exitCode,
    3,
  );
  assertEquals(netError(new Deno.errors.TimedOut("x"), "cannot connect").exitCode, 4);
  assertEquals(netError(new Error("odd"), "cannot connect").exitCode, 1);
});

// --- isResolveError --------------------------------------------------------------------------

Deno.test("isResolveError() recognises Deno's lookup failure", () => {
  assert(isResolveError(new Error(RESOLVE_MESSAGE)));
  assert(isResolveError(new Error("failed to lookup address information: nodename nor servname")));
  assert(isResolveError(new Error("Name or service not known")));
});

Deno.test("isResolveError() is false for other errors and for values that are not Errors", () => {
  assertFalse(isResolveError(new Deno.errors.ConnectionRefused("Connection refused")));
  assertFalse(isResolveError(new Error("timed out")));
  assertFalse(isResolveError(RESOLVE_MESSAGE));
  assertFalse(isResolveError(undefined));
});

// --- isPeerGone ------------------------------------------------------------------------------

Deno.test("isPeerGone() is true for reset, broken pipe and aborted", () => {
  assert(isPeerGone(new Deno.errors.ConnectionReset("x")));
  assert(isPeerGone(new Deno.errors.BrokenPipe("x")));
  assert(isPeerGone(new Deno.errors.ConnectionAborted("x")));
});

Deno.test("isPeerGone() is false for other errors", () => {
  assertFalse(isPeerGone(new Deno.errors.ConnectionRefused("x")));
  assertFalse(isPeerGone(new Deno.errors.TimedOut("x")));
  assertFalse(isPeerGone(new Deno.errors.BadResource("x")));
  assertFalse(isPeerGone(new Error("Connection reset by peer")));
  assertFalse(isPeerGone("ConnectionReset"));
  assertFalse(isPeerGone(null));
});
