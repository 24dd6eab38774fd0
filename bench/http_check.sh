#!/usr/bin/env bash
# bench/http_check.sh: check's HTTP targets beside curl and busybox wget, whole process, on
# loopback (nginx started here on a free port, its files in a temporary directory).
#
#   (a) 200 URLs in one run: `tcpkit check URL...` against `curl --parallel --parallel-max 200`
#       of the same URLs (each URL answers 200 "ok"), median of --runs, the order alternating;
#   (b) one URL: `tcpkit check URL`, `curl -sf`, `busybox wget --spider`, and `tcpkit --version`
#       (deno's start-up and tcpkit's loading, no probe), median of --single-runs.
#
# Every run's exit status is checked (0 for all three tools; tcpkit's JSON says 200 open).
# Usage: bash bench/http_check.sh [--runs N] [--single-runs N] [--urls N]
# The tcpkit command is deno.json's tcpkit task unless TCPKIT is set (e.g. a compiled binary).
set -euo pipefail
bench_name=http_check.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

runs=5
single_runs=11
urls=200
while (($# > 0)); do
  case $1 in
  --runs) need_value "$1" $#; positive "$1" "$2"; runs=$2; shift 2 ;;
  --single-runs) need_value "$1" $#; positive "$1" "$2"; single_runs=$2; shift 2 ;;
  --urls) need_value "$1" $#; positive "$1" "$2"; urls=$2; shift 2 ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die_usage "unknown option \"$1\"" ;;
  esac
done

require_tools nginx curl busybox python3 ss
bench_init
tcpkit_command

# nginx on a free loopback port, everything it writes in the work directory.
free_port
nginx_port=$port
mkdir -p "$work_dir/nginx"
chmod 755 "$work_dir"
cat >"$work_dir/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work_dir/nginx/nginx.pid;
error_log $work_dir/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work_dir/nginx/body;
  proxy_temp_path $work_dir/nginx/proxy;
  fastcgi_temp_path $work_dir/nginx/fastcgi;
  uwsgi_temp_path $work_dir/nginx/uwsgi;
  scgi_temp_path $work_dir/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port backlog=1024;
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
CONF
spawn nginx -c "$work_dir/nginx/nginx.conf" -p "$work_dir/nginx" -g 'daemon off;'
nginx_pid=$spawned
wait_listening "$nginx_port" "$nginx_pid" || die "nginx did not start: $(cat "$work_dir/nginx/error.log")"

url_list=()
curl_config="$work_dir/curl.cfg"
: >"$curl_config"
for ((i = 1; i <= urls; i++)); do
  url="http://127.0.0.1:$nginx_port/p$i"
  url_list+=("$url")
  printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$curl_config"
done
one="http://127.0.0.1:$nginx_port/healthz"

# time_run TOOL RUN CMD...: runs CMD (stdout to a file), records its whole-process time.
time_run() {
  local tool=$1 run=$2 start end rc=0
  shift 2
  start=$EPOCHREALTIME
  "$@" >"$work_dir/out" 2>"$work_dir/err" || rc=$?
  end=$EPOCHREALTIME
  elapsed_us=$(((${end/./} - ${start/./})))
  local problems=()
  ((rc == 0)) || problems+=("exit status $rc: $(head -c 300 "$work_dir/err")")
  if [[ $tool == tcpkit-check && $rc == 0 ]]; then
    local open
    open=$(grep -c '"state":"open"' "$work_dir/out" || true)
    ((open == ${expected_open:-0})) || problems+=("$open results open, not $expected_open")
  fi
  record "$tool" "$run" "${problems[@]+"${problems[@]}"}"
}

echo "(a) $urls URLs of one nginx on 127.0.0.1:$nginx_port, $runs runs" >&2
expected_open=$urls
for ((run = 1; run <= runs; run++)); do
  if ((run % 2)); then
    time_run tcpkit-check "$run" "${tcpkit_cmd[@]}" check --json "${url_list[@]}"
    time_run curl-parallel "$run" curl -sf -Z --parallel-max 200 -K "$curl_config"
  else
    time_run curl-parallel "$run" curl -sf -Z --parallel-max 200 -K "$curl_config"
    time_run tcpkit-check "$run" "${tcpkit_cmd[@]}" check --json "${url_list[@]}"
  fi
done
summarize "$results" 0 "$runs" "tcpkit-check curl-parallel" "tcpkit-check/curl-parallel"
mv "$results" "$work_dir/results-a"
: >"$results"

echo >&2
echo "(b) one URL, $single_runs runs" >&2
expected_open=1
for ((run = 1; run <= single_runs; run++)); do
  time_run tcpkit-check "$run" "${tcpkit_cmd[@]}" check --json "$one"
  time_run curl "$run" curl -sf -o /dev/null "$one"
  time_run wget "$run" busybox wget -q --spider "$one"
  time_run tcpkit-version "$run" "${tcpkit_cmd[@]}" --version
done
summarize "$results" 0 "$single_runs" "tcpkit-check curl wget tcpkit-version" \
  "tcpkit-check/curl tcpkit-check/wget tcpkit-version/curl"
stop "$nginx_pid"
