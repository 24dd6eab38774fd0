/** `check --targets FILE`: more targets from a file (`-` for stdin), after the command line's. */
import { UsageError } from "../errors.ts";
import type { ChunkSource } from "../io/chunks.ts";
import { escapeText } from "../io/escape.ts";
import { checkProbeLimit, parseTargetsFile, type Target } from "../net/targets.ts";

/** The most a targets file may hold: enough for two million short lines. */
export const MAX_TARGETS_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The targets of the command line and then those of `file` (one a line, `#` comments and blank
 * lines allowed, each pair given twice kept once), checked against the probe limit as a whole.
 *
 * @param stdin where `-` reads from
 * @throws {UsageError} when the file cannot be read, is too large, or holds a bad line (named)
 */
export async function withTargetsFile(
  targets: Target[],
  file: string | undefined,
  stdin: ChunkSource | undefined,
): Promise<Target[]> {
  if (file === undefined) return targets;
  const text = file === "-" ? await readAll(stdin, file) : await readFile(file);
  const all = [...targets, ...parseTargetsFile(text, file === "-" ? "stdin" : file)];
  checkProbeLimit(all);
  if (all.length === 0) {
    throw new UsageError(
      `No targets in ${file === "-" ? "stdin" : `"${escapeText(file)}"`}: expected one ` +
        "HOST:PORT (or HOST PORT) a line",
    );
  }
  return all;
}

async function readFile(path: string): Promise<string> {
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new UsageError(cannotRead(path, "it is a directory"));
    if (info.size > MAX_TARGETS_FILE_BYTES) throw new UsageError(cannotRead(path, "too large"));
    return new TextDecoder().decode(await Deno.readFile(path));
  } catch (e) {
    if (e instanceof UsageError || e instanceof Deno.errors.NotCapable) throw e;
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (e instanceof Error ? e.message : String(e)).replace(/\s*\(os error \d+\)$/, "");
    throw new UsageError(cannotRead(path, why));
  }
}

/** Reads stdin to its end. */
async function readAll(source: ChunkSource | undefined, path: string): Promise<string> {
  if (!source) throw new UsageError(cannotRead(path, "no standard input"));
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) {
    bytes += chunk.length;
    if (bytes > MAX_TARGETS_FILE_BYTES) throw new UsageError(cannotRead(path, "too large"));
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

function cannotRead(path: string, why: string): string {
  const what = path === "-" ? "targets from stdin" : `--targets file "${escapeText(path)}"`;
  return `Cannot read ${what}: ${why}`;
}
