#!/usr/bin/env bash
# Coordinated omission, side by side: gonogo and oha at a fixed 50 req/s over one connection
# against a target that stalls for 100 ms once a second (a Python server on loopback, started
# here). A generator that waits for the stall and then carries on hides it; latency counted
# from each request's scheduled time shows it.
#
#   cargo build --release -p gonogo && cargo install oha --locked
#   benches/load/accuracy.sh            # SECS=10 by default
set -euo pipefail
PORT=${PORT:-18090}
SECS=${SECS:-10}
GONOGO=${GONOGO:-$(pwd)/target/release/gonogo}
OHA=${OHA:-oha}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/stall.py" <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response, sent at once: no Nagle/delayed-ACK stall of our own.
    wbufsize = 65536
    disable_nagle_algorithm = True
    def do_GET(self):
        # The first 100 ms of every second: the server is stalled (a GC pause, a lock).
        frac = time.time() % 1.0
        if frac < 0.1:
            time.sleep(0.1 - frac)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$work/stall.py" "$PORT" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" -o /dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/"

"$GONOGO" load "$URL" --rate 50 -c1 --max-connections 1 -d"${SECS}s" --warmup 0s \
  --format json --no-progress > "$work/gonogo.json" || true
"$OHA" "$URL" -q 50 -c 1 --latency-correction -z "${SECS}s" --no-tui --output-format json \
  > "$work/oha-corrected.json"
"$OHA" "$URL" -q 50 -c 1 -z "${SECS}s" --no-tui --output-format json > "$work/oha-plain.json"

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
g = json.load(open(f"{w}/gonogo.json"))
print("| tool | latency counted from | requests | p50 ms | p95 ms | p99 ms | max ms |")
print("|---|---|---:|---:|---:|---:|---:|")
for name, key in (("service", "latency"), ("schedule (corrected)", "corrected_latency")):
    l = g[key]
    print(f"| gonogo load | {name} | {l['count']} | {l['p50_ms']:.1f} | {l['p95_ms']:.1f} | {l['p99_ms']:.1f} | {l['max_ms']:.1f} |")
for f, name in (("oha-plain", "send"), ("oha-corrected", "schedule (--latency-correction)")):
    o = json.load(open(f"{w}/{f}.json"))
    p = o["latencyPercentiles"]
    n = sum(o["statusCodeDistribution"].values())
    print(f"| oha | {name} | {n} | {p['p50']*1e3:.1f} | {p['p95']*1e3:.1f} | {p['p99']*1e3:.1f} | {o['summary']['slowest']*1e3:.1f} |")
PY
