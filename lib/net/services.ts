/** Service names as ports, as nc takes them (`ssh`, `https`): an embedded table of TCP services. */

/**
 * The common TCP services: a port, then its name as /etc/services spells it, then aliases.
 * Embedded rather than read from /etc/services because a distroless image has none, and a
 * target such as `host:https` must mean the same everywhere. Where two services share a port,
 * the first row is the one {@linkcode portName} shows.
 */
const SERVICES: readonly (readonly [number, string, ...string[]])[] = [
  [7, "echo"],
  [9, "discard", "sink", "null"],
  [11, "systat", "users"],
  [13, "daytime"],
  [15, "netstat"],
  [17, "qotd", "quote"],
  [19, "chargen", "ttytst", "source"],
  [20, "ftp-data"],
  [21, "ftp"],
  [22, "ssh"],
  [23, "telnet"],
  [25, "smtp", "mail"],
  [37, "time", "timserver"],
  [43, "whois", "nicname"],
  [49, "tacacs"],
  [53, "domain", "dns"],
  [70, "gopher"],
  [79, "finger"],
  [80, "http", "www", "www-http"],
  [88, "kerberos", "kerberos5", "krb5", "kerberos-sec"],
  [102, "iso-tsap", "tsap"],
  [110, "pop3", "pop-3"],
  [111, "sunrpc", "portmapper", "rpcbind"],
  [113, "auth", "ident", "authentication", "tap"],
  [119, "nntp", "readnews", "untp"],
  [123, "ntp"],
  [135, "epmap", "loc-srv"],
  [139, "netbios-ssn"],
  [143, "imap", "imap2"],
  [161, "snmp"],
  [162, "snmp-trap", "snmptrap"],
  [179, "bgp"],
  [389, "ldap"],
  [443, "https"],
  [445, "microsoft-ds", "smb"],
  [464, "kpasswd"],
  [465, "submissions", "smtps", "ssmtp", "urd"],
  [512, "exec"],
  [513, "login"],
  [514, "syslog", "shell", "cmd"],
  [515, "printer", "spooler"],
  [540, "uucp", "uucpd"],
  [543, "klogin"],
  [544, "kshell", "krcmd"],
  [548, "afpovertcp", "afp"],
  [554, "rtsp"],
  [563, "nntps", "snntp"],
  [587, "submission"],
  [631, "ipp"],
  [636, "ldaps"],
  [749, "kerberos-adm"],
  [853, "domain-s", "dns-over-tls"],
  [873, "rsync"],
  [989, "ftps-data"],
  [990, "ftps"],
  [992, "telnets"],
  [993, "imaps"],
  [995, "pop3s"],
  [1080, "socks"],
  [1194, "openvpn"],
  [1433, "ms-sql-s", "mssql"],
  [1434, "ms-sql-m"],
  [1521, "oracle", "ncube-lm"],
  [1723, "pptp"],
  [1883, "mqtt"],
  [2049, "nfs"],
  [2181, "zookeeper"],
  [2375, "docker"],
  [2376, "docker-tls", "docker-s"],
  [2379, "etcd-client", "etcd"],
  [2380, "etcd-server"],
  [3260, "iscsi-target", "iscsi"],
  [3306, "mysql"],
  [3389, "ms-wbt-server", "rdp"],
  [3690, "svn"],
  [4369, "epmd"],
  [5060, "sip"],
  [5061, "sip-tls", "sips"],
  [5222, "xmpp-client"],
  [5269, "xmpp-server"],
  [5432, "postgresql", "postgres"],
  [5671, "amqps"],
  [5672, "amqp"],
  [5900, "rfb", "vnc"],
  [5984, "couchdb"],
  [6000, "x11", "x11-0"],
  [6379, "redis"],
  [6667, "irc", "ircd"],
  [6697, "ircs-u", "ircs"],
  [8080, "http-alt", "webcache"],
  [8443, "https-alt"],
  [8883, "secure-mqtt", "mqtts"],
  [9092, "kafka"],
  [9200, "elasticsearch"],
  [9418, "git"],
  [11211, "memcache", "memcached"],
  [27017, "mongodb"],
];

let byName: Map<string, number> | undefined;
let byPort: Map<number, string> | undefined;

/**
 * The port of a TCP service name, or undefined for a name not in the table. Names are matched
 * without regard to case (`SSH` is `ssh`); numbers are not names.
 *
 * @param name a service name or alias, such as `ssh`, `https` or `postgres`
 * @returns the port, from 1 to 65535, or undefined
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serviceNamePort } from "./services.ts";
 * assertEquals(serviceNamePort("https"), 443);
 * assertEquals(serviceNamePort("postgres"), 5432);
 * assertEquals(serviceNamePort("no-such-service"), undefined);
 * ```
 */
export function serviceNamePort(name: string): number | undefined {
  byName ??= new Map(SERVICES.flatMap(([port, ...names]) => names.map((n) => [n, port])));
  return byName.get(name.toLowerCase());
}

/**
 * The service name of a TCP port, for display (`22` → `ssh`), or undefined for a port not in
 * the table.
 *
 * @param port a port number
 * @returns the service's /etc/services name, or undefined
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { portName } from "./services.ts";
 * assertEquals(portName(22), "ssh");
 * assertEquals(portName(9), "discard");
 * assertEquals(portName(40000), undefined);
 * ```
 */
export function portName(port: number): string | undefined {
  byPort ??= new Map(SERVICES.map(([port, name]) => [port, name]));
  return byPort.get(port);
}
