/**
 * forward -u's server: a session per client address, each with a socket of its own toward the
 * target, so that the target's replies on that socket go back to that client (socat's
 * UDP-LISTEN,fork, without a process per client). A session ends after its idle time.
 */
import { formatAddress } from "../net/address.ts";
import type { Gate } from "../net/gate.ts";
import { sameAddress, type UdpAddress, UdpSocket, unmapped } from "../net/udp.ts";
import type { Reporter } from "../report.ts";
import { DatagramTraffic } from "./udp_traffic.ts";
import { UdpSessions } from "./udp_sessions.ts";

/** Options for {@linkcode runUdpForwarder}. */
export interface UdpForwarderOptions {
  /** The socket clients send to. */
  socket: UdpSocket;
  /** The target's resolved address. */
  target: UdpAddress;
  /** The target as the user named it, for logs. */
  targetText: string;
  /** A session with no datagram either way for this long ends. */
  idleTimeoutMs: number;
  /** The most sessions at once. */
  maxSessions: number;
  gate?: Gate;
  reporter: Reporter;
  /** Aborted on SIGTERM or SIGINT: no new session; the others get the drain time. */
  signal?: AbortSignal;
  /** How long sessions may go on after the signal. */
  drainMs: number;
}

/** One client's session. */
interface Session {
  peer: string;
  client: UdpAddress;
  traffic: DatagramTraffic;
  /** The socket toward the target, once bound. */
  upstream?: UdpSocket;
  /** Datagrams that came while the socket was being bound. */
  pending?: Uint8Array[];
  ended: boolean;
}

/** The most datagrams a session holds while its socket is being bound. */
const MAX_PENDING = 64;

/**
 * Forwards until the signal aborts, then drains.
 *
 * @returns 0 once stopped
 */
export async function runUdpForwarder(options: UdpForwarderOptions): Promise<number> {
  const { socket, target, reporter } = options;
  const upstreamFamily = target.address.includes(":") ? "::" : "0.0.0.0";
  let draining = false;
  let opened = 0;
  let denied = 0;
  let full = 0;
  let sendFailures = 0;
  const totals = new DatagramTraffic();
  const sessions = new UdpSessions<Session>({
    idleTimeoutMs: options.idleTimeoutMs,
    maxSessions: options.maxSessions,
    onEnd: (_key, session, why) => {
      session.ended = true;
      session.upstream?.close();
      if (reporter.shows()) {
        reporter.event(
          "closed",
          {
            peer: session.peer,
            target: options.targetText,
            reason: why,
            ...session.traffic.fields(),
          },
          `closed ${session.peer}${why === "idle" ? " (idle)" : ""}: ${session.traffic.describe()}`,
        );
      }
    },
  });

  // One callback for every send: a forwarder sends tens of thousands of datagrams a second.
  const sent = (e: Error | null) => {
    if (e) sendFailures++;
  };
  const toTarget = (session: Session, data: Uint8Array) => {
    session.traffic.received(data.length);
    totals.received(data.length);
    session.upstream!.send(data, target, sent);
  };

  const open = (key: string, client: UdpAddress, first: Uint8Array) => {
    const peer = formatAddress(unmapped(client.address), client.port);
    const session: Session = {
      peer,
      client,
      traffic: new DatagramTraffic(),
      pending: [first],
      ended: false,
    };
    sessions.add(key, session);
    opened++;
    reporter.event(
      "opened",
      { peer, target: options.targetText },
      `${peer} → ${options.targetText}`,
    );
    UdpSocket.bind(upstreamFamily, 0).then((upstream) => {
      if (session.ended) return upstream.close();
      session.upstream = upstream;
      upstream.onError = () => sessions.end(key, "stopped");
      upstream.onDatagram = (data, from) => {
        if (!sameAddress(from, target)) return;
        sessions.touch(key);
        session.traffic.sent(data.length);
        totals.sent(data.length);
        socket.send(data, session.client, sent);
      };
      const pending = session.pending!;
      session.pending = undefined;
      for (const datagram of pending) toTarget(session, datagram);
    }, (e) => {
      reporter.event(
        "error",
        { peer, message: e instanceof Error ? e.message : String(e) },
        `cannot forward ${peer}: ${e instanceof Error ? e.message : String(e)}`,
        true,
      );
      sessions.end(key, "stopped");
    });
  };

  socket.onDatagram = (data, from) => {
    // The session's key is cheap to make: it is made for every datagram.
    const key = `${from.address}|${from.port}`;
    const session = sessions.touch(key);
    if (session) {
      if (session.upstream) return toTarget(session, data);
      if (session.pending!.length < MAX_PENDING) session.pending!.push(data);
      return;
    }
    if (draining) return;
    if (options.gate && !options.gate.admits(from.address)) {
      denied++;
      return;
    }
    if (sessions.full) {
      full++;
      return;
    }
    open(key, from, data);
  };

  let fatal: unknown;
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => stop = resolve);
  socket.onError = (e) => {
    fatal ??= e;
    stop();
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", () => stop(), { once: true });
  await stopped;
  draining = true;
  let cut = 0;
  if (!fatal && sessions.size > 0 && options.drainMs > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      sessions.emptied(),
      new Promise<void>((resolve) => timer = setTimeout(resolve, options.drainMs)),
    ]);
    clearTimeout(timer);
  }
  cut = sessions.size;
  sessions.endAll("stopped");
  socket.close();
  if (fatal) throw fatal;
  const extra = [
    denied ? `denied ${denied} datagrams by --allow/--deny` : "",
    full ? `dropped ${full} datagrams of new clients past --max-conns` : "",
    sendFailures ? `${sendFailures} datagrams failed to send` : "",
    cut ? `${cut} sessions still open at the end of the drain, closed` : "",
  ].filter(Boolean).join("; ");
  reporter.event(
    "stopped",
    {
      sessions: opened,
      ...totals.fields(),
      denied,
      dropped: full,
      send_failures: sendFailures,
      cut,
    },
    `stopped: ${opened} session${opened === 1 ? "" : "s"}, ${totals.describe()}` +
      (extra ? `; ${extra}` : ""),
    true,
  );
  return 0;
}
