/**
 * The proxy hop of {@linkcode dial}: connect to the proxy, then ask it for the target (SOCKS5 or
 * HTTP CONNECT), all within the dial's timeout. The exchanges are lib/protocol's; this is the I/O
 * around them. Reads take exactly what the exchange needs, never a byte of the target's.
 */
import { NetError, ProxyError, ResolveError, TimeoutError } from "../errors.ts";
import { writeAll } from "../io/chunks.ts";
import { escapeText } from "../io/escape.ts";
import { deadline } from "../io/timers.ts";
import {
  HeadReader,
  HttpProxyProtocolError,
  parseConnectResponse,
} from "../protocol/http_connect.ts";
import { encodeConnectRequest } from "../protocol/http_connect.ts";
import {
  Socks5Client,
  Socks5ProtocolError,
  Socks5Refused,
  SOCKS_REPLY_WORDS,
} from "../protocol/socks5.ts";
import { formatAddress } from "./address.ts";
import { closeQuietly } from "./close.ts";
import type { Endpoint, TcpEndpoint } from "./endpoint.ts";
import { isAbortTimeout, toNetError } from "./errors.ts";
import type { ProxyUrl } from "./proxy_url.ts";
import { resolveAll } from "./resolve.ts";

/** What the hop needs of dial: a plain connect, and the dial's lookup options and timeout. */
export interface HopOptions {
  timeoutMs?: number;
  family?: 4 | 6;
  numeric?: boolean;
}

/** A connection made through the proxy, as dial reports it. */
export interface HopDialed {
  conn: Deno.Conn;
  peer: string;
  resolveMs: number;
  connectMs: number;
}

/**
 * Connects to `target` through `proxy`. With `socks5`, the target's name is resolved here and
 * its address handed over; with `socks5h` and `http`, the name itself.
 *
 * @throws {ResolveError} the proxy's name, or with socks5 the target's, did not resolve (3)
 * @throws {TimeoutError} the proxy or its handshake took longer than `timeoutMs` (4)
 * @throws {NetError} the proxy could not be reached (1)
 * @throws {ProxyError} the proxy refused, or is no proxy of that kind (1)
 */
export async function dialThroughProxy(
  target: TcpEndpoint,
  proxy: ProxyUrl,
  options: HopOptions,
  connect: (endpoint: Endpoint, options: HopOptions & { timeoutMs?: number }) => Promise<{
    conn: Deno.Conn;
    resolveMs: number;
  }>,
): Promise<HopDialed> {
  const peer = escapeText(formatAddress(target.hostname, target.port));
  const context = `cannot connect to ${peer} through ${proxy.text}`;
  const limit = options.timeoutMs === undefined ? undefined : deadline(options.timeoutMs);
  const started = performance.now();
  const left = () =>
    options.timeoutMs === undefined
      ? undefined
      : Math.max(1, options.timeoutMs - (performance.now() - started));
  let resolveMs = 0;
  let host = target.hostname;
  try {
    if (proxy.protocol === "socks5") {
      const resolved = await resolveAll(target.hostname, {
        family: options.family,
        numericOnly: options.numeric,
        signal: limit?.signal,
      });
      host = resolved.addresses[0].address;
      resolveMs = resolved.ms;
    }
    let proxied: { conn: Deno.Conn; resolveMs: number };
    try {
      proxied = await connect(
        { kind: "tcp", hostname: proxy.hostname, port: proxy.port, tls: false },
        { ...options, family: undefined, timeoutMs: left() },
      );
    } catch (e) {
      throw asProxyConnectFailure(e, proxy);
    }
    const { conn } = proxied;
    const onAbort = () => closeQuietly(conn);
    limit?.signal.addEventListener("abort", onAbort, { once: true });
    try {
      if (proxy.protocol === "http") {
        await connectHandshake(conn, formatAddress(host, target.port), proxy, context);
      } else await socksHandshake(conn, { host, port: target.port }, proxy, context);
    } catch (e) {
      closeQuietly(conn);
      if (limit?.signal.aborted) {
        throw new TimeoutError("connect", options.timeoutMs!, context, { cause: e });
      }
      if (e instanceof ProxyError) throw e;
      throw toNetError(e, context);
    } finally {
      limit?.signal.removeEventListener("abort", onAbort);
    }
    return {
      conn,
      peer,
      resolveMs: resolveMs + proxied.resolveMs,
      connectMs: performance.now() - started - resolveMs,
    };
  } catch (e) {
    if (e instanceof ResolveError || e instanceof ProxyError || e instanceof TimeoutError) {
      throw e;
    }
    if (limit?.signal.aborted && (isAbortTimeout(e) || isAbortTimeout(limit.signal.reason))) {
      throw new TimeoutError("connect", options.timeoutMs!, context, { cause: e });
    }
    throw toNetError(e, context);
  } finally {
    limit?.clear();
  }
}

/** A failure to reach the proxy itself, worded as such. */
function asProxyConnectFailure(e: unknown, proxy: ProxyUrl): unknown {
  const context = `cannot connect to the proxy ${proxy.text}`;
  if (e instanceof NetError) {
    return new NetError(e.failure, context, { detail: e.detail, hint: e.hint, cause: e });
  }
  if (e instanceof TimeoutError) return new TimeoutError(e.kind, e.ms, context, { cause: e });
  return e;
}

/** The SOCKS5 exchange, its refusals as {@linkcode ProxyError}s. */
async function socksHandshake(
  conn: Deno.Conn,
  target: { host: string; port: number },
  proxy: ProxyUrl,
  context: string,
): Promise<void> {
  let client: Socks5Client;
  try {
    client = new Socks5Client(target, proxy.login);
  } catch (e) {
    throw new NetError("other", context, { detail: (e as Error).message, cause: e });
  }
  let first = true;
  try {
    let step = client.start();
    while (!("done" in step)) {
      if (step.send) await writeAll(conn, step.send);
      const bytes = await readExactly(conn, step.need, first, context);
      first = false;
      step = client.receive(bytes);
    }
  } catch (e) {
    if (e instanceof Socks5Refused) {
      const { refusal } = e;
      throw new ProxyError(
        refusal.kind === "reply"
          ? {
            kind: "socks-reply",
            code: refusal.code,
            words: SOCKS_REPLY_WORDS[refusal.code] ?? `reply code ${refusal.code}`,
          }
          : refusal.kind === "login-refused"
          ? { kind: "login-refused" }
          : proxy.login
          ? { kind: "no-method" }
          : { kind: "login-required" },
        context,
      );
    }
    if (e instanceof Socks5ProtocolError) {
      throw new ProxyError({ kind: "not-a-proxy", protocol: "SOCKS5", detail: e.message }, context);
    }
    throw e;
  }
}

/** The CONNECT exchange: a 2xx answer lets the bytes through; any other is the error. */
async function connectHandshake(
  conn: Deno.Conn,
  authority: string,
  proxy: ProxyUrl,
  context: string,
): Promise<void> {
  await writeAll(conn, encodeConnectRequest(authority, proxy.login));
  const reader = new HeadReader();
  const buffer = new Uint8Array(4);
  let first = true;
  try {
    for (;;) {
      const n = await conn.read(buffer.subarray(0, reader.need));
      if (n === null) throw new ProxyError({ kind: "closed" }, context);
      if (first && !/[A-Za-z]/.test(String.fromCharCode(buffer[0]))) {
        throw new HttpProxyProtocolError("its answer is not HTTP");
      }
      first = false;
      const head = reader.push(buffer.subarray(0, n));
      if (!head) continue;
      const response = parseConnectResponse(head);
      if (response.status >= 200 && response.status < 300) return;
      throw new ProxyError(
        {
          kind: "http-status",
          status: response.status,
          reason: escapeText(response.reason.slice(0, 100)),
        },
        context,
      );
    }
  } catch (e) {
    if (e instanceof HttpProxyProtocolError) {
      throw new ProxyError({ kind: "not-a-proxy", protocol: "HTTP", detail: e.message }, context);
    }
    throw e;
  }
}

/** Reads exactly `n` bytes; the proxy closing first is a {@linkcode ProxyError}. */
async function readExactly(
  conn: Deno.Conn,
  n: number,
  first: boolean,
  context: string,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const read = await conn.read(bytes.subarray(got));
    if (read === null) {
      throw new ProxyError(
        first && got > 0
          ? { kind: "not-a-proxy", protocol: "SOCKS5", detail: "a short answer" }
          : { kind: "closed" },
        context,
      );
    }
    if (first && got === 0 && bytes[0] !== 5) {
      throw new ProxyError(
        {
          kind: "not-a-proxy",
          protocol: "SOCKS5",
          detail: `it answered "${escapeText(new TextDecoder().decode(bytes.subarray(0, read)))}"`,
        },
        context,
      );
    }
    got += read;
  }
  return bytes;
}
