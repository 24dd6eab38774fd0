/** What is tested is what ships: the compile task and the tested CLI share their permissions. */
import { assertEquals, assertMatch } from "@std/assert";
import denoJson from "../deno.json" with { type: "json" };
import { PERMISSIONS, RUN_FLAGS } from "./e2e/_cli.ts";

/**
 * The flags that shape what runs: permissions, unstable features, V8 and runtime settings
 * (tests/bin/tcpkit-deno-run passes on the same ones from the compile task).
 */
const SHIPPED = /^--(allow-|deny-|unstable-|v8-flags|location|seed|env-file)/;

/** The flags of a command line that shape what runs (see `SHIPPED`), sorted. */
export function shippedFlags(line: string): string[] {
  return line.split(/\s+/).filter((word) => SHIPPED.test(word)).sort();
}

Deno.test("the compile task ships exactly the flags the end-to-end tests run tcpkit with", () => {
  assertEquals(shippedFlags(denoJson.tasks.compile), shippedFlags(RUN_FLAGS.join(" ")));
  // The network; reading certificate files, --targets files and Unix sockets; writing Unix
  // sockets (listening creates one); the proxy variables, by name, as curl reads them. Nothing
  // else: no other environment variable, no subprocesses, no FFI.
  assertEquals(PERMISSIONS, [
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env=http_proxy,HTTPS_PROXY,https_proxy,NO_PROXY,no_proxy",
  ]);
});

Deno.test("the compile task builds main.ts, the entry point the tests run", () => {
  assertMatch(denoJson.tasks.compile, /^deno compile .* main\.ts$/);
  // The tcpkit task runs main.ts by its full path from the caller's directory (INIT_CWD).
  assertMatch(
    denoJson.tasks.tcpkit,
    /^R="\$PWD" && cd "\$INIT_CWD" && deno run .* "\$R\/main\.ts"$/,
  );
});

Deno.test("deno task tcpkit reads relative paths from the caller's directory, quietly", async () => {
  // check finds the port open from the listen backlog: no accept is needed.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/targets.txt`, `127.0.0.1:${listener.addr.port}\n`);
    const config = new URL("../deno.json", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "--config", config, "tcpkit", "check", "--targets", "targets.txt"],
      cwd: dir,
      // Not this process's INIT_CWD: under `deno task test` it names the repository, and a task
      // started from a task keeps the first one's (as npm does).
      clearEnv: true,
      env: Object.fromEntries(
        ["PATH", "HOME", "DENO_DIR", "DENO_NO_UPDATE_CHECK"].flatMap((name) => {
          const value = Deno.env.get(name);
          return value === undefined ? [] : [[name, value]];
        }).concat([["NO_COLOR", "1"]]),
      ),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    // Nothing of Deno's own (no "Download" lines on a first run: deno run --quiet).
    assertEquals([out.code, stderr], [0, ""]);
    assertMatch(new TextDecoder().decode(out.stdout), /1 open/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
