/**
 * Reading stdin fast without blocking the event loop: a Worker loops on `Deno.stdin.readSync`
 * into a shared ring of bytes, and the main thread lends out what the ring holds as chunks.
 * An async `Deno.stdin.read` costs a thread-pool hop per call and reached only 0.5-0.85x nc's
 * throughput; this ring reads a pipe as fast as nc does.
 */
import { fstatSync } from "node:fs";
import { InputError } from "../errors.ts";
import type { ChunkSource } from "./chunks.ts";

/** The ring's size: a power of two, so that its byte counters may wrap around 2^32. */
const RING_SIZE = 1024 * 1024;
/** The most a chunk lends at once: as the connection's largest read. */
const MAX_CHUNK = 256 * 1024;
// Control words: bytes written (by the reader), bytes consumed (by the main thread), the end
// state, and a counter of the reader's events (bytes or the end), which the main thread waits on
// so that no wake-up is lost. The byte counters wrap; their difference is what the ring holds.
const WRITTEN = 0;
const CONSUMED = 1;
const STATE = 2;
const EVENTS = 3;
const STATE_EOF = 1;
const STATE_ERROR = 2;

/** The Worker's body, shipped as source text so that no extra file or read permission is needed. */
function readStdinIntoRing(data: SharedArrayBuffer, control: SharedArrayBuffer): void {
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(data);
  const size = bytes.length;
  for (;;) {
    const written = Atomics.load(ctrl, 0);
    let consumed = Atomics.load(ctrl, 1);
    while (((written - consumed) | 0) === size) {
      Atomics.wait(ctrl, 1, consumed);
      consumed = Atomics.load(ctrl, 1);
    }
    // Read into the free bytes after the last written one, up to the ring's end.
    const at = (written >>> 0) % size;
    const free = size - ((written - consumed) | 0);
    let n: number | null;
    let failed = false;
    try {
      n = Deno.stdin.readSync(bytes.subarray(at, at + Math.min(free, size - at)));
    } catch (e) {
      // Unreadable (a directory, say): the main thread is told why before it sees the state.
      (self as unknown as Worker).postMessage(e instanceof Error ? e.message : String(e));
      n = null;
      failed = true;
    }
    if (n === null) Atomics.store(ctrl, 2, failed ? 2 : 1);
    else Atomics.add(ctrl, 0, n);
    Atomics.add(ctrl, 3, 1);
    Atomics.notify(ctrl, 3);
    if (n === null) return;
  }
}

/**
 * Creates the stdin source; the reading Worker starts on the first call to `next`, and ends with
 * the process (a blocked read cannot be interrupted, and does not keep the process alive). Each
 * chunk is lent until the next call, and holds all that the ring has gathered since the last one
 * (up to its end, and 256 KiB): a pipe written in small pieces still goes out in large writes. A
 * stdin that cannot be read fails with an {@linkcode InputError} rather than ending like an empty
 * one. Its `size` is the file's when stdin is a regular file (`< file`).
 */
export function stdinSource(): ChunkSource {
  const data = new SharedArrayBuffer(RING_SIZE);
  const control = new SharedArrayBuffer(4 * 4);
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(data);
  let worker: Worker | undefined;
  let consumed = 0;
  let lent = 0;
  let failure: Promise<string> | undefined;

  const start = () => {
    const source = `self.onmessage = (e) => { (${readStdinIntoRing.toString()})(...e.data); };`;
    // A data: URL, not a blob: one, works in compiled binaries too (docs/architecture.md).
    worker = new Worker(`data:text/javascript,${encodeURIComponent(source)}`, { type: "module" });
    failure = new Promise((resolve) => worker!.onmessage = (e) => resolve(String(e.data)));
    worker.postMessage([data, control]);
  };

  return {
    size: stdinFileSize(),
    async next() {
      if (!worker) start();
      if (lent > 0) {
        consumed = (consumed + lent) | 0;
        lent = 0;
        Atomics.store(ctrl, CONSUMED, consumed);
        Atomics.notify(ctrl, CONSUMED);
      }
      for (;;) {
        const events = Atomics.load(ctrl, EVENTS);
        const held = (Atomics.load(ctrl, WRITTEN) - consumed) | 0;
        if (held > 0) {
          const at = (consumed >>> 0) % RING_SIZE;
          lent = Math.min(held, RING_SIZE - at, MAX_CHUNK);
          return bytes.subarray(at, at + lent);
        }
        const state = Atomics.load(ctrl, STATE);
        // The end is stored after the last bytes: seen now, those bytes are seen too.
        if (state !== 0 && ((Atomics.load(ctrl, WRITTEN) - consumed) | 0) > 0) continue;
        if (state === STATE_EOF) {
          worker!.terminate();
          return null;
        }
        if (state === STATE_ERROR) {
          const text = (await failure!).replace(/\s*\(os error \d+\)$/, "");
          worker!.terminate();
          throw new InputError(text.charAt(0).toLowerCase() + text.slice(1));
        }
        const wait = Atomics.waitAsync(ctrl, EVENTS, events);
        if (wait.async) await wait.value;
      }
    },
  };
}

/**
 * Stdin's size when it is a regular file (`< file`), else undefined. fstat(2) on descriptor 0,
 * through node:fs: Deno.stat("/dev/stdin") needs --allow-all (it goes through /proc/self), and
 * Deno.stdin has no stat().
 */
export function stdinFileSize(): number | undefined {
  try {
    const info = fstatSync(0);
    return info.isFile() && info.size > 0 ? info.size : undefined;
  } catch {
    return undefined;
  }
}
