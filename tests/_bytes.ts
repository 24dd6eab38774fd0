/** Byte arrays in tests: a typed wrapper over @std/bytes, whose npm build has no declarations. */
import { concat } from "@std/bytes";

/** The byte arrays joined into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concat([...parts]) as Uint8Array<ArrayBuffer>;
}
