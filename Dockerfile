# tcpkit in a minimal container: compiled in the official Deno image, run on distroless/cc
# (glibc and libgcc, which the compiled binary needs, and nothing else) as a non-root user.
#   docker build -t tcpkit .
#   docker run --rm -p 9000:9000 tcpkit serve 9000 --echo -k
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock main.ts ./
COPY lib ./lib
# The permissions the tests run tcpkit with.
RUN deno compile --allow-net --allow-read --allow-write --allow-env=http_proxy,HTTPS_PROXY,https_proxy,NO_PROXY,no_proxy --unstable-net --v8-flags=--max-semi-space-size=4 --output /out/tcpkit main.ts

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/tcpkit /usr/local/bin/tcpkit
USER nonroot
ENTRYPOINT ["/usr/local/bin/tcpkit"]
CMD ["--help"]
# Healthy while something accepts connections on port 9000 (the port of the example above),
# checked by tcpkit itself: the image has no shell, curl or nc. A service on another port declares
# its own check, e.g. in compose: test: ["CMD", "/usr/local/bin/tcpkit", "check", "127.0.0.1:PORT"].
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --start-interval=1s \
  CMD ["/usr/local/bin/tcpkit", "check", "127.0.0.1:9000", "--timeout", "2s"]
