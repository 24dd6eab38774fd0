#!/usr/bin/env python3
"""Load for bench/forward.sh: an echo backend, a connection-rate generator and an idle holder.

One epoll loop per process and non-blocking sockets, so that the generator costs little next
to the forwarders it measures. Reports are JSON lines on stdout; problems go to stderr.

  forward_load.py echo [--port 0]
      Echo server on 127.0.0.1:PORT (0: a free port), backlog 4096; prints {"port": N} once
      listening. A client's end (EOF) closes the connection once all was echoed. SIGTERM ends
      it with {"accepted": N, "bytes": N} on stdout.
  forward_load.py rate --port P [--connections 20000] [--concurrency 200] [--size 100]
                       [--timeout 10]
      CONNECTIONS short connections to 127.0.0.1:P, CONCURRENCY at a time: connect, send SIZE
      bytes (distinct per connection), read SIZE bytes back, check them, close. Prints
      {"ok", "failed", "seconds", "rate", "errors": {kind: count}, "first_error"}.
  forward_load.py idle --port P [--count 10000] [--batch 200] [--timeout 30]
      Opens COUNT connections to 127.0.0.1:P (BATCH connects in flight) that send nothing,
      prints {"open", "failed", "seconds"} once all are connected or failed, then holds them
      until SIGUSR1 or SIGTERM, closes them and prints {"dropped": N} (connections the other
      side closed or reset meanwhile).
Exit status: 0, or 1 when a connection failed (rate, idle), or 2 for a usage error.
"""

import argparse
import errno
import json
import os
import select
import signal
import socket
import sys
import time

HOST = "127.0.0.1"


def report(fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def echo(args):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, args.port))
    listener.listen(4096)
    listener.setblocking(False)
    ep = select.epoll()
    ep.register(listener.fileno(), select.EPOLLIN)
    conns = {}  # fd -> [socket, pending bytes]
    stats = {"accepted": 0, "bytes": 0}
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    report({"port": listener.getsockname()[1]})
    lfd = listener.fileno()

    def close(fd):
        sock = conns.pop(fd)[0]
        try:
            ep.unregister(fd)
        except OSError:
            pass
        sock.close()

    while not stopping:
        try:
            events = ep.poll(0.5)
        except InterruptedError:
            continue
        for fd, mask in events:
            if fd == lfd:
                while True:
                    try:
                        sock, _ = listener.accept()
                    except BlockingIOError:
                        break
                    except OSError as e:  # EMFILE and the like: try again on the next event
                        sys.stderr.write(f"echo: accept: {e}\n")
                        time.sleep(0.01)
                        break
                    sock.setblocking(False)
                    conns[sock.fileno()] = [sock, b""]
                    ep.register(sock.fileno(), select.EPOLLIN)
                    stats["accepted"] += 1
                continue
            entry = conns.get(fd)
            if entry is None:
                continue
            sock = entry[0]
            try:
                if entry[1]:  # writable again: send what waited
                    sent = sock.send(entry[1])
                    entry[1] = entry[1][sent:]
                    if not entry[1]:
                        ep.modify(fd, select.EPOLLIN)
                    continue
                data = sock.recv(65536)
                if not data:
                    close(fd)
                    continue
                stats["bytes"] += len(data)
                sent = sock.send(data)
                if sent < len(data):
                    entry[1] = data[sent:]
                    ep.modify(fd, select.EPOLLOUT)
            except BlockingIOError:
                continue
            except OSError:
                close(fd)
    report(stats)
    return 0


def payload(index, size, base):
    head = b"%010d:" % index
    return (head + base)[:size]


def rate(args):
    base = os.urandom(max(args.size, 16))
    ep = select.epoll()
    conns = {}  # fd -> [socket, index, started, expected, received bytearray, phase]
    errors = {}
    first_error = [None]
    counts = {"ok": 0, "failed": 0}
    started = 0

    def fail(fd, kind, detail):
        errors[kind] = errors.get(kind, 0) + 1
        counts["failed"] += 1
        if first_error[0] is None:
            first_error[0] = f"connection {conns[fd][1] if fd in conns else '?'}: {kind}: {detail}"
        finish(fd)

    def finish(fd):
        entry = conns.pop(fd, None)
        if entry is None:
            return
        try:
            ep.unregister(fd)
        except OSError:
            pass
        entry[0].close()

    def open_one(index):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        fd = sock.fileno()
        conns[fd] = [sock, index, time.monotonic(), payload(index, args.size, base), bytearray(),
                     "connect"]
        err = sock.connect_ex((HOST, args.port))
        if err not in (0, errno.EINPROGRESS):
            fail(fd, errno.errorcode.get(err, str(err)), os.strerror(err))
            return
        ep.register(fd, select.EPOLLOUT)

    t0 = time.monotonic()
    last_scan = t0
    while started < args.connections or conns:
        while started < args.connections and len(conns) < args.concurrency:
            open_one(started)
            started += 1
        for fd, mask in ep.poll(0.1):
            entry = conns.get(fd)
            if entry is None:
                continue
            sock = entry[0]
            try:
                if entry[5] == "connect":
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        fail(fd, errno.errorcode.get(err, str(err)), os.strerror(err))
                        continue
                    sent = sock.send(entry[3])
                    if sent != len(entry[3]):  # 100 bytes into an empty socket: all or nothing
                        fail(fd, "short-send", f"sent {sent} of {len(entry[3])} bytes")
                        continue
                    entry[5] = "echo"
                    ep.modify(fd, select.EPOLLIN)
                    continue
                data = sock.recv(65536)
                if not data:
                    fail(fd, "closed-early", f"closed after {len(entry[4])} of {args.size} bytes")
                    continue
                entry[4] += data
                if len(entry[4]) >= len(entry[3]):
                    if bytes(entry[4]) != entry[3]:
                        fail(fd, "wrong-echo", f"got {bytes(entry[4][:40])!r}...")
                    else:
                        counts["ok"] += 1
                        finish(fd)
            except BlockingIOError:
                continue
            except OSError as e:
                fail(fd, errno.errorcode.get(e.errno, type(e).__name__), str(e))
        now = time.monotonic()
        if now - last_scan >= 0.1:
            last_scan = now
            for fd in [fd for fd, entry in conns.items() if now - entry[2] > args.timeout]:
                fail(fd, "timeout", f"no echo within {args.timeout} s ({conns[fd][5]})")
    seconds = time.monotonic() - t0
    report({
        "connections": args.connections,
        "concurrency": args.concurrency,
        "ok": counts["ok"],
        "failed": counts["failed"],
        "seconds": round(seconds, 4),
        "rate": round(counts["ok"] / seconds, 1),
        "errors": errors,
        "first_error": first_error[0],
    })
    return 1 if counts["failed"] else 0


def idle(args):
    ep = select.epoll()
    pending = {}  # fd -> socket, connecting
    held = {}  # fd -> socket, connected
    errors = {}
    failed = 0
    stopping = []
    signal.signal(signal.SIGUSR1, lambda *_: stopping.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    started = 0
    t0 = time.monotonic()
    while (started < args.count or pending) and not stopping:
        while started < args.count and len(pending) < args.batch:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            err = sock.connect_ex((HOST, args.port))
            started += 1
            if err not in (0, errno.EINPROGRESS):
                kind = errno.errorcode.get(err, str(err))
                errors[kind] = errors.get(kind, 0) + 1
                failed += 1
                sock.close()
                continue
            pending[sock.fileno()] = sock
            ep.register(sock.fileno(), select.EPOLLOUT)
        for fd, _ in ep.poll(0.1):
            sock = pending.pop(fd, None)
            if sock is None:
                continue
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                kind = errno.errorcode.get(err, str(err))
                errors[kind] = errors.get(kind, 0) + 1
                failed += 1
                ep.unregister(fd)
                sock.close()
                continue
            held[fd] = sock
            # From now on, readable means closed or reset by the other side (nothing is sent).
            ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
        if time.monotonic() - t0 > args.timeout:
            for fd, sock in pending.items():
                errors["timeout"] = errors.get("timeout", 0) + 1
                failed += 1
                ep.unregister(fd)
                sock.close()
            pending.clear()
    report({"open": len(held), "failed": failed, "seconds": round(time.monotonic() - t0, 3),
            "errors": errors})
    dropped = 0
    while not stopping:
        try:
            events = ep.poll(0.5)
        except InterruptedError:
            continue
        for fd, _ in events:
            sock = held.pop(fd, None)
            if sock is not None:
                dropped += 1
                ep.unregister(fd)
                sock.close()
    for sock in held.values():
        sock.close()
    report({"dropped": dropped})
    return 1 if failed or dropped else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("echo")
    p.add_argument("--port", type=int, default=0)
    p = sub.add_parser("rate")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, default=20000)
    p.add_argument("--concurrency", type=int, default=200)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--timeout", type=float, default=10)
    p = sub.add_parser("idle")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    return {"echo": echo, "rate": rate, "idle": idle}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
