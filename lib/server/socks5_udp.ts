/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §4, §6, §7): a relay socket bound on the address the client's
 * control connection reached, taking datagrams only from that client, sending each one's DATA to
 * its destination (a name resolved here, every address checked against --allow-to/--deny-to),
 * and sending the replies back with the header that names the peer that replied. The association
 * lives as long as the control connection (or until --idle-timeout passes with no datagram either
 * way); its sockets are closed however it ends. Everything a flood could pile up is bounded.
 */
import { describeError } from "../errors.ts";
import { writeAll } from "../io/chunks.ts";
import { formatAddress, ipFamily } from "../net/address.ts";
import { closeQuietly } from "../net/close.ts";
import type { Destinations } from "../net/destinations.ts";
import { literalAddress, resolveAll } from "../net/resolve.ts";
import { type UdpAddress, UdpSocket, unmapped } from "../net/udp.ts";
import { encodeReply, SocksReply } from "../protocol/socks5.ts";
import { encodeUdpDatagram, parseUdpDatagram } from "../protocol/socks5_udp.ts";
import type { Reporter } from "../report.ts";
import type { SessionSummary } from "./server.ts";
import type { Session } from "./session.ts";
import { DatagramTraffic } from "./udp_traffic.ts";

/** What an association needs from the proxy. */
export interface AssociationOptions {
  /** Where datagrams may go. */
  destinations: Destinations;
  /** Only this family's destinations (`-4`, `-6`). */
  family?: 4 | 6;
  /** No name lookup (`--numeric`). */
  numeric?: boolean;
  /** Where the denials are told (once each). */
  reporter: Reporter;
}

/** How an association ended, for its log line. */
export type AssociationEnd =
  | "closed"
  | "client-reset"
  | "client-error"
  | "idle-timeout"
  | "shutdown"
  | "relay-error";

const ENDS: Record<AssociationEnd, string> = {
  "closed": "closed with its control connection",
  "client-reset": "control connection reset by the client",
  "client-error": "control connection failed",
  "idle-timeout": "no datagram within the idle timeout",
  "shutdown": "closed at shutdown",
  "relay-error": "the relay's socket failed",
};

/** Datagrams waiting for a name's lookup, or for the outgoing socket's bind. */
const MAX_WAITING = 64;
/** Datagrams waiting to be sent, each way (and their bytes). */
const MAX_QUEUED = 256;
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Names whose lookups are kept, and for how long. */
const MAX_NAMES = 256;
const NAME_TTL_MS = 60_000;
/** Peers the client sent to, whose replies are relayed (the oldest forgotten past this). */
const MAX_PEERS = 1024;
/** Destinations whose denial is told (each once); past this, denials are only counted. */
const MAX_TOLD = 32;
/** The read buffer of the control connection (which carries nothing once associated). */
const CONTROL_READ = 256;

/** Datagrams not relayed, by why. */
interface Dropped {
  /** From an address other than the client's. */
  foreign: number;
  /** A header that is not SOCKS5's. */
  malformed: number;
  /** FRAG not 0: fragments are not reassembled. */
  fragments: number;
  /** To a destination --allow-to/--deny-to refuses. */
  denied: number;
  /** To a name that did not resolve. */
  unresolved: number;
  /** From a peer the client had not sent to. */
  unsolicited: number;
  /** Past the bound on what waits to be sent or looked up (a flood). */
  overflow: number;
  /** That the system would not send. */
  send_failures: number;
}

/** A name's lookup: the address to use, or why there is none. */
type Route = { address: string; family: 4 | 6 } | { refused: string; denied: boolean };

/**
 * Serves a UDP ASSOCIATE request on `session`, whose handshake is over: binds the relay, replies,
 * relays until the association ends, and returns its log line.
 *
 * @param requested the request's DST.ADDR and DST.PORT: where the client will send from (a port
 *   other than 0 fixes the client's port; 0 leaves it to the first datagram)
 * @param user the login used, for the log line
 */
export async function associate(
  session: Session,
  requested: { host: string; port: number },
  user: string | undefined,
  options: AssociationOptions,
): Promise<SessionSummary> {
  const local = session.conn.localAddr as Deno.NetAddr;
  const remote = session.conn.remoteAddr as Deno.NetAddr;
  let relay: UdpSocket;
  try {
    relay = await UdpSocket.bind(unmapped(local.hostname), 0);
  } catch (e) {
    await writeAll(session.conn, encodeReply(SocksReply.generalFailure)).catch(() => {});
    return summaryOf(user, undefined, "relay-error", describeError(e).message);
  }
  const association = new Association(session, relay, remote, requested.port, user, options);
  try {
    await writeAll(
      session.conn,
      encodeReply(SocksReply.succeeded, { host: relay.address, port: relay.port }),
    );
    return await association.run();
  } finally {
    association.close();
  }
}

class Association {
  readonly traffic = new DatagramTraffic();
  readonly dropped: Dropped = {
    foreign: 0,
    malformed: 0,
    fragments: 0,
    denied: 0,
    unresolved: 0,
    unsolicited: 0,
    overflow: 0,
    send_failures: 0,
  };
  readonly #session: Session;
  readonly #relay: UdpSocket;
  readonly #clientAddress: string;
  #clientPort: number | undefined;
  readonly #user: string | undefined;
  readonly #options: AssociationOptions;
  /** The outgoing sockets, one per destination family, bound at the first datagram. */
  readonly #outgoing = new Map<4 | 6, SerialSender>();
  /** The sends back to the client, on the relay. */
  readonly #back: SerialSender;
  readonly #names = new Map<string, { at: number; route: Promise<Route> }>();
  readonly #peers = new Set<string>();
  readonly #told = new Set<string>();
  #destinationCount = 0;
  #waiting = 0;
  #failure: string | undefined;
  #closed = false;

  constructor(
    session: Session,
    relay: UdpSocket,
    remote: Deno.NetAddr,
    port: number,
    user: string | undefined,
    options: AssociationOptions,
  ) {
    this.#session = session;
    this.#relay = relay;
    this.#clientAddress = unmapped(remote.hostname);
    this.#clientPort = port === 0 ? undefined : port;
    this.#user = user;
    this.#options = options;
    this.#back = new SerialSender(this.#sendFailed, relay);
    relay.onDatagram = (data, from) => this.#fromClient(data, from);
    relay.onError = (e) => this.#fail(e);
    session.onClose = () => this.close();
  }

  /** Reads the control connection to its end (what it carries is ignored); the log line. */
  async run(): Promise<SessionSummary> {
    const session = this.#session;
    const buffer = new Uint8Array(CONTROL_READ);
    let end: AssociationEnd = "closed";
    try {
      while (await session.conn.read(buffer) !== null) {
        // A client has nothing to say on the control connection once associated.
      }
    } catch (e) {
      end = isReset(e) ? "client-reset" : "client-error";
    }
    if (this.#failure !== undefined) end = "relay-error";
    else if (session.idle?.fired) end = "idle-timeout";
    else if (session.closedByUs) end = "shutdown";
    this.close();
    return summaryOf(this.#user, this, end, this.#failure);
  }

  /** Closes every socket of the association; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#relay.close();
    for (const out of this.#outgoing.values()) out.socket?.close();
    this.#outgoing.clear();
    this.#names.clear();
    this.#peers.clear();
  }

  /** The client's address as it sends: known once its port is. */
  get client(): string | undefined {
    return this.#clientPort === undefined
      ? undefined
      : formatAddress(this.#clientAddress, this.#clientPort);
  }

  /** How many destinations (address and port) the client sent to. */
  get destinations(): number {
    return this.#destinationCount;
  }

  /** The relay's address, as the reply gave it. */
  get relay(): string {
    return formatAddress(this.#relay.address, this.#relay.port);
  }

  #fail(e: Error): void {
    this.#failure ??= describeError(e).message;
    closeQuietly(this.#session.conn);
  }

  #fromClient(data: Uint8Array, from: UdpAddress): void {
    if (this.#closed) return;
    const port = this.#clientPort;
    if (
      unmapped(from.address) !== this.#clientAddress || (port !== undefined && from.port !== port)
    ) {
      this.dropped.foreign++;
      return;
    }
    const parsed = parseUdpDatagram(data);
    if ("drop" in parsed) {
      if (parsed.drop === "fragment") this.dropped.fragments++;
      else this.dropped.malformed++;
      return;
    }
    this.#clientPort ??= from.port;
    this.traffic.received(parsed.data.length);
    this.#session.countReceived(parsed.data.length);
    const { host, port: to } = parsed.address;
    let literal: { address: string; family: 4 | 6 } | null;
    try {
      literal = literalAddress(host, this.#options.family);
    } catch (e) {
      return this.#refused(formatAddress(host, to), describeError(e).message, false);
    }
    if (literal) {
      const address = unmapped(literal.address);
      const family = ipFamily(address) === 4 ? 4 : 6;
      const rule = this.#options.destinations.refuses(undefined, address, to);
      if (rule) {
        const target = formatAddress(address, to);
        return this.#refused(target, `${target} refused by ${rule}`, true);
      }
      return this.#send(address, family, to, parsed.data);
    }
    this.#toName(host, to, parsed.data);
  }

  /** A datagram to a name: its lookup (kept a while), then the first address permitted. */
  #toName(name: string, port: number, data: Uint8Array): void {
    const key = `${name.toLowerCase()}|${port}`;
    const now = performance.now();
    let known = this.#names.get(key);
    if (known && now - known.at > NAME_TTL_MS) {
      this.#names.delete(key);
      known = undefined;
    }
    if (!known) {
      if (this.#names.size >= MAX_NAMES) this.#names.delete(this.#names.keys().next().value!);
      known = { at: now, route: this.#lookUp(name, port) };
      this.#names.set(key, known);
    }
    if (this.#waiting >= MAX_WAITING) {
      this.dropped.overflow++;
      return;
    }
    this.#waiting++;
    // Each datagram is received into a 64 KiB buffer: a waiting one is copied out of it.
    const copy = data.slice();
    known.route.then((route) => {
      this.#waiting--;
      if (this.#closed) return;
      const target = formatAddress(name, port);
      if ("refused" in route) return this.#refused(target, route.refused, route.denied);
      this.#send(route.address, route.family, port, copy);
    }, () => {
      // #lookUp words its own failures: anything else drops the datagram, counted.
      this.#waiting--;
      this.dropped.unresolved++;
    });
  }

  async #lookUp(name: string, port: number): Promise<Route> {
    let addresses: string[];
    try {
      const resolved = await resolveAll(name, {
        family: this.#options.family,
        numericOnly: this.#options.numeric,
      });
      addresses = resolved.addresses.map((a) => unmapped(a.address));
    } catch (e) {
      return { refused: describeError(e).message, denied: false };
    }
    for (const address of addresses) {
      if (!this.#options.destinations.refuses(name, address, port)) {
        return { address, family: ipFamily(address) === 4 ? 4 : 6 };
      }
    }
    const rule = this.#options.destinations.refuses(name, addresses[0], port)!;
    return { refused: `${formatAddress(addresses[0], port)} refused by ${rule}`, denied: true };
  }

  /** A datagram not sent: counted, and told once per destination. */
  #refused(target: string, reason: string, denied: boolean): void {
    if (denied) this.dropped.denied++;
    else this.dropped.unresolved++;
    if (this.#told.has(target) || this.#told.size >= MAX_TOLD) return;
    this.#told.add(target);
    const session = this.#session;
    this.#options.reporter.event(
      denied ? "denied" : "unreachable",
      {
        peer: session.peer,
        protocol: "socks5-udp",
        user: this.#user ?? null,
        target,
        reason,
      },
      `${session.peer}: socks5-udp${this.#user ? ` ${this.#user}` : ""} -> ${target}: ` +
        `${denied ? "denied" : "not reached"} (${reason}); its datagrams are dropped`,
      true,
    );
  }

  /** Sends DATA to the destination from the outgoing socket of its family (bound at first use). */
  #send(address: string, family: 4 | 6, port: number, data: Uint8Array): void {
    const key = `${address}|${port}`;
    if (!this.#peers.has(key)) {
      if (this.#peers.size >= MAX_PEERS) this.#peers.delete(this.#peers.values().next().value!);
      this.#peers.add(key);
      this.#destinationCount++;
    }
    let out = this.#outgoing.get(family);
    if (!out) {
      out = new SerialSender(this.#sendFailed);
      this.#outgoing.set(family, out);
      this.#bind(out, family);
    }
    if (!out.push(data, { address, port })) this.dropped.overflow++;
  }

  readonly #sendFailed = () => {
    if (!this.#closed) this.dropped.send_failures++;
  };

  #bind(out: SerialSender, family: 4 | 6): void {
    UdpSocket.bind(family === 6 ? "::" : "0.0.0.0", 0).then((socket) => {
      if (this.#closed) return socket.close();
      socket.onDatagram = (data, from) => this.#fromPeer(data, from);
      socket.onError = (e) => this.#fail(e);
      out.attach(socket);
    }, (e) => this.#fail(e));
  }

  /** A peer's datagram: relayed to the client, with the header naming the peer. */
  #fromPeer(data: Uint8Array, from: UdpAddress): void {
    if (this.#closed) return;
    const host = unmapped(from.address);
    if (!this.#peers.has(`${host}|${from.port}`) || this.#clientPort === undefined) {
      this.dropped.unsolicited++;
      return;
    }
    let wrapped: Uint8Array;
    try {
      wrapped = encodeUdpDatagram({ host, port: from.port }, data);
    } catch {
      // An address SOCKS5 cannot carry (an IPv6 zone).
      this.dropped.unsolicited++;
      return;
    }
    const client = { address: this.#clientAddress, port: this.#clientPort };
    if (!this.#back.push(wrapped, client)) {
      this.dropped.overflow++;
      return;
    }
    this.traffic.sent(data.length);
    this.#session.countSent(data.length);
  }
}

/**
 * One association's sends on one socket, one at a time and in order, held until the socket is
 * bound: what waits is bounded per association (the socket's own queue is bounded only for the
 * whole process), and a datagram that waits is copied out of a larger receive buffer.
 */
class SerialSender {
  #socket: UdpSocket | undefined;
  readonly #items: { data: Uint8Array; to: UdpAddress }[] = [];
  #head = 0;
  #bytes = 0;
  #busy = false;
  readonly #failed: () => void;

  constructor(failed: () => void, socket?: UdpSocket) {
    this.#failed = failed;
    this.#socket = socket;
  }

  /** Sends on `socket` from now on, what waited first. */
  attach(socket: UdpSocket): void {
    this.#socket = socket;
    this.#next();
  }

  /** The socket, once attached. */
  get socket(): UdpSocket | undefined {
    return this.#socket;
  }

  /** Sends `data` to `to` after what waits; false when too much waits already (not sent). */
  push(data: Uint8Array, to: UdpAddress): boolean {
    if (!this.#busy && this.#socket && this.#head === this.#items.length) {
      this.#start(data, to);
      return true;
    }
    const held = this.#items.length - this.#head;
    if (held >= MAX_QUEUED || this.#bytes + data.length > MAX_QUEUED_BYTES) return false;
    const kept = data.byteLength * 2 < data.buffer.byteLength ? data.slice() : data;
    this.#items.push({ data: kept, to });
    this.#bytes += kept.length;
    return true;
  }

  #start(data: Uint8Array, to: UdpAddress): void {
    this.#busy = true;
    this.#socket!.send(data, to, (e) => {
      this.#busy = false;
      if (e) this.#failed();
      this.#next();
    });
  }

  #next(): void {
    if (this.#busy || !this.#socket || this.#socket.closed) return;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
      return;
    }
    const item = this.#items[this.#head];
    this.#items[this.#head++] = DONE;
    this.#bytes -= item.data.length;
    this.#start(item.data, item.to);
  }
}

const DONE = { data: new Uint8Array(0), to: { address: "", port: 0 } };

function isReset(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    (e as { code?: string })?.code === "ECONNRESET";
}

/** The association's one log line: as forward -u's, plus protocol, user and the drops. */
function summaryOf(
  user: string | undefined,
  association: Association | undefined,
  end: AssociationEnd,
  reason?: string,
): SessionSummary {
  const traffic = association?.traffic ?? new DatagramTraffic();
  const dropped = association?.dropped;
  const drops = dropped ? Object.entries(dropped).filter(([, n]) => n > 0) : [];
  return {
    event: "closed",
    idleTimeout: end === "idle-timeout",
    fields: {
      protocol: "socks5-udp",
      user: user ?? null,
      target: null,
      end,
      ...(reason ? { reason } : {}),
      relay: association?.relay ?? null,
      client: association?.client ?? null,
      destinations: association?.destinations ?? 0,
      ...traffic.fields(),
      dropped: drops.reduce((sum, [, n]) => sum + n, 0),
      ...Object.fromEntries(
        Object.entries(dropped ?? {}).map(([why, n]) => [`dropped_${why}`, n]),
      ),
    },
    text: `socks5-udp${user ? ` ${user}` : ""}` +
      (association ? ` via ${association.relay}` : "") +
      `: ${traffic.describe()}; ${ENDS[end]}` + (reason ? ` (${reason})` : "") +
      (drops.length
        ? `; dropped ${drops.map(([why, n]) => `${n} ${why.replace("_", " ")}`).join(", ")}`
        : ""),
  };
}
