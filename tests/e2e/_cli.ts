/** Running the real CLI as a subprocess, with exactly the permissions it ships with. */
import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;

/**
 * The flags of the `tcpkit` task (permissions and V8 settings), which the compile task must
 * share: the CLI under test runs with exactly these.
 */
export const RUN_FLAGS: string[] = denoJson.tasks.tcpkit.split(/\s+/).filter((word) =>
  word.startsWith("--")
);

/** The permission flags among {@linkcode RUN_FLAGS}. */
export const PERMISSIONS: string[] = RUN_FLAGS.filter((flag) => /^--(allow|deny)-/.test(flag));

/**
 * The executable under test when `TCPKIT_BIN` names one (a compiled binary, or any program taking
 * tcpkit's arguments, such as tests/bin/tcpkit-deno-run), as an absolute path; else undefined.
 * Reading it needs `--allow-env`, which `deno task test` gives: without it the variable cannot be
 * seen, and the suite runs `deno run` as when it is not set.
 */
export const TCPKIT_BIN: string | undefined = binaryUnderTest();

function binaryUnderTest(): string | undefined {
  const allowed = Deno.permissions.querySync({ name: "env", variable: "TCPKIT_BIN" });
  if (allowed.state !== "granted") return undefined;
  const bin = Deno.env.get("TCPKIT_BIN");
  if (!bin) return undefined;
  const path = /^([A-Za-z]:)?[\\/]/.test(bin) ? bin : `${Deno.cwd()}/${bin}`;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (e) {
    throw new Error(`TCPKIT_BIN=${bin}: ${e instanceof Error ? e.message : e}`);
  }
  if (!info.isFile) throw new Error(`TCPKIT_BIN=${bin}: not a file`);
  return path;
}

/**
 * The argv that runs tcpkit: `TCPKIT_BIN` when set, else `deno run` of main.ts with
 * {@linkcode RUN_FLAGS}. Every end-to-end test starts tcpkit through this (or
 * {@linkcode TCPKIT_SH}), so that the same tests run against a compiled binary.
 */
export const TCPKIT: string[] = TCPKIT_BIN
  ? [TCPKIT_BIN]
  : [Deno.execPath(), "run", "--quiet", ...RUN_FLAGS, MAIN];

/** The same, as a quoted shell word list, for pipelines run by bash. */
export const TCPKIT_SH: string = TCPKIT.map((word) => `'${word}'`).join(" ");

const ENV = { NO_COLOR: "1" };

/** What a finished process produced. */
export interface Output {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** Bytes or text for stdin; stdin is /dev/null when left out. */
  stdin?: Uint8Array | string;
  /** Kill the process after this long (a safety net; tests wait on events). */
  timeoutMs?: number;
  /** Environment variables besides NO_COLOR (such as DENO_CERT, a root for Deno's TLS). */
  env?: Record<string, string>;
}

/** Runs tcpkit to completion. */
export function tcpkit(args: string[], options: RunOptions = {}): Promise<Output> {
  return run(TCPKIT, [...args], options);
}

/** Runs a bash script (for pipelines, files and peers such as nc and socat). */
export function bash(script: string, options: RunOptions = {}): Promise<Output> {
  return run(["bash", "-c", `set -o pipefail\n${script}`], [], options);
}

/** Runs any program to completion and collects its output. */
export async function run(
  argv: string[],
  extra: string[] = [],
  options: RunOptions = {},
): Promise<Output> {
  const child = new Deno.Command(argv[0], {
    args: [...argv.slice(1), ...extra],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { ...ENV, ...options.env },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs ?? 60_000);
  if (options.stdin !== undefined) {
    const bytes = typeof options.stdin === "string"
      ? new TextEncoder().encode(options.stdin)
      : options.stdin;
    const writer = child.stdin.getWriter();
    await writer.write(bytes).catch(() => {});
    await writer.close().catch(() => {});
  }
  const out = await child.output();
  clearTimeout(timer);
  return {
    code: out.code,
    signal: out.signal,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Collects a stream's text as it arrives and lets a test wait for a pattern in it. */
export class TextCollector {
  text = "";
  #waiters: {
    test: (text: string) => RegExpMatchArray | null;
    resolve: (m: RegExpMatchArray) => void;
  }[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text += chunk;
        this.#check();
      }
    })();
  }

  /** Resolves with the first match of `pattern`, now or when the text arrives. */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return this.#waitUntil((text) => text.match(pattern), pattern, timeoutMs);
  }

  /** Resolves once `literal` has appeared `count` times. */
  waitForCount(literal: string, count: number, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return this.#waitUntil(
      (text) => text.split(literal).length > count ? [literal] as RegExpMatchArray : null,
      `${count} × "${literal}"`,
      timeoutMs,
    );
  }

  #waitUntil(
    test: (text: string) => RegExpMatchArray | null,
    what: unknown,
    timeoutMs: number,
  ): Promise<RegExpMatchArray> {
    const match = test(this.text);
    if (match) return Promise.resolve(match);
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      new Promise<RegExpMatchArray>((resolve) => this.#waiters.push({ test, resolve })),
      new Promise<never>((_, reject) =>
        timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${what} in: ${this.text.slice(-2000)}`)),
          timeoutMs,
        )
      ),
    ]).finally(() => clearTimeout(timer));
  }

  #check(): void {
    this.#waiters = this.#waiters.filter(({ test, resolve }) => {
      const match = test(this.text);
      if (match) resolve(match);
      return !match;
    });
  }
}

/** A running tcpkit process (or any process) with its output collected. */
export class Running implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly stdout: TextCollector;
  readonly stderr: TextCollector;
  #stdinWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #result: Promise<Output> | undefined;

  constructor(argv: string[], options: { stdin?: boolean } = {}) {
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      env: ENV,
    }).spawn();
    this.stdout = new TextCollector(this.child.stdout);
    this.stderr = new TextCollector(this.child.stderr);
    if (options.stdin) this.#stdinWriter = this.child.stdin.getWriter();
  }

  /** Writes to the process's stdin. */
  async write(text: string | Uint8Array): Promise<void> {
    await this.#stdinWriter!.write(
      typeof text === "string" ? new TextEncoder().encode(text) : text,
    );
  }

  /** Closes the process's stdin (EOF). */
  async closeStdin(): Promise<void> {
    const writer = this.#stdinWriter;
    this.#stdinWriter = undefined;
    await writer?.close().catch(() => {});
  }

  /** Sends a signal. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Waits for the process to end and returns all it wrote. */
  result(timeoutMs = 30_000): Promise<Output> {
    this.#result ??= (async () => {
      const timer = setTimeout(() => this.kill("SIGKILL"), timeoutMs);
      const status = await this.child.status;
      clearTimeout(timer);
      await this.closeStdin();
      await Promise.all([this.stdout.done, this.stderr.done]);
      return {
        code: status.code,
        signal: status.signal,
        stdout: this.stdout.text,
        stderr: this.stderr.text,
      };
    })();
    return this.#result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.result();
  }
}

/** A tcpkit server started on a free port, ready once it has announced its address. */
export class Server extends Running {
  port = 0;

  /** Starts `tcpkit serve ARGS...` and waits for "listening on ...:PORT". */
  static start(args: string[], options: { stdin?: boolean } = {}): Promise<Server> {
    return Server.spawn([...TCPKIT, "serve", ...args], options);
  }

  /** Runs `argv` (a tcpkit serve, perhaps inside a shell pipeline) and waits for its address. */
  static async spawn(argv: string[], options: { stdin?: boolean } = {}): Promise<Server> {
    const server = new Server(argv, options);
    try {
      const match = await server.stderr.waitFor(
        /listening on \S+:(\d+)|"event":"listening".*"port":(\d+)/,
      );
      server.port = Number(match[1] ?? match[2]);
    } catch (e) {
      await server[Symbol.asyncDispose]();
      throw e;
    }
    return server;
  }
}

/**
 * A client (python3) that sends `data` in one write, reads until the server's half-close, prints
 * what it read, and only then, `holdMs` later, closes its side.
 */
export function lingeringClient(port: number, data: string, holdMs: number): Promise<Output> {
  return run(["python3", "-c", LINGERING_CLIENT, String(port), data, String(holdMs / 1000)]);
}

const LINGERING_CLIENT = `import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode())
while True:
    got = s.recv(65536)
    if not got:
        break
    sys.stdout.buffer.write(got)
sys.stdout.flush()
time.sleep(float(sys.argv[3]))
s.close()`;

/** Peak and current resident memory of a process, in bytes (Linux). */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readProcFile(`/proc/${pid}/status`);
  const kb = (field: string) =>
    Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Reads a /proc file; Deno allows that only with --allow-all, so `cat` reads it for us. */
export async function readProcFile(path: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

/** Does the test run as root (which sshd, vsftpd and network namespaces need)? */
export function isRoot(): boolean {
  try {
    const out = new Deno.Command("id", { args: ["-u"], stdout: "piped", stderr: "null" })
      .outputSync();
    return new TextDecoder().decode(out.stdout).trim() === "0";
  } catch {
    return false;
  }
}

/** Is this program installed? */
export function has(program: string): boolean {
  try {
    return new Deno.Command("which", { args: [program], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1 (closed again; for peers that cannot take port 0). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/**
 * Waits until something listens on `port` (for peers that do not say so). It reads the kernel's
 * socket table instead of connecting, which would use up the single accept of `nc -l`.
 */
export async function waitForListener(port: number): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const listening = new RegExp(`^\\s*\\d+: [0-9A-F]+:${hex} [0-9A-F]+:0000 0A `, "m");
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      const text = await readProcFile(table);
      if (listening.test(text)) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** A temporary directory removed at the end of the test. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "tcpkit-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** A python3 peer listening on a free port of 127.0.0.1, with its port once it has printed it. */
export type PythonPeer = Running & { port: number };

/**
 * Starts a python3 peer: `s`, a socket listening on a free port of 127.0.0.1 (backlog 1024), is
 * made and its port printed before `body` runs (with `socket` and `sys` imported). Disposing
 * of it kills it.
 */
export async function pythonPeer(body: string): Promise<PythonPeer> {
  const script = `import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(1024)
print(s.getsockname()[1], flush=True)
${body}`;
  const peer = new Running(["python3", "-c", script]) as PythonPeer;
  try {
    peer.port = Number((await peer.stdout.waitFor(/^(\d+)\n/))[1]);
  } catch (e) {
    await peer[Symbol.asyncDispose]();
    throw new Error(`the python peer did not start: ${peer.stderr.text}`, { cause: e });
  }
  return peer;
}

/**
 * A port of 127.0.0.1 whose connects hang: a listener with a full accept queue, whose kernel
 * drops further SYNs, as a firewall that drops them would. Disposing of it ends its process.
 */
export async function synDroppingPort(): Promise<{ port: number } & AsyncDisposable> {
  const script = `import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); held.append(c)
time.sleep(0.2)
print(port, flush=True)
sys.stdin.read()`;
  const py = new Running(["python3", "-c", script], { stdin: true });
  const port = Number((await py.stdout.waitFor(/(\d+)\n/))[1]);
  return { port, [Symbol.asyncDispose]: () => py[Symbol.asyncDispose]() };
}

/**
 * What a terminal would act on in `text`: every C0 control but LF (TAB and CR too), DEL, the C1
 * controls, U+2028/U+2029 and the bidirectional controls, each as `U+XXXX at OFFSET`. Empty
 * when the text is safe to show.
 */
export function unsafeForTerminal(text: string): string[] {
  const found: string[] = [];
  // deno-lint-ignore no-control-regex
  const pattern = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
  for (const match of text.matchAll(pattern)) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    found.push(`U+${code} at ${match.index}`);
  }
  return found;
}
