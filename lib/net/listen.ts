/** Listening on one address, or on every interface over IPv4 and IPv6. */
import { ExitCode, TcpkitError } from "../errors.ts";
import { formatAddress } from "./address.ts";
import { isResolveError, netError } from "./errors.ts";

/** The listeners for one `serve` address and how to announce them. */
export interface Listening {
  listeners: Deno.TcpListener[];
  /** The address really bound, as `127.0.0.1:43567` or `[::]:43567`. */
  address: string;
  /** The port really bound (useful when 0 was asked). */
  port: number;
  /** Extra words for the announcement, such as "(all interfaces, IPv4 and IPv6)". */
  scope: string;
}

/**
 * Listens on `hostname:port`, or on every interface when `hostname` is undefined: `[::]`, which
 * is dual-stack on Linux and macOS, plus `0.0.0.0` where the system keeps the two apart (Windows),
 * or `0.0.0.0` alone where the host has no IPv6.
 *
 * @throws {TcpkitError} address in use, not available, permission denied (1), unresolved (3)
 */
export function listen(hostname: string | undefined, port: number): Listening {
  if (hostname !== undefined) {
    const listener = listenOn(hostname, port);
    const addr = listener.addr;
    return {
      listeners: [listener],
      address: formatAddress(addr.hostname, addr.port),
      port: addr.port,
      scope: "",
    };
  }
  let v6: Deno.TcpListener;
  try {
    v6 = listenOn("::", port);
  } catch (e) {
    if (e instanceof TcpkitError && e.message.includes("address already in use")) throw e;
    const v4 = listenOn("0.0.0.0", port);
    return {
      listeners: [v4],
      address: formatAddress("0.0.0.0", v4.addr.port),
      port: v4.addr.port,
      scope: "(all IPv4 interfaces)",
    };
  }
  const bound = v6.addr.port;
  const listeners = [v6];
  try {
    listeners.push(Deno.listen({ hostname: "0.0.0.0", port: bound }));
  } catch {
    // In use by our own dual-stack [::] socket: IPv4 is already covered.
  }
  return {
    listeners,
    address: formatAddress("::", bound),
    port: bound,
    scope: "(all interfaces, IPv4 and IPv6)",
  };
}

function listenOn(hostname: string, port: number): Deno.TcpListener {
  const where = formatAddress(hostname, port);
  try {
    return Deno.listen({ hostname, port, transport: "tcp" });
  } catch (e) {
    if (isResolveError(e)) {
      throw new TcpkitError(
        `cannot listen on ${where}: host "${hostname}" not resolved`,
        ExitCode.resolve,
        { cause: e },
      );
    }
    const hint = e instanceof Deno.errors.AddrInUse
      ? "choose another port, or stop the program using it"
      : e instanceof Deno.errors.PermissionDenied && port < 1024
      ? "ports below 1024 need privileges; choose a higher port"
      : undefined;
    throw netError(e, `cannot listen on ${where}`, hint);
  }
}
