/** Resolving a host name once, through the system's resolver (so /etc/hosts counts). */
import { lookup } from "node:dns/promises";

/** True when `hostname` is already an IPv4 or IPv6 address. */
export function isIpAddress(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(":");
}

/**
 * The address to dial for `hostname`: itself when it is an address, else the system resolver's
 * first answer; null when the name does not resolve.
 */
export async function resolveHost(hostname: string): Promise<string | null> {
  if (isIpAddress(hostname)) return hostname;
  try {
    const { address } = await lookup(hostname);
    return address;
  } catch {
    return null;
  }
}
