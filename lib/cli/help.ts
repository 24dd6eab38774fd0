/** Help texts for people: the overview and one page a command. */
import { MAX_CONCURRENCY } from "../net/probe.ts";
import { CHECK_DEFAULTS, GREET_QUIET_MS, GREET_WAIT_MS } from "./args.ts";

/** The overview shown by `tcpkit --help`. */
export const MAIN_HELP = `tcpkit: a TCP swiss-army knife

Usage:
  tcpkit serve   [HOST:]PORT [--echo | --sink | --reply TEXT | --greet] [-k] [options]
  tcpkit connect HOST:PORT | HOST PORT [--send TEXT] [options]
  tcpkit greet   HOST:PORT [--name NAME]... [--wait DURATION] [options]
  tcpkit check   TARGET... [--timeout DURATION] [--count N] [options]
  tcpkit --help | --version          tcpkit COMMAND --help

Commands:
  serve     listen for TCP clients: print what they send, send them stdin, or echo,
            discard (with a throughput report), answer once, or greet them
  connect   connect to a TCP server, send stdin (or --send TEXT), half-close,
            then print everything the server sends until it closes
  greet     play the greeting dialogue with --name, or show what any server says
            first (its banner) and name the protocol
  check     is it up, and how fast does it answer? ports, ranges and lists,
            checked concurrently; --count N repeats as tcping does

Common options:
  -v, --verbose              report connections, byte counts, durations and rates on stderr
      --json                 report on stderr as JSON Lines instead of text
      --timeout DURATION     give up connecting after DURATION (connect, greet, check)
      --idle-timeout DURATION
                             end a connection when no byte moved either way for DURATION
                             (serve, connect)
  -h, --help                 show help

DURATION is 500ms, 2s, 1m or a bare number of seconds.

Examples:
  tcpkit serve 9000                          one client: its bytes to stdout, stdin to it
  tcpkit serve 127.0.0.1:0 --echo -k         echo server on a free port, many clients
  tcpkit connect example.org 80 --send $'HEAD / HTTP/1.0\\r\\n\\r\\n'
  tar c dir | tcpkit connect 10.0.0.2:9000   send a stream, then read the reply
  tcpkit greet localhost:22                  what does this server say first?
  tcpkit check localhost:22 localhost:8000-8100

Exit codes: 0 success, 1 network failure, 2 usage error, 3 name not resolved,
4 timeout, 130 interrupted.
`;

/** Help for each command, shown by `tcpkit COMMAND --help`. */
export const COMMAND_HELP: Record<string, string> = {
  serve: `Usage: tcpkit serve [HOST:]PORT [--echo | --sink | --reply TEXT | --greet] [-k] [options]

Listen on PORT (0 picks a free port) of HOST, or of every interface (IPv4 and
IPv6) when HOST is left out. The address really bound is announced on stderr:
  tcpkit: listening on 127.0.0.1:43567

Modes (one at most):
      --greet         speak the greeting dialogue: "Server: Welcome!", then for each
                      name "Server: Hello NAME!", until the client says exit
  (default)           write what the client sends to stdout; send stdin to the
                      client (to every connected client with -k); stdin's end
                      half-closes the connection
      --echo          send back everything received
      --sink          discard everything received; report bytes and rate
      --reply TEXT    wait for the client's first data, show it with the client's
                      address on stdout, answer TEXT and close

Options:
      --quiet-period DURATION
                      --greet: text without a line ending counts as a name once
                      the client has paused this long (default ${GREET_QUIET_MS}ms)
  -k, --keep-open     keep accepting and serve clients concurrently; without it,
                      serve one client and exit
      --idle-timeout DURATION
                      end a connection after DURATION with no byte either way
  -v, --verbose       report each connection and its byte counts on stderr
      --json          report on stderr as JSON Lines

SIGINT or SIGTERM stops accepting, closes every connection, prints a summary
and exits 0.

Examples:
  tcpkit serve 9000 > received.bin           receive one upload
  tcpkit serve 127.0.0.1:0 --echo -k         an echo server on a free port
  tcpkit serve 9000 --sink -k                measure what clients can send
  tcpkit serve 8888 --reply 'the server has received data'
  tcpkit serve 6000 --greet -k               the greeting server, many clients
`,
  greet: `Usage: tcpkit greet HOST:PORT [--name NAME]... [--wait DURATION] [options]

With names, play the client side of the greeting dialogue (tcpkit serve --greet,
or any server that speaks it): print the server's words as they arrive, answer
each "What's your name?" with the next name, then with exit, and print the
farewell. A server that breaks off the dialogue is an error (exit 1).

Without names, read the server's greeting (banner): connect, wait up to --wait
for its first words, stop as soon as the greeting is complete, print it, and
name the protocol on stderr (ssh, smtp, ftp, pop3, imap, vnc, mysql, telnet,
nntp, irc, rsync). A silent server is reported as such, with exit 0. Bytes that
are not printable text are shown escaped (\x1b), never written raw.

Options:
  -n, --name NAME     a name to give (repeat for more)
      --wait DURATION how long to wait for the server's words (default ${GREET_WAIT_MS / 1000}s)
      --timeout DURATION
                      give up connecting after DURATION (exit 4)
  -v, --verbose       report the connection on stderr
      --json          one JSON object on stdout: host, port, connect_ms,
                      greeting, protocol (null when unknown); or the dialogue

Examples:
  tcpkit greet localhost:6000 --name Michael --name Tracy --name Sarah
  tcpkit greet 127.0.0.1:22                  SSH-2.0-OpenSSH_9.2p1 ... (ssh)
  tcpkit greet mail.lan:25 --json
`,
  check: `Usage: tcpkit check TARGET... [--timeout DURATION] [--count N] [options]

Connect to each target's ports, concurrently, and report each as open (with the
connect latency), closed (refused), timeout (no answer: filtered), unreachable,
unresolved (the host name did not resolve), or error (any other failure to
connect). Results go to stdout.

TARGET is HOST:PORT, HOST:FIRST-LAST (a range) or HOST:P1,P2,... (a list, whose
items may be ranges). HOST is a name, IPv4, or IPv6 in brackets.

Options:
      --timeout DURATION  give up on a port after DURATION (default ${
    CHECK_DEFAULTS.timeoutMs / 1000
  }s)
  -c, --count N           probe each port N times, as tcping does, and report
                          min/avg/max latency and loss (default 1)
      --interval DURATION the pause between rounds of probes (default ${
    CHECK_DEFAULTS.intervalMs / 1000
  }s)
      --concurrency N     connects in flight at once (default ${CHECK_DEFAULTS.concurrency}, at most ${MAX_CONCURRENCY}:
                          100 per thread, as more stall in one)
  -v, --verbose           list every port of a range, not only the open ones
      --json              one JSON object per result on stdout (JSON Lines)

Exit 0 when every HOST:PORT target is open and every range or list has an open
port; 1 otherwise (an unresolvable host counts as not open); 2 for usage errors.

Examples:
  tcpkit check localhost:22 db.lan:5432         is it up?
  tcpkit check 127.0.0.1:1-65535                which ports are open?
  tcpkit check web.lan:80,443,8000-8010 --timeout 500ms
  tcpkit check 10.0.0.5:443 --count 10          latency and loss, as tcping
  tcpkit check localhost:1-1024 --json | jq 'select(.state == "open")'
`,
  connect: `Usage: tcpkit connect HOST:PORT [--send TEXT] [options]
       tcpkit connect HOST PORT [--send TEXT] [options]

Connect to HOST:PORT (a name, IPv4, or IPv6 in brackets: [::1]:9090). Send stdin,
or exactly the bytes of TEXT with --send; at their end, half-close (shut down our
sending side), then print everything the server sends until it closes. When the
server closes first, stdin from a pipe or a file is still sent to its end (exit 1
if the server resets first: the rest was not delivered); stdin at a terminal ends
the session at once.

Options:
      --send TEXT     send TEXT instead of stdin
      --timeout DURATION
                      give up connecting after DURATION (exit 4)
      --idle-timeout DURATION
                      give up after DURATION with no byte either way (exit 4)
  -v, --verbose       report where we connected, how fast, and the byte counts
      --json          report on stderr as JSON Lines

Examples:
  tcpkit connect 127.0.0.1:9000 < file.bin
  tcpkit connect localhost 8888 --send Hello
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | tcpkit connect example.org:80 -v
  tcpkit connect [::1]:9090 --timeout 2s
`,
};
