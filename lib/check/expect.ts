/**
 * What an HTTP check expects of the answer, and the verdict on one: the status (200–399 unless
 * `--expect` says otherwise: `200`, `2xx`, `200,204`, `200-299`) and, with `--expect-body`, a
 * text the body read must hold. Pure rules, tested in memory.
 */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";

/** Status ranges, each inclusive: the status is expected when one holds it. */
export interface StatusExpectation {
  /** As the user wrote it, for reasons (`expected 2xx`); `200-399` by default. */
  text: string;
  /** `[first, last]` pairs. */
  ranges: [number, number][];
}

/** The default: any answer that is not an error (redirects are not followed: a 3xx is the answer). */
export const DEFAULT_EXPECT: StatusExpectation = Object.freeze({
  text: "200-399",
  ranges: [[200, 399]],
}) as StatusExpectation;

/**
 * Parses `--expect`: a comma-separated list of statuses (`200`), classes (`2xx`) and ranges
 * (`200-299`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseExpect } from "./expect.ts";
 * assertEquals(parseExpect("2xx,301").ranges, [[200, 299], [301, 301]]);
 * ```
 * @throws {UsageError} for anything else, or a status outside 100–599
 */
export function parseExpect(raw: string): StatusExpectation {
  const ranges: [number, number][] = [];
  const invalid = (detail: string) =>
    new UsageError(
      `Invalid --expect "${escapeText(raw)}": ${detail}; expected statuses such as 200, 2xx, ` +
        "200,204 or 200-299",
    );
  const items = raw.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) throw invalid("an empty item");
  for (const item of items) {
    const cls = /^([1-5])xx$/i.exec(item);
    if (cls) {
      const first = Number(cls[1]) * 100;
      ranges.push([first, first + 99]);
      continue;
    }
    const range = /^(\d{3})(?:-(\d{3}))?$/.exec(item);
    if (!range) throw invalid(`"${escapeText(item)}" is not a status`);
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    for (const n of [first, last]) {
      if (n < 100 || n > 599) throw invalid(`${n} is not an HTTP status (100-599)`);
    }
    if (last < first) throw invalid(`the range ${item} ends before it begins`);
    ranges.push([first, last]);
  }
  return { text: items.join(","), ranges };
}

/** True when `status` is one the expectation holds. */
export function statusExpected(status: number, expect: StatusExpectation): boolean {
  return expect.ranges.some(([first, last]) => first <= status && status <= last);
}

/** What an answer is judged on. */
export interface HttpAnswerFacts {
  /** The status code. */
  status: number;
  /** The body read (at most the bound), or undefined when none was read (HEAD). */
  body?: Uint8Array;
  /** True when the body was cut at the bound: `--expect-body` looked only at what was read. */
  bodyCut?: boolean;
}

/** What the answer must be. */
export interface HttpExpectations {
  /** The statuses that are healthy. */
  status: StatusExpectation;
  /** A text the body must hold (`--expect-body`). */
  body?: string;
}

/** The verdict: healthy, or the reason it is not. */
export type HttpVerdict = { healthy: true } | { healthy: false; reason: string };

/**
 * Judges one answer: its status first, then the body's text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { httpVerdict, parseExpect } from "./expect.ts";
 * assertEquals(httpVerdict({ status: 503 }, { status: parseExpect("2xx") }), {
 *   healthy: false,
 *   reason: "status 503, expected 2xx",
 * });
 * ```
 */
export function httpVerdict(answer: HttpAnswerFacts, expect: HttpExpectations): HttpVerdict {
  if (!statusExpected(answer.status, expect.status)) {
    return { healthy: false, reason: `status ${answer.status}, expected ${expect.status.text}` };
  }
  if (expect.body !== undefined && !bodyHolds(answer.body, expect.body)) {
    const where = answer.bodyCut ? " (in its first 64 KiB)" : "";
    return { healthy: false, reason: `body lacks "${escapeText(expect.body)}"${where}` };
  }
  return { healthy: true };
}

/** True when the body's bytes hold `text` (as UTF-8), wherever it is. */
export function bodyHolds(body: Uint8Array | undefined, text: string): boolean {
  if (body === undefined) return false;
  const needle = new TextEncoder().encode(text);
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= body.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (body[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}
