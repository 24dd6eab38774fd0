/**
 * SOCKS5 (RFC 1928) with its username/password login (RFC 1929), as pure rules over bytes: the
 * client's side as a state machine that says what to send and exactly how many bytes to read
 * next (so nothing past the proxy's reply is ever read), the server's side as parsers of a
 * buffer that say "not yet" until a message is whole. Every length a peer sends is bounded by
 * the protocol (at most 513 bytes a message), and anything malformed throws a
 * {@linkcode Socks5ProtocolError}.
 */

/** The protocol's version byte. */
export const SOCKS_VERSION = 5;
/** The login sub-negotiation's version byte (RFC 1929). */
const LOGIN_VERSION = 1;

/** Authentication methods (RFC 1928 §3). */
export const SocksMethod = { none: 0, login: 2, noAcceptable: 0xff } as const;
/** Commands (RFC 1928 §4). */
export const SocksCommand = { connect: 1, bind: 2, udpAssociate: 3 } as const;
/** Address types (RFC 1928 §5). */
export const SocksAddressType = { ipv4: 1, domain: 3, ipv6: 4 } as const;

/** Reply codes (RFC 1928 §6). */
export const SocksReply = {
  succeeded: 0,
  generalFailure: 1,
  notAllowed: 2,
  networkUnreachable: 3,
  hostUnreachable: 4,
  connectionRefused: 5,
  ttlExpired: 6,
  commandNotSupported: 7,
  addressTypeNotSupported: 8,
} as const;

/** The words for each reply code, as they follow "the proxy could not reach the target: ". */
export const SOCKS_REPLY_WORDS: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "not allowed by its rules",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/** A host and port as SOCKS5 carries them: an IPv4 or IPv6 address, or a name. */
export interface SocksAddress {
  /** An IPv4 address, an IPv6 address (without brackets), or a name of 1 to 255 bytes. */
  host: string;
  /** 0 to 65535. */
  port: number;
}

/** A username and password (RFC 1929: each 1 to 255 bytes). */
export interface SocksLogin {
  username: string;
  password: string;
}

/** The peer broke the protocol: what it sent cannot be SOCKS5. */
export class Socks5ProtocolError extends Error {
  /** The error's class name, as it prints. */
  override name = "Socks5ProtocolError";
}

/** Why the client's handshake did not succeed, when the proxy spoke SOCKS5 but said no. */
export type Socks5Refusal =
  | { kind: "no-method"; offered: number[] }
  | { kind: "login-refused" }
  | { kind: "reply"; code: number };

/** The proxy said no: {@linkcode Socks5Refusal} says how. */
export class Socks5Refused extends Error {
  /** The error's class name, as it prints. */
  override name = "Socks5Refused";
  /** How the proxy refused. */
  readonly refusal: Socks5Refusal;

  /** The proxy refused as `refusal` says. */
  constructor(refusal: Socks5Refusal) {
    super(refusal.kind === "reply" ? `SOCKS reply ${refusal.code}` : refusal.kind);
    this.refusal = refusal;
  }
}

/** What the client does next: send these bytes (if any), then read exactly `need` bytes. */
export type Socks5Step =
  | { send?: Uint8Array; need: number }
  | { done: SocksAddress };

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The client's side of the handshake. `start()` gives the greeting; each `receive()` takes
 * exactly the bytes the step before asked for and gives the next step, until `done` (with the
 * address the proxy bound). A refusal throws {@linkcode Socks5Refused}; bytes that are not
 * SOCKS5 throw {@linkcode Socks5ProtocolError}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Socks5Client } from "./socks5.ts";
 * const client = new Socks5Client({ host: "127.0.0.1", port: 80 });
 * assertEquals(client.start(), { send: new Uint8Array([5, 1, 0]), need: 2 });
 * ```
 */
export class Socks5Client {
  readonly #target: SocksAddress;
  readonly #login: SocksLogin | undefined;
  #state: "new" | "method" | "login" | "reply" | "reply-rest" | "done" = "new";
  #head: Uint8Array | undefined;

  /** A handshake asking for `target`, offering `login` when given (and no login otherwise). */
  constructor(target: SocksAddress, login?: SocksLogin) {
    this.#target = target;
    this.#login = login;
    // Checked before any byte is sent: a name or login SOCKS5 cannot carry is the user's error.
    encodeAddress(target);
    if (login) encodeLogin(login);
  }

  /** The greeting: the methods offered. */
  start(): Socks5Step {
    if (this.#state !== "new") throw new Error("Socks5Client.start() called twice");
    this.#state = "method";
    const methods = this.#login ? [SocksMethod.login] : [SocksMethod.none];
    return { send: new Uint8Array([SOCKS_VERSION, methods.length, ...methods]), need: 2 };
  }

  /** Takes the bytes asked for; gives the next step. */
  receive(bytes: Uint8Array): Socks5Step {
    switch (this.#state) {
      case "method": {
        if (bytes[0] !== SOCKS_VERSION) {
          throw new Socks5ProtocolError(`the reply's version is ${bytes[0]}, not 5`);
        }
        const method = bytes[1];
        const offered: number[] = this.#login ? [SocksMethod.login] : [SocksMethod.none];
        if (method === SocksMethod.noAcceptable) {
          throw new Socks5Refused({ kind: "no-method", offered });
        }
        if (!offered.includes(method)) {
          throw new Socks5ProtocolError(`the proxy chose method ${method}, which was not offered`);
        }
        if (method === SocksMethod.login) {
          this.#state = "login";
          return { send: encodeLogin(this.#login!), need: 2 };
        }
        return this.#request();
      }
      case "login":
        if (bytes[0] !== LOGIN_VERSION && bytes[0] !== SOCKS_VERSION) {
          throw new Socks5ProtocolError(`the login reply's version is ${bytes[0]}, not 1`);
        }
        if (bytes[1] !== 0) throw new Socks5Refused({ kind: "login-refused" });
        return this.#request();
      case "reply": {
        if (bytes[0] !== SOCKS_VERSION) {
          throw new Socks5ProtocolError(`the reply's version is ${bytes[0]}, not 5`);
        }
        if (bytes[1] !== SocksReply.succeeded) {
          throw new Socks5Refused({ kind: "reply", code: bytes[1] });
        }
        const rest = addressLength(bytes[3], bytes[4]);
        if (rest === undefined) {
          throw new Socks5ProtocolError(`the reply's address type is ${bytes[3]}`);
        }
        this.#head = bytes.slice(0, 5);
        this.#state = "reply-rest";
        // The head's fifth byte is the address's first: the rest of the address and the port.
        return { need: rest + 2 - 1 };
      }
      case "reply-rest": {
        this.#state = "done";
        const whole = concat(this.#head!, bytes);
        const parsed = parseAddress(whole, 3);
        if (!parsed) throw new Socks5ProtocolError("the reply's address is malformed");
        return { done: parsed.address };
      }
      default:
        throw new Error(`Socks5Client.receive() in state ${this.#state}`);
    }
  }

  #request(): Socks5Step {
    this.#state = "reply";
    return { send: encodeRequest(SocksCommand.connect, this.#target), need: 5 };
  }
}

/** The login sub-negotiation's request (RFC 1929). */
export function encodeLogin(login: SocksLogin): Uint8Array {
  const user = encoder.encode(login.username);
  const pass = encoder.encode(login.password);
  if (user.length < 1 || user.length > 255 || pass.length < 1 || pass.length > 255) {
    throw new RangeError("A SOCKS5 username and password are each 1 to 255 bytes");
  }
  return new Uint8Array([LOGIN_VERSION, user.length, ...user, pass.length, ...pass]);
}

/** A request (or, with the reply's code in place of the command, a reply). */
export function encodeRequest(command: number, address: SocksAddress): Uint8Array {
  return new Uint8Array([SOCKS_VERSION, command, 0, ...encodeAddress(address)]);
}

/** A reply: `code`, and the address the server bound (0.0.0.0:0 when it does not say). */
export function encodeReply(code: number, bound?: SocksAddress): Uint8Array {
  return encodeRequest(code, bound ?? { host: "0.0.0.0", port: 0 });
}

/** The server's choice of method. */
export function encodeMethodChoice(method: number): Uint8Array {
  return new Uint8Array([SOCKS_VERSION, method]);
}

/** The server's answer to a login. */
export function encodeLoginStatus(ok: boolean): Uint8Array {
  return new Uint8Array([LOGIN_VERSION, ok ? 0 : 1]);
}

/**
 * ATYP, the address and the port, as requests, replies and UDP headers carry them.
 *
 * @throws {RangeError} a port out of range, a malformed IPv6 address, a name SOCKS5 cannot carry
 */
export function encodeAddress({ host, port }: SocksAddress): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port ${port}`);
  }
  const ipv4 = parseIpv4(host);
  let head: number[];
  if (ipv4) head = [SocksAddressType.ipv4, ...ipv4];
  else if (host.includes(":")) {
    const ipv6 = parseIpv6(host);
    if (!ipv6) throw new RangeError(`Invalid IPv6 address "${host}"`);
    head = [SocksAddressType.ipv6, ...ipv6];
  } else {
    const name = encoder.encode(host);
    if (name.length < 1 || name.length > 255) {
      throw new RangeError("A name SOCKS5 carries is 1 to 255 bytes");
    }
    head = [SocksAddressType.domain, name.length, ...name];
  }
  return new Uint8Array([...head, port >> 8, port & 0xff]);
}

/** After ATYP (and the first address byte): the address's length, or undefined for a bad type. */
function addressLength(type: number, first: number): number | undefined {
  if (type === SocksAddressType.ipv4) return 4;
  if (type === SocksAddressType.ipv6) return 16;
  if (type === SocksAddressType.domain) return 1 + first;
  return undefined;
}

/**
 * Parses ATYP, address and port at `at`, and where they end; undefined when incomplete.
 *
 * @throws {Socks5ProtocolError} an unknown address type or an empty name
 */
export function parseAddress(
  bytes: Uint8Array,
  at: number,
): { address: SocksAddress; end: number } | undefined {
  if (bytes.length < at + 2) return undefined;
  const type = bytes[at];
  const length = addressLength(type, bytes[at + 1]);
  if (length === undefined) {
    throw new Socks5ProtocolError(`unknown address type ${type}`);
  }
  const end = at + 1 + length + 2;
  if (bytes.length < end) return undefined;
  const raw = bytes.subarray(at + 1, at + 1 + length);
  let host: string;
  if (type === SocksAddressType.ipv4) host = raw.join(".");
  else if (type === SocksAddressType.ipv6) host = formatIpv6(raw);
  else {
    if (raw[0] === 0) throw new Socks5ProtocolError("an empty name");
    host = decoder.decode(raw.subarray(1));
  }
  const port = (bytes[end - 2] << 8) | bytes[end - 1];
  return { address: { host, port }, end };
}

/** A client's greeting: the methods it offers. */
export interface Socks5Greeting {
  methods: number[];
  /** Its length in bytes. */
  length: number;
}

/**
 * Parses a client's greeting at the start of `bytes`: undefined until it is whole.
 *
 * @throws {Socks5ProtocolError} when the version is not 5 or no method is offered
 */
export function parseGreeting(bytes: Uint8Array): Socks5Greeting | undefined {
  if (bytes.length < 1) return undefined;
  if (bytes[0] !== SOCKS_VERSION) {
    throw new Socks5ProtocolError(`version ${bytes[0]}, not 5`);
  }
  if (bytes.length < 2) return undefined;
  const count = bytes[1];
  if (count === 0) throw new Socks5ProtocolError("no authentication method offered");
  if (bytes.length < 2 + count) return undefined;
  return { methods: Array.from(bytes.subarray(2, 2 + count)), length: 2 + count };
}

/** A client's login (RFC 1929), with its length in bytes. */
export interface Socks5LoginRequest extends SocksLogin {
  length: number;
}

/**
 * Parses a login at the start of `bytes`: undefined until it is whole.
 *
 * @throws {Socks5ProtocolError} for another version, or an empty username or password
 */
export function parseLogin(bytes: Uint8Array): Socks5LoginRequest | undefined {
  if (bytes.length < 1) return undefined;
  if (bytes[0] !== LOGIN_VERSION) {
    throw new Socks5ProtocolError(`login version ${bytes[0]}, not 1`);
  }
  if (bytes.length < 2) return undefined;
  const userLength = bytes[1];
  if (bytes.length < 3 + userLength) return undefined;
  const passLength = bytes[2 + userLength];
  const length = 3 + userLength + passLength;
  if (bytes.length < length) return undefined;
  return {
    username: decoder.decode(bytes.subarray(2, 2 + userLength)),
    password: decoder.decode(bytes.subarray(3 + userLength, length)),
    length,
  };
}

/** A client's request, with its length in bytes. */
export interface Socks5Request {
  command: number;
  address: SocksAddress;
  /** The address type the client used (1, 3 or 4). */
  addressType: number;
  length: number;
}

/**
 * Parses a request at the start of `bytes`: undefined until it is whole.
 *
 * @throws {Socks5ProtocolError} for another version, a bad reserved byte or address type
 */
export function parseRequest(bytes: Uint8Array): Socks5Request | undefined {
  if (bytes.length < 1) return undefined;
  if (bytes[0] !== SOCKS_VERSION) {
    throw new Socks5ProtocolError(`request version ${bytes[0]}, not 5`);
  }
  if (bytes.length >= 3 && bytes[2] !== 0) {
    throw new Socks5ProtocolError("the reserved byte is not 0");
  }
  const parsed = parseAddress(bytes, 3);
  if (!parsed) return undefined;
  return {
    command: bytes[1],
    address: parsed.address,
    addressType: bytes[3],
    length: parsed.end,
  };
}

/** The most bytes any one client message takes (a login of 255 + 255 bytes). */
export const MAX_MESSAGE_BYTES = 3 + 255 + 255;

function parseIpv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  let head = text;
  let tailV4: number[] = [];
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const parsed = parseIpv4(v4[1]);
    if (!parsed) return undefined;
    tailV4 = parsed;
    head = text.slice(0, v4.index + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => s === "" ? [] : s.split(":");
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const out: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const n = parseInt(group, 16);
    out.push(n >> 8, n & 0xff);
  }
  if (tailV4.length) out.splice(12, 4, ...tailV4);
  return out;
}

function formatIpv6(raw: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((raw[i] << 8) | raw[i + 1]).toString(16));
  // The longest run of zero groups (two or more) becomes "::", as RFC 5952 writes it.
  let best = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLength).join(":")}`;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
