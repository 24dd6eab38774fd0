import { assertEquals, assertThrows } from "@std/assert";
import { UsageError } from "../../lib/errors.ts";
import { parseTarget } from "../../lib/net/targets.ts";

Deno.test("parseTarget() reads HOST:PORT as a single port", () => {
  assertEquals(parseTarget("localhost:22"), {
    text: "localhost:22",
    hostname: "localhost",
    ports: [22],
    kind: "port",
  });
});

Deno.test("parseTarget() reads HOST:FIRST-LAST as a range, both ends included", () => {
  const target = parseTarget("10.0.0.1:8000-8003");
  assertEquals([target.kind, target.ports], ["range", [8000, 8001, 8002, 8003]]);
});

Deno.test("parseTarget() reads HOST:P1,P2,... as a list whose items may be ranges", () => {
  const target = parseTarget("[::1]:22,80,8000-8001,80");
  assertEquals(target.hostname, "::1");
  assertEquals([target.kind, target.ports], ["list", [22, 80, 8000, 8001]]);
});

Deno.test("parseTarget() takes the whole port space as one range", () => {
  assertEquals(parseTarget("127.0.0.1:1-65535").ports.length, 65535);
});

Deno.test("parseTarget() rejects malformed targets with a usage error", () => {
  for (
    const raw of [
      "localhost",
      ":80",
      "host:",
      "host:0",
      "host:65536",
      "host:90-80",
      "host:1-2-3",
      "host:80,",
      "host:http",
      "::1:80",
    ]
  ) {
    assertThrows(() => parseTarget(raw), UsageError, undefined, raw);
  }
});
