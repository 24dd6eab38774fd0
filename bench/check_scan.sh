#!/usr/bin/env bash
# Port scans: tcpkit check against nmap -sT (connect scans), and against nc -z one by one.
#
# Usage: bash bench/check_scan.sh [--runs R] [--skip-loopback] [--skip-filtered]
#          [--skip-nmap-filtered] [--skip-subnet] [--skip-netns]
#
# (a) Loopback, all 65,535 ports, R runs (default 3) in a rotating order, wall clock each:
#       tcpkit check 127.0.0.1:1-65535 --json
#       nmap -n -sT -p 1-65535 127.0.0.1
#       nmap -n -sT -T4 -p 1-65535 127.0.0.1
#     Prints each run, the medians and the ratios tcpkit/nmap of the medians.
# (b) Filtered ports (needs root, ip and nft; else skipped): a client and a server network
#     namespace of their own, joined by a veth pair (10.213.X.1/30 - 10.213.X.2/30), no default
#     route anywhere; nftables in the server namespace drops SYNs to ports 20000-20999. From the
#     client namespace:
#       tcpkit check 10.213.X.2:20000-20999 --timeout 1s --json     R runs, median
#       nmap -n -sT -Pn -p 20000-20999 10.213.X.2                   1 run (about 200 s)
#       nmap -n -sT -Pn -T4 -p 20000-20999 10.213.X.2               1 run (about 100 s)
#       nc -z -w 1 10.213.X.2 PORT, one port after the other         10 ports, time x 100
#     --skip-nmap-filtered leaves out the two nmap runs; --skip-filtered all of (b).
# (c) A /24 of test hosts (needs root, ip, nft and python3; else skipped): a new pair of
#     namespaces; the server holds 10.214.X.1-254 on its lo, the client routes that /24 (and
#     nothing else) through the veth pair. Every host listens on ports 22 and 80 (25, 443 and
#     8080 are closed); nftables drops SYNs to hosts .128-.254 (127 hosts, half of them).
#     From the client, R runs, each tool in turn (the order alternating from run to run):
#       tcpkit check 10.214.X.0/24:22,25,80,443,8080 --timeout 1s --json
#       nmap -n -sT -Pn -T4 -p 22,25,80,443,8080 -oG - 10.214.X.1-254
#     Each run's 1,270 states are compared with what the setup makes them, and with nmap's own
#     (-oG: open, closed, filtered = tcpkit's timeout). Prints each run, the medians and ranges,
#     and the ratio of the medians. --skip-subnet leaves (c) out.
# --skip-loopback leaves (a) out; --skip-netns (b) and (c).
# nmap runs with -n: no reverse DNS lookup of the target (which would leave the machine).
#
# Every scan's result is checked (65,535 results and no timeout on loopback; 1,000 timeouts or
# 1,000 filtered ports in (b); every state in (c)); a scan that fails, or runs past its time
# limit, is reported.
#
# Environment: TCPKIT (the tcpkit command, else TCPKIT_BIN; default
# "deno run --allow-net <repo>/main.ts"; split on spaces).
# Exit status: 0 when every scan ran and reported what was expected; 1 otherwise; 2 for usage.
set -euo pipefail
export LC_ALL=C
export DENO_NO_UPDATE_CHECK=1

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")

runs=3
skip_nmap_filtered=0
skip_netns=0
skip_loopback=0
skip_filtered=0
skip_subnet=0

usage() {
  sed -n '2,42s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

die_usage() {
  echo "check_scan.sh: $1" >&2
  echo 'Try "bash bench/check_scan.sh --help".' >&2
  exit 2
}

while (($# > 0)); do
  case $1 in
  --runs)
    (($# >= 2)) || die_usage "--runs needs a value"
    runs=$2
    shift 2
    ;;
  --runs=*)
    runs=${1#*=}
    shift
    ;;
  --skip-nmap-filtered)
    skip_nmap_filtered=1
    shift
    ;;
  --skip-netns)
    skip_netns=1
    shift
    ;;
  --skip-loopback)
    skip_loopback=1
    shift
    ;;
  --skip-filtered)
    skip_filtered=1
    shift
    ;;
  --skip-subnet)
    skip_subnet=1
    shift
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die_usage "--runs must be a positive number"

TCPKIT=${TCPKIT:-${TCPKIT_BIN:-}} # a binary under test, as the tests take it
if [[ -n ${TCPKIT:-} ]]; then
  read -r -a tcpkit_cmd <<<"$TCPKIT"
else
  tcpkit_cmd=(deno run --allow-net "$repo_dir/main.ts")
fi

for tool in nmap nc timeout awk grep; do
  command -v "$tool" >/dev/null || {
    echo "check_scan.sh: $tool is not installed" >&2
    exit 1
  }
done

# --- cleanup -------------------------------------------------------------------------------

work_dir=""
client_ns=""
server_ns=""

# delete_netns: ends what is left in our own namespaces (by pid), then deletes them, which
# deletes the veth pair.
delete_netns() {
  local ns pid
  for ns in "$client_ns" "$server_ns"; do
    [[ -n $ns && -e /run/netns/$ns ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$ns" || true
  done
  client_ns=""
  server_ns=""
}

# make_pair X: a client and a server namespace of our own, joined by a veth pair
# (10.213.X.1/30 - 10.213.X.2/30), lo up in both; sets client_ns, server_ns, client_addr,
# server_addr and in_client (the command prefix that runs a command in the client namespace).
make_pair() {
  local x=$1 ns
  client_addr="10.213.$x.1"
  server_addr="10.213.$x.2"
  client_ns="tcpkit-bench-c-$$-$x"
  server_ns="tcpkit-bench-s-$$-$x"
  ip netns add "$client_ns"
  ip netns add "$server_ns"
  ip -n "$client_ns" link add veth0 type veth peer name veth1 netns "$server_ns"
  ip -n "$client_ns" addr add "$client_addr/30" dev veth0
  ip -n "$server_ns" addr add "$server_addr/30" dev veth1
  for ns in "$client_ns" "$server_ns"; do ip -n "$ns" link set lo up; done
  ip -n "$client_ns" link set veth0 up
  ip -n "$server_ns" link set veth1 up
  in_client=(ip netns exec "$client_ns")
}

# no_default_route: stops the script if one of our namespaces has a default route (the safety
# net: nothing may leave the machine).
no_default_route() {
  local ns
  for ns in "$client_ns" "$server_ns"; do
    if [[ -n $(ip -n "$ns" route show default; ip -n "$ns" -6 route show default) ]]; then
      echo "check_scan.sh: namespace $ns has a default route; stopping" >&2
      exit 1
    fi
  done
}

cleanup() {
  delete_netns
  [[ -n $work_dir ]] && rm -rf -- "$work_dir"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/tcpkit-check-bench.XXXXXX")
failed=0

# timed LIMIT OUT CMD...: runs CMD (stdout to OUT, stderr to OUT.err) under a time limit of
# LIMIT seconds; sets $took (seconds, 3 decimals) and $rc (124 or 137 when the limit hit).
took=""
rc=0
timed() {
  local limit=$1 out=$2 t0 t1
  shift 2
  t0=${EPOCHREALTIME/[.,]/}
  rc=0
  timeout -k 5 "$limit" "$@" >"$out" 2>"$out.err" || rc=$?
  t1=${EPOCHREALTIME/[.,]/}
  took=$(printf '%d.%03d' $(((t1 - t0) / 1000000)) $((((t1 - t0) % 1000000) / 1000)))
}

# problem TEXT FILE: reports a failed scan, with the end of its stderr.
problem() {
  echo "  FAILED: $1" >&2
  if [[ -s $2.err ]]; then tail -n 5 "$2.err" | sed 's/^/    | /' >&2; fi
  failed=1
}

# count_state FILE STATE: how many of tcpkit's JSON lines in FILE have that state.
count_state() {
  grep -c "\"state\":\"$2\"" "$1" || true
}

# nmap_count FILE WORD: the ports nmap reports as WORD (open, filtered, closed), listed or in
# its "Not shown: N WORD tcp ports" line.
nmap_count() {
  awk -v word="$2" '
    $2 == word && $1 ~ /^[0-9]+\/tcp$/ { n++ }
    /^Not shown: / && $4 == word { n += $3 }
    END { print n + 0 }
  ' "$1"
}

# median of the numbers on stdin.
median() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
  }'
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f\n", a / b }'
}

echo "tcpkit check: port scans against nmap -sT and nc -z (runs: $runs; $(date -u '+%F %T') UTC)"
echo "tcpkit: ${tcpkit_cmd[*]}"
echo "nmap: $(nmap --version | head -n 1)"
# Fill Deno's module and compile caches before anything is timed.
"${tcpkit_cmd[@]}" --version >/dev/null 2>&1 || {
  echo "check_scan.sh: \"${tcpkit_cmd[*]} --version\" failed" >&2
  exit 1
}

# --- (a) loopback, all ports ---------------------------------------------------------------

echo
if ((skip_loopback)); then
  echo "(a) 127.0.0.1, ports 1-65535: skipped (--skip-loopback)"
else
  echo "(a) 127.0.0.1, ports 1-65535"
  tools=(tcpkit nmap nmap-T4)
  declare -A time_of open_of
  for ((run = 1; run <= runs; run++)); do
    n=${#tools[@]}
    for ((i = 0; i < n; i++)); do
      tool=${tools[(i + run - 1) % n]}
      out="$work_dir/a.$tool.$run"
      case $tool in
      tcpkit) timed 300 "$out" "${tcpkit_cmd[@]}" check 127.0.0.1:1-65535 --json ;;
      nmap) timed 600 "$out" nmap -n -sT -p 1-65535 127.0.0.1 ;;
      nmap-T4) timed 600 "$out" nmap -n -sT -T4 -p 1-65535 127.0.0.1 ;;
      esac
      ok=1
      if [[ $tool == tcpkit ]]; then
        results=$(grep -c '"state"' "$out" || true)
        timeouts=$(count_state "$out" timeout)
        open=$(count_state "$out" open)
        # Exit 0 with an open port, 1 with none; anything else is a failure.
        if ((rc > 1)); then
          problem "run $run, tcpkit exited with status $rc" "$out"
          ok=0
        elif ((results != 65535 || timeouts != 0)); then
          problem "run $run, tcpkit: $results results (not 65535), $timeouts timeouts" "$out"
          ok=0
        fi
      else
        open=$(nmap_count "$out" open)
        if ((rc != 0)); then
          problem "run $run, $tool exited with status $rc" "$out"
          ok=0
        fi
      fi
      if ((ok)); then
        time_of[$tool,$run]=$took
        open_of[$tool,$run]=$open
        printf '  %(%T)T  run %d  %-8s %8s s  %d open\n' -1 "$run" "$tool" "$took" "$open" >&2
      else
        time_of[$tool,$run]=FAIL
        open_of[$tool,$run]=-
      fi
    done
  done

  printf '\n  %-8s %10s %10s %10s\n' seconds "${tools[@]}"
  declare -A median_of
  for ((run = 1; run <= runs; run++)); do
    printf '  %-8s %10s %10s %10s\n' "run $run" "${time_of[tcpkit,$run]}" \
      "${time_of[nmap,$run]}" "${time_of[nmap-T4,$run]}"
  done
  for tool in "${tools[@]}"; do
    median_of[$tool]=$(for ((run = 1; run <= runs; run++)); do
      [[ ${time_of[$tool,$run]} == FAIL ]] || echo "${time_of[$tool,$run]}"
    done | median)
  done
  printf '  %-8s %10s %10s %10s\n' median "${median_of[tcpkit]}" "${median_of[nmap]}" \
    "${median_of[nmap-T4]}"
  printf '  %-8s %10s %10s %10s\n' "open (1)" "${open_of[tcpkit,1]}" "${open_of[nmap,1]}" \
    "${open_of[nmap-T4,1]}"
  echo
  echo "  time ratios of the medians (below 1.0 means tcpkit took less time):"
  echo "    tcpkit/nmap     $(ratio "${median_of[tcpkit]}" "${median_of[nmap]}")"
  echo "    tcpkit/nmap-T4  $(ratio "${median_of[tcpkit]}" "${median_of[nmap-T4]}")"
  echo "  (open ports can differ between runs: other programs open and close loopback ports)"
fi

# --- (b) filtered ports, in namespaces of our own ------------------------------------------

echo
echo "(b) 1,000 ports whose SYNs are dropped (nftables), client and server in network namespaces"
skip_why=""
if ((skip_netns)); then
  skip_why="--skip-netns"
elif ((skip_filtered)); then
  skip_why="--skip-filtered"
elif [[ $(id -u) != 0 ]]; then
  skip_why="not root"
elif ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
  skip_why="ip (iproute2) or nft (nftables) is not installed"
fi
if [[ -n $skip_why ]]; then
  echo "  skipped: $skip_why"
else
  first=20000
  last=20999
  make_pair $(($$ % 250 + 1))
  ip netns exec "$server_ns" nft -f - <<EOF
table inet tcpkit_bench {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport $first-$last drop
  }
}
EOF
  no_default_route
  echo "  client $client_addr (netns $client_ns) -> server $server_addr (netns $server_ns)," \
    "ports $first-$last dropped"

  declare -a tcpkit_times=()
  for ((run = 1; run <= runs; run++)); do
    out="$work_dir/b.tcpkit.$run"
    timed 120 "$out" "${in_client[@]}" "${tcpkit_cmd[@]}" check "$server_addr:$first-$last" \
      --timeout 1s --json
    timeouts=$(count_state "$out" timeout)
    if ((rc != 1 || timeouts != 1000)); then
      problem "tcpkit run $run: exit $rc, $timeouts of 1000 ports timeout" "$out"
    else
      tcpkit_times+=("$took")
      printf '  %(%T)T  run %d  tcpkit   %8s s  %d timeout\n' -1 "$run" "$took" "$timeouts" >&2
    fi
  done
  tcpkit_median=$(printf '%s\n' "${tcpkit_times[@]+"${tcpkit_times[@]}"}" | grep . | median)

  declare -A nmap_time nmap_filtered
  nmap_rows=()
  if ((skip_nmap_filtered)); then
    echo "  nmap: skipped (--skip-nmap-filtered)"
  else
    for tool in nmap nmap-T4; do
      out="$work_dir/b.$tool"
      args=(-n -sT -Pn -p "$first-$last" "$server_addr")
      [[ $tool == nmap-T4 ]] && args=(-n -sT -Pn -T4 -p "$first-$last" "$server_addr")
      echo "  running nmap ${args[*]} (slow) ..." >&2
      timed 1800 "$out" "${in_client[@]}" nmap "${args[@]}"
      filtered=$(nmap_count "$out" filtered)
      if ((rc != 0 || filtered != 1000)); then
        problem "$tool: exit $rc, $filtered of 1000 ports filtered" "$out"
        nmap_time[$tool]=FAIL
        nmap_filtered[$tool]=-
      else
        nmap_time[$tool]=$took
        nmap_filtered[$tool]=$filtered
        printf '  %(%T)T  %-8s %8s s  %d filtered\n' -1 "$tool" "$took" "$filtered" >&2
      fi
      nmap_rows+=("$tool")
    done
  fi

  # nc -z -w 1, one port after the other: timed on 10 ports, multiplied by 100.
  nc_t0=${EPOCHREALTIME/[.,]/}
  nc_bad=0
  for ((port = first; port < first + 10; port++)); do
    # A dropped SYN: nc gives up after 1 s and exits 1.
    if timeout -k 5 30 "${in_client[@]}" nc -z -w 1 "$server_addr" "$port" 2>/dev/null; then
      nc_bad=$((nc_bad + 1))
    fi
  done
  nc_t1=${EPOCHREALTIME/[.,]/}
  nc_10=$(printf '%d.%03d' $(((nc_t1 - nc_t0) / 1000000)) $((((nc_t1 - nc_t0) % 1000000) / 1000)))
  nc_est=$(awk -v t="$nc_10" 'BEGIN { printf "%.1f", t * 100 }')
  if ((nc_bad > 0)); then
    echo "  FAILED: nc -z found $nc_bad of 10 dropped ports open" >&2
    failed=1
  fi
  printf '  %(%T)T  nc -z -w 1 x 10 ports  %s s\n' -1 "$nc_10" >&2

  echo
  printf '  %-38s %5s %10s  %s\n' "tool (1,000 filtered ports)" runs seconds "ports reported"
  printf '  %-38s %5s %10s  %s\n' "tcpkit check --timeout 1s" "$runs" "$tcpkit_median" \
    "1000 timeout (median of runs: ${tcpkit_times[*]+"${tcpkit_times[*]}"})"
  for tool in "${nmap_rows[@]+"${nmap_rows[@]}"}"; do
    label="nmap -sT -Pn"
    [[ $tool == nmap-T4 ]] && label="nmap -sT -Pn -T4"
    printf '  %-38s %5s %10s  %s\n' "$label" 1 "${nmap_time[$tool]}" \
      "${nmap_filtered[$tool]} filtered"
  done
  printf '  %-38s %5s %10s  %s\n' "nc -z -w 1, one port after the other" est. "$nc_est" \
    "ESTIMATE: 10 ports took $nc_10 s, x 100"
  echo
  echo "  time ratios (below 1.0 means tcpkit took less time):"
  for tool in "${nmap_rows[@]+"${nmap_rows[@]}"}"; do
    printf '    tcpkit/%-8s %s\n' "$tool" "$(ratio "$tcpkit_median" "${nmap_time[$tool]/FAIL/-}")"
  done
  printf '    tcpkit/%-8s %s (against the estimate)\n' "nc" "$(ratio "$tcpkit_median" "$nc_est")"
  delete_netns
fi

# --- (c) a /24 on five ports, half of its hosts dropping SYNs -------------------------------

echo
echo "(c) a /24 of test hosts, 5 ports each, SYNs dropped on half of the hosts (--timeout 1s)"
skip_why=""
if ((skip_netns)); then
  skip_why="--skip-netns"
elif ((skip_subnet)); then
  skip_why="--skip-subnet"
elif [[ $(id -u) != 0 ]]; then
  skip_why="not root"
elif ! command -v ip >/dev/null || ! command -v nft >/dev/null || ! command -v python3 >/dev/null; then
  skip_why="ip (iproute2), nft (nftables) or python3 is not installed"
fi
if [[ -n $skip_why ]]; then
  echo "  skipped: $skip_why"
else
  x=$((($$ + 1) % 250 + 1))
  make_pair "$x"
  net="10.214.$x"
  ports=22,25,80,443,8080
  for i in $(seq 1 254); do echo "addr add $net.$i/32 dev lo"; done | ip -n "$server_ns" -b -
  ip -n "$client_ns" route add "$net.0/24" via "$server_addr" dev veth0
  ip netns exec "$server_ns" nft -f - <<EOF
table inet tcpkit_bench {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr $net.128-$net.254 tcp dport { ${ports//,/, } } drop
  }
}
EOF
  no_default_route
  # Listeners on every address of the server: 22 and 80 (its pid is ended with the namespace).
  ip netns exec "$server_ns" python3 -c '
import selectors, socket
sel = selectors.DefaultSelector()
for port in (22, 80):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1024)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.close()' </dev/null >/dev/null 2>&1 &
  disown $! # ended with the namespace, by its pid; no "Killed" line from bash then
  for ((i = 0; i < 200; i++)); do
    [[ -n $(ip netns exec "$server_ns" ss -Hltn 'sport = :80') ]] && break
    sleep 0.05
  done
  echo "  client $client_addr (netns $client_ns) -> $net.1-254 on the server (netns $server_ns)," \
    "ports $ports; SYNs to $net.128-254 dropped"

  # What each host and port is, by the setup: "HOST PORT STATE", sorted.
  expected="$work_dir/c.expected"
  for ((h = 1; h <= 254; h++)); do
    for port in ${ports//,/ }; do
      if ((h >= 128)); then
        state=timeout
      elif [[ $port == 22 || $port == 80 ]]; then
        state=open
      else
        state=closed
      fi
      echo "$net.$h $port $state"
    done
  done | sort >"$expected"

  # tcpkit_states FILE / nmap_states FILE: "HOST PORT STATE", sorted (nmap's filtered as timeout).
  tcpkit_states() {
    sed -n 's/.*"host":"\([^"]*\)","port":\([0-9]*\),.*"state":"\([a-z-]*\)".*/\1 \2 \3/p' "$1" |
      sort
  }
  nmap_states() {
    awk '/\tPorts: / {
      host = $2
      line = $0
      sub(/.*\tPorts: /, "", line)
      sub(/\t.*/, "", line)
      n = split(line, items, ", ")
      for (i = 1; i <= n; i++) {
        split(items[i], f, "/")
        print host, f[1], (f[2] == "filtered" ? "timeout" : f[2])
      }
    }' "$1" | sort
  }
  # differences A B: how many lines of A are not in B (both sorted, one line per host and port).
  differences() {
    comm -23 "$1" "$2" | wc -l
  }

  declare -a c_tcpkit=() c_nmap=()
  for ((run = 1; run <= runs; run++)); do
    order=(tcpkit nmap)
    ((run % 2 == 0)) && order=(nmap tcpkit)
    for tool in "${order[@]}"; do
      out="$work_dir/c.$tool.$run"
      if [[ $tool == tcpkit ]]; then
        timed 120 "$out" "${in_client[@]}" "${tcpkit_cmd[@]}" check "$net.0/24:$ports" \
          --timeout 1s --json
        tcpkit_states "$out" >"$out.states"
        # Exit 0: the subnet has open ports.
        ok=$((rc == 0))
      else
        timed 900 "$out" "${in_client[@]}" nmap -n -sT -Pn -T4 -p "$ports" -oG - "$net.1-254"
        nmap_states "$out" >"$out.states"
        ok=$((rc == 0))
      fi
      found=$(wc -l <"$out.states")
      wrong=$(differences "$out.states" "$expected")
      if ((!ok || found != 1270 || wrong != 0)); then
        problem "run $run, $tool: exit $rc, $found states (not 1270), $wrong not as set up" "$out"
        continue
      fi
      if [[ $tool == tcpkit ]]; then c_tcpkit+=("$took"); else c_nmap+=("$took"); fi
      printf '  %(%T)T  run %d  %-8s %8s s  1270 states as set up\n' -1 "$run" "$tool" "$took" >&2
    done
    if [[ -s $work_dir/c.tcpkit.$run.states && -s $work_dir/c.nmap.$run.states ]]; then
      apart=$(differences "$work_dir/c.tcpkit.$run.states" "$work_dir/c.nmap.$run.states")
      if ((apart != 0)); then
        echo "  FAILED: run $run, tcpkit and nmap differ on $apart ports" >&2
        failed=1
      fi
    fi
  done
  range() {
    printf '%s\n' "$@" | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END {
      if (NR == 0) print "-"; else printf "%.3f-%.3f\n", lo, hi }'
  }
  c_tcpkit_median=$(printf '%s\n' "${c_tcpkit[@]+"${c_tcpkit[@]}"}" | grep . | median)
  c_nmap_median=$(printf '%s\n' "${c_nmap[@]+"${c_nmap[@]}"}" | grep . | median)
  echo
  printf '  %-36s %5s %10s %14s\n' "tool (254 hosts x 5 ports)" runs median range
  printf '  %-36s %5s %10s %14s\n' "tcpkit check --timeout 1s" "${#c_tcpkit[@]}" \
    "$c_tcpkit_median" "$(range "${c_tcpkit[@]+"${c_tcpkit[@]}"}")"
  printf '  %-36s %5s %10s %14s\n' "nmap -sT -Pn -T4" "${#c_nmap[@]}" "$c_nmap_median" \
    "$(range "${c_nmap[@]+"${c_nmap[@]}"}")"
  echo
  echo "  runs (s): tcpkit ${c_tcpkit[*]+"${c_tcpkit[*]}"}; nmap ${c_nmap[*]+"${c_nmap[*]}"}"
  echo "  time ratio of the medians, tcpkit/nmap-T4: $(ratio "$c_tcpkit_median" "$c_nmap_median")" \
    "(below 1.0 means tcpkit took less time)"
  echo "  states: 254 open, 381 closed, 635 timeout (nmap: filtered), each run, both tools"
  delete_netns
fi

if ((failed)); then
  echo
  echo "some scans FAILED (see above)"
  exit 1
fi
