/**
 * @module
 * tcpkit's entry point: argv → parse → dispatch → exit code. The only place that exits.
 */
import denoJson from "./deno.json" with { type: "json" };
import { type Command, parseCommandLine } from "./lib/cli/args.ts";
import { COMMAND_HELP, MAIN_HELP } from "./lib/cli/help.ts";
import { describeError, ExitCode, UsageError } from "./lib/errors.ts";
import { writerSink } from "./lib/io/chunks.ts";
import { jsonLine } from "./lib/io/json.ts";
import { createReporter, StderrLines } from "./lib/report.ts";

/** Runs tcpkit with `args`, reporting on `stderr`, and resolves to its exit code; never throws. */
export async function main(args: string[], stderr: StderrLines): Promise<number> {
  let command: Command | undefined;
  try {
    command = parseCommandLine(args);
    return await run(command, stderr);
  } catch (e) {
    // --json asks for JSON on stderr also when the command line itself is wrong.
    const end = args.indexOf("--");
    const json = command !== undefined && "json" in command
      ? command.json
      : args.slice(0, end < 0 ? undefined : end).includes("--json");
    return reportError(e, json, stderr.line);
  }
}

async function run(command: Command, stderr: StderrLines): Promise<number> {
  switch (command.command) {
    case "help":
      return printHelp(command.topic);
    case "version":
      await writeStdout(
        `tcpkit ${denoJson.version} (deno ${Deno.version.deno}, ${Deno.build.target})\n`,
      );
      return ExitCode.ok;
    case "serve": {
      // Each command's code is loaded when it runs: --version and --help start at once.
      const [{ serve }, { stdinSource }, { datagramReader }] = await Promise.all([
        import("./lib/commands/serve.ts"),
        import("./lib/io/stdin.ts"),
        import("./lib/io/stdin_datagrams.ts"),
      ]);
      const shutdown = new AbortController();
      const signals = listenForSignals(["SIGINT", "SIGTERM"], () => shutdown.abort());
      try {
        return await serve(command, {
          // UDP keeps each read of stdin apart: one read, one datagram.
          input: "udp" in command ? datagramReader() : stdinSource(),
          output: writerSink(Deno.stdout),
          reporter: createReporter(command, stderr.line),
          signal: shutdown.signal,
          inputIsTerminal: Deno.stdin.isTerminal(),
          dump: stderr.raw,
        });
      } finally {
        signals.remove();
      }
    }
    case "forward": {
      const { forward } = await import("./lib/commands/forward.ts");
      const shutdown = new AbortController();
      const signals = listenForSignals(["SIGINT", "SIGTERM"], () => shutdown.abort());
      try {
        return await forward(command, {
          reporter: createReporter(command, stderr.line),
          signal: shutdown.signal,
        });
      } finally {
        signals.remove();
      }
    }
    case "proxy": {
      const { proxy } = await import("./lib/commands/proxy.ts");
      const shutdown = new AbortController();
      const signals = listenForSignals(["SIGINT", "SIGTERM"], () => shutdown.abort());
      try {
        return await proxy(command, {
          reporter: createReporter(command, stderr.line),
          signal: shutdown.signal,
        });
      } finally {
        signals.remove();
      }
    }
    case "greet": {
      const { greet } = await import("./lib/commands/greet.ts");
      return await interruptible(
        greet(command, {
          output: writerSink(Deno.stdout),
          reporter: createReporter(command, stderr.line),
        }),
      );
    }
    case "check": {
      const [{ check }, { stdinSource }] = await Promise.all([
        import("./lib/commands/check.ts"),
        import("./lib/io/stdin.ts"),
      ]);
      // The first Ctrl-C stops the probes, and check prints what it found so far (as ping
      // does) and returns 130; a second one exits at once.
      const interrupt = new AbortController();
      let again = () => {};
      const forced = new Promise<number>((resolve) => again = () => resolve(ExitCode.interrupted));
      const signals = listenForSignals(
        ["SIGINT"],
        () => interrupt.signal.aborted ? again() : interrupt.abort(),
      );
      try {
        return await Promise.race([
          check(command, {
            output: writerSink(Deno.stdout),
            input: stdinSource(),
            signal: interrupt.signal,
            // --wait's status line, drawn in place on a terminal.
            status: command.waitMs !== undefined && !command.json && Deno.stderr.isTerminal()
              ? { write: (text) => stderr.raw(text), width: terminalWidth() }
              : undefined,
            notice: (line) => stderr.line(`tcpkit: ${line}`),
          }),
          forced,
        ]);
      } finally {
        signals.remove();
      }
    }
    case "connect": {
      const [{ connect }, { stdinSource }, { datagramReader }] = await Promise.all([
        import("./lib/commands/connect.ts"),
        import("./lib/io/stdin.ts"),
        import("./lib/io/stdin_datagrams.ts"),
      ]);
      return await interruptible(connect(command, {
        input: "udp" in command ? datagramReader() : stdinSource(),
        output: writerSink(Deno.stdout),
        reporter: createReporter(command, stderr.line),
        inputIsTerminal: Deno.stdin.isTerminal(),
        outputIsTerminal: Deno.stdout.isTerminal(),
        terminal: {
          write: (text) => stderr.raw(text),
          progress: !command.json && Deno.stderr.isTerminal(),
        },
      }));
    }
  }
}

/** The terminal's width on stderr, less one column; 79 when it cannot be told. */
function terminalWidth(): number {
  try {
    // A pseudo-terminal without a size says 0 columns.
    const { columns } = Deno.consoleSize();
    return columns >= 20 ? columns - 1 : 79;
  } catch {
    return 79;
  }
}

/** Resolves with the command's exit code, or 130 on SIGINT. */
async function interruptible(running: Promise<number>): Promise<number> {
  let interrupted = () => {};
  const interruption = new Promise<number>((resolve) =>
    interrupted = () => resolve(ExitCode.interrupted)
  );
  const signals = listenForSignals(["SIGINT"], interrupted);
  try {
    return await Promise.race([running, interruption]);
  } finally {
    signals.remove();
  }
}

/** Prints the help of `topic` (a command, checked by the parser), or tcpkit's own. */
function printHelp(topic: string | undefined): Promise<number> {
  return writeStdout(topic === undefined ? MAIN_HELP : COMMAND_HELP[topic]).then(() => ExitCode.ok);
}

/** Installs signal handlers where the platform has them; `remove` takes them away again. */
function listenForSignals(names: Deno.Signal[], handler: () => void): { remove(): void } {
  const installed: Deno.Signal[] = [];
  for (const name of names) {
    try {
      Deno.addSignalListener(name, handler);
      installed.push(name);
    } catch {
      // Not supported on this platform (SIGTERM on Windows).
    }
  }
  return { remove: () => installed.forEach((name) => Deno.removeSignalListener(name, handler)) };
}

async function writeStdout(text: string): Promise<void> {
  try {
    await writerSink(Deno.stdout).write(new TextEncoder().encode(text));
  } catch {
    // stdout closed: nothing left to tell
  }
}

/** Prints one line for any error, never a stack trace; its exit code is the contract's. */
function reportError(e: unknown, json: boolean, writeLine: (line: string) => void): number {
  const { message: text, exitCode } = describeError(e);
  const message = `tcpkit: ${lowerFirst(text)}`;
  if (json) {
    writeLine(jsonLine({ event: "error", message, exit_code: exitCode }));
  } else {
    writeLine(message);
    if (e instanceof UsageError) {
      writeLine(`Try "tcpkit ${e.command ? `${e.command} ` : ""}--help".`);
    }
  }
  return exitCode;
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

if (import.meta.main) {
  const stderr = new StderrLines();
  const code = await main(Deno.args, stderr);
  stderr.flush();
  Deno.exit(code);
}
