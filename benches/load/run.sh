#!/usr/bin/env bash
# Reproduces the `gonogo load` figures in BENCHMARKS.md: gonogo vs wrk vs oha against one
# nginx worker on loopback serving a small static file, access log off.
#
#   cargo build --release -p gonogo
#   apt-get install -y nginx-light wrk time && cargo install oha --locked
#   benches/load/run.sh                 # SHORT=10 REPS=5 LONG=600 by default
#
# nginx is pinned to CPU 0 and the generator to CPU 1 (taskset). Each run is measured by
# /usr/bin/time -v: user+sys CPU seconds and peak RSS of the generator process.
set -euo pipefail

PORT=${PORT:-18080}
SHORT=${SHORT:-10}        # seconds per throughput/CPU run
REPS=${REPS:-5}           # runs per tool, interleaved
LONG=${LONG:-600}         # seconds of the long gonogo run (peak RSS)
PEER_LONG=${PEER_LONG:-60}
CONNS=${CONNS:-50}
GONOGO=${GONOGO:-$(pwd)/target/release/gonogo}
WRK=${WRK:-wrk}
OHA=${OHA:-oha}
NGINX=${NGINX:-/usr/sbin/nginx}
URL="http://127.0.0.1:${PORT}/index.html"
TOOLS=${TOOLS:-"wrk oha gonogo"}   # which generators to compare
LONG_TOOLS=${LONG_TOOLS:-"wrk oha gonogo gonogo-long"}

work=$(mktemp -d)
trap 'if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" "$work/www"
# A small static file: 612 bytes, like nginx's default page.
python3 -c "print('<!doctype html><title>ok</title>' + 'x' * 579)" > "$work/www/index.html"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    server {
        listen 127.0.0.1:${PORT};
        root $work/www;
    }
}
CONF
taskset -c 0 "$NGINX" -c "$work/nginx.conf" -p "$work"
for _ in $(seq 50); do curl -sf "$URL" -o /dev/null 2>/dev/null && break; python3 -c 'import time; time.sleep(0.1)'; done

# Runs "$@" pinned to CPU 1 under /usr/bin/time -v; prints "cpu_seconds peak_rss_kib".
measure() {
    local out=$1; shift
    taskset -c 1 /usr/bin/time -v "$@" > "$out" 2> "$out.time"
    python3 - "$out.time" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
user = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(f"{user + sys_:.3f} {rss}")
PY
}

# Requests completed, read from each tool's own output.
requests_of() {
    local tool=$1 out=$2
    case $tool in
        wrk) python3 -c "import re,sys; print(re.search(r'(\d+) requests in', open(sys.argv[1]).read()).group(1))" "$out" ;;
        oha) python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(d['statusCodeDistribution'].values()))" "$out" ;;
        gonogo) python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['requests'])" "$out" ;;
    esac
}

run_tool() {
    local tool=$1 secs=$2 out=$3
    case $tool in
        wrk) measure "$out" "$WRK" -t1 -c"$CONNS" -d"${secs}s" "$URL" ;;
        oha) measure "$out" "$OHA" -c"$CONNS" -z"${secs}s" --no-tui --output-format json "$URL" ;;
        gonogo) measure "$out" "$GONOGO" load "$URL" -c"$CONNS" -t1 -d"${secs}s" --warmup 0s --format json --no-progress ;;
    esac
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), wrk $("$WRK" -v 2>&1 | head -1 | awk '{print $2}'), oha $("$OHA" --version 2>/dev/null | awk '{print $2}'), gonogo $("$GONOGO" --version | awk '{print $2}')"
echo
echo "| run | tool | requests | req/s | CPU s (user+sys) | CPU µs/request | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|"
for rep in $(seq "$REPS"); do
    for tool in $TOOLS; do
        out="$work/$tool-$rep.out"
        read -r cpu rss < <(run_tool "$tool" "$SHORT" "$out")
        n=$(requests_of "$tool" "$out")
        python3 -c "import sys; r,t,n,c,s,m=sys.argv[1:]; n=int(n); c=float(c); print(f'| {r} | {t} | {n} | {n/float(s):.0f} | {c:.2f} | {c*1e6/n:.2f} | {int(m)/1024:.1f} |')" \
            "$rep" "$tool" "$n" "$cpu" "$SHORT" "$rss"
        echo "$tool $n $cpu" >> "$work/short.tsv"
    done
done

# Medians over the repetitions, and gonogo against wrk: the two figures the goals are set on.
echo
python3 - "$work/short.tsv" "$SHORT" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    tool, n, cpu = line.split()
    runs.setdefault(tool, []).append((int(n), float(cpu)))
secs = float(sys.argv[2])
med = {t: (statistics.median(n / secs for n, _ in r), statistics.median(c * 1e6 / n for n, c in r))
       for t, r in runs.items()}
print("| median of runs | req/s | CPU µs/request |")
print("|---|---:|---:|")
for t, (rps, us) in med.items():
    print(f"| {t} | {rps:.0f} | {us:.2f} |")
if "wrk" in med and "gonogo" in med:
    print()
    print(f"gonogo throughput = {100 * med['gonogo'][0] / med['wrk'][0]:.1f} % of wrk's; "
          f"CPU per request = {100 * med['gonogo'][1] / med['wrk'][1]:.1f} % of wrk's")
PY

echo
echo "| long run | tool | seconds | requests | req/s | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|"
for tool in $LONG_TOOLS; do
    secs=$PEER_LONG; t=$tool
    if [ "$tool" = gonogo-long ]; then secs=$LONG; t=gonogo; fi
    out="$work/$tool-long.out"
    read -r cpu rss < <(run_tool "$t" "$secs" "$out")
    n=$(requests_of "$t" "$out")
    python3 -c "import sys; t,s,n,m=sys.argv[1:]; n=int(n); print(f'| long | {t} | {s} | {n} | {n/float(s):.0f} | {int(m)/1024:.1f} |')" "$t" "$secs" "$n" "$rss"
done
