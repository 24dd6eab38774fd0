/** The CI and release workflows and the Dockerfile parse, and build what the tests test. */
import { assert, assertEquals, assertMatch } from "@std/assert";
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

/** Every use of setup-deno in `job` pins Deno 2.9.6. */
function assertPinnedDeno(job: Yaml): void {
  for (const step of job.steps as Yaml[]) {
    if (String(step.uses).startsWith("denoland/setup-deno")) {
      assertEquals(step.uses, "denoland/setup-deno@v2");
      assertEquals(step.with["deno-version"], "2.9.6");
    }
  }
}

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
  // Every target's binary goes through the smoke test of every hard path.
  const smoke = steps.find((step) => String(step.run).includes(".github/smoke.sh"));
  assertEquals(smoke.run.trim(), 'bash .github/smoke.sh dist/${{ matrix.exe }} "$VERSION"');
  for (const job of Object.values(release.jobs) as Yaml[]) assertPinnedDeno(job);
  const publish = release.jobs.publish.steps.map((step: Yaml) => String(step.run)).join("\n");
  assert(publish.includes("sha256sum") && publish.includes("gh release create"));
});

Deno.test("ci.yml checks and tests on Linux, macOS and Windows, on every push", async () => {
  const ci = await workflow("ci.yml");
  assertEquals(ci.on.push, null); // every branch
  assertEquals(ci.jobs.check.strategy.matrix.os, [
    "ubuntu-latest",
    "macos-latest",
    "windows-latest",
  ]);
  const runs = ci.jobs.check.steps.map((step: Yaml) => String(step.run)).join("\n");
  for (const command of ["deno fmt --check", "deno lint", "deno check", "deno task test"]) {
    assert(runs.includes(command), command);
  }
  assert(runs.includes("sudo bash .ci/install-peers"));
  for (const job of Object.values(ci.jobs) as Yaml[]) assertPinnedDeno(job);
});

Deno.test("ci.yml compiles as the release does and runs the whole end-to-end suite on it", async () => {
  const ci = await workflow("ci.yml");
  const binary = ci.jobs.binary;
  const targets = binary.strategy.matrix.include.map((entry: Yaml) => [entry.os, entry.target]);
  assertEquals(targets, [
    ["ubuntu-latest", "x86_64-unknown-linux-gnu"],
    ["macos-latest", "aarch64-apple-darwin"],
    ["windows-latest", "x86_64-pc-windows-msvc"],
  ]);
  const steps: Yaml[] = binary.steps;
  const release = (await workflow("release.yml")).jobs.build.steps
    .find((step: Yaml) => String(step.run).startsWith("deno compile"));
  const compile = steps.find((step) => String(step.run).startsWith("deno compile"));
  assertEquals(compile.run, release.run);
  const run = (text: string) => steps.find((step) => String(step.run).includes(text));
  assertEquals(
    run(".github/smoke.sh").run.trim(),
    'bash .github/smoke.sh dist/${{ matrix.exe }} "$VERSION"',
  );
  assert(run(".github/measure.sh").run.includes("$GITHUB_STEP_SUMMARY"));
  const e2e = run("TCPKIT_BIN=dist/tcpkit");
  assertEquals(e2e.if, "runner.os == 'Linux'");
  assertMatch(
    e2e.run,
    /deno test --allow-run --allow-net --allow-read --allow-write --allow-env tests\/e2e\//,
  );
  assertEquals(run(".ci/install-peers").if, "runner.os == 'Linux'");
  assertEquals(run("deno task test:unit").if, "runner.os != 'Linux'");
});

Deno.test("ci.yml builds the image, runs its own health check and a round trip", async () => {
  const steps: Yaml[] = (await workflow("ci.yml")).jobs.image.steps;
  const runs = steps.map((step) => String(step.run)).join("\n");
  assert(runs.includes("docker build -t tcpkit:ci ."));
  assert(runs.includes("{{json .Config.Healthcheck.Test}}"));
  assert(runs.includes('docker exec served "${health[@]}"'));
  assert(runs.includes("{{.State.Health.Status}}"));
  assert(runs.includes("tcpkit:ci connect 127.0.0.1:9100 --send round-trip"));
});

Deno.test(".ci/run and CI install the same peers, with those the coming tests need", async () => {
  const packages = (await Deno.readTextFile(new URL(".ci/packages", ROOT))).split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"));
  const wanted = ["curl", "nginx", "busybox", "dnsmasq-base", "chrony", "microsocks"];
  for (const name of [...wanted, "dante-server", "tinyproxy", "netcat-openbsd", "socat"]) {
    assert(packages.includes(name), name);
  }
  const run = await Deno.readTextFile(new URL(".ci/run", ROOT));
  assert(run.includes("bash .ci/install-peers"));
  const install = await Deno.readTextFile(new URL(".ci/install-peers", ROOT));
  assert(install.includes("exit 101") && install.includes("policy-rc.d"));
});

Deno.test("the Dockerfile compiles main.ts with the tested permissions and runs as non-root", async () => {
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", ROOT));
  const compile = dockerfile.split("\n").find((line) => line.startsWith("RUN deno compile"))!;
  assertEquals(shippedFlags(compile), TESTED);
  assert(compile.trim().endsWith("main.ts"));
  assert(/^FROM gcr\.io\/distroless\/cc\S*$/m.test(dockerfile));
  // Its health check is tcpkit itself, in exec form (no shell in distroless).
  assertMatch(
    dockerfile,
    /^ {2}CMD \["\/usr\/local\/bin\/tcpkit", "check", "127\.0\.0\.1:9000", /m,
  );
  assert(/^HEALTHCHECK /m.test(dockerfile));
  assert(/^USER nonroot$/m.test(dockerfile));
});
