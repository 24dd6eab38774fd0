/**
 * The switch to a compiled binary (`TCPKIT_BIN`), tested where no binary can be built: through
 * tests/bin/tcpkit-deno-run, which runs `deno run` with the compile task's flags. And
 * .github/smoke.sh, the smoke test of every release binary, run here against the CLI under test.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import denoJson from "../../deno.json" with { type: "json" };
import { shippedFlags } from "../tasks_test.ts";
import { run, TCPKIT, TCPKIT_BIN, tempDir } from "./_cli.ts";
import { Netns, whyNetnsUnavailable } from "./_netns.ts";

const ROOT = new URL("../../", import.meta.url);
const WRAPPER = new URL("tests/bin/tcpkit-deno-run", ROOT).pathname;
const SMOKE = new URL(".github/smoke.sh", ROOT).pathname;
/** A few end-to-end files that start tcpkit every way _cli.ts offers: argv, shell, server. */
const SMALL_SET = ["tests/e2e/unix_test.ts", "tests/e2e/signals_test.ts"];

/** Runs `deno test` of `files` with `env` added, from the repository's root. */
async function denoTest(files: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-run", "--allow-net", "--allow-read", "--allow-write", "--allow-env"]
      .concat(files),
    cwd: new URL(".", ROOT).pathname,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

Deno.test("without TCPKIT_BIN (or with --allow-env missing), tcpkit runs as deno run of main.ts", () => {
  if (TCPKIT_BIN !== undefined) {
    assertEquals(TCPKIT, [TCPKIT_BIN]);
    return;
  }
  assertEquals(TCPKIT.slice(0, 2), [Deno.execPath(), "run"]);
  assert(TCPKIT.at(-1)!.endsWith("/main.ts"));
});

Deno.test("TCPKIT_BIN runs the end-to-end tests against that executable, every time", async () => {
  await using dir = await tempDir();
  const log = `${dir.path}/runs`;
  const out = await denoTest(SMALL_SET, {
    TCPKIT_BIN: "tests/bin/tcpkit-deno-run", // relative to the working directory
    TCPKIT_WRAPPER_LOG: log,
    DENO: Deno.execPath(),
  });
  assertEquals(out.code, 0, out.output);
  assertMatch(out.output, /^ok \| \d+ passed \| 0 failed/m);
  const runs = (await Deno.readTextFile(log)).trimEnd().split("\n");
  // The two files start 15 tcpkit processes between them.
  assert(runs.length >= 10, `only ${runs.length} runs through TCPKIT_BIN:\n${runs.join("\n")}`);
  for (const command of ["serve", "connect", "greet", "check"]) {
    assert(runs.some((line) => line.includes(`/main.ts ${command} `)), command);
  }
  // Each ran deno with exactly the flags the compile task ships.
  const shipped = shippedFlags(denoJson.tasks.compile);
  for (const line of runs) assertEquals(shippedFlags(line), shipped, line);
});

Deno.test("no end-to-end test starts main.ts but through _cli.ts's TCPKIT", async () => {
  const dir = new URL("tests/e2e/", ROOT);
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".ts") || ["_cli.ts", "binary_test.ts"].includes(entry.name)) continue;
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    assert(!/main\.ts/.test(text), `${entry.name} names main.ts: start tcpkit with TCPKIT`);
  }
});

Deno.test("a TCPKIT_BIN that does not exist stops the suite instead of testing deno run", async () => {
  await using dir = await tempDir();
  const out = await denoTest(["tests/e2e/unix_test.ts"], { TCPKIT_BIN: `${dir.path}/nothing` });
  assert(out.code !== 0);
  assert(out.output.includes(`TCPKIT_BIN=${dir.path}/nothing`), out.output);
  assert(!/^ok \|/m.test(out.output), out.output);
});

Deno.test("tests/bin/tcpkit-deno-run says so when deno.json has no compile task to copy", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/tests/bin`, { recursive: true });
  await Deno.copyFile(WRAPPER, `${dir.path}/tests/bin/tcpkit-deno-run`);
  await Deno.writeTextFile(`${dir.path}/deno.json`, `{ "tasks": {} }\n`);
  const out = await run(["bash", `${dir.path}/tests/bin/tcpkit-deno-run`, "--version"]);
  assertEquals(out.code, 125);
  assertMatch(out.stderr, /^tcpkit-deno-run: no "compile" task/);
});

const netnsSkip = await whyNetnsUnavailable();

Deno.test({
  name: "smoke.sh passes against the CLI under test: stdin and check Workers, a lookup, TLS, JSON" +
    (netnsSkip === null ? "" : ` [skipped: ${netnsSkip}]`),
  ignore: netnsSkip !== null,
  async fn() {
    // In a namespace of its own: the lookup of localhost must come from the hosts file, and
    // the namespace's DNS stub shows that no query was sent.
    await using net = await Netns.create();
    const out = await net.exec(
      ["env", `DENO=${Deno.execPath()}`, "bash", SMOKE, TCPKIT_BIN ?? WRAPPER, denoJson.version],
      { timeoutMs: 120_000 },
    );
    assertEquals(out.code, 0, out.stdout + out.stderr);
    for (const step of ["stdin Worker", "check Workers", "lookup Worker", "TLS", "all passed"]) {
      assert(out.stdout.includes(`smoke: ${step}`), `${step}:\n${out.stdout}`);
    }
    assertEquals(await net.queries(), []);
  },
});
