/** 1 GiB of binary data, byte for byte, each way: nothing cut off, lost or reordered. */
import { assertEquals } from "@std/assert";
import { bash, Server, TCPKIT_SH, tempDir } from "./_cli.ts";

const SIZE = 1024 * 1024 * 1024;

async function sha256(path: string): Promise<string> {
  return (await bash(`sha256sum '${path}' | cut -d' ' -f1`)).stdout.trim();
}

Deno.test("1 GiB goes from connect's stdin to serve's stdout and back, byte for byte", async () => {
  await using dir = await tempDir();
  const data = `${dir.path}/data`;
  // Random bytes, made quickly: a keystream of a random key (urandom is slow for 1 GiB).
  // (openssl dies of SIGPIPE when head has enough: the size below is the check.)
  await bash(
    `set +o pipefail; openssl enc -aes-128-ctr -pass pass:"$(head -c 32 /dev/urandom | base64)" \
       -nosalt -pbkdf2 < /dev/zero 2>/dev/null | head -c ${SIZE} > '${data}'`,
  );
  assertEquals((await Deno.stat(data)).size, SIZE);
  const expected = await sha256(data);

  // Upload: connect's stdin → serve's stdout.
  {
    await using server = await Server.spawn([
      "bash",
      "-c",
      `${TCPKIT_SH} serve 127.0.0.1:0 > '${dir.path}/up'`,
    ]);
    const client = await bash(`cat '${data}' | ${TCPKIT_SH} connect 127.0.0.1:${server.port}`);
    assertEquals(client.code, 0, client.stderr);
    assertEquals((await server.result()).code, 0);
    assertEquals(await sha256(`${dir.path}/up`), expected);
    await Deno.remove(`${dir.path}/up`);
  }
  // Download: serve's stdin → connect's stdout.
  {
    await using server = await Server.spawn([
      "bash",
      "-c",
      `cat '${data}' | ${TCPKIT_SH} serve 127.0.0.1:0`,
    ]);
    const client = await bash(
      `${TCPKIT_SH} connect 127.0.0.1:${server.port} < /dev/null > '${dir.path}/down'`,
    );
    assertEquals(client.code, 0, client.stderr);
    assertEquals((await server.result()).code, 0);
    assertEquals(await sha256(`${dir.path}/down`), expected);
  }
});
