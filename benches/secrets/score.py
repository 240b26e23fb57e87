#!/usr/bin/env python3
"""Score secret scanners on the labelled corpus written by corpus.py.

Usage: score.py CORPUS_DIR NAME=FORMAT:REPORT ...
  FORMAT is gonogo (gonogo secrets --format json), betterleaks (its JSON report) or
  detect-secrets (its baseline JSON).

A positive counts as found when the tool reports a finding on one of its lines; a false
positive is a reported line that no positive covers (each line once). Prints a Markdown table
per rule family.
"""

import json
import sys
from collections import defaultdict


def rel(path):
    path = path.replace("\\", "/")
    i = path.find("files/")
    return path[i + len("files/"):] if i >= 0 else path.lstrip("./")


def load(fmt, report):
    with open(report) as f:
        data = json.load(f)
    hits = set()
    if fmt == "gonogo":
        for x in data["findings"]:
            hits.add((rel(x["file"]), x["line"]))
    elif fmt == "betterleaks":
        # Betterleaks 2 writes {"findings": [{"location": {"path", "start_line"}}]};
        # gitleaks and Betterleaks 1 a list of {"File", "StartLine"}.
        items = data.get("findings", []) if isinstance(data, dict) else (data or [])
        for x in items:
            if "location" in x:
                hits.add((rel(x["location"]["path"]), x["location"]["start_line"]))
            else:
                hits.add((rel(x["File"]), x["StartLine"]))
    elif fmt == "detect-secrets":
        for file, results in data.get("results", {}).items():
            for x in results:
                hits.add((rel(file), x["line_number"]))
    else:
        raise SystemExit(f"unknown format {fmt}")
    return hits


def main():
    corpus = sys.argv[1]
    with open(f"{corpus}/labels.json") as f:
        labels = json.load(f)
    tools = []
    for arg in sys.argv[2:]:
        name, spec = arg.split("=", 1)
        fmt, report = spec.split(":", 1)
        tools.append((name, load(fmt, report)))

    families = sorted({l["family"] for l in labels if l["positive"]})
    rows = []
    totals = defaultdict(lambda: [0, 0])
    for fam in families + ["all"]:
        pos = [l for l in labels if l["positive"] and (fam == "all" or l["family"] == fam)]
        row = [fam, str(len(pos))]
        for name, hits in tools:
            found = sum(
                1 for l in pos if any((l["file"], n) in hits for n in range(l["start"], l["end"] + 1))
            )
            row.append(f"{found} ({100.0 * found / len(pos):.1f} %)")
        rows.append(row)

    covered = set()
    for l in labels:
        if l["positive"]:
            for n in range(l["start"], l["end"] + 1):
                covered.add((l["file"], n))
    negatives = [l for l in labels if not l["positive"]]
    fp_row = ["false positives", f"{len(negatives)} negative lines"]
    for name, hits in tools:
        fps = sorted(h for h in hits if h not in covered)
        fp_row.append(str(len(fps)))
        with open(f"{corpus}/fp-{name}.txt", "w") as f:
            for h in fps:
                f.write(f"{h[0]}:{h[1]}\n")
    rows.append(fp_row)

    header = ["family", "positives"] + [f"{name} found" for name, _ in tools]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
