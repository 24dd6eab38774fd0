/** Resolving a host name once, through the system's resolver (so /etc/hosts counts). */
import { lookup } from "node:dns/promises";

/**
 * The address to dial for `hostname`: the system resolver's first answer (an address is its own
 * answer); null when the name does not resolve.
 */
export async function resolveHost(hostname: string): Promise<string | null> {
  try {
    const { address } = await lookup(hostname);
    return address;
  } catch {
    return null;
  }
}
