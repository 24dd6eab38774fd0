#!/usr/bin/env bash
# Size, start-up time and idle memory of a tcpkit executable, as a Markdown table on stdout (CI
# appends it to the job summary, $GITHUB_STEP_SUMMARY).
#
#   bash .github/measure.sh BINARY [RUNS]
#
# Start-up: the median wall time of RUNS (default 11) runs of `--version`, and of `check` of one
# open port of 127.0.0.1 (a `serve -k --sink` of its own). Idle memory: the resident set of
# `serve 127.0.0.1:0 -k --echo` once it has announced its address, with no client (Linux: VmRSS
# and VmHWM of /proc/PID/status; macOS: ps; Windows: not measured). Linux, macOS, Git Bash.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bash .github/measure.sh BINARY [RUNS]" >&2
  exit 2
fi
bin=$1
runs=${2:-11}
[ -f "$bin" ] || {
  echo "measure: $bin: no such file" >&2
  exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/tcpkit-measure.XXXXXX")
servers=""
cleanup() {
  local pid
  for pid in $servers; do kill "$pid" 2>/dev/null || true; done
  for pid in $servers; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# now_us: wall-clock microseconds (bash 5's EPOCHREALTIME, else perl).
now_us() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo "$t"
  else
    perl -MTime::HiRes=time -e 'printf "%d\n", time * 1e6'
  fi
}

# timed COMMAND...: runs COMMAND $runs times (output discarded; each must exit 0) and prints
# "median min max" in milliseconds.
timed() {
  local i start end
  : >"$work/times"
  for i in $(seq "$runs"); do
    start=$(now_us)
    "$@" >/dev/null 2>&1 || {
      echo "measure: $* exited $?" >&2
      exit 1
    }
    end=$(now_us)
    echo $((end - start)) >>"$work/times"
  done
  sort -n "$work/times" | awk '{ t[NR] = $1 } END {
    printf "%.0f %.0f %.0f\n", t[int((NR + 1) / 2)] / 1000, t[1] / 1000, t[NR] / 1000 }'
}

# start_server NAME ARGS...: `serve ARGS...` in the background; sets $pid and $port once it has
# announced its address.
start_server() {
  local name=$1 i=0
  shift
  : >"$work/$name.log"
  "$bin" serve "$@" </dev/null >/dev/null 2>>"$work/$name.log" &
  pid=$!
  servers="$servers $pid"
  port=""
  while [ -z "$port" ] && [ "$i" -lt 200 ]; do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/$name.log" | head -n 1 || true)
    [ -n "$port" ] || sleep 0.1
    i=$((i + 1))
  done
  [ -n "$port" ] || {
    echo "measure: serve $* did not announce its address: $(cat "$work/$name.log")" >&2
    exit 1
  }
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

size=$(wc -c <"$bin" | tr -d ' ')
version=$("$bin" --version) || {
  echo "measure: $bin --version exited $?" >&2
  exit 1
}
read -r median low high <<<"$(timed "$bin" --version)" || true
[ -n "${high:-}" ] || exit 1
version_time="$median ms (median of $runs; $low–$high)"

start_server sink 127.0.0.1:0 -k --sink
read -r median low high <<<"$(timed "$bin" check "127.0.0.1:$port")" || true
[ -n "${high:-}" ] || exit 1
check_time="$median ms (median of $runs; $low–$high)"

start_server idle 127.0.0.1:0 -k --echo
memory="not measured on $(uname -s)"
if [ -r "/proc/$pid/status" ]; then
  rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$pid/status")
  peak=$(awk '/^VmHWM:/ { print $2 * 1024 }' "/proc/$pid/status")
  memory="$(mib "$rss") resident (peak $(mib "$peak"))"
elif [ "$(uname -s)" = Darwin ]; then
  rss=$(($(ps -o rss= -p "$pid" | tr -d ' ') * 1024))
  memory="$(mib "$rss") resident"
fi

cat <<EOF
| $version | $(uname -sm) |
| --- | --- |
| size of \`$(basename "$bin")\` | $(mib "$size") ($size bytes) |
| start-up: \`tcpkit --version\` | $version_time |
| start-up: \`tcpkit check\` of one open port of 127.0.0.1 | $check_time |
| idle memory: \`serve -k --echo\`, listening, no client | $memory |
EOF
