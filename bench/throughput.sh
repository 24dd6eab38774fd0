#!/usr/bin/env bash
# Loopback throughput: the same bytes from a pipe through tcpkit, OpenBSD nc and socat.
#
# Usage: bash bench/throughput.sh [--size BYTES] [--runs R] [--timeout SECONDS] [--no-iperf3]
#
# Each run moves SIZE bytes (default 1 GiB) once with every tool, in a rotating order:
#   cat FILE | tcpkit connect 127.0.0.1:PORT     ->  tcpkit serve 127.0.0.1:PORT --sink --json
#   cat FILE | nc -N 127.0.0.1 PORT              ->  nc -l 127.0.0.1 PORT | wc -c
#   cat FILE | socat -u - TCP:127.0.0.1:PORT     ->  socat -u TCP-LISTEN:PORT,... /dev/null
# FILE is made once from /dev/urandom in /dev/shm (or $TMPDIR), so every client reads the same
# kind of pipe. A transfer is timed (wall clock) from the client's start to the server's exit;
# each server is started, and seen listening (ss), before the clock starts. Prints each run's
# times, the median per tool, MiB/s and the time ratios tcpkit/nc and tcpkit/socat.
# Unless --no-iperf3: iperf3 -c -n SIZE into iperf3 -s -1 as a memory-to-memory reference (no
# pipe, no file), in no ratio. --timeout: a transfer still running after SECONDS (default
# 60 + 1 per 10 MiB) is stopped and counted as failed.
#
# Environment: SIZE (bytes, as --size), TCPKIT (the tcpkit command, else TCPKIT_BIN; default
# "deno run --allow-net <repo>/main.ts"; split on spaces).
# Exit status: 0 when every transfer succeeded and every counted server received exactly SIZE
# bytes; 1 otherwise; 2 for a usage error.
set -euo pipefail
export LC_ALL=C

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")

size=${SIZE:-1073741824}
runs=5
timeout_s=""
use_iperf3=1

usage() {
  sed -n '2,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

die_usage() {
  echo "throughput.sh: $1" >&2
  echo 'Try "bash bench/throughput.sh --help".' >&2
  exit 2
}

while (($# > 0)); do
  case $1 in
  --size)
    (($# >= 2)) || die_usage "--size needs a value"
    size=$2
    shift 2
    ;;
  --size=*)
    size=${1#*=}
    shift
    ;;
  --runs)
    (($# >= 2)) || die_usage "--runs needs a value"
    runs=$2
    shift 2
    ;;
  --runs=*)
    runs=${1#*=}
    shift
    ;;
  --timeout)
    (($# >= 2)) || die_usage "--timeout needs a value"
    timeout_s=$2
    shift 2
    ;;
  --no-iperf3)
    use_iperf3=0
    shift
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done

[[ $size =~ ^[1-9][0-9]*$ ]] || die_usage "--size must be a positive byte count"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die_usage "--runs must be a positive number"
if [[ -z $timeout_s ]]; then
  # Generous: 60 s plus 1 s per 10 MiB, for a slow machine; a hang is reported, not waited out.
  timeout_s=$((60 + size / 10485760))
fi
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die_usage "--timeout must be whole seconds"

TCPKIT=${TCPKIT:-${TCPKIT_BIN:-}} # a binary under test, as the tests take it
if [[ -n ${TCPKIT:-} ]]; then
  read -r -a tcpkit_cmd <<<"$TCPKIT"
else
  tcpkit_cmd=(deno run --allow-net "$repo_dir/main.ts")
fi

for tool in cat nc socat ss setsid wc awk; do
  command -v "$tool" >/dev/null || {
    echo "throughput.sh: $tool is not installed" >&2
    exit 1
  }
done
if ((use_iperf3)) && ! command -v iperf3 >/dev/null; then
  echo "throughput.sh: iperf3 not installed; skipping its reference line" >&2
  use_iperf3=0
fi

# --- processes and cleanup ---------------------------------------------------------------

# Every background job runs in its own session (setsid), so that its process group, pipeline
# and all, can be ended by its id.
groups=()
work_dir=""
data_file=""

cleanup() {
  local pid
  for pid in "${groups[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${groups[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [[ -n $data_file ]] && rm -f -- "$data_file"
  [[ -n $work_dir ]] && rm -rf -- "$work_dir"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

spawned=""
# spawn CMD...: starts CMD in the background in a new session; its pid is in $spawned.
spawn() {
  setsid "$@" &
  spawned=$!
  groups+=("$spawned")
}

# forget PID: the job has been waited for.
forget() {
  local kept=() pid
  for pid in "${groups[@]}"; do
    [[ $pid == "$1" ]] || kept+=("$pid")
  done
  groups=("${kept[@]+"${kept[@]}"}")
}

used_ports=" "
port=""
# free_port: sets $port to a port that nothing uses in any state (listening, connected,
# TIME-WAIT) and that no earlier transfer used. Taken below the ephemeral range (32768-60999),
# so that no client's own port can collide with it.
free_port() {
  local in_use i
  in_use=" $(ss -Htan | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }')"
  for ((i = 0; i < 1000; i++)); do
    port=$((20000 + RANDOM % 12000))
    if [[ $used_ports != *" $port "* && $in_use != *" $port "* ]]; then
      used_ports+="$port "
      return 0
    fi
  done
  echo "throughput.sh: no free port found" >&2
  exit 1
}

# wait_listening PORT PID: polls ss (no probe connection: nc -l accepts only once).
wait_listening() {
  local port=$1 pid=$2 i
  for ((i = 0; i < 1500; i++)); do
    [[ -n $(ss -Hltn "sport = :$port") ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

# --- one transfer --------------------------------------------------------------------------

# transfer TOOL RUN: moves the data once with TOOL; appends "TOOL RUN MICROSECONDS|FAIL" to
# the results file and explains any failure on stderr.
transfer() {
  local tool=$1 run=$2 server client watchdog t0 t1 server_rc=0 client_rc=0 problems=()
  local err="$work_dir/$tool.$run.server.err" client_err="$work_dir/$tool.$run.client.err"
  local count="$work_dir/$tool.$run.count" timed_out="$work_dir/$tool.$run.timeout"
  free_port

  case $tool in
  tcpkit)
    spawn "${tcpkit_cmd[@]}" serve "127.0.0.1:$port" --sink --json </dev/null >/dev/null 2>"$err"
    ;;
  nc)
    # shellcheck disable=SC2016 # expanded by the inner bash
    spawn bash -c 'set -o pipefail; nc -l 127.0.0.1 "$1" </dev/null | wc -c >"$2"' \
      nc-server "$port" "$count" 2>"$err"
    ;;
  socat)
    spawn socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" /dev/null </dev/null 2>"$err"
    ;;
  iperf3)
    spawn iperf3 -s -1 -B 127.0.0.1 -p "$port" </dev/null >/dev/null 2>"$err"
    ;;
  esac
  server=$spawned
  if ! wait_listening "$port" "$server"; then
    echo "run $run, $tool: the server did not listen on port $port" >&2
    sed 's/^/  | /' "$err" >&2
    kill -TERM -- "-$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    forget "$server"
    echo "$tool $run FAIL" >>"$results"
    return 0
  fi

  local client_cmd
  case $tool in
  tcpkit) client_cmd=("${tcpkit_cmd[@]}" connect "127.0.0.1:$port") ;;
  nc) client_cmd=(nc -N 127.0.0.1 "$port") ;;
  socat) client_cmd=(socat -u - "TCP:127.0.0.1:$port") ;;
  iperf3) client_cmd=(iperf3 -c 127.0.0.1 -p "$port" -n "$size") ;;
  esac

  t0=${EPOCHREALTIME/[.,]/}
  if [[ $tool == iperf3 ]]; then
    spawn "${client_cmd[@]}" </dev/null >/dev/null 2>"$client_err"
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    spawn bash -c 'set -o pipefail; cat -- "$1" | "${@:2}" >/dev/null' \
      client "$data_file" "${client_cmd[@]}" </dev/null 2>"$client_err"
  fi
  client=$spawned
  # shellcheck disable=SC2016 # expanded by the inner bash
  spawn bash -c 'sleep "$1"; : >"$2"; kill -TERM -- "-$3" "-$4" 2>/dev/null' \
    watchdog "$timeout_s" "$timed_out" "$server" "$client"
  watchdog=$spawned

  wait "$server" || server_rc=$?
  t1=${EPOCHREALTIME/[.,]/}
  forget "$server"
  wait "$client" || client_rc=$?
  forget "$client"
  kill -TERM -- "-$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  forget "$watchdog"

  if [[ -e $timed_out ]]; then
    problems+=("no end after ${timeout_s} s: stopped by the watchdog (hang)")
  fi
  ((server_rc == 0)) || problems+=("the server exited with status $server_rc")
  ((client_rc == 0)) || problems+=("the client exited with status $client_rc")
  if [[ ! -e $timed_out ]]; then
    local received=""
    case $tool in
    tcpkit)
      received=$(grep '"event":"closed"' "$err" | grep -o '"bytes_received":[0-9]*' |
        cut -d: -f2 || true)
      ;;
    nc) [[ -f $count ]] && received=$(tr -d ' ' <"$count") ;;
    esac
    if [[ $tool == tcpkit || $tool == nc ]] && [[ $received != "$size" ]]; then
      problems+=("the server received ${received:-an unknown number of} bytes, not $size")
    fi
  fi
  if ((${#problems[@]} > 0)); then
    local problem
    for problem in "${problems[@]}"; do
      echo "run $run, $tool: $problem" >&2
    done
    sed 's/^/  server | /' "$err" >&2
    sed 's/^/  client | /' "$client_err" >&2
    echo "$tool $run FAIL" >>"$results"
  else
    echo "$tool $run $((t1 - t0))" >>"$results"
    printf '  %(%T)T  run %d  %-6s  %d.%06d s\n' -1 "$run" "$tool" $(((t1 - t0) / 1000000)) \
      $(((t1 - t0) % 1000000)) >&2
  fi
}

# --- main ----------------------------------------------------------------------------------

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/tcpkit-bench.XXXXXX")
results="$work_dir/results"
: >"$results"

data_dir=${TMPDIR:-/tmp}
if [[ -d /dev/shm && -w /dev/shm ]]; then
  shm_free_kib=$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')
  if ((shm_free_kib > size / 1024 + 262144)); then
    data_dir=/dev/shm
  fi
fi
data_file=$(mktemp "$data_dir/tcpkit-bench-data.XXXXXX")
head -c "$size" /dev/urandom >"$data_file"
[[ $(stat -c %s "$data_file") == "$size" ]] || {
  echo "throughput.sh: could not write $size bytes to $data_file" >&2
  exit 1
}

tools=(tcpkit nc socat)
size_mib=$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "tcpkit throughput: $size bytes ($size_mib MiB) per transfer, $runs runs, 127.0.0.1"
echo "data: $data_file (from /dev/urandom), fed as: cat FILE | CLIENT"
echo "tcpkit: ${tcpkit_cmd[*]}"
# Fill Deno's module cache and compile cache before anything is timed.
"${tcpkit_cmd[@]}" --version >/dev/null 2>&1 || {
  echo "throughput.sh: \"${tcpkit_cmd[*]} --version\" failed" >&2
  exit 1
}
echo

for ((run = 1; run <= runs; run++)); do
  # Rotate the order, so that no tool always goes first (or right after another).
  n=${#tools[@]}
  for ((i = 0; i < n; i++)); do
    tool=${tools[(i + run - 1) % n]}
    transfer "$tool" "$run"
  done
  if ((use_iperf3)); then
    transfer iperf3 "$run"
  fi
done
echo >&2

columns="tcpkit nc socat"
((use_iperf3)) && columns+=" iperf3"
awk -v size="$size" -v runs="$runs" -v columns="$columns" '
  { if ($3 == "FAIL") { cell[$1, $2] = "FAIL"; failed++ } else { cell[$1, $2] = $3 / 1e6 } }
  function median(tool,    v, n, i, j, t) {
    n = 0
    for (i = 1; i <= runs; i++) if (((tool, i) in cell) && cell[tool, i] != "FAIL") v[++n] = cell[tool, i]
    if (n == 0) return -1
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    nt = split(columns, tool, " ")
    printf "%-10s", "seconds"
    for (t = 1; t <= nt; t++) printf "%10s", tool[t] (tool[t] == "iperf3" ? "*" : "")
    printf "\n"
    for (i = 1; i <= runs; i++) {
      printf "%-10s", "run " i
      for (t = 1; t <= nt; t++) {
        if (!((tool[t], i) in cell)) printf "%10s", "-"
        else if (cell[tool[t], i] == "FAIL") printf "%10s", "FAIL"
        else printf "%10.3f", cell[tool[t], i]
      }
      printf "\n"
    }
    printf "%-10s", "median"
    for (t = 1; t <= nt; t++) {
      m[tool[t]] = median(tool[t])
      if (m[tool[t]] < 0) printf "%10s", "-"; else printf "%10.3f", m[tool[t]]
    }
    printf "\n%-10s", "MiB/s"
    for (t = 1; t <= nt; t++) {
      if (m[tool[t]] <= 0) printf "%10s", "-"; else printf "%10.0f", size / 1048576 / m[tool[t]]
    }
    printf "\n\n"
    printf "time ratios of the medians (below 1.0 means tcpkit was faster):\n"
    for (t = 2; t <= 3; t++) {
      if (m["tcpkit"] > 0 && m[tool[t]] > 0) printf "  tcpkit/%-6s %.2f\n", tool[t], m["tcpkit"] / m[tool[t]]
      else printf "  tcpkit/%-6s -\n", tool[t]
    }
    if (nt > 3) {
      printf "\n* iperf3 -c -n SIZE into iperf3 -s -1: a memory-to-memory reference with no pipe\n"
      printf "  and no file; not comparable with the other columns, and in no ratio.\n"
    }
    if (failed) printf "\n%d transfer(s) FAILED (see above); medians are of the successful runs.\n", failed
  }
' "$results"

if grep -q ' FAIL$' "$results"; then
  exit 1
fi
