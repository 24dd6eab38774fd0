/**
 * serve -u's server: one socket, a gate, a session per sender (UDP's stand-in for a connection),
 * and one handler per mode (stdout, echo, sink, reply). Without -k the first sender is the one
 * peer, as with nc -u -l; with -k every sender is served.
 */
import type { ChunkSink, ChunkSource } from "../io/chunks.ts";
import { DatagramQueue, pumpDatagrams } from "../io/datagram_pump.ts";
import { formatAddress } from "../net/address.ts";
import type { Gate } from "../net/gate.ts";
import { sendError, type UdpAddress, type UdpSocket, unmapped } from "../net/udp.ts";
import type { Reporter } from "../report.ts";
import { shownLines } from "./reply.ts";
import { DatagramTraffic } from "./udp_traffic.ts";
import { UdpSessions } from "./udp_sessions.ts";

/** One sender. */
export interface UdpSender {
  /** `127.0.0.1:5000`, `[::1]:5000`. */
  peer: string;
  /** Where to answer. */
  address: UdpAddress;
  /** What moved. */
  traffic: DatagramTraffic;
}

/** What a mode does with each datagram. */
export type UdpMode =
  | { kind: "stdio"; label: boolean }
  | { kind: "echo" }
  | { kind: "sink" }
  | { kind: "reply"; reply: Uint8Array };

/** Options for {@linkcode runUdpServer}. */
export interface UdpServerOptions {
  socket: UdpSocket;
  mode: UdpMode;
  /** Serve every sender (-k), not only the first. */
  keepOpen: boolean;
  /** A sender silent this long is gone; without -k, the end once stdin has ended. */
  idleTimeoutMs: number;
  /** Stdin, one datagram a chunk (stdio mode). */
  input: ChunkSource;
  /** Stdout. */
  output: ChunkSink;
  reporter: Reporter;
  gate?: Gate;
  /** The most senders at once. */
  maxSessions: number;
  /** Each datagram as a hex dump (`-x`): `>` sent, `<` received. */
  dump?: (peer: string, direction: ">" | "<", datagram: Uint8Array) => void;
  /** Aborted on SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();

/**
 * Serves until the one sender is done (without -k: stdin ended and the idle time passed, or the
 * reply sent) or the signal aborts.
 *
 * @returns 0
 * @throws what stdout, stdin or the socket failed with
 */
export async function runUdpServer(options: UdpServerOptions): Promise<number> {
  const { socket, mode, reporter, keepOpen } = options;
  const totals = new DatagramTraffic();
  const queue = new DatagramQueue();
  let peerKnown = () => {};
  const known = new Promise<void>((resolve) => peerKnown = resolve);
  let senders = 0;
  let ignored = 0;
  let denied = 0;
  let full = 0;
  let only: UdpSender | undefined;
  let inputEnded = mode.kind !== "stdio";
  let failed: { error: unknown } | undefined;
  let finish = () => {};
  let finished = new Promise<void>((resolve) => finish = resolve);
  const fail = (error: unknown) => {
    failed ??= { error };
    finish();
  };

  const sessions = new UdpSessions<UdpSender>({
    idleTimeoutMs: options.idleTimeoutMs,
    // Without -k the one peer's session is never full; with -k the table is bounded.
    maxSessions: keepOpen ? options.maxSessions : 1,
    onEnd: (_key, sender, why) => {
      // Without -k, the one peer's quiet ends the server once stdin has ended; before that,
      // quiet is waited out again.
      if (!keepOpen && why === "idle" && !inputEnded) return finish();
      reporter.event(
        "ended",
        { peer: sender.peer, reason: why, ...sender.traffic.fields() },
        `${sender.peer}: ${sender.traffic.describe(mode.kind === "sink")}`,
      );
      if (!keepOpen) finish();
    },
  });

  const answer = (sender: UdpSender, data: Uint8Array): Promise<void> => {
    options.dump?.(sender.peer, ">", data);
    sender.traffic.sent(data.length);
    totals.sent(data.length);
    return new Promise((resolve) => {
      socket.send(data, sender.address, (e) => {
        // With -k one sender's failure is its own; without, it ends the server.
        if (e && keepOpen) {
          reporter.event(
            "send_failed",
            { peer: sender.peer, reason: e.message },
            `cannot answer ${sender.peer}: ${e.message}`,
          );
        } else if (e) fail(sendError(e, sender.address, data.length));
        resolve();
      });
    });
  };

  socket.onError = fail;
  socket.onDatagram = (data, from) => {
    const key = formatAddress(unmapped(from.address), from.port);
    let sender = sessions.touch(key);
    if (!sender) {
      if (!keepOpen && only !== undefined) {
        ignored++;
        return;
      }
      if (options.gate && !options.gate.admits(from.address)) {
        denied++;
        return;
      }
      if (sessions.full) {
        full++;
        return;
      }
      sender = { peer: key, address: from, traffic: new DatagramTraffic() };
      sessions.add(key, sender);
      senders++;
      if (only === undefined) {
        only = sender;
        peerKnown();
      }
      reporter.event("heard", { peer: key }, `heard from ${key}`, false);
    }
    sender.traffic.received(data.length);
    totals.received(data.length);
    options.dump?.(sender.peer, "<", data);
    switch (mode.kind) {
      case "stdio":
        reporter.event(
          "datagram",
          { peer: sender.peer, bytes: data.length },
          `${data.length} B from ${sender.peer}`,
        );
        queue.push(mode.label ? encoder.encode(shownLines(sender.peer, data)) : data);
        return;
      case "echo":
        void answer(sender, data);
        return;
      case "sink":
        return;
      case "reply": {
        queue.push(encoder.encode(shownLines(sender.peer, data)));
        const sent = answer(sender, mode.reply);
        if (!keepOpen) void sent.then(finish);
        return;
      }
    }
  };

  // Stdout: datagrams, in order, each whole.
  const writing = pumpDatagrams(queue, (d) => options.output.write(d)).catch(fail);

  // Stdin: without -k to the one peer once it is known; with -k to every sender still heard.
  if (mode.kind === "stdio") {
    (async () => {
      try {
        if (!keepOpen) await known;
        await pumpDatagrams(options.input, (datagram) => {
          if (!keepOpen) {
            void answer(only!, datagram);
            sessions.touch(only!.peer);
          } else {
            for (const [, sender] of sessions.sessions()) void answer(sender, datagram);
          }
          return Promise.resolve();
        });
        inputEnded = true;
      } catch (e) {
        fail(e);
      }
    })();
  }

  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  for (;;) {
    await Promise.race([finished, aborted]);
    if (failed || options.signal?.aborted || keepOpen || inputEnded || mode.kind === "reply") {
      break;
    }
    // The peer went quiet with stdin still open: it stays the peer, and quiet is waited again.
    sessions.add(only!.peer, only!);
    finished = new Promise<void>((resolve) => finish = resolve);
  }
  socket.close();
  sessions.endAll("stopped");
  queue.end();
  if (!failed) await writing;
  if (failed) throw failed.error;
  const extra = [
    ignored ? `ignored ${ignored} datagrams from other senders` : "",
    denied ? `denied ${denied} datagrams by --allow/--deny` : "",
    full ? `dropped ${full} datagrams of new senders past --max-conns` : "",
    queue.dropped ? `dropped ${queue.dropped} datagrams: stdout was slower than they came` : "",
  ].filter(Boolean).join("; ");
  reporter.event(
    "stopped",
    {
      senders,
      ...totals.fields(),
      ignored,
      denied,
      dropped: queue.dropped + full,
    },
    `stopped: ${senders} sender${senders === 1 ? "" : "s"}, ${
      totals.describe(mode.kind === "sink")
    }` +
      (extra ? `; ${extra}` : ""),
    options.signal?.aborted || keepOpen || extra !== "" || mode.kind === "sink",
  );
  return 0;
}
