import { assert, assertEquals, assertFalse } from "@std/assert";
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

Deno.test("ncHabit() says tcpkit does not go through proxies, for nc's -x where it is no tcpkit option", () => {
  const proxy = 'Option "-x" is nc\'s, for a proxy: tcpkit does not go through proxies ' +
    '(its own "-x", on connect and serve, is a hex dump)';
  assertEquals(hint("-x proxy.lan:1080 example.org 80"), proxy);
  assertEquals(hint("check -x proxy.lan:1080 example.org:80"), proxy);
  assertEquals(
    hint("connect --proxy proxy.lan:1080 example.org 80"),
    'Option "--proxy" is ncat\'s: tcpkit does not go through proxies',
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
