/**
 * What idle connections cost a `tcpkit serve -k` process in memory.
 *
 *   deno run --allow-run --allow-net --allow-read bench/idle_memory.ts [--count 1000] [--batch 100]
 *     [--modes default,echo,greet,reply,sink]
 *
 * For the default mode (stdin to every client, clients to stdout), `--echo`, `--greet`,
 * `--reply TEXT` and `--sink` (or those named by `--modes`), this starts
 * `tcpkit serve 127.0.0.1:0 -k -v` as a subprocess, opens COUNT TCP connections to it that send
 * nothing (the first one alone, then the rest in batches), waits each time until the server has
 * reported accepting them (its `-v` "connection from" lines), and reads the server's VmRSS and
 * VmHWM from /proc/PID/status (through `cat`: reading /proc directly needs --allow-all) before,
 * with one connection and with all of them. Then it closes the connections, stops the server with SIGTERM and prints
 * the base RSS, the RSS with COUNT idle connections, the cost per connection and the peak.
 *
 * @module
 */
import { TCPKIT } from "../tests/e2e/_cli.ts";

const ACCEPT_TIMEOUT_MS = 60_000;
/** Time for the server to settle (allocations after accept, a minor GC) before a sample. */
const SETTLE_MS = 1000;

interface Options {
  count: number;
  batch: number;
  /** The modes to measure, in MODES' order. */
  modes: Mode[];
}

interface Mode {
  name: string;
  flags: string[];
}

const MODES: Mode[] = [
  { name: "default", flags: [] },
  { name: "echo", flags: ["--echo"] },
  { name: "greet", flags: ["--greet"] },
  { name: "reply", flags: ["--reply", "the server has received data"] },
  { name: "sink", flags: ["--sink"] },
];

interface Memory {
  rssKiB: number;
  hwmKiB: number;
}

interface Result {
  mode: Mode;
  base: Memory;
  /** With one connection: what the first client costs once (the default mode's stdin reader). */
  first: Memory;
  loaded: Memory;
  accepted: number;
  closedAfter: number;
  exitCode: number;
  summary: string;
}

function parseOptions(args: string[]): Options {
  const options: Options = { count: 1000, batch: 100, modes: MODES };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split("=", 2);
    if (name !== "--count" && name !== "--batch" && name !== "--modes") {
      usage(`unknown argument "${args[i]}"`);
    }
    const value = inline ?? args[++i];
    if (name === "--modes") {
      const names = (value ?? "").split(",").filter(Boolean);
      const unknown = names.find((n) => !MODES.some((mode) => mode.name === n));
      if (names.length === 0 || unknown !== undefined) {
        usage(`--modes takes names from ${MODES.map((m) => m.name).join(", ")}`);
      }
      options.modes = MODES.filter((mode) => names.includes(mode.name));
      continue;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) usage(`${name} needs a positive whole number`);
    if (name === "--count") options.count = n;
    else options.batch = n;
  }
  return options;
}

function usage(message: string): never {
  console.error(`idle_memory.ts: ${message}`);
  console.error(
    "Usage: deno run --allow-run --allow-net --allow-read bench/idle_memory.ts " +
      "[--count N] [--batch N] [--modes NAME,...]",
  );
  Deno.exit(2);
}

/** Reads VmRSS and VmHWM (in KiB, which /proc calls kB) of a process. */
async function readMemory(pid: number): Promise<Memory> {
  const { success, stdout, stderr } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`cat /proc/${pid}/status failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
  const status = new TextDecoder().decode(stdout);
  const field = (name: string): number => {
    const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m"));
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
}

/** Follows the server's stderr: the announced port and the counts of `-v` lines. */
class ServerLog {
  port: number | undefined;
  accepted = 0;
  closed = 0;
  readonly lines: string[] = [];
  readonly done: Promise<void>;

  constructor(stderr: ReadableStream<Uint8Array>) {
    this.done = this.#follow(stderr);
  }

  async #follow(stderr: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const text of stderr.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) this.#take(line);
    }
    if (pending) this.#take(pending);
  }

  #take(line: string): void {
    this.lines.push(line);
    const listening = line.match(/^tcpkit: listening on 127\.0\.0\.1:(\d+)/);
    if (listening) this.port = Number(listening[1]);
    else if (line.startsWith("tcpkit: connection from ")) this.accepted++;
    // A session's end: "closed PEER: ..." for the byte modes, "PEER: no names; ..." for --greet.
    else if (/^tcpkit: (closed |\S+: (no )?names)/.test(line)) this.closed++;
  }

  /** Polls until `ready` holds; false after `timeoutMs`. */
  async until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!ready()) {
      if (performance.now() > deadline) return false;
      await delay(20);
    }
    return true;
  }
}

async function measure(mode: Mode, options: Options): Promise<Result> {
  // tcpkit as the tests run it: deno run with the tcpkit task's flags, or TCPKIT_BIN (--allow-env).
  const child = new Deno.Command(TCPKIT[0], {
    args: [...TCPKIT.slice(1), "serve", "127.0.0.1:0", ...mode.flags, "-k", "-v"],
    // A stdin that stays open and quiet: at its end the default mode half-closes every client.
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = new ServerLog(child.stderr);
  const conns: Deno.TcpConn[] = [];
  let exited = false;
  const status = child.status.finally(() => exited = true);
  try {
    if (!await log.until(() => log.port !== undefined || exited, 30_000) || exited) {
      throw new Error(`the server did not announce its port:\n${log.lines.join("\n")}`);
    }
    const port = log.port!;
    await delay(SETTLE_MS);
    const base = await readMemory(child.pid);

    const accepted = async (n: number) => {
      if (!await log.until(() => log.accepted >= n || exited, ACCEPT_TIMEOUT_MS)) {
        throw new Error(
          `the server accepted ${log.accepted} of ${n} connections in ${
            ACCEPT_TIMEOUT_MS / 1000
          } s`,
        );
      }
      if (exited) throw new Error(`the server exited early:\n${log.lines.join("\n")}`);
      await delay(SETTLE_MS);
    };
    conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    await accepted(1);
    const first = await readMemory(child.pid);

    for (let opened = 1; opened < options.count;) {
      const n = Math.min(options.batch, options.count - opened);
      const batch = await Promise.all(
        Array.from({ length: n }, () => Deno.connect({ hostname: "127.0.0.1", port })),
      );
      conns.push(...batch);
      opened += n;
    }
    await accepted(options.count);
    const loaded = await readMemory(child.pid);

    for (const conn of conns.splice(0)) conn.close();
    // In echo mode each session ends when its client closes; in the default mode a session
    // also waits for stdin (as nc does), so it may stay until the server stops.
    await log.until(() => log.closed >= options.count, 3000);
    const closedAfter = log.closed;

    child.kill("SIGTERM");
    const { code } = await status;
    await log.done;
    await child.stdin.close().catch(() => {});
    return {
      mode,
      base,
      first,
      loaded,
      accepted: log.accepted,
      closedAfter,
      exitCode: code,
      summary: log.lines.find((line) => line.startsWith("tcpkit: stopped")) ?? "(no summary)",
    };
  } finally {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await status.catch(() => {});
    }
    await child.stdin.close().catch(() => {});
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

function kib(n: number): string {
  return `${n.toFixed(1)} KiB`;
}

async function main(): Promise<number> {
  const options = parseOptions(Deno.args);
  console.log(
    `tcpkit idle memory: ${options.count} idle connections to tcpkit serve 127.0.0.1:0 -k ` +
      `(deno ${Deno.version.deno}, ${Deno.build.target})`,
  );
  let failed = false;
  const results: Result[] = [];
  for (const mode of options.modes) {
    try {
      results.push(await measure(mode, options));
    } catch (e) {
      failed = true;
      console.error(`${mode.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const header = [
    "mode",
    "base RSS",
    "RSS, 1 conn",
    `RSS, ${options.count} idle`,
    "per connection",
    "after the 1st",
    "peak",
  ];
  const rows = results.map(({ mode, base, first, loaded }) => [
    mode.name,
    mib(base.rssKiB),
    mib(first.rssKiB),
    mib(loaded.rssKiB),
    kib((loaded.rssKiB - base.rssKiB) / options.count),
    options.count > 1 ? kib((loaded.rssKiB - first.rssKiB) / (options.count - 1)) : "-",
    mib(Math.max(base.hwmKiB, first.hwmKiB, loaded.hwmKiB)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const format = (row: string[]) =>
    row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("   ");
  console.log();
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  console.log();
  console.log("RSS and peak (VmHWM) of the server process, from /proc/PID/status (kB = KiB);");
  console.log(`per connection = (RSS with ${options.count} - base RSS) / ${options.count};`);
  console.log(
    `after the 1st = (RSS with ${options.count} - RSS with 1) / ${options.count - 1}, ` +
      "leaving out what the first client starts once.",
  );
  for (const result of results) {
    console.log(
      `${result.mode.name}: accepted ${result.accepted}; ${result.closedAfter} sessions ended ` +
        `within 3 s of the clients closing; SIGTERM -> exit ${result.exitCode}; ${result.summary}`,
    );
    if (result.accepted !== options.count || result.exitCode !== 0) failed = true;
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
