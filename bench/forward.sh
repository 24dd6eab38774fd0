#!/usr/bin/env bash
# tcpkit forward beside socat's TCP-LISTEN,fork forwarder, on loopback, in one run:
#   (a) throughput: SIZE bytes through each forwarder into tcpkit serve --sink;
#   (b) connection rate: CONNECTIONS short connections (send 100 bytes, read the echo, close),
#       CONCURRENCY at a time, through each forwarder to one echo backend;
#   (c) IDLE idle forwarded connections: the forwarder's memory;
#   (d) TLS termination: SIZE bytes over TLS into each forwarder, plain on to the sink.
#
# Usage: bash bench/forward.sh [--parts a,b,c,d] [--size BYTES] [--runs R]
#          [--connections N] [--concurrency C] [--rounds R] [--idle N] [--timeout SECONDS]
#          [--socat-backlog N]
#
# The forwarders (each started fresh for every part, and kept for all its runs):
#   tcpkit forward 127.0.0.1:FPORT 127.0.0.1:TARGET                      (stderr to a log file)
#   socat TCP-LISTEN:FPORT,bind=127.0.0.1,fork,reuseaddr,backlog=511 TCP:127.0.0.1:TARGET
#   (d) tcpkit forward 127.0.0.1:FPORT --tls --cert LEAF --key KEY 127.0.0.1:TARGET
#   (d) socat OPENSSL-LISTEN:FPORT,bind=127.0.0.1,fork,reuseaddr,backlog=511,cert=LEAF,key=KEY,
#             verify=0 TCP:127.0.0.1:TARGET
# socat's own default listen backlog is 5; it gets tcpkit's (Deno's) 511 here (--socat-backlog).
#
# (a), (d): per run, in a rotating order, one transfer through each forwarder (and, in (a), one
#   straight to the sink, "direct", as a reference): a fresh `tcpkit serve 127.0.0.1:SINK --sink
#   --json` takes one client and must report exactly SIZE bytes; timed from the client's start to
#   the sink's exit. Clients: (a) cat FILE | nc -N 127.0.0.1 PORT;
#   (d) cat FILE | socat -u -b 131072 - OPENSSL:127.0.0.1:PORT,cafile=CA (verifying the leaf).
#   Prints times, medians, MiB/s, and socat/tcpkit (above 1.0: tcpkit took less time).
# (b): bench/forward_load.py's echo backend and rate generator (Python, epoll). A warm-up of a
#   tenth of CONNECTIONS for each, then ROUNDS rounds rotating tcpkit, socat and "direct" (the
#   generator straight to the backend: the ceiling of the generator and backend). Prints the
#   rates, the failures, each forwarder's CPU time per 1,000 connections (/proc/PID/stat; for
#   socat with its reaped children) and the rate ratio tcpkit/socat.
# (c): IDLE connections opened through the forwarder that send nothing, held until all of them
#   have reached the backend (counted with ss); then the forwarder's memory from /proc: VmRSS
#   and VmHWM (peak) of tcpkit's process; for socat the sum over its processes (one per
#   connection) of RSS, and of PSS (shared pages divided among the processes sharing them).
#   `ulimit -n` is raised to 2 * IDLE + 256 (the forwarder holds two descriptors a connection).
#
# Defaults: --parts a,b,c,d --size 1073741824 --runs 5 --connections 20000 --concurrency 200
# --rounds 3 --idle 10000; --timeout: per transfer, 60 s plus 1 s per 10 MiB.
# Environment: SIZE (as --size), TCPKIT (the tcpkit command, split on spaces; default: the
# `tcpkit` task of deno.json).
# Exit status: 0 when every transfer, connection and count came out right; 1 otherwise; 2 for a
# usage error.
set -euo pipefail
bench_name=forward.sh
# shellcheck source=bench/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

parts="a,b,c,d"
size=${SIZE:-1073741824}
runs=5
connections=20000
concurrency=200
rounds=3
idle=10000
timeout_s=""
socat_backlog=511

while (($# > 0)); do
  case $1 in
  --parts) need_value "$1" $# && parts=$2 && shift 2 ;;
  --size) need_value "$1" $# && size=$2 && shift 2 ;;
  --runs) need_value "$1" $# && runs=$2 && shift 2 ;;
  --connections) need_value "$1" $# && connections=$2 && shift 2 ;;
  --concurrency) need_value "$1" $# && concurrency=$2 && shift 2 ;;
  --rounds) need_value "$1" $# && rounds=$2 && shift 2 ;;
  --idle) need_value "$1" $# && idle=$2 && shift 2 ;;
  --timeout) need_value "$1" $# && timeout_s=$2 && shift 2 ;;
  --socat-backlog) need_value "$1" $# && socat_backlog=$2 && shift 2 ;;
  -h | --help) sed -n '2,42s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
[[ $parts =~ ^[abcd](,[abcd])*$ ]] || die_usage "--parts: letters a to d, comma-separated"
for name in size runs connections concurrency rounds idle socat_backlog; do
  positive "--${name//_/-}" "${!name}"
done
timeout_s=${timeout_s:-$((60 + size / 10485760))}
positive --timeout "$timeout_s"
has_part() { [[ ,$parts, == *",$1,"* ]]; }

require_tools cat nc socat ss setsid awk python3 openssl timeout pgrep
bench_init
tcpkit_command
load_py="$lib_dir/forward_load.py"
failed=0

if has_part c; then
  # The forwarder holds two descriptors per connection (client and target), the holder and the
  # backend one each; the limit is per process.
  want=$((2 * idle + 256))
  if (($(ulimit -n) < want)); then
    ulimit -Hn "$want" 2>/dev/null || true
    ulimit -Sn "$want" 2>/dev/null ||
      die "cannot raise ulimit -n to $want (hard limit $(ulimit -Hn)): use --idle $((($(ulimit -Hn) - 256) / 2)) or less"
  fi
fi

echo "tcpkit forward beside socat, parts $parts, 127.0.0.1"
echo "tcpkit: ${tcpkit_cmd[*]}"
echo "$(socat -V | awk '/socat version/ { print "socat " $3 }'), $(nc -h 2>&1 | head -n 1)," \
  "Python $(python3 -c 'import platform; print(platform.python_version())')," \
  "ulimit -n $(ulimit -n), $(nproc) CPUs"

# --- helpers -------------------------------------------------------------------------------

# start_forwarder KIND TARGET_PORT LOG: KIND is tcpkit, socat, tcpkit-tls or socat-tls; sets
# fwd_pid and fwd_port, and waits until it listens.
start_forwarder() {
  local kind=$1 target=$2 log=$3
  free_port
  fwd_port=$port
  case $kind in
  tcpkit) spawn "${tcpkit_cmd[@]}" forward "127.0.0.1:$fwd_port" "127.0.0.1:$target" ;;
  tcpkit-tls)
    spawn "${tcpkit_cmd[@]}" forward "127.0.0.1:$fwd_port" --tls --cert "$leaf_pem" \
      --key "$leaf_key" "127.0.0.1:$target"
    ;;
  socat)
    spawn socat "TCP-LISTEN:$fwd_port,bind=127.0.0.1,fork,reuseaddr,backlog=$socat_backlog" \
      "TCP:127.0.0.1:$target"
    ;;
  socat-tls)
    spawn socat "OPENSSL-LISTEN:$fwd_port,bind=127.0.0.1,fork,reuseaddr,backlog=$socat_backlog,cert=$leaf_pem,key=$leaf_key,verify=0" \
      "TCP:127.0.0.1:$target"
    ;;
  esac </dev/null >/dev/null 2>"$log"
  fwd_pid=$spawned
  if ! wait_listening "$fwd_port" "$fwd_pid"; then
    sed 's/^/  | /' "$log" >&2
    die "$kind did not listen on port $fwd_port"
  fi
}

# end_forwarder NAME PID LOG: the forwarder must still be running; stops it. tcpkit must then
# exit 0. Counts a problem in $failed otherwise.
end_forwarder() {
  local name=$1 pid=$2 log=$3
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "  $name: the forwarder had exited before the end of the part" >&2
    sed 's/^/    | /' "$log" | tail -n 20 >&2
    failed=1
  fi
  stop "$pid"
  if [[ $name == tcpkit* ]] && ((stopped_rc != 0)); then
    echo "  $name: exit status $stopped_rc after SIGTERM (expected 0)" >&2
    tail -n 5 "$log" | sed 's/^/    | /' >&2
    failed=1
  fi
  return 0
}

# tcpkit_log_ends LOG: how tcpkit forward's sessions ended, from its text log lines
# ("...; closed", "...; reset by the client", ...).
tcpkit_log_ends() {
  awk '/: -> / { n = split($0, p, "; "); end = p[n]; sub(/ \(.*/, "", end); c[end]++ }
       / cannot forward / { c["cannot forward"]++ }
       END { s = ""; for (e in c) s = s sprintf("%s%s %d", s == "" ? "" : ", ", e, c[e]); print (s == "" ? "none" : s) }' "$1"
}

# cpu_ticks PID: user + system time of the process and of its reaped children, in clock ticks.
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"
}

# memory PID: "RSS_KIB HWM_KIB PSS_KIB PROCESSES" summed over PID and its children.
memory() {
  local pids
  pids=("$1" $(pgrep -P "$1" || true))
  (
    for pid in "${pids[@]}"; do
      awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print "status", r + 0, h + 0 }' \
        "/proc/$pid/status" 2>/dev/null || true
      awk '/^Pss:/ { print "pss", $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true
    done
  ) | awk '$1 == "status" { r += $2; h += $3; n++ } $1 == "pss" { p += $2 }
           END { print r + 0, h + 0, p + 0, n + 0 }'
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

json_field() { # JSON FIELD: a top-level field of a JSON line
  python3 -c 'import json, sys; v = json.loads(sys.argv[1]).get(sys.argv[2]); print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}

# start_backend: bench/forward_load.py echo on a free port: backend_pid, backend_port.
start_backend() {
  free_port
  backend_port=$port
  spawn python3 "$load_py" echo --port "$backend_port" </dev/null >"$work_dir/backend.out" \
    2>"$work_dir/backend.err"
  backend_pid=$spawned
  wait_listening "$backend_port" "$backend_pid" || die "the echo backend did not listen"
}

# --- (a) and (d): throughput through a forwarder -------------------------------------------

# bulk KEY RUN PORT PART: one timed transfer to PORT (a forwarder, or the sink for "direct")
# into a fresh sink on $sink_port; KEY's time or FAIL goes to $results.
bulk() {
  local key=$1 run=$2 target=$3 part=$4 sink client_cmd
  server_err="$work_dir/$part.$key.$run.sink.err"
  client_err="$work_dir/$part.$key.$run.client.err"
  spawn "${tcpkit_cmd[@]}" serve "127.0.0.1:$sink_port" --sink --json </dev/null >/dev/null \
    2>"$server_err"
  sink=$spawned
  if ! wait_listening "$sink_port" "$sink"; then
    stop "$sink"
    elapsed_us=0
    record "$key" "$run" "the sink did not listen on port $sink_port"
    return 0
  fi
  if [[ $part == a ]]; then
    client_cmd=(nc -N 127.0.0.1 "$target")
  else
    client_cmd=(socat -u -b 131072 - "OPENSSL:127.0.0.1:$target,cafile=$ca_pem")
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_client "$sink" "$timeout_s" bash -c 'set -o pipefail; cat -- "$1" | "${@:2}" >/dev/null' \
    client "$data_file" "${client_cmd[@]}"
  common_problems
  if ((!timed_out)); then
    local received
    received=$(tcpkit_received "$server_err")
    [[ $received == "$size" ]] ||
      problems+=("the sink received ${received:-an unknown number of} bytes, not $size")
  fi
  record "$key" "$run" "${problems[@]+"${problems[@]}"}"
}

bulk_part() {
  local part=$1 kinds keys tcpkit_pid socat_pid tcpkit_port socat_port n i key
  results="$work_dir/results.$part"
  : >"$results"
  free_port
  sink_port=$port
  if [[ $part == a ]]; then
    echo
    echo "(a) throughput: $size bytes through each forwarder into tcpkit serve --sink, $runs runs"
    echo "    client: cat FILE | nc -N 127.0.0.1 PORT; \"direct\": the same client straight to the sink"
    kinds=(tcpkit socat)
    keys=(tcpkit socat direct)
  else
    echo
    echo "(d) TLS termination: $size bytes over TLS into each forwarder, plain on to tcpkit serve" \
      "--sink, $runs runs"
    echo "    client: cat FILE | socat -u -b 131072 - OPENSSL:127.0.0.1:PORT,cafile=CA"
    kinds=(tcpkit-tls socat-tls)
    keys=(tcpkit socat)
  fi
  start_forwarder "${kinds[0]}" "$sink_port" "$work_dir/$part.tcpkit.log"
  tcpkit_pid=$fwd_pid tcpkit_port=$fwd_port
  start_forwarder "${kinds[1]}" "$sink_port" "$work_dir/$part.socat.log"
  socat_pid=$fwd_pid socat_port=$fwd_port
  for ((run = 1; run <= runs; run++)); do
    n=${#keys[@]}
    for ((i = 0; i < n; i++)); do
      key=${keys[(i + run - 1) % n]}
      case $key in
      tcpkit) bulk "$key" "$run" "$tcpkit_port" "$part" ;;
      socat) bulk "$key" "$run" "$socat_port" "$part" ;;
      direct) bulk "$key" "$run" "$sink_port" "$part" ;;
      esac
    done
  done
  echo "    tcpkit forward's sessions: $(tcpkit_log_ends "$work_dir/$part.tcpkit.log")"
  end_forwarder tcpkit "$tcpkit_pid" "$work_dir/$part.tcpkit.log"
  end_forwarder socat "$socat_pid" "$work_dir/$part.socat.log"
  echo
  if [[ $part == a ]]; then
    summarize "$results" "$size" "$runs" "tcpkit socat direct" "socat/tcpkit tcpkit/direct"
  else
    summarize "$results" "$size" "$runs" "tcpkit socat" "socat/tcpkit"
  fi
  echo "(socat/tcpkit above 1.0: tcpkit took less time)"
  if grep -q ' FAIL$' "$results"; then failed=1; fi
  return 0
}

# --- (b): connection rate ------------------------------------------------------------------

# rate_round KEY ROUND PORT PID N: one round of N connections to PORT; PID is the forwarder
# (empty for direct). Appends "KEY ROUND MICROSECONDS" to $results, or FAIL.
rate_round() {
  local key=$1 round=$2 target=$3 pid=$4 n=$5 before after out rc=0 ok bad seconds rate
  before=0
  if [[ -n $pid ]]; then before=$(cpu_ticks "$pid"); fi
  out=$(timeout $((60 + n / 100)) python3 "$load_py" rate --port "$target" --connections "$n" \
    --concurrency "$concurrency" 2>"$work_dir/b.$key.$round.err") || rc=$?
  if [[ -n $pid ]]; then after=$(cpu_ticks "$pid"); else after=0; fi
  if [[ -z $out ]]; then
    echo "  round $round, $key: the generator gave no report (exit $rc)" >&2
    sed 's/^/    | /' "$work_dir/b.$key.$round.err" >&2
    [[ $round == warm-up ]] || echo "$key $round FAIL" >>"$results"
    failed=1
    return 0
  fi
  ok=$(json_field "$out" ok)
  bad=$(json_field "$out" failed)
  seconds=$(json_field "$out" seconds)
  rate=$(json_field "$out" rate)
  printf '  %(%T)T  round %-7s %-7s %6d ok, %4d failed in %7.3f s: %8.0f conn/s' -1 "$round" \
    "$key" "$ok" "$bad" "$seconds" "$rate" >&2
  if [[ -n $pid ]]; then
    printf ', CPU %.0f ms per 1000' "$(awk -v t=$((after - before)) -v n="$n" \
      'BEGIN { print t * 10 * 1000 / n }')" >&2
    echo "$key $round $((after - before))" >>"$work_dir/b.cpu"
  fi
  echo >&2
  if ((bad > 0)); then
    echo "    errors: $(json_field "$out" errors); first: $(json_field "$out" first_error)" >&2
    failed=1
    echo "$key $round $bad" >>"$work_dir/b.failures"
  fi
  if [[ $round != warm-up ]]; then
    echo "$key $round $(awk -v s="$seconds" 'BEGIN { printf "%d", s * 1e6 }')" >>"$results"
  fi
  return 0
}

rate_part() {
  local tcpkit_pid tcpkit_port socat_pid socat_port warm keys n i key mem
  results="$work_dir/results.b"
  : >"$results"
  : >"$work_dir/b.cpu"
  : >"$work_dir/b.failures"
  echo
  echo "(b) connection rate: $connections connections a round (connect, send 100 bytes, read the"
  echo "    echo, close), $concurrency at a time, through each forwarder to one echo backend"
  echo "    (forward_load.py), $rounds rounds after a warm-up; \"direct\": straight to the backend"
  start_backend
  start_forwarder tcpkit "$backend_port" "$work_dir/b.tcpkit.log"
  tcpkit_pid=$fwd_pid tcpkit_port=$fwd_port
  start_forwarder socat "$backend_port" "$work_dir/b.socat.log"
  socat_pid=$fwd_pid socat_port=$fwd_port
  warm=$((connections / 10 > 200 ? connections / 10 : 200))
  rate_round tcpkit warm-up "$tcpkit_port" "$tcpkit_pid" "$warm"
  rate_round socat warm-up "$socat_port" "$socat_pid" "$warm"
  rate_round direct warm-up "$backend_port" "" "$warm"
  keys=(tcpkit socat direct)
  for ((round = 1; round <= rounds; round++)); do
    n=${#keys[@]}
    for ((i = 0; i < n; i++)); do
      key=${keys[(i + round - 1) % n]}
      case $key in
      tcpkit) rate_round tcpkit "$round" "$tcpkit_port" "$tcpkit_pid" "$connections" ;;
      socat) rate_round socat "$round" "$socat_port" "$socat_pid" "$connections" ;;
      direct) rate_round direct "$round" "$backend_port" "" "$connections" ;;
      esac
    done
  done
  read -r -a mem <<<"$(memory "$tcpkit_pid")"
  echo "    tcpkit forward: peak RSS (VmHWM) $(mib "${mem[1]}") after all rounds; sessions:" \
    "$(tcpkit_log_ends "$work_dir/b.tcpkit.log")"
  end_forwarder tcpkit "$tcpkit_pid" "$work_dir/b.tcpkit.log"
  end_forwarder socat "$socat_pid" "$work_dir/b.socat.log"
  stop "$backend_pid"
  echo
  summarize "$results" 0 "$rounds" "tcpkit socat direct" "socat/tcpkit tcpkit/direct"
  awk -v n="$connections" -v rounds="$rounds" '
    FILENAME ~ /results/ && $3 != "FAIL" { t[$1, ++c[$1]] = $3 / 1e6 }
    FILENAME ~ /cpu/ && $2 != "warm-up" { cpu[$1] += $3; k[$1]++ }
    FILENAME ~ /failures/ { f[$1] += $3 }
    function median(key,    v, m, i, j, x) {
      m = c[key]; for (i = 1; i <= m; i++) v[i] = t[key, i]
      for (i = 2; i <= m; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
      return m == 0 ? 0 : (m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2)
    }
    END {
      printf "\nconnections per second (of the median time):"
      split("tcpkit socat direct", key, " ")
      for (i = 1; i <= 3; i++) { m[key[i]] = median(key[i]); printf "  %s %s", key[i], (m[key[i]] > 0 ? sprintf("%.0f", n / m[key[i]]) : "-") }
      printf "\n"
      if (m["tcpkit"] > 0 && m["socat"] > 0) printf "rate ratio tcpkit/socat: %.2f\n", m["socat"] / m["tcpkit"]
      for (i = 1; i <= 2; i++) if (k[key[i]]) printf "%s CPU: %.0f ms per 1000 connections (counted rounds)\n", key[i], cpu[key[i]] * 10 * 1000 / (n * k[key[i]])
      printf "failed connections: tcpkit %d, socat %d, direct %d (warm-up included)\n", f["tcpkit"], f["socat"], f["direct"]
    }' "$results" "$work_dir/b.cpu" "$work_dir/b.failures"
  if grep -q ' FAIL$' "$results"; then failed=1; fi
  return 0
}

# --- (c): idle forwarded connections -------------------------------------------------------

# idle_one KIND: IDLE idle connections through a fresh KIND forwarder; prints its memory.
idle_one() {
  local kind=$1 pid fwd holder out established base mem rc=0 i open
  start_forwarder "$kind" "$backend_port" "$work_dir/c.$kind.log"
  pid=$fwd_pid
  sleep 1
  read -r -a base <<<"$(memory "$pid")"
  spawn python3 "$load_py" idle --port "$fwd_port" --count "$idle" --batch 200 --timeout 120 \
    </dev/null >"$work_dir/c.$kind.out" 2>"$work_dir/c.$kind.err"
  holder=$spawned
  for ((i = 0; i < 1500; i++)); do
    [[ -s $work_dir/c.$kind.out ]] && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.1
  done
  out=$(head -n 1 "$work_dir/c.$kind.out")
  open=$(json_field "${out:-"{}"}" open)
  if [[ $open != "$idle" ]]; then
    echo "  $kind: $open of $idle connections opened: ${out:-no report}" >&2
    sed 's/^/    | /' "$work_dir/c.$kind.err" >&2
    failed=1
  fi
  # Every connection has reached the backend when the backend holds IDLE of them.
  established=0
  for ((i = 0; i < 600; i++)); do
    established=$(ss -Htn state established "( sport = :$backend_port )" | wc -l)
    ((established >= idle)) && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1
  read -r -a mem <<<"$(memory "$pid")"
  kill -USR1 -- "-$holder" 2>/dev/null || true
  wait "$holder" || rc=$?
  forget "$holder"
  local dropped
  dropped=$(json_field "$(tail -n 1 "$work_dir/c.$kind.out")" dropped 2>/dev/null || echo "?")
  if ((established < idle)) || [[ $dropped != 0 ]] || ((rc != 0)); then
    echo "  $kind: $established of $idle reached the backend; $dropped dropped while idle;" \
      "holder exit $rc" >&2
    failed=1
  fi
  if [[ $kind == tcpkit ]]; then
    printf '  %-7s base RSS %s; with %d idle: RSS %s, peak (VmHWM) %s, PSS %s; %.1f KiB per connection\n' \
      "$kind" "$(mib "${base[0]}")" "$established" "$(mib "${mem[0]}")" "$(mib "${mem[1]}")" \
      "$(mib "${mem[2]}")" "$(awk -v a="${mem[0]}" -v b="${base[0]}" -v n="$idle" 'BEGIN { print (a - b) / n }')"
    tcpkit_peak_kib=${mem[1]}
  else
    printf '  %-7s %d processes with %d idle: sum of RSS %s, sum of PSS %s (%.1f KiB PSS per connection)\n' \
      "$kind" "${mem[3]}" "$established" "$(mib "${mem[0]}")" "$(mib "${mem[2]}")" \
      "$(awk -v p="${mem[2]}" -v n="$idle" 'BEGIN { print p / n }')"
  fi
  # The clients have closed: every forwarded connection must end (the forwarder carrying on),
  # and the backend's side with it.
  local left=-1 ended=0
  for ((i = 0; i < 300; i++)); do
    if [[ $kind == tcpkit ]]; then
      ended=$(grep -c ': -> ' "$work_dir/c.$kind.log" || true)
      ((ended >= open)) && left=0
    else
      left=$(pgrep -c -P "$pid" || true)
    fi
    ((left == 0)) && [[ -z $(ss -Htn state established "( sport = :$backend_port )") ]] && break
    sleep 0.1
  done
  established=$(ss -Htn state established "( sport = :$backend_port )" | wc -l)
  if ((left != 0 || established != 0)); then
    echo "  $kind: 30 s after the clients closed, $established connections to the backend remain" \
      "$([[ $kind == tcpkit ]] && echo "and $ended of $open sessions have ended" ||
        echo "and $left socat processes")" >&2
    failed=1
  else
    echo "          all $open forwarded connections ended once their clients closed"
  fi
  [[ $kind == tcpkit ]] && echo "          tcpkit forward's sessions: $(tcpkit_log_ends "$work_dir/c.$kind.log")"
  end_forwarder "$kind" "$pid" "$work_dir/c.$kind.log"
  return 0
}

idle_part() {
  echo
  echo "(c) $idle idle forwarded connections (forward_load.py idle -> forwarder -> echo backend)"
  start_backend
  tcpkit_peak_kib=0
  idle_one tcpkit
  if ((idle + 2000 > $(cat /proc/sys/kernel/pid_max))); then
    echo "  socat: skipped, $idle processes would not fit under kernel.pid_max" >&2
  else
    idle_one socat
  fi
  stop "$backend_pid"
  awk -v k="$tcpkit_peak_kib" 'BEGIN { printf "tcpkit forward peak RSS %.1f MiB: %s 256 MiB\n", k / 1024, (k < 262144 ? "under" : "NOT under") }'
  return 0
}

# --- main ----------------------------------------------------------------------------------

if has_part a || has_part d; then
  make_data "$size"
  echo "data: $data_file, $size bytes from /dev/urandom"
fi
if has_part d; then make_certs; fi

if has_part a; then bulk_part a; fi
if has_part b; then rate_part; fi
if has_part c; then idle_part; fi
if has_part d; then bulk_part d; fi

if ((failed)); then
  echo
  echo "SOME STEPS FAILED (see above)"
  exit 1
fi
