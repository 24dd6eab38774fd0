#!/usr/bin/env python3
"""Load for bench/proxy.sh: short SOCKS5 connections at a rate, and idle ones held.

  proxy_load.py rate --proxy P --target T [--connections 20000] [--concurrency 200]
      Each connection: SOCKS5 greeting (no login), CONNECT 127.0.0.1:T, send 100 bytes, read
      them back (T is an echo server), close. --proxy 0 connects straight to T (the ceiling of
      this generator). Prints {"ok", "failed", "seconds", "rate", "first_error"}.
  proxy_load.py idle --proxy P --target T [--count 2000]
      Opens COUNT proxied connections that then send nothing; prints {"open"} and holds them
      until SIGTERM.
"""
import argparse, asyncio, json, os, signal, struct, sys, time


async def socks(reader, writer, target):
    writer.write(b"\x05\x01\x00")
    if await reader.readexactly(2) != b"\x05\x00":
        raise RuntimeError("method refused")
    writer.write(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + struct.pack(">H", target))
    head = await reader.readexactly(4)
    if head[1] != 0:
        raise RuntimeError(f"reply {head[1]}")
    await reader.readexactly({1: 6, 4: 18}[head[3]])


async def one(args, i):
    port = args.proxy or args.target
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if args.proxy:
            await socks(reader, writer, args.target)
        data = (b"%08d" % i) * 12 + b"ab"
        writer.write(data)
        if await reader.readexactly(len(data)) != data:
            raise RuntimeError("echo differs")
    finally:
        writer.close()


async def rate(args):
    ok = failed = 0
    first = None
    queue = iter(range(args.connections))

    async def lane():
        nonlocal ok, failed, first
        for i in queue:
            try:
                await one(args, i)
                ok += 1
            except Exception as e:  # noqa: BLE001
                failed += 1
                first = first or repr(e)

    start = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(args.concurrency)))
    seconds = time.perf_counter() - start
    print(json.dumps({"ok": ok, "failed": failed, "seconds": round(seconds, 3),
                      "rate": round(ok / seconds), "first_error": first}), flush=True)
    return 1 if failed else 0


async def idle(args):
    held = []
    failed = 0
    for start in range(0, args.count, 100):
        async def open_one():
            nonlocal failed
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", args.proxy)
                await socks(reader, writer, args.target)
                held.append(writer)
            except Exception:  # noqa: BLE001
                failed += 1
        await asyncio.gather(*(open_one() for _ in range(min(100, args.count - start))))
    print(json.dumps({"open": len(held), "failed": failed}), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["rate", "idle"])
    p.add_argument("--proxy", type=int, default=0)
    p.add_argument("--target", type=int, required=True)
    p.add_argument("--connections", type=int, default=20000)
    p.add_argument("--concurrency", type=int, default=200)
    p.add_argument("--count", type=int, default=2000)
    args = p.parse_args()
    sys.exit(asyncio.run(rate(args) if args.mode == "rate" else idle(args)))


main()
