/**
 * Prints the RSS, in bytes, that COUNT idle UdpSockets add to a fresh process: each bound, its
 * receive pending, one 512-byte datagram received. Run by udp_test.ts as a subprocess, so that no
 * other test's allocations blur the figure.
 */
import { UdpSocket } from "../../lib/net/udp.ts";

const count = Number(Deno.args[0] ?? 1000);
const before = Deno.memoryUsage().rss;
const sockets: UdpSocket[] = [];
let received = 0;
for (let i = 0; i < count; i++) {
  const socket = await UdpSocket.bind("127.0.0.1", 0);
  socket.onDatagram = () => received++;
  sockets.push(socket);
}
const sender = await UdpSocket.bind("127.0.0.1", 0);
for (const socket of sockets) {
  await sender.sendAsync(new Uint8Array(512), { address: "127.0.0.1", port: socket.port });
}
while (received < count) await new Promise((resolve) => setTimeout(resolve, 0));
console.log(Deno.memoryUsage().rss - before);
for (const socket of [sender, ...sockets]) socket.close();
