/** The CI and release workflows and the Dockerfile parse, and build what the tests test. */
import { assert, assertEquals } from "@std/assert";
import { parse } from "@std/yaml";
import { RUN_FLAGS } from "./e2e/_cli.ts";
import { shippedFlags } from "./tasks_test.ts";

const ROOT = new URL("../", import.meta.url);
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

// deno-lint-ignore no-explicit-any
type Yaml = any;

async function workflow(name: string): Promise<Yaml> {
  return parse(await Deno.readTextFile(new URL(`.github/workflows/${name}`, ROOT)));
}

const TESTED = shippedFlags(RUN_FLAGS.join(" "));

Deno.test("release.yml builds the five targets, each smoke-tested on its own platform", async () => {
  const release = await workflow("release.yml");
  assertEquals(Object.keys(release.on), ["push"]);
  const matrix = release.jobs.build.strategy.matrix.include;
  assertEquals(matrix.map((entry: Yaml) => entry.target), TARGETS);
  const steps: Yaml[] = release.jobs.build.steps;
  const compile = steps.find((step) => String(step.run).startsWith("deno compile"));
  assertEquals(shippedFlags(compile.run), TESTED);
  assert(compile.run.includes("--target ${{ matrix.target }}"));
  assert(compile.run.trim().endsWith("main.ts"));
  const smoke = steps.find((step) => step.name === "Smoke test");
  assert(smoke.run.includes("--version") && smoke.run.includes("connect"));
  const publish = release.jobs.publish.steps.map((step: Yaml) => String(step.run)).join("\n");
  assert(publish.includes("sha256sum") && publish.includes("gh release create"));
});

Deno.test("ci.yml checks and tests on Linux, macOS and Windows", async () => {
  const ci = await workflow("ci.yml");
  assertEquals(ci.jobs.check.strategy.matrix.os, [
    "ubuntu-latest",
    "macos-latest",
    "windows-latest",
  ]);
  const runs = ci.jobs.check.steps.map((step: Yaml) => String(step.run)).join("\n");
  for (const command of ["deno fmt --check", "deno lint", "deno check", "deno task test"]) {
    assert(runs.includes(command), command);
  }
});

Deno.test("the Dockerfile compiles main.ts with the tested permissions and runs as non-root", async () => {
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", ROOT));
  const compile = dockerfile.split("\n").find((line) => line.startsWith("RUN deno compile"))!;
  assertEquals(shippedFlags(compile), TESTED);
  assert(compile.trim().endsWith("main.ts"));
  assert(/^FROM gcr\.io\/distroless\/cc\S*$/m.test(dockerfile));
  assert(/^USER nonroot$/m.test(dockerfile));
});
