"""A test HTTP server on loopback whose answers depend on the path.

Prints its port on stdout, then serves until killed. Paths:
  /ok            200 "ok"                      /fail      503 "down"
  /slow?ms=N     the first byte after N ms     /close     closes without an answer
  /chunked       200, a chunked body with "healthy" in its third chunk
  /big           200, a 10 MB body (the server counts what it could send: /stats)
  /garbage       bytes that are not HTTP       /redirect  302 to /ok
  /stall         200 headers, 10 bytes of body, then nothing
  /flaky?ms=N    503 until N ms after the server started, then 200
  /stats         JSON: {"big_done": n, "big_broken": n, "big_sent_max": bytes, "requests": n,
                 "user_agent": last User-Agent, "method": last method, "x_test": last X-Test}
Usage: _http_server.py [PORT] [--unix PATH] [--tls CERT KEY]
"""
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingUnixStreamServer
from urllib.parse import parse_qs, urlparse

STARTED = time.monotonic()
STATS = {"big_done": 0, "big_broken": 0, "big_sent_max": 0, "requests": 0,
         "user_agent": None, "method": None, "x_test": None}
LOCK = threading.Lock()
BIG = 10 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def address_string(self):
        return "client"

    def answer(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path != "/stats":
            with LOCK:
                STATS["requests"] += 1
                STATS["user_agent"] = self.headers.get("User-Agent")
                STATS["method"] = self.command
                STATS["x_test"] = self.headers.get("X-Test")
        if url.path == "/ok":
            self.answer(200, b"ok\n")
        elif url.path == "/fail":
            self.answer(503, b"down\n")
        elif url.path == "/redirect":
            self.answer(302, b"", [("Location", "/ok")])
        elif url.path == "/slow":
            time.sleep(int(query.get("ms", ["3000"])[0]) / 1000)
            self.answer(200, b"ok\n")
        elif url.path == "/close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif url.path == "/garbage":
            self.close_connection = True
            self.wfile.write(b"SSH-2.0-OpenSSH_9.2 not http at all\r\n")
            self.wfile.flush()
            time.sleep(0.5)
        elif url.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in [b"status: ", b"all ", b"healthy\n"]:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                time.sleep(0.02)
            self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            if self.command == "HEAD":
                return
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < BIG:
                    self.wfile.write(chunk)
                    sent += len(chunk)
                self.wfile.flush()
                with LOCK:
                    STATS["big_done"] += 1
            except OSError:
                with LOCK:
                    STATS["big_broken"] += 1
            with LOCK:
                STATS["big_sent_max"] = max(STATS["big_sent_max"], sent)
            self.close_connection = True
        elif url.path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            if self.command == "HEAD":
                return
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(5)
            self.close_connection = True
        elif url.path == "/flaky":
            up_after = int(query.get("ms", ["1500"])[0]) / 1000
            if time.monotonic() - STARTED >= up_after:
                self.answer(200, b"ok\n")
            else:
                self.answer(503, b"starting\n")
        elif url.path == "/stats":
            with LOCK:
                self.answer(200, json.dumps(STATS).encode(), [("Content-Type", "application/json")])
        else:
            self.answer(404, b"no such page\n")


class UnixServer(ThreadingUnixStreamServer):
    daemon_threads = True

    def get_request(self):
        conn, _ = super().get_request()
        return conn, ("unix", 0)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--unix":
        server = UnixServer(args[1], Handler)
        print("unix", flush=True)
    else:
        port = int(args[0]) if args and args[0].isdigit() else 0
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        if "--tls" in args:
            at = args.index("--tls")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(args[at + 1], args[at + 2])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
