/**
 * One HTTP/1.1 request over a connection that is already made (by dial: TCP, TLS, a Unix socket,
 * or a tunnel), and its answer: node:http's client and parser over the connection, each step
 * timed, and what is read bounded (the headers, and at most 64 KiB of the body, after which the
 * connection is closed).
 */
import { type IncomingMessage, request as httpRequest, type RequestOptions } from "node:http";
import type { Duplex } from "node:stream";
import { HttpError, type HttpFailure, NetError } from "../errors.ts";
import { escapeText, firstLineSample } from "../io/escape.ts";
import { classifyFailure } from "./errors.ts";
import { streamOverConn } from "./node_conn.ts";

/** The request to send. */
export interface HttpRequest {
  /** `GET` or `HEAD`. */
  method: "GET" | "HEAD";
  /** The request target: the path and query, or (through a proxy) the whole URL. */
  path: string;
  /** Headers in order, the Host header among them; each name and value already checked. */
  headers: [string, string][];
  /** For messages: `HTTP GET http://127.0.0.1:8080/healthz`. */
  context: string;
}

/** Options for {@linkcode httpExchange}. */
export interface HttpExchangeOptions {
  /** The time allowed for the first byte of the answer, and again for the rest of it. */
  timeoutMs: number;
  /** The most body bytes read; then the connection is closed (64 KiB by default). */
  maxBodyBytes?: number;
  /** The most header bytes taken (16 KiB by default). */
  maxHeaderBytes?: number;
}

/** What came back. */
export interface HttpAnswer {
  /** The status code. */
  status: number;
  /** The reason phrase (`Service Unavailable`), as the server wrote it. */
  reason: string;
  /** `1.1`, `1.0`. */
  version: string;
  /** The header's value, when there was one. */
  contentType?: string;
  /** The Content-Length header's value, when there was a valid one. */
  contentLength?: number;
  /** A redirect's Location header. */
  location?: string;
  /** The body's bytes read (a HEAD has none): at most the bound. */
  body?: Uint8Array;
  /** How many body bytes were read. */
  bodyBytes: number;
  /** True when the body was longer than the bound and reading stopped there. */
  bodyCut: boolean;
  /** From the request's sending to the answer's first byte, in milliseconds. */
  firstByteMs: number;
  /** From the request's sending to the end of what was read, in milliseconds. */
  doneMs: number;
}

/** The body read by default: enough for any health page, little enough for any number of probes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** The headers taken by default (node's own default is 16 KiB too). */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Sends `request` over `conn` and reads the answer. The connection is the caller's: it is
 * closed by the time this settles (HTTP/1.1 with `Connection: close`, one request).
 *
 * @throws {HttpError} no answer in time, not HTTP, closed before the headers ended, headers too
 * large, or a body that broke off
 * @throws {NetError} the connection failed (a reset)
 */
export function httpExchange(
  conn: Deno.Conn,
  request: HttpRequest,
  options: HttpExchangeOptions,
): Promise<HttpAnswer> {
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const { timeoutMs } = options;
  return new Promise((resolve, reject) => {
    let first: Uint8Array | undefined;
    let firstAt: number | undefined;
    let received = 0;
    /** The body read so far, once the headers have come. */
    let body: { bytes: number } | undefined;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    const fail = (failure: HttpFailure | Error) => {
      settle(() =>
        reject(failure instanceof Error ? failure : new HttpError(failure, request.context))
      );
    };
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      stream.destroy();
      done();
    };
    const stream = streamOverConn(conn, {
      onBytes: (chunk) => {
        received += chunk.length;
        if (first !== undefined) return;
        first = chunk.slice(0, 64);
        firstAt = performance.now();
        // The first byte came: the rest of the answer has its own time.
        clearTimeout(timer);
        timer = setTimeout(() => fail(slowAnswer()), timeoutMs);
      },
    });
    // Every failure of the stream is also the request's, which words it; this keeps an error
    // event from ever going unheard.
    stream.on("error", () => {});
    const slowAnswer = (): HttpFailure => ({ kind: "slow-answer", ms: timeoutMs, bytes: received });
    timer = setTimeout(() => fail({ kind: "no-answer", ms: timeoutMs }), timeoutMs);

    let req: ReturnType<typeof httpRequest> | undefined;
    try {
      req = httpRequest({
        method: request.method,
        path: request.path,
        headers: request.headers.flat(),
        setHost: false,
        maxHeaderSize: options.maxHeaderBytes ?? MAX_HEADER_BYTES,
        createConnection: () => stream,
      } as RequestOptions);
    } catch (e) {
      fail(new HttpError({ kind: "malformed", detail: errorText(e) }, request.context));
      return;
    }
    // Once the headers are in, a failure (node tells the request first) is the body's.
    req.on(
      "error",
      (e: Error & { code?: string }) =>
        fail(body ? bodyFailure(e, body.bytes) : requestFailure(e, first, received)),
    );
    req.on("response", (res) => {
      res.on("error", (e: Error) => fail(bodyFailure(e, bodyBytes)));
      const chunks: Uint8Array[] = [];
      let bodyBytes = 0;
      body = {
        get bytes() {
          return bodyBytes;
        },
      };
      let cut = false;
      const answer = (): HttpAnswer => ({
        ...headFacts(res),
        body: request.method === "HEAD" ? undefined : joined(chunks, bodyBytes),
        bodyBytes,
        bodyCut: cut,
        firstByteMs: (firstAt ?? performance.now()) - started,
        doneMs: performance.now() - started,
      });
      if (request.method === "HEAD") {
        // A HEAD's answer has no body, whatever its headers say: it is complete now.
        const out = answer();
        settle(() => resolve(out));
        return;
      }
      res.on("data", (data: Uint8Array) => {
        if (settled) return;
        const room = maxBody - bodyBytes;
        const take = data.length > room ? data.subarray(0, room) : data;
        chunks.push(take);
        bodyBytes += take.length;
        if (bodyBytes >= maxBody && (data.length > room || !res.complete)) {
          // Enough: the rest is not read, and the connection goes.
          cut = data.length > room || !res.complete;
          const out = answer();
          settle(() => resolve(out));
        }
      });
      res.on("end", () => {
        const out = answer();
        settle(() => resolve(out));
      });
      res.on("aborted", () => fail({ kind: "body-cut", bytes: bodyBytes }));
      res.on("close", () => {
        if (!res.complete) fail({ kind: "body-cut", bytes: bodyBytes });
      });
    });
    // A 101 (Switching Protocols) is an answer with no body, which node hands over as an
    // upgrade: without this, the probe would wait for an end that never comes.
    req.on("upgrade", (res: IncomingMessage, socket: Duplex) => {
      socket.on("error", () => {});
      const out: HttpAnswer = {
        ...headFacts(res),
        bodyBytes: 0,
        bodyCut: false,
        firstByteMs: (firstAt ?? performance.now()) - started,
        doneMs: performance.now() - started,
      };
      socket.destroy();
      settle(() => resolve(out));
    });
    req.end();
  });
}

/** What an answer's status line and headers say. */
function headFacts(
  res: IncomingMessage,
): Pick<
  HttpAnswer,
  "status" | "reason" | "version" | "contentType" | "contentLength" | "location"
> {
  const header = (name: string): string | undefined => {
    const value = res.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const length = header("content-length");
  return {
    status: res.statusCode ?? 0,
    reason: res.statusMessage ?? "",
    version: res.httpVersion,
    contentType: header("content-type"),
    contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
    location: header("location"),
  };
}

/** What a failed request met, from node's error and what the server had sent. */
function requestFailure(
  e: Error & { code?: string },
  first: Uint8Array | undefined,
  received: number,
): HttpFailure | Error {
  if (first !== undefined && !startsLikeHttp(first)) {
    return { kind: "not-http", sample: firstLineSample(first) };
  }
  if (e.code === "HPE_HEADER_OVERFLOW") {
    return { kind: "headers-too-large", limit: MAX_HEADER_BYTES };
  }
  if (e.code?.startsWith("HPE_")) return { kind: "malformed", detail: parserWords(e) };
  // node says "socket hang up" (ECONNRESET) for a server that closed (a FIN) before the
  // headers ended; a real reset comes as the connection's own error.
  if (e.code === "ECONNRESET" && e.message === "socket hang up") {
    return { kind: "closed", bytes: received };
  }
  const failure = classifyFailure(e) ?? classifyFailure(e.cause);
  if (failure === "reset" && received > 0) return { kind: "closed", bytes: received, reset: true };
  if (failure !== undefined) return new NetError(failure, "", { cause: e });
  return { kind: "malformed", detail: errorText(e) };
}

/** What a failure of the body means. */
function bodyFailure(e: Error & { code?: string }, bytes: number): HttpFailure | Error {
  // The parser's: a bad chunk size, say.
  if (e.code?.startsWith("HPE_")) return { kind: "malformed", detail: parserWords(e) };
  const failure = classifyFailure(e);
  if (failure !== undefined && failure !== "other" && failure !== "reset") {
    return new NetError(failure, "", { cause: e });
  }
  return { kind: "body-cut", bytes };
}

/** True when an answer begins as HTTP/1.x does (`HTTP/`), or could still (fewer bytes). */
function startsLikeHttp(bytes: Uint8Array): boolean {
  const expected = "HTTP/";
  for (let i = 0; i < Math.min(bytes.length, expected.length); i++) {
    if (bytes[i] !== expected.charCodeAt(i)) return false;
  }
  return true;
}

/** node's parser's words, without its code: `Invalid header value char`. */
function parserWords(e: Error & { code?: string; reason?: string }): string {
  const reason = typeof e.reason === "string" && e.reason !== "" ? e.reason : e.message;
  return escapeText(reason.replace(/^Parse Error:\s*/, "").toLowerCase());
}

function errorText(e: unknown): string {
  return escapeText(e instanceof Error ? e.message : String(e));
}

/** The chunks as one array. */
function joined(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
