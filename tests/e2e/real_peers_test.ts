/**
 * tcpkit against real servers from Debian, each started by the test on loopback with a
 * configuration of its own: HAProxy reading forward's PROXY header, Dovecot and Postfix upgrading
 * to TLS for greet --starttls. A test whose server is not installed (or needs root) is ignored,
 * with the reason in its name.
 */
import { assertEquals, assertMatch } from "@std/assert";
import { makeTestCertificates } from "../_certs.ts";
import {
  bash,
  freePort,
  has,
  isRoot,
  Running,
  Server,
  TCPKIT,
  tcpkit,
  tempDir,
  waitForListener,
} from "./_cli.ts";

function skip(program: string, root = false): string {
  if (!has(program)) return ` (skipped: ${program} is not installed)`;
  if (root && !isRoot()) return ` (skipped: ${program} needs root here)`;
  return "";
}

Deno.test({
  name: `HAProxy reads forward's PROXY header, v1 and v2, and routes by the client's real address${
    skip("haproxy")
  }`,
  ignore: skip("haproxy") !== "",
  async fn(t) {
    await using dir = await tempDir();
    await using real = await Server.start(["127.0.0.1:0", "--reply", "seen as 127.0.0.2", "-k"]);
    await using other = await Server.start([
      "127.0.0.1:0",
      "--reply",
      "seen as someone else",
      "-k",
    ]);
    const port = freePort();
    await Deno.writeTextFile(
      `${dir.path}/haproxy.cfg`,
      [
        "defaults",
        "  mode tcp",
        "  timeout connect 2s",
        "  timeout client 10s",
        "  timeout server 10s",
        "frontend front",
        // The header is required: a connection without one is refused.
        `  bind 127.0.0.1:${port} accept-proxy`,
        "  use_backend real if { src 127.0.0.2 }",
        "  default_backend other",
        "backend real",
        `  server s 127.0.0.1:${real.port}`,
        "backend other",
        `  server s 127.0.0.1:${other.port}`,
        "",
      ].join("\n"),
    );
    await using _haproxy = new Running(["haproxy", "-db", "-f", `${dir.path}/haproxy.cfg`]);
    await waitForListener(port);
    for (const version of ["v1", "v2"]) {
      await t.step(version, async () => {
        await using forward = await Server.spawn([
          ...TCPKIT,
          "forward",
          "127.0.0.1:0",
          `127.0.0.1:${port}`,
          "--proxy-protocol",
          version,
        ]);
        const from2 = await bash(`printf hello | nc -N -s 127.0.0.2 127.0.0.1 ${forward.port}`);
        assertEquals(from2.stdout, "seen as 127.0.0.2");
        const from3 = await bash(`printf hello | nc -N -s 127.0.0.3 127.0.0.1 ${forward.port}`);
        assertEquals(from3.stdout, "seen as someone else");
      });
      // A Unix-socket client has no address: v1 says UNKNOWN, v2 the LOCAL command, and HAProxy
      // serves it as a connection of the forwarder's own (it refuses v2 PROXY with AF_UNSPEC).
      await t.step(`${version} from a Unix socket`, async () => {
        const path = `${dir.path}/front-${version}.sock`;
        await using forward = new Running([
          ...TCPKIT,
          "forward",
          `unix:${path}`,
          `127.0.0.1:${port}`,
          "--proxy-protocol",
          version,
        ]);
        await forward.stderr.waitFor(/listening on unix:/);
        const client = await bash(`printf hello | nc -N -U '${path}'`);
        assertEquals(client.stdout, "seen as someone else", client.stderr);
      });
    }
  },
});

Deno.test({
  name: `greet --starttls imap and pop3 against a real Dovecot${skip("dovecot", true)}`,
  ignore: skip("dovecot", true) !== "",
  async fn() {
    await using dir = await tempDir();
    await Deno.mkdir(`${dir.path}/certs`);
    const certs = await makeTestCertificates(`${dir.path}/certs`);
    for (const sub of ["run", "state", "home"]) await Deno.mkdir(`${dir.path}/${sub}`);
    const [imap, pop3] = [freePort(), freePort()];
    await Deno.writeTextFile(
      `${dir.path}/dovecot.conf`,
      `base_dir = ${dir.path}/run
state_dir = ${dir.path}/state
log_path = /dev/stderr
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <${certs.valid.cert}
ssl_key = <${certs.valid.key}
login_greeting = tcpkit test dovecot ready
service imap-login {
  inet_listener imap {
    port = ${imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir.path}/home
}
`,
    );
    await using _dovecot = new Running(["dovecot", "-F", "-c", `${dir.path}/dovecot.conf`]);
    await waitForListener(imap);
    await waitForListener(pop3);
    const viaImap = await tcpkit([
      "greet",
      `127.0.0.1:${imap}`,
      "--starttls",
      "imap",
      "--ca",
      certs.ca.cert,
    ]);
    assertEquals(viaImap.code, 0, viaImap.stderr);
    assertMatch(viaImap.stdout, /^\* OK .*tcpkit test dovecot ready$/m);
    assertMatch(viaImap.stdout, /^a2 OK /m); // the capabilities, asked again through TLS
    assertMatch(
      viaImap.stderr,
      /certificate "CN=localhost" issued by "CN=tcpkit Test CA.*\(verified\)/,
    );
    const viaPop3 = await tcpkit([
      "greet",
      `127.0.0.1:${pop3}`,
      "--starttls",
      "pop3",
      "--ca",
      certs.ca.cert,
      "--json",
    ]);
    assertEquals(viaPop3.code, 0, viaPop3.stderr);
    const result = JSON.parse(viaPop3.stdout);
    assertMatch(result.greeting, /^\+OK tcpkit test dovecot ready/);
    assertEquals([result.starttls, result.tls.verified], ["pop3", true]);
  },
});

Deno.test({
  name: `greet --starttls smtp against a real Postfix${skip("postfix", true)}`,
  ignore: skip("postfix", true) !== "",
  async fn() {
    await using dir = await tempDir();
    await Deno.mkdir(`${dir.path}/certs`);
    const certs = await makeTestCertificates(`${dir.path}/certs`);
    const port = freePort();
    const conf = `${dir.path}/conf`;
    // Postfix's daemons run as its own user: the directories must be open to it.
    await bash(
      `chmod 755 ${dir.path} && mkdir -p ${conf} ${dir.path}/queue ${dir.path}/data && ` +
        `chown postfix ${dir.path}/data`,
    );
    await Deno.writeTextFile(
      `${conf}/main.cf`,
      `compatibility_level = 3.6
queue_directory = ${dir.path}/queue
data_directory = ${dir.path}/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.test
mydestination =
smtpd_peername_lookup = no
smtpd_banner = $myhostname ESMTP tcpkit test postfix
smtpd_tls_cert_file = ${certs.valid.cert}
smtpd_tls_key_file = ${certs.valid.key}
smtpd_tls_security_level = may
maillog_file = /dev/stdout
`,
    );
    await Deno.writeTextFile(
      `${conf}/master.cf`,
      `127.0.0.1:${port} inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
anvil unix - - n - 1 anvil
proxymap unix - - n - - proxymap
trivial-rewrite unix - - n - - trivial-rewrite
rewrite unix - - n - - trivial-rewrite
cleanup unix n - n - 0 cleanup
`,
    );
    await using postfix = new Running(["postfix", "-c", conf, "start-fg"]);
    try {
      await waitForListener(port).catch((e) => {
        throw new Error(`${e.message}; postfix said: ${postfix.stdout.text}${postfix.stderr.text}`);
      });
      const out = await tcpkit([
        "greet",
        `127.0.0.1:${port}`,
        "--starttls",
        "smtp",
        "--ca",
        certs.ca.cert,
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertMatch(out.stdout, /^220 mail\.test ESMTP tcpkit test postfix$/m);
      assertMatch(out.stdout, /^250[ -]/m);
      assertMatch(out.stderr, /\(verified\)$/m);
    } finally {
      await bash(`postfix -c ${conf} stop`);
      await postfix.result(15_000);
    }
  },
});
