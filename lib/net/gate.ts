/** Access control for servers: --allow and --deny CIDRs, and a pure decision per client address. */
import ipaddr from "ipaddr.js";
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";

/** A parsed --allow or --deny rule: an IPv4 or IPv6 prefix. */
export interface Cidr {
  /** As logs show it: the network address, then `/PREFIX` unless it is one address. */
  readonly text: string;
  /** The address family the rule matches. */
  readonly family: "ipv4" | "ipv6";
  /** The network address (host bits cleared). */
  readonly address: string;
  /** The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6. */
  readonly prefix: number;
}

/** The rules of a {@linkcode Gate}. */
export interface GateOptions {
  /** When there are any, only addresses that match one are admitted. */
  allow: Cidr[];
  /** Addresses that match one are turned away, unless a more specific allow rule matches. */
  deny: Cidr[];
}

/** An IP address as ipaddr.js holds it. */
type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** A rule ready to match: its network as ipaddr.js holds it, and its prefix length. */
interface Rule {
  network: Ip;
  prefix: number;
}

/**
 * Parses a CIDR prefix (`10.0.0.0/8`, `fd00::/8`, `[fd00::]/8`) or a bare address (one host).
 * An IPv4-mapped IPv6 prefix (`::ffff:10.0.0.0/104`) is taken as the IPv4 prefix it maps
 * (`10.0.0.0/8`), since clients on a dual-stack socket are matched as IPv4. Host bits after the
 * prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`), as iptables does.
 *
 * @param raw the rule as the user wrote it
 * @param option the option it came with, for messages
 * @returns the rule
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseCidr } from "./gate.ts";
 * assertEquals(parseCidr("::ffff:10.0.0.0/104", "--allow").text, "10.0.0.0/8");
 * ```
 * @throws {UsageError} when it is not an IP address or prefix
 */
export function parseCidr(raw: string, option: string): Cidr {
  const invalid = (detail: string) =>
    new UsageError(`Invalid ${option} "${escapeText(raw)}": ${detail}`);
  // An IPv6 rule may come in brackets, around the address or the whole (`[fd00::]/8`,
  // `[fd00::/8]`), as targets take it.
  const form = /^\[([^\]/]*)(?:\/([^\]]*))?\]$/s.exec(raw) ??
    /^\[([^\]/]*)\]\/(.*)$/s.exec(raw) ??
    /^([^[\]/]*)(?:\/(.*))?$/s.exec(raw);
  let ip = form ? parseIp(form[1]) : undefined;
  if (!form || !ip || (raw.startsWith("[") && ip.kind() === "ipv4")) {
    throw invalid(
      `expected an IP address or a CIDR prefix, such as 10.0.0.0/8, 127.0.0.1 or fd00::/8`,
    );
  }
  const bits = ip.kind() === "ipv4" ? 32 : 128;
  const prefixText = form[2];
  let prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? +prefixText : NaN;
  if (!(prefix <= bits)) {
    const family = ip.kind() === "ipv4" ? "IPv4" : "IPv6";
    throw invalid(`the prefix length of an ${family} address is from 0 to ${bits}`);
  }
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() && prefix >= 96) {
    ip = ip.toIPv4Address();
    prefix -= 96;
  }
  const network = networkOf(ip, prefix);
  const address = network.toString();
  const whole = prefix === (network.kind() === "ipv4" ? 32 : 128);
  return {
    text: whole ? address : `${address}/${prefix}`,
    family: network.kind(),
    address,
    prefix,
  };
}

/** An IPv4 address of four decimal numbers, or an IPv6 address without a zone; else undefined. */
function parseIp(text: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (/^[0-9a-f:.]+$/i.test(text) && text.includes(":") && ipaddr.IPv6.isValid(text)) {
    return ipaddr.IPv6.parse(text);
  }
  return undefined;
}

/** The first address of the prefix: `ip` with the bits after `prefix` cleared. */
function networkOf(ip: Ip, prefix: number): Ip {
  return ip instanceof ipaddr.IPv4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${ip}/${prefix}`);
}

/**
 * Decides which clients a server admits, from --allow and --deny rules. With no allow rules
 * everyone is admitted unless a deny rule matches; with allow rules only the addresses that
 * match one are. When an allow and a deny rule both match, the more specific (the longer
 * prefix) wins, and deny wins a tie. An IPv4-mapped client (`::ffff:10.0.0.1`) is matched as
 * the IPv4 address it is. A client that has no IP address (a Unix socket's) is admitted only
 * when there are no allow rules.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Gate, parseCidr } from "./gate.ts";
 * const gate = new Gate({
 *   allow: [parseCidr("10.0.0.0/8", "--allow")],
 *   deny: [parseCidr("10.9.0.0/16", "--deny")],
 * });
 * assertEquals(gate.admits("10.1.2.3"), true);
 * assertEquals(gate.admits("10.9.0.1"), false);
 * assertEquals(gate.admits("::ffff:10.1.2.3"), true);
 * assertEquals(gate.admits("192.168.1.1"), false);
 * ```
 */
export class Gate {
  readonly #allow: Cidr[];
  readonly #deny: Cidr[];
  readonly #allowRules: Rule[];
  readonly #denyRules: Rule[];

  /** A gate with the given rules, matched in no particular order: the longest prefix decides. */
  constructor(options: GateOptions) {
    this.#allow = [...options.allow];
    this.#deny = [...options.deny];
    this.#allowRules = this.#allow.map(toRule);
    this.#denyRules = this.#deny.map(toRule);
  }

  /**
   * Whether a client at `address` may come in.
   *
   * @param address the client's address as Deno reports it (`hostname` of its remote address),
   *   or anything else for a client that has none (a Unix socket's path)
   * @returns true to admit the client
   */
  admits(address: string): boolean {
    const ip = clientIp(address);
    if (!ip) return this.#allowRules.length === 0;
    const denied = longestMatch(this.#denyRules, ip);
    if (this.#allowRules.length === 0) return denied < 0;
    const allowed = longestMatch(this.#allowRules, ip);
    return allowed >= 0 && allowed > denied;
  }

  /**
   * The rules in one line, for logs: `allow 10.0.0.0/8, 127.0.0.1; deny 10.9.0.0/16`.
   *
   * @returns the summary; `allow all` when there are no rules
   */
  describe(): string {
    const allow = this.#allow.length === 0
      ? "allow all"
      : `allow ${this.#allow.map((c) => c.text).join(", ")}`;
    return this.#deny.length === 0
      ? allow
      : `${allow}; deny ${this.#deny.map((c) => c.text).join(", ")}`;
  }
}

function toRule(cidr: Cidr): Rule {
  return { network: ipaddr.parse(cidr.address), prefix: cidr.prefix };
}

/** A client's address as an IP, IPv4-mapped IPv6 as IPv4; undefined when it is no IP address. */
function clientIp(address: string): Ip | undefined {
  const ip = parseIp(address.replace(/^\[(.*)\]$/s, "$1").replace(/%.*/s, ""));
  return ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip;
}

/** The longest prefix among the rules that match `ip`, or -1 when none does. */
function longestMatch(rules: readonly Rule[], ip: Ip): number {
  let longest = -1;
  for (const rule of rules) {
    if (rule.prefix > longest && rule.network.kind() === ip.kind()) {
      if (ip.match(rule.network, rule.prefix)) longest = rule.prefix;
    }
  }
  return longest;
}
