/**
 * @module
 * tcpkit as a library: the commands behind the CLI, the endpoints they dial and listen on, the
 * one two-way byte pump, the pure protocol rules, and the typed errors with their words.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeError, parseCommandLine, parseEndpoint } from "./mod.ts";
 * assertEquals(parseEndpoint("unix:/tmp/app.sock"), { kind: "unix", path: "/tmp/app.sock", tls: false });
 * assertEquals(parseCommandLine(["connect", "localhost", "ssh"]).command, "connect");
 * try {
 *   parseCommandLine(["connect", "localhost:70000"]);
 * } catch (e) {
 *   assertEquals(describeError(e).exitCode, 2);
 * }
 * ```
 */
export {
  type AccessArgs,
  type CheckCommand,
  type CheckFormat,
  type Command,
  type ConnectCommand,
  type ForwardCommand,
  type GreetCommand,
  type LookupArgs,
  parseCommandLine,
  type ProxyArgs,
  type ProxyCommand,
  type ReportOptions,
  type ServeCommand,
  type ServeMode,
  type TlsClientArgs,
  type TlsServerArgs,
  UDP_PROBES,
  type UdpCheckArgs,
  type UdpConnectCommand,
  type UdpForwardCommand,
  type UdpProbeName,
  type UdpServeCommand,
  type UdpServeMode,
} from "./cli/args.ts";
export { parseDuration } from "./cli/duration.ts";
export { type HttpArgs, parseHeader } from "./cli/http_args.ts";
export {
  type HttpAnswerFacts,
  type HttpExpectations,
  type HttpVerdict,
  httpVerdict,
  parseExpect,
  type StatusExpectation,
} from "./check/expect.ts";
export {
  type HttpAnswer,
  httpExchange,
  type HttpExchangeOptions,
  type HttpRequest,
} from "./net/http_probe.ts";
export { type HttpTarget, parseHttpTarget } from "./net/http_target.ts";
export { check, type CheckIO } from "./commands/check.ts";
export { connect, type ConnectIO } from "./commands/connect.ts";
export { forward, type ForwardIO } from "./commands/forward.ts";
export { greet, type GreetIO } from "./commands/greet.ts";
export { serve, type ServeIO } from "./commands/serve.ts";
export {
  type Described,
  describeError,
  ExitCode,
  HttpError,
  type HttpFailure,
  httpText,
  InputError,
  NetError,
  type NetErrorOptions,
  type NetFailure,
  OutputError,
  ResolveError,
  type ResolveFailure,
  TcpkitError,
  TimeoutError,
  type TimeoutKind,
  TlsError,
  type TlsFailure,
  tlsText,
  UndeliveredError,
  UsageError,
} from "./errors.ts";
export { formatBytes, formatDuration, formatRate } from "./format.ts";
export {
  bytesSource,
  type ChunkSink,
  type ChunkSource,
  connSink,
  type ConnSinkOptions,
  connSource,
  type Reader,
  readerSource,
  type ReaderSourceOptions,
  streamSink,
  streamSource,
  type Writer,
  writerSink,
} from "./io/chunks.ts";
export {
  duplex,
  type DuplexFailure,
  type DuplexOptions,
  type DuplexResult,
  type End,
  failureOf,
  type Leg,
} from "./io/duplex.ts";
export { escapeBytes, type EscapeOptions, escapeText } from "./io/escape.ts";
export { pump, PumpError, type PumpOptions } from "./io/pump.ts";
export {
  formatAddress,
  type HostPort,
  parseHostPort,
  parsePort,
  type ParsePortOptions,
} from "./net/address.ts";
export {
  type CertificateFacts,
  generateCertificate,
  type GenerateCertificateOptions,
  type GeneratedCertificate,
} from "./net/certs.ts";
export { dial, type Dialed, type DialOptions } from "./net/dial.ts";
export {
  type Endpoint,
  type EndpointOptions,
  formatEndpoint,
  type ListenEndpoint,
  parseEndpoint,
  parseListenEndpoint,
  type TcpEndpoint,
  type TcpListenEndpoint,
  type UdpEndpoint,
  type UnixEndpoint,
} from "./net/endpoint.ts";
export { type Cidr, Gate, type GateOptions, parseCidr } from "./net/gate.ts";
export { parseProxyUrl, type ProxyProtocol, type ProxyUrl } from "./net/proxy_url.ts";
export { PROXY_ENV_NAMES, type ProxyChoice, type ProxyEnv, proxyFor } from "./net/proxy_env.ts";
export { type DestinationRule, Destinations, parseDestinationRule } from "./net/destinations.ts";
export { listen, type Listening, type ListenOptions } from "./net/listen.ts";
export { parseTargets, type Target } from "./net/targets.ts";
export {
  startTls,
  type TlsClientOptions,
  type TlsConnection,
  type TlsServerOptions,
  type TlsSession,
} from "./net/tls.ts";
export {
  identifyProtocol,
  type Protocol,
  type ProtocolName,
  PROTOCOLS,
} from "./protocol/banner.ts";
export {
  encodeProxyHeader,
  type ParsedProxyHeader,
  parseProxyHeader,
  type ProxyPeer,
} from "./protocol/proxy.ts";
export {
  StartTlsClient,
  type StartTlsOptions,
  type StartTlsProtocol,
  type StartTlsStep,
} from "./protocol/starttls.ts";
export {
  buildDnsQuery,
  type DnsParse,
  type DnsQueryOptions,
  type DnsReply,
  parseDnsReply,
} from "./protocol/dns.ts";
export {
  buildNtpRequest,
  type NtpParse,
  type NtpReply,
  type NtpTimestamp,
  parseNtpReply,
} from "./protocol/ntp.ts";
export {
  buildSnmpGet,
  parseSnmpResponse,
  type SnmpParse,
  type SnmpReply,
} from "./protocol/snmp.ts";
export { createReporter, type EventFields, type Reporter, StderrLines, Traffic } from "./report.ts";
