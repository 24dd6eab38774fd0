/**
 * httpExchange() against servers that break off: a node:net server on loopback that answers
 * part of an HTTP answer, then closes (FIN) or resets (RST, node's resetAndDestroy).
 */
import { assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { createServer, type Socket } from "node:net";
import { HttpError, httpText } from "../../lib/errors.ts";
import { httpExchange } from "../../lib/net/http_probe.ts";

/** A server that writes `answer` once the request has come, then ends as `end` says. */
async function breakingServer(
  answer: string,
  end: "close" | "reset",
): Promise<{ port: number } & AsyncDisposable> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("data", () => {
      socket.write(answer, () => {
        // The answer is out before the end: the client reads it first.
        setTimeout(() => end === "reset" ? socket.resetAndDestroy() : socket.end(), 50);
      });
    });
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function exchangeWith(port: number): Promise<HttpError> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = {
    method: "GET" as const,
    path: "/",
    headers: [["Host", "127.0.0.1"]] as [string, string][],
    context: "HTTP GET http://127.0.0.1/",
  };
  const e = await assertRejects(() => httpExchange(conn, request, { timeoutMs: 5000 }));
  assertInstanceOf(e, HttpError);
  return e;
}

Deno.test("httpExchange() calls a reset after the headers a body that broke off, not cut headers", async () => {
  await using server = await breakingServer(
    `HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${"x".repeat(1000)}`,
    "reset",
  );
  const e = await exchangeWith(server.port);
  assertEquals(e.failure, { kind: "body-cut", bytes: 1000 });
  assertEquals(httpText(e.failure), "the body broke off after 1000 B");
});

Deno.test("httpExchange() tells a reset in the middle of the headers from a close", async () => {
  {
    await using server = await breakingServer("HTTP/1.1 200 OK\r\nContent-Le", "reset");
    const e = await exchangeWith(server.port);
    assertEquals(e.failure, { kind: "closed", bytes: 27, reset: true });
    assertEquals(
      httpText(e.failure),
      "the server reset the connection in the middle of its answer's headers (27 B read)",
    );
  }
  {
    await using server = await breakingServer("HTTP/1.1 200 OK\r\nContent-Le", "close");
    const e = await exchangeWith(server.port);
    assertEquals(e.failure, { kind: "closed", bytes: 27 });
    assertEquals(
      httpText(e.failure),
      "the server closed the connection in the middle of its answer's headers (27 B read)",
    );
  }
});
