import { assertEquals } from "@std/assert";
import { DatagramQueue, pumpDatagrams } from "../../lib/io/datagram_pump.ts";
import { datagramReader } from "../../lib/io/stdin_datagrams.ts";

Deno.test("pumpDatagrams() hands on each datagram whole and in order", async () => {
  const queue = new DatagramQueue();
  const sizes = [0, 1, 65_507, 3];
  for (const n of sizes) queue.push(new Uint8Array(n));
  queue.end();
  const seen: number[] = [];
  await pumpDatagrams(queue, (d) => Promise.resolve(void seen.push(d.length)));
  assertEquals(seen, sizes);
});

Deno.test("DatagramQueue drops past its bound and counts what it dropped", async () => {
  const queue = new DatagramQueue({ maxDatagrams: 3 });
  for (let i = 0; i < 10; i++) queue.push(new Uint8Array([i]));
  assertEquals([queue.size, queue.dropped], [3, 7]);
  assertEquals([...(await queue.next())!], [0]);
});

Deno.test("DatagramQueue copies a small datagram out of its large receive buffer", async () => {
  const queue = new DatagramQueue();
  queue.push(new Uint8Array(65_536).subarray(0, 10));
  assertEquals((await queue.next())!.buffer.byteLength, 10);
});

Deno.test("datagramReader() keeps each read apart and caps it at the largest datagram", async () => {
  const reads = [new Uint8Array(5), new Uint8Array(70_000), new Uint8Array(2)];
  let i = 0;
  let offset = 0;
  const reader = {
    read(buffer: Uint8Array): Promise<number | null> {
      if (i >= reads.length) return Promise.resolve(null);
      const n = Math.min(buffer.length, reads[i].length - offset);
      offset += n;
      if (offset === reads[i].length) {
        i++;
        offset = 0;
      }
      return Promise.resolve(n);
    },
  };
  const source = datagramReader(65_507, reader);
  const sizes: number[] = [];
  for (let d = await source.next(); d !== null; d = await source.next()) sizes.push(d.length);
  assertEquals(sizes, [5, 65_507, 70_000 - 65_507, 2]);
});
