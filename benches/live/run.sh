#!/bin/sh
# Live checks of seed 004 against local PostgreSQL, Redis and Prometheus, timed end to end,
# beside the same probes made one by one with the servers' own clients (psql, redis-cli, curl).
#
# Usage: benches/live/run.sh PROMETHEUS_URL [RUNS]
#   PROMETHEUS_URL  a running Prometheus (its own /metrics serves as the metrics_url target)
# Needs: target/release/gonogo (cargo build --release -p gonogo), psql, redis-cli, curl.
set -eu
prom=${1:?usage: run.sh PROMETHEUS_URL [RUNS]}
runs=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
gonogo=${GONOGO:-$root/target/release/gonogo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/gonogo.toml" <<TOML
[targets]
database_url = "postgres://postgres@127.0.0.1:5432/test"
redis_url = "redis://127.0.0.1:6379"
prometheus_url = "$prom"
metrics_url = "$prom/metrics"
TOML
cp "$root/examples/checklists/seed-004.md" "$work/"

ms() { date +%s%3N; }

echo "gonogo check seed-004.md (every item; live ones against the servers above)"
for i in $(seq "$runs"); do
  t0=$(ms)
  "$gonogo" check "$work/seed-004.md" --repo "$work" --config "$work/gonogo.toml" --format json > "$work/report.json" || true
  echo "  run $i: $(( $(ms) - t0 )) ms"
done

echo "the same probes, one client process each (psql, redis-cli, curl)"
pg() { psql -X -q -At -h 127.0.0.1 -U postgres test -c "$1" > /dev/null; }
for i in $(seq "$runs"); do
  t0=$(ms)
  pg "SELECT count(*) FROM pg_policy"                                  # rls
  pg "SELECT count(*) FROM pg_stat_archiver"                           # backups
  pg "SELECT count(*) FROM pg_stat_replication"                        # replication
  pg "SELECT count(*) FROM pg_stat_activity"                           # connections
  pg "SELECT deadlocks FROM pg_stat_database WHERE datname = 'test'"   # deadlocks
  pg "SELECT count(*) FROM pg_constraint WHERE NOT convalidated"       # fk-validated
  pg "SELECT count(*) FROM pg_index"                                   # fk-indexed
  redis-cli -h 127.0.0.1 CONFIG GET maxmemory-policy > /dev/null       # eviction policy
  redis-cli -h 127.0.0.1 CONFIG GET appendonly > /dev/null             # persistence
  redis-cli -h 127.0.0.1 INFO memory > /dev/null                       # memory limits
  curl -fsS "$prom/api/v1/targets" > /dev/null                         # deployed / all services
  curl -fsS "$prom/api/v1/rules" > /dev/null                           # alert rules
  curl -fsS "$prom/api/v1/query?query=up" > /dev/null                  # CPU usage
  curl -fsS "$prom/api/v1/query?query=up" > /dev/null                  # memory usage
  echo "  run $i: $(( $(ms) - t0 )) ms"
done
