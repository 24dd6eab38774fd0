import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { parseCommandLine } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/errors.ts";
import { HOST_PORT, NC_HABITS, ncHabit } from "../../lib/cli/nc_habits.ts";

/** ncHabit() for a command line typed as one string, the command word first if any. */
function hint(line: string): string | undefined {
  const words = line.split(" ").filter((word) => word !== "");
  const command = ["serve", "connect", "greet", "check"].includes(words[0]) ? words[0] : undefined;
  return ncHabit(command, command === undefined ? words : words.slice(1));
}

// --- listening -------------------------------------------------------------------------------

Deno.test("ncHabit() answers nc's -l PORT with tcpkit serve", () => {
  assertEquals(
    hint("-l 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000"',
  );
});

Deno.test("ncHabit() takes the port of -l -p PORT", () => {
  assertEquals(
    hint("-l -p 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000"',
  );
  assertEquals(
    hint("-l -p9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000"',
  );
});

Deno.test("ncHabit() carries -k over when listening, as -lk asks", () => {
  assertEquals(
    hint("-lk 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000 -k"',
  );
});

Deno.test("ncHabit() reads a cluster of nc options, -lvp PORT", () => {
  assertEquals(
    hint("-lvp 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000 -v"',
  );
  assertEquals(
    hint("-lkv -p 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000 -k -v"',
  );
});

Deno.test("ncHabit() carries to serve only what serve takes: -lvnp PORT is serve PORT -v", () => {
  assertEquals(
    hint("-lvnp 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000 -v"',
  );
  assertEquals(
    hint("-l -4 -C --nodns 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000"',
  );
});

Deno.test("ncHabit() puts a listening address in serve's HOST:PORT, IPv6 in brackets", () => {
  assertEquals(
    hint("-l 127.0.0.1 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 127.0.0.1:9000"',
  );
  assertEquals(
    hint("-l -s ::1 -p 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve [::1]:9000"',
  );
});

Deno.test("ncHabit() translates nc's -w for a server into --idle-timeout", () => {
  assertEquals(
    hint("-l -w 30 9000"),
    'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000 --idle-timeout 30s"',
  );
});

Deno.test("ncHabit() tells serve -l that serve always listens", () => {
  assertEquals(
    hint("serve -l"),
    'Option "-l" is nc\'s: tcpkit serve always listens, as in "tcpkit serve PORT"',
  );
  assertEquals(
    hint("serve 9000 -l -k"),
    'Option "-l" is nc\'s: tcpkit serve always listens, as in "tcpkit serve 9000 -k"',
  );
  assertEquals(
    hint("serve --listen 9000"),
    'Option "--listen" is ncat\'s: tcpkit serve always listens, as in "tcpkit serve 9000"',
  );
});

Deno.test("ncHabit() tells serve -p PORT that the port is a word", () => {
  assertEquals(
    hint("serve -p 9000"),
    'Option "-p" is nc\'s: tcpkit serve takes the port as a word, as in "tcpkit serve 9000"',
  );
});

Deno.test("ncHabit() tells a bare -p PORT both ways of using a port", () => {
  assertEquals(
    hint("-p 9000"),
    'Option "-p" is nc\'s: tcpkit takes ports as words, as in "tcpkit serve 9000" to listen or ' +
      '"tcpkit connect HOST 9000" to connect',
  );
});

Deno.test("ncHabit() tells connect -p that nc's -p is the local port", () => {
  assertEquals(
    hint("connect -p 5000 example.org 80"),
    'Option "-p" is nc\'s, for the local port: tcpkit lets the system choose it, and takes the ' +
      "server's port in the target (HOST:PORT)",
  );
});

Deno.test("ncHabit() tells serve -s ADDR to put the address before the port", () => {
  assertEquals(
    hint("serve 9000 -s 127.0.0.1"),
    'Option "-s" is nc\'s: tcpkit serve takes the address to listen on before the port, as in ' +
      '"tcpkit serve 127.0.0.1:9000"',
  );
});

// --- connecting ------------------------------------------------------------------------------

Deno.test("ncHabit() answers a bare HOST PORT with tcpkit connect", () => {
  assertEquals(
    hint("127.0.0.1 22"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect 127.0.0.1 22"',
  );
  assertEquals(
    hint("localhost 8080"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect localhost 8080"',
  );
});

Deno.test("ncHabit() answers a bare HOST:PORT with tcpkit connect", () => {
  assertEquals(
    hint("example.org:80"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect example.org:80"',
  );
});

Deno.test("ncHabit() carries nc's options over into the connect it suggests", () => {
  assertEquals(
    hint("-v -w 2 -n 10.0.0.1 22"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect 10.0.0.1 22 -v --timeout 2s -n"',
  );
  assertEquals(
    hint("-N -q 1 example.org 80"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect example.org 80"',
  );
  assertEquals(
    hint("--ssl -C example.org 443"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect example.org 443 --tls --crlf"',
  );
});

Deno.test("ncHabit() takes a plain word and a port for a host only with nc options", () => {
  // Without options, "serv 9000" is more likely a typo of serve than a host called serv.
  assertEquals(hint("serv 9000"), undefined);
  assertEquals(hint("db 5432"), undefined);
  assertEquals(
    hint("-v db 5432"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect db 5432 -v"',
  );
});

Deno.test("ncHabit() answers a bare HOST and several ports with tcpkit check", () => {
  assertEquals(
    hint("example.org 20-25"),
    'Host and ports come after a command in tcpkit: to check ports, use "tcpkit check example.org:20-25"',
  );
});

// --- checking --------------------------------------------------------------------------------

Deno.test("ncHabit() answers -z HOST PORTS with tcpkit check HOST:PORTS", () => {
  assertEquals(
    hint("-z example.org 20-25"),
    'Option "-z" is nc\'s: with tcpkit, check ports with "tcpkit check example.org:20-25"',
  );
  assertEquals(
    hint("-z example.org 22 80 443"),
    'Option "-z" is nc\'s: with tcpkit, check ports with "tcpkit check example.org:22,80,443"',
  );
});

Deno.test("ncHabit() answers -zv with tcpkit check -v, IPv6 in brackets", () => {
  assertEquals(
    hint("-zv 10.0.0.5 22"),
    'Option "-z" is nc\'s: with tcpkit, check ports with "tcpkit check 10.0.0.5:22 -v"',
  );
  assertEquals(
    hint("-zv ::1 22"),
    'Option "-z" is nc\'s: with tcpkit, check ports with "tcpkit check [::1]:22 -v"',
  );
  assertEquals(
    hint("-zw 1 10.0.0.5 22"),
    'Option "-z" is nc\'s: with tcpkit, check ports with "tcpkit check 10.0.0.5:22 --timeout 1s"',
  );
});

Deno.test("ncHabit() tells check -z that check only connects anyway", () => {
  assertEquals(
    hint("check -z localhost:22"),
    'Option "-z" is nc\'s: tcpkit check only connects anyway, as in "tcpkit check localhost:22"',
  );
});

// --- single options --------------------------------------------------------------------------

Deno.test("ncHabit() answers -w SECONDS with --timeout", () => {
  assertEquals(
    hint("connect example.org 80 -w 2"),
    'Option "-w" is nc\'s: with tcpkit, give up connecting with "--timeout 2s"',
  );
  assertEquals(
    hint("check -w2 localhost:22"),
    'Option "-w" is nc\'s: with tcpkit, give up connecting with "--timeout 2s"',
  );
  assertEquals(
    hint("connect example.org 80 --wait 2"),
    'Option "--wait" is ncat\'s: with tcpkit, give up connecting with "--timeout 2s"',
  );
});

Deno.test("ncHabit() answers serve -w SECONDS with --idle-timeout", () => {
  assertEquals(
    hint("serve 9000 -w 5"),
    'Option "-w" is nc\'s: with tcpkit serve, end an idle connection with "--idle-timeout 5s"',
  );
});

Deno.test("ncHabit() leaves greet's own --wait alone, but not nc's -w", () => {
  assertEquals(hint("greet localhost:22 --wait 3"), undefined);
  assertEquals(
    hint("greet localhost:22 -w 3"),
    'Option "-w" is nc\'s: with tcpkit, give up connecting with "--timeout 3s"',
  );
});

Deno.test("ncHabit() answers nc's -d and ncat's --recv-only with connect -d", () => {
  assertEquals(
    hint("-d 127.0.0.1 9000"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect 127.0.0.1 9000 -d"',
  );
  assertEquals(
    hint("-vd db.lan 9000"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect db.lan 9000 -v -d"',
  );
  assertEquals(
    hint("--recv-only"),
    'Option "--recv-only" is ncat\'s: with tcpkit, receive only with "tcpkit connect HOST PORT -d"',
  );
  // On connect, -d is tcpkit's own: no habit.
  assertEquals(hint("connect 127.0.0.1 9000 -d"), undefined);
});

Deno.test("ncHabit() says tcpkit always half-closes, for -N", () => {
  assertEquals(
    hint("connect example.org 80 -N"),
    'Option "-N" is nc\'s: tcpkit always half-closes at the end of stdin, so leave it out',
  );
});

Deno.test("ncHabit() says what tcpkit does at the end of stdin, for -q SECONDS", () => {
  assertEquals(
    hint("connect example.org 80 -q 1"),
    'Option "-q" is nc\'s: tcpkit half-closes at the end of stdin, then waits for the peer to close; ' +
      '"--idle-timeout 1s" bounds that wait',
  );
  assertEquals(
    hint("serve 9000 -q 0"),
    'Option "-q" is nc\'s: tcpkit half-closes at the end of stdin, then waits for the peer to close',
  );
});

Deno.test("ncHabit() puts nc's -u after the command that does it over UDP", () => {
  const says = (flag: string, suggestion: string) =>
    `Option "${flag}" is ${
      flag.startsWith("--") ? "ncat" : "nc"
    }'s, for UDP: with tcpkit, -u goes after a command, as in "${suggestion}"`;
  assertEquals(hint("-u 10.0.0.1 53"), says("-u", "tcpkit connect 10.0.0.1 53 -u"));
  assertEquals(hint("-lu 53"), says("-u", "tcpkit serve 53 -u"));
  assertEquals(hint("-zu 10.0.0.1 53"), says("-u", "tcpkit check 10.0.0.1:53 -u"));
  assertEquals(hint("--udp 10.0.0.1 53"), says("--udp", "tcpkit connect 10.0.0.1 53 -u"));
});

Deno.test("ncHabit() says tcpkit does not run programs, for -e, -c, --exec and --sh-exec", () => {
  const says = (flag: string) =>
    `Option "${flag}" is ${
      flag.startsWith("--") ? "ncat" : "nc"
    }'s: tcpkit does not run programs for connections`;
  assertEquals(hint("-l -p 4444 -e /bin/sh"), says("-e"));
  assertEquals(hint("-lp 4444 -c sh"), says("-c"));
  assertEquals(hint("-l 4444 --exec /bin/cat"), says("--exec"));
  assertEquals(hint("-l 4444 --sh-exec=cat"), says("--sh-exec"));
  assertEquals(hint("serve 4444 -e /bin/sh"), says("-e"));
});

Deno.test("ncHabit() leaves check's own -c (its --count) alone", () => {
  assertEquals(hint("check -c 5 localhost:22"), undefined);
});

Deno.test("ncHabit() answers --ssl with --tls", () => {
  assertEquals(
    hint("connect example.org 443 --ssl"),
    'Option "--ssl" is ncat\'s: with tcpkit, use "--tls"',
  );
});

Deno.test("ncHabit() answers nc's -X 5 -x and -X connect -x with --proxy URL", () => {
  assertEquals(
    hint("-X 5 -x proxy.lan:1080 example.org 80"),
    'Option "-x" is nc\'s, for a proxy: with tcpkit, use "--proxy socks5://proxy.lan:1080"',
  );
  assertEquals(
    hint("check -x proxy.lan:1080 example.org:80"),
    'Option "-x" is nc\'s, for a proxy: with tcpkit, use "--proxy socks5://proxy.lan:1080"',
  );
  assertEquals(
    hint("connect -X connect -x proxy.lan:3128 example.org 80"),
    'Option "-X" is nc\'s, for a proxy: with tcpkit, use "--proxy http://HOST:PORT"',
  );
  assertEquals(
    hint("serve 9000 --proxy proxy.lan:1080"),
    'Option "--proxy" is ncat\'s: tcpkit goes through a proxy on connect, greet, check and ' +
      'forward (--proxy socks5://HOST:PORT), and serves one with "tcpkit proxy 127.0.0.1:PORT"',
  );
});

Deno.test("ncHabit() leaves tcpkit's own -x (the hex dump) of connect and serve alone", () => {
  assertEquals(hint("connect -x example.org 80"), undefined);
  assertEquals(hint("serve 9000 -x -k"), undefined);
  // A boolean there: the next word is not its value, so -l after it is still seen.
  assertEquals(
    hint("serve -x -l 9000"),
    'Option "-l" is nc\'s: tcpkit serve always listens, as in "tcpkit serve 9000"',
  );
});

Deno.test("ncHabit() answers -U PATH with unix:/path", () => {
  assertEquals(
    hint("-U /run/app.sock"),
    'Option "-U" is nc\'s: with tcpkit, give a Unix socket as "unix:/run/app.sock", as in ' +
      '"tcpkit connect unix:/run/app.sock"',
  );
  assertEquals(
    hint("-lU /tmp/s"),
    'Option "-U" is nc\'s: with tcpkit, give a Unix socket as "unix:/tmp/s", as in "tcpkit serve unix:/tmp/s"',
  );
});

Deno.test("ncHabit() leaves connect's -k alone (it is --insecure), and answers --keep-open", () => {
  assertEquals(hint("connect example.org 80 -k"), undefined);
  assertEquals(
    hint("connect example.org 80 --keep-open")?.startsWith('Option "--keep-open" is ncat\'s'),
    true,
  );
});

Deno.test("ncHabit() leaves serve's own -k alone", () => {
  assertEquals(hint("serve 9000 -k"), undefined);
  assertEquals(hint("serve 9000 --keep-open"), undefined);
});

Deno.test("ncHabit() answers -s ADDR with --source ADDR", () => {
  assertEquals(
    hint("connect example.org 80 -s 10.0.0.2"),
    'Option "-s" is nc\'s: with tcpkit, choose the source address with "--source 10.0.0.2"',
  );
  assertEquals(
    hint("-s 10.0.0.2 example.org 80"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect example.org 80 --source 10.0.0.2"',
  );
});

Deno.test("ncHabit() says tcpkit takes -4 and -6 after a command", () => {
  assertEquals(
    hint("-4"),
    'Option "-4" is nc\'s: tcpkit takes "-4" after a command, as in "tcpkit connect -4 HOST PORT"',
  );
  assertEquals(
    hint("-6"),
    'Option "-6" is nc\'s: tcpkit takes "-6" after a command, as in "tcpkit connect -6 HOST PORT"',
  );
  assertEquals(
    hint("-6 ::1 22"),
    'Host and port come after a command in tcpkit: to connect, use "tcpkit connect ::1 22 -6"',
  );
});

Deno.test("ncHabit() says tcpkit takes -n after a command, and leaves greet's -n (its --name) alone", () => {
  assertEquals(
    hint("-n"),
    'Option "-n" is nc\'s: tcpkit takes "-n" after a command, as in "tcpkit connect -n HOST PORT"',
  );
  assertEquals(hint("greet localhost:6000 -n Bob"), undefined);
  assertEquals(
    hint("connect example.org 80 --nodns"),
    'Option "--nodns" is ncat\'s: with tcpkit, use "-n"',
  );
});

Deno.test("parseCommandLine() takes connect's own -C, not the nc habit, and words the real error", () => {
  const error = assertThrows(
    () => parseCommandLine(["connect", "127.0.0.1:1", "-d", "-C"]),
    UsageError,
  );
  assertEquals(error.message, 'Conflicting options "--recv-only" and "--crlf": -d sends nothing');
});

Deno.test("ncHabit() answers -C with --crlf", () => {
  assertEquals(
    hint("connect example.org 25 -C"),
    'Option "-C" is nc\'s: with tcpkit, send CRLF line endings with "--crlf"',
  );
});

// --- what is no habit ------------------------------------------------------------------------

Deno.test("ncHabit() returns undefined when nothing is an nc habit", () => {
  assertEquals(hint(""), undefined);
  assertEquals(hint("-h"), undefined);
  assertEquals(hint("serve 9000 --echo -v"), undefined);
  assertEquals(hint("connect example.org 80 --bogus"), undefined);
  assertEquals(hint("frobnicate"), undefined);
});

Deno.test("ncHabit() reads no options after --", () => {
  assertEquals(hint("connect example.org 80 -- -l"), undefined);
});

Deno.test("ncHabit() skips the command word when args begin with it", () => {
  assertEquals(ncHabit("serve", ["serve", "-p", "9000"]), ncHabit("serve", ["-p", "9000"]));
});

Deno.test("ncHabit() escapes words from the command line in its message", () => {
  const message = hint("-l 90\u202e00\x1b[2J") ?? "";
  assert(message.includes("90\\u202e00\\x1b[2J"), message);
  // deno-lint-ignore no-control-regex
  assertFalse(/[\x00-\x1f\u202e]/.test(message));
});

Deno.test("NC_HABITS gives every row a message or a tcpkit form, and one row a flag", () => {
  const seen = new Set<string>();
  for (const habit of NC_HABITS) {
    assert(habit.say !== undefined || habit.as !== undefined, habit.flags.join(" "));
    for (const flag of habit.flags) {
      assert(flag === HOST_PORT || /^-[\w]$|^--[\w-]+$/.test(flag), flag);
      assertFalse(seen.has(flag), `${flag} is in two rows`);
      seen.add(flag);
    }
  }
});

// --- every hint runs -------------------------------------------------------------------------

/**
 * nc command lines, typed at tcpkit, that reach every row of the table from every place it is
 * a habit, alone and with the options a suggestion carries over.
 */
const NC_LINES = [
  // listening
  "-l 9000",
  "-lvnp 9000",
  "-lvp 9000",
  "-lk 9000",
  "-lkv -p 9000",
  "-l 127.0.0.1 9000",
  "-l -s ::1 -p 9000",
  "-l -w 30 9000",
  "-l -C 9000",
  "-l -4 9000",
  "-l -6 -p 9000",
  "-lnvp 9000 --ssl",
  "-l --nodns 9000",
  "-l --wait 3 9000",
  "-lN -q 1 9000",
  "-lU /tmp/s.sock",
  "--listen --keep-open 9000",
  "serve -l",
  "serve 9000 -l -k",
  "serve --listen 9000",
  "serve -p 9000",
  "serve 9000 -s 127.0.0.1",
  "serve 9000 -w 5",
  "serve 9000 --wait 5",
  "serve 9000 -C",
  "serve 9000 --ssl",
  "serve 9000 --nodns",
  "serve 9000 -q 1",
  "serve 9000 -N",
  "serve 9000 -z",
  "serve -U /tmp/s.sock",
  "serve 9000 -e /bin/cat",
  "serve 9000 -c cat",
  // connecting
  "127.0.0.1 22",
  "localhost 8080",
  "example.org:80",
  "[::1]:22",
  "-v -w 2 -n 10.0.0.1 22",
  "-N -q 1 example.org 80",
  "--ssl -C example.org 443",
  "-v db 5432",
  "-4 example.org 80",
  "-6 example.org 80",
  "-n 10.0.0.1 22",
  "-s 10.0.0.2 10.0.0.1 22",
  "-U /tmp/s.sock",
  "-p 9000",
  "-w 2",
  "-k example.org 80",
  "--keep-open example.org 80",
  "--nodns 10.0.0.1 22",
  "-q 1",
  "-N",
  "-C",
  "--ssl",
  "-4",
  "-n",
  "-s 10.0.0.2",
  "connect -p 5000 example.org 80",
  "connect example.org 80 -w 3",
  "connect example.org 80 -q 1",
  "connect example.org 80 -N",
  "connect example.org 80 -l",
  "connect example.org 80 -z",
  "connect example.org 80 --ssl",
  "connect example.org 80 --nodns",
  "connect -U /tmp/s.sock",
  "connect example.org 80 --keep-open",
  "connect example.org 80 -e /bin/sh",
  "connect -c x example.org 80",
  // checking
  "example.org 20-25",
  "-z example.org 20-25",
  "-z example.org 22 80 443",
  "-zv 10.0.0.5 22",
  "-zv ::1 22",
  "-zw 1 10.0.0.5 22",
  "-zn 10.0.0.5 22",
  "-z -4 example.org 22",
  "-z --ssl -C example.org 443",
  "-z -k example.org 22",
  "-z",
  "check -z localhost:22",
  "check localhost:22 -w 2",
  "check localhost:22 -C",
  "check localhost:22 --ssl",
  "check localhost:22 -p 5000",
  "check localhost:22 -l",
  "check localhost:22 --nodns",
  "check localhost:22 -N",
  "check localhost:22 -q 1",
  "check localhost:22 --keep-open",
  "check -U /tmp/s.sock",
  "check localhost:22 -e /bin/sh",
  // greet
  "greet localhost:25 -w 2",
  "greet localhost:25 -C",
  "greet localhost:25 --ssl",
  "greet localhost:25 -l",
  "greet localhost:25 -z",
  "greet localhost:25 -p 5000",
  "greet localhost:25 -s 10.0.0.1",
  "greet localhost:25 --nodns",
  "greet localhost:25 -N",
  "greet localhost:25 -q 1",
  "greet localhost:25 --keep-open",
  "greet -U /tmp/s.sock",
  "greet localhost:25 -c x",
  // what tcpkit does not do (yet), and proxies
  "-e /bin/sh -l 9000",
  "-x 127.0.0.1:1080 example.org 80",
  "--proxy 127.0.0.1:3128 example.org 80",
  "greet localhost:25 -x 127.0.0.1:1080",
  "-u -l 9000",
  "-lu 9000",
];

/** Placeholders in suggestions, each with a value that stands for it. */
const PLACEHOLDERS: Record<string, string> = {
  "HOST:PORTS": "localhost:22",
  HOST: "localhost",
  PORT: "9000",
  PORTS: "22",
  DURATION: "2s",
  ADDR: "127.0.0.1",
  "/path": "/tmp/tcpkit.sock",
};

/** The words of a quoted suggestion, placeholders replaced by what they stand for. */
function runnable(suggestion: string): string[] {
  return suggestion.split(" ").slice(1).map((word) =>
    word.replace(/HOST:PORTS|HOST|PORTS|PORT|DURATION|ADDR|\/path/g, (p) => PLACEHOLDERS[p])
  );
}

/** A minimal command line of each command, for trying an option a hint gives on its own. */
const SAMPLE: Record<string, string[]> = {
  serve: ["serve", "9000"],
  connect: ["connect", "localhost", "80"],
  check: ["check", "localhost:80"],
  greet: ["greet", "localhost:25"],
};

/**
 * The command lines a hint suggests: each quoted `tcpkit ...`, and each option it gives for
 * the command typed (`use "--tls"`) on a sample of that command. The option the message is
 * about (`Option "-l" is nc's`) and words in parentheses (what tcpkit's own option is) are not
 * suggestions.
 */
function suggestions(line: string, hint: string): string[][] {
  // Without a command, an option is meant for connect, as nc's options are.
  const first = line.split(" ")[0];
  const command = first in SAMPLE ? first : "connect";
  const text = hint.replace(/^Option "[^"]*"/, "").replace(/\([^)]*\)/g, "");
  const out: string[][] = [];
  for (const [, quoted] of text.matchAll(/"([^"]*)"/g)) {
    if (quoted.startsWith("tcpkit ")) out.push(runnable(quoted));
    else if (quoted.startsWith("-")) {
      out.push([...SAMPLE[command], ...runnable(`tcpkit ${quoted}`)]);
    }
  }
  return out;
}

Deno.test("ncHabit() gives a hint for each nc line of the table, the one the parser shows", () => {
  for (const line of NC_LINES) {
    const message = hint(line);
    assert(message !== undefined, `no hint for "${line}"`);
    const error = assertThrows(() => parseCommandLine(line.split(" ")), UsageError);
    assertEquals(error.message, message, line);
  }
});

Deno.test("ncHabit() suggests only command lines that tcpkit takes", () => {
  const failures: string[] = [];
  for (const line of NC_LINES) {
    const message = hint(line) as string;
    for (const words of suggestions(line, message)) {
      try {
        parseCommandLine(words);
      } catch (e) {
        failures.push(`"${line}": "${message}": tcpkit ${words.join(" ")}: ${e}`);
      }
    }
  }
  assertEquals(failures, []);
});
