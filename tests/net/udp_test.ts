/**
 * UdpSocket over Deno's datagram sockets (run with --unstable-net, as `deno task test` does):
 * datagrams kept whole and apart although received into one reused buffer, every failure told,
 * the receive ended on close, and memory per idle socket small.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { NetError } from "../../lib/errors.ts";
import { ReceiveBuffers } from "../../lib/net/receive_buffers.ts";
import { listenUdp, type UdpAddress, UdpSocket } from "../../lib/net/udp.ts";
import { turns, until } from "../_async.ts";

/** A socket on loopback that keeps what it receives. */
async function receiver(address = "127.0.0.1", dualStack = false) {
  const socket = await UdpSocket.bind(address, 0, dualStack);
  const got: { data: Uint8Array; from: UdpAddress }[] = [];
  const errors: Error[] = [];
  socket.onDatagram = (data, from) => got.push({ data, from });
  socket.onError = (e) => errors.push(e);
  return { socket, got, errors };
}

Deno.test("UdpSocket hands each datagram over as its own bytes, at its own size", async () => {
  const a = await receiver();
  const b = await UdpSocket.bind("127.0.0.1", 0);
  try {
    const to = { address: "127.0.0.1", port: a.socket.port };
    // The first is kept while the next ones land in the same receive buffer.
    await b.sendAsync(new Uint8Array(65_000).fill(1), to);
    await b.sendAsync(new Uint8Array([2, 2, 2]), to);
    await b.sendAsync(new Uint8Array(0), to);
    await until(() => a.got.length === 3, "three datagrams came");
    assertEquals(a.got.map(({ data }) => [data.length, data.buffer.byteLength]), [
      [65_000, 65_000],
      [3, 3],
      [0, 0],
    ]);
    assert(a.got[0].data.every((byte) => byte === 1));
    assertEquals([...a.got[1].data], [2, 2, 2]);
    assertEquals(a.got[0].from, { address: "127.0.0.1", port: b.port });
    assertEquals(a.errors, []);
  } finally {
    a.socket.close();
    b.close();
  }
});

Deno.test("UdpSocket.close() ends the pending receive quietly; later sends fail, typed", async () => {
  const a = await receiver();
  await turns(2);
  a.socket.close();
  a.socket.close();
  await turns(2);
  assertEquals([a.got, a.errors, a.socket.closed], [[], [], true]);
  const error = await assertRejects(
    () => a.socket.sendAsync(new Uint8Array(1), { address: "127.0.0.1", port: 9 }),
    NetError,
  );
  assertMatch(error.message, /cannot send 1 B to 127\.0\.0\.1:9/);
  assertEquals((error as NetError).detail, "the socket is closed");
});

Deno.test("UdpSocket.sendAsync() refuses a datagram too large, with the largest size", async () => {
  const socket = await UdpSocket.bind("127.0.0.1", 0);
  try {
    const error = await assertRejects(
      () => socket.sendAsync(new Uint8Array(70_000), { address: "127.0.0.1", port: 9 }),
      NetError,
    );
    assertEquals([(error as NetError).detail, (error as NetError).hint], [
      "datagram too large",
      "a datagram holds at most 65507 B",
    ]);
  } finally {
    socket.close();
  }
});

Deno.test("UdpSocket: a closed port's ICMP errors end nothing; the socket goes on receiving", async () => {
  const gone = await UdpSocket.bind("127.0.0.1", 0);
  const closedPort = gone.port;
  gone.close();
  const a = await receiver();
  const b = await UdpSocket.bind("127.0.0.1", 0);
  try {
    for (let i = 0; i < 3; i++) {
      await a.socket.sendAsync(new Uint8Array([i]), { address: "127.0.0.1", port: closedPort });
    }
    await b.sendAsync(new Uint8Array([7]), { address: "127.0.0.1", port: a.socket.port });
    await until(() => a.got.length === 1, "the live peer's datagram came");
    assertEquals([[...a.got[0].data], a.errors], [[7], []]);
  } finally {
    a.socket.close();
    b.close();
  }
});

Deno.test("UdpSocket on :: takes IPv4 senders only when dual-stack", async () => {
  const only6 = await receiver("::", false);
  const dual = await receiver("::", true);
  const v4 = await UdpSocket.bind("127.0.0.1", 0);
  const v6 = await UdpSocket.bind("::1", 0);
  try {
    for (const socket of [only6.socket, dual.socket]) {
      await v4.sendAsync(new Uint8Array([4]), { address: "127.0.0.1", port: socket.port });
      await v6.sendAsync(new Uint8Array([6]), { address: "::1", port: socket.port });
    }
    await until(() => dual.got.length === 2 && only6.got.length === 1, "the datagrams came");
    assertEquals(only6.got.map(({ data }) => data[0]), [6]);
    assertEquals(dual.got.map(({ from }) => from.address).sort(), ["::1", "::ffff:127.0.0.1"]);
  } finally {
    for (const socket of [only6.socket, dual.socket, v4, v6]) socket.close();
  }
});

Deno.test("listenUdp() on a port in use fails with in-use and a hint", async () => {
  const taken = await UdpSocket.bind("127.0.0.1", 0);
  try {
    const error = await assertRejects(
      () => listenUdp({ kind: "udp", hostname: "127.0.0.1", port: taken.port, tls: false }),
      NetError,
    );
    assertEquals([(error as NetError).failure, (error as NetError).hint], [
      "in-use",
      "choose another port, or stop the program using it",
    ]);
  } finally {
    taken.close();
  }
});

Deno.test("UdpSocket: a thousand idle sockets cost far less than their 64 KiB buffers", async () => {
  const count = 1000;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--unstable-net",
      "--allow-net",
      new URL("./_udp_idle_memory.ts", import.meta.url).pathname,
      String(count),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals([out.code, new TextDecoder().decode(out.stderr)], [0, ""]);
  const perSocket = Number(new TextDecoder().decode(out.stdout)) / count;
  // Each has a receive pending in a 64 KiB buffer and has received one datagram: with a buffer of
  // its own (as node:dgram had) this was 64-70 KiB a socket; cut from slabs, 12-18 KiB.
  assert(perSocket < 32 * 1024, `${Math.round(perSocket)} B per socket`);
});

Deno.test("ReceiveBuffers cuts buffers from slabs and reuses what is given back", () => {
  const pool = new ReceiveBuffers({ perSlab: 2, size: 4 });
  const a = pool.take();
  const b = pool.take();
  assertEquals([a.buffer, a.byteOffset, b.byteOffset, pool.slabs], [b.buffer, 0, 4, 1]);
  const c = pool.take();
  assertEquals([c.buffer === a.buffer, pool.slabs], [false, 2]);
  pool.give(b);
  assertEquals(pool.take(), b);
});

Deno.test("UdpSocket sends a burst started in one turn in order, each told in order", async () => {
  const a = await receiver();
  const b = await UdpSocket.bind("127.0.0.1", 0);
  try {
    const to = { address: "127.0.0.1", port: a.socket.port };
    const sizes = [1, 1000, 65_000, 0, 3, 7, 2000, 5, 60_000, 2];
    const told: number[] = [];
    // No await between them: the system would otherwise take them in no set order.
    for (const size of sizes) b.send(new Uint8Array(size), to, (e) => e || told.push(size));
    await until(() => a.got.length === sizes.length, "every datagram came");
    assertEquals(a.got.map(({ data }) => data.length), sizes);
    assertEquals(told, sizes);
    assertEquals(a.errors, []);
  } finally {
    a.socket.close();
    b.close();
  }
});
