/** check's HTTP options: `--method`, `-H`, `--expect`, `--expect-body`, `--unix-socket`. */
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { DEFAULT_EXPECT, parseExpect, type StatusExpectation } from "../check/expect.ts";
import type { ParsedFlags } from "./flags.ts";

/** What the HTTP targets are asked, and what their answers must be. */
export interface HttpArgs {
  /** `GET` (default) or `HEAD`. */
  method: "GET" | "HEAD";
  /** `-H 'Name: value'` in order; `-H 'Name:'` takes a default header away. */
  headers: [string, string][];
  /** The statuses that are healthy (`--expect`; 200-399 by default). */
  expect: StatusExpectation;
  /** A text the body must hold (`--expect-body`). */
  expectBody?: string;
  /** Connect to this Unix socket instead of the URL's host (`--unix-socket`). */
  unixSocket?: string;
}

/** The options of this group with one value. */
export const HTTP_STRINGS = ["method", "expect", "expect-body", "unix-socket"] as const;
/** The options of this group that repeat. */
export const HTTP_LISTS = ["header"] as const;
/** Their one-letter names. */
export const HTTP_ALIASES = { H: "header" } as const;

/**
 * The HTTP options, or undefined when none was given.
 *
 * @throws {UsageError} for a bad method, header, status list, or `--expect-body` with HEAD
 */
export function httpArgs(flags: ParsedFlags): HttpArgs | undefined {
  const given = [...HTTP_STRINGS, ...HTTP_LISTS].some((name) =>
    flags.strings.has(name) || flags.lists.has(name)
  );
  if (!given) return undefined;
  const rawMethod = flags.strings.get("method");
  const method = rawMethod === undefined ? "GET" : rawMethod.toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    throw new UsageError(
      `Invalid --method "${escapeText(rawMethod ?? "")}": expected GET or HEAD (a health check ` +
        "changes nothing)",
    );
  }
  const expectBody = flags.strings.get("expect-body");
  if (expectBody !== undefined && method === "HEAD") {
    throw new UsageError(
      'Conflicting options "--expect-body" and "--method HEAD": a HEAD answer has no body',
    );
  }
  if (expectBody === "") throw new UsageError('Option "--expect-body" needs a text to look for');
  const rawExpect = flags.strings.get("expect");
  const unixSocket = flags.strings.get("unix-socket");
  if (unixSocket === "") throw new UsageError('Option "--unix-socket" needs a socket file\'s path');
  return {
    method,
    headers: (flags.lists.get("header") ?? []).map(parseHeader),
    expect: rawExpect === undefined ? DEFAULT_EXPECT : parseExpect(rawExpect),
    expectBody,
    unixSocket,
  };
}

/**
 * `Name: value` as a header: the name a token, the value without line breaks or NUL.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseHeader } from "./http_args.ts";
 * assertEquals(parseHeader("Authorization: Bearer x"), ["Authorization", "Bearer x"]);
 * ```
 * @throws {UsageError} for anything else
 */
export function parseHeader(raw: string): [string, string] {
  const colon = raw.indexOf(":");
  const name = colon < 0 ? "" : raw.slice(0, colon).trim();
  const value = colon < 0 ? "" : raw.slice(colon + 1).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(
      `Invalid header "${escapeText(raw)}": expected -H 'Name: value', such as ` +
        "-H 'Authorization: Bearer TOKEN'",
    );
  }
  // deno-lint-ignore no-control-regex
  if (/[\x00\r\n]/.test(value) || /[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new UsageError(
      `Invalid header "${escapeText(raw)}": its value may not hold line breaks, control ` +
        "characters or characters beyond Latin-1",
    );
  }
  return [name, value];
}
