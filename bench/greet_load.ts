/**
 * @module
 * Load on the greeting dialogue: SESSIONS dialogues of three names, CONCURRENCY at a time, against
 * tcpkit serve --greet, the seed's threaded Python server, and a minimal Node.js net server, in
 * the same run. Bare-name clients (as the seed's client: no line ending) go to tcpkit and Python;
 * line clients (names ending in a newline) go to tcpkit and Node, and to a minimal Deno server
 * and Node: the runtime's own floor for the dialogue. Every transcript is checked byte for byte. The two servers compared run side by side, and their rounds alternate, so that a
 * machine whose speed drifts favours neither. Prints sessions per second, each server's CPU time
 * per dialogue and peak memory, and the ratios.
 *
 *   deno run --allow-run --allow-net --allow-read --allow-write bench/greet_load.ts [--sessions 5000] [--concurrency 500] [--rounds 5] [--only bare|line|floor]
 */
import { parseArgs } from "@std/cli/parse-args";
import denoJson from "../deno.json" with { type: "json" };
import { TCPKIT_SH } from "../tests/e2e/_cli.ts";
import { seedServerScript } from "../tests/e2e/_seed.ts";

const args = parseArgs(Deno.args, { string: ["sessions", "concurrency", "rounds", "only"] });
const SESSIONS = Number(args.sessions ?? 5000);
const CONCURRENCY = Number(args.concurrency ?? 500);
const ROUNDS = Number(args.rounds ?? 5);
const NAMES = ["Michael", "Tracy", "Sarah"];
const RUN_FLAGS = denoJson.tasks.tcpkit.split(/\s+/).filter((w: string) => w.startsWith("--"));

const PROMPT = "Server: What's your name?";
const encoder = new TextEncoder();

const PYTHON_SEED = seedServerScript(4096);

const NODE_LINES = `
const net = require("net");
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.write("Server: Welcome!\\nServer: What's your name?");
  let pending = "";
  socket.on("data", (chunk) => {
    pending += chunk.toString("latin1");
    let lf;
    while ((lf = pending.indexOf("\\n")) >= 0) {
      const name = pending.slice(0, lf).replace(/\\r$/, "");
      pending = pending.slice(lf + 1);
      if (name === "exit") { socket.end("Server: Good bye!\\n"); return; }
      socket.write("Server: Hello " + name + "!\\nServer: What's your name?");
    }
  });
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

/**
 * The same dialogue as the Node.js server, in as little Deno as it takes: no log, no records, no
 * limits. What it reaches is what the runtime allows any Deno server of this dialogue.
 */
const DENO_LINES = `
const encoder = new TextEncoder();
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(listener.addr.port);
const bye = encoder.encode("Server: Good bye!\\n");
async function session(conn) {
  const buffer = new Uint8Array(256);
  const decoder = new TextDecoder("latin1");
  let pending = "";
  try {
    await conn.write(encoder.encode("Server: Welcome!\\nServer: What's your name?"));
    for (let n; (n = await conn.read(buffer)) !== null;) {
      pending += decoder.decode(buffer.subarray(0, n));
      let lf;
      while ((lf = pending.indexOf("\\n")) >= 0) {
        const name = pending.slice(0, lf).replace(/\\r$/, "");
        pending = pending.slice(lf + 1);
        if (name === "exit") {
          await conn.write(bye);
          await conn.closeWrite();
          while (await conn.read(buffer) !== null);
          return;
        }
        await conn.write(encoder.encode("Server: Hello " + name + "!\\nServer: What's your name?"));
      }
    }
  } catch {
    // a client gone: nothing to do
  } finally {
    conn.close();
  }
}
for await (const conn of listener) session(conn);
`;

type Kind = "tcpkit" | "python" | "node" | "deno";

interface ServerProcess {
  child: Deno.ChildProcess;
  port: number;
}

async function startServer(kind: Kind): Promise<ServerProcess> {
  if (kind === "tcpkit") {
    // tcpkit logs every session on stderr. Here it goes to a file, as a server's log would in
    // use: a pipe into this busy process could fill and make tcpkit wait. `exec` keeps the pid.
    const log = await Deno.makeTempFile({ prefix: "tcpkit-greet-load-", suffix: ".log" });
    // As the tests run it: deno run with the tcpkit task's flags, or TCPKIT_BIN (--allow-env).
    const tcpkit = TCPKIT_SH;
    const child = new Deno.Command("bash", {
      args: ["-c", `exec ${tcpkit} serve 127.0.0.1:0 --greet -k 2> '${log}'`],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    for (;;) {
      const match = (await Deno.readTextFile(log)).match(/listening on \S+:(\d+)/);
      if (match) {
        void child.status.then(() => Deno.remove(log));
        return { child, port: Number(match[1]) };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  let command = kind === "python" ? "python3" : "node";
  let args = kind === "python" ? ["-c", PYTHON_SEED] : ["-e", NODE_LINES];
  let file: string | undefined;
  if (kind === "deno") {
    // Run as tcpkit is (deno run, the tcpkit task's flags), from a file of its own.
    file = await Deno.makeTempFile({ prefix: "tcpkit-greet-load-", suffix: ".js" });
    await Deno.writeTextFile(file, DENO_LINES);
    command = Deno.execPath();
    args = ["run", "--quiet", ...RUN_FLAGS, file];
  }
  const child = new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  // The port is the first line on stdout.
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!/^\d+\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${kind} server ended before saying its port`);
      text += value;
    }
  } finally {
    reader.cancel().catch(() => {});
    if (file) await Deno.remove(file); // loaded by now, or never to be
  }
  return { child, port: Number(text.trim()) };
}

/** A file of /proc/PID (through `cat`: reading /proc directly needs --allow-all). */
async function readProc(pid: number, file: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/${file}`], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

async function peakMemory(pid: number): Promise<number> {
  const status = await readProc(pid, "status");
  return Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0) * 1024;
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`: 100 on Linux). */
const CLOCK_TICKS = 100;

/** The CPU time, user and system, that the process (all its threads) has used: in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readProc(pid, "stat");
  // After the command's name, in parentheses (it may hold spaces), field 3 is the state; the
  // user and system times are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One dialogue; throws unless the transcript is exactly the expected one. */
async function dialogue(port: number, lines: boolean): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    conn.setNoDelay(true);
    const buffer = new Uint8Array(1024);
    const decoder = new TextDecoder();
    let text = "";
    const until = async (suffix: string) => {
      while (!text.endsWith(suffix)) {
        const n = await conn.read(buffer);
        if (n === null) throw new Error(`closed early after: ${JSON.stringify(text)}`);
        text += decoder.decode(buffer.subarray(0, n), { stream: true });
      }
    };
    const end = lines ? "\n" : "";
    await until(PROMPT);
    for (const name of NAMES) {
      await conn.write(encoder.encode(name + end));
      await until(`Server: Hello ${name}!\n${PROMPT}`);
    }
    await conn.write(encoder.encode("exit" + end));
    await until("Server: Good bye!\n");
    const expected = `Server: Welcome!\n${PROMPT}` +
      NAMES.map((n) => `Server: Hello ${n}!\n${PROMPT}`).join("") + "Server: Good bye!\n";
    if (text !== expected) throw new Error(`unexpected transcript: ${JSON.stringify(text)}`);
  } finally {
    conn.close();
  }
}

async function load(port: number, lines: boolean): Promise<{ seconds: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < SESSIONS) {
      next++;
      await dialogue(port, lines).catch((e) => {
        if (failed++ === 0) console.error(`first failure: ${e.message}`);
      });
    }
  }));
  return { seconds: (performance.now() - started) / 1000, failed };
}

interface Row {
  server: string;
  clients: string;
  rates: number[];
  /** The server's CPU time per counted dialogue, in seconds. */
  cpu: number;
  failed: number;
  peak: number;
}

/**
 * Measures two servers with the same clients: both run at once, each has a warm-up round, and
 * then their counted rounds alternate (the first to go changes each round), so that a machine
 * whose speed drifts favours neither. Each server's CPU time is counted over its own rounds: the
 * rate depends on the machine's two cores, which the load generator shares; the CPU time per
 * dialogue is the server's own cost.
 */
async function measurePair(
  kinds: readonly [Kind, Kind],
  lines: boolean,
): Promise<Row[]> {
  const servers: ServerProcess[] = [];
  try {
    for (const kind of kinds) servers.push(await startServer(kind));
    const rates: number[][] = servers.map(() => []);
    const failed = servers.map(() => 0);
    const cpu = servers.map(() => 0);
    // A warm-up round, not counted, for every server alike (JIT compilation, heap growth).
    for (const server of servers) await load(server.port, lines);
    for (let round = 0; round < ROUNDS; round++) {
      for (let turn = 0; turn < servers.length; turn++) {
        const i = (round + turn) % servers.length;
        const before = await cpuSeconds(servers[i].child.pid);
        const result = await load(servers[i].port, lines);
        cpu[i] += await cpuSeconds(servers[i].child.pid) - before;
        rates[i].push(SESSIONS / result.seconds);
        failed[i] += result.failed;
      }
    }
    return await Promise.all(servers.map(async (server, i) => ({
      server: kinds[i],
      clients: lines ? "line" : "bare",
      rates: rates[i],
      cpu: cpu[i] / (ROUNDS * SESSIONS),
      failed: failed[i],
      peak: await peakMemory(server.child.pid),
    })));
  } finally {
    for (const server of servers) {
      server.child.kill("SIGKILL");
      await server.child.status;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The comparisons, each of two servers with the same clients; `--only` picks one. */
const PAIRS = [
  { group: "bare", kinds: ["tcpkit", "python"], lines: false },
  { group: "line", kinds: ["tcpkit", "node"], lines: true },
  // The runtime's floor: the least a Deno server of this dialogue can do, beside the same Node.
  { group: "floor", kinds: ["deno", "node"], lines: true },
] as const;
if (args.only && !PAIRS.some((pair) => pair.group === args.only)) {
  console.error(`--only: bare, line or floor, not ${JSON.stringify(args.only)}`);
  Deno.exit(2);
}
console.log(
  `greeting load: ${SESSIONS} dialogues of ${NAMES.length} names, ${CONCURRENCY} at a time, ` +
    `${ROUNDS} rounds per server after one warm-up round; the two servers compared run at once, ` +
    `their rounds alternating (the server's peak RSS covers all)`,
);
const rows: Row[] = [];
for (const { group, kinds, lines } of PAIRS) {
  if (args.only && args.only !== group) continue;
  const pair = await measurePair(kinds, lines);
  for (const row of pair) {
    console.log(
      `${row.server.padEnd(7)} ${row.clients.padEnd(5)} clients: ` +
        `${row.rates.map((r) => r.toFixed(0)).join(", ")} sessions/s (median ${
          median(row.rates).toFixed(0)
        }), ` +
        `CPU ${(row.cpu * 1e6).toFixed(0)} µs a dialogue, ${row.failed} failed, ` +
        `peak RSS ${(row.peak / 1048576).toFixed(1)} MiB`,
    );
  }
  const [a, b] = pair;
  console.log(
    `${`${a.server}/${b.server} (${lines ? "line" : "bare"} names)`.padEnd(26)}: ` +
      `rate ${(median(a.rates) / median(b.rates)).toFixed(2)}x, ` +
      `CPU per dialogue ${(a.cpu / b.cpu).toFixed(2)}x`,
  );
  rows.push(...pair);
}
if (rows.some((r) => r.failed > 0)) Deno.exit(1);
