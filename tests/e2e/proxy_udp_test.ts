/**
 * SOCKS5 UDP ASSOCIATE through `tcpkit proxy`, end to end on loopback: a python3 client of the
 * test's own (curl cannot associate) relays datagrams to `tcpkit serve -u --echo`; boundaries,
 * headers, the client-only rule, --deny-to, logins, IPv6, the end with the control connection
 * and with --idle-timeout, and a flood.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { memoryOf, Running, Server, TCPKIT } from "./_cli.ts";

/** `tcpkit proxy HOST:0 --json ARGS`, ready. */
function proxyServer(args: string[] = [], host = "127.0.0.1"): Promise<Server> {
  return Server.spawn([...TCPKIT, "proxy", `${host}:0`, "--json", ...args]);
}

/** `tcpkit serve -u HOST:0 -k --echo`, ready. */
function udpEcho(host = "127.0.0.1"): Promise<Server> {
  return Server.start(["-u", `${host}:0`, "-k", "--echo"]);
}

/** The association's log event, once the proxy has written it. */
async function associationEvent(proxy: Server): Promise<Record<string, unknown>> {
  const line = await proxy.stderr.waitFor(/^\{"event":"closed".*"protocol":"socks5-udp".*\}$/m);
  return JSON.parse(line[0]);
}

/**
 * A SOCKS5 UDP client in python3: `associate` (greeting, login, UDP ASSOCIATE, the reply),
 * `wrap`/`unwrap` (the RFC 1928 §7 header), `udp` (a socket bound on a loopback address), `out`
 * (one JSON line on stdout). `P` holds the test's parameters.
 */
const CLIENT = `import json, socket, struct, sys
P = json.loads(sys.argv[1])

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed")
        b += c
    return b

def addr_bytes(host, port):
    for atyp, family in ((1, socket.AF_INET), (4, socket.AF_INET6)):
        try:
            return bytes([atyp]) + socket.inet_pton(family, host) + struct.pack(">H", port)
        except OSError:
            pass
    name = host.encode()
    return b"\\x03" + bytes([len(name)]) + name + struct.pack(">H", port)

def read_addr(s):
    atyp = recv_exact(s, 1)[0]
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, recv_exact(s, 4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, recv_exact(s, 16))
    else:
        host = recv_exact(s, recv_exact(s, 1)[0]).decode()
    return host, struct.unpack(">H", recv_exact(s, 2))[0]

def associate(login=None, ask=("0.0.0.0", 0)):
    """(control connection, relay address), or (control connection, the reply's code)."""
    tcp = socket.create_connection((P["proxy"], P["port"]), timeout=10)
    tcp.sendall(bytes([5, 1, 2 if login else 0]))
    if recv_exact(tcp, 2)[1] == 0xFF:
        return tcp, "no acceptable method"
    if login:
        u, p = login[0].encode(), login[1].encode()
        tcp.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
        if recv_exact(tcp, 2)[1] != 0:
            return tcp, "login refused"
    tcp.sendall(bytes([5, 3, 0]) + addr_bytes(*ask))
    _, rep, _ = recv_exact(tcp, 3)
    bound = read_addr(tcp)
    return tcp, (bound if rep == 0 else rep)

def wrap(host, port, data, frag=0):
    return b"\\x00\\x00" + bytes([frag]) + addr_bytes(host, port) + data

def unwrap(d):
    atyp = d[3]
    if atyp == 1:
        host, at = socket.inet_ntop(socket.AF_INET, d[4:8]), 8
    elif atyp == 4:
        host, at = socket.inet_ntop(socket.AF_INET6, d[4:20]), 20
    else:
        host, at = d[5:5 + d[4]].decode(), 5 + d[4]
    port = struct.unpack(">H", d[at:at + 2])[0]
    return {"rsv": d[0:2].hex(), "frag": d[2], "atyp": atyp, "host": host, "port": port}, d[at + 2:]

def udp(host):
    u = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((host, 0))
    u.settimeout(10)
    return u

def pattern(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))

def out(**fields):
    print(json.dumps(fields), flush=True)
`;

/** Starts the client with `body` after {@linkcode CLIENT}, its stdin a pipe. */
function startClient(body: string, params: Record<string, unknown>): Running {
  return new Running(["python3", "-c", CLIENT + body, JSON.stringify(params)], { stdin: true });
}

/** Runs the client with `body` after {@linkcode CLIENT}; its JSON lines once it is done. */
async function client(
  body: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  await using py = startClient(body, params);
  return await linesOf(py);
}

async function linesOf(py: Running): Promise<Record<string, unknown>[]> {
  const { code, stdout, stderr } = await py.result(60_000);
  assertEquals(code, 0, stderr);
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

Deno.test("proxy relays UDP ASSOCIATE datagrams whole, each reply with the peer's header", async () => {
  await using proxy = await proxyServer();
  await using echo = await udpEcho();
  const lines = await client(
    `tcp, relay = associate()
out(relay=relay, control=tcp.getsockname()[0])
u = udp("127.0.0.1")
sizes = [1, 1000, 65497, 0, 3]
# Sent back to back before any is read: each must come back as one datagram of its own.
for i, n in enumerate(sizes):
    u.sendto(wrap("127.0.0.1", P["echo"], pattern(n, i)), relay)
for i, n in enumerate(sizes):
    d, src = u.recvfrom(70000)
    header, data = unwrap(d)
    out(header=header, ok=data == pattern(n, i), size=len(data), src=list(src))
u.sendto(wrap("localhost", P["echo"], b"by name"), relay)
d, _ = u.recvfrom(70000)
header, data = unwrap(d)
out(header=header, data=data.decode())
tcp.close()
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  const relay = lines[0].relay as [string, number];
  assertEquals(relay[0], "127.0.0.1");
  assert(relay[1] > 0 && relay[1] !== proxy.port);
  const header = { rsv: "0000", frag: 0, atyp: 1, host: "127.0.0.1", port: echo.port };
  assertEquals(
    lines.slice(1, 6),
    [1, 1000, 65497, 0, 3].map((size) => ({ header, ok: true, size, src: relay })),
  );
  // A name is resolved by the proxy; the reply names the address that answered.
  assertEquals(lines[6], { header, data: "by name" });
  const event = await associationEvent(proxy);
  assertEquals(event.end, "closed");
  assertEquals(event.datagrams_received, 6);
  assertEquals(event.datagrams_sent, 6);
  const bytes = 1 + 1000 + 65497 + 0 + 3 + "by name".length;
  assertEquals([event.bytes_received, event.bytes_sent], [bytes, bytes]);
  assertEquals(event.dropped, 0);
  assertEquals(event.relay, `127.0.0.1:${relay[1]}`);
  assert(typeof event.duration_ms === "number" && event.user === null);
});

Deno.test("proxy takes datagrams only from the client: another address or port, fragments and junk are dropped", async () => {
  await using proxy = await proxyServer();
  await using echo = await udpEcho();
  const lines = await client(
    `tcp, relay = associate()
u = udp("127.0.0.1")
u.sendto(wrap("127.0.0.1", P["echo"], b"first"), relay)
out(got=unwrap(u.recvfrom(70000)[0])[1].decode())
other_address = udp("127.0.0.2")
other_address.sendto(wrap("127.0.0.1", P["echo"], b"from 127.0.0.2"), relay)
other_port = udp("127.0.0.1")
other_port.sendto(wrap("127.0.0.1", P["echo"], b"from another port"), relay)
u.sendto(wrap("127.0.0.1", P["echo"], b"a fragment", frag=1), relay)
u.sendto(b"\\x00\\x00\\x00\\x09 junk", relay)
u.sendto(b"\\x05\\x01", relay)
u.sendto(wrap("127.0.0.1", P["echo"], b"last"), relay)
out(got=unwrap(u.recvfrom(70000)[0])[1].decode())
for s in (other_address, other_port):
    s.settimeout(0.3)
    try:
        out(leaked=s.recvfrom(70000)[0].hex())
    except socket.timeout:
        pass
tcp.close()
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  assertEquals(lines, [{ got: "first" }, { got: "last" }]);
  const event = await associationEvent(proxy);
  assertEquals(event.datagrams_received, 2);
  assertEquals(
    [event.dropped_foreign, event.dropped_fragments, event.dropped_malformed, event.dropped],
    [2, 1, 2, 5],
  );
  assertMatch(String(event.client), /^127\.0\.0\.1:\d+$/);
});

Deno.test("proxy holds a UDP ASSOCIATE to the port the request named", async () => {
  await using proxy = await proxyServer();
  await using echo = await udpEcho();
  const lines = await client(
    `named = udp("127.0.0.1")
tcp, relay = associate(ask=("127.0.0.1", named.getsockname()[1]))
first = udp("127.0.0.1")
first.sendto(wrap("127.0.0.1", P["echo"], b"not the named port"), relay)
named.sendto(wrap("127.0.0.1", P["echo"], b"the named port"), relay)
out(got=unwrap(named.recvfrom(70000)[0])[1].decode())
tcp.close()
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  assertEquals(lines, [{ got: "the named port" }]);
  assertEquals((await associationEvent(proxy)).dropped_foreign, 1);
});

Deno.test("proxy drops datagrams --deny-to refuses, on the address used, and says so once", async () => {
  await using allowed = await udpEcho();
  await using denied = await udpEcho();
  await using proxy = await proxyServer(["--deny-to", `127.0.0.0/8:${denied.port}`]);
  await using py = startClient(
    `tcp, relay = associate()
u = udp("127.0.0.1")
for target in ("127.0.0.1", "127.0.0.1", "localhost"):
    u.sendto(wrap(target, P["denied"], b"refused"), relay)
u.sendto(wrap("127.0.0.1", P["allowed"], b"permitted"), relay)
out(got=unwrap(u.recvfrom(70000)[0])[1].decode())
sys.stdin.readline()
tcp.close()
`,
    { proxy: "127.0.0.1", port: proxy.port, allowed: allowed.port, denied: denied.port },
  );
  // The datagram to a name waits for its lookup: the one to an address may overtake it.
  await proxy.stderr.waitFor(/"event":"denied".*"target":"localhost:/);
  await py.write("\n");
  assertEquals(await linesOf(py), [{ got: "permitted" }]);
  const event = await associationEvent(proxy);
  assertEquals([event.dropped_denied, event.datagrams_received], [3, 4]);
  // One line per destination refused, however many datagrams went to it.
  const told = proxy.stderr.text.split("\n").filter((l) => l.startsWith('{"event":"denied"'))
    .map((l) => JSON.parse(l));
  assertEquals(told.map((e) => [e.target, e.protocol]), [
    [`127.0.0.1:${denied.port}`, "socks5-udp"],
    [`localhost:${denied.port}`, "socks5-udp"],
  ]);
  assertMatch(told[1].reason, new RegExp(`^127\\.0\\.0\\.1:${denied.port} refused by --deny-to`));
});

Deno.test("proxy ends the association with its control connection: the relay port no longer answers", async () => {
  await using proxy = await proxyServer();
  await using echo = await udpEcho();
  await using py = startClient(
    `tcp, relay = associate()
u = udp("127.0.0.1")
u.connect(tuple(relay))
u.send(wrap("127.0.0.1", P["echo"], b"before"))
out(got=unwrap(u.recv(70000))[1].decode())
tcp.close()
out(closed=True)
sys.stdin.readline()
# The relay was closed: a datagram to it gets the ICMP port-unreachable, which a connected
# socket reports as refused. (Were it open, the echo would answer: then try again.)
u.settimeout(1)
for _ in range(20):
    try:
        u.send(wrap("127.0.0.1", P["echo"], b"after"))
        u.recv(70000)
    except ConnectionRefusedError:
        out(refused=True)
        break
    except socket.timeout:
        out(silent=True)
        break
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  await py.stdout.waitFor(/"closed": true/);
  const event = await associationEvent(proxy);
  assertEquals(event.end, "closed");
  await py.write("go\n");
  const { stdout, stderr } = await py.result();
  assertMatch(stdout, /"refused": true/, stderr);
});

Deno.test("proxy ends an association after --idle-timeout without a datagram, and closes its connection", async () => {
  await using proxy = await proxyServer(["--idle-timeout", "700ms"]);
  await using echo = await udpEcho();
  const lines = await client(
    `tcp, relay = associate()
u = udp("127.0.0.1")
u.sendto(wrap("127.0.0.1", P["echo"], b"x"), relay)
out(got=unwrap(u.recvfrom(70000)[0])[1].decode())
tcp.settimeout(20)
out(control=tcp.recv(10).decode())
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  assertEquals(lines, [{ got: "x" }, { control: "" }]);
  const event = await associationEvent(proxy);
  assertEquals(event.end, "idle-timeout");
  assertEquals(event.datagrams_sent, 1);
});

Deno.test("proxy asks the control connection of a UDP ASSOCIATE for --auth's login", async () => {
  await using proxy = await proxyServer(["--auth", "bob:s3cret"]);
  await using echo = await udpEcho();
  const lines = await client(
    `_, refused = associate(login=("bob", "wrong"))
out(refused=refused)
_, none = associate()
out(none=none)
tcp, relay = associate(login=("bob", "s3cret"))
u = udp("127.0.0.1")
u.sendto(wrap("127.0.0.1", P["echo"], b"logged in"), relay)
out(got=unwrap(u.recvfrom(70000)[0])[1].decode())
tcp.close()
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  assertEquals(lines[0], { refused: "login refused" });
  assertEquals(lines[1], { none: "no acceptable method" });
  assertEquals(lines[2], { got: "logged in" });
  const event = await associationEvent(proxy);
  assertEquals([event.user, event.end, event.datagrams_sent], ["bob", "closed", 1]);
});

Deno.test("proxy relays UDP over IPv6 (::1), to IPv6 and IPv4 destinations alike", async () => {
  await using proxy = await proxyServer([], "[::1]");
  await using echo6 = await udpEcho("[::1]");
  await using echo4 = await udpEcho();
  const lines = await client(
    `tcp, relay = associate(ask=("::", 0))
out(relay=relay)
u = udp("::1")
u.sendto(wrap("::1", P["echo6"], b"over IPv6"), relay)
header, data = unwrap(u.recvfrom(70000)[0])
out(header=header, data=data.decode())
u.sendto(wrap("127.0.0.1", P["echo4"], b"to IPv4"), relay)
header, data = unwrap(u.recvfrom(70000)[0])
out(header=header, data=data.decode())
tcp.close()
`,
    { proxy: "::1", port: proxy.port, echo6: echo6.port, echo4: echo4.port },
  );
  assertEquals((lines[0].relay as unknown[])[0], "::1");
  assertEquals(lines.slice(1), [
    {
      header: { rsv: "0000", frag: 0, atyp: 4, host: "::1", port: echo6.port },
      data: "over IPv6",
    },
    {
      header: { rsv: "0000", frag: 0, atyp: 1, host: "127.0.0.1", port: echo4.port },
      data: "to IPv4",
    },
  ]);
  const event = await associationEvent(proxy);
  assertEquals([event.destinations, event.datagrams_received], [2, 2]);
});

Deno.test("proxy will not relay UDP around its upstream --proxy: command not supported", async () => {
  await using proxy = await proxyServer(["--proxy", "socks5://127.0.0.1:1"]);
  const lines = await client(`out(reply=associate()[1])\n`, {
    proxy: "127.0.0.1",
    port: proxy.port,
  });
  assertEquals(lines, [{ reply: 7 }]);
  const line = await proxy.stderr.waitFor(/^\{"event":"closed".*\}$/m);
  assertMatch(JSON.parse(line[0]).reason, /not served through an upstream proxy/);
});

Deno.test("proxy stays bounded under a flood of datagrams and relays on afterwards", async () => {
  await using proxy = await proxyServer();
  await using echo = await udpEcho();
  await using py = startClient(
    `tcp, relay = associate()
u = udp("127.0.0.1")
u.sendto(wrap("127.0.0.1", P["echo"], b"warm"), relay)
out(warm=unwrap(u.recvfrom(70000)[0])[1].decode())
sys.stdin.readline()
u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
# Replies are not read during the flood: the kernel drops what does not fit.
payload = wrap("127.0.0.1", P["echo"], bytes(1400))
for _ in range(3):
    for _ in range(60000):
        u.sendto(payload, relay)
u.settimeout(0.05)
try:
    while True:
        u.recvfrom(70000)
except socket.timeout:
    pass
u.settimeout(2)
for i in range(20):
    u.sendto(wrap("127.0.0.1", P["echo"], b"after the flood"), relay)
    try:
        d = u.recvfrom(70000)[0]
    except socket.timeout:
        continue
    if unwrap(d)[1] == b"after the flood":
        out(got=True)
        break
tcp.close()
`,
    { proxy: "127.0.0.1", port: proxy.port, echo: echo.port },
  );
  await py.stdout.waitFor(/"warm"/);
  const before = await memoryOf(proxy.child.pid);
  await py.write("\n");
  assertEquals(await linesOf(py), [{ warm: "warm" }, { got: true }]);
  const after = await memoryOf(proxy.child.pid);
  const event = await associationEvent(proxy);
  assert(Number(event.datagrams_received) > 1000, JSON.stringify(event));
  // 180,000 datagrams of 1.4 KB (252 MB) went through or were dropped. Deno's node:dgram takes a
  // fresh 64 KiB buffer for each datagram received (serve -u --sink alone grew by about 70 MiB
  // under such a flood, until collected); what the association holds is bounded.
  const grown = (after.peak - before.rss) / 1024 / 1024;
  assert(grown < 160, `peak memory grew by ${grown.toFixed(1)} MiB: ${JSON.stringify(event)}`);
});
