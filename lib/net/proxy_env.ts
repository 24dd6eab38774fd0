/**
 * Which proxy an http:// or https:// check target goes through, from the environment, as curl
 * reads it: `http_proxy` (lowercase only: curl's httpoxy rule, since a CGI server sets
 * `HTTP_PROXY` from a request's `Proxy:` header), `https_proxy` or `HTTPS_PROXY`, and
 * `no_proxy`/`NO_PROXY` (or `--noproxy`) for the hosts to reach directly. Loopback targets are
 * never proxied. `ALL_PROXY` is not read: curl applies it to every protocol, and a raw TCP check
 * or a LAN scan sent out through an egress proxy would surprise; `--proxy` says it outright.
 * A pure function: the caller reads the variables (only these, by name).
 */
import { inCidr } from "./destinations.ts";
import { type Cidr, parseCidr } from "./gate.ts";

/** The variables read, by name: the binary is allowed exactly these (`--allow-env=…`). */
export const PROXY_ENV_NAMES = [
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
] as const;

/** The environment, or the part of it that matters. */
export type ProxyEnv = Partial<Record<typeof PROXY_ENV_NAMES[number], string>>;

/** The proxy chosen (its URL as the variable gives it), or none, and why, for `-v`. */
export interface ProxyChoice {
  /** The proxy URL, as the variable gives it; none when the target goes direct. */
  proxy?: string;
  /** Which variable chose it, or why none did. */
  reason: string;
}

/**
 * The proxy for `url` (http:// or https://), by curl's rules.
 *
 * @param noProxy `--noproxy LIST`, which takes the place of `NO_PROXY`
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { proxyFor } from "./proxy_env.ts";
 * assertEquals(proxyFor("https://example.org/", { HTTPS_PROXY: "proxy:3128" }), {
 *   proxy: "proxy:3128",
 *   reason: "HTTPS_PROXY",
 * });
 * ```
 */
export function proxyFor(url: string | URL, env: ProxyEnv, noProxy?: string): ProxyChoice {
  const target = typeof url === "string" ? new URL(url) : url;
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase().replace(/\.$/, "");
  if (isLoopback(host)) return { reason: "a loopback target is never proxied" };
  const [name, value] = target.protocol === "https:"
    ? pick(env, "https_proxy", "HTTPS_PROXY")
    : target.protocol === "http:"
    ? pick(env, "http_proxy")
    : [undefined, undefined];
  if (!value) return { reason: "no proxy variable for this scheme" };
  const [listName, list] = noProxy !== undefined
    ? ["--noproxy", noProxy]
    : pick(env, "no_proxy", "NO_PROXY");
  if (list && bypasses(host, list)) return { reason: `${host} is in ${listName}` };
  return { proxy: value, reason: name! };
}

function pick(
  env: ProxyEnv,
  ...names: (keyof ProxyEnv)[]
): [string | undefined, string | undefined] {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return [name, value];
  }
  return [undefined, undefined];
}

/** True when `host` matches an entry of a no_proxy list (curl's rules: `*`, suffixes, CIDRs). */
export function bypasses(host: string, list: string): boolean {
  for (const raw of list.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
    if (entry === "") continue;
    if (entry === "*") return true;
    let cidr: Cidr | undefined;
    try {
      cidr = /^[\d.:a-f]+(\/\d+)?$/.test(entry) && /[.:]/.test(entry)
        ? parseCidr(entry, "no_proxy")
        : undefined;
    } catch {
      cidr = undefined;
    }
    if (cidr) {
      if (inCidr(host, cidr)) return true;
      continue;
    }
    const suffix = entry.replace(/^\*?\./, "");
    if (host === suffix || host.endsWith(`.${suffix}`)) return true;
  }
  return false;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./.test(host);
}

/**
 * The proxy variables of this process's environment, by name only (the binary may read exactly
 * {@linkcode PROXY_ENV_NAMES}); one it may not read counts as unset.
 */
export function readProxyEnv(): ProxyEnv {
  const env: ProxyEnv = {};
  for (const name of PROXY_ENV_NAMES) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) env[name] = value;
    } catch {
      // Not allowed to read it: as if it were not set.
    }
  }
  return env;
}
