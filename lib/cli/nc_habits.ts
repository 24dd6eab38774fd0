/** Hints for nc habits typed at tcpkit: what nc would have understood, said the tcpkit way. */
import { escapeText } from "../io/escape.ts";

/** The commands a suggestion can name: those that do what an nc command line does. */
export type SuggestedCommand = "serve" | "connect" | "check";

/** A command line as nc would read it, for the message of one {@linkcode NcHabit}. */
export interface NcLine {
  /** The tcpkit command typed, or undefined when the first word was not one. */
  command: string | undefined;
  /** The option the message is about, as it is spelled in the table ("-l", "--ssl"). */
  flag: string;
  /** The option's value when nc's option takes one (`2` of `-w 2` or `-w2`), escaped. */
  value: string | undefined;
  /** The words that are no option or value, escaped. */
  positionals: readonly string[];
  /** Whether the line has any of these options. */
  has(...flags: string[]): boolean;
  /** The value of the first of these options the line has, escaped. */
  valueOf(...flags: string[]): string | undefined;
  /**
   * The tcpkit command line that does what the nc line does: its host and port as `command`
   * takes them, then the options that have a tcpkit form there (`as` in the table):
   * `tcpkit serve 9000 -k` for `-lk 9000`.
   */
  suggest(command: SuggestedCommand): string;
}

/** One row of {@linkcode NC_HABITS}: an nc option, where it is a habit, and what to say. */
export interface NcHabit {
  /**
   * The option's spellings: `-l`, which also matches inside a cluster such as `-lvp`, or a long
   * one, `--ssl`. {@linkcode HOST_PORT} stands for a bare host and port, with no option.
   */
  flags: readonly string[];
  /** Whether nc's option takes a value (`-w 2`, `-w2`, `--exec=cmd`). */
  value?: boolean;
  /**
   * Where typing the option is an nc habit: `"tcpkit"` when no command came first, else the
   * commands' names. Leave out a command that takes the option as its own (serve's `-k`,
   * greet's `-n`): there it is no habit.
   */
  on: readonly string[];
  /** The one-line message; left out for an option that is only carried into suggestions. */
  say?: (line: NcLine) => string;
  /**
   * What the option becomes in a suggested command line, by command, given its value and its
   * spelling; left out: dropped.
   */
  as?: Partial<Record<SuggestedCommand, (value: string | undefined, flag: string) => string>>;
}

/** In {@linkcode NcHabit.flags}: a bare host and port, `tcpkit 127.0.0.1 22`, as nc takes them. */
export const HOST_PORT = "HOST PORT";

const EVERYWHERE = ["tcpkit", "serve", "connect", "greet", "check"] as const;

/**
 * tcpkit's own one-letter options that nc reads differently, by command (`true`: it takes a
 * value): a command line is split into words by tcpkit's rules for these and by nc's for the
 * rest. Keep it in step with the `on` of their rows below.
 */
const TCPKIT_LETTERS: Readonly<Record<string, Readonly<Record<string, boolean>>>> = {
  serve: { x: false },
  connect: { x: false },
  greet: { n: true },
  check: { c: true },
};

/**
 * Options not in the table that take a value, nc's (OpenBSD nc, netcat-traditional, ncat) and
 * tcpkit's, so that their value is not taken for a host or a port.
 */
const OTHER_VALUED = [
  ..."gGIiMmOoPTVWX".split("").map((letter) => `-${letter}`),
  "--proxy-type",
  "--proxy-auth",
  "--source",
  "--send",
  "--reply",
  "--timeout",
  "--idle-timeout",
  "--name",
  "--count",
  "--interval",
  "--concurrency",
  "--quiet-period",
];

/** `Option "-w" is nc's` (ncat's, for a long option: only ncat has them). */
function option(line: NcLine): string {
  return `Option "${line.flag}" is ${line.flag.startsWith("--") ? "ncat" : "nc"}'s`;
}

/**
 * nc's `-X 5|4|connect -x HOST:PORT` as tcpkit's `--proxy URL` (nc's default is SOCKS5; tcpkit
 * speaks no SOCKS4, so `-X 4` is offered SOCKS5).
 */
function proxyUrl(line: NcLine): string {
  const type = (line.valueOf("-X", "--proxy-type") ?? "5").toLowerCase();
  const scheme = type === "connect" || type === "http" ? "http" : "socks5";
  const at = line.valueOf("-x", "--proxy") ?? "HOST:PORT";
  const login = line.valueOf("-P");
  return `--proxy ${scheme}://${login && scheme === "http" ? `${login}:PASS@` : ""}${at}`;
}

/** nc's seconds as a tcpkit duration: `2` is `2s`; anything else is left for tcpkit to judge. */
function seconds(value: string | undefined): string {
  if (value === undefined) return "DURATION";
  return /^\d+(\.\d+)?$/.test(value) ? `${value}s` : value;
}

const timeout = (value: string | undefined) => `--timeout ${seconds(value)}`;
const idleTimeout = (value: string | undefined) => `--idle-timeout ${seconds(value)}`;
const same = (word: string) => () => word;
const clients = (word: string) => ({ connect: same(word), check: same(word) });
const itself = (_: unknown, flag: string) => flag;

/**
 * The nc habits, most telling first: the first row that matches a command line gives its message.
 * Options tcpkit does not have (UDP, running programs, proxies) come before the modes (`-l`,
 * `-z`, a bare host and port), so that `-lu` is not answered with a TCP server; the modes come
 * before single options, since their suggestion carries the others over.
 */
export const NC_HABITS: readonly NcHabit[] = [
  {
    // serve, connect, forward and check take -u themselves.
    flags: ["-u", "--udp"],
    on: ["tcpkit", "greet"],
    say: (line) => {
      if (line.command === "greet") {
        return `${option(line)}, for UDP: greet reads a TCP server's words; for UDP, use ` +
          `"tcpkit connect -u HOST PORT"`;
      }
      const command = line.has("-l", "--listen")
        ? "serve"
        : line.has("-z", "--zero")
        ? "check"
        : "connect";
      return `${option(line)}, for UDP: with tcpkit, -u goes after a command, as in "${
        line.suggest(command)
      }"`;
    },
    as: { serve: () => "-u", connect: () => "-u", check: () => "-u" },
  },
  {
    flags: ["-U", "--unixsock"],
    on: EVERYWHERE,
    say: (line) => {
      const command = line.command === "serve" || line.has("-l", "--listen") ? "serve" : "connect";
      const path = line.positionals[0] ?? "/path";
      return `${option(line)}: with tcpkit, give a Unix socket as "unix:${path}", ` +
        `as in "tcpkit ${command} unix:${path}"`;
    },
  },
  {
    flags: ["-e", "--exec", "--sh-exec", "--lua-exec"],
    value: true,
    on: EVERYWHERE,
    say: (line) => `${option(line)}: tcpkit does not run programs for connections`,
  },
  {
    // check's -c is its --count.
    flags: ["-c"],
    value: true,
    on: ["tcpkit", "serve", "connect", "greet"],
    say: (line) => `${option(line)}: tcpkit does not run programs for connections`,
  },
  {
    // connect's and serve's -x is tcpkit's hex dump.
    flags: ["-x"],
    value: true,
    on: ["tcpkit", "greet", "check"],
    say: (line) => `${option(line)}, for a proxy: with tcpkit, use "${proxyUrl(line)}"`,
  },
  {
    // nc's -X 5 -x HOST:PORT where tcpkit's -x is the hex dump (connect, serve).
    flags: ["-X"],
    value: true,
    on: EVERYWHERE,
    say: (line) => `${option(line)}, for a proxy: with tcpkit, use "${proxyUrl(line)}"`,
  },
  {
    flags: ["--proxy"],
    value: true,
    on: ["tcpkit", "serve"],
    say: (line) =>
      `${option(line)}: tcpkit goes through a proxy on connect, greet, check and forward ` +
      `(--proxy socks5://HOST:PORT), and serves one with "tcpkit proxy 127.0.0.1:PORT"`,
  },
  {
    flags: ["-l", "--listen"],
    on: EVERYWHERE,
    say: (line) =>
      line.command === "serve"
        ? `${option(line)}: tcpkit serve always listens, as in "${line.suggest("serve")}"`
        : `${option(line)}: with tcpkit, listen with "${line.suggest("serve")}"`,
  },
  {
    flags: ["-z"],
    on: EVERYWHERE,
    say: (line) =>
      line.command === "check"
        ? `${option(line)}: tcpkit check only connects anyway, as in "${line.suggest("check")}"`
        : line.command === "serve"
        ? `${option(line)}: tcpkit serve listens; check ports with "tcpkit check HOST:PORTS"`
        : `${option(line)}: with tcpkit, check ports with "${line.suggest("check")}"`,
  },
  {
    flags: [HOST_PORT],
    on: ["tcpkit"],
    say: (line) => {
      const scan = line.positionals.length > 2 || /[-,]/.test(line.positionals[1] ?? "");
      return scan
        ? `Host and ports come after a command in tcpkit: to check ports, use "${
          line.suggest("check")
        }"`
        : `Host and port come after a command in tcpkit: to connect, use "${
          line.suggest("connect")
        }"`;
    },
  },
  {
    flags: ["-p", "--source-port"],
    value: true,
    on: EVERYWHERE,
    say: (line) => {
      if (line.command === "serve") {
        return `${option(line)}: tcpkit serve takes the port as a word, as in "${
          line.suggest("serve")
        }"`;
      }
      if (line.command === undefined) {
        return `${option(line)}: tcpkit takes ports as words, as in "${line.suggest("serve")}" ` +
          `to listen or "tcpkit connect HOST ${line.value ?? "PORT"}" to connect`;
      }
      return `${option(line)}, for the local port: tcpkit lets the system choose it, and takes ` +
        `the server's port in the target (HOST:PORT)`;
    },
  },
  {
    flags: ["-w"],
    value: true,
    on: EVERYWHERE,
    say: sayWait,
    as: { serve: idleTimeout, connect: timeout, check: timeout },
  },
  {
    // greet's --wait is its own: how long to wait for the server's words.
    flags: ["--wait"],
    value: true,
    on: ["tcpkit", "serve", "connect", "check"],
    say: sayWait,
    as: { serve: idleTimeout, connect: timeout, check: timeout },
  },
  {
    flags: ["-q"],
    value: true,
    on: EVERYWHERE,
    say: (line) => {
      if (line.command === "check" || line.command === "greet") {
        return `${option(line)}: tcpkit ${line.command} sends nothing from stdin; leave it out`;
      }
      const bound = line.value !== undefined && Number(line.value) > 0
        ? `; "${idleTimeout(line.value)}" bounds that wait`
        : "";
      return `${option(line)}: tcpkit half-closes at the end of stdin, then waits for the peer ` +
        `to close${bound}`;
    },
  },
  {
    flags: ["-N"],
    on: EVERYWHERE,
    say: (line) =>
      `${option(line)}: tcpkit always half-closes at the end of stdin, so leave it out`,
  },
  {
    // connect's -d (--recv-only) is its own, and means what nc's -d and ncat's --recv-only mean.
    flags: ["-d", "--recv-only"],
    on: ["tcpkit"],
    say: (line) => `${option(line)}: with tcpkit, receive only with "${line.suggest("connect")}"`,
    as: { connect: same("-d") },
  },
  {
    // serve's -k and --keep-open are its own, and mean what nc's -k means; on the clients -k is
    // --insecure (TLS), whose own message says where nc's -k belongs.
    flags: ["-k"],
    on: ["tcpkit"],
    say: keepListening,
    as: { serve: same("-k") },
  },
  {
    flags: ["--keep-open"],
    on: ["tcpkit", "connect", "greet", "check"],
    say: keepListening,
    as: { serve: same("-k") },
  },
  {
    // "--source" is tcpkit's own spelling, so it is no habit.
    flags: ["-s"],
    value: true,
    on: EVERYWHERE,
    say: (line) =>
      line.command === "serve"
        ? `${option(line)}: tcpkit serve takes the address to listen on before the port, ` +
          `as in "${line.suggest("serve")}"`
        : line.command === "greet"
        ? `${option(line)}: tcpkit chooses the source address only on connect, as in ` +
          `"tcpkit connect --source ${line.value ?? "ADDR"} HOST PORT"`
        : `${option(line)}: with tcpkit, choose the source address with ` +
          `"--source ${line.value ?? "ADDR"}"`,
    as: { connect: (value) => `--source ${value ?? "ADDR"}` },
  },
  {
    flags: ["--ssl"],
    on: EVERYWHERE,
    say: (line) => `${option(line)}: with tcpkit, use "--tls"`,
    as: { serve: same("--tls"), connect: same("--tls") },
  },
  {
    flags: ["-C"],
    on: EVERYWHERE,
    say: (line) =>
      line.command === undefined || line.command === "connect"
        ? `${option(line)}: with tcpkit, send CRLF line endings with "--crlf"`
        : `${option(line)}: tcpkit sends CRLF line endings only from connect, as in ` +
          `"tcpkit connect HOST PORT --crlf"`,
    as: { connect: same("--crlf") },
  },
  {
    // Add the commands that have no -4 and -6 of their own. serve listens where its address
    // says (0.0.0.0:PORT for IPv4 only), so they are not carried over to it.
    flags: ["-4", "-6"],
    on: ["tcpkit"],
    say: (line) =>
      `${option(line)}: tcpkit takes "${line.flag}" after a command, ` +
      `as in "tcpkit connect ${line.flag} HOST PORT"`,
    as: { connect: itself, check: itself },
  },
  {
    // greet's -n is its --name.
    flags: ["-n"],
    on: ["tcpkit"],
    say: (line) =>
      `${option(line)}: tcpkit takes "-n" after a command, as in "tcpkit connect -n HOST PORT"`,
    // serve looks up no name but the one it listens on.
    as: clients("-n"),
  },
  {
    flags: ["--nodns"],
    on: EVERYWHERE,
    say: (line) =>
      line.command === "serve"
        ? `${option(line)}: tcpkit serve looks up only the address it listens on; leave it out`
        : line.command === "greet"
        ? `${option(line)}: with tcpkit greet, use "--numeric" ("-n" is its --name)`
        : `${option(line)}: with tcpkit, use "-n"`,
    as: clients("-n"),
  },
  {
    // tcpkit's own everywhere: only carried into suggestions.
    flags: ["-v", "--verbose"],
    on: [],
    as: { serve: same("-v"), ...clients("-v") },
  },
];

function keepListening(line: NcLine): string {
  return `${option(line)}, to keep listening: a client connects once; a server that keeps ` +
    `listening is "tcpkit serve PORT -k"`;
}

function sayWait(line: NcLine): string {
  return line.command === "serve"
    ? `${option(line)}: with tcpkit serve, end an idle connection with "${idleTimeout(line.value)}"`
    : `${option(line)}: with tcpkit, give up connecting with "${timeout(line.value)}"`;
}

/** An option as typed: its spelling (a cluster's letters one by one) and its value. */
interface Typed {
  flag: string;
  value: string | undefined;
}

/**
 * The message for an nc habit in a command line that tcpkit could not parse, such as
 * `tcpkit -l 9000`: `Option "-l" is nc's: with tcpkit, listen with "tcpkit serve 9000"`; or
 * undefined when none applies. main.ts shows it instead of a bare "unknown option" or "unknown
 * command". Words from the command line are escaped in the message.
 *
 * A bare first word is taken for a host (`tcpkit db.lan 5432`) only when it looks like one (a
 * dot, a colon, `localhost`) or nc options came with it: `tcpkit serv 9000` is a typo, not a host.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ncHabit } from "./nc_habits.ts";
 * assertEquals(
 *   ncHabit(undefined, ["-lk", "9000"]),
 *   'Option "-l" is nc\'s: with tcpkit, listen with "tcpkit serve 9000 -k"',
 * );
 * assertEquals(ncHabit("serve", ["9000", "-k"]), undefined);
 * ```
 *
 * @param command the tcpkit command typed, or undefined when the first word is not one
 * @param args the words typed after `tcpkit` (a first word that is `command` is skipped)
 * @returns the message, one line in sentence case, or undefined
 */
export function ncHabit(
  command: string | undefined,
  args: readonly string[],
  known: ReadonlySet<string> = new Set(),
): string | undefined {
  const words = command !== undefined && args[0] === command ? args.slice(1) : args;
  const { options, positionals } = read(words, command);
  const where = command ?? "tcpkit";
  for (const habit of NC_HABITS) {
    if (habit.say === undefined || !habit.on.includes(where)) continue;
    if (habit.flags.includes(HOST_PORT)) {
      if (command === undefined && isBareTarget(positionals, options.length > 0)) {
        return habit.say(
          lineOf(command, { flag: HOST_PORT, value: undefined }, options, positionals),
        );
      }
      continue;
    }
    // An option the command takes as its own (connect's -C) is not the habit that went wrong.
    const typed = options.find((o) => habit.flags.includes(o.flag) && !known.has(o.flag));
    if (typed) return habit.say(lineOf(command, typed, options, positionals));
  }
  return undefined;
}

/** Splits words into options and the rest, as nc's getopt would (but for tcpkit's own letters). */
function read(
  words: readonly string[],
  command: string | undefined,
): { options: Typed[]; positionals: string[] } {
  const own = (command !== undefined ? TCPKIT_LETTERS[command] : undefined) ?? {};
  const valued = new Set(OTHER_VALUED);
  for (const habit of NC_HABITS) if (habit.value) habit.flags.forEach((f) => valued.add(f));
  const options: Typed[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === "--") {
      positionals.push(...words.slice(i + 1).map((w) => escapeText(w)));
      break;
    }
    if (word.startsWith("--")) {
      const equals = word.indexOf("=");
      const flag = equals < 0 ? word : word.slice(0, equals);
      let value = equals < 0 ? undefined : word.slice(equals + 1);
      if (value === undefined && valued.has(flag) && i + 1 < words.length) value = words[++i];
      options.push({ flag: escapeText(flag), value: escaped(value) });
    } else if (word.startsWith("-") && word.length > 1) {
      for (let k = 1; k < word.length; k++) {
        const letter = word[k];
        if (!(own[letter] ?? valued.has(`-${letter}`))) {
          options.push({ flag: escapeText(`-${letter}`), value: undefined });
          continue;
        }
        let value: string | undefined = word.slice(k + 1);
        if (value === "") value = i + 1 < words.length ? words[++i] : undefined;
        options.push({ flag: `-${letter}`, value: escaped(value) });
        break;
      }
    } else {
      positionals.push(escapeText(word));
    }
  }
  return { options, positionals };
}

function escaped(value: string | undefined): string | undefined {
  return value === undefined ? undefined : escapeText(value);
}

/** Whether the words look like nc's `HOST PORT(S)` (or tcpkit's `HOST:PORT` without a command). */
function isBareTarget(positionals: readonly string[], withOptions: boolean): boolean {
  const [host, ...ports] = positionals;
  if (host === undefined) return false;
  // One word: "tcpkit example.org:80", tcpkit's own target without its command.
  const shaped = ports.length === 0 ? hasPorts(host) : ports.every(isPorts);
  return shaped && (withOptions || looksLikeHost(host));
}

/** Whether a word is tcpkit's HOST:PORTS, an IPv6 host in brackets (`::1` alone is no port). */
function hasPorts(word: string): boolean {
  const colon = word.lastIndexOf(":");
  const host = word.slice(0, colon);
  return colon > 0 && isPorts(word.slice(colon + 1)) &&
    (!host.includes(":") || (host.startsWith("[") && host.endsWith("]")));
}

function isPorts(word: string): boolean {
  return /^\d{1,5}([-,]\d{1,5})*$/.test(word);
}

function looksLikeHost(word: string): boolean {
  return word.includes(".") || word.includes(":") || word === "localhost";
}

/** The {@linkcode NcLine} of one option of a command line. */
function lineOf(
  command: string | undefined,
  typed: Typed,
  options: readonly Typed[],
  positionals: readonly string[],
): NcLine {
  const valueOf = (...flags: string[]) => options.find((o) => flags.includes(o.flag))?.value;
  return {
    command,
    flag: typed.flag,
    value: typed.value,
    positionals,
    has: (...flags) => options.some((o) => flags.includes(o.flag)),
    valueOf,
    suggest(target) {
      const words = ["tcpkit", target, targetWords(target, positionals, valueOf)];
      for (const o of options) {
        const as = NC_HABITS.find((h) => h.flags.includes(o.flag))?.as?.[target];
        const word = as?.(o.value, o.flag);
        if (word !== undefined && !words.includes(word)) words.push(word);
      }
      return words.join(" ");
    },
  };
}

/** Where a suggested command line connects or listens, from nc's words. */
function targetWords(
  target: SuggestedCommand,
  positionals: readonly string[],
  valueOf: (...flags: string[]) => string | undefined,
): string {
  const [first, ...rest] = positionals;
  if (target === "connect") {
    return first === undefined ? "HOST PORT" : [first, ...rest.slice(0, 1)].join(" ");
  }
  if (target === "check") {
    if (first === undefined) return "HOST:PORTS";
    if (rest.length > 0) return `${bracketed(first)}:${rest.join(",")}`;
    return hasPorts(first) ? first : `${bracketed(first)}:PORTS`;
  }
  // serve: nc -l [-s ADDR] [-p] PORT, or OpenBSD's nc -l ADDR PORT
  const port = valueOf("-p", "--source-port") ?? positionals.at(-1) ?? "PORT";
  const host = positionals.length >= 2 ? first : valueOf("-s");
  return host === undefined ? port : `${bracketed(host)}:${port}`;
}

/** An IPv6 address in brackets, as tcpkit's HOST:PORT wants it. */
function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
