#!/usr/bin/env python3
"""A tiny DNS responder for tests: fixed answers, NXDOMAIN for the rest, late or no answers.

Usage:
  _dns_stub.py [--address 127.0.0.1] [--port 53] [--slow NAME=SECONDS]... [--nodata NAME]...
               [--fail NAME=RCODE]... [--silent] [--log FILE] [NAME=IPV4 | NAME=IPV6]...

It answers on UDP and on TCP (two-byte length prefix), on the same address and port:

- a name with answers of the asked type gets them (A for IPv4, AAAA for IPv6; TTL 0);
- a known name asked for a type it has no answer of gets NOERROR with no records (NODATA),
  as a real server says "this name exists but has no AAAA";
- any other name gets NXDOMAIN;
- a name given with --nodata exists with no address at all (NOERROR, no records, any type);
- a name given with --fail gets that RCODE (SERVFAIL, REFUSED...) and no records;
- a name given with --slow is answered only after its SECONDS (other queries go on meanwhile);
- with --silent nothing is ever answered (queries are still read and logged).

--log FILE gets one line per query, "NAME TYPE" (`example.test A`), flushed at once, so a test
can read which names a program looked up. When it listens, the stub prints one line to stdout,
"ready ADDRESS PORT" (the port is the real one when --port 0 was given), and then serves until
it is killed. Only the Python standard library is used.
"""

import argparse
import ipaddress
import socket
import struct
import sys
import threading

TYPE_A = 1
TYPE_AAAA = 28
CLASS_IN = 1
TYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
              28: "AAAA", 33: "SRV", 64: "SVCB", 65: "HTTPS", 255: "ANY"}
RCODE_NOERROR = 0
RCODE_FORMERR = 1
RCODE_NXDOMAIN = 3
RCODES = {"FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}


class Config:
    """What the stub answers: addresses by name, delays by name, and whether it answers at all."""

    def __init__(self, answers, slow, fail, silent, log):
        self.answers = answers  # name -> list of (type, packed address)
        self.slow = slow  # name -> seconds
        self.fail = fail  # name -> rcode
        self.silent = silent
        self.log = log
        self.log_lock = threading.Lock()

    def record(self, name, qtype):
        if self.log is None:
            return
        with self.log_lock:
            self.log.write(f"{name or '.'} {TYPE_NAMES.get(qtype, str(qtype))}\n")
            self.log.flush()


def normalise(name):
    return name.rstrip(".").lower()


def parse_answer(text):
    """`NAME=ADDRESS` -> (name, type, packed address)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f'expected NAME=ADDRESS, got "{text}"')
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{value}" is not an IPv4 or IPv6 address') from None
    qtype = TYPE_A if address.version == 4 else TYPE_AAAA
    return normalise(name), qtype, address.packed


def parse_slow(text):
    name, sep, value = text.partition("=")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not sep or not name or seconds < 0:
        raise argparse.ArgumentTypeError(f'expected NAME=SECONDS, got "{text}"')
    return normalise(name), seconds


def parse_fail(text):
    name, sep, value = text.partition("=")
    rcode = RCODES.get(value.upper()) if not value.isdigit() else int(value)
    if not sep or not name or rcode is None or not 0 < rcode < 16:
        raise argparse.ArgumentTypeError(
            f'expected NAME=RCODE (SERVFAIL, REFUSED, NOTIMP, FORMERR or 1-15), got "{text}"')
    return normalise(name), rcode


def read_question(message):
    """The first question of a query: (name, qtype, offset after it); raises ValueError."""
    if len(message) < 12:
        raise ValueError("short header")
    offset = 12
    labels = []
    while True:
        if offset >= len(message):
            raise ValueError("name runs past the end")
        length = message[offset]
        offset += 1
        if length == 0:
            break
        if length & 0xC0:
            raise ValueError("compression in a question")
        labels.append(message[offset:offset + length].decode("ascii", "replace"))
        offset += length
    if offset + 4 > len(message):
        raise ValueError("question without type and class")
    qtype, _qclass = struct.unpack("!HH", message[offset:offset + 4])
    return normalise(".".join(labels)), qtype, offset + 4


def build_reply(query, config):
    """The reply to `query` and the name it asked for, or (None, name) to stay silent."""
    query_id, flags = struct.unpack("!HH", query[:4]) if len(query) >= 4 else (0, 0)
    opcode_rd = flags & 0x7900  # opcode and RD, copied into the reply
    try:
        name, qtype, end = read_question(query)
    except ValueError:
        config.record("?", 0)
        if config.silent:
            return None, None
        header = struct.pack("!HHHHHH", query_id, 0x8080 | opcode_rd | RCODE_FORMERR, 0, 0, 0, 0)
        return header, None
    config.record(name, qtype)
    if config.silent:
        return None, name
    question = query[12:end]
    known = config.answers.get(name)
    if name in config.fail:
        rcode, records = config.fail[name], []
    elif known is None:
        rcode, records = RCODE_NXDOMAIN, []
    else:
        rcode = RCODE_NOERROR
        records = [packed for (t, packed) in known if t == qtype or qtype == 255]
    answers = b""
    for packed in records:
        rtype = TYPE_A if len(packed) == 4 else TYPE_AAAA
        # The name as a pointer to the question's (offset 12); TTL 0, so nothing is cached.
        answers += struct.pack("!HHHIH", 0xC00C, rtype, CLASS_IN, 0, len(packed)) + packed
    # QR, AA and RA set; opcode and RD as asked.
    header = struct.pack("!HHHHHH", query_id, 0x8480 | opcode_rd | rcode, 1, len(records), 0, 0)
    return header + question + answers, name


def answer_later(send, reply, seconds):
    timer = threading.Timer(seconds, send, args=(reply,))
    timer.daemon = True
    timer.start()


def serve_udp(sock, config):
    while True:
        query, peer = sock.recvfrom(65535)
        reply, name = build_reply(query, config)
        if reply is None:
            continue

        def send(data, peer=peer):
            try:
                sock.sendto(data, peer)
            except OSError:
                pass

        delay = config.slow.get(name, 0) if name else 0
        if delay > 0:
            answer_later(send, reply, delay)
        else:
            send(reply)


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve_tcp_client(conn, config):
    lock = threading.Lock()

    def send(data):
        with lock:
            try:
                conn.sendall(struct.pack("!H", len(data)) + data)
            except OSError:
                pass

    try:
        while True:
            prefix = read_exactly(conn, 2)
            if prefix is None:
                return
            query = read_exactly(conn, struct.unpack("!H", prefix)[0])
            if query is None:
                return
            reply, name = build_reply(query, config)
            if reply is None:
                continue
            delay = config.slow.get(name, 0) if name else 0
            if delay > 0:
                answer_later(send, reply, delay)
            else:
                send(reply)
    except OSError:
        pass
    finally:
        # A late answer still pending for a client that left finds the socket closed: ignored.
        conn.close()


def serve_tcp(sock, config):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_client, args=(conn, config), daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=53, help="UDP and TCP port (0: any)")
    parser.add_argument("--slow", type=parse_slow, action="append", default=[],
                        metavar="NAME=SECONDS", help="answer NAME only after SECONDS")
    parser.add_argument("--fail", type=parse_fail, action="append", default=[],
                        metavar="NAME=RCODE", help="answer NAME with RCODE (SERVFAIL, REFUSED...)")
    parser.add_argument("--nodata", action="append", default=[], metavar="NAME",
                        help="NAME exists but has no address of any type")
    parser.add_argument("--silent", action="store_true", help="never answer anything")
    parser.add_argument("--log", metavar="FILE", help='append "NAME TYPE" per query to FILE')
    parser.add_argument("answers", type=parse_answer, nargs="*", metavar="NAME=ADDRESS",
                        help="an A (IPv4) or AAAA (IPv6) answer for NAME")
    args = parser.parse_args()

    answers = {}
    for name, qtype, packed in args.answers:
        answers.setdefault(name, []).append((qtype, packed))
    # A slow name exists (its answers come late), even with no address given for it.
    for name in [name for name, _ in args.slow] + [normalise(name) for name in args.nodata]:
        answers.setdefault(name, [])
    log = open(args.log, "a", buffering=1, encoding="utf-8") if args.log else None
    config = Config(answers, dict(args.slow), dict(args.fail), args.silent, log)

    family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.bind((args.address, args.port))
    port = udp.getsockname()[1]
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.address, port))
    tcp.listen(16)

    threading.Thread(target=serve_tcp, args=(tcp, config), daemon=True).start()
    print(f"ready {args.address} {port}", flush=True)
    try:
        serve_udp(udp, config)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
