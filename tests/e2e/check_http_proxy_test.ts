/**
 * check's http:// and https:// targets through the proxy the environment names, as curl reads it
 * (`http_proxy`, `HTTPS_PROXY`, `NO_PROXY`, `--noproxy`; loopback never proxied), and through
 * `--proxy`. The targets are 10.9.0.1, an address on the loopback interface of a network
 * namespace of the test's own: not a loopback address by the rules, yet nothing leaves the
 * machine (the namespace has no route out), whatever tcpkit does.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { Running, TCPKIT } from "./_cli.ts";
import { Netns, whyNetnsUnavailable } from "./_netns.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TARGET = "10.9.0.1";

/** A proxy that prints each request line it gets, answers a GET 200 "ok", a CONNECT 403. */
const RECORDING_PROXY = `import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    head = b""
    while b"\\r\\n\\r\\n" not in head:
        got = c.recv(4096)
        if not got: return
        head += got
    lines = head.decode("latin1").split("\\r\\n")
    auth = [l for l in lines if l.lower().startswith("proxy-authorization:")]
    print(lines[0] + (" | " + auth[0] if auth else ""), flush=True)
    if lines[0].startswith("CONNECT"):
        c.sendall(b"HTTP/1.1 403 Forbidden\\r\\nContent-Length: 0\\r\\n\\r\\n")
    else:
        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok")
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

const netnsMissing = await whyNetnsUnavailable();

/** Runs the steps in a namespace holding 10.9.0.1 and the recording proxy. */
async function withProxy(
  fn: (
    check: (args: string[], env?: Record<string, string>) => Promise<{
      code: number;
      results: Json[];
      stderr: string;
    }>,
    proxyPort: number,
    seen: () => string[],
  ) => Promise<void>,
): Promise<void> {
  await using ns = await Netns.create({ addresses: [`${TARGET}/32`] });
  await using proxy = new Running([
    "ip",
    "netns",
    "exec",
    ns.name,
    "python3",
    "-c",
    RECORDING_PROXY,
  ]);
  const port = Number((await proxy.stdout.waitFor(/^(\d+)\n/))[1]);
  const check = async (args: string[], env: Record<string, string> = {}) => {
    const vars = Object.entries(env).map(([name, value]) => `${name}=${value}`);
    const out = await ns.exec(["env", ...vars, ...TCPKIT, "check", ...args, "--json", "-v"]);
    const results = out.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l))
      .filter((o: Json) => o.event === "result");
    return { code: out.code, results, stderr: out.stderr };
  };
  const seen = () => proxy.stdout.text.trim().split("\n").slice(1);
  await fn(check, port, seen);
}

Deno.test({
  name: "check sends http:// targets to http_proxy as a request for the whole URL, with its login",
  ignore: netnsMissing !== null,
  fn: () =>
    withProxy(async (check, port, seen) => {
      const url = `http://${TARGET}:8080/healthz`;
      const out = await check([url], { http_proxy: `http://user:p%40ss@127.0.0.1:${port}` });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.results[0].state, "open");
      assertEquals(out.results[0].http.status, 200);
      assertEquals(seen(), [`GET ${url} HTTP/1.1 | Proxy-Authorization: Basic dXNlcjpwQHNz`]);
      assertMatch(
        out.stderr,
        new RegExp(`${url}: through http://127\\.0\\.0\\.1:${port} \\(http_proxy\\)`),
      );
    }),
});

Deno.test({
  name: "check tunnels https:// targets through HTTPS_PROXY with CONNECT, and words its refusal",
  ignore: netnsMissing !== null,
  fn: () =>
    withProxy(async (check, port, seen) => {
      const out = await check([`https://${TARGET}:8443/`], { HTTPS_PROXY: `127.0.0.1:${port}` });
      assertEquals(out.code, 1, out.stderr);
      assertEquals(seen(), [`CONNECT ${TARGET}:8443 HTTP/1.1`]);
      assertMatch(out.results[0].reason, /403/);
    }),
});

Deno.test({
  name: "check reaches NO_PROXY, --noproxy and loopback targets directly, and ignores HTTP_PROXY",
  ignore: netnsMissing !== null,
  fn: () =>
    withProxy(async (check, port, seen) => {
      const proxy = `http://127.0.0.1:${port}`;
      const url = `http://${TARGET}:8080/`;
      // Nothing listens on 10.9.0.1:8080: reached directly, it is refused (closed).
      for (
        const [args, env, why] of [
          [[url], { http_proxy: proxy, NO_PROXY: "10.9.0.0/16" }, `${TARGET} is in NO_PROXY`],
          [[url, "--noproxy", TARGET], { http_proxy: proxy }, `${TARGET} is in --noproxy`],
          [[url], { HTTP_PROXY: proxy }, "no proxy variable for this scheme"],
          [["http://127.0.0.1:1/"], { http_proxy: proxy }, "a loopback target is never proxied"],
          [[url, "--proxy", proxy, "--noproxy", "10.9.0.0/16"], {}, `${TARGET} is in --noproxy`],
        ] as [string[], Record<string, string>, string][]
      ) {
        const out = await check(args, env);
        assertEquals(out.code, 1, out.stderr);
        assertEquals(out.results[0].state, "closed", JSON.stringify(out.results[0]));
        assert(out.stderr.includes(`: direct (${why})`), out.stderr);
      }
      assertEquals(seen(), []);
    }),
});

Deno.test({
  name: "check --proxy takes http:// targets through the proxy given, loopback ones too",
  ignore: netnsMissing !== null,
  fn: () =>
    withProxy(async (check, port, seen) => {
      const out = await check(["http://127.0.0.1:1/x", "--proxy", `http://127.0.0.1:${port}`]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(seen(), ["GET http://127.0.0.1:1/x HTTP/1.1"]);
    }),
});

Deno.test({
  name: "check refuses a proxy variable that holds no proxy URL it takes, before any probe",
  ignore: netnsMissing !== null,
  fn: () =>
    withProxy(async (check, _port, seen) => {
      const out = await check([`https://${TARGET}:8443/`], { https_proxy: "ftp://127.0.0.1:21" });
      assertEquals(out.code, 2, out.stderr);
      assertEquals(out.results, []);
      const error = JSON.parse(out.stderr.trim().split("\n")[0]);
      assertEquals([error.event, error.exit_code], ["error", 2]);
      assertEquals(
        error.message,
        'tcpkit: invalid https_proxy "ftp://127.0.0.1:21": expected socks5://, socks5h:// or http://',
      );
      assertEquals(seen(), []);
    }),
});
