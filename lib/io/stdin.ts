/**
 * Reading stdin fast without blocking the event loop: a Worker loops on `Deno.stdin.readSync`
 * into a ring of shared slots, and the main thread lends the filled slots out as chunks.
 * An async `Deno.stdin.read` costs a thread-pool hop per call and reached only 0.5-0.85x nc's
 * throughput; this ring reads a pipe as fast as nc does.
 */
import { fstatSync } from "node:fs";
import { InputError } from "../errors.ts";
import type { ChunkSource } from "./chunks.ts";

const SLOTS = 4;
const SLOT_SIZE = 256 * 1024;
// Control words: slots filled, slots consumed, the end state, and a counter of the reader's events
// (a fill or the end), which the main thread waits on so that no wake-up is lost.
const FILLED = 0;
const CONSUMED = 1;
const STATE = 2;
const EVENTS = 3;
const LENGTHS = 4;
const STATE_EOF = 1;
const STATE_ERROR = 2;

/** The Worker's body, shipped as source text so that no extra file or read permission is needed. */
function readStdinIntoRing(
  data: SharedArrayBuffer,
  control: SharedArrayBuffer,
  slots: number,
  slotSize: number,
): void {
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(data);
  for (let seq = 0;; seq++) {
    for (;;) {
      const consumed = Atomics.load(ctrl, 1);
      if (seq - consumed < slots) break;
      Atomics.wait(ctrl, 1, consumed);
    }
    const slot = seq % slots;
    let n: number | null;
    let failed = false;
    try {
      n = Deno.stdin.readSync(bytes.subarray(slot * slotSize, (slot + 1) * slotSize));
    } catch (e) {
      // Unreadable (a directory, say): the main thread is told why before it sees the state.
      (self as unknown as Worker).postMessage(e instanceof Error ? e.message : String(e));
      n = null;
      failed = true;
    }
    if (n === null) {
      Atomics.store(ctrl, 2, failed ? 2 : 1);
    } else {
      ctrl[4 + slot] = n;
      Atomics.add(ctrl, 0, 1);
    }
    Atomics.add(ctrl, 3, 1);
    Atomics.notify(ctrl, 3);
    if (n === null) return;
  }
}

/**
 * Creates the stdin source; the reading Worker starts on the first call to `next`, and ends with
 * the process (a blocked read cannot be interrupted, and does not keep the process alive). Each
 * chunk is lent until the next call. A stdin that cannot be read fails with an
 * {@linkcode InputError} rather than ending like an empty one. Its `size` is the file's when
 * stdin is a regular file (`< file`).
 */
export function stdinSource(): ChunkSource {
  const data = new SharedArrayBuffer(SLOTS * SLOT_SIZE);
  const control = new SharedArrayBuffer(4 * (LENGTHS + SLOTS));
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(data);
  let worker: Worker | undefined;
  let consumed = 0;
  let lent = false;
  let failure: Promise<string> | undefined;

  const start = () => {
    const source = `self.onmessage = (e) => { (${readStdinIntoRing.toString()})(...e.data); };`;
    const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
    worker = new Worker(url, { type: "module" });
    failure = new Promise((resolve) => worker!.onmessage = (e) => resolve(String(e.data)));
    worker.postMessage([data, control, SLOTS, SLOT_SIZE]);
    URL.revokeObjectURL(url);
  };

  return {
    size: stdinFileSize(),
    async next() {
      if (!worker) start();
      if (lent) {
        lent = false;
        consumed++;
        Atomics.store(ctrl, CONSUMED, consumed);
        Atomics.notify(ctrl, CONSUMED);
      }
      for (;;) {
        const events = Atomics.load(ctrl, EVENTS);
        if (Atomics.load(ctrl, FILLED) > consumed) {
          const slot = consumed % SLOTS;
          lent = true;
          return bytes.subarray(slot * SLOT_SIZE, slot * SLOT_SIZE + ctrl[LENGTHS + slot]);
        }
        const state = Atomics.load(ctrl, STATE);
        if (state === STATE_EOF) return null;
        if (state === STATE_ERROR) {
          const text = (await failure!).replace(/\s*\(os error \d+\)$/, "");
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
