/** Byte-array helpers, typed wrappers over @std/bytes. */
import { concat } from "@std/bytes";

/** The byte arrays joined into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concat([...parts]) as Uint8Array<ArrayBuffer>;
}
