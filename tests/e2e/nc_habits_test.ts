/** nc habits typed at tcpkit: the hint's command line, run as printed, does what nc would. */
import { assertEquals, assertMatch } from "@std/assert";
import { Server, TCPKIT, tcpkit } from "./_cli.ts";

/** The command line a hint suggests (its first quoted `tcpkit ...`), as argv words. */
async function suggested(ncLine: string[]): Promise<string[]> {
  const refused = await tcpkit(ncLine);
  assertEquals(refused.code, 2, refused.stderr);
  const match = /"tcpkit ([^"]*)"/.exec(refused.stderr);
  if (!match) throw new Error(`no command in the hint: ${refused.stderr}`);
  return match[1].split(" ");
}

Deno.test("nc -lvnp: the suggested serve runs, and serves a client", async () => {
  const words = await suggested(["-lvnp", "0"]);
  assertEquals(words, ["serve", "0", "-v"]);
  await using server = await Server.spawn([...TCPKIT, ...words]);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode("hello\n"));
  conn.close();
  const out = await server.result();
  assertEquals([out.code, out.stdout], [0, "hello\n"], out.stderr);
});

Deno.test("nc -zv HOST PORT: the suggested check runs, and finds the port open", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const words = await suggested(["-zv", "127.0.0.1", String(port)]);
  assertEquals(words, ["check", `127.0.0.1:${port}`, "-v"]);
  const accepted = listener.accept().then((conn) => conn.close());
  const out = await tcpkit(words);
  await accepted;
  assertEquals(out.code, 0, out.stderr);
  assertMatch(out.stdout, /open/);
});

Deno.test("nc -v -w 2 -n HOST PORT: the suggested connect runs, and reads to the end", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const words = await suggested(["-v", "-w", "2", "-n", "127.0.0.1", String(port)]);
  assertEquals(words, ["connect", "127.0.0.1", String(port), "-v", "--timeout", "2s", "-n"]);
  const served = listener.accept().then(async (conn) => {
    await conn.write(new TextEncoder().encode("welcome\n"));
    conn.close();
  });
  const out = await tcpkit(words);
  await served;
  assertEquals([out.code, out.stdout], [0, "welcome\n"], out.stderr);
});
