/** Datagrams and bytes each way on one UDP session, for its log line and its JSON event. */
import { formatBytes, formatDuration, formatRate, round } from "../format.ts";
import type { EventFields } from "../report.ts";

/** What one UDP session moved, counted as it flows. */
export class DatagramTraffic {
  /** Datagrams sent to the peer. */
  datagramsSent = 0;
  /** Datagrams received from the peer. */
  datagramsReceived = 0;
  /** Bytes sent to the peer. */
  bytesSent = 0;
  /** Bytes received from the peer. */
  bytesReceived = 0;
  /** When the session started, on `performance.now()`'s clock. */
  readonly startedAt: number = performance.now();

  /** Counts a datagram of `size` bytes sent. */
  sent(size: number): void {
    this.datagramsSent++;
    this.bytesSent += size;
  }

  /** Counts a datagram of `size` bytes received. */
  received(size: number): void {
    this.datagramsReceived++;
    this.bytesReceived += size;
  }

  /** The numbers for a JSON event. */
  fields(): EventFields {
    const ms = performance.now() - this.startedAt;
    return {
      datagrams_sent: this.datagramsSent,
      datagrams_received: this.datagramsReceived,
      bytes_sent: this.bytesSent,
      bytes_received: this.bytesReceived,
      duration_ms: round(ms),
    };
  }

  /**
   * The numbers for a person: `received 3 datagrams (120 B), sent 3 (120 B) in 2.01 s`, with the
   * rate when `rate` is set.
   */
  describe(rate = false): string {
    const ms = performance.now() - this.startedAt;
    const parts = [
      `received ${plural(this.datagramsReceived)} (${formatBytes(this.bytesReceived)})`,
      `sent ${this.datagramsSent} (${formatBytes(this.bytesSent)})`,
    ].join(", ");
    const per = rate
      ? `, ${Math.round((this.datagramsReceived * 1000) / Math.max(ms, 1))} datagrams/s, ${
        formatRate(this.bytesReceived, ms)
      }`
      : "";
    return `${parts} in ${formatDuration(ms)}${per}`;
  }
}

function plural(n: number): string {
  return `${n} datagram${n === 1 ? "" : "s"}`;
}
