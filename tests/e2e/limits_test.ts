/** Running out of file descriptors (a compiled binary does not raise its limit as deno run does). */
import { assertEquals } from "@std/assert";
import { Server, TCPKIT_SH } from "./_cli.ts";

Deno.test("serve -k under a low ulimit -n warns once, keeps running, and serves again", async () => {
  // `ulimit -n` sets the hard limit too, so tcpkit cannot raise it: about 40 descriptors are
  // left for clients.
  await using server = await Server.spawn([
    "bash",
    "-c",
    `ulimit -n 64 && exec ${TCPKIT_SH} serve 127.0.0.1:0 -k --echo`,
  ]);
  const conns = await Promise.all(
    Array.from({ length: 60 }, () => Deno.connect({ hostname: "127.0.0.1", port: server.port })),
  );
  try {
    await server.stderr.waitFor(/too many open files; raise the limit \(ulimit -n\)/);
    // Free 30 descriptors: every client left must now be served.
    for (const conn of conns.splice(0, 30)) conn.close();
    await Promise.all(conns.map(async (conn, i) => {
      const message = new TextEncoder().encode(`client ${i}.`);
      await conn.write(message);
      const buffer = new Uint8Array(message.length);
      for (let got = 0; got < buffer.length;) {
        const n = await conn.read(buffer.subarray(got));
        if (n === null) throw new Error(`client ${i} was closed instead of served`);
        got += n;
      }
      assertEquals(new TextDecoder().decode(buffer), `client ${i}.`);
    }));
    const warnings = server.stderr.text.match(/too many open files/g) ?? [];
    assertEquals(warnings.length, 1);
  } finally {
    for (const conn of conns) conn.close();
  }
});
