#!/usr/bin/env bash
# TLS throughput on loopback: the same bytes from a pipe through tcpkit, socat and ncat, each
# tool as both client and server, the server discarding what it receives.
#
# Usage: bash bench/tls_throughput.sh [--size BYTES] [--runs R] [--timeout SECONDS]
#
# Each run moves SIZE bytes (default 1 GiB) once with every tool, in a rotating order:
#   cat FILE | tcpkit connect --tls --ca CA 127.0.0.1:PORT
#       -> tcpkit serve 127.0.0.1:PORT --tls --cert LEAF --key KEY --sink --json
#   cat FILE | socat -u - OPENSSL:127.0.0.1:PORT,cafile=CA
#       -> socat -u OPENSSL-LISTEN:PORT,bind=127.0.0.1,reuseaddr,cert=LEAF,key=KEY,verify=0 /dev/null
#   cat FILE | ncat -4 --ssl --ssl-verify --ssl-trustfile CA --send-only localhost PORT
#       -> ncat --ssl --ssl-cert LEAF --ssl-key KEY -l 127.0.0.1 PORT --recv-only > /dev/null
# Every client verifies the server's certificate (a P-256 leaf for localhost and 127.0.0.1,
# signed by a CA made for the run). A transfer is timed (wall clock) from the client's start to
# the server's exit; each server is started, and seen listening (ss), before the clock starts.
# Prints each run's times, the medians, MiB/s and the time ratios socat/tcpkit and ncat/tcpkit
# (above 1.0 means tcpkit took less time).
#
# Environment: SIZE (bytes, as --size), TCPKIT (the tcpkit command, split on spaces; default:
# the `tcpkit` task of deno.json).
# Exit status: 0 when every transfer succeeded and tcpkit's server received exactly SIZE bytes
# every time; 1 otherwise; 2 for a usage error.
set -euo pipefail
bench_name=tls_throughput.sh
# shellcheck source=bench/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

size=${SIZE:-1073741824}
runs=5
timeout_s=""

while (($# > 0)); do
  case $1 in
  --size) need_value "$1" $# && size=$2 && shift 2 ;;
  --size=*) size=${1#*=} && shift ;;
  --runs) need_value "$1" $# && runs=$2 && shift 2 ;;
  --runs=*) runs=${1#*=} && shift ;;
  --timeout) need_value "$1" $# && timeout_s=$2 && shift 2 ;;
  --timeout=*) timeout_s=${1#*=} && shift ;;
  -h | --help) sed -n '2,26s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
positive --size "$size"
positive --runs "$runs"
timeout_s=${timeout_s:-$((60 + size / 10485760))}
positive --timeout "$timeout_s"

require_tools cat socat ncat openssl ss setsid awk python3
bench_init
tcpkit_command
make_certs
make_data "$size"

# cipher_of TOOL: the protocol and cipher TOOL's server agrees with `openssl s_client`, and a
# check that the certificate set-up verifies, before anything is timed.
cipher_of() {
  local tool=$1 server line
  free_port
  start_server "$tool" "$work_dir/$tool.probe.err"
  server=$spawned
  line=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile "$ca_pem" \
    -verify_return_error -verify_ip 127.0.0.1 -brief </dev/null 2>&1 |
    awk -F': ' '/^Protocol version/ { p = $2 } /^Ciphersuite/ { c = $2 }
      /^Verification: OK/ { v = 1 } END { if (v) print p ", " c; else print "FAILED" }') || true
  stop "$server"
  printf '  %-7s server: %s\n' "$tool" "$line"
  [[ $line != FAILED ]] || die "openssl s_client could not verify $tool's server"
}

# start_server TOOL ERRFILE: the TOOL's server on $port, seen listening; its pid in $spawned.
start_server() {
  local tool=$1 err=$2
  case $tool in
  tcpkit)
    spawn "${tcpkit_cmd[@]}" serve "127.0.0.1:$port" --tls --cert "$leaf_pem" --key "$leaf_key" \
      --sink --json </dev/null >/dev/null 2>"$err"
    ;;
  socat)
    spawn socat -u \
      "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$leaf_pem,key=$leaf_key,verify=0" \
      /dev/null </dev/null 2>"$err"
    ;;
  ncat)
    spawn ncat --ssl --ssl-cert "$leaf_pem" --ssl-key "$leaf_key" -l 127.0.0.1 "$port" \
      --recv-only </dev/null >/dev/null 2>"$err"
    ;;
  esac
  if ! wait_listening "$port" "$spawned"; then
    sed 's/^/  | /' "$err" >&2
    die "$tool's server did not listen on port $port"
  fi
}

# transfer TOOL RUN: one timed transfer; its time or FAIL goes to $results.
transfer() {
  local tool=$1 run=$2 server client_cmd
  server_err="$work_dir/$tool.$run.server.err"
  client_err="$work_dir/$tool.$run.client.err"
  free_port
  start_server "$tool" "$server_err"
  server=$spawned
  case $tool in
  tcpkit) client_cmd=("${tcpkit_cmd[@]}" connect --tls --ca "$ca_pem" "127.0.0.1:$port") ;;
  socat) client_cmd=(socat -u - "OPENSSL:127.0.0.1:$port,cafile=$ca_pem") ;;
  # ncat checks only DNS names, not IP addresses, against the certificate: it connects to
  # localhost, over IPv4 (-4) since the server listens on 127.0.0.1.
  ncat) client_cmd=(ncat -4 --ssl --ssl-verify --ssl-trustfile "$ca_pem" --send-only localhost
    "$port") ;;
  esac
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_client "$server" "$timeout_s" bash -c 'set -o pipefail; cat -- "$1" | "${@:2}" >/dev/null' \
    client "$data_file" "${client_cmd[@]}"
  common_problems
  if [[ $tool == tcpkit ]] && ((!timed_out)); then
    local received
    received=$(tcpkit_received "$server_err")
    [[ $received == "$size" ]] ||
      problems+=("the server received ${received:-an unknown number of} bytes, not $size")
  fi
  record "$tool" "$run" "${problems[@]+"${problems[@]}"}"
}

tools=(tcpkit socat ncat)
echo "TLS throughput: $size bytes ($(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)" \
  "per transfer, $runs runs, 127.0.0.1, every client verifying the server's certificate"
echo "data: $data_file (from /dev/urandom), fed as: cat FILE | CLIENT"
echo "tcpkit: ${tcpkit_cmd[*]}"
echo "$(socat -V | awk '/socat version/ { print "socat " $3 }'), $(ncat --version 2>&1 | head -n 1)," \
  "$(openssl version | awk '{ print $1, $2 }')"
for tool in "${tools[@]}"; do
  cipher_of "$tool"
done
echo

for ((run = 1; run <= runs; run++)); do
  n=${#tools[@]}
  for ((i = 0; i < n; i++)); do
    transfer "${tools[(i + run - 1) % n]}" "$run"
  done
done
echo >&2

summarize "$results" "$size" "$runs" "tcpkit socat ncat" "socat/tcpkit ncat/tcpkit"
echo "(above 1.0: tcpkit took less time. tcpkit's server count is checked; socat's and ncat's"
echo " servers write to /dev/null, so for them only the exit statuses are.)"

if grep -q ' FAIL$' "$results"; then
  exit 1
fi
