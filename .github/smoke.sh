#!/usr/bin/env bash
# Smoke test of a tcpkit executable through every path a compiled binary does differently from
# `deno run`: stdin read by a Worker, check's probing Workers, the name lookup Worker (node:dns),
# the generated TLS certificate (npm @peculiar/x509) and node:tls with a pin, JSON output, an
# HTTP check (node:http), UDP (Deno's datagram sockets, --unstable-net) and a SOCKS5 proxy.
#
#   bash .github/smoke.sh BINARY [VERSION]
#
# BINARY is a compiled tcpkit (dist/tcpkit, dist/tcpkit.exe), or tests/bin/tcpkit-deno-run where
# none can be built. With VERSION, `--version` must name it. Everything stays on 127.0.0.1 but
# the lookup of `localhost` (answered by the hosts file). Runs on Linux, macOS (bash 3.2) and
# Windows (Git Bash). Prints one line per step; exits non-zero at the first failure.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bash .github/smoke.sh BINARY [VERSION]" >&2
  exit 2
fi
bin=$1
version=${2:-}
case $bin in
/* | [A-Za-z]:*) ;;
*) bin="$PWD/$bin" ;;
esac
[ -f "$bin" ] || {
  echo "smoke: $bin: no such file" >&2
  exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/tcpkit-smoke.XXXXXX")
servers=""
cleanup() {
  local pid
  for pid in $servers; do kill "$pid" 2>/dev/null || true; done
  for pid in $servers; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "smoke: FAILED: line $LINENO exited $?" >&2' ERR

fail() {
  echo "smoke: FAILED: $*" >&2
  local log
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $(basename "$log")" >&2
    cat "$log" >&2
  done
  exit 1
}

step() { echo "smoke: $*"; }

# bounded SECONDS COMMAND...: runs COMMAND (with this shell's stdin and stdout), killed if it is
# still running after SECONDS; returns its status. No step may hang the job.
bounded() {
  local seconds=$1
  shift
  "$@" <&0 &
  local pid=$!
  (
    i=0
    while [ "$i" -lt $((seconds * 10)) ]; do
      kill -0 "$pid" 2>/dev/null || exit 0
      sleep 0.1
      i=$((i + 1))
    done
    echo "smoke: killed after ${seconds}s: $*" >&2
    kill -9 "$pid" 2>/dev/null
  ) </dev/null >/dev/null &
  local watchdog=$!
  local status=0
  wait "$pid" || status=$?
  wait "$watchdog" 2>/dev/null || true
  return "$status"
}

# start_tcpkit NAME ARGS...: starts `tcpkit ARGS...` (a server) with its stderr in NAME.log and
# waits for its announced port on 127.0.0.1; sets $port and $pid.
start_tcpkit() {
  local name=$1
  shift
  : >"$work/$name.log" # made before the server starts, so that the wait below can read it
  "$bin" "$@" </dev/null >"$work/$name.out" 2>>"$work/$name.log" &
  pid=$!
  servers="$servers $pid"
  local i=0
  port=""
  while [ "$i" -lt 200 ]; do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/$name.log" | head -n 1 || true)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "$* exited before listening"
    sleep 0.1
    i=$((i + 1))
  done
  fail "$* did not announce its address in 20 s"
}

# start_server NAME ARGS...: `tcpkit serve ARGS...`, as start_tcpkit.
start_server() {
  local name=$1
  shift
  start_tcpkit "$name" serve "$@"
}

# json_lines FILE: every line of FILE is one JSON object.
json_lines() {
  [ -s "$1" ] || fail "$1 is empty"
  if command -v jq >/dev/null 2>&1; then
    jq -e 'type == "object"' "$1" >/dev/null || fail "not JSON Lines: $(cat "$1")"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    assert isinstance(json.loads(line), dict), line' "$1" || fail "not JSON Lines: $(cat "$1")"
  else
    grep -qv '^{.*}$' "$1" && fail "not JSON Lines: $(cat "$1")"
  fi
  return 0
}

# checksum FILE: size and CRC of FILE, to compare two files byte for byte.
checksum() { cksum <"$1" | awk '{print $1, $2}'; }

# 1. The binary starts and names itself.
out=$(bounded 30 "$bin" --version) || fail "--version exited $?"
case $out in
"tcpkit ${version:+$version }"*) step "--version: $out" ;;
*) fail "--version printed: $out" ;;
esac

# 2. stdin through the Worker: a file piped to connect, echoed back byte for byte; a serve
#    without -k ends after its one client, with exit 0.
head -c 3145728 /dev/urandom >"$work/up.bin"
start_server echo 127.0.0.1:0 --echo
echo_pid=$pid
cat "$work/up.bin" | bounded 60 "$bin" connect "127.0.0.1:$port" >"$work/down.bin" 2>"$work/connect.log" ||
  fail "connect with a piped file exited $?"
[ "$(checksum "$work/up.bin")" = "$(checksum "$work/down.bin")" ] ||
  fail "3 MiB piped to connect came back as $(checksum "$work/down.bin"), sent $(checksum "$work/up.bin")"
i=0
while kill -0 "$echo_pid" 2>/dev/null && [ "$i" -lt 200 ]; do
  sleep 0.1
  i=$((i + 1))
done
kill -0 "$echo_pid" 2>/dev/null && fail "serve --echo still runs 20 s after its client left"
status=0
wait "$echo_pid" || status=$?
[ "$status" -eq 0 ] || fail "serve --echo exited $status after its client"
step "stdin Worker: 3 MiB piped to connect came back byte for byte"

# A server for the next steps, kept until the end.
start_server keep 127.0.0.1:0 --echo -k
keep=$port

# 3. check of a range of 1,000 ports: 500 connects in flight, spread over 5 Workers; JSON Lines.
low=$((keep > 500 ? keep - 500 : 1))
high=$((low + 999))
status=0
bounded 60 "$bin" check "127.0.0.1:$low-$high" --timeout 2s --json >"$work/check.json" 2>"$work/check.log" ||
  status=$?
[ "$status" -eq 0 ] || fail "check of 127.0.0.1:$low-$high exited $status"
json_lines "$work/check.json"
grep -q "\"port\":$keep,.*\"state\":\"open\"" "$work/check.json" ||
  fail "check of 127.0.0.1:$low-$high did not report port $keep open"
step "check Workers: 127.0.0.1:$low-$high scanned, port $keep open, JSON Lines"

# 4. A name looked up by the lookup Worker (node:dns): localhost, IPv4.
out=$(bounded 30 "$bin" connect -4 "localhost:$keep" --send lookup 2>"$work/lookup.log") ||
  fail "connect -4 localhost:$keep exited $?"
[ "$out" = lookup ] || fail "connect -4 localhost:$keep got: $out"
step "lookup Worker: localhost resolved and answered"

# 5. serve --tls with a certificate generated in memory; connect --tls --pin pasted from the line
#    serve prints; a wrong pin is refused with exit 5.
start_server tls 127.0.0.1:0 --tls --echo -k
tls=$port
line=""
i=0
while [ -z "$line" ] && [ "$i" -lt 200 ]; do
  line=$(sed -n 's/.*\(tcpkit connect --tls --pin .*\)/\1/p' "$work/tls.log" | head -n 1 || true)
  [ -n "$line" ] || sleep 0.1
  i=$((i + 1))
done
[ -n "$line" ] || fail "serve --tls printed no 'tcpkit connect --tls --pin' line in 20 s"
# The words after "tcpkit", as the line gives them (tr: a CR would end a Windows line).
read -r -a pasted <<<"$(printf '%s' "${line#tcpkit }" | tr -d '\r')"
case " ${pasted[*]} " in
*":$tls "*) ;;
*) pasted+=("127.0.0.1:$tls") ;;
esac
out=$(bounded 30 "$bin" "${pasted[@]}" --send pinned --json 2>"$work/tls-connect.json") ||
  fail "${pasted[*]} exited $?"
[ "$out" = pinned ] || fail "${pasted[*]} got: $out"
json_lines "$work/tls-connect.json"
grep -q '"event":"tls"' "$work/tls-connect.json" || fail "connect --json reported no tls event"
grep -q '"event":"closed"' "$work/tls-connect.json" || fail "connect --json reported no closed event"
wrong=$(printf '00:%.0s' $(seq 31))00
status=0
bounded 30 "$bin" connect --tls --pin "$wrong" "127.0.0.1:$tls" --send x >/dev/null 2>"$work/wrong-pin.log" ||
  status=$?
[ "$status" -eq 5 ] || fail "connect with a wrong pin exited $status, not 5"
grep -q '^tcpkit: ' "$work/wrong-pin.log" || fail "a wrong pin said: $(cat "$work/wrong-pin.log")"
step "TLS: generated certificate, pinned connect from the announced line, a wrong pin exits 5"

# 6. An HTTP check (node:http over tcpkit's dial): serve --reply answers one request with a 200.
start_server http 127.0.0.1:0 --reply $'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'
http=$port
status=0
bounded 30 "$bin" check "http://127.0.0.1:$http/healthz" --expect-body ok --json >"$work/http.json" \
  2>"$work/http.log" || status=$?
[ "$status" -eq 0 ] || fail "check http://127.0.0.1:$http/healthz exited $status"
json_lines "$work/http.json"
grep -q '"status":200' "$work/http.json" || fail "check http:// reported no status 200"
step "HTTP check: node:http, status 200, the body expected, JSON Lines"

# 7. UDP (Deno's datagram sockets, --unstable-net baked in): a datagram to serve -u --echo and back.
start_server udp -u 127.0.0.1:0 -k --echo
udp=$port
out=$(bounded 30 "$bin" connect -u "127.0.0.1:$udp" --send datagram --idle-timeout 1s 2>"$work/udp-connect.log") ||
  fail "connect -u exited $?"
[ "$out" = datagram ] || fail "connect -u got: $out"
step "UDP: a datagram echoed by serve -u"

# 8. Through a proxy: tcpkit proxy on loopback, connect --proxy socks5:// to the echo server.
start_tcpkit proxy proxy 127.0.0.1:0
proxy=$port
out=$(bounded 30 "$bin" connect "127.0.0.1:$keep" --proxy "socks5://127.0.0.1:$proxy" --send proxied \
  2>"$work/proxy-connect.log") || fail "connect --proxy exited $?"
[ "$out" = proxied ] || fail "connect --proxy got: $out"
step "proxy: tcpkit proxy, and connect through it with --proxy socks5://"

echo "smoke: all passed ($bin)"
