import { assertEquals } from "@std/assert";
import {
  describeError,
  ExitCode,
  InputError,
  NetError,
  OutputError,
  ResolveError,
  TcpkitError,
  TimeoutError,
  TlsError,
  tlsText,
  UndeliveredError,
  UsageError,
} from "../lib/errors.ts";

Deno.test("describeError() words each network failure, all with exit code 1", () => {
  const cases: [NetError["failure"], string][] = [
    ["refused", "connection refused"],
    ["reset", "connection reset by peer"],
    ["broken-pipe", "the peer stopped reading (broken pipe)"],
    ["in-use", "address already in use"],
    ["host-unreachable", "no route to host (host unreachable)"],
    ["network-unreachable", "network unreachable"],
    ["too-many-files", "too many open files"],
  ];
  for (const [failure, words] of cases) {
    assertEquals(describeError(new NetError(failure, "cannot connect to h:1")), {
      message: `cannot connect to h:1: ${words}`,
      exitCode: ExitCode.network,
    });
  }
});

Deno.test("describeError() gives timeouts exit code 4, each worded for what timed out", () => {
  assertEquals(describeError(new TimeoutError("connect", 2000, "cannot connect to h:1")), {
    message: "cannot connect to h:1: timed out after 2.00 s",
    exitCode: 4,
  });
  assertEquals(
    describeError(new TimeoutError("idle", 300, "127.0.0.1:9")).message,
    "idle timeout: no data either way for 300 ms; closed 127.0.0.1:9",
  );
  assertEquals(
    describeError(new TimeoutError("answer", 3000, "dialogue with h:1")).message,
    "dialogue with h:1: no answer within 3.00 s",
  );
});

Deno.test("describeError() gives each way a name fails to resolve its words, with exit code 3", () => {
  const words = (failure: ResolveError["failure"], detail?: string) =>
    describeError(new ResolveError("db.lan", failure, { detail }));
  assertEquals(words("not-found"), {
    message: 'cannot resolve host "db.lan": name not found',
    exitCode: 3,
  });
  assertEquals(words("resolver-timeout").message.endsWith("did not answer in time"), true);
  assertEquals(words("resolver-unreachable").message.endsWith("could not be reached"), true);
  assertEquals(
    words("no-address", "IPv6").message,
    'cannot resolve host "db.lan": no IPv6 address',
  );
});

Deno.test("describeError() says how much was sent when a connection broke off while sending", () => {
  const reset = new NetError("reset", "connection to h:1");
  assertEquals(describeError(new UndeliveredError(reset, 7 * 1024 * 1024)), {
    message:
      "connection to h:1: connection reset by peer; 7 MiB sent, the rest of the input was not delivered",
    exitCode: 1,
  });
});

Deno.test("describeError() gives TLS failures exit code 5", () => {
  const error = new TlsError({ kind: "timeout", ms: 1500 }, "TLS with h:443");
  assertEquals(describeError(error), {
    message: "TLS with h:443: TLS handshake timed out after 1.50 s",
    exitCode: 5,
  });
});

Deno.test("tlsText() words an expired certificate with its date and age", () => {
  const notAfter = new Date("2026-10-01T00:00:00Z");
  assertEquals(
    tlsText({ kind: "expired", notAfter }, new Date("2026-11-26T00:00:00Z")),
    "certificate expired on 2026-10-01 (56 days ago)",
  );
});

Deno.test("tlsText() names a certificate's names when they do not match", () => {
  assertEquals(
    tlsText({ kind: "name-mismatch", names: ["example.com"], expected: "127.0.0.1" }),
    "certificate is for example.com, not 127.0.0.1",
  );
});

Deno.test("tlsText() tells how to trust an unknown issuer, with the fingerprint to pin", () => {
  assertEquals(
    tlsText({ kind: "unknown-issuer", issuer: "CN=Corp CA", fingerprint: "AB:CD" }),
    'unknown issuer "CN=Corp CA" (use --ca FILE, or --pin AB:CD to trust this certificate)',
  );
});

Deno.test("tlsText() shows what a server that does not speak TLS sent", () => {
  assertEquals(
    tlsText({ kind: "not-tls", sample: "SSH-2.0-OpenSSH_9.2" }),
    'the server does not speak TLS (it sent "SSH-2.0-OpenSSH_9.2")',
  );
});

Deno.test("describeError() words stdout and stdin failures", () => {
  assertEquals(describeError(new OutputError(new Deno.errors.BrokenPipe("x"), 65536)), {
    message: "output closed early (broken pipe) after 64 KiB",
    exitCode: 1,
  });
  assertEquals(describeError(new InputError("is a directory")), {
    message: "cannot read stdin: is a directory",
    exitCode: 1,
  });
});

Deno.test("describeError() keeps worded errors and their exit codes", () => {
  assertEquals(describeError(new UsageError("Bad")), { message: "Bad", exitCode: 2 });
  assertEquals(describeError(new TcpkitError("x", 4)), { message: "x", exitCode: 4 });
});

Deno.test("describeError() words anything else as an unexpected error, in one line", () => {
  assertEquals(describeError(new Error("boom (os error 5)")), {
    message: "unexpected error: boom",
    exitCode: 1,
  });
  assertEquals(describeError("text"), { message: "unexpected error: text", exitCode: 1 });
});
