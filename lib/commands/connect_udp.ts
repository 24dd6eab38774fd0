/**
 * `tcpkit connect -u`: each read of stdin (or `--send TEXT`) goes out as one datagram, each
 * datagram of the peer comes out on stdout as it is. It ends by itself once stdin has ended and
 * no datagram came for the idle time: UDP has no close to wait for.
 */
import type { UdpConnectCommand } from "../cli/args.ts";
import { OutputError, TimeoutError } from "../errors.ts";
import { formatBytes } from "../format.ts";
import type { ChunkSource } from "../io/chunks.ts";
import { DatagramQueue, pumpDatagrams } from "../io/datagram_pump.ts";
import { HexDumper } from "../io/hexdump.ts";
import { IdleTimer } from "../io/idle.ts";
import { formatAddress } from "../net/address.ts";
import { dialUdp, sameAddress, sendError } from "../net/udp.ts";
import { DatagramTraffic } from "../server/udp_traffic.ts";
import type { ConnectIO } from "./connect.ts";
import { guardOutput } from "./output.ts";

/**
 * Runs connect -u to its end.
 *
 * @returns 0 once stdin has ended and the peer has been quiet for the idle time
 * @throws what failed: the lookup, the socket, a send, stdin or stdout; a TimeoutError when
 *   --idle-timeout was given and passed with stdin still open
 */
export async function connectUdp(command: UdpConnectCommand, io: ConnectIO): Promise<number> {
  const { reporter } = io;
  const { socket, remote, peer } = await dialUdp(command.target, {
    family: command.family,
    numeric: command.numeric,
    source: command.source,
  });
  const remoteText = formatAddress(remote.address, remote.port);
  reporter.event(
    "ready",
    { peer, remote: remoteText, local: formatAddress(socket.address, socket.port), udp: true },
    `sending to ${peer}${remoteText === peer ? "" : ` (${remoteText})`} over UDP`,
  );
  const traffic = new DatagramTraffic();
  const queue = new DatagramQueue();
  const dumpOut = command.hexdump && io.terminal ? new HexDumper(`> ${peer}`) : undefined;
  const dumpIn = command.hexdump && io.terminal ? new HexDumper(`< ${peer}`) : undefined;
  let inputEnded = false;
  let failed: { error: unknown } | undefined;
  let ignored = 0;
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => stop = resolve);
  const idle = new IdleTimer(command.idleTimeoutMs, () => stop(), {
    // With stdin still open, quiet is a person thinking, unless a time was given for it.
    busy: () => !inputEnded && !command.idleTimeoutGiven,
  });
  const fail = (error: unknown) => {
    failed ??= { error };
    stop();
  };
  socket.onDatagram = (data, from) => {
    if (!sameAddress(from, remote)) {
      ignored++;
      return;
    }
    idle.touch();
    traffic.received(data.length);
    queue.push(data);
  };
  socket.onError = (e) => fail(sendError(e, remote, 0));
  const input: ChunkSource = command.send === undefined
    ? io.input
    : oneDatagram(new TextEncoder().encode(command.send));
  const output = guardOutput(io.output);
  const sending = pumpDatagrams(input, (datagram) => {
    if (dumpOut) io.terminal!.write(dumpOut.dump(datagram));
    return socket.sendAsync(datagram, remote);
  }, {
    onDatagram: (datagram) => {
      idle.touch();
      traffic.sent(datagram.length);
    },
  }).then(() => {
    inputEnded = true;
    idle.touch();
  }, fail);
  const receiving = pumpDatagrams(queue, (datagram) => {
    if (dumpIn) io.terminal!.write(dumpIn.dump(datagram));
    return output.write(datagram);
  }).catch(fail);
  try {
    await stopped;
    socket.close();
    queue.end();
    // What was received before the end is still written.
    if (!failed) await receiving;
  } finally {
    idle.stop();
    socket.close();
    queue.end();
  }
  void sending;
  if (failed) {
    const { error } = failed;
    if (error instanceof OutputError && error.brokenPipe) {
      reporter.event(
        "output_closed",
        { peer, ...traffic.fields() },
        `output closed early (broken pipe) after ${formatBytes(traffic.bytesReceived)}; stopped`,
      );
      return 0;
    }
    throw error;
  }
  if (queue.dropped > 0) {
    reporter.event(
      "dropped",
      { peer, datagrams: queue.dropped },
      `dropped ${queue.dropped} datagrams from ${peer}: stdout was slower than they came`,
      true,
    );
  }
  if (!inputEnded) throw new TimeoutError("idle", command.idleTimeoutMs, peer);
  reporter.event(
    "closed",
    { peer, ...traffic.fields(), ...(ignored ? { ignored } : {}) },
    `done with ${peer}: ${traffic.describe()}` +
      (ignored ? `; ignored ${ignored} datagrams from other senders` : ""),
  );
  return 0;
}

/** A source of exactly one datagram (which may be empty). */
function oneDatagram(bytes: Uint8Array): ChunkSource {
  let done = false;
  return {
    next() {
      if (done) return Promise.resolve(null);
      done = true;
      return Promise.resolve(bytes);
    },
  };
}
