import { assertEquals, assertThrows } from "@std/assert";
import {
  basicCredentials,
  encodeConnectRequest,
  HeadReader,
  HttpProxyProtocolError,
  parseAuthority,
  parseBasicCredentials,
  parseConnectResponse,
  parseRequestHead,
} from "../../lib/protocol/http_connect.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("encodeConnectRequest() sends the authority and a Basic login", () => {
  assertEquals(
    new TextDecoder().decode(encodeConnectRequest("[::1]:443", { username: "a", password: "b:c" })),
    "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Authorization: Basic YTpiOmM=\r\n\r\n",
  );
  assertThrows(() => encodeConnectRequest("a b:1"), RangeError);
});

Deno.test("HeadReader never asks for a byte past the blank line", () => {
  const answer = text("HTTP/1.1 200 Connection established\r\n\r\nTARGET BYTES");
  const reader = new HeadReader();
  let at = 0;
  let head: Uint8Array | undefined;
  while (!head) {
    const n = reader.need;
    head = reader.push(answer.subarray(at, at + n));
    at += n;
  }
  assertEquals(at, answer.length - "TARGET BYTES".length);
  assertEquals(parseConnectResponse(head).status, 200);
});

Deno.test("HeadReader gives up on a head past its limit", () => {
  const reader = new HeadReader(64);
  assertThrows(() => {
    for (let i = 0; i < 100; i++) reader.push(text("x"));
  }, HttpProxyProtocolError);
});

Deno.test("parseConnectResponse() reads the status and rejects what is not HTTP", () => {
  assertEquals(
    parseConnectResponse(text("HTTP/1.0 407 Proxy Authentication Required\r\nA: b\r\n\r\n")),
    { status: 407, reason: "Proxy Authentication Required", headers: [["a", "b"]] },
  );
  assertThrows(() => parseConnectResponse(text("SSH-2.0-OpenSSH\r\n\r\n")), HttpProxyProtocolError);
  assertThrows(() => parseConnectResponse(text("HTTP/1.1 2000 x\r\n\r\n")), HttpProxyProtocolError);
  assertThrows(
    () => parseConnectResponse(text("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")),
    HttpProxyProtocolError,
  );
});

Deno.test("parseRequestHead() and parseAuthority() read a CONNECT request", () => {
  const request = parseRequestHead(
    text("CONNECT [2001:db8::1]:443 HTTP/1.1\r\nProxy-Authorization: Basic YTpi\r\n\r\n"),
  );
  assertEquals(request.method, "CONNECT");
  assertEquals(parseAuthority(request.target), { host: "2001:db8::1", port: 443 });
  assertEquals(parseAuthority("example.org"), undefined);
  assertEquals(parseAuthority("example.org:0"), undefined);
  assertThrows(() => parseRequestHead(text("\x16\x03\x01 x y\r\n\r\n")), HttpProxyProtocolError);
});

Deno.test("parseBasicCredentials() reads what basicCredentials() writes, and nothing else", () => {
  const login = { username: "zoë", password: "p:w" };
  assertEquals(parseBasicCredentials(basicCredentials(login)), login);
  assertEquals(parseBasicCredentials("Bearer abc"), undefined);
  assertEquals(parseBasicCredentials("Basic !!!"), undefined);
  assertEquals(parseBasicCredentials(undefined), undefined);
});
