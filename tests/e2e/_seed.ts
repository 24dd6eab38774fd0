/**
 * Seed 003's server and client, written again in our own code (Python, as the seed is), so that
 * tcpkit's greeting can be compared with them byte for byte.
 */

/**
 * A threaded server that behaves as the seed's: two sends per answer, recv(1024) per message, a
 * thread per client. Two additions, which change no dialogue: it closes the socket on every path,
 * and stops when a client leaves without saying exit (the seed's server would answer empty
 * reads forever).
 */
export function seedServerScript(backlog = 5): string {
  return `
import socket, threading
def tcplink(conn, addr):
    try:
        conn.send(b"Server: Welcome!\\n")
        while True:
            conn.send(b"Server: What's your name?")
            data = conn.recv(1024)
            if data == b"exit":
                conn.send(b"Server: Good bye!\\n")
                break
            if not data:
                break
            conn.send(b"Server: Hello %s!\\n" % data)
    finally:
        conn.close()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(${backlog})
print(s.getsockname()[1], flush=True)
while True:
    conn, addr = s.accept()
    threading.Thread(target=tcplink, args=(conn, addr), daemon=True).start()
`;
}

/**
 * The seed's client: the same bytes, in the same order, with the same pauses (scaled by
 * `pause`, 1 for the seed's own seconds).
 */
export function seedClientScript(port: number, pause = 1): string {
  return `
import socket, time
p = ${pause}
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", ${port}))
print(s.recv(1024).decode())
for data in [b"Michael", b"Tracy", b"Sarah"]:
    s.send(data)
    time.sleep(2 * p)
    print(s.recv(1024).decode("utf-8"))
    time.sleep(1 * p)
time.sleep(3 * p)
s.send(b"exit")
time.sleep(2 * p)
print(s.recv(1024).decode("utf-8"))
s.close()
`;
}
