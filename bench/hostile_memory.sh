#!/usr/bin/env bash
# Peak memory of tcpkit under hostile clients that send and never read, on loopback:
#   echo:    COUNT clients -> tcpkit serve 127.0.0.1:PORT --echo -k
#   forward: COUNT clients -> tcpkit forward 127.0.0.1:FPORT 127.0.0.1:PORT -> tcpkit serve --echo -k
# Each client (bench/hostile_load.py) sends one line of LINE bytes and reads nothing, so that the
# echo has nowhere to send it and every buffer on the way fills. Once no client has sent a byte
# for 2 s, the script reads VmRSS and VmHWM (the peak) of each tcpkit process from /proc, and
# what the clients managed to send; then it ends them all.
#
# Usage: bash bench/hostile_memory.sh [--count 1000] [--line 10485760] [--modes echo,forward]
# Environment: TCPKIT (the tcpkit command, split on spaces; default: the `tcpkit` task of
# deno.json). `ulimit -n` is raised to 4 * COUNT + 256 (the forwarder holds two descriptors a
# client, the echo behind it one).
# Exit status: 0 when every client connected and every tcpkit process was still running at the
# end; 1 otherwise; 2 for a usage error.
set -euo pipefail
bench_name=hostile_memory.sh
# shellcheck source=bench/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

count=1000
line=10485760
modes="echo,forward"
while (($# > 0)); do
  case $1 in
  --count) need_value "$1" $# && count=$2 && shift 2 ;;
  --line) need_value "$1" $# && line=$2 && shift 2 ;;
  --modes) need_value "$1" $# && modes=$2 && shift 2 ;;
  -h | --help) sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
positive --count "$count"
positive --line "$line"
[[ $modes =~ ^(echo|forward)(,(echo|forward))*$ ]] || die_usage "--modes: echo, forward or both"

want=$((4 * count + 256))
if (($(ulimit -n) < want)); then
  ulimit -Hn "$want" 2>/dev/null || true
  ulimit -Sn "$want" 2>/dev/null || die "cannot raise ulimit -n to $want (hard limit $(ulimit -Hn))"
fi
require_tools python3 ss setsid awk
bench_init
tcpkit_command
load_py="$lib_dir/hostile_load.py"
failed=0
echo "tcpkit under $count hostile clients (a line of $line bytes each, never reading), 127.0.0.1"
echo "tcpkit: ${tcpkit_cmd[*]}; ulimit -n $(ulimit -n); $(nproc) CPUs"

# memory PID: "VmRSS VmHWM" of PID in MiB.
memory() {
  awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "rss %.1f MiB, peak %.1f MiB", r / 1024, h / 1024 }' \
    "/proc/$1/status"
}

# start_tcpkit LOG ARGS...: a tcpkit server; its pid in $tk_pid once it listens on $port.
start_tcpkit() {
  local log=$1
  shift
  spawn "${tcpkit_cmd[@]}" "$@" </dev/null >/dev/null 2>"$log"
  tk_pid=$spawned
  wait_listening "$port" "$tk_pid" || die "tcpkit $* did not listen: $(tail -n 3 "$log")"
}

# hostile PORT NAME PID...: runs the clients against PORT, then prints each PID's memory.
hostile() {
  local target=$1 name=$2
  shift 2
  spawn python3 "$load_py" --port "$target" --count "$count" --line "$line" \
    >"$work_dir/load.out" 2>"$work_dir/load.err"
  local load_pid=$spawned i
  for ((i = 0; i < 6000; i++)); do
    [[ -s $work_dir/load.out ]] && break
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.05
  done
  local report
  report=$(cat "$work_dir/load.out")
  [[ -n $report ]] || die "the hostile clients gave no report: $(tail -n 3 "$work_dir/load.err")"
  echo "$name: clients $report"
  if [[ $report != *'"failed": 0'* ]]; then failed=1; fi
  while (($# > 0)); do
    if kill -0 "$2" 2>/dev/null; then
      echo "  $1: $(memory "$2")"
    else
      echo "  $1: exited during the load" >&2
      failed=1
    fi
    shift 2
  done
  stop "$load_pid"
}

if [[ ,$modes, == *,echo,* ]]; then
  free_port
  start_tcpkit "$work_dir/echo.log" serve "127.0.0.1:$port" --echo -k
  echo_pid=$tk_pid
  hostile "$port" "echo" "serve --echo" "$echo_pid"
  stop "$echo_pid"
fi

if [[ ,$modes, == *,forward,* ]]; then
  free_port
  start_tcpkit "$work_dir/backend.log" serve "127.0.0.1:$port" --echo -k
  backend_pid=$tk_pid
  backend_port=$port
  free_port
  start_tcpkit "$work_dir/forward.log" forward "127.0.0.1:$port" "127.0.0.1:$backend_port"
  forward_pid=$tk_pid
  hostile "$port" "forward" "forward" "$forward_pid" "serve --echo behind it" "$backend_pid"
  stop "$forward_pid"
  stop "$backend_pid"
fi
exit "$failed"
