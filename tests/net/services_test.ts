import { assertEquals } from "@std/assert";
import { portName, serviceNamePort } from "../../lib/net/services.ts";

Deno.test("serviceNamePort() knows the common TCP services by their /etc/services names", () => {
  const expected: Record<string, number> = {
    "echo": 7,
    "discard": 9,
    "daytime": 13,
    "ftp-data": 20,
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "gopher": 70,
    "finger": 79,
    "http": 80,
    "kerberos": 88,
    "pop3": 110,
    "sunrpc": 111,
    "ident": 113,
    "auth": 113,
    "nntp": 119,
    "ntp": 123,
    "netbios-ssn": 139,
    "imap": 143,
    "snmp": 161,
    "bgp": 179,
    "ldap": 389,
    "https": 443,
    "microsoft-ds": 445,
    "submissions": 465,
    "smtps": 465,
    "syslog": 514,
    "printer": 515,
    "submission": 587,
    "ipp": 631,
    "ldaps": 636,
    "rsync": 873,
    "ftps": 990,
    "imaps": 993,
    "pop3s": 995,
    "socks": 1080,
    "openvpn": 1194,
    "mssql": 1433,
    "oracle": 1521,
    "pptp": 1723,
    "mqtt": 1883,
    "nfs": 2049,
    "docker": 2375,
    "docker-tls": 2376,
    "mysql": 3306,
    "rdp": 3389,
    "svn": 3690,
    "sip": 5060,
    "postgresql": 5432,
    "amqp": 5672,
    "vnc": 5900,
    "x11": 6000,
    "redis": 6379,
    "irc": 6667,
    "http-alt": 8080,
    "https-alt": 8443,
    "memcache": 11211,
    "mongodb": 27017,
  };
  for (const [name, port] of Object.entries(expected)) {
    assertEquals(serviceNamePort(name), port, name);
  }
});

Deno.test("serviceNamePort() knows common aliases", () => {
  assertEquals(serviceNamePort("www"), 80);
  assertEquals(serviceNamePort("postgres"), 5432);
  assertEquals(serviceNamePort("imap2"), 143);
  assertEquals(serviceNamePort("webcache"), 8080);
  assertEquals(serviceNamePort("memcached"), 11211);
});

Deno.test("serviceNamePort() matches a name without regard to case", () => {
  assertEquals(serviceNamePort("SSH"), 22);
  assertEquals(serviceNamePort("PostgreSQL"), 5432);
});

Deno.test("serviceNamePort() knows no numbers, blanks or unknown names", () => {
  for (const name of ["22", "", " ssh", "ssh ", "no-such-service", "constructor", "__proto__"]) {
    assertEquals(serviceNamePort(name), undefined, name);
  }
});

Deno.test("portName() names a port by its /etc/services name", () => {
  assertEquals(portName(22), "ssh");
  assertEquals(portName(80), "http");
  assertEquals(portName(113), "auth");
  assertEquals(portName(143), "imap");
  assertEquals(portName(5432), "postgresql");
  assertEquals(portName(8080), "http-alt");
});

Deno.test("portName() knows no port outside the table", () => {
  for (const port of [0, 1, 9090, 40000, 65535, 65536, -1, 22.5]) {
    assertEquals(portName(port), undefined, String(port));
  }
});

Deno.test("portName() gives a name that serviceNamePort() takes back to the same port", () => {
  for (let port = 1; port <= 65535; port++) {
    const name = portName(port);
    if (name !== undefined) assertEquals(serviceNamePort(name), port, name);
  }
});
