#!/usr/bin/env python3
"""UDP load for bench/udp.sh: an echo backend, a paced client, and a session opener.

  udp_load.py echo PORT
      Echoes every datagram to its sender (one socket, recvfrom/sendto), until killed.
  udp_load.py client PORT COUNT SIZE INFLIGHT [TIMEOUT]
      Sends COUNT datagrams of SIZE bytes to 127.0.0.1:PORT, INFLIGHT outstanding at once; each
      reply lets the next one go. A datagram whose reply does not come within TIMEOUT seconds
      (default 1) is counted lost and another goes. Prints "sent N received N lost N seconds S".
  udp_load.py sessions PORT COUNT
      Sends one datagram from each of COUNT sockets (COUNT client addresses), a hundred at a
      time, again until its reply came (up to five times), prints "replied N", then holds the
      sockets open until stdin closes.
"""
import select
import socket
import sys
import time


def echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def client(port, count, size, inflight, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect(("127.0.0.1", port))
    payload = b"x" * size
    sent = received = 0
    outstanding = 0
    start = time.monotonic()
    last_reply = start
    while sent < count and outstanding < inflight:
        s.send(payload)
        sent += 1
        outstanding += 1
    while outstanding > 0:
        ready, _, _ = select.select([s], [], [], timeout)
        if not ready:
            # Nothing for TIMEOUT: what is outstanding is lost; go on with fresh ones.
            outstanding = 0
        else:
            while True:
                try:
                    s.recv(65535, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                received += 1
                outstanding -= 1
                last_reply = time.monotonic()
        while sent < count and outstanding < inflight:
            s.send(payload)
            sent += 1
            outstanding += 1
    seconds = last_reply - start
    print(f"sent {sent} received {received} lost {sent - received} seconds {seconds:.3f}")


def sessions(port, count):
    # A hundred clients at a time, each datagram sent again (up to five times) until its reply
    # came: a burst of thousands would overflow the forwarder's receive buffer, as UDP may.
    socks = []
    replied = 0
    for first in range(0, count, 100):
        batch = []
        for _ in range(min(100, count - first)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect(("127.0.0.1", port))
            batch.append(s)
        socks.extend(batch)
        pending = {s.fileno(): s for s in batch}
        for _ in range(5):
            for s in pending.values():
                s.send(b"hello")
            poller = select.poll()
            for fd in pending:
                poller.register(fd, select.POLLIN)
            deadline = time.monotonic() + 1
            while pending and time.monotonic() < deadline:
                for fd, _ in poller.poll(200):
                    if fd in pending:
                        pending.pop(fd).recv(65535)
                        poller.unregister(fd)
                        replied += 1
            if not pending:
                break
    print(f"replied {replied}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "echo":
        echo(int(sys.argv[2]))
    elif mode == "client":
        args = [int(a) for a in sys.argv[2:6]]
        client(*args, float(sys.argv[6]) if len(sys.argv) > 6 else 1.0)
    elif mode == "sessions":
        sessions(int(sys.argv[2]), int(sys.argv[3]))
