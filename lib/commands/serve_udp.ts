/** `tcpkit serve -u`: bind a UDP port and serve its senders in the chosen mode. */
import type { UdpServeCommand } from "../cli/args.ts";
import { HexDumper } from "../io/hexdump.ts";
import { serialSink } from "../io/serial.ts";
import { Gate } from "../net/gate.ts";
import { listenUdp } from "../net/udp.ts";
import { runUdpServer, type UdpMode } from "../server/udp_serve.ts";
import { guardOutput } from "./output.ts";
import type { ServeIO } from "./serve.ts";

/** The most senders serve -u -k keeps track of when --max-conns does not say. */
export const UDP_MAX_SENDERS = 100_000;

const encoder = new TextEncoder();

/**
 * Runs serve -u until its one sender is done, or with -k until the signal aborts.
 *
 * @returns the exit code
 * @throws what binding failed with, or (without -k) what the session failed with
 */
export async function serveUdp(command: UdpServeCommand, io: ServeIO): Promise<number> {
  const { reporter } = io;
  const listening = await listenUdp(command.listen);
  const gate = command.access.allow.length + command.access.deny.length > 0
    ? new Gate({ allow: command.access.allow, deny: command.access.deny })
    : undefined;
  reporter.event(
    "listening",
    {
      address: listening.address,
      port: listening.port,
      udp: true,
      ...(gate ? { access: gate.describe() } : {}),
    },
    `listening on ${listening.address} (UDP)${listening.scope ? ` ${listening.scope}` : ""}` +
      (gate ? `; ${gate.describe()}` : ""),
    true,
  );
  io.onListening?.(listening.address, listening.port);
  const write = io.dump;
  try {
    return await runUdpServer({
      socket: listening.socket,
      mode: modeOf(command),
      keepOpen: command.keepOpen,
      idleTimeoutMs: command.idleTimeoutMs,
      input: io.input,
      output: guardOutput(serialSink(io.output)),
      reporter,
      gate,
      maxSessions: command.access.maxConns ?? UDP_MAX_SENDERS,
      // A fresh dumper a datagram: each starts at offset 0, as each is a message of its own.
      dump: command.hexdump && write
        ? (peer, direction, datagram) => write(new HexDumper(`${direction} ${peer}`).dump(datagram))
        : undefined,
      signal: io.signal,
    });
  } finally {
    listening.socket.close();
  }
}

function modeOf(command: UdpServeCommand): UdpMode {
  const { mode } = command;
  switch (mode.kind) {
    case "stdio":
      return { kind: "stdio", label: command.label };
    case "reply":
      return { kind: "reply", reply: encoder.encode(mode.text) };
    default:
      return mode;
  }
}
