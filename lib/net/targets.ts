/** check's targets: hosts, subnets and address ranges, each with a port, a port range or a list. */
import ipaddr from "ipaddr.js";
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { parsePort, splitHost, validateHost } from "./address.ts";
import { serviceNamePort } from "./services.ts";
import { type HttpTarget, isHttpUrl, parseHttpTarget } from "./http_target.ts";

/** The most addresses one target may stand for: an IPv4 /16 (less two), or an IPv6 /112. */
export const MAX_TARGET_ADDRESSES = 65_536;

/**
 * The most probes (addresses × ports) one command line may ask for: enough for a /16 on
 * thirty ports, few enough that a slip such as `10.0.0.0/16:1-65535` is caught before it runs.
 */
export const MAX_PROBES = 2_000_000;

/** One target of check: the hosts to try and the ports to try on each. */
export interface Target {
  /** As the user wrote it (`HOST:PORTS`, or `HOST PORTS` from two words), for reports. */
  text: string;
  /**
   * One name or address, or the addresses of a subnet or address range in order. Names are in
   * their ASCII form, IPv6 addresses without brackets.
   */
  hosts: string[];
  /**
   * The first of {@linkcode Target.hosts}.
   *
   * @deprecated Kept while check.ts moves to `hosts`, which is the whole list for a subnet.
   */
  hostname: string;
  /** The ports, each once, in the order given. */
  ports: number[];
  /** A single HOST:PORT must be open; a range or list needs one open port. */
  kind: "port" | "range" | "list";
  /** True when the hosts came from a subnet or an address range rather than one host. */
  group: boolean;
  /** An `http://` or `https://` target: one request, its answer judged (one host, one port). */
  http?: HttpTarget;
}

const TARGET_FORMS = "expected HOST:PORT, HOST:FIRST-LAST or HOST:P1,P2,...";

/** The user's text as it goes in a message: quoted, with control bytes escaped. */
function quote(raw: string): string {
  return `"${escapeText(raw)}"`;
}

/**
 * Parses one check target written as one word: `HOST:PORT`, `HOST:FIRST-LAST` or
 * `HOST:P1,P2,...`, where list items may be ranges and ports may be service names
 * (`host:ssh,https,8000-8010`). HOST is a name, an address, a subnet (`10.0.0.0/24`,
 * `[fd00::/120]` or `[fd00::]/120`) or an address range (`192.168.1.10-20`,
 * `192.168.1.250-192.168.2.5`). An IPv4 subnet larger than a /31 leaves out its network and
 * broadcast addresses, as nmap does.
 *
 * @param raw the target as the user wrote it
 * @returns the target, its hosts expanded
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseTarget } from "./targets.ts";
 * assertEquals(parseTarget("localhost:8000-8002").ports, [8000, 8001, 8002]);
 * assertEquals(parseTarget("10.0.0.0/30:ssh").hosts, ["10.0.0.1", "10.0.0.2"]);
 * ```
 * @throws {UsageError} on a missing or malformed host, port, range or list, or too many
 * addresses or probes
 */
export function parseTarget(raw: string): Target {
  const split = splitTarget(raw);
  if (!split || split.host === "" || split.rest === "") {
    throw new UsageError(`Invalid target ${quote(raw)}: ${TARGET_FORMS}`);
  }
  return makeTarget(raw, parseHosts(split.host), parsePorts(split.rest));
}

/**
 * Parses check's target words. Each word is a target as {@linkcode parseTarget} takes it, or
 * a bare host followed by its ports as a word of their own (`example.com 443`,
 * `10.0.0.0/24 ssh,http`), as connect takes `HOST PORT`. Pairs given twice are kept once
 * (see {@linkcode dedupe}).
 *
 * @param words the words of the command line, in order
 * @returns the targets, duplicates dropped
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseTargets } from "./targets.ts";
 * const targets = parseTargets(["example.com", "443", "[::1]:22"]);
 * assertEquals(targets.map((t) => [t.hosts, t.ports]), [[["example.com"], [443]], [["::1"], [22]]]);
 * ```
 * @throws {UsageError} on a malformed target, a host without a port, or more than
 * {@linkcode MAX_PROBES} probes
 */
export function parseTargets(words: readonly string[]): Target[] {
  // Kept as given: each target on the command line is reported, even one that repeats another
  // (check probes a repeated address and port once and shares the result).
  return pairWords(words, { probes: 0 });
}

/**
 * Parses a file of targets: one per line, in either form {@linkcode parseTargets} takes, with
 * blank lines and `#` comments (whole lines or after a target). Pairs given twice are kept
 * once (see {@linkcode dedupe}).
 *
 * @param text the file's text
 * @param source the file's name, for messages (`targets.txt line 3: ...`)
 * @returns the targets, in the file's order, duplicates dropped
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseTargetsFile } from "./targets.ts";
 * const targets = parseTargetsFile("# web\nexample.com:443\n\nexample.com 80\n", "hosts.txt");
 * assertEquals(targets.map((t) => t.text), ["example.com:443", "example.com 80"]);
 * ```
 * @throws {UsageError} naming the line, on a line that is not one target; or on more than
 * {@linkcode MAX_PROBES} probes in all
 */
export function parseTargetsFile(text: string, source: string): Target[] {
  const parser = targetsFileParser(source);
  for (const line of text.split("\n")) parser.line(line);
  return parser.targets();
}

/** A targets file parsed a line at a time, as it is read: see {@linkcode targetsFileParser}. */
export interface TargetsFileParser {
  /** Parses the file's next line (its line ending left out). */
  line(text: string): void;
  /** The targets of the lines so far, in the file's order, duplicates dropped. */
  targets(): Target[];
}

/**
 * The parser of {@linkcode parseTargetsFile}, fed one line at a time: a file is parsed as it is
 * read, and the probe limit stops it at the line that passes it.
 *
 * @param source the file's name, for messages (`targets.txt line 3: ...`)
 * @returns a parser that throws {@linkcode UsageError} naming the line, from `line()`
 */
export function targetsFileParser(source: string): TargetsFileParser {
  const targets: Target[] = [];
  const tally = { probes: 0 };
  let number = 0;
  return {
    line(text: string): void {
      number++;
      if (number === 1) text = text.replace(/^\uFEFF/, "");
      const words = text.replace(/#.*/s, "").trim().split(/\s+/).filter((w) => w !== "");
      if (words.length === 0) return;
      try {
        const found = pairWords(words, tally);
        if (found.length > 1) {
          throw new UsageError(
            `Extra target ${quote(found[1].text)}: expected one target per line, HOST:PORT or ` +
              "HOST PORT",
          );
        }
        targets.push(found[0]);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        throw new UsageError(`${escapeText(source)} line ${number}: ${e.message}`, e.command);
      }
    },
    targets: () => dedupe(targets),
  };
}

/**
 * Keeps each (host, port) pair once, the first time it is given: later targets lose the ports
 * already asked for on their hosts, and a target left with none is dropped. Addresses are
 * compared as addresses (`::1` is `0:0::1`, `::ffff:10.0.0.1` is `10.0.0.1`), names without
 * regard to case. A subnet or range that an earlier target covers only in part is cut into
 * pieces, each a product of hosts and ports again; the pieces keep the target's text, kind and
 * group, so a report still shows what the user wrote.
 *
 * @param targets the targets in the order given
 * @returns the targets in the same order, no pair twice
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { dedupe, parseTarget } from "./targets.ts";
 * const targets = dedupe([parseTarget("a:22,80"), parseTarget("a:80,443"), parseTarget("A:22")]);
 * assertEquals(targets.map((t) => t.ports), [[22, 80], [443]]);
 * ```
 */
export function dedupe(targets: readonly Target[]): Target[] {
  // Each host's ports asked for so far. The hosts of one target share one set (a /16 times
  // thirty ports is not two million entries) until a later target adds ports to a host: that
  // host then gets a copy of its own, once. So the work is linear in the probes given.
  const seen = new Map<string, Set<number>>();
  const owned = new WeakSet<Set<number>>();
  const out: Target[] = [];
  // The same host written the same way on many lines is parsed once.
  const keys = new Map<string, string>();
  for (const target of targets) {
    // Each URL is a request of its own, whoever else uses its host and port.
    if (target.http) {
      out.push(target);
      continue;
    }
    const mine = new Set(target.ports);
    const pieces: { hosts: string[]; ports: number[] }[] = [];
    let piece: { hosts: string[]; ports: number[] } | undefined;
    for (const host of target.hosts) {
      let key = keys.get(host);
      if (key === undefined) {
        key = hostKey(host);
        if (!target.group) keys.set(host, key);
      }
      const before = seen.get(key);
      let ports = target.ports;
      if (!before) {
        seen.set(key, mine);
      } else {
        ports = target.ports.filter((port) => !before.has(port));
        if (ports.length === 0) continue;
        let own = before;
        if (!owned.has(own)) {
          own = new Set(before);
          owned.add(own);
          seen.set(key, own);
        }
        for (const port of ports) own.add(port);
      }
      if (piece && sameNumbers(piece.ports, ports)) {
        piece.hosts.push(host);
      } else {
        piece = { hosts: [host], ports };
        pieces.push(piece);
      }
    }
    for (const { hosts, ports } of pieces) {
      out.push({ ...target, hosts, hostname: hosts[0], ports });
    }
  }
  return out;
}

/**
 * The probes the targets make: each target's hosts times its ports.
 *
 * @param targets the targets
 * @returns the number of (host, port) probes of one round
 */
export function countProbes(targets: readonly Target[]): number {
  return targets.reduce((sum, t) => sum + t.hosts.length * t.ports.length, 0);
}

/**
 * Rejects targets that make more than {@linkcode MAX_PROBES} probes. {@linkcode parseTargets}
 * and {@linkcode parseTargetsFile} check their own (counting probes as given, before
 * duplicates are dropped); a caller that joins both checks the whole.
 *
 * @param targets the targets of one command line
 * @throws {UsageError} saying how many probes they make, and the limit
 */
export function checkProbeLimit(targets: readonly Target[]): void {
  const probes = countProbes(targets);
  if (probes > MAX_PROBES) throw tooManyProbes(`${probes}`);
}

function tooManyProbes(probes: string): UsageError {
  return new UsageError(
    `Too many probes: the targets make ${probes}, more than the limit of ${MAX_PROBES}; ` +
      "give fewer addresses or ports",
  );
}

/** An `http://` or `https://` target: one host, one port, and the request. */
function httpTargetOf(raw: string): Target {
  const http = parseHttpTarget(raw);
  return {
    text: raw,
    hosts: [http.hostname],
    hostname: http.hostname,
    ports: [http.port],
    kind: "port",
    group: false,
    http,
  };
}

/**
 * Pairs bare hosts with the port word after them, and parses the rest as targets. `tally`
 * counts the probes made so far, across calls: the limit is checked target by target, so that
 * a long list of subnets is stopped before all of them are expanded.
 */
function pairWords(words: readonly string[], tally: { probes: number }): Target[] {
  const targets: Target[] = [];
  const add = (target: Target) => {
    tally.probes += target.hosts.length * target.ports.length;
    if (tally.probes > MAX_PROBES) throw tooManyProbes(`at least ${tally.probes}`);
    targets.push(target);
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (isHttpUrl(word)) {
      add(httpTargetOf(word));
      continue;
    }
    const next = words[i + 1] as string | undefined;
    // A word with one colon and no bracket is HOST:PORT, never a host alone (an IPv6 address
    // has two colons at least): it is not tried as one, which would cost an exception a line.
    const hosts = /^[^:[]*:[^:]*$/.test(word) ? undefined : attempt(() => parseHosts(word));
    const ports = next === undefined ? undefined : attempt(() => parsePorts(next));
    if (hosts !== undefined && !(hosts instanceof UsageError)) {
      // A word of digits, commas and dashes after a host was meant as its ports: say what is
      // wrong with them rather than that they are missing.
      if (ports instanceof UsageError && /^[\d,-]+$/.test(next as string)) throw ports;
      if (ports === undefined || ports instanceof UsageError) {
        const example = word.includes(":") && !word.startsWith("[") ? `[${word}]:22` : `${word}:22`;
        throw new UsageError(
          `Invalid target ${quote(word)}: expected HOST:PORT or HOST PORT, such as ` +
            `${escapeText(example)} or ${escapeText(word)} 22`,
        );
      }
      add(makeTarget(`${word} ${next}`, hosts, ports));
      i++;
      continue;
    }
    const target = attempt(() => parseTarget(word));
    const portFollows = ports !== undefined && !(ports instanceof UsageError);
    if (target instanceof UsageError) {
      // More ports after HOST PORT (`host 22 80`): they belong in the one list.
      const paired = i >= 2 && targets.at(-1)?.text === `${words[i - 2]} ${words[i - 1]}`;
      if (paired && /^[\d,-]+$/.test(word)) {
        const list = `${escapeText(words[i - 2])} ${escapeText(words[i - 1])},${escapeText(word)}`;
        throw new UsageError(
          `Invalid target ${quote(word)}: give the ports of a host as one list, such as ${list}`,
        );
      }
      // A word with no port, before a port: it was meant as a host, so say what is wrong with it.
      const meantAsHost = !word.includes(":") || /^\[[^\]]*\](\/\d*)?$/.test(word);
      throw portFollows && meantAsHost ? hosts : target;
    }
    if (
      portFollows && next !== undefined && attempt(() => parseHosts(next)) instanceof UsageError
    ) {
      throw new UsageError(`Invalid host ${quote(word)}: give HOST PORT or HOST:PORT, not both`);
    }
    add(target);
  }
  return targets;
}

/** The value of `f`, or the usage error it threw; any other error goes on up. */
function attempt<T>(f: () => T): T | UsageError {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
}

function makeTarget(text: string, hosts: Hosts, ports: Ports): Target {
  const probes = hosts.hosts.length * ports.ports.length;
  if (probes > MAX_PROBES) {
    throw new UsageError(
      `Too many probes in ${quote(text)}: ${hosts.hosts.length} addresses by ` +
        `${ports.ports.length} ports make ${probes}, more than the limit of ${MAX_PROBES}; ` +
        "give fewer addresses or ports",
    );
  }
  return { text, hosts: hosts.hosts, hostname: hosts.hosts[0], ...ports, group: hosts.group };
}

/**
 * Splits a target word into its host and its ports; null when it has no port. Brackets may
 * hold an IPv6 address, subnet or range, and a prefix may follow them (`[fd00::]/120:22`).
 */
function splitTarget(raw: string): { host: string; rest: string } | null {
  if (!raw.startsWith("[")) {
    // An unbracketed IPv6 host: say so with the target's own subnet or address in the hint.
    const colon = raw.lastIndexOf(":");
    const host = colon < 0 ? "" : raw.slice(0, colon);
    if (host.includes(":") && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      throw new UsageError(
        `Invalid target ${quote(raw)}: put an IPv6 address or subnet in brackets, such as ` +
          `[${escapeText(host)}]:${escapeText(raw.slice(colon + 1))}`,
      );
    }
    const split = splitHost(raw);
    return split && { host: split.hostname, rest: split.rest };
  }
  const match = /^(\[[^\]]*\](?:\/\d*)?)(?::(.*))?$/s.exec(raw);
  if (!match) {
    throw new UsageError(
      `Invalid target ${quote(raw)}: expected [IPV6]:PORT, such as [::1]:22 or [fd00::/120]:22`,
    );
  }
  return match[2] === undefined ? null : { host: match[1], rest: match[2] };
}

/** The hosts of a target, and whether they came from a subnet or range. */
interface Hosts {
  hosts: string[];
  group: boolean;
}

/** The ports of a target, and whether they were one port, a range or a list. */
interface Ports {
  ports: number[];
  kind: Target["kind"];
}

/** An IP address as ipaddr.js holds it. */
type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** Parses the host part: a name, an address, a subnet or an address range. */
function parseHosts(text: string): Hosts {
  const bracketed = /^\[([^\]]*)\](\/.*)?$/s.exec(text);
  const inner = bracketed ? bracketed[1] + (bracketed[2] ?? "") : text;
  if (inner.includes("/")) return { hosts: expandSubnet(inner, bracketed !== null), group: true };
  const dash = inner.indexOf("-");
  if (dash > 0 && parseIp(inner.slice(0, dash))) {
    return { hosts: expandRange(inner, bracketed !== null), group: true };
  }
  return { hosts: [validateHost(text)], group: false };
}

/** An IPv4 address of four decimal numbers, or an IPv6 address without a zone; else undefined. */
function parseIp(text: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (/^[0-9a-f:.]+$/i.test(text) && text.includes(":") && ipaddr.IPv6.isValid(text)) {
    return ipaddr.IPv6.parse(text);
  }
  return undefined;
}

function bitsOf(ip: Ip): number {
  return ip.kind() === "ipv4" ? 32 : 128;
}

/** The address as an unsigned integer, for counting and stepping through a subnet or range. */
function toBigInt(ip: Ip): bigint {
  let n = 0n;
  for (const byte of ip.toByteArray()) n = (n << 8n) | BigInt(byte);
  return n;
}

/** The addresses from `first`, `count` of them, as text. */
function addresses(first: bigint, count: bigint, kind: "ipv4" | "ipv6"): string[] {
  const size = kind === "ipv4" ? 4 : 16;
  const out: string[] = [];
  for (let n = first; n < first + count; n++) {
    const bytes = new Array<number>(size);
    let rest = n;
    for (let i = size - 1; i >= 0; i--) {
      bytes[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    out.push(ipaddr.fromByteArray(bytes).toString());
  }
  return out;
}

function tooMany(text: string, count: bigint): UsageError {
  return new UsageError(
    `Too many addresses in ${quote(text)}: ${count}, more than the limit of ` +
      `${MAX_TARGET_ADDRESSES} per target (a /16, or an IPv6 /112)`,
  );
}

/** The addresses of `ADDRESS/PREFIX`, counted before any is made. */
function expandSubnet(text: string, bracketed: boolean): string[] {
  const invalid = (detail: string) => new UsageError(`Invalid subnet ${quote(text)}: ${detail}`);
  const slash = text.lastIndexOf("/");
  let ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip) {
    throw invalid("expected ADDRESS/PREFIX, such as 10.0.0.0/24 or [fd00::]/120");
  }
  if (bracketed && ip.kind() === "ipv4") {
    throw invalid("brackets are for an IPv6 subnet, such as [fd00::]/120 or 10.0.0.0/24");
  }
  let prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix <= bitsOf(ip))) {
    const family = ip.kind() === "ipv4" ? "IPv4" : "IPv6";
    throw invalid(`the prefix length of an ${family} subnet is from 0 to ${bitsOf(ip)}`);
  }
  // An IPv4-mapped prefix (::ffff:10.0.0.0/104) is the IPv4 subnet it maps.
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() && prefix >= 96) {
    ip = ip.toIPv4Address();
    prefix -= 96;
  }
  const span = BigInt(bitsOf(ip) - prefix);
  const size = 1n << span;
  const network = toBigInt(
    ip instanceof ipaddr.IPv4
      ? ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${ip}/${prefix}`),
  );
  // The network and broadcast addresses of an IPv4 subnet answer no probe; /31 and /32 have
  // neither (RFC 3021), so all of theirs are hosts.
  const skip = ip.kind() === "ipv4" && prefix < 31 ? 1n : 0n;
  const count = size - 2n * skip;
  if (count > BigInt(MAX_TARGET_ADDRESSES)) throw tooMany(text, count);
  return addresses(network + skip, count, ip.kind());
}

/** The addresses of `FIRST-LAST` (`10.0.0.250-10.0.1.5`) or `A.B.C.FIRST-LAST` (`10.0.0.1-20`). */
function expandRange(text: string, bracketed: boolean): string[] {
  const invalid = (detail: string) =>
    new UsageError(`Invalid address range ${quote(text)}: ${detail}`);
  const dash = text.indexOf("-");
  const first = parseIp(text.slice(0, dash)) as Ip;
  const lastText = text.slice(dash + 1);
  let last: Ip | undefined;
  if (first instanceof ipaddr.IPv4 && /^\d{1,3}$/.test(lastText)) {
    const octet = Number(lastText);
    if (octet <= 255) last = new ipaddr.IPv4([...first.octets.slice(0, 3), octet]);
  } else {
    last = parseIp(lastText);
  }
  if (!last || last.kind() !== first.kind()) {
    throw invalid("expected FIRST-LAST, such as 192.168.1.10-20 or 192.168.1.250-192.168.2.5");
  }
  if (bracketed && first.kind() === "ipv4") {
    throw invalid("brackets are for an IPv6 range, such as [fd00::1-fd00::ff]");
  }
  const from = toBigInt(first);
  const to = toBigInt(last);
  if (from > to) throw invalid("the first address is above the last");
  const count = to - from + 1n;
  if (count > BigInt(MAX_TARGET_ADDRESSES)) throw tooMany(text, count);
  return addresses(from, count, first.kind());
}

/** Parses the port part: a port, a range or a list, each item a number or a service name. */
function parsePorts(text: string): Ports {
  const items = text.split(",");
  const ports: number[] = [];
  let ranged = false;
  for (const item of items) {
    const range = portRange(item);
    if (!range) {
      ports.push(parsePort(item));
      continue;
    }
    ranged = true;
    for (let port = range[0]; port <= range[1]; port++) ports.push(port);
  }
  const kind = items.length > 1 ? "list" : ranged ? "range" : "port";
  return { ports: [...new Set(ports)], kind };
}

/** The two ends of `FIRST-LAST` (`8000-8010`, `ftp-ssh`), or undefined for a single port. */
function portRange(item: string): [number, number] | undefined {
  // Service names have hyphens of their own: ftp-data is one port, not a range.
  if (!item.includes("-") || serviceNamePort(item) !== undefined) return undefined;
  let ends: [number, number] | undefined;
  const numeric = /^(\d+)-(\d+)$/.exec(item);
  if (numeric) {
    ends = [parsePort(numeric[1]), parsePort(numeric[2])];
  } else {
    for (let dash = item.indexOf("-"); dash >= 0 && !ends; dash = item.indexOf("-", dash + 1)) {
      const first = attempt(() => parsePort(item.slice(0, dash)));
      const last = attempt(() => parsePort(item.slice(dash + 1)));
      if (typeof first === "number" && typeof last === "number") ends = [first, last];
    }
  }
  if (!ends) {
    throw new UsageError(
      `Invalid port range ${quote(item)}: expected FIRST-LAST, such as 8000-8010`,
    );
  }
  if (ends[0] > ends[1]) {
    throw new UsageError(`Invalid port range ${quote(item)}: the first port is above the last`);
  }
  return ends;
}

/** What makes two hosts the same host: the address, or the name without case or final dot. */
function hostKey(host: string): string {
  const ip = parseIp(host.replace(/%.*/s, ""));
  if (!ip) return host.toLowerCase().replace(/\.$/, "");
  const plain = ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip;
  const zone = /%.*/s.exec(host)?.[0] ?? "";
  return plain.toNormalizedString() + zone;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((n, i) => n === b[i]));
}
