/** Help texts for people: the overview and one page a command. */
import { PROXY_DEFAULTS } from "./proxy_args.ts";
import { MAX_CONCURRENCY } from "../net/probe.ts";
import { CONNECT_TIMEOUT_MS } from "../net/dial.ts";
import {
  CHECK_DEFAULTS,
  FORWARD_DEFAULTS,
  GREET_QUIET_MS,
  GREET_TIMEOUT_MS,
  GREET_WAIT_MS,
} from "./args.ts";

/** The overview shown by `tcpkit --help`. */
export const MAIN_HELP = `tcpkit: a TCP swiss-army knife

Usage:
  tcpkit serve   [HOST:]PORT [--echo | --sink | --reply TEXT | --greet] [-k] [options]
  tcpkit connect HOST:PORT | HOST PORT [--send TEXT] [options]
  tcpkit greet   HOST:PORT [--name NAME]... [--wait DURATION] [options]
  tcpkit check   TARGET... [--timeout DURATION] [--count N] [options]
  tcpkit forward [HOST:]PORT TARGET... [--allow CIDR] [--deny CIDR] [--max-conns N] [options]
  tcpkit proxy   [HOST:]PORT [--auth USER:PASS] [--allow-to CIDR] [--deny-to CIDR] [options]
  tcpkit --help | --version          tcpkit COMMAND --help

Commands:
  serve     listen for clients: print what they send, send them stdin, or echo,
            discard (with a throughput report), answer once, or greet them
  connect   connect to a server, send stdin (or --send TEXT), half-close, then
            print everything the server sends until it closes
  greet     play the greeting dialogue with --name, or show what any server says
            first (its banner) and name the protocol; over TLS or STARTTLS too
  check     is it up, and how fast does it answer? ports, ranges, lists and
            subnets, concurrently; certificates with --tls; --count N as tcping
  forward   forward every client to a target (the first that answers), with
            access control, the PROXY protocol, TLS on either side, and a drain
  proxy     serve SOCKS5 and HTTP (CONNECT and plain http://) on one port, with
            logins and rules for where clients may connect; --proxy URL on
            connect, greet, check and forward goes through one

Addresses: HOST:PORT, [IPV6]:PORT, tls://HOST:PORT (TLS), unix:/path (a Unix
socket). A service name may stand for a port: localhost:ssh.

TLS: --tls, verified against the system's roots (--ca FILE for more, --sni NAME,
--pin SHA256 for exactly one certificate, -k/--insecure for none); serve --tls
without --cert makes a certificate and prints the command that pins it.

Common options:
  -v, --verbose              report connections, byte counts, durations and rates on stderr
      --json                 JSON instead of text: serve, connect and forward report on
                             stderr as JSON Lines; check's results and greet's object go
                             to stdout
  -h, --help                 show a command's help: its options and examples

DURATION is 500ms, 2s, 1m or a bare number of seconds.

Examples:
  tcpkit serve 9000                          one client: its bytes to stdout, stdin to it
  tcpkit serve 127.0.0.1:0 --echo -k         echo server on a free port, many clients
  tcpkit connect example.org 80 --send $'HEAD / HTTP/1.0\\r\\n\\r\\n'
  tar c dir | tcpkit connect 10.0.0.2:9000   send a stream, then read the reply
  tcpkit connect tls://example.org:443 -v    TLS, verified, with the certificate shown
  tcpkit greet localhost:22                  what does this server say first?
  tcpkit check localhost:22 10.0.0.0/24:80   is it up?
  tcpkit forward 8080 backend:80             a sidecar forwarder

Exit codes: 0 success, 1 network failure, 2 usage error, 3 name not resolved,
4 timeout, 5 TLS or certificate failure, 130 interrupted.
`;
/** Help for each command, shown by `tcpkit COMMAND --help`. */
export const COMMAND_HELP: Record<string, string> = {
  serve: `Usage: tcpkit serve [HOST:]PORT [--echo | --sink | --reply TEXT | --greet | --chat]
                    [-k] [options]
       tcpkit serve unix:/path [...]

Listen on PORT (0 picks a free port) of HOST, or of every interface (IPv4 and
IPv6) when HOST is left out, or on a Unix socket. The address really bound is
announced on stderr:
  tcpkit: listening on 127.0.0.1:43567

Modes (one at most):
  (default)           write what the client sends to stdout; send stdin to the
                      client (to every connected client with -k); stdin's end
                      half-closes the connection. A client's close ends only
                      its direction: stdin from a pipe or a file is still sent
                      to its end (not when stdin is a terminal)
      --echo          send back everything received
      --sink          discard everything received; report bytes and rate
      --reply TEXT    wait for the client's first data, show it with the client's
                      address on stdout, answer TEXT and close
      --greet         speak the greeting dialogue: "Server: Welcome!", then for each
                      name "Server: Hello NAME!", until the client says exit
      --chat          a chat room (as ncat --chat; keeps accepting): each
                      client's lines go to the others after its address, and
                      to stdout; stdin is not read

Options:
  -k, --keep-open     keep accepting and serve clients concurrently; without it,
                      serve one client and exit
      --idle-timeout DURATION
                      end a connection after DURATION with no byte either way
      --quiet-period DURATION
                      --greet: text without a line ending counts as a name once
                      the client has paused this long (default ${GREET_QUIET_MS}ms)
      --label         default mode: each client's lines on stdout after its
                      address, whole (who said what, with -k); the clients do
                      not see each other's lines: that is --chat
  -x, --hexdump       each direction's bytes as a hex dump on stderr
      --allow CIDR    admit only clients from CIDR (repeat for more)
      --deny CIDR     refuse clients from CIDR (repeat for more; the more
                      specific rule wins)
      --max-conns N   at most N clients at once; more wait in the listen backlog
      --tls           TLS on every connection
      --cert FILE --key FILE
                      the certificate (PEM); without them, one is made in memory
                      and its SHA-256 printed with a command that pins it
      --client-ca FILE
                      require client certificates issued by this CA (mutual TLS;
                      TLS 1.2, so that a refused client is told in its handshake)
  -v, --verbose       report each connection and its byte counts on stderr
      --json          report on stderr as JSON Lines

SIGINT or SIGTERM stops accepting, closes every connection, prints a summary
and exits 0.

UDP (-u, --udp, or udp://[HOST:]PORT):
  each datagram goes to stdout as it is (-v names its sender, --label prefixes it,
  -x dumps it). Without -k the first sender is the peer and stdin goes to it, one
  read one datagram; serve ends once stdin has ended and no datagram came for
  --idle-timeout (default 2s). With -k every sender is served: --echo, --sink,
  --reply TEXT answer each datagram to its sender; stdin goes to every sender heard
  from within the idle time; --max-conns bounds the senders kept.

Examples:
  tcpkit serve 9000 > received.bin           receive one upload
  tcpkit serve 127.0.0.1:0 --echo -k         an echo server on a free port
  tcpkit serve 9000 --sink -k                measure what clients can send
  tcpkit serve 8888 --reply 'the server has received data'
  tcpkit serve 6000 --greet -k               the greeting server, many clients
  tcpkit serve 8443 --tls --echo -k          TLS with a generated certificate
  tcpkit serve 9000 -k --label --allow 10.0.0.0/8
  tcpkit serve 9000 --chat                   a chat room for nc clients
  tcpkit serve -u 5353 -k --echo
`,
  greet: `Usage: tcpkit greet HOST:PORT [--name NAME]... [--wait DURATION] [options]
       tcpkit greet HOST PORT | tls://HOST:PORT | HOST:PORT --starttls PROTOCOL

With names, play the client side of the greeting dialogue (tcpkit serve --greet,
or any server that speaks it): print the server's words as they arrive, answer
each "What's your name?" with the next name, then with exit, and print the
farewell. A server that breaks off the dialogue is an error (exit 1).

Without names, read the server's greeting (banner): connect, wait up to --wait
for its first words, stop as soon as the greeting is complete (a reply of
several lines, 220-... then 220 ..., is followed to its last line), print it,
and name the protocol on stderr (ssh, smtp, ftp, pop3, imap, vnc, mysql, telnet,
nntp, irc, rsync, tcpkit-greet). A silent server is reported as such, with exit
0. Bytes that are not printable text are shown escaped (\\x1b), never raw.

Options:
  -n, --name NAME     a name to give (repeat for more)
      --wait DURATION how long to wait for the server's words (default ${GREET_WAIT_MS / 1000}s)
      --timeout DURATION
                      give up connecting after DURATION (default ${
    GREET_TIMEOUT_MS / 1000
  }s; exit 4)
      --tls           the server speaks TLS from the start (smtps, imaps, https)
      --starttls smtp|imap|pop3|ftp
                      read the plain greeting, upgrade to TLS, and show the
                      certificate and what the server says through TLS
      --ca FILE, --sni NAME, --pin SHA256, -k/--insecure, --cert FILE --key FILE
                      how to trust the server (as connect)
      --proxy URL     through a proxy: socks5://[USER:PASS@]HOST:PORT (the name
                      resolved here), socks5h://… (resolved by the proxy),
                      http://… (HTTP CONNECT); no scheme means http://
  -4, -6, --numeric   IPv4 or IPv6 addresses only; no name lookup
  -v, --verbose       report the connection on stderr
      --json          one JSON object on stdout: host, port, connect_ms,
                      greeting (the bytes as text, once), protocol (null when
                      unknown), tls; or the dialogue

Examples:
  tcpkit greet localhost:6000 --name Michael --name Tracy --name Sarah
  tcpkit greet 127.0.0.1:22                  SSH-2.0-OpenSSH_9.2p1 ... (ssh)
  tcpkit greet mail.lan:25 --starttls smtp   the mail server's certificate
  tcpkit greet mail.lan:993 --tls --json
`,
  check: `Usage: tcpkit check TARGET... [--timeout DURATION] [--count N] [options]
       tcpkit check --targets FILE [options]

Connect to every port of every target, concurrently, and report each as open
(with the connect latency), closed (refused), timeout (no answer: filtered),
unreachable (no route, host or network unreachable), unresolved (the host name
did not resolve), or error (any other failure, with its reason). With --tls:
expiring (the certificate expires within --warn-days), unverified (it did not
verify, with why) or tls-error (the handshake failed). Results go to stdout,
in the order the targets were given; a repeated address and port is probed once.

TARGET is HOST:PORT, HOST PORT, HOST:FIRST-LAST (a range) or HOST:P1,P2,... (a
list, whose items may be ranges or service names: web:http,https,8000-8010).
HOST is a name, IPv4, IPv6 in brackets, a subnet (10.0.0.0/24, [fd00::]/120) or
an address range (192.168.1.10-20): at most a /16 (IPv6: a /112) a target.

Options:
      --targets FILE      more targets from FILE (- for stdin), one a line;
                          # comments and blank lines are skipped
      --timeout DURATION  give up on each step after DURATION: the connect, the
                          TLS handshake, the first byte (default ${
    CHECK_DEFAULTS.timeoutMs / 1000
  }s)
  -c, --count N           probe each port N times, as tcping does: each probe,
                          then min/avg/max, stddev (jitter), p95 and loss;
                          Ctrl-C stops and prints the summary so far (exit 130)
      --interval DURATION the pause between rounds of probes (default ${
    CHECK_DEFAULTS.intervalMs / 1000
  }s)
      --concurrency N     connects in flight at once (default ${CHECK_DEFAULTS.concurrency}, at most ${MAX_CONCURRENCY}:
                          100 per thread, as more stall in one)
      --send TEXT         send TEXT after connecting and time the answer's
                          first byte (no answer in time: timeout)
      --banner            time the server's first bytes, sending nothing (a
                          silent server is open, "no banner": TLS waits)
  -v, --verbose           list every port of a range, not only the open ones;
                          show name lookup times
      --json              JSON Lines on stdout: a "result" object per port,
                          then a "summary" (same as --format json)
      --format FORMAT     text (default), json, or prometheus (the text
                          exposition format, for node_exporter's textfile
                          collector)
      --proxy URL         through a proxy: socks5://, socks5h:// (the proxy
                          resolves names) or http:// (CONNECT), USER:PASS@ for a login
      --noproxy LIST      http(s):// targets on these hosts go direct (NO_PROXY's
                          form: names, .suffixes, CIDRs, *); without --proxy,
                          http_proxy, HTTPS_PROXY and NO_PROXY are read as curl
                          reads them, and loopback targets are never proxied
  -4, -6, -n              only IPv4 or IPv6 addresses; no name lookups

HTTP (http://HOST[:PORT]/PATH and https://... targets, mixed with the others):
one HTTP/1.1 request, redirects not followed; healthy (open) when the status
is 200-399, else unhealthy with the reason. https:// is verified as connect
verifies (the TLS options below apply; a certificate failure exits 5).
      --expect STATUS     healthy statuses: 200, 2xx, 200,204 or 200-299
      --expect-body TEXT  the body (its first 64 KiB) must hold TEXT
  -H, --header 'N: V'     send this header (repeatable; 'N:' drops a default)
      --method GET|HEAD   the request's method (default GET)
      --unix-socket PATH  connect to this Unix socket instead (as curl has it)
  -s, --source ADDR       connect from this local address

Waiting:
      --wait DURATION     probe every target until all are up, then exit 0;
                          after DURATION exit 1 with each target's last state
                          (tries 100 ms to 1 s apart, or --interval apart)

TLS:
      --tls               do a TLS handshake after the connect and report the
                          version, ALPN, certificate (subject, names, issuer,
                          expiry, days left) and whether it verifies
      --starttls PROTO    smtp, imap, pop3 or ftp: upgrade to TLS first
      --warn-days N       a certificate expiring within N days: state expiring
      --ca FILE           trust this CA (repeatable); --sni NAME: verify NAME;
                          --alpn PROTO: offer PROTO; --pin SHA256: trust only
                          this certificate; -k/--insecure: any certificate

Exit 0 when every target is up: each HOST:PORT open (with --tls, verified and
not expiring), each range, list or subnet with an open port. 1 when a target
is not up (an unresolvable host counts as not up). 5 when every target
answered but a certificate failed (unverified, expiring) or the TLS handshake
did (1 outweighs 5). 2 for usage errors, 130 on Ctrl-C.

UDP (-u, --udp, or udp://HOST:PORT targets):
      --probe dns|ntp|snmp   the probe for every port; by port when left out:
                      53 a DNS query, 123 an NTP request, 161 an SNMP v2c get
                      (community public); --send TEXT, or an empty datagram, else
      --query NAME    DNS: ask for NAME; a reply that is not NOERROR with an answer
                      is "unhealthy", with its code (NXDOMAIN, SERVFAIL, REFUSED)
  A reply is "open" (with its round trip); silence within --timeout is
  "open|filtered" (nmap's word): a UDP port is never called open for silence.

Examples:
  tcpkit check localhost:22 db.lan:5432         is it up?
  tcpkit check 127.0.0.1:1-65535                which ports are open?
  tcpkit check 10.0.0.0/24:22,80 --timeout 1s   a subnet
  tcpkit check web.lan:80,443,8000-8010 --timeout 500ms
  tcpkit check 10.0.0.5:443 --count 10          latency, jitter and loss
  tcpkit check --tls example.org:443 --warn-days 21
  tcpkit check --starttls smtp mail.lan:25
  tcpkit check --targets hosts.txt --format prometheus > tcpkit.prom
  tcpkit check localhost:1-1024 --json | jq 'select(.state == "open")'
  tcpkit check http://127.0.0.1:8080/healthz    a container's health check
  tcpkit check --wait 60s db:5432 http://api:8080/ready   wait for dependencies
  tcpkit check -u 10.0.0.2:53 --query db.internal
`,
  connect: `Usage: tcpkit connect HOST:PORT [--send TEXT] [options]
       tcpkit connect HOST PORT | tls://HOST:PORT | unix:/path [options]

Connect (IPv6 in brackets: [::1]:9090). Send stdin, or exactly the bytes of
TEXT with --send; at their end, half-close (shut down our sending side), then
print everything the server sends until it closes. When the server closes
first, stdin from a pipe or a file is still sent to its end (exit 1 if the
server resets first: the rest was not delivered); stdin at a terminal ends the
session at once. A reader of stdout that goes away (| head) ends it quietly.
With stderr on a terminal and stdout not (> file), a transfer longer than a
second shows a progress line on stderr.

Options:
      --send TEXT     send TEXT instead of stdin
  -d, --recv-only     receive only (a download): never read stdin, never
                      half-close; read until the server closes
      --timeout DURATION
                      give up connecting (and the TLS handshake) after DURATION
                      (default ${
    CONNECT_TIMEOUT_MS / 1000
  }s; 0: as long as the system tries; exit 4)
      --idle-timeout DURATION
                      give up after DURATION with no byte either way (exit 4)
      --tls           TLS (as tls://HOST:PORT), verified against the system's roots
      --ca FILE       trust the CA certificates in FILE too (with --cert: instead
                      of the system's roots)
      --sni NAME      the name to send and verify, when it is not the host dialled
      --pin SHA256    accept exactly the certificate with this fingerprint
  -k, --insecure      accept any certificate (said once on stderr)
      --alpn PROTO    offer PROTO with ALPN (repeat, or a comma-separated list)
      --cert FILE --key FILE
                      a client certificate, for servers that require one
  -C, --crlf          send line feeds as CRLF
  -x, --hexdump       each direction's bytes as a hex dump on stderr
  -s, --source ADDR   connect from this local IP address (one of this host's);
                      only the target's addresses of its family are tried
      --wait DURATION connect again while refused, unreachable or unresolved,
                      up to DURATION (100 ms to 1 s apart), as wait-for-it does
      --proxy URL     through a proxy: socks5://[USER:PASS@]HOST:PORT (the name
                      resolved here), socks5h://… (resolved by the proxy),
                      http://… (HTTP CONNECT); no scheme means http://
  -4, -6              IPv4 or IPv6 addresses only
  -n, --numeric       no name lookup: HOST must be an address
  -v, --verbose       report where we connected, how fast, the TLS session, and
                      the byte counts
      --json          report on stderr as JSON Lines

UDP (-u, --udp, or udp://HOST:PORT):
  each read of stdin (or --send TEXT) is one datagram, up to 65,507 bytes; each
  datagram of the peer goes to stdout. connect ends by itself, exit 0, once stdin
  has ended and no datagram came for --idle-timeout (default 2s). --source, -4, -6
  and -x as for TCP.

Examples:
  tcpkit connect 127.0.0.1:9000 < file.bin
  tcpkit connect -d 127.0.0.1:9000 > file.bin
  tcpkit connect localhost 8888 --send Hello
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | tcpkit connect example.org:80 -v
  tcpkit connect tls://example.org:443 -v < /dev/null
  tcpkit connect --tls --pin AB:CD:... 10.0.0.5:8443
  tcpkit connect unix:/var/run/app.sock --send ping
  printf hello | tcpkit connect -u 127.0.0.1:5353
`,
  forward: `Usage: tcpkit forward [HOST:]PORT TARGET... [options]
       tcpkit forward unix:/path TARGET... | tls://[HOST:]PORT TARGET...

Listen on PORT (or a Unix socket) and carry every client's connection to the
first TARGET that answers (HOST:PORT, tls://HOST:PORT or unix:/path), both
directions at once, each half-closed at its end, with nothing lost and memory
bounded (a slow target slows its client). Clients are served concurrently.
Each connection is logged on stderr when it ends: client, target, bytes each
way, how long, how it ended.

Options:
      --timeout DURATION
                      give up on a target after DURATION, then try the next
                      (default ${FORWARD_DEFAULTS.timeoutMs / 1000}s)
      --idle-timeout DURATION
                      close a connection with no byte either way for DURATION
      --proxy-protocol v1|v2
                      tell the target the client's address (HAProxy's PROXY
                      protocol, read by nginx, HAProxy, Envoy)
      --allow CIDR    admit only clients from CIDR (repeat for more)
      --deny CIDR     refuse clients from CIDR (repeat; the more specific rule wins)
      --max-conns N   at most N clients at once; more wait, unread, until one ends
      --drain DURATION
                      on SIGTERM or SIGINT: stop accepting, let open connections
                      finish for DURATION (default ${
    FORWARD_DEFAULTS.drainMs / 1000
  }s), close the rest, exit 0
      --tls           TLS on the listening side (--cert FILE --key FILE, or a
                      generated certificate; --client-ca FILE for mutual TLS)
      --ca FILE, --sni NAME, --pin SHA256, -k/--insecure
                      how to trust tls:// targets (as connect)
      --proxy URL     through a proxy: socks5://[USER:PASS@]HOST:PORT (the name
                      resolved here), socks5h://… (resolved by the proxy),
                      http://… (HTTP CONNECT); no scheme means http://
  -4, -6, --numeric   IPv4 or IPv6 addresses only; no name lookup
  -v, --verbose       report each connection as it starts too
      --json          report on stderr as JSON Lines

UDP (-u, --udp, or udp:// addresses): forward -u [HOST:]PORT TARGET
  a session per client address, each with its own socket to the one TARGET, so
  that replies reach their client; --idle-timeout ends a session (default 60s);
  --max-conns bounds the sessions; --allow/--deny; SIGTERM drains as for TCP.

Examples:
  tcpkit forward 8080 backend:80
  tcpkit forward 0.0.0.0:443 --tls --cert site.pem --key site.key 127.0.0.1:8080
  tcpkit forward 2375 unix:/var/run/docker.sock --allow 10.0.0.0/8
  tcpkit forward 80 10.0.0.5:80 10.0.0.6:80 --proxy-protocol v2
  tcpkit forward -u 5353 10.0.0.2:53
`,
  proxy: `Usage: tcpkit proxy [HOST:]PORT [options]

Serve SOCKS5 (RFC 1928: CONNECT and UDP ASSOCIATE; not BIND) and HTTP (CONNECT,
and plain http:// requests, forwarded) on one port, told apart by the client's
first byte. Half-close is carried both ways. Each connection is logged on
stderr when it ends: client, user, protocol, destination, bytes each way, how
long, how it ended (denied, login refused, target not reached, closed...).
A UDP association lasts as long as its TCP connection (or --idle-timeout with
no datagram): datagrams only from the client, destinations checked as
CONNECT's, fragments (FRAG not 0) dropped; its line counts datagrams each way.
Listening on an address other than loopback needs --auth or --allow, or --open.

Options:
      --auth USER:PASS
                      require this login (repeat for more): SOCKS5's
                      username/password, HTTP's Proxy-Authorization: Basic
                      (407 with Proxy-Authenticate without it)
      --allow-to RULE permit only destinations matching a RULE (repeatable)
      --deny-to RULE  refuse destinations matching RULE (repeatable): SOCKS5
                      reply 2, HTTP 403. RULE is CIDR or HOST, with :PORT or
                      without (10.0.0.0/8, 10.0.0.0/8:22, example.org:443);
                      checked on the address really dialled: a name that
                      resolves into a denied range is denied
      --allow CIDR    admit only clients from CIDR (repeat for more)
      --deny CIDR     refuse clients from CIDR
      --max-conns N   at most N clients at once; more wait in the listen backlog
      --timeout DURATION
                      give up dialing a destination after DURATION (default ${
    PROXY_DEFAULTS.timeoutMs / 1000
  }s)
      --handshake-timeout DURATION
                      close a client whose SOCKS5 handshake or HTTP head is not
                      over after DURATION (default ${PROXY_DEFAULTS.handshakeTimeoutMs / 1000}s)
      --idle-timeout DURATION
                      close a connection with no byte either way for DURATION
                      (a UDP association: no datagram either way)
      --drain DURATION
                      on SIGTERM or SIGINT: let open connections finish for
                      DURATION (default ${PROXY_DEFAULTS.drainMs / 1000}s), close the rest, exit 0
      --proxy URL     dial destinations through an upstream proxy (a chain)
      --open          serve anyone on a non-loopback address, without a login
  -4, -6, --numeric   IPv4 or IPv6 destinations only; no name lookup
      --json          report on stderr as JSON Lines

Examples:
  tcpkit proxy 127.0.0.1:1080
  tcpkit proxy 0.0.0.0:1080 --auth alice:s3cret --deny-to 10.0.0.0/8
  curl --socks5-hostname localhost:1080 http://example.org/
  tcpkit connect example.org:22 --proxy socks5h://localhost:1080
`,
};
