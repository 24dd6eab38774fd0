/**
 * The layers of lib/, as docs/architecture.md draws them: a module imports only from its own layer
 * or lower ones, and the two concerns of one layer (check and server) know nothing of each other.
 */
import { assertEquals } from "@std/assert";

const LIB = new URL("../lib/", import.meta.url);

/** The layers, lowest first; each entry is a directory of lib/ or one of its top-level files. */
const LAYERS: string[][] = [
  ["format.ts"],
  ["errors.ts"],
  ["io"],
  ["protocol", "report.ts"],
  ["net"],
  ["check", "server"],
  ["cli"],
  ["commands"],
  ["mod.ts"],
];

/** The part of lib/ a path inside it belongs to: its first directory, or the file itself. */
function partOf(path: string): string {
  return path.split("/")[0];
}

function rankOf(part: string): number {
  return LAYERS.findIndex((layer) => layer.includes(part));
}

/** Every relative import of `source`, static or dynamic, type-only or not. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)) {
    found.push(match[1]);
  }
  return found;
}

async function* modules(dir: URL, prefix = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = prefix + entry.name;
    if (entry.isDirectory) yield* modules(new URL(`${entry.name}/`, dir), `${path}/`);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Each import of lib/ that goes up a layer, or across to the other concern of its layer. */
async function upwardImports(): Promise<string[]> {
  const wrong: string[] = [];
  for await (const path of modules(LIB)) {
    const from = partOf(path);
    const rank = rankOf(from);
    if (rank < 0) {
      wrong.push(`${path}: lib/${from} is in no layer (add it to LAYERS and the docs)`);
      continue;
    }
    const source = await Deno.readTextFile(new URL(path, LIB));
    for (const spec of importsOf(source)) {
      const target = new URL(spec, new URL(path, LIB)).pathname;
      if (!target.startsWith(LIB.pathname)) continue; // deno.json and the like
      const to = partOf(target.slice(LIB.pathname.length));
      if (to === from) continue;
      const toRank = rankOf(to);
      if (toRank > rank || (toRank === rank && to !== from)) {
        wrong.push(`lib/${path} imports ${spec} (lib/${to} is not below lib/${from})`);
      }
    }
  }
  return wrong.sort();
}

Deno.test("lib/ imports only from its own layer or lower ones", async () => {
  assertEquals(await upwardImports(), []);
});

Deno.test("importsOf() finds static, type-only, re-exported and dynamic imports", () => {
  const source = `import { a } from "./a.ts";
import type { B } from "../net/b.ts";
export { c } from "./c.ts";
const d = await import("../commands/d.ts");
type E = typeof import("./e.ts");
import x from "npm:thing";`;
  assertEquals(importsOf(source), [
    "./a.ts",
    "../net/b.ts",
    "./c.ts",
    "../commands/d.ts",
    "./e.ts",
  ]);
});
