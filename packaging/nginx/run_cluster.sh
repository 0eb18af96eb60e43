#!/usr/bin/env bash
# N `autoglm serve` instances on loopback behind nginx, with packaging/nginx/autoglm.conf,
# in the foreground; Ctrl-C stops them all. For trying the set-up on one machine:
#
#   packaging/nginx/run_cluster.sh [N=3] [PORT=8080] [-- autoglm serve options...]
#   packaging/nginx/run_cluster.sh 3 8080 -- --threads 1 --slots 4
#
# Instances listen on PORT+1..PORT+N, nginx on PORT. On one machine, give each instance
# a share of the cores (--threads): instances that together want more threads than
# there are cores slow each other down.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-3}
port=${2:-8080}
shift $(( $# < 2 ? $# : 2 ))
if [ "${1:-}" = "--" ]; then shift; fi
autoglm=${AUTOGLM:-autoglm}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ]; then
    echo "nginx is not installed: sudo apt-get install nginx" >&2
    exit 1
fi

work=$(mktemp -d)
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    wait || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

servers=""
for i in $(seq 1 "$n"); do
    p=$((port + i))
    "$autoglm" serve --port "$p" "$@" &
    pids+=($!)
    servers+="    server 127.0.0.1:$p weight=1 max_fails=3 fail_timeout=10s;\n"
done

# The shipped configuration with this run's ports and a log file of its own.
awk -v servers="$servers" '
    /^    server 127\.0\.0\.1:/ { if (!done) { printf "%s", servers; done = 1 } next }
    { print }
' "$here/autoglm.conf" |
    sed -e "s|listen 127.0.0.1:8080;|listen 127.0.0.1:$port;|" \
        -e "s|/var/log/nginx/autoglm.access.log|$work/access.log|" > "$work/autoglm.conf"
mkdir -p "$work"/{body,proxy,fastcgi,uwsgi,scgi}
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    include $work/autoglm.conf;
}
CONF
echo "nginx on http://127.0.0.1:$port in front of $n instances (ports $((port + 1))-$((port + n))); log: $work/access.log"
"$nginx" -p "$work" -e "$work/error.log" -c "$work/nginx.conf" &
pids+=($!)
wait -n "${pids[@]}"
