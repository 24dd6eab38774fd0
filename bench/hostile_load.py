#!/usr/bin/env python3
"""Hostile clients for bench/hostile_memory.sh: many connections that send and never read.

  hostile_load.py --port P [--count 1000] [--line 10485760] [--batch 200] [--stall 2]
      Opens COUNT connections to 127.0.0.1:P (BATCH connects in flight), each sending one line
      of LINE bytes ("x" * LINE, then a newline) as fast as the other side takes it, and never
      reading what comes back. Once no connection has sent a byte for STALL seconds (everything
      is as full as it will get), prints {"open", "failed", "sent", "stalled_after"} and holds
      the connections until SIGTERM or SIGUSR1, then closes them and exits.
Exit status: 0, or 1 when a connection failed, or 2 for a usage error.
"""

import argparse
import errno
import json
import select
import signal
import socket
import sys
import time

HOST = "127.0.0.1"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--line", type=int, default=10 * 1024 * 1024)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--stall", type=float, default=2.0)
    args = p.parse_args()
    line = memoryview(b"x" * args.line + b"\n")
    ep = select.epoll()
    conns = {}  # fd -> [socket, offset, connected]
    failed = 0
    started = 0
    sent = 0
    last_progress = time.monotonic()
    start = last_progress

    def open_more():
        nonlocal started, failed
        connecting = sum(1 for c in conns.values() if not c[2])
        while started < args.count and connecting < args.batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            started += 1
            err = s.connect_ex((HOST, args.port))
            if err not in (0, errno.EINPROGRESS):
                failed += 1
                s.close()
                continue
            conns[s.fileno()] = [s, 0, False]
            ep.register(s.fileno(), select.EPOLLOUT)
            connecting += 1

    open_more()
    while True:
        events = ep.poll(0.2)
        now = time.monotonic()
        for fd, ev in events:
            c = conns.get(fd)
            if c is None:
                continue
            s = c[0]
            if not c[2]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    failed += 1
                    ep.unregister(fd)
                    del conns[fd]
                    s.close()
                    continue
                c[2] = True
            if ev & (select.EPOLLERR | select.EPOLLHUP):
                failed += 1
                ep.unregister(fd)
                del conns[fd]
                s.close()
                continue
            while c[1] < len(line):
                try:
                    n = s.send(line[c[1]:])
                except BlockingIOError:
                    break
                except OSError:
                    failed += 1
                    ep.unregister(fd)
                    del conns[fd]
                    s.close()
                    break
                c[1] += n
                sent += n
                last_progress = now
            if fd in conns and c[1] >= len(line):
                ep.modify(fd, 0)  # all sent: nothing more to do but hold it
        open_more()
        all_open = started >= args.count and all(c[2] for c in conns.values())
        if all_open and now - last_progress >= args.stall:
            break
    print(json.dumps({
        "open": len(conns),
        "failed": failed,
        "sent": sent,
        "stalled_after": round(last_progress - start, 2),
    }), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    while not stop:
        time.sleep(0.1)
    for c in conns.values():
        c[0].close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
