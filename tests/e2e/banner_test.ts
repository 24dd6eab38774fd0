/** greet without names: read a server's banner, stop once it is complete, name the protocol. */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { freePort, has, isRoot, Running, tcpkit, tempDir, waitForListener } from "./_cli.ts";

/** Why a test of the real daemon is skipped here ("" when it runs): it must be installed, and root. */
function realServerSkip(daemon: string): string {
  if (!has(daemon) && !has(`/usr/sbin/${daemon}`)) return ` [skipped: ${daemon} is not installed]`;
  return isRoot() ? "" : ` [skipped: ${daemon} needs root]`;
}

/** A one-shot server that sends `banner` and then keeps the connection open, silent. */
function bannerServer(
  banner: Uint8Array | string,
): { port: number } & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const bytes = typeof banner === "string" ? new TextEncoder().encode(banner) : banner;
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(bytes);
    await conn.read(new Uint8Array(1024)).catch(() => null); // until the client goes
    conn.close();
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await served.catch(() => {});
    },
  };
}

const BANNERS: [string, string, string][] = [
  ["ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n"],
  [
    "smtp",
    "220-mx.example.org ESMTP Exim 4.96 Sat, 21 Nov 2026 12:00:00 +0000\r\n220 We do not authorize UBE\r\n",
    "220-mx.example.org ESMTP Exim 4.96 Sat, 21 Nov 2026 12:00:00 +0000\n220 We do not authorize UBE\n",
  ],
  [
    "ftp",
    "220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n",
    "220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\n",
  ],
  ["pop3", "+OK Dovecot (Debian) ready.\r\n", "+OK Dovecot (Debian) ready.\n"],
  [
    "imap",
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] Dovecot ready.\r\n",
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] Dovecot ready.\n",
  ],
  ["vnc", "RFB 003.008\n", "RFB 003.008\n"],
];

for (const [protocol, banner, shown] of BANNERS) {
  Deno.test(`greet reads a ${protocol} banner, prints it and names the protocol`, async () => {
    await using server = bannerServer(banner);
    const started = performance.now();
    const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--wait", "20s"]);
    const elapsed = performance.now() - started;
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, shown);
    assertMatch(out.stderr, new RegExp(`greeted in .+: protocol ${protocol}\\n$`));
    // The greeting was complete long before --wait: greet did not sit it out.
    assert(elapsed < 10_000, `took ${elapsed} ms`);
  });
}

Deno.test("greet recognises a MySQL handshake and carries its bytes exactly in JSON", async () => {
  const version = new TextEncoder().encode("8.0.36\0");
  const body = new Uint8Array([
    0x0a,
    ...version,
    0x08,
    0x00,
    0x00,
    0x00,
    ...new Uint8Array(20).fill(0x41),
    0x00,
  ]);
  const packet = new Uint8Array([body.length, 0, 0, 0, ...body]);
  await using server = bannerServer(packet);
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--json"]);
  const result = JSON.parse(out.stdout);
  assertEquals(result.protocol, "mysql");
  assertEquals(result.bytes, packet.length);
  // Valid UTF-8 (NUL included) is carried as text once, escaped only as JSON needs.
  assertEquals(result.greeting, new TextDecoder().decode(packet));
  assertEquals(result.greeting_base64, undefined);
});

Deno.test("greet --json carries a greeting that is not UTF-8 in base64 beside its text", async () => {
  const bytes = new Uint8Array([0x48, 0x69, 0xff, 0xfe, 0x0d, 0x0a]);
  await using server = bannerServer(bytes);
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--json"]);
  const result = JSON.parse(out.stdout);
  assertEquals(result.bytes, 6);
  assertEquals(result.greeting_base64, btoa(String.fromCharCode(...bytes)));
  assertEquals(result.greeting, "Hi\uFFFD\uFFFD\r\n");
});

Deno.test("greet --json gives host, port, connect latency, greeting and protocol", async () => {
  await using server = bannerServer("SSH-2.0-dropbear_2022.83\r\n");
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--json"]);
  const result = JSON.parse(out.stdout);
  assertEquals([result.host, result.port, result.protocol], ["127.0.0.1", server.port, "ssh"]);
  // The text once, CRs and all: JSON escapes it, nothing else does (bytes counts the same).
  assertEquals(result.greeting, "SSH-2.0-dropbear_2022.83\r\n");
  assertEquals(result.bytes, 26);
  assert(result.connect_ms >= 0 && result.first_byte_ms >= 0);
  assertEquals(out.stdout.trim().split("\n").length, 1);
});

Deno.test("greet shows escape sequences and control bytes escaped, never raw", async () => {
  await using server = bannerServer("hi\x1b]0;pwned\x07\x1b[2J\x00there\r\n");
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`]);
  assertEquals(out.stdout, "hi\\x1b]0;pwned\\x07\\x1b[2J\\x00there\n");
  assertMatch(out.stderr, /protocol not recognised/);
});

Deno.test("greet reports a silent server as such, with exit 0 and protocol null", async () => {
  await using server = bannerServer("");
  const text = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--wait", "300ms"]);
  assertEquals([text.code, text.stdout], [0, ""]);
  assertMatch(text.stderr, /said nothing within 300 ms: a silent server/);
});

Deno.test("greet --json of a silent server has an empty greeting and protocol null", async () => {
  await using server = bannerServer("");
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--wait", "300ms", "--json"]);
  const result = JSON.parse(out.stdout);
  assertEquals([result.greeting, result.protocol, result.bytes], ["", null, 0]);
});

Deno.test("greet shows the banner of a server that says it and closes at once", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("220 (vsFTPd 3.0.3)\r\n"));
    conn.close();
  })();
  const out = await tcpkit(["greet", `127.0.0.1:${listener.addr.port}`]);
  await served;
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "220 (vsFTPd 3.0.3)\n");
  assertMatch(out.stderr, /protocol ftp\n$/);
});

Deno.test("greet exits 1 when the server resets the connection before saying anything", async () => {
  await using server = new Running([
    "python3",
    "-c",
    // The pause lets greet start waiting for the greeting (nothing tells the server it has).
    `import socket, struct, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(0.3)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()`,
  ]);
  const port = (await server.stdout.waitFor(/(\d+)\n/))[1];
  const out = await tcpkit(["greet", `127.0.0.1:${port}`]);
  assertEquals(out.code, 1);
  assertEquals(out.stdout, "");
  assertMatch(
    out.stderr,
    /^tcpkit: reading the greeting of 127\.0\.0\.1:\d+: connection reset by peer\n$/,
  );
});

Deno.test("greet reads at most 64 KiB of a banner that never ends", async () => {
  await using server = bannerServer("a".repeat(100_000));
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`, "--json"]);
  assertEquals(out.code, 0, out.stderr);
  const result = JSON.parse(out.stdout);
  assertEquals([result.bytes, result.greeting, result.protocol], [65536, "a".repeat(65536), null]);
  assert(result.first_byte_ms >= 0 && result.first_byte_ms <= result.connect_ms + 1000);
});

Deno.test({
  name: `greet names a real OpenSSH server on a loopback port ssh${realServerSkip("sshd")}`,
  ignore: realServerSkip("sshd") !== "",
  async fn() {
    await using dir = await tempDir();
    const port = freePort();
    await Deno.mkdir("/run/sshd", { recursive: true }).catch(() => {});
    const keygen = await new Deno.Command("ssh-keygen", {
      args: ["-q", "-t", "ed25519", "-N", "", "-f", `${dir.path}/host_key`],
    }).output();
    assert(keygen.success);
    await using _sshd = new Running([
      "/usr/sbin/sshd",
      "-D",
      "-e",
      "-f",
      "/dev/null",
      "-o",
      `ListenAddress=127.0.0.1:${port}`,
      "-o",
      `HostKey=${dir.path}/host_key`,
      "-o",
      "PidFile=none",
    ]);
    await waitForListener(port);
    const out = await tcpkit(["greet", `127.0.0.1:${port}`]);
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stdout, /^SSH-2\.0-OpenSSH_\S+/);
    assertMatch(out.stderr, /protocol ssh\n$/);
  },
});

Deno.test({
  name: `greet names a real vsftpd server on a loopback port ftp${realServerSkip("vsftpd")}`,
  ignore: realServerSkip("vsftpd") !== "",
  async fn() {
    await using dir = await tempDir();
    const port = freePort();
    await Deno.mkdir("/var/run/vsftpd/empty", { recursive: true }).catch(() => {});
    await Deno.writeTextFile(
      `${dir.path}/vsftpd.conf`,
      [
        "listen=YES",
        "listen_ipv6=NO",
        "listen_address=127.0.0.1",
        `listen_port=${port}`,
        "anonymous_enable=YES",
        "local_enable=NO",
        "background=NO",
        "secure_chroot_dir=/var/run/vsftpd/empty",
        "",
      ].join("\n"),
    );
    await using _vsftpd = new Running(["/usr/sbin/vsftpd", `${dir.path}/vsftpd.conf`]);
    await waitForListener(port);
    const out = await tcpkit(["greet", `127.0.0.1:${port}`, "--json"]);
    const result = JSON.parse(out.stdout);
    assertMatch(result.greeting, /^220 \(vsFTPd [\d.]+\)\r\n$/);
    assertEquals(result.protocol, "ftp");
  },
});

Deno.test("greet shows CRLF as a line break but keeps a literal backslash-r", async () => {
  await using server = bannerServer("C:\\ready\r\n");
  const out = await tcpkit(["greet", `127.0.0.1:${server.port}`]);
  assertEquals(out.stdout, "C:\\\\ready\n");
});
