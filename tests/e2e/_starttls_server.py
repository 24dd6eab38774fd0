"""A mail (or FTP) server that speaks just enough of its protocol to upgrade to TLS: the plain
greeting, the capability command, the STARTTLS command (STLS, AUTH TLS), the handshake, and the
capability command again through TLS. For tcpkit's tests; one client, then it exits.

usage: _starttls_server.py PROTOCOL CERT KEY [--no-starttls] [--multiline]
It prints "ready PORT" once it listens on 127.0.0.1 (a free port).
"""
import socket
import ssl
import sys

protocol, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
offer = "--no-starttls" not in sys.argv
multiline = "--multiline" in sys.argv

GREETING = {
    "smtp": b"220-mail.test ESMTP tcpkit-test\r\n220 ready\r\n" if multiline else b"220 mail.test ESMTP tcpkit-test\r\n",
    "imap": b"* OK [CAPABILITY IMAP4rev1 STARTTLS] tcpkit-test IMAP ready\r\n",
    "pop3": b"+OK tcpkit-test POP3 ready\r\n",
    "ftp": b"220-Welcome to tcpkit-test FTP\r\n220 ready\r\n" if multiline else b"220 tcpkit-test FTP ready\r\n",
}[protocol]

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print("ready", listener.getsockname()[1], flush=True)
conn, _ = listener.accept()


def lines(sock):
    """Yields the client's lines, CRLF removed."""
    pending = b""
    while True:
        while b"\n" not in pending:
            data = sock.recv(4096)
            if not data:
                return
            pending += data
        line, pending = pending.split(b"\n", 1)
        yield line.rstrip(b"\r").decode()


def capabilities(secure):
    if protocol == "smtp":
        extensions = ["250-mail.test"] + ([] if secure or not offer else ["250-STARTTLS"]) + ["250 AUTH PLAIN" if secure else "250 8BITMIME"]
        return ("\r\n".join(extensions) + "\r\n").encode()
    if protocol == "imap":
        return b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK done\r\n"
    if protocol == "pop3":
        return b"+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n"
    return b"211-Features:\r\n PBSZ\r\n PROT\r\n211 End\r\n"


conn.sendall(GREETING)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
for line in lines(conn):
    verb = line.split(" ")[0].upper()
    if protocol == "imap":
        tag, _, command = line.partition(" ")
        verb = command.upper()
    if verb in ("EHLO", "HELO"):
        conn.sendall(capabilities(False))
    elif verb in ("STARTTLS", "STLS") or line.upper() == "AUTH TLS":
        tagged = tag.encode() + b" " if protocol == "imap" else b""
        if not offer:
            conn.sendall({"smtp": b"502 not here\r\n", "imap": tagged + b"BAD no\r\n", "pop3": b"-ERR no\r\n", "ftp": b"502 no\r\n"}[protocol])
            continue
        conn.sendall({"smtp": b"220 go ahead\r\n", "imap": tagged + b"OK begin TLS\r\n", "pop3": b"+OK begin TLS\r\n", "ftp": b"234 AUTH TLS ok\r\n"}[protocol])
        secure = context.wrap_socket(conn, server_side=True)
        for after in lines(secure):
            secure.sendall(capabilities(True))
        break
    else:
        conn.sendall(b"500 what?\r\n")
