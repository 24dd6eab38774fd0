import { assertEquals } from "@std/assert";
import { connSource } from "../../lib/io/chunks.ts";
import { startTls } from "../../lib/net/tls.ts";
import { closeNotifyOf } from "../../lib/net/tls_end.ts";
import { makeTestCertificates } from "../_certs.ts";
import { pythonPeer, tempDir } from "../e2e/_cli.ts";

// Both client TLS paths: Deno's own (a plain verified connection) and node:tls (the certificate
// shown). The server alternates: a cut (no close_notify), then close_notify.
Deno.test("closeNotifyOf() tells a TLS server's close_notify from a cut, on both TLS paths", async (t) => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  await using server = await pythonPeer(`import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(${JSON.stringify(certs.valid.cert)}, ${JSON.stringify(certs.valid.key)})
notify = True
while True:
    c, _ = s.accept()
    notify = not notify
    t = None
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.sendall(b"x" * 100000)
        if notify:
            t = t.unwrap()
    except Exception:
        pass
    finally:
        if t is not None:
            t.close()
        c.close()`);
  const ca = [await Deno.readTextFile(certs.ca.cert)];
  for (const wantCertificate of [false, true]) {
    for (const ending of ["cut", "close_notify"]) {
      await t.step(`${wantCertificate ? "node:tls" : "Deno's TLS"}, ${ending}`, async () => {
        const raw = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        const { conn } = await startTls(raw, "127.0.0.1", "test", { ca, wantCertificate });
        assertEquals(closeNotifyOf(conn), undefined);
        const source = connSource(conn);
        let received = 0;
        for (let chunk; (chunk = await source.next()) !== null;) received += chunk.length;
        assertEquals(received, 100000);
        assertEquals(closeNotifyOf(conn), ending === "close_notify");
        conn.close();
      });
    }
  }
});

Deno.test("closeNotifyOf() knows nothing of a plain connection", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const { port } = listener.addr as Deno.NetAddr;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  (await accepted).close();
  assertEquals(closeNotifyOf(conn), undefined);
  conn.close();
});
