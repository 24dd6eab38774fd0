import { assertEquals, assertThrows } from "@std/assert";
import { parseCommandLine } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/errors.ts";

Deno.test("parseCommandLine() refuses --allow and --deny on a Unix socket listener", () => {
  for (const command of ["serve", "forward"]) {
    const target = command === "forward" ? ["127.0.0.1:80"] : ["--echo"];
    for (const option of ["--allow", "--deny"]) {
      const error = assertThrows(
        () => parseCommandLine([command, "unix:/tmp/app.sock", ...target, option, "127.0.0.0/8"]),
        UsageError,
        `Option "${option}" is for TCP clients: a Unix socket's client has no address`,
      );
      assertEquals(error.command, command);
    }
  }
});

Deno.test("parseCommandLine() keeps --allow on TCP, and --max-conns on a Unix socket", () => {
  const tcp = parseCommandLine(["serve", "127.0.0.1:0", "--allow", "127.0.0.0/8"]);
  assertEquals(tcp.command === "serve" && tcp.access.allow.length, 1);
  const unix = parseCommandLine([
    "forward",
    "unix:/tmp/a.sock",
    "127.0.0.1:80",
    "--max-conns",
    "3",
  ]);
  assertEquals(unix.command === "forward" && unix.access.maxConns, 3);
});
