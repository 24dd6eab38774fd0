#!/usr/bin/env bash
# What `serve --tls` costs: SIZE bytes each way between a socat OPENSSL client and a TLS server:
# tcpkit, optionally another tcpkit to compare with (TCPKIT_BASE), socat and ncat.
#
# Usage: bash bench/tls_server.sh [--size BYTES] [--runs R] [--timeout SECONDS]
#
#   up:   cat FILE | socat -u - OPENSSL:127.0.0.1:PORT,cafile=CA
#           -> tcpkit serve 127.0.0.1:PORT --tls --cert LEAF --key KEY --sink
#   down: socat -u OPENSSL:127.0.0.1:PORT,cafile=CA - > /dev/null
#           <- tcpkit serve 127.0.0.1:PORT --tls --cert LEAF --key KEY < FILE
# and the same with socat's and ncat's servers. A transfer is timed from the client's start until
# both have exited; tcpkit's servers also have their CPU time (user + system, GNU time) taken,
# which a busy machine disturbs less than the wall clock. Each run takes the servers in turn.
#
# Environment: SIZE (bytes), TCPKIT (the tcpkit command, split on spaces; default: the `tcpkit`
# task of deno.json), TCPKIT_BASE (a second tcpkit command to compare with, such as `deno run
# ... /path/to/an/older/checkout/main.ts`).
# Exit status: 0 when every transfer succeeded (and each download had every byte); 1 otherwise.
set -euo pipefail
bench_name=tls_server.sh
# shellcheck source=bench/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

size=${SIZE:-1073741824}
runs=5
timeout_s=""
while (($# > 0)); do
  case $1 in
  --size) need_value "$1" $# && size=$2 && shift 2 ;;
  --runs) need_value "$1" $# && runs=$2 && shift 2 ;;
  --timeout) need_value "$1" $# && timeout_s=$2 && shift 2 ;;
  -h | --help) sed -n '2,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
positive --size "$size"
positive --runs "$runs"
timeout_s=${timeout_s:-$((60 + size / 10485760))}

require_tools cat socat ncat openssl ss setsid awk /usr/bin/time wc
bench_init
tcpkit_command
base_cmd=()
if [[ -n ${TCPKIT_BASE:-} ]]; then
  read -r -a base_cmd <<<"$TCPKIT_BASE"
  "${base_cmd[@]}" --version >/dev/null 2>&1 || die "\"$TCPKIT_BASE --version\" failed"
fi
make_certs
make_data "$size"
tools=(tcpkit socat ncat)
((${#base_cmd[@]} == 0)) || tools=(tcpkit tcpkit-base socat ncat)

# spawn_reading FILE CMD...: spawn, with FILE on CMD's stdin (a background job's stdin is
# /dev/null unless its own command line redirects it).
spawn_reading() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  spawn bash -c 'file=$1; shift; exec "$@" <"$file"' spawn_reading "$@"
}

# start_server TOOL DIRECTION: the server on a free $port, seen listening; its pid in $spawned.
start_server() {
  local tool=$1 dir=$2 cmd=()
  case $tool in
  tcpkit) cmd=("${tcpkit_cmd[@]}") ;;
  tcpkit-base) cmd=("${base_cmd[@]}") ;;
  esac
  free_port
  local tls=(serve "127.0.0.1:$port" --tls --cert "$leaf_pem" --key "$leaf_key")
  local listen="OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$leaf_pem,key=$leaf_key,verify=0"
  case $tool:$dir in
  tcpkit*:up) spawn /usr/bin/time -f "%U %S" -o "$cpu_file" "${cmd[@]}" "${tls[@]}" --sink \
    </dev/null >/dev/null 2>"$server_err" ;;
  tcpkit*:down) spawn_reading "$data_file" /usr/bin/time -f "%U %S" -o "$cpu_file" "${cmd[@]}" \
    "${tls[@]}" >/dev/null 2>"$server_err" ;;
  socat:up) spawn socat -u "$listen" /dev/null </dev/null 2>"$server_err" ;;
  socat:down) spawn socat -u "$data_file" "$listen" </dev/null 2>"$server_err" ;;
  ncat:up) spawn ncat --ssl --ssl-cert "$leaf_pem" --ssl-key "$leaf_key" -l 127.0.0.1 "$port" \
    --recv-only </dev/null >/dev/null 2>"$server_err" ;;
  ncat:down) spawn_reading "$data_file" ncat --ssl --ssl-cert "$leaf_pem" --ssl-key "$leaf_key" \
    -l 127.0.0.1 "$port" --send-only >/dev/null 2>"$server_err" ;;
  esac
  wait_listening "$port" "$spawned" || die "$tool's server did not listen on port $port"
}

# transfer TOOL DIRECTION RUN: one timed transfer, recorded as "TOOL-DIRECTION".
transfer() {
  local tool=$1 dir=$2 run=$3 server got="$work_dir/got"
  server_err="$work_dir/$tool.$dir.$run.server.err"
  client_err="$work_dir/$tool.$dir.$run.client.err"
  cpu_file="$work_dir/$tool.$dir.$run.cpu"
  start_server "$tool" "$dir"
  server=$spawned
  if [[ $dir == up ]]; then
    # shellcheck disable=SC2016 # expanded by the inner bash
    timed_client "$server" "$timeout_s" bash -c 'cat -- "$1" | socat -u - "OPENSSL:$2,cafile=$3"' \
      client "$data_file" "127.0.0.1:$port" "$ca_pem"
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    timed_client "$server" "$timeout_s" bash -c \
      'set -o pipefail; socat -u "OPENSSL:$1,cafile=$2" - | wc -c > "$3"' \
      client "127.0.0.1:$port" "$ca_pem" "$got"
  fi
  common_problems
  if [[ $dir == down ]] && ((!timed_out)) && [[ $(cat "$got" 2>/dev/null) != "$size" ]]; then
    problems+=("the client received $(cat "$got" 2>/dev/null || echo no) bytes, not $size")
  fi
  record "$tool-$dir" "$run" "${problems[@]+"${problems[@]}"}"
  if [[ $tool == tcpkit* && -s $cpu_file ]]; then
    awk -v t="$tool-$dir" -v r="$run" '{ printf "%s %d %d\n", t, r, ($1 + $2) * 1e6 }' \
      "$cpu_file" >>"$cpu_results"
  fi
}

cpu_results="$work_dir/cpu"
: >"$cpu_results"
echo "TLS servers: $size bytes each way, $runs runs, 127.0.0.1, socat OPENSSL as the client"
echo "tcpkit: ${tcpkit_cmd[*]}"
((${#base_cmd[@]} == 0)) || echo "tcpkit-base: ${base_cmd[*]}"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 1; run <= runs; run++)); do
  n=${#tools[@]}
  for dir in up down; do
    for ((i = 0; i < n; i++)); do
      transfer "${tools[(i + run - 1) % n]}" "$dir" "$run"
    done
  done
done
echo >&2
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

columns() { local t out=""; for t in "${tools[@]}"; do out+="$t-$1 "; done; echo "$out"; }
ratios() {
  local t out=""
  for t in "${tools[@]:1}"; do out+="$t-$1/tcpkit-$1 "; done
  echo "$out"
}
for dir in up down; do
  echo
  echo "$dir (wall clock):"
  summarize "$results" "$size" "$runs" "$(columns "$dir")" "$(ratios "$dir")"
done
echo
echo "tcpkit servers' CPU time (user + system, seconds):"
cpu_columns="tcpkit-up tcpkit-down"
((${#base_cmd[@]} == 0)) || cpu_columns="tcpkit-up tcpkit-base-up tcpkit-down tcpkit-base-down"
summarize "$cpu_results" 0 "$runs" "$cpu_columns" ""
if grep -q ' FAIL$' "$results"; then
  exit 1
fi
