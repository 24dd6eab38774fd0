#!/usr/bin/env bash
# tcpkit's UDP beside socat, on loopback, in one run:
#   (a) forward -u vs socat UDP-LISTEN:…,fork UDP:…: COUNT datagrams of SIZE bytes, INFLIGHT in
#       flight, through each to one echo backend (bench/udp_load.py echo); time and datagrams
#       lost (a reply not back within 1 s) through each;
#   (b) serve -u -k --echo vs socat UDP-LISTEN:…,fork PIPE (socat's UDP echo: a process per
#       client; UDP-RECVFROM,fork would fork per datagram), the same way;
#   (c) forward -u's memory at SESSIONS sessions (one datagram and its reply from each of
#       SESSIONS client sockets; VmRSS of the process, less its RSS before any session);
#       socat's at SOCAT_SESSIONS (one process a session: RSS summed over its processes).
#
# Usage: bash bench/udp.sh [RUNS]   (environment: PARTS=abc COUNT=50000 SIZE=512 INFLIGHT=32
#        SESSIONS=10000 SOCAT_SESSIONS=1000 TCPKIT="deno run -A --unstable-net main.ts")
# Each run rotates which of tcpkit and socat goes first; the ratio is socat_time/tcpkit_time
# (above 1.0: tcpkit took less time).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PARTS=${PARTS:-abc}
COUNT=${COUNT:-50000}
SIZE=${SIZE:-512}
INFLIGHT=${INFLIGHT:-32}
SESSIONS=${SESSIONS:-10000}
SOCAT_SESSIONS=${SOCAT_SESSIONS:-1000}
read -r -a TCPKIT <<<"${TCPKIT:-deno run -A --unstable-net main.ts}"
LOAD=bench/udp_load.py
ulimit -n "$((SESSIONS * 2 + 256))" 2>/dev/null || true
PIDS=()
# socat's forks outlive it unless they are ended too (by their parent's id).
cleanup() {
  for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_udp() { for _ in $(seq 100); do ss -Huln "sport = :$1" | grep -q . && return; sleep 0.05; done; echo "no listener on $1" >&2; exit 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
tree_rss_kb() { # RSS of a process and its children
  local total=0
  for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(rss_kb "$p" 2>/dev/null || echo 0))); done
  echo "$total"
}
load() { python3 "$LOAD" client "$1" "$COUNT" "$SIZE" "$INFLIGHT"; }

ECHO=$(port); python3 "$LOAD" echo "$ECHO" & PIDS+=($!); wait_udp "$ECHO"

part() { # NAME TCPKIT_PORT SOCAT_PORT
  local name=$1 tp=$2 sp=$3 t s
  echo "== $name: $COUNT datagrams of $SIZE B, $INFLIGHT in flight"
  for run in $(seq "$RUNS"); do
    if ((run % 2)); then t=$(load "$tp"); s=$(load "$sp"); else s=$(load "$sp"); t=$(load "$tp"); fi
    local tt st
    tt=$(awk '{print $8}' <<<"$t"); st=$(awk '{print $8}' <<<"$s")
    printf 'run %d  tcpkit %s s (lost %s)  socat %s s (lost %s)  socat/tcpkit %.2f\n' "$run" \
      "$tt" "$(awk '{print $6}' <<<"$t")" "$st" "$(awk '{print $6}' <<<"$s")" \
      "$(echo "$st / $tt" | bc -l)"
  done
}

# (a) forwarders
if [[ $PARTS == *a* ]]; then
FT=$(port); FS=$(port)
"${TCPKIT[@]}" forward -u "127.0.0.1:$FT" "127.0.0.1:$ECHO" --drain 0 2>/dev/null & PIDS+=($!)
socat "UDP-LISTEN:$FS,bind=127.0.0.1,fork,reuseaddr" "UDP:127.0.0.1:$ECHO" & PIDS+=($!)
wait_udp "$FT"; wait_udp "$FS"
part "forward -u vs socat UDP-LISTEN,fork" "$FT" "$FS"
fi

# (b) echo servers
if [[ $PARTS == *b* ]]; then
ET=$(port); ES=$(port)
"${TCPKIT[@]}" serve -u "127.0.0.1:$ET" -k --echo 2>/dev/null & PIDS+=($!)
socat "UDP-LISTEN:$ES,bind=127.0.0.1,fork,reuseaddr" PIPE & PIDS+=($!)
wait_udp "$ET"; wait_udp "$ES"
part "serve -u --echo vs socat UDP-LISTEN,fork PIPE" "$ET" "$ES"
fi

# (c) memory per session
[[ $PARTS == *c* ]] || exit 0
echo "== memory per forward session"
MT=$(port)
"${TCPKIT[@]}" forward -u "127.0.0.1:$MT" "127.0.0.1:$ECHO" --drain 0 2>/dev/null & MPID=$!; PIDS+=($MPID)
wait_udp "$MT"; sleep 0.5
BASE=$(rss_kb "$MPID")
exec 3> >(python3 "$LOAD" sessions "$MT" "$SESSIONS" >/tmp/tcpkit-udp-sessions.$$)
for _ in $(seq 600); do grep -q replied /tmp/tcpkit-udp-sessions.$$ 2>/dev/null && break; sleep 0.1; done
NOW=$(rss_kb "$MPID")
echo "tcpkit: $(cat /tmp/tcpkit-udp-sessions.$$) of $SESSIONS; RSS ${BASE} KiB -> ${NOW} KiB:" \
  "$(((NOW - BASE) * 1024 / SESSIONS)) B a session"
exec 3>&-; rm -f /tmp/tcpkit-udp-sessions.$$
MS=$(port)
socat "UDP-LISTEN:$MS,bind=127.0.0.1,fork,reuseaddr" "UDP:127.0.0.1:$ECHO" & SPID=$!; PIDS+=($SPID)
wait_udp "$MS"
BASE=$(tree_rss_kb "$SPID")
exec 3> >(python3 "$LOAD" sessions "$MS" "$SOCAT_SESSIONS" >/tmp/tcpkit-udp-sessions.$$)
for _ in $(seq 600); do grep -q replied /tmp/tcpkit-udp-sessions.$$ 2>/dev/null && break; sleep 0.1; done
NOW=$(tree_rss_kb "$SPID")
echo "socat: $(cat /tmp/tcpkit-udp-sessions.$$) of $SOCAT_SESSIONS; RSS summed over" \
  "$(($(pgrep -P "$SPID" | wc -l) + 1)) processes ${BASE} KiB -> ${NOW} KiB:" \
  "$(((NOW - BASE) * 1024 / SOCAT_SESSIONS)) B a session"
exec 3>&-; rm -f /tmp/tcpkit-udp-sessions.$$
