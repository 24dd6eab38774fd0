#!/usr/bin/env bash
# Loopback throughput from a pipe written in chunks of a given size: tcpkit beside OpenBSD nc.
#
# Usage: bash bench/throughput_chunks.sh [--size BYTES] [--runs R] [--chunks "8K 64K 1M"]
#                                        [--timeout SECONDS] [--count-nc]
#
# For each chunk size C, R pairs (default 5) of transfers of SIZE bytes (default 1 GiB):
#   dd if=FILE bs=C | tcpkit connect 127.0.0.1:PORT  ->  tcpkit serve 127.0.0.1:PORT --sink --json
#   dd if=FILE bs=C | nc -N 127.0.0.1 PORT           ->  nc -l 127.0.0.1 PORT > /dev/null
# dd writes the pipe in writes of C bytes, so a client that reads the pipe as fast as it fills
# gets reads of at most C bytes. The pairs' order alternates (odd runs tcpkit first, even runs nc
# first) and the chunk sizes take turns within each run. A transfer is timed (wall clock) from
# the client's start to the server's exit; each server is started, and seen listening (ss),
# before the clock starts. Prints, per chunk size, each pair's times, the medians, MiB/s and the
# time ratio tcpkit/nc (below 1.0 means tcpkit took less time).
#
# tcpkit's server must report (its `closed` JSON event) exactly SIZE bytes. nc's server writes
# to /dev/null and is checked by exit status only, unless --count-nc: then it writes into a pipe
# to `wc -c` (as in bench/throughput.sh), which is checked too but costs nc about 10 %.
#
# Environment: SIZE (bytes, as --size), TCPKIT (the tcpkit command, split on spaces; default:
# the `tcpkit` task of deno.json).
# Exit status: 0 when every transfer succeeded with every count checked exact; 1 otherwise; 2
# for a usage error.
set -euo pipefail
bench_name=throughput_chunks.sh
# shellcheck source=bench/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

size=${SIZE:-1073741824}
runs=5
chunks="8K 64K 1M"
timeout_s=""
count_nc=0

while (($# > 0)); do
  case $1 in
  --size) need_value "$1" $# && size=$2 && shift 2 ;;
  --size=*) size=${1#*=} && shift ;;
  --runs) need_value "$1" $# && runs=$2 && shift 2 ;;
  --runs=*) runs=${1#*=} && shift ;;
  --chunks) need_value "$1" $# && chunks=$2 && shift 2 ;;
  --chunks=*) chunks=${1#*=} && shift ;;
  --timeout) need_value "$1" $# && timeout_s=$2 && shift 2 ;;
  --timeout=*) timeout_s=${1#*=} && shift ;;
  --count-nc) count_nc=1 && shift ;;
  -h | --help) sed -n '2,27s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
  *) die_usage "unknown argument \"$1\"" ;;
  esac
done
positive --size "$size"
positive --runs "$runs"
read -r -a chunk_list <<<"$chunks"
((${#chunk_list[@]} > 0)) || die_usage "--chunks needs at least one size"
for chunk in "${chunk_list[@]}"; do
  [[ $chunk =~ ^[1-9][0-9]*[KM]?$ ]] || die_usage "--chunks: \"$chunk\" is not a size like 8K or 1M"
done
timeout_s=${timeout_s:-$((60 + size / 10485760))}
positive --timeout "$timeout_s"

require_tools dd nc ss setsid awk wc python3
bench_init
tcpkit_command
make_data "$size"

# transfer TOOL CHUNK RUN: one timed transfer; its time or FAIL goes to $results as TOOL@CHUNK.
transfer() {
  local tool=$1 chunk=$2 run=$3 server client_cmd count
  count="$work_dir/$tool.$chunk.$run.count"
  server_err="$work_dir/$tool.$chunk.$run.server.err"
  client_err="$work_dir/$tool.$chunk.$run.client.err"
  free_port
  case $tool in
  tcpkit)
    spawn "${tcpkit_cmd[@]}" serve "127.0.0.1:$port" --sink --json \
      </dev/null >/dev/null 2>"$server_err"
    client_cmd=("${tcpkit_cmd[@]}" connect "127.0.0.1:$port")
    ;;
  nc)
    if ((count_nc)); then
      # shellcheck disable=SC2016 # expanded by the inner bash
      spawn bash -c 'set -o pipefail; nc -l 127.0.0.1 "$1" </dev/null | wc -c >"$2"' \
        nc-server "$port" "$count" 2>"$server_err"
    else
      spawn nc -l 127.0.0.1 "$port" </dev/null >/dev/null 2>"$server_err"
    fi
    client_cmd=(nc -N 127.0.0.1 "$port")
    ;;
  esac
  server=$spawned
  if ! wait_listening "$port" "$server"; then
    stop "$server"
    elapsed_us=0 timed_out=0 server_rc=0 client_rc=0
    record "$tool@$chunk" "$run" "the server did not listen on port $port"
    return 0
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_client "$server" "$timeout_s" \
    bash -c 'set -o pipefail; dd if="$1" bs="$2" status=none | "${@:3}" >/dev/null' \
    client "$data_file" "$chunk" "${client_cmd[@]}"
  common_problems
  if ((!timed_out)); then
    local received=""
    case $tool in
    tcpkit) received=$(tcpkit_received "$server_err") ;;
    nc) if ((count_nc)) && [[ -f $count ]]; then received=$(tr -d ' ' <"$count"); fi ;;
    esac
    if [[ $tool == tcpkit ]] || ((count_nc)); then
      [[ $received == "$size" ]] ||
        problems+=("the server received ${received:-an unknown number of} bytes, not $size")
    fi
  fi
  record "$tool@$chunk" "$run" "${problems[@]+"${problems[@]}"}"
}

echo "throughput from a chunked pipe: $size bytes" \
  "($(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB) per transfer, $runs pairs" \
  "per chunk size (${chunk_list[*]}), 127.0.0.1"
echo "data: $data_file (from /dev/urandom), fed as: dd if=FILE bs=CHUNK | CLIENT"
echo "tcpkit: ${tcpkit_cmd[*]}"
if ((count_nc)); then
  echo "nc's server: nc -l 127.0.0.1 PORT | wc -c (counted)"
else
  echo "nc's server: nc -l 127.0.0.1 PORT > /dev/null (exit status only)"
fi
echo

for ((run = 1; run <= runs; run++)); do
  for chunk in "${chunk_list[@]}"; do
    if ((run % 2)); then
      transfer tcpkit "$chunk" "$run"
      transfer nc "$chunk" "$run"
    else
      transfer nc "$chunk" "$run"
      transfer tcpkit "$chunk" "$run"
    fi
  done
done
echo >&2

for chunk in "${chunk_list[@]}"; do
  echo "--- chunks of $chunk ---"
  summarize "$results" "$size" "$runs" "tcpkit@$chunk nc@$chunk" "tcpkit@$chunk/nc@$chunk"
  echo
done
echo "tcpkit/nc per chunk size (ratio of the medians; below 1.0 means tcpkit took less time):"
for chunk in "${chunk_list[@]}"; do
  summarize "$results" "$size" "$runs" "tcpkit@$chunk nc@$chunk" "tcpkit@$chunk/nc@$chunk" |
    awk -v c="$chunk" '$1 ~ /^tcpkit@/ && NF >= 2 && $1 ~ /\// { printf "  %-5s %s\n", c, $2 }'
done

if grep -q ' FAIL$' "$results"; then
  exit 1
fi
