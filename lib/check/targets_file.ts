/** `check --targets FILE`: more targets from a file (`-` for stdin), after the command line's. */
import { UsageError } from "../errors.ts";
import type { ChunkSource } from "../io/chunks.ts";
import { escapeText } from "../io/escape.ts";
import { boundedLines, LineLimitError, sourceStream } from "../io/lines.ts";
import { checkProbeLimit, type Target, targetsFileParser } from "../net/targets.ts";

/** The most a targets file may hold: enough for two million short lines. */
export const MAX_TARGETS_FILE_BYTES = 64 * 1024 * 1024;

/** The longest line a targets file may hold: a target is a few hundred bytes at most. */
export const MAX_TARGETS_LINE_BYTES = 64 * 1024;

/**
 * The targets of the command line and then those of `file` (one a line, `#` comments and blank
 * lines allowed, each pair given twice kept once), checked against the probe limit as a whole.
 * The file is parsed as it is read, within {@linkcode MAX_TARGETS_FILE_BYTES} and
 * {@linkcode MAX_TARGETS_LINE_BYTES}: a file without end (`/dev/zero`) or one endless line is
 * refused after the bound, not read into memory.
 *
 * @param stdin where `-` reads from
 * @throws {UsageError} when the file cannot be read, is too large, or holds a bad line (named);
 * its hint points to check's help
 */
export async function withTargetsFile(
  targets: Target[],
  file: string | undefined,
  stdin: ChunkSource | undefined,
): Promise<Target[]> {
  if (file === undefined) return targets;
  try {
    const all = [...targets, ...await readTargets(file, stdin)];
    checkProbeLimit(all);
    if (all.length === 0) {
      throw new UsageError(
        `No targets in ${file === "-" ? "stdin" : `"${escapeText(file)}"`}: expected one ` +
          "HOST:PORT (or HOST PORT) a line",
      );
    }
    return all;
  } catch (e) {
    if (e instanceof UsageError && e.command === undefined) {
      throw new UsageError(e.message, "check");
    }
    throw e;
  }
}

/** The targets of the file, or of stdin for `-`, parsed line by line as they are read. */
async function readTargets(path: string, stdin: ChunkSource | undefined): Promise<Target[]> {
  const bytes = path === "-" ? stdinStream(stdin, path) : await openFile(path);
  const parser = targetsFileParser(path === "-" ? "stdin" : path);
  try {
    for await (const line of boundedLines(bytes, LIMITS)) parser.line(line);
  } catch (e) {
    if (e instanceof LineLimitError) {
      throw new UsageError(
        e.limit === "total"
          ? cannotRead(path, `too large (more than ${MAX_TARGETS_FILE_BYTES / 1024 / 1024} MiB)`)
          : `${path === "-" ? "stdin" : escapeText(path)} line ${e.line}: longer than ` +
            `${MAX_TARGETS_LINE_BYTES / 1024} KiB; expected one HOST:PORT (or HOST PORT) a line`,
      );
    }
    if (e instanceof UsageError || e instanceof Deno.errors.NotCapable) throw e;
    throw new UsageError(cannotRead(path, why(e)));
  }
  return parser.targets();
}

const LIMITS = { maxBytes: MAX_TARGETS_FILE_BYTES, maxLineBytes: MAX_TARGETS_LINE_BYTES };

async function openFile(path: string): Promise<ReadableStream<Uint8Array>> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new UsageError(cannotRead(path, "it is a directory"));
    // A regular file's size is known: refuse a large one before reading it.
    if (info.size > MAX_TARGETS_FILE_BYTES) {
      throw new UsageError(
        cannotRead(path, `too large (more than ${MAX_TARGETS_FILE_BYTES / 1024 / 1024} MiB)`),
      );
    }
    return (await Deno.open(path)).readable;
  } catch (e) {
    if (e instanceof UsageError || e instanceof Deno.errors.NotCapable) throw e;
    throw new UsageError(cannotRead(path, why(e)));
  }
}

function stdinStream(source: ChunkSource | undefined, path: string): ReadableStream<Uint8Array> {
  if (!source) throw new UsageError(cannotRead(path, "no standard input"));
  return sourceStream(source);
}

/** Why a file could not be read, in a few words. */
function why(e: unknown): string {
  return e instanceof Deno.errors.NotFound
    ? "no such file"
    : e instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : (e instanceof Error ? e.message : String(e)).replace(/\s*\(os error \d+\)$/, "");
}

function cannotRead(path: string, why: string): string {
  const what = path === "-" ? "targets from stdin" : `--targets file "${escapeText(path)}"`;
  return `Cannot read ${what}: ${why}`;
}
