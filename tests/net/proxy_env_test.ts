import { assertEquals } from "@std/assert";
import { proxyFor } from "../../lib/net/proxy_env.ts";

Deno.test("proxyFor() reads http_proxy in lowercase only (curl's httpoxy rule)", () => {
  assertEquals(proxyFor("http://a.example/", { http_proxy: "p:1" }), {
    proxy: "p:1",
    reason: "http_proxy",
  });
  // HTTP_PROXY is not among the names read at all; an env with only HTTPS_PROXY gives http none.
  assertEquals(proxyFor("http://a.example/", { HTTPS_PROXY: "p:1" }).proxy, undefined);
});

Deno.test("proxyFor() reads https_proxy before HTTPS_PROXY for https:// targets", () => {
  assertEquals(proxyFor("https://a.example/", { https_proxy: "l:1", HTTPS_PROXY: "u:1" }), {
    proxy: "l:1",
    reason: "https_proxy",
  });
  assertEquals(proxyFor("https://a.example/", { HTTPS_PROXY: "u:1" }).proxy, "u:1");
  assertEquals(proxyFor("https://a.example/", { http_proxy: "p:1" }).proxy, undefined);
});

Deno.test("proxyFor() never proxies loopback targets", () => {
  const env = { http_proxy: "p:1", https_proxy: "p:1" };
  for (
    const url of [
      "http://127.0.0.1/",
      "http://127.9.9.9:8080/",
      "https://[::1]/",
      "http://localhost/",
      "http://app.localhost/",
    ]
  ) {
    assertEquals(proxyFor(url, env).proxy, undefined, url);
  }
});

Deno.test("proxyFor() honours no_proxy and NO_PROXY, and --noproxy in their place", () => {
  const env = { http_proxy: "p:1", NO_PROXY: "example.org, .internal,10.0.0.0/8" };
  assertEquals(proxyFor("http://example.org/", env).proxy, undefined);
  assertEquals(proxyFor("http://www.example.org/", env).proxy, undefined);
  assertEquals(proxyFor("http://notexample.org/", env).proxy, "p:1");
  assertEquals(proxyFor("http://db.internal/", env).proxy, undefined);
  assertEquals(proxyFor("http://10.2.3.4/", env).proxy, undefined);
  assertEquals(proxyFor("http://11.2.3.4/", env).proxy, "p:1");
  assertEquals(proxyFor("http://x.example/", { ...env, no_proxy: "*" }).proxy, undefined);
  assertEquals(proxyFor("http://example.org/", env, "").proxy, "p:1");
  assertEquals(
    proxyFor("http://other.example/", env, "other.example").reason,
    "other.example is in --noproxy",
  );
});

Deno.test("the binary may read exactly the variables proxyFor() is given", async () => {
  const { PERMISSIONS } = await import("../e2e/_cli.ts");
  const { PROXY_ENV_NAMES } = await import("../../lib/net/proxy_env.ts");
  assertEquals(PERMISSIONS.filter((p) => p.startsWith("--allow-env")), [
    `--allow-env=${PROXY_ENV_NAMES.join(",")}`,
  ]);
});
