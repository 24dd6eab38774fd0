/** check's targets: `HOST:PORT`, `HOST:FIRST-LAST` (a range) and `HOST:P1,P2,...` (a list). */
import { UsageError } from "../errors.ts";
import { parsePort, splitHost } from "./address.ts";

/** One target of check: a host and the ports to try on it. */
export interface Target {
  /** As the user wrote it, for reports. */
  text: string;
  hostname: string;
  ports: number[];
  /** A single HOST:PORT must be open; a range or list needs one open port. */
  kind: "port" | "range" | "list";
}

/**
 * Parses a check target. List items may be ranges too: `host:22,80,8000-8010`.
 *
 * @example
 * ```ts
 * import { parseTarget } from "./targets.ts";
 * parseTarget("localhost:8000-8002").ports; // [8000, 8001, 8002]
 * ```
 * @throws {UsageError} on a missing or malformed host, port, range or list
 */
export function parseTarget(raw: string): Target {
  const split = splitHost(raw);
  if (!split || split.hostname === "" || split.rest === "") {
    throw new UsageError(
      `Invalid target "${raw}": expected HOST:PORT, HOST:FIRST-LAST or HOST:P1,P2,...`,
    );
  }
  const items = split.rest.split(",");
  const ports: number[] = [];
  for (const item of items) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (!range) {
      ports.push(parsePort(item));
      continue;
    }
    const first = parsePort(range[1]);
    const last = parsePort(range[2]);
    if (first > last) {
      throw new UsageError(`Invalid port range "${item}": the first port is above the last`);
    }
    for (let port = first; port <= last; port++) ports.push(port);
  }
  const unique = [...new Set(ports)];
  const kind = items.length > 1 ? "list" : items[0].includes("-") ? "range" : "port";
  return { text: raw, hostname: split.hostname, ports: unique, kind };
}
