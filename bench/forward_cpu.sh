#!/usr/bin/env bash
# The CPU time of tcpkit forward, two builds side by side on loopback (for a change's cost, less
# noisy than wall time on a shared machine):
#   (a) SIZE bytes through each forwarder: cat FILE | nc -N 127.0.0.1 FPORT, into nc -l > /dev/null;
#   (b) CONNECTIONS short connections through each (bench/forward_load.py rate, 200 at a time, to
#       its epoll echo backend).
# The forwarders run for the whole script, in turns within each run. For each transfer and round:
# wall time, and the forwarder's CPU time (user + system, from /proc/PID/stat) around it.
#
# Usage: bash bench/forward_cpu.sh [--size BYTES] [--runs R] [--connections N]
# Environment: TCPKIT (the build under test; default: the `tcpkit` task of deno.json) and
# TCPKIT_BEFORE (the one to compare with, e.g. a checkout of an older commit: "deno run
# --allow-net --allow-read --allow-write --v8-flags=--max-semi-space-size=4 /tmp/old/main.ts").
# Exit status: 0 when every transfer and connection came out right; 1 otherwise; 2 for a usage
# error.
set -euo pipefail
bench_name=forward_cpu.sh
# shellcheck source=bench/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

size=1073741824
runs=5
connections=10000
while (($# > 0)); do
  case $1 in
  --size) need_value "$1" $# && size=$2 && shift 2 ;;
  --runs) need_value "$1" $# && runs=$2 && shift 2 ;;
  --connections) need_value "$1" $# && connections=$2 && shift 2 ;;
  -h | --help) sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
for name in size runs connections; do positive "--$name" "${!name}"; done
[[ -n ${TCPKIT_BEFORE:-} ]] || die_usage "set TCPKIT_BEFORE to the build to compare with"
require_tools nc ss setsid awk python3
bench_init
tcpkit_command
read -r -a before_cmd <<<"$TCPKIT_BEFORE"
"${before_cmd[@]}" --version >/dev/null 2>&1 || die "\"$TCPKIT_BEFORE --version\" failed"
make_data "$size"
failed=0
echo "tcpkit forward, CPU time: after = ${tcpkit_cmd[*]}; before = ${before_cmd[*]}"

ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

free_port
sink_port=$port
free_port
backend_port=$port
spawn python3 "$lib_dir/forward_load.py" echo --port "$backend_port" >/dev/null 2>&1
wait_listening "$backend_port" "$spawned" || die "the echo backend did not listen"
declare -A fwd_pid fwd_port rate_port
for build in before after; do
  if [[ $build == before ]]; then cmd=("${before_cmd[@]}"); else cmd=("${tcpkit_cmd[@]}"); fi
  free_port
  spawn "${cmd[@]}" forward "127.0.0.1:$port" "127.0.0.1:$sink_port" </dev/null >/dev/null 2>&1
  fwd_pid[$build]=$spawned fwd_port[$build]=$port
  wait_listening "$port" "$spawned" || die "$build: the forwarder did not listen"
  free_port
  spawn "${cmd[@]}" forward "127.0.0.1:$port" "127.0.0.1:$backend_port" </dev/null >/dev/null 2>&1
  fwd_pid[$build-rate]=$spawned rate_port[$build]=$port
  wait_listening "$port" "$spawned" || die "$build: the forwarder did not listen"
done

echo "(a) $size bytes through each forwarder into nc -l, $runs runs"
for ((run = 1; run <= runs; run++)); do
  for build in before after; do
    spawn nc -l 127.0.0.1 "$sink_port" >/dev/null
    sink=$spawned
    wait_listening "$sink_port" "$sink" || die "nc -l did not listen"
    pid=${fwd_pid[$build]}
    c0=$(ticks "$pid") t0=$EPOCHREALTIME
    nc -N 127.0.0.1 "${fwd_port[$build]}" <"$data_file" || failed=1
    wait "$sink" || failed=1
    forget "$sink"
    t1=$EPOCHREALTIME c1=$(ticks "$pid")
    awk -v b="$build" -v r="$run" -v w="$(echo "$t1 - $t0" | bc)" -v c="$(((c1 - c0)))" -v hz="$hz" \
      'BEGIN { printf "  run %d  %-6s  wall %.3f s  CPU %.2f s\n", r, b, w, c / hz }' | tee -a "$results"
  done
done
echo "(b) $connections short connections through each forwarder, 200 at a time"
for build in before after; do # warm-up
  python3 "$lib_dir/forward_load.py" rate --port "${rate_port[$build]}" \
    --connections $((connections / 10)) >/dev/null || failed=1
done
for ((run = 1; run <= runs; run++)); do
  for build in before after; do
    pid=${fwd_pid[$build-rate]}
    c0=$(ticks "$pid")
    out=$(python3 "$lib_dir/forward_load.py" rate --port "${rate_port[$build]}" \
      --connections "$connections") || failed=1
    c1=$(ticks "$pid")
    python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print("  run %s  %-6s  %6d conn/s, %d failed, CPU %d ms per 1000" % (sys.argv[2], sys.argv[3], d["rate"], d["failed"], int(sys.argv[4]) * 1000 * 1000 / int(sys.argv[5]) / int(sys.argv[6])))' \
      "$out" "$run" "$build" "$((c1 - c0))" "$hz" "$connections"
  done
done
exit "$failed"
