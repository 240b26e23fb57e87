#!/bin/sh
# Live checks of seed 004 against local PostgreSQL, Redis and Prometheus, timed end to end,
# beside the same probes made one by one with the servers' own clients (psql, redis-cli, curl).
#
# Usage: benches/live/run.sh PROMETHEUS_URL [RUNS]
#   PROMETHEUS_URL  a running Prometheus (its own /metrics serves as the metrics_url target)
# Needs: psql, redis-cli, curl; the live items are timed by the live_seed example.
set -eu
prom=${1:?usage: run.sh PROMETHEUS_URL [RUNS]}
runs=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/examples/checklists/seed-004.md" "$work/"

ms() { date +%s%3N; }

echo "gonogo: the live items of seed-004.md, bound and run as gonogo check runs them"
for i in $(seq "$runs"); do
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
  PROMETHEUS_URL="$prom" METRICS_URL="$prom/metrics" \
    cargo run -q -p gonogo-checks --example live_seed -- "$work/seed-004.md" | tail -1
done

cd "$root"
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
