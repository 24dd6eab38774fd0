/**
 * The README's examples are command lines tcpkit takes: every `tcpkit …` line of its code blocks
 * (and of the help pages' examples) parses without a usage error, so none of them fails as
 * printed for a reason of tcpkit's own. Lines that show an error on purpose follow a `tcpkit:`
 * output line or are marked below.
 */
import { assertEquals } from "@std/assert";
import { parseCommandLine } from "../lib/cli/args.ts";
import { COMMAND_HELP } from "../lib/cli/help.ts";
import { UsageError } from "../lib/errors.ts";

/** Splits a shell command line into words (quotes and backslashes, no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? line.length : end;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The tcpkit invocations in a shell line: each `tcpkit ARGS` up to a pipe, redirect or `;`. */
function invocations(line: string): string[][] {
  if (line.includes("[options]")) return []; // a synopsis, not a command
  // A comment, or a description after a run of spaces, is not part of the command.
  const code = line.replace(/\s+#.*$/, "").replace(/ {3,}\S.*$/, "");
  const found: string[][] = [];
  for (const part of code.split(/\s*(?:\|\||&&|\||;|&)\s*/)) {
    const words = shellWords(part.replace(/\s[0-9]?[<>].*$/, "").replace(/^\$ /, ""));
    // Variables set for the command, and the programs that run it, come first.
    while (/^[A-Z_]+=/.test(words[0] ?? "") || ["sudo", "exec", "time"].includes(words[0])) {
      words.shift();
    }
    if (!/^(\.?\/)?(\S*\/)?tcpkit$/.test(words[0] ?? "")) continue;
    const args = words.slice(1);
    // A shell variable, or a placeholder of a synopsis (`[options]`, `AB:CD:...`): no value.
    if (args.some((w) => /\$|\.\.\.|^\[options\]$|^\[HOST:\]PORT$/.test(w))) continue;
    found.push(args);
  }
  return found;
}

function codeLines(markdown: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) inside = !inside;
    else if (inside) lines.push(line);
  }
  return lines;
}

function usageErrors(lines: string[], atLeast: number): string[] {
  const failures: string[] = [];
  const all = lines.flatMap(invocations);
  // Not vacuous: the extraction finds the examples.
  if (all.length < atLeast) failures.push(`only ${all.length} command lines found`);
  for (const line of lines) {
    for (const args of invocations(line)) {
      try {
        parseCommandLine(args);
      } catch (e) {
        if (e instanceof UsageError) failures.push(`${line.trim()}\n    ${e.message}`);
        else throw e;
      }
    }
  }
  return failures;
}

Deno.test("every tcpkit command line of the README's code blocks is one tcpkit takes", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const lines = codeLines(readme);
  // A block that shows an error prints it after the command: leave those commands out.
  const shown = lines.filter((_line, i) => !lines[i + 1]?.startsWith("tcpkit: "));
  assertEquals(usageErrors(shown, 40), []);
});

Deno.test("every example of the help pages is a command line tcpkit takes", () => {
  const examples = Object.values(COMMAND_HELP).flatMap((page) =>
    page.split("\n").filter((line) => /^\s+tcpkit /.test(line))
  );
  assertEquals(usageErrors(examples, 30), []);
});
