import { assertEquals, assertThrows } from "@std/assert";
import {
  encodeReply,
  parseGreeting,
  parseLogin,
  parseRequest,
  Socks5Client,
  Socks5ProtocolError,
  Socks5Refused,
} from "../../lib/protocol/socks5.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("Socks5Client asks for an IPv4 target with no login and reads the reply exactly", () => {
  const client = new Socks5Client({ host: "10.1.2.3", port: 8080 });
  assertEquals(client.start(), { send: bytes(5, 1, 0), need: 2 });
  assertEquals(client.receive(bytes(5, 0)), {
    send: bytes(5, 1, 0, 1, 10, 1, 2, 3, 0x1f, 0x90),
    need: 5,
  });
  assertEquals(client.receive(bytes(5, 0, 0, 1, 127)), { need: 5 });
  assertEquals(client.receive(bytes(0, 0, 1, 0x30, 0x39)), {
    done: { host: "127.0.0.1", port: 12345 },
  });
});

Deno.test("Socks5Client hands a name over (socks5h) and an IPv6 address as 16 bytes", () => {
  const named = new Socks5Client({ host: "example.org", port: 443 });
  named.start();
  const request = (named.receive(bytes(5, 0)) as { send: Uint8Array }).send;
  assertEquals(Array.from(request.subarray(0, 5)), [5, 1, 0, 3, 11]);
  assertEquals(new TextDecoder().decode(request.subarray(5, 16)), "example.org");
  const v6 = new Socks5Client({ host: "::1", port: 80 });
  v6.start();
  const v6request = (v6.receive(bytes(5, 0)) as { send: Uint8Array }).send;
  assertEquals(Array.from(v6request), [5, 1, 0, 4, ...Array(15).fill(0), 1, 0, 80]);
});

Deno.test("Socks5Client sends the RFC 1929 login and tells a refused one", () => {
  const client = new Socks5Client({ host: "1.2.3.4", port: 1 }, {
    username: "bob",
    password: "pw",
  });
  assertEquals(client.start(), { send: bytes(5, 1, 2), need: 2 });
  assertEquals(client.receive(bytes(5, 2)), {
    send: bytes(1, 3, 98, 111, 98, 2, 112, 119),
    need: 2,
  });
  const e = assertThrows(() => client.receive(bytes(1, 1)), Socks5Refused);
  assertEquals(e.refusal, { kind: "login-refused" });
});

Deno.test("Socks5Client turns each refusal and malformed reply into a typed error", () => {
  const at = (reply: number[]) => {
    const c = new Socks5Client({ host: "1.2.3.4", port: 1 });
    c.start();
    c.receive(bytes(5, 0));
    return () => c.receive(new Uint8Array(reply));
  };
  assertEquals(assertThrows(at([5, 5, 0, 1, 0]), Socks5Refused).refusal, {
    kind: "reply",
    code: 5,
  });
  assertThrows(at([4, 0, 0, 1, 0]), Socks5ProtocolError); // a SOCKS4 answer
  assertThrows(at([5, 0, 0, 9, 0]), Socks5ProtocolError); // an unknown address type
  const noMethod = new Socks5Client({ host: "1.2.3.4", port: 1 });
  noMethod.start();
  assertEquals(assertThrows(() => noMethod.receive(bytes(5, 255)), Socks5Refused).refusal, {
    kind: "no-method",
    offered: [0],
  });
  const unoffered = new Socks5Client({ host: "1.2.3.4", port: 1 });
  unoffered.start();
  assertThrows(() => unoffered.receive(bytes(5, 2)), Socks5ProtocolError);
  const http = new Socks5Client({ host: "1.2.3.4", port: 1 });
  http.start();
  assertThrows(() => http.receive(new TextEncoder().encode("HT")), Socks5ProtocolError);
});

Deno.test("Socks5Client rejects what SOCKS5 cannot carry before sending anything", () => {
  assertThrows(() => new Socks5Client({ host: "a".repeat(256), port: 1 }), RangeError);
  assertThrows(
    () => new Socks5Client({ host: "a", port: 1 }, { username: "u".repeat(256), password: "p" }),
    RangeError,
  );
});

Deno.test("parseGreeting/parseLogin/parseRequest wait for a whole message and bound it", () => {
  assertEquals(parseGreeting(bytes(5)), undefined);
  assertEquals(parseGreeting(bytes(5, 2, 0)), undefined);
  assertEquals(parseGreeting(bytes(5, 2, 0, 2, 99)), { methods: [0, 2], length: 4 });
  assertThrows(() => parseGreeting(bytes(4, 1, 0)), Socks5ProtocolError);
  assertThrows(() => parseGreeting(bytes(5, 0)), Socks5ProtocolError);
  const long = new Uint8Array([1, 255, ...Array(255).fill(117), 255, ...Array(255).fill(112)]);
  assertEquals(parseLogin(long.subarray(0, 300)), undefined);
  assertEquals(parseLogin(long)?.length, 513);
  assertEquals(parseLogin(long)?.username, "u".repeat(255));
  assertThrows(() => parseLogin(bytes(2, 1, 97, 1, 98)), Socks5ProtocolError);
  assertEquals(parseRequest(bytes(5, 1, 0, 3, 3, 97, 98)), undefined);
  assertEquals(parseRequest(bytes(5, 1, 0, 3, 3, 97, 98, 99, 0, 80, 42)), {
    command: 1,
    address: { host: "abc", port: 80 },
    addressType: 3,
    length: 10,
  });
  assertThrows(() => parseRequest(bytes(5, 1, 1, 1)), Socks5ProtocolError);
  assertThrows(() => parseRequest(bytes(5, 1, 0, 7, 0, 0)), Socks5ProtocolError);
  assertThrows(() => parseRequest(bytes(5, 1, 0, 3, 0, 0, 80)), Socks5ProtocolError);
});

Deno.test("encodeReply() writes the code and the bound address", () => {
  assertEquals(Array.from(encodeReply(2)), [5, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
  assertEquals(Array.from(encodeReply(0, { host: "2001:db8::1", port: 1 })).slice(0, 6), [
    5,
    0,
    0,
    4,
    0x20,
    0x01,
  ]);
});
