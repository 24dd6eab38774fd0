/** A typed wrapper over @std/cli's parseArgs that rejects unknown options. */
import { parseArgs } from "@std/cli/parse-args";
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";

/** Which options a command takes; long names, with one-letter aliases. */
export interface FlagSpec {
  boolean: readonly string[];
  string: readonly string[];
  /** String options that may repeat; their values are collected in order. */
  collect?: readonly string[];
  alias?: Readonly<Record<string, string>>;
  /**
   * Options of other commands that a person may try here, each with what to say instead of
   * "unknown option": `{ timeout: 'is for connect; serve takes "--idle-timeout"' }`.
   */
  elsewhere?: Readonly<Record<string, string>>;
}

/** The parsed command line of one command. */
export interface ParsedFlags {
  positionals: string[];
  booleans: Set<string>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
}

/**
 * Parses `args` against `spec`.
 *
 * @throws {UsageError} on an unknown option or an option without its value
 */
export function parseFlags(args: string[], spec: FlagSpec, command: string): ParsedFlags {
  const known = new Set([
    ...spec.boolean,
    ...spec.string,
    ...(spec.collect ?? []),
    ...Object.keys(spec.alias ?? {}),
  ]);
  const valued = new Set([...spec.string, ...(spec.collect ?? [])]);
  for (const [short, long] of Object.entries(spec.alias ?? {})) {
    if (valued.has(long)) valued.add(short);
  }
  args = checkValues(args, valued, spec.alias ?? {}, command);
  // deno-lint-ignore no-explicit-any
  const parsed: Record<string, any> = parseArgs(args, {
    boolean: [...spec.boolean],
    // "_": positionals stay text (parseArgs would turn "1e0" or "0x1" into numbers).
    string: ["_", ...spec.string, ...(spec.collect ?? [])],
    collect: [...(spec.collect ?? [])],
    alias: { ...spec.alias },
    "--": true,
    unknown: (arg: string, key?: string) => {
      if (key === undefined || known.has(key)) return true;
      const hint = spec.elsewhere?.[key];
      if (hint !== undefined) throw new UsageError(`Option "--${key}" ${hint}`, command);
      throw new UsageError(
        `Unknown option "${escapeText(arg.split("=")[0])}" for "${command}"`,
        command,
      );
    },
  });
  const result: ParsedFlags = {
    positionals: [...parsed._, ...(parsed["--"] ?? [])].map(String),
    booleans: new Set(spec.boolean.filter((name) => parsed[name] === true)),
    strings: new Map(),
    lists: new Map(),
  };
  for (const name of spec.string) {
    const value = parsed[name];
    if (typeof value === "string") result.strings.set(name, value);
    else if (Array.isArray(value)) result.strings.set(name, String(value.at(-1)));
  }
  for (const name of spec.collect ?? []) {
    const value = parsed[name];
    if (Array.isArray(value) && value.length > 0) result.lists.set(name, value.map(String));
  }
  return result;
}

/**
 * Checks that each option that takes a value has one (parseArgs turns `--reply` with no value
 * into ""; a user meant to give one), and returns the arguments with each empty value, and each
 * "-", joined to its option as `--name=` and `--name=-` (parseArgs would leave them apart).
 */
function checkValues(
  args: string[],
  valued: Set<string>,
  alias: Readonly<Record<string, string>>,
  command: string,
): string[] {
  const checked: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    checked.push(arg);
    if (arg === "--") return [...checked, ...args.slice(i + 1)];
    const name = arg.replace(/^--?/, "");
    if (arg.startsWith("-") && !arg.includes("=") && valued.has(name)) {
      const next = args[i + 1];
      if (next === undefined) {
        throw new UsageError(`Option "${escapeText(arg)}" needs a value`, command);
      }
      if (next.startsWith("-") && next !== "-") {
        // parseArgs would take it for another option and leave this one empty.
        throw new UsageError(
          `Option "${arg}" needs a value; for a value that starts with "-", write ${arg}=${next}`,
          command,
        );
      }
      // parseArgs would leave an empty value, and "-" (stdin), among the positionals.
      if (next === "" || next === "-") {
        checked[checked.length - 1] = `--${alias[name] ?? name}=${next}`;
      } else checked.push(next);
      i++;
    }
  }
  return checked;
}
