#!/usr/bin/env bash
# Times every static kind together on a generated repository of 10,000 files.
# Usage: benches/static/speed.sh [N]   (run from the repository root)
set -euo pipefail
n="${1:-10000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 benches/static/gen-repo.py "$dir/repo" "$n"
git -C "$dir/repo" init -q -b main
git -C "$dir/repo" -c user.name=b -c user.email=b@example.com add -A
git -C "$dir/repo" -c user.name=b -c user.email=b@example.com commit -qm init
cargo build --release -q -p gonogo-checks --example static_scan
bin=target/release/examples/static_scan
# One warm-up (page cache), then five timed runs; the tool prints its own wall time.
"$bin" "$dir/repo" > /dev/null
for _ in 1 2 3 4 5; do
  /usr/bin/time -f "%e s wall, %M KiB max RSS" "$bin" "$dir/repo" | tail -1
done
"$bin" "$dir/repo" | grep -v '^  ' | cut -c1-150
