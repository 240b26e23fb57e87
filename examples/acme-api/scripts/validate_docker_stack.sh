#!/bin/sh
# Validates the Compose stack before a deploy: the file parses, and every long-running
# service declares a healthcheck.
set -eu
cd "$(dirname "$0")/.."

if ! docker compose version >/dev/null 2>&1; then
    echo "docker compose is not installed" >&2
    exit 127
fi

docker compose -f docker-compose.yml config --quiet

missing=$(docker compose -f docker-compose.yml config --format json \
    | python3 -c 'import json, sys; s = json.load(sys.stdin)["services"]; print(" ".join(n for n, v in s.items() if "healthcheck" not in v))')
if [ -n "$missing" ]; then
    echo "services without a healthcheck: $missing" >&2
    exit 1
fi
echo "stack valid"
