/**
 * @module
 * tcpkit as a library: the commands, the byte pump and the parsing behind the CLI.
 */
export {
  type Command,
  type ConnectCommand,
  parseCommandLine,
  type ServeCommand,
} from "./cli/args.ts";
export { formatDuration, parseDuration } from "./cli/duration.ts";
export { connect, type ConnectIO } from "./commands/connect.ts";
export { serve, type ServeIO } from "./commands/serve.ts";
export { ExitCode, TcpkitError, UsageError } from "./errors.ts";
export {
  bytesSource,
  type ChunkSink,
  type ChunkSource,
  connSink,
  readerSource,
  streamSink,
  streamSource,
  writerSink,
} from "./io/chunks.ts";
export { escapeBytes } from "./io/escape.ts";
export { pump, PumpError, type PumpOptions } from "./io/pump.ts";
export { formatAddress, type HostPort, parseHostPort, parsePort } from "./net/address.ts";
export { dial, type DialOptions } from "./net/dial.ts";
export { listen, type Listening } from "./net/listen.ts";
