/**
 * docs/json.md cannot drift from the code: each command runs with --json through the cases that
 * make each of its events, and every event and field seen must be listed there.
 */
import { assert, assertEquals } from "@std/assert";
import { makeTestCertificates } from "../_certs.ts";
import { bash, freePort, Running, Server, TCPKIT, tcpkit, TCPKIT_SH, tempDir } from "./_cli.ts";

const DOC = new URL("../../docs/json.md", import.meta.url);

/** The events docs/json.md lists, by section (a command, or "any"), with their fields. */
async function documented(): Promise<Map<string, Map<string, Set<string>>>> {
  const text = await Deno.readTextFile(DOC);
  const sections = new Map<string, Map<string, Set<string>>>();
  let current: Map<string, Set<string>> | undefined;
  for (const line of text.split("\n")) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = new Map();
      sections.set(heading[1] === "Any command" ? "any" : heading[1], current);
      continue;
    }
    const row = /^\| `(\w+)` +\|([^|]*)\|/.exec(line);
    if (!row || !current) continue;
    const cell = row[2];
    const sameAs = /as (\w+)'s/.exec(cell);
    const fields = sameAs
      ? sections.get(sameAs[1])?.get(row[1]) ?? new Set<string>()
      : new Set([...cell.matchAll(/`(\w+)`/g)].map((m) => m[1]));
    current.set(row[1], new Set([...(current.get(row[1]) ?? []), ...fields]));
  }
  return sections;
}

/** Every JSON object in a stream's text. */
function objects(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
}

/** What each command was seen to write, by command: event → fields. */
const seen = new Map<string, Map<string, Set<string>>>();

function record(command: string, ...texts: string[]): void {
  const events = seen.get(command) ?? new Map<string, Set<string>>();
  seen.set(command, events);
  for (const object of texts.flatMap(objects)) {
    assert(
      typeof object.event === "string",
      `an object without "event": ${JSON.stringify(object)}`,
    );
    const fields = events.get(object.event as string) ?? new Set<string>();
    for (const key of Object.keys(object)) if (key !== "event") fields.add(key);
    events.set(object.event as string, fields);
  }
}

Deno.test("docs/json.md lists every event and field that serve, connect, greet, forward and check write", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/certs`);
  const certs = await makeTestCertificates(`${dir.path}/certs`);

  // serve --echo -k, with a client that resets, one denied, the summary; connect to it.
  {
    await using server = await Server.start([
      "127.0.0.1:0",
      "--echo",
      "-k",
      "--json",
      "--deny",
      "127.0.0.9",
    ]);
    const connected = await tcpkit([
      "connect",
      `127.0.0.1:${server.port}`,
      "--json",
      "--send",
      "x",
    ]);
    record("connect", connected.stderr);
    await bash(`printf x | nc -N -s 127.0.0.9 127.0.0.1 ${server.port} || true`);
    await bash(`python3 -c "
import socket, struct
s = socket.create_connection(('127.0.0.1', ${server.port})); s.sendall(b'x' * 100000)
s.recv(1)  # accepted and echoing: then the reset
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()"`);
    await server.stderr.waitFor(/"event":"denied"/);
    // The reset client's session fails on its own; a shutdown before that would close it quietly.
    await server.stderr.waitFor(/"event":"error"/);
    server.kill("SIGTERM");
    record("serve", (await server.result()).stderr);
  }
  // serve --greet and --reply, --max-conns, --tls (the generated certificate).
  {
    await using greet = await Server.start(["127.0.0.1:0", "--greet", "--json"]);
    const dialogue = await tcpkit(["greet", `127.0.0.1:${greet.port}`, "--name", "A", "--json"]);
    record("greet", dialogue.stdout, dialogue.stderr);
    record("serve", (await greet.result()).stderr);
    await using reply = await Server.start(["127.0.0.1:0", "--reply", "ok", "--json"]);
    await tcpkit(["connect", `127.0.0.1:${reply.port}`, "--send", "hi\xff"]);
    record("serve", (await reply.result()).stderr);
    await using tls = await Server.start([
      "127.0.0.1:0",
      "--tls",
      "--sink",
      "--json",
      "--max-conns",
      "1",
    ]);
    const fingerprint = (await tls.stderr.waitFor(/"fingerprint":"([^"]+)"/))[1];
    await using held = new Running(
      [...TCPKIT, "connect", "--tls", "--pin", fingerprint, `127.0.0.1:${tls.port}`],
      { stdin: true },
    );
    await using waiting = new Running(
      [...TCPKIT, "connect", "--tls", "--pin", fingerprint, `127.0.0.1:${tls.port}`],
      { stdin: true },
    );
    await tls.stderr.waitFor(/"event":"max_conns"/);
    await held.closeStdin();
    await waiting.closeStdin();
    await Promise.all([held.result(), waiting.result()]);
    tls.kill("SIGTERM");
    record("serve", (await tls.result()).stderr);
  }
  // connect over TLS, insecure (a warning and the session), and with stdout closed early.
  {
    await using server = await Server.start(["127.0.0.1:0", "--tls", "--echo", "-k"]);
    const insecure = await tcpkit([
      "connect",
      `tls://127.0.0.1:${server.port}`,
      "-k",
      "--json",
      "--send",
      "x",
    ]);
    record("connect", insecure.stderr);
    const greetTls = await tcpkit([
      "greet",
      `tls://127.0.0.1:${server.port}`,
      "-k",
      "--json",
      "--wait",
      "100ms",
    ]);
    record("greet", greetTls.stdout, greetTls.stderr);
    // (Under pipefail the writer into tcpkit dies of SIGPIPE too: only tcpkit's report counts.)
    await bash(
      `head -c 3000000 /dev/zero | ${TCPKIT_SH} connect --tls -k 127.0.0.1:${server.port} --json ` +
        `2>${dir.path}/err | head -c 10 > /dev/null`,
    );
    record("connect", await Deno.readTextFile(`${dir.path}/err`));
  }
  // greet: a banner, and STARTTLS with its tls object.
  {
    const port = freePort();
    await using banner = new Running([
      "bash",
      "-c",
      `printf 'SSH-2.0-x\\r\\n' | nc -l 127.0.0.1 ${port}`,
    ]);
    await bash(
      `for i in $(seq 100); do ss -Hltn "sport = :${port}" | grep -q . && exit 0; sleep 0.05; done`,
    );
    const out = await tcpkit(["greet", `127.0.0.1:${port}`, "--json"]);
    record("greet", out.stdout, out.stderr);
    await banner.result();
    await using smtp = new Running([
      "python3",
      new URL("./_starttls_server.py", import.meta.url).pathname,
      "smtp",
      certs.valid.cert,
      certs.valid.key,
    ]);
    const smtpPort = (await smtp.stdout.waitFor(/ready (\d+)/))[1];
    const starttls = await tcpkit([
      "greet",
      `127.0.0.1:${smtpPort}`,
      "--starttls",
      "smtp",
      "--ca",
      certs.ca.cert,
      "--json",
    ]);
    record("greet", starttls.stdout, starttls.stderr);
  }
  // forward: failover, a denied client, connections closed, the summary.
  {
    await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
    await using forward = await Server.spawn([
      ...TCPKIT,
      "forward",
      "127.0.0.1:0",
      `127.0.0.1:${freePort()}`,
      `127.0.0.1:${echo.port}`,
      "--json",
      "-v",
      "--deny",
      "127.0.0.9",
    ]);
    await tcpkit(["connect", `127.0.0.1:${forward.port}`, "--send", "x"]);
    await bash(`printf x | nc -N -s 127.0.0.9 127.0.0.1 ${forward.port} || true`);
    await forward.stderr.waitFor(/"event":"denied"/);
    forward.kill("SIGTERM");
    record("forward", (await forward.result()).stderr);
    await using dead = await Server.spawn([
      ...TCPKIT,
      "forward",
      "127.0.0.1:0",
      `127.0.0.1:${freePort()}`,
      "--json",
    ]);
    await tcpkit(["connect", `127.0.0.1:${dead.port}`, "--send", "x"]);
    await dead.stderr.waitFor(/"event":"error"/);
    dead.kill("SIGTERM");
    record("forward", (await dead.result()).stderr);
  }
  // check: a probe per --count round, a result per port, the summary; --tls gives "tls".
  {
    await using echo = await Server.start(["127.0.0.1:0", "--echo", "-k"]);
    const counted = await tcpkit([
      "check",
      `127.0.0.1:${echo.port}`,
      `127.0.0.1:${freePort()}`,
      "--count",
      "2",
      "--interval",
      "10ms",
      "--send",
      "x",
      "--json",
    ]);
    assertEquals(counted.code, 1, counted.stderr);
    record("check", counted.stdout, counted.stderr);
    await using tls = await Server.start(["127.0.0.1:0", "--tls", "--echo", "-k"]);
    const certificate = await tcpkit([
      "check",
      "--tls",
      "-k",
      `127.0.0.1:${tls.port}`,
      "--json",
    ]);
    record("check", certificate.stdout, certificate.stderr);
  }
  // check http://: the answer's "http" and "total_ms"; --wait's "attempt"; connect --wait's
  // "waiting" (a peer that answers HTTP once and closes: serve --reply).
  {
    await using web = await Server.start([
      "127.0.0.1:0",
      "-k",
      "--reply",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]);
    const url = `http://127.0.0.1:${web.port}/healthz`;
    const counted = await tcpkit(["check", url, "--count", "2", "--interval", "10ms", "--json"]);
    assertEquals(counted.code, 0, counted.stdout + counted.stderr);
    record("check", counted.stdout, counted.stderr);
    const waited = await tcpkit([
      "check",
      "--wait",
      "300ms",
      url,
      `127.0.0.1:${freePort()}`,
      "--json",
    ]);
    assertEquals(waited.code, 1, waited.stdout + waited.stderr);
    record("check", waited.stdout, waited.stderr);
    const connectWait = await tcpkit([
      "connect",
      "--wait",
      "300ms",
      `127.0.0.1:${freePort()}`,
      "--json",
    ]);
    assertEquals(connectWait.code, 1);
    record("connect", connectWait.stderr);
  }
  // A usage error, as JSON.
  record("any", (await tcpkit(["connect", "--json", "nowhere"])).stderr);

  const doc = await documented();
  const missing: string[] = [];
  for (const [command, events] of seen) {
    for (const [event, fields] of events) {
      const listed = doc.get(command)?.get(event) ?? doc.get("any")?.get(event);
      if (!listed) {
        missing.push(`${command}: event "${event}"`);
        continue;
      }
      for (const field of fields) {
        if (!listed.has(field)) missing.push(`${command}: "${event}" field "${field}"`);
      }
    }
  }
  assertEquals(missing, [], "not in docs/json.md");
  // The cases above made the events they were meant to.
  for (
    const event of [
      "listening",
      "certificate",
      "accepted",
      "closed",
      "session",
      "data",
      "error",
      "denied",
      "max_conns",
      "stopped",
    ]
  ) {
    assert(seen.get("serve")?.has(event), `serve did not write "${event}"`);
  }
  for (const event of ["connected", "tls", "warning", "closed", "output_closed", "waiting"]) {
    assert(seen.get("connect")?.has(event), `connect did not write "${event}"`);
  }
  for (const event of ["greeting", "dialogue", "connected", "tls"]) {
    assert(seen.get("greet")?.has(event), `greet did not write "${event}"`);
  }
  for (const event of ["listening", "closed", "failover", "denied", "error", "stopped"]) {
    assert(seen.get("forward")?.has(event), `forward did not write "${event}"`);
  }
  for (const event of ["probe", "result", "summary", "attempt"]) {
    assert(seen.get("check")?.has(event), `check did not write "${event}"`);
  }
  assert(seen.get("check")?.get("result")?.has("http"), `check http:// wrote no "http"`);
  assert(seen.get("check")?.get("result")?.has("tls"), `check --tls wrote no "tls"`);
  assert(seen.get("check")?.get("result")?.has("phases"), `check --count wrote no "phases"`);
});
