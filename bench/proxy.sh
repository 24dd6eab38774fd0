#!/usr/bin/env bash
# tcpkit proxy beside microsocks and dante (danted), SOCKS5 on loopback, in one run:
#   (a) SIZE bytes (default 1 GiB) through each: `nc -N -X 5 -x PROXY 127.0.0.1 SINK < FILE` into
#       a fresh `tcpkit serve --sink` that must count exactly SIZE; RUNS runs, rotating; medians
#       and the time ratio OTHER/tcpkit (above 1.0: tcpkit took less time);
#   (b) CONNECTIONS short SOCKS5 connections (greeting, CONNECT, 100 bytes echoed, close),
#       CONCURRENCY at a time, to one echo server (bench/forward_load.py echo), by
#       bench/proxy_load.py (asyncio); "direct" is the generator's own ceiling;
#   (c) IDLE proxied connections held open: memory per connection (RSS growth; for dante the sum
#       over its processes).
# Usage: bash bench/proxy.sh [--parts a,b,c] [--size BYTES] [--runs R] [--connections N] [--concurrency C]
#          [--idle N]
set -euo pipefail
bench_name=proxy.sh
source "$(dirname "$0")/_lib.sh"

parts=a,b,c size=$((1024 * 1024 * 1024)) runs=3 connections=20000 concurrency=200 idle=2000
while (($#)); do
  case $1 in
    --parts) need_value "$1" $#; parts=$2; shift 2 ;;
    --size) need_value "$1" $#; size=$2; shift 2 ;;
    --runs) need_value "$1" $#; runs=$2; shift 2 ;;
    --connections) need_value "$1" $#; connections=$2; shift 2 ;;
    --concurrency) need_value "$1" $#; concurrency=$2; shift 2 ;;
    --idle) need_value "$1" $#; idle=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die_usage "unknown option $1" ;;
  esac
done
require_tools microsocks danted nc python3
bench_init

tcpkit_cmd=(deno run --quiet --allow-net --allow-read --allow-write
  --allow-env=http_proxy,HTTPS_PROXY,https_proxy,NO_PROXY,no_proxy --unstable-net
  --v8-flags=--max-semi-space-size=4 "$repo_dir/main.ts")
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do nc -z 127.0.0.1 "$1" 2>/dev/null && return; sleep 0.05; done; die "port $1 never opened"; }

declare -A pport ppid
start_proxies() {
  pport[tcpkit]=$(port); pport[microsocks]=$(port); pport[dante]=$(port)
  setsid "${tcpkit_cmd[@]}" proxy "127.0.0.1:${pport[tcpkit]}" 2>"$work_dir/tcpkit.log" &
  ppid[tcpkit]=$!; groups+=($!)
  setsid microsocks -i 127.0.0.1 -p "${pport[microsocks]}" >/dev/null 2>&1 &
  ppid[microsocks]=$!; groups+=($!)
  cat >"$work_dir/danted.conf" <<CONF
logoutput: /dev/null
internal: 127.0.0.1 port = ${pport[dante]}
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.privileged: $(id -un)
user.unprivileged: $(id -un)
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 }
CONF
  setsid danted -f "$work_dir/danted.conf" -p "$work_dir/danted.pid" -N 4 >/dev/null 2>&1 &
  ppid[dante]=$!; groups+=($!)
  for name in tcpkit microsocks dante; do wait_port "${pport[$name]}"; done
}
start_proxies
names=(tcpkit microsocks dante)

if [[ $parts == *a* ]]; then
echo "== (a) $size bytes through each SOCKS5 proxy, $runs runs"
head -c "$size" /dev/urandom >"$work_dir/data"
declare -A times
for ((run = 0; run < runs; run++)); do
  for ((k = 0; k < 3; k++)); do
    name=${names[(run + k) % 3]}
    sink=$(port)
    "${tcpkit_cmd[@]}" serve "127.0.0.1:$sink" --sink --json 2>"$work_dir/sink.json" &
    sink_pid=$!
    for _ in $(seq 200); do grep -q listening "$work_dir/sink.json" 2>/dev/null && break; sleep 0.05; done
    start=$(date +%s.%N)
    nc -N -X 5 -x "127.0.0.1:${pport[$name]}" 127.0.0.1 "$sink" <"$work_dir/data"
    wait "$sink_pid"
    end=$(date +%s.%N)
    grep -q "\"bytes_received\":$size" "$work_dir/sink.json" || die "$name: the sink did not get $size bytes"
    t=$(echo "$end - $start" | bc)
    times[$name]+="$t "
    printf '  run %d %-10s %6.2f s\n' "$run" "$name" "$t"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for name in "${names[@]}"; do
  m=$(echo "${times[$name]}" | median)
  declare "med_$name=$m"
  printf '  %-10s median %6.2f s  %7.0f MiB/s\n' "$name" "$m" "$(echo "$size / 1048576 / $m" | bc -l)"
done
printf '  ratio microsocks/tcpkit %.2f, dante/tcpkit %.2f\n' \
  "$(echo "$med_microsocks / $med_tcpkit" | bc -l)" "$(echo "$med_dante / $med_tcpkit" | bc -l)"
rm -f "$work_dir/data"
fi

setsid python3 "$lib_dir/forward_load.py" echo --port 0 >"$work_dir/echo.json" &
groups+=($!)
for _ in $(seq 100); do grep -q port "$work_dir/echo.json" 2>/dev/null && break; sleep 0.05; done
echo_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work_dir/echo.json")
if [[ $parts == *b* ]]; then
echo "== (b) $connections short SOCKS5 connections, $concurrency at a time, to one echo server"
python3 "$lib_dir/proxy_load.py" rate --target "$echo_port" --connections $((connections / 10)) \
  --concurrency "$concurrency" >/dev/null || true
for who in direct "${names[@]}"; do
  p=0; [[ $who == direct ]] || p=${pport[$who]}
  python3 "$lib_dir/proxy_load.py" rate --proxy "$p" --target "$echo_port" \
    --connections $((connections / 10)) --concurrency "$concurrency" >/dev/null || true
  printf '  %-10s ' "$who"
  python3 "$lib_dir/proxy_load.py" rate --proxy "$p" --target "$echo_port" \
    --connections "$connections" --concurrency "$concurrency" || true
done

fi

[[ $parts == *c* ]] || exit 0
echo "== (c) memory per idle proxied connection ($idle held open; proxies started afresh)"
ulimit -n $((4 * idle + 256)) 2>/dev/null || true
if [[ $parts != c ]]; then
  for name in "${names[@]}"; do kill -KILL -- "-${ppid[$name]}" 2>/dev/null || true; done
  for name in "${names[@]}"; do
    for _ in $(seq 100); do pgrep -g "${ppid[$name]}" >/dev/null || break; sleep 0.05; done
  done
  start_proxies
fi
sleep 1
rss_of() { # the sum of VmRSS (kB) over the process group of proxy $1 (setsid made it a leader)
  local total=0 p
  for p in $(pgrep -g "${ppid[$1]}"); do
    total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
for name in "${names[@]}"; do
  before=$(rss_of "$name")
  python3 "$lib_dir/proxy_load.py" idle --proxy "${pport[$name]}" --target "$echo_port" \
    --count "$idle" >"$work_dir/idle.json" &
  holder=$!
  for _ in $(seq 600); do grep -q open "$work_dir/idle.json" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  after=$(rss_of "$name")
  kill -TERM "$holder"; wait "$holder" 2>/dev/null || true
  printf '  %-10s %s; RSS %d -> %d kB: %.1f KiB per connection\n' "$name" \
    "$(cat "$work_dir/idle.json")" "$before" "$after" "$(echo "($after - $before) / $idle" | bc -l)"
done
