#!/usr/bin/env bash
# Seed 004 end to end, every live item at once: `gonogo check` with a gonogo.toml pointing at
# the demo service (plain HTTP, so `tls.cert` is an error: no https target), PostgreSQL and Redis on this machine,
# and a Prometheus (Debian's package) started here scraping the demo and itself with one rule
# file. Prints, per run, the wall time of the whole check, how many live items were evaluated
# (not skipped), and when the last live probe finished (the checks run concurrently; load.run
# items are load tests of their configured length, run after every other check, and are counted
# apart).
#
#   cargo build --release -p gonogo -p gonogo-demo
#   benches/live/e2e.sh [RUNS]
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
GONOGO=${GONOGO:-$root/target/release/gonogo}
DEMO=${DEMO:-$root/target/release/gonogo-demo}
DEMO_PORT=${DEMO_PORT:-18100}
PROM_PORT=${PROM_PORT:-19190}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] && cp "$work/report.json" "$KEEP"; rm -rf "$work"' EXIT

GONOGO_DEMO_PASSWORD=demo-password "$DEMO" --addr "127.0.0.1:$DEMO_PORT" --profile good \
  > "$work/demo.log" 2>&1 &
pids+=($!)

cat > "$work/rules.yml" <<'YAML'
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 1m
        labels: {severity: critical}
        annotations: {summary: "API down", runbook_url: "https://runbooks.example.com/api-down"}
YAML
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: api
    static_configs: [{targets: ['127.0.0.1:$DEMO_PORT']}]
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:$PROM_PORT']}]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$work/prom.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query?query=up" 2>/dev/null | grep -q '"value"' &&
    curl -sf "http://127.0.0.1:$DEMO_PORT/health" >/dev/null 2>&1 && break
  sleep 0.2
done
sleep 3 # a few scrapes, so rates and rules have data

# The demo's own bindings (rate-limit path, login flow), with every target set.
{
  echo "[targets]"
  echo "api_url = \"http://127.0.0.1:$DEMO_PORT\""
  echo "frontend_url = \"http://127.0.0.1:$DEMO_PORT\""
  echo "metrics_url = \"http://127.0.0.1:$DEMO_PORT/metrics\""
  echo "database_url = \"postgres://postgres@127.0.0.1:5432/test\""
  echo "redis_url = \"redis://127.0.0.1:6379\""
  echo "prometheus_url = \"http://127.0.0.1:$PROM_PORT\""
  sed -n '/^\[\[bind\]\]/,$p' examples/demo/gonogo.toml
} > "$work/gonogo.toml"

echo "gonogo $("$GONOGO" --version | awk '{print $2}'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  GONOGO_DEMO_PASSWORD=demo-password "$GONOGO" check examples/checklists/seed-004.md \
    --repo examples/acme-api --config "$work/gonogo.toml" --no-store --format json \
    -o "$work/report.json" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  python3 - "$work/report.json" "$(( (end - start) / 1000000 ))" "$i" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
live = ("http.", "tls.", "pg.", "redis.", "prom.", "metrics.", "load.")
items = [i for i in r["items"] if (i.get("check") or "").startswith(live)]
by = {}
for i in items:
    by[i["status"]] = by.get(i["status"], 0) + 1
evaluated = sum(n for s, n in by.items() if s != "skipped")
# load.run is a load test of its configured length (10 s by default): apart from the probes.
probes = [i for i in items if not i["check"].startswith("load.")]
slowest = max(probes, key=lambda i: i.get("duration_ms", 0))
print(f"run {sys.argv[3]}: {sys.argv[2]} ms wall for the whole check; {len(items)} live items, "
      f"{evaluated} evaluated ({', '.join(f'{n} {s}' for s, n in sorted(by.items()))}); "
      f"the {len(probes)} probes (all but load.run) all done within {slowest.get('duration_ms')} ms "
      f"(slowest: {slowest['check']})")
PY
done
