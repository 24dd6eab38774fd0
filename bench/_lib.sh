# Shared by the bash benchmarks in bench/ (sourced, not run): processes and their cleanup, free
# ports, the tcpkit command, a data file, test certificates, one timed transfer, and the summary
# of per-run times (medians and ratios).
#
# The sourcing script sets `bench_name` (for messages) before sourcing, and calls `bench_init`.
# Every background process runs in a session of its own (setsid) and is ended by its process
# group, at exit or on a signal, by the trap that bench_init installs.

export LC_ALL=C

lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$lib_dir")

# --- messages ------------------------------------------------------------------------------

die() {
  echo "$bench_name: $1" >&2
  exit 1
}

die_usage() {
  echo "$bench_name: $1" >&2
  echo "Try \"bash bench/$bench_name --help\"." >&2
  exit 2
}

# need_value OPTION COUNT: an option's value is missing when fewer than 2 words are left.
need_value() {
  (($2 >= 2)) || die_usage "$1 needs a value"
}

# positive NAME VALUE: a positive whole number, or a usage error.
positive() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die_usage "$1 must be a positive whole number, not \"$2\""
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
  done
}

# --- processes and cleanup -----------------------------------------------------------------

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
  # Anything that ignored SIGTERM (none should) goes now.
  for pid in "${groups[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [[ -n $data_file ]]; then rm -f -- "$data_file"; fi
  if [[ -n $work_dir ]]; then rm -rf -- "$work_dir"; fi
  return 0
}

# bench_init: the trap, the work directory (in $work_dir) and the results file ($results).
bench_init() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/tcpkit-bench.XXXXXX")
  results="$work_dir/results"
  : >"$results"
}

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

# stop PID: ends a job's process group (SIGTERM) and waits for it; its status is in $stopped_rc.
stopped_rc=0
stop() {
  stopped_rc=0
  kill -TERM -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || stopped_rc=$?
  forget "$1"
}

# --- ports ---------------------------------------------------------------------------------

used_ports=" "
port=""
# free_port: sets $port to a port that nothing uses in any state (listening, connected,
# TIME-WAIT) and that no earlier step used. Taken below the ephemeral range (32768-60999), so
# that no client's own port can collide with it.
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
  die "no free port found"
}

# wait_listening PORT PID: polls ss (no probe connection: some servers accept only once).
wait_listening() {
  local port=$1 pid=$2 i
  for ((i = 0; i < 3000; i++)); do
    [[ -n $(ss -Hltn "sport = :$port") ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

# --- tcpkit --------------------------------------------------------------------------------

# tcpkit_command: sets the array tcpkit_cmd. From env TCPKIT (split on spaces) or TCPKIT_BIN, else
# exactly the `tcpkit` task of deno.json, with main.ts made absolute.
tcpkit_command() {
  local task
  TCPKIT=${TCPKIT:-${TCPKIT_BIN:-}} # a binary under test, as the tests take it
  if [[ -n ${TCPKIT:-} ]]; then
    read -r -a tcpkit_cmd <<<"$TCPKIT"
  else
    task=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tasks"]["tcpkit"])' \
      "$repo_dir/deno.json") || die "cannot read the tcpkit task from deno.json"
    # The task is `R="$PWD" && cd "$INIT_CWD" && deno run ... "$R/main.ts"`: its deno run.
    task=${task##*&& }
    read -r -a tcpkit_cmd <<<"$task"
    local i
    for i in "${!tcpkit_cmd[@]}"; do
      if [[ ${tcpkit_cmd[i]} == main.ts || ${tcpkit_cmd[i]} == '"$R/main.ts"' ]]; then
        tcpkit_cmd[i]="$repo_dir/main.ts"
      fi
    done
  fi
  # Fill Deno's module and compile caches before anything is timed.
  "${tcpkit_cmd[@]}" --version >/dev/null 2>&1 || die "\"${tcpkit_cmd[*]} --version\" failed"
}

# tcpkit_received FILE: bytes_received of the last `closed` JSON event in FILE (tcpkit --json).
tcpkit_received() {
  grep '"event":"closed"' "$1" | tail -n 1 | grep -o '"bytes_received":[0-9]*' | cut -d: -f2 ||
    true
}

# --- data and certificates -----------------------------------------------------------------

# make_data SIZE: writes SIZE random bytes to $data_file, in /dev/shm when it has room.
make_data() {
  local size=$1 dir=${TMPDIR:-/tmp} free_kib
  if [[ -d /dev/shm && -w /dev/shm ]]; then
    free_kib=$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')
    if ((free_kib > size / 1024 + 262144)); then dir=/dev/shm; fi
  fi
  data_file=$(mktemp "$dir/tcpkit-bench-data.XXXXXX")
  head -c "$size" /dev/urandom >"$data_file"
  [[ $(stat -c %s "$data_file") == "$size" ]] || die "could not write $size bytes to $data_file"
}

# make_certs: an EC P-256 CA and a CA:FALSE leaf for localhost and 127.0.0.1 that it signed, in
# $work_dir: ca.pem, leaf.pem, leaf.key (PKCS#8).
make_certs() {
  (
    set -e
    cd "$work_dir"
    cat >certs.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ leaf_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    openssl req -config certs.cnf -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout ca.key -out ca.pem -subj "/CN=tcpkit bench CA" -days 30 -extensions ca_ext
    openssl req -config certs.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout leaf.key -out leaf.csr -subj "/CN=localhost"
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile certs.cnf -extensions leaf_ext -out leaf.pem
  ) >"$work_dir/certs.log" 2>&1 || {
    sed 's/^/  | /' "$work_dir/certs.log" >&2
    die "openssl could not make the test certificates"
  }
  ca_pem="$work_dir/ca.pem"
  leaf_pem="$work_dir/leaf.pem"
  leaf_key="$work_dir/leaf.key"
}

# --- one timed transfer --------------------------------------------------------------------

# timed_client SERVER_PID TIMEOUT FEED_AND_CLIENT...: starts the client (a bash -c pipeline in
# words: "$@"), times from its start until SERVER_PID exits (or the client, when SERVER_PID is
# empty), and waits for both. A watchdog stops both after TIMEOUT seconds. Sets elapsed_us,
# server_rc, client_rc, and timed_out (1 or 0). Client stderr: $client_err (set by the caller).
timed_client() {
  local server=$1 timeout=$2 client watchdog t0 t1 flag="$work_dir/watchdog.$RANDOM$RANDOM"
  shift 2
  server_rc=0
  client_rc=0
  t0=${EPOCHREALTIME/[.,]/}
  spawn "$@" </dev/null >/dev/null 2>"$client_err"
  client=$spawned
  # shellcheck disable=SC2016 # expanded by the inner bash
  spawn bash -c 'sleep "$1"; : >"$2"; kill -TERM -- "-$3" ${4:+"-$4"} 2>/dev/null' \
    watchdog "$timeout" "$flag" "$client" "$server"
  watchdog=$spawned
  if [[ -n $server ]]; then
    wait "$server" || server_rc=$?
    t1=${EPOCHREALTIME/[.,]/}
    forget "$server"
    wait "$client" || client_rc=$?
  else
    wait "$client" || client_rc=$?
    t1=${EPOCHREALTIME/[.,]/}
  fi
  forget "$client"
  kill -TERM -- "-$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  forget "$watchdog"
  elapsed_us=$((t1 - t0))
  timed_out=0
  if [[ -e $flag ]]; then
    timed_out=1
    rm -f -- "$flag"
  fi
}

# record TOOL RUN PROBLEM...: appends the run's time, or FAIL with the problems (on stderr,
# with the server's and client's stderr), to $results; prints the time as it goes.
record() {
  local tool=$1 run=$2 problem
  shift 2
  if (($# > 0)); then
    for problem in "$@"; do
      echo "  run $run, $tool: $problem" >&2
    done
    if [[ -s ${server_err:-} ]]; then sed 's/^/    server | /' "$server_err" | tail -n 20 >&2; fi
    if [[ -s ${client_err:-} ]]; then sed 's/^/    client | /' "$client_err" | tail -n 20 >&2; fi
    echo "$tool $run FAIL" >>"$results"
  else
    echo "$tool $run $elapsed_us" >>"$results"
    printf '  %(%T)T  run %d  %-14s %d.%06d s\n' -1 "$run" "$tool" $((elapsed_us / 1000000)) \
      $((elapsed_us % 1000000)) >&2
  fi
}

# common_problems: sets the array `problems` from timed_out, server_rc and client_rc.
common_problems() {
  problems=()
  if ((timed_out)); then problems+=("no end within the time limit: stopped by the watchdog (hang)"); fi
  ((server_rc == 0)) || problems+=("the server exited with status $server_rc")
  ((client_rc == 0)) || problems+=("the client exited with status $client_rc")
  return 0
}

# --- summary -------------------------------------------------------------------------------

# summarize RESULTS SIZE RUNS "COLUMNS" "RATIOS": a table of the runs' times per column, the
# medians, MiB/s (when SIZE > 0), and each ratio A/B of the medians, with the per-run ratios
# A/B of the same run and their median. Columns and ratios are space-separated.
summarize() {
  awk -v size="$2" -v runs="$3" -v columns="$4" -v ratios="$5" '
    { if ($3 == "FAIL") { cell[$1, $2] = "FAIL"; failed[$1]++ } else cell[$1, $2] = $3 / 1e6 }
    function sort(v, n,    i, j, t) {
      for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    }
    function med(v, n) { if (n == 0) return -1; sort(v, n); return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    function ok(tool, i) { return ((tool, i) in cell) && cell[tool, i] != "FAIL" }
    function median(tool,    v, n, i) {
      n = 0
      for (i = 1; i <= runs; i++) if (ok(tool, i)) v[++n] = cell[tool, i]
      return med(v, n)
    }
    END {
      nt = split(columns, tool, " ")
      w = 10
      for (t = 1; t <= nt; t++) if (length(tool[t]) + 2 > w) w = length(tool[t]) + 2
      printf "%-10s", "seconds"
      for (t = 1; t <= nt; t++) printf "%" w "s", tool[t]
      printf "\n"
      for (i = 1; i <= runs; i++) {
        printf "%-10s", "run " i
        for (t = 1; t <= nt; t++) {
          if (!((tool[t], i) in cell)) printf "%" w "s", "-"
          else if (cell[tool[t], i] == "FAIL") printf "%" w "s", "FAIL"
          else printf "%" w ".3f", cell[tool[t], i]
        }
        printf "\n"
      }
      printf "%-10s", "median"
      for (t = 1; t <= nt; t++) {
        m[tool[t]] = median(tool[t])
        if (m[tool[t]] < 0) printf "%" w "s", "-"; else printf "%" w ".3f", m[tool[t]]
      }
      printf "\n"
      if (size > 0) {
        printf "%-10s", "MiB/s"
        for (t = 1; t <= nt; t++) {
          if (m[tool[t]] <= 0) printf "%" w "s", "-"; else printf "%" w ".0f", size / 1048576 / m[tool[t]]
        }
        printf "\n"
      }
      nr = split(ratios, ratio, " ")
      if (nr > 0) printf "\ntime ratios (of the medians; and each run'"'"'s pair, with their median):\n"
      for (r = 1; r <= nr; r++) {
        split(ratio[r], ab, "/")
        a = ab[1]; b = ab[2]
        line = ""; n = 0; delete v
        for (i = 1; i <= runs; i++) {
          if (ok(a, i) && ok(b, i) && cell[b, i] > 0) { v[++n] = cell[a, i] / cell[b, i]; line = line sprintf(" %.2f", v[n]) }
          else line = line " -"
        }
        pm = med(v, n)
        if (m[a] > 0 && m[b] > 0) printf "  %-28s %.2f", a "/" b, m[a] / m[b]; else printf "  %-28s -", a "/" b
        printf "   (runs:%s; median %s)\n", line, (pm < 0 ? "-" : sprintf("%.2f", pm))
      }
      nf = 0
      for (t in failed) nf += failed[t]
      if (nf) printf "\n%d transfer(s) FAILED (see above); medians are of the successful runs.\n", nf
    }
  ' "$1"
}
