import { assert, assertEquals } from "@std/assert";

/**
 * A child that reads its stdin with stdinSource, slowly (a pause after each chunk), and reports
 * each chunk's size and the SHA-256 of all it read.
 */
const CHILD = `
import { stdinSource } from ${
  JSON.stringify(new URL("../../lib/io/stdin.ts", import.meta.url).href)
};
const source = stdinSource();
const sizes = [];
const parts = [];
for (;;) {
  const chunk = await source.next();
  if (chunk === null) break;
  sizes.push(chunk.length);
  parts.push(chunk.slice());
  await new Promise((resolve) => setTimeout(resolve, 2));
}
const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
let at = 0;
for (const part of parts) { all.set(part, at); at += part.length; }
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
console.log(JSON.stringify({ sizes, sha: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") }));
`;

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("stdinSource() gives every byte in order, gathering small writes into large chunks", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", CHILD],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // 3 MiB in 3,072 writes of 1 KiB: more than the ring holds, so it wraps around.
  const data = crypto.getRandomValues(new Uint8Array(64 * 1024));
  const all = new Uint8Array(3 * 1024 * 1024);
  for (let at = 0; at < all.length; at += data.length) all.set(data, at);
  all[all.length - 1] ^= 0xff;
  const writer = child.stdin.getWriter();
  for (let at = 0; at < all.length; at += 1024) await writer.write(all.subarray(at, at + 1024));
  await writer.close();
  const { code, stdout } = await child.output();
  assertEquals(code, 0);
  const report = JSON.parse(new TextDecoder().decode(stdout)) as { sizes: number[]; sha: string };
  assertEquals(report.sha, await sha256(all));
  // A slow reader gets what gathered meanwhile: far fewer chunks than writes, none above 256 KiB.
  assert(report.sizes.length < 3072 / 4, `${report.sizes.length} chunks for 3,072 writes`);
  assert(Math.max(...report.sizes) <= 256 * 1024);
});
