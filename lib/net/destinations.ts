/**
 * Where a proxy may connect: `--allow-to` / `--deny-to` rules (`CIDR`, `HOST`, either with
 * `:PORT`), decided on the address really dialled (and, for a HOST rule, on the name asked for).
 */
import ipaddr from "ipaddr.js";
import { UsageError } from "../errors.ts";
import { escapeText } from "../io/escape.ts";
import { type Cidr, parseCidr } from "./gate.ts";

/** One rule: a prefix or a name, and a port when it names one. */
export interface DestinationRule {
  /** As the user wrote it, for logs. */
  text: string;
  /** A prefix the dialled address must be in. */
  cidr?: Cidr;
  /** A name, lowercased: the name asked for, or one of its subdomains. */
  host?: string;
  /** The destination's port, when the rule names one. */
  port?: number;
}

/**
 * Parses `10.0.0.0/8`, `10.0.0.0/8:22`, `[fd00::]/8:443`, `example.org`, `example.org:443`.
 *
 * @throws {UsageError} for anything else
 */
export function parseDestinationRule(raw: string, option: string): DestinationRule {
  const invalid = () =>
    new UsageError(
      `Invalid ${option} "${escapeText(raw)}": expected CIDR or HOST, with :PORT or without ` +
        "(10.0.0.0/8, 10.0.0.0/8:22, [fd00::]/8:443, example.org:443)",
    );
  let body = raw;
  let port: number | undefined;
  // A port after an IPv4 prefix or a name, or after a bracketed IPv6 one: IPv6 without
  // brackets has no port.
  const withPort = /^(.*[^:]):(\d{1,5})$/s.exec(raw);
  if (withPort && (withPort[1].endsWith("]") || !withPort[1].includes(":"))) {
    body = withPort[1];
    port = Number(withPort[2]);
    if (port < 1 || port > 65535) throw invalid();
  }
  try {
    return { text: raw, cidr: parseCidr(body, option), ...(port ? { port } : {}) };
  } catch {
    // not an address or prefix: a name, then
  }
  if (!/^[a-z0-9]([a-z0-9.-]{0,252})$/i.test(body) || body.includes("..")) throw invalid();
  return { text: raw, host: body.toLowerCase().replace(/\.$/, ""), ...(port ? { port } : {}) };
}

/** The rules of a proxy's destinations, and the decision. */
export class Destinations {
  readonly #allow: DestinationRule[];
  readonly #deny: DestinationRule[];

  /** With no allow rules, every destination not denied is permitted. */
  constructor(allow: DestinationRule[], deny: DestinationRule[]) {
    this.#allow = allow;
    this.#deny = deny;
  }

  /** True when there is any rule. */
  get any(): boolean {
    return this.#allow.length + this.#deny.length > 0;
  }

  /**
   * The rule that turns this destination away, or undefined when it is permitted: a deny rule
   * that matches, or (with allow rules) none of them matching.
   *
   * @param name the name asked for, when the client gave one
   * @param address the address about to be dialled
   */
  refuses(name: string | undefined, address: string, port: number): string | undefined {
    const matches = (rule: DestinationRule) => this.#matches(rule, name, address, port);
    const denied = this.#deny.find(matches);
    if (denied) return `--deny-to ${denied.text}`;
    if (this.#allow.length > 0 && !this.#allow.some(matches)) return "no --allow-to rule";
    return undefined;
  }

  #matches(rule: DestinationRule, name: string | undefined, address: string, port: number) {
    if (rule.port !== undefined && rule.port !== port) return false;
    if (rule.host !== undefined) {
      const wanted = (name ?? address).toLowerCase().replace(/\.$/, "");
      return wanted === rule.host || wanted.endsWith(`.${rule.host}`);
    }
    return inCidr(address, rule.cidr!);
  }
}

/** True when `address` is in `cidr` (an IPv4-mapped IPv6 address as the IPv4 one it maps). */
export function inCidr(address: string, cidr: Cidr): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  if (ip.kind() !== cidr.family) return false;
  const network = ipaddr.parse(cidr.address);
  return (ip as ipaddr.IPv4).match(network as ipaddr.IPv4, cidr.prefix);
}
