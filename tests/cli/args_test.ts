import { assertEquals, assertInstanceOf, assertStringIncludes, assertThrows } from "@std/assert";
import {
  type CheckCommand,
  type ConnectCommand,
  type GreetCommand,
  parseCommandLine,
  type ServeCommand,
} from "../../lib/cli/args.ts";
import { type FlagSpec, parseFlags } from "../../lib/cli/flags.ts";
import { ExitCode, UsageError } from "../../lib/errors.ts";
import type { TcpListenEndpoint } from "../../lib/net/endpoint.ts";

/** Asserts that parsing `argv` is a usage error (exit code 2) whose message includes `text`. */
function assertUsage(argv: string[], text?: string): UsageError {
  const error = assertThrows(() => parseCommandLine(argv), UsageError, text);
  assertInstanceOf(error, UsageError);
  assertEquals(error.exitCode, ExitCode.usage);
  assertEquals(error.exitCode, 2);
  return error;
}

function serve(argv: string[]): ServeCommand {
  const command = parseCommandLine(["serve", ...argv]);
  assertEquals(command.command, "serve");
  return command as ServeCommand;
}

function connect(argv: string[]): ConnectCommand {
  const command = parseCommandLine(["connect", ...argv]);
  assertEquals(command.command, "connect");
  return command as ConnectCommand;
}

// --- top level -------------------------------------------------------------------------------

Deno.test("parseCommandLine() rejects an empty command line as a usage error", () => {
  assertUsage([], "Missing command");
});

Deno.test("parseCommandLine() rejects an unknown command as a usage error", () => {
  const error = assertUsage(["frobnicate", "1"], 'Unknown command "frobnicate"');
  assertEquals(error.command, undefined);
});

Deno.test("parseCommandLine() rejects an unknown option before the command as a usage error", () => {
  assertUsage(["--bogus"], 'Unknown option "--bogus"');
});

Deno.test("parseCommandLine() returns help for --help, -h and help", () => {
  assertEquals(parseCommandLine(["--help"]), { command: "help", topic: undefined });
  assertEquals(parseCommandLine(["-h"]), { command: "help", topic: undefined });
  assertEquals(parseCommandLine(["help"]), { command: "help", topic: undefined });
});

Deno.test("parseCommandLine() returns help on a topic for help COMMAND", () => {
  assertEquals(parseCommandLine(["help", "serve"]), { command: "help", topic: "serve" });
});

Deno.test("parseCommandLine() rejects help on a command that does not exist", () => {
  assertUsage(["help", "bogus"], 'Unknown command "bogus": expected serve, connect, greet, check');
  assertUsage(["help", "toString"], 'Unknown command "toString"');
});

Deno.test("parseCommandLine() returns the command's help for COMMAND --help and COMMAND -h", () => {
  assertEquals(parseCommandLine(["serve", "--help"]), { command: "help", topic: "serve" });
  assertEquals(parseCommandLine(["connect", "-h"]), { command: "help", topic: "connect" });
  assertEquals(parseCommandLine(["connect", "host:1", "--help"]), {
    command: "help",
    topic: "connect",
  });
});

Deno.test("parseCommandLine() returns version for --version, -V and version", () => {
  assertEquals(parseCommandLine(["--version"]), { command: "version" });
  assertEquals(parseCommandLine(["-V"]), { command: "version" });
  assertEquals(parseCommandLine(["version"]), { command: "version" });
});

/** The TCP address a serve command listens on. */
function tcpOf(command: ServeCommand): TcpListenEndpoint {
  const { listen } = command;
  if (listen.kind !== "tcp") throw new Error(`not a TCP address: ${JSON.stringify(listen)}`);
  return listen;
}

// --- serve -----------------------------------------------------------------------------------

Deno.test("parseCommandLine() parses serve PORT with defaults", () => {
  assertEquals(parseCommandLine(["serve", "9090"]), {
    command: "serve",
    listen: { kind: "tcp", port: 9090, tls: false },
    tls: { certFile: undefined, keyFile: undefined, clientCaFiles: [] },
    mode: { kind: "stdio" },
    keepOpen: false,
    idleTimeoutMs: undefined,
    access: { allow: [], deny: [], maxConns: undefined },
    hexdump: false,
    label: false,
    verbose: false,
    json: false,
  });
});

Deno.test("parseCommandLine() listens on all interfaces for serve PORT (no hostname)", () => {
  const command = serve(["9090"]);
  assertEquals(command.listen, { kind: "tcp", port: 9090, tls: false });
});

Deno.test("parseCommandLine() accepts port 0 for serve", () => {
  assertEquals(tcpOf(serve(["0"])).port, 0);
  const command = serve(["127.0.0.1:0"]);
  assertEquals([tcpOf(command).hostname, tcpOf(command).port], ["127.0.0.1", 0]);
});

Deno.test("parseCommandLine() parses serve HOST:PORT", () => {
  const command = serve(["127.0.0.1:9090"]);
  assertEquals([tcpOf(command).hostname, tcpOf(command).port], ["127.0.0.1", 9090]);
  const named = serve(["localhost:8080"]);
  assertEquals([tcpOf(named).hostname, tcpOf(named).port], ["localhost", 8080]);
});

Deno.test("parseCommandLine() parses serve with a bracketed IPv6 address", () => {
  const command = serve(["[::1]:9090"]);
  assertEquals([tcpOf(command).hostname, tcpOf(command).port], ["::1", 9090]);
  const any = serve(["[::]:0"]);
  assertEquals([tcpOf(any).hostname, tcpOf(any).port], ["::", 0]);
});

Deno.test("parseCommandLine() rejects serve without a port", () => {
  const error = assertUsage(["serve"], "Missing port");
  assertEquals(error.command, "serve");
  assertUsage(["serve", "--echo"], "Missing port");
});

Deno.test("parseCommandLine() rejects a bad port for serve", () => {
  for (const port of ["65536", "abc", "-1", "1.5", "", "localhost:", "99999"]) {
    assertThrows(() => parseCommandLine(["serve", port]), UsageError);
  }
});

Deno.test("parseCommandLine() points a bad serve address's usage error at serve's help", () => {
  const error = assertUsage(["serve", "abc"], 'Invalid address "abc"');
  assertEquals(error.command, "serve");
});

Deno.test("parseCommandLine() rejects an unbracketed IPv6 address for serve", () => {
  assertUsage(["serve", "::1:9090"], "brackets");
});

Deno.test("parseCommandLine() rejects an extra argument for serve", () => {
  assertUsage(["serve", "9090", "extra"], 'Unexpected argument "extra"');
});

Deno.test("parseCommandLine() selects each serve mode", () => {
  assertEquals(serve(["1", "--echo"]).mode, { kind: "echo" });
  assertEquals(serve(["1", "--sink"]).mode, { kind: "sink" });
  assertEquals(serve(["1", "--reply", "hello\n"]).mode, { kind: "reply", text: "hello\n" });
  assertEquals(serve(["1", "--reply=hi there"]).mode, { kind: "reply", text: "hi there" });
  assertEquals(serve(["1"]).mode, { kind: "stdio" });
});

Deno.test("parseCommandLine() takes serve --chat as a mode that keeps accepting", () => {
  assertEquals(serve(["1", "--chat"]).mode, { kind: "chat" });
  assertEquals(serve(["1", "--chat"]).keepOpen, true);
  assertUsage(["serve", "1", "--chat", "--echo"], "Conflicting modes --echo and --chat");
  assertUsage(["serve", "1", "--chat", "--label"], '"--label" goes with serve\'s default mode');
});

Deno.test("parseCommandLine() accepts options before the serve address", () => {
  const command = serve(["--echo", "-k", "9090"]);
  assertEquals([tcpOf(command).port, command.mode, command.keepOpen], [
    9090,
    { kind: "echo" },
    true,
  ]);
});

Deno.test("parseCommandLine() rejects conflicting serve modes --echo --sink", () => {
  const error = assertUsage(["serve", "1", "--echo", "--sink"], "Conflicting modes");
  assertStringIncludes(error.message, "--echo");
  assertStringIncludes(error.message, "--sink");
  assertEquals(error.command, "serve");
});

Deno.test("parseCommandLine() rejects conflicting serve modes with --reply", () => {
  assertUsage(["serve", "1", "--echo", "--reply", "x"], "Conflicting modes");
  assertUsage(["serve", "1", "--sink", "--reply", "x"], "Conflicting modes");
});

Deno.test("parseCommandLine() sets keepOpen for -k and --keep-open", () => {
  assertEquals(serve(["1", "-k"]).keepOpen, true);
  assertEquals(serve(["1", "--keep-open"]).keepOpen, true);
  assertEquals(serve(["1"]).keepOpen, false);
});

Deno.test("parseCommandLine() accepts combined short flags such as -kv", () => {
  const command = serve(["1", "-kv"]);
  assertEquals([command.keepOpen, command.verbose], [true, true]);
});

Deno.test("parseCommandLine() sets verbose and json for serve", () => {
  const command = serve(["1", "-v", "--json"]);
  assertEquals([command.verbose, command.json], [true, true]);
  const long = serve(["1", "--verbose"]);
  assertEquals([long.verbose, long.json], [true, false]);
});

Deno.test("parseCommandLine() parses serve --idle-timeout in every duration form", () => {
  assertEquals(serve(["1", "--idle-timeout", "500ms"]).idleTimeoutMs, 500);
  assertEquals(serve(["1", "--idle-timeout", "2s"]).idleTimeoutMs, 2000);
  assertEquals(serve(["1", "--idle-timeout", "1m"]).idleTimeoutMs, 60_000);
  assertEquals(serve(["1", "--idle-timeout", "3"]).idleTimeoutMs, 3000);
  assertEquals(serve(["1", "--idle-timeout=250ms"]).idleTimeoutMs, 250);
});

Deno.test("parseCommandLine() rejects a bad serve --idle-timeout as a usage error", () => {
  const error = assertUsage(["serve", "1", "--idle-timeout", "soon"], "--idle-timeout");
  assertEquals(error.command, "serve");
  assertUsage(["serve", "1", "--idle-timeout", "0"]);
  assertUsage(["serve", "1", "--idle-timeout", "5x"]);
});

Deno.test("parseCommandLine() rejects --timeout for serve", () => {
  assertUsage(["serve", "1", "--timeout", "2s"], "--timeout");
});

Deno.test("parseCommandLine() rejects connect's options for serve", () => {
  assertUsage(["serve", "1", "--send", "x"], 'Unknown option "--send"');
});

Deno.test("parseCommandLine() rejects an unknown option for serve", () => {
  const error = assertUsage(["serve", "1", "--bogus"], 'Unknown option "--bogus"');
  assertEquals(error.command, "serve");
  assertUsage(["serve", "1", "-Q"], 'Unknown option "-Q"');
  assertUsage(["serve", "1", "--bogus=1"], 'Unknown option "--bogus"');
  assertUsage(["serve", "1", "--no-echo"], "Unknown option");
});

Deno.test("parseCommandLine() rejects serve --reply without its value", () => {
  const error = assertUsage(["serve", "1", "--reply"], "needs a value");
  assertEquals(error.command, "serve");
});

Deno.test("parseCommandLine() rejects serve --idle-timeout without its value", () => {
  assertUsage(["serve", "1", "--idle-timeout"], "needs a value");
});

// --- connect ---------------------------------------------------------------------------------

Deno.test("parseCommandLine() parses connect HOST:PORT with defaults", () => {
  assertEquals(parseCommandLine(["connect", "localhost:80"]), {
    command: "connect",
    target: { kind: "tcp", hostname: "localhost", port: 80, tls: false },
    tls: {
      caFiles: [],
      sni: undefined,
      alpn: [],
      certFile: undefined,
      keyFile: undefined,
      insecure: false,
    },
    send: undefined,
    timeoutMs: undefined,
    idleTimeoutMs: undefined,
    crlf: false,
    source: undefined,
    hexdump: false,
    recvOnly: false,
    waitMs: undefined,
    numeric: false,
    verbose: false,
    json: false,
  });
});

Deno.test("parseCommandLine() takes connect -d/--recv-only, which conflicts with what sends", () => {
  assertEquals(connect(["h:1", "-d"]).recvOnly, true);
  assertEquals(connect(["--recv-only", "h:1"]).recvOnly, true);
  assertEquals(connect(["-vd", "h:1"]).recvOnly, true);
  for (const option of [["--send", "x"], ["--send="], ["--crlf"]]) {
    const error = assertUsage(["connect", "h:1", "-d", ...option], "-d sends nothing");
    assertStringIncludes(error.message, option[0].startsWith("--send") ? '"--send"' : '"--crlf"');
    assertEquals(error.command, "connect");
  }
});

Deno.test("parseCommandLine() parses connect HOST PORT", () => {
  assertEquals(connect(["localhost", "80"]).target, {
    kind: "tcp",
    hostname: "localhost",
    port: 80,
    tls: false,
  });
  assertEquals(connect(["127.0.0.1", "9090"]).target, {
    kind: "tcp",
    hostname: "127.0.0.1",
    port: 9090,
    tls: false,
  });
});

Deno.test("parseCommandLine() parses connect with a bracketed IPv6 address", () => {
  assertEquals(connect(["[::1]:9090"]).target, {
    kind: "tcp",
    hostname: "::1",
    port: 9090,
    tls: false,
  });
});

Deno.test("parseCommandLine() strips the brackets of an IPv6 host in connect HOST PORT", () => {
  assertEquals(connect(["[::1]", "9090"]).target, {
    kind: "tcp",
    hostname: "::1",
    port: 9090,
    tls: false,
  });
  assertEquals(connect(["::1", "9090"]).target, {
    kind: "tcp",
    hostname: "::1",
    port: 9090,
    tls: false,
  });
});

Deno.test("parseCommandLine() rejects port 0 for connect", () => {
  assertUsage(["connect", "localhost:0"], 'Invalid port "0"');
  assertUsage(["connect", "localhost", "0"], 'Invalid port "0"');
});

Deno.test("parseCommandLine() rejects a bad connect target", () => {
  for (
    const argv of [
      ["localhost"],
      ["localhost:"],
      [":80"],
      ["localhost:65536"],
      ["localhost:htp"],
      ["localhost", "no-such-service"],
      ["localhost", "70000"],
      ["127.0.0.1:22", "22"],
      ["*:9000"],
      ["a b:9"],
      ["http://127.0.0.1:8080"],
      ["::1:9090"],
      ["[::1]"],
    ]
  ) {
    const error = assertThrows(() => parseCommandLine(["connect", ...argv]), UsageError);
    assertEquals((error as UsageError).exitCode, 2);
    assertEquals((error as UsageError).command, "connect");
  }
});

Deno.test("parseCommandLine() takes service names as ports, as nc does", () => {
  assertEquals(connect(["localhost", "http"]).target, {
    kind: "tcp",
    hostname: "localhost",
    port: 80,
    tls: false,
  });
  assertEquals(connect(["localhost:ssh"]).target, {
    kind: "tcp",
    hostname: "localhost",
    port: 22,
    tls: false,
  });
});

Deno.test("parseCommandLine() rejects connect without a target", () => {
  const error = assertUsage(["connect"], "Missing target");
  assertEquals(error.command, "connect");
});

Deno.test("parseCommandLine() rejects an extra argument for connect", () => {
  assertUsage(["connect", "localhost", "80", "90"], 'Unexpected argument "90"');
  assertUsage(["connect", "localhost:80", "90", "100"], "Unexpected argument");
});

Deno.test("parseCommandLine() takes --send TEXT exactly for connect", () => {
  assertEquals(connect(["h:1", "--send", "hello\n"]).send, "hello\n");
  assertEquals(connect(["h:1", "--send", " spaced  "]).send, " spaced  ");
  assertEquals(connect(["h:1", "--send=a=b"]).send, "a=b");
  assertEquals(connect(["h:1", "--send=--json"]).send, "--json");
  assertEquals(connect(["h:1"]).send, undefined);
});

Deno.test("parseCommandLine() keeps the last value of a repeated string option", () => {
  assertEquals(connect(["h:1", "--send", "a", "--send", "b"]).send, "b");
  assertEquals(serve(["1", "--reply", "a", "--reply", "b"]).mode, { kind: "reply", text: "b" });
});

Deno.test("parseCommandLine() parses connect --timeout and --idle-timeout", () => {
  const command = connect(["h:1", "--timeout", "500ms", "--idle-timeout", "2"]);
  assertEquals([command.timeoutMs, command.idleTimeoutMs], [500, 2000]);
  assertEquals(connect(["h:1", "--timeout=1m"]).timeoutMs, 60_000);
});

Deno.test("parseCommandLine() rejects a bad connect --timeout as a usage error", () => {
  const error = assertUsage(["connect", "h:1", "--timeout", "forever"], "--timeout");
  assertEquals(error.command, "connect");
  assertUsage(["connect", "h:1", "--timeout", "-5"]);
  // 0: no timeout but the system's own.
  assertEquals(connect(["h:1", "--timeout", "0s"]).timeoutMs, 0);
});

Deno.test("parseCommandLine() rejects connect options without their value", () => {
  assertUsage(["connect", "h:1", "--timeout"], 'Option "--timeout" needs a value');
  assertUsage(["connect", "h:1", "--send"], 'Option "--send" needs a value');
  assertUsage(["connect", "h:1", "--idle-timeout"], "needs a value");
});

Deno.test("parseCommandLine() rejects serve's options for connect", () => {
  assertUsage(["connect", "h:1", "--echo"], 'Unknown option "--echo"');
  assertUsage(["connect", "h:1", "--keep-open"], 'keeps listening is "tcpkit serve PORT -k"');
  // -k is --insecure, which is for TLS.
  assertUsage(["connect", "h:1", "-k"], 'Option "-k/--insecure" is for TLS');
});

Deno.test("parseCommandLine() rejects an unknown option for connect", () => {
  const error = assertUsage(["connect", "h:1", "--bogus"], 'Unknown option "--bogus"');
  assertEquals(error.command, "connect");
});

Deno.test("parseCommandLine() sets verbose and json for connect", () => {
  const command = connect(["-v", "--json", "h:1"]);
  assertEquals([command.verbose, command.json], [true, true]);
});

Deno.test("parseCommandLine() takes everything after -- as positionals", () => {
  assertEquals(connect(["--", "localhost", "80"]).target, {
    kind: "tcp",
    hostname: "localhost",
    port: 80,
    tls: false,
  });
});

// --- parseFlags ------------------------------------------------------------------------------

const SPEC: FlagSpec = {
  boolean: ["verbose", "json"],
  string: ["timeout"],
  collect: ["name"],
  alias: { v: "verbose", n: "name", t: "timeout" },
};

Deno.test("parseCommandLine() parses greet HOST:PORT with its defaults and names in order", () => {
  const banner = parseCommandLine(["greet", "localhost:22"]) as GreetCommand;
  assertEquals(banner.command, "greet");
  assertEquals(banner.target, { kind: "tcp", hostname: "localhost", port: 22, tls: false });
  assertEquals([banner.names, banner.waitMs, banner.timeoutMs], [[], 3000, 5000]);
  const dialogue = parseCommandLine([
    "greet",
    "h:6000",
    "--name",
    "Michael",
    "--name=Tracy",
    "--wait",
    "500ms",
    "--timeout",
    "2s",
  ]) as GreetCommand;
  assertEquals([dialogue.names, dialogue.waitMs, dialogue.timeoutMs], [
    ["Michael", "Tracy"],
    500,
    2000,
  ]);
});

Deno.test("parseCommandLine() rejects greet without a target, or with a second one", () => {
  assertUsage(["greet"], "Missing target: expected greet HOST:PORT");
  assertUsage(["greet", "h:1", "22", "h:2"], 'Unexpected argument "h:2"');
  assertUsage(["greet", "h:1", "h:2"], 'Invalid host "h:1": give HOST PORT or HOST:PORT, not both');
});

Deno.test("parseCommandLine() rejects a greet name that is empty, exit, or more than one line", () => {
  const message = 'a name is one line of text, not empty and not "exit"';
  assertUsage(["greet", "h:1", "--name", ""], `Invalid name "": ${message}`);
  assertUsage(["greet", "h:1", "--name", "exit"], `Invalid name "exit": ${message}`);
  assertUsage(["greet", "h:1", "--name", "a\nb"], `Invalid name "a\\nb": ${message}`);
});

Deno.test("parseCommandLine() parses check targets with check's defaults", () => {
  const command = parseCommandLine(["check", "h:80", "h:1-3", "h:7,9"]) as CheckCommand;
  assertEquals(command.targets.map((t) => [t.kind, t.ports]), [
    ["port", [80]],
    ["range", [1, 2, 3]],
    ["list", [7, 9]],
  ]);
  assertEquals(
    [command.timeoutMs, command.count, command.intervalMs, command.concurrency],
    [2000, 1, 1000, 500],
  );
});

Deno.test("parseCommandLine() rejects check without a target, or with a malformed one", () => {
  assertUsage(
    ["check"],
    "Missing target: expected check HOST:PORT, HOST:FIRST-LAST, HOST:P1,P2,...",
  );
  assertUsage(["check", "localhost"], 'Invalid target "localhost": expected HOST:PORT');
  assertUsage(["check", "h:90-80"], 'Invalid port range "90-80": the first port is above the last');
  assertUsage(["check", "h:80", "--idle-timeout", "1s"], 'it takes "--timeout"');
});

Deno.test("parseCommandLine() takes --count and --concurrency as whole numbers within their limits", () => {
  const command = parseCommandLine(["check", "h:80", "-c", "1000000", "--concurrency", "1600"]);
  assertEquals([(command as CheckCommand).count, (command as CheckCommand).concurrency], [
    1000000,
    1600,
  ]);
  for (const raw of ["0", "1000001", "1.5", "x", "-1"]) {
    assertUsage(
      ["check", "h:80", `--count=${raw}`],
      `Invalid --count "${raw}": expected a whole number from 1 to 1000000`,
    );
  }
  for (const raw of ["0", "1601", "2e3"]) {
    assertUsage(
      ["check", "h:80", "--concurrency", raw],
      `Invalid --concurrency "${raw}": expected a whole number from 1 to 1600`,
    );
  }
});

Deno.test("parseFlags() separates positionals, booleans and strings", () => {
  const flags = parseFlags(["a", "-v", "--timeout", "2s", "b"], SPEC, "greet");
  assertEquals(flags.positionals, ["a", "b"]);
  assertEquals([...flags.booleans], ["verbose"]);
  assertEquals([...flags.strings], [["timeout", "2s"]]);
  assertEquals(flags.lists.size, 0);
});

Deno.test("parseFlags() collects a repeated option in order", () => {
  const flags = parseFlags(["h:1", "--name", "Ann", "-n", "Bob", "--name=Cy"], SPEC, "greet");
  assertEquals(flags.lists.get("name"), ["Ann", "Bob", "Cy"]);
  assertEquals(flags.positionals, ["h:1"]);
});

Deno.test("parseFlags() reports only the booleans that were given", () => {
  const flags = parseFlags(["--json"], SPEC, "greet");
  assertEquals(flags.booleans.has("json"), true);
  assertEquals(flags.booleans.has("verbose"), false);
});

Deno.test("parseFlags() resolves a short alias of a string option", () => {
  assertEquals(parseFlags(["-t", "3"], SPEC, "greet").strings.get("timeout"), "3");
});

Deno.test("parseFlags() keeps positionals as strings, numbers included", () => {
  const flags = parseFlags(["localhost", "80"], SPEC, "greet");
  assertEquals(flags.positionals, ["localhost", "80"]);
  assertEquals(typeof flags.positionals[1], "string");
});

Deno.test("parseFlags() puts the arguments after -- among the positionals", () => {
  const flags = parseFlags(["a", "--", "--json", "-v"], SPEC, "greet");
  assertEquals(flags.positionals, ["a", "--json", "-v"]);
  assertEquals(flags.booleans.size, 0);
});

Deno.test("parseFlags() rejects an unknown long option, naming the command", () => {
  const error = assertThrows(
    () => parseFlags(["--nope"], SPEC, "greet"),
    UsageError,
    'Unknown option "--nope" for "greet"',
  );
  assertEquals((error as UsageError).command, "greet");
  assertEquals((error as UsageError).exitCode, 2);
});

Deno.test("parseFlags() rejects an unknown short option", () => {
  assertThrows(() => parseFlags(["-z"], SPEC, "greet"), UsageError, 'Unknown option "-z"');
});

Deno.test("parseFlags() rejects an unknown option given with =VALUE, without the value", () => {
  assertThrows(
    () => parseFlags(["--nope=secret"], SPEC, "greet"),
    UsageError,
    'Unknown option "--nope" for',
  );
});

Deno.test("parseFlags() rejects a string or collected option without its value", () => {
  assertThrows(() => parseFlags(["--timeout"], SPEC, "greet"), UsageError, "needs a value");
  assertThrows(() => parseFlags(["--name"], SPEC, "greet"), UsageError, "needs a value");
  assertThrows(() => parseFlags(["h", "-n"], SPEC, "greet"), UsageError, '"-n" needs a value');
});

Deno.test("parseFlags() accepts an option's value given with =, even an empty one", () => {
  assertEquals(parseFlags(["--timeout="], SPEC, "greet").strings.get("timeout"), "");
});

Deno.test("parseFlags() takes an empty value given as its own argument", () => {
  const spec: FlagSpec = { boolean: [], string: ["send"], collect: ["name"], alias: { n: "name" } };
  const flags = parseFlags(["--send", "", "-n", "", "--name", "", "h:1"], spec, "test");
  assertEquals(flags.strings.get("send"), "");
  assertEquals(flags.lists.get("name"), ["", ""]);
  assertEquals(flags.positionals, ["h:1"]);
});

Deno.test("parseFlags() does not check option values after --", () => {
  const flags = parseFlags(["--", "--timeout"], SPEC, "greet");
  assertEquals(flags.positionals, ["--timeout"]);
  assertEquals(flags.strings.size, 0);
});

Deno.test('parseCommandLine() takes "-" as an option\'s value: stdin for --targets, the text for --send', () => {
  const check = parseCommandLine(["check", "--targets", "-", "h:80"]) as CheckCommand;
  assertEquals([check.targetsFile, check.targets.length], ["-", 1]);
  const alone = parseCommandLine(["check", "--targets", "-"]) as CheckCommand;
  assertEquals([alone.targetsFile, alone.targets.length], ["-", 0]);
  const connect = parseCommandLine(["connect", "h:1", "--send", "-"]);
  assertEquals((connect as { send?: string }).send, "-");
  assertUsage(["check", "--targets", ""], 'Option "--targets" needs a value');
});

Deno.test("parseCommandLine() takes --source as an IP address, whose family picks the target's addresses", () => {
  const v4 = parseCommandLine(["connect", "h:1", "--source", "127.0.0.2"]) as {
    source?: string;
    family?: number;
  };
  assertEquals([v4.source, v4.family], ["127.0.0.2", 4]);
  const v6 = parseCommandLine(["connect", "h:1", "-s", "[::1]"]) as {
    source?: string;
    family?: number;
  };
  assertEquals([v6.source, v6.family], ["::1", 6]);
  const expected = "expected an IP address of this host, such as 127.0.0.2 or ::1";
  for (const raw of ["nonsense", "10.0.0.300", "localhost", "010.0.0.1", ""]) {
    assertUsage(
      ["connect", "h:1", `--source=${raw}`],
      `Invalid --source "${raw}": ${expected}`,
    );
  }
  assertUsage(
    ["connect", "127.0.0.1:1", "--source", "::1"],
    'Invalid --source "::1": an IPv6 address cannot connect to 127.0.0.1, an IPv4 one',
  );
  assertUsage(
    ["connect", "h:1", "--source", "127.0.0.2", "-6"],
    'Conflicting options "--source 127.0.0.2" (IPv4) and "-6"',
  );
});

Deno.test("parseCommandLine() takes check --noproxy with http(s):// targets only", () => {
  assertUsage(["check", "127.0.0.1:22", "--noproxy", "10.0.0.0/8"], "--noproxy");
  const command = parseCommandLine(["check", "http://10.0.0.5/x", "--noproxy", "10.0.0.0/8"]);
  assertEquals((command as CheckCommand).noProxy, "10.0.0.0/8");
});
