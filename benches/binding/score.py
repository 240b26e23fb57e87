#!/usr/bin/env python3
"""Score gonogo's automatic binding against the labelled corpus.

For every checklist of a split, runs `gonogo validate FILE --format json` (against an empty
repository, so nothing but the wording decides) and compares each item's binding with its label
in the split's `labels.tsv`. Prints items, automatable items, auto-bound items, correct
bindings, precision (correct / auto-bound) and recall (correct / automatable).

Usage: python3 benches/binding/score.py [--gonogo PATH] [--split test|train|dev|all]
                                        [--show-errors] [--json]

Exit status 0 whatever the figures; 2 when it cannot run (no binary, no labels, a checklist
gonogo refuses).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"
SPLITS = ("test", "train")

# Parameters whose comma list names alternatives (any one satisfies): the labelled
# alternatives must all be among the bound ones, which may offer more.
ALTERNATIVE_KEYS = {"name", "path"}
# Written in a label as `key=(default)`: the binding must leave the key to its default.
DEFAULT = "(default)"
DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class CannotRun(Exception):
    pass


@dataclass
class Label:
    file: str
    line: int
    expected: str
    params: list[tuple[str, str, str]]  # (key, operator "=" or "~=", value)
    text: str

    @property
    def automatable(self) -> bool:
        return self.expected != "manual"


@dataclass
class Result:
    split: str
    items: int = 0
    automatable: int = 0
    auto_bound: int = 0
    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [automatable, correct]
    # Totals only: the merged result keeps counts, the lists stay with their split.
    n_wrong: int = 0
    n_missed: int = 0

    def figures(self) -> dict:
        return {
            "items": self.items,
            "automatable": self.automatable,
            "auto_bound": self.auto_bound,
            "correct": self.correct,
            "precision": ratio(self.correct, self.auto_bound),
            "recall": ratio(self.correct, self.automatable),
            "wrong": self.n_wrong if self.split == "all" else len(self.wrong),
            "missed": self.n_missed if self.split == "all" else len(self.missed),
        }


def ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def percent(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "   n/a"


def parse_params(field_text: str, where: str) -> list[tuple[str, str, str]]:
    if field_text.strip() in ("", "-"):
        return []
    out = []
    for token in shlex.split(field_text):
        m = re.match(r"^([A-Za-z_][\w-]*)(~=|=)(.*)$", token, re.S)
        if not m:
            raise CannotRun(f"{where}: parameter `{token}` is not key=value")
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


def load_labels(split_dir: Path) -> list[Label]:
    path = split_dir / "labels.tsv"
    if not path.is_file():
        raise CannotRun(f"no labels: {path}")
    labels = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("file\t"):
            continue
        cols = raw.split("\t")
        if len(cols) != 5:
            raise CannotRun(f"{path}:{n}: expected 5 tab-separated columns, got {len(cols)}")
        file, line, expected, params, text = cols
        if not line.isdigit():
            raise CannotRun(f"{path}:{n}: line `{line}` is not a number")
        labels.append(Label(file, int(line), expected, parse_params(params, f"{path}:{n}"), text))
    return labels


def find_gonogo(given: str | None) -> Path:
    if given:
        p = Path(given)
        if not p.is_file():
            raise CannotRun(f"no gonogo binary at {p}")
        return p
    for p in (ROOT / "target/release/gonogo", ROOT / "target/debug/gonogo"):
        if p.is_file():
            return p
    raise CannotRun("no gonogo binary: build it (cargo build -p gonogo) or pass --gonogo PATH")


def validate(gonogo: Path, checklist: Path, empty_repo: Path) -> list[dict]:
    proc = subprocess.run(
        [str(gonogo), "validate", str(checklist), "--format", "json", "--repo", str(empty_repo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise CannotRun(
            f"gonogo validate {checklist.name} gave no JSON (exit {proc.returncode}): "
            f"{proc.stderr.strip()[:500]}"
        ) from None
    return doc.get("items", [])


def number(v: str) -> float | None:
    v = v.strip().rstrip("%")
    m = DURATION.match(v)
    if m:
        return float(m.group(1)) * SECONDS[m.group(2)]
    try:
        f = float(v)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def same_value(a: str, b: str) -> bool:
    a, b = a.strip().strip("\"'").lower(), b.strip().strip("\"'").lower()
    if a == b:
        return True
    na, nb = number(a), number(b)
    return na is not None and nb is not None and math.isclose(na, nb, rel_tol=1e-9, abs_tol=1e-12)


def split_list(v: str) -> list[str]:
    return [x.strip() for x in v.split(",") if x.strip()]


def param_matches(key: str, op: str, want: str, bound: dict[str, str]) -> bool:
    if want == DEFAULT:
        return key not in bound
    if key not in bound:
        return False
    got = str(bound[key])
    if op == "~=":
        return want.lower() in got.lower()
    wants, gots = split_list(want), split_list(got)
    if len(wants) <= 1 and len(gots) <= 1:
        return same_value(want, got)
    if key in ALTERNATIVE_KEYS:
        return all(any(same_value(w, g) for g in gots) for w in wants)
    return len(wants) == len(gots) and all(any(same_value(w, g) for g in gots) for w in wants)


def bound_params(item: dict) -> dict[str, str]:
    params = item.get("params") or {}
    if isinstance(params, list):  # tolerate a list of [key, value] pairs
        params = {k: v for k, v in params}
    return {str(k): str(v) for k, v in params.items()}


def describe(check: str | None, params: dict[str, str]) -> str:
    if not check:
        return "manual"
    shown = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(params.items()))
    return f"{check} {shown}".strip()


def label_text(label: Label) -> str:
    return label.expected + "".join(f" {k}{op}{shlex.quote(v)}" for k, op, v in label.params)


def norm_text(t: str) -> str:
    return " ".join(t.split())


def score_split(split: str, gonogo: Path, empty_repo: Path) -> Result:
    split_dir = CORPUS / split
    labels = load_labels(split_dir)
    res = Result(split)
    by_file: dict[str, dict[int, Label]] = {}
    for lab in labels:
        by_file.setdefault(lab.file, {})[lab.line] = lab
    checklists = sorted(split_dir.glob("*.md"))
    for name in sorted(set(by_file) - {c.name for c in checklists}):
        res.warnings.append(f"{split}/{name}: labelled but no such checklist")
    for checklist in checklists:
        file_labels = by_file.get(checklist.name, {})
        items = validate(gonogo, checklist, empty_repo)
        seen = set()
        for item in items:
            line = int(item.get("line", 0))
            lab = file_labels.get(line)
            where = f"{split}/{checklist.name}:{line}"
            if lab is None:
                if not item.get("derived"):
                    res.warnings.append(f"{where}: item without a label: {item.get('text', '')!r}")
                continue
            seen.add(line)
            if item.get("derived"):
                res.warnings.append(f"{where}: labelled item has sub-items (derived): not scored")
                continue
            text = norm_text(item.get("text", ""))
            if not text.startswith(norm_text(lab.text)) and norm_text(lab.text) != text[:60]:
                res.warnings.append(f"{where}: text drift: label {lab.text!r}, item {text[:60]!r}")
            score_item(res, lab, item, where, text)
        for line in sorted(set(file_labels) - seen):
            res.warnings.append(f"{split}/{checklist.name}:{line}: label matches no item")
    return res


def score_item(res: Result, lab: Label, item: dict, where: str, text: str) -> None:
    res.items += 1
    check = item.get("check")
    auto = item.get("binding") == "auto"
    params = bound_params(item)
    tally = res.by_kind.setdefault(lab.expected, [0, 0])
    if lab.automatable:
        res.automatable += 1
        tally[0] += 1
    if auto:
        res.auto_bound += 1
    right = (
        auto
        and lab.automatable
        and check == lab.expected
        and all(param_matches(k, op, v, params) for k, op, v in lab.params)
    )
    if right:
        res.correct += 1
        tally[1] += 1
        return
    got = describe(check, params) if auto else "manual"
    if auto:
        res.wrong.append(f"{where}: bound {got}; expected {label_text(lab)} | {text[:70]}")
    if lab.automatable:
        res.missed.append(f"{where}: expected {label_text(lab)}; got {got} | {text[:70]}")


def print_result(res: Result, show_errors: bool) -> None:
    print(f"== {res.split}")
    print(f"  items        {res.items}")
    print(f"  automatable  {res.automatable}")
    print(f"  auto-bound   {res.auto_bound}")
    print(f"  correct      {res.correct}")
    print(f"  precision    {percent(res.correct, res.auto_bound)}")
    print(f"  recall       {percent(res.correct, res.automatable)}")
    for w in res.warnings:
        print(f"  warning: {w}")
    if show_errors and res.split != "all":
        print(f"  wrong bindings ({len(res.wrong)}):")
        for w in res.wrong:
            print(f"    {w}")
        print(f"  missed ({len(res.missed)}; wrong bindings of automatable items included):")
        for m in res.missed:
            print(f"    {m}")
        print("  recall by kind:")
        for kind, (n, ok) in sorted(res.by_kind.items()):
            if kind != "manual":
                print(f"    {kind:24} {percent(ok, n)}")


def merged(results: list[Result]) -> Result:
    total = Result("all")
    for r in results:
        total.items += r.items
        total.automatable += r.automatable
        total.auto_bound += r.auto_bound
        total.correct += r.correct
        total.n_wrong += len(r.wrong)
        total.n_missed += len(r.missed)
        for k, (n, ok) in r.by_kind.items():
            t = total.by_kind.setdefault(k, [0, 0])
            t[0] += n
            t[1] += ok
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gonogo", help="the gonogo binary (default target/release, else target/debug)")
    ap.add_argument(
        "--split",
        choices=("test", "train", "dev", "all"),
        default="train",
        help="which split to score (default train: tune on train, never on test)",
    )
    ap.add_argument("--show-errors", action="store_true", help="list wrong and missed bindings")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    try:
        gonogo = find_gonogo(args.gonogo)
        splits = SPLITS if args.split == "all" else (args.split,)
        with tempfile.TemporaryDirectory(prefix="gonogo-binding-") as empty_repo:
            results = [score_split(s, gonogo, Path(empty_repo)) for s in splits]
    except (CannotRun, OSError, subprocess.TimeoutExpired) as e:
        print(f"score.py: cannot run: {e}", file=sys.stderr)
        return 2
    if len(results) > 1:
        results.append(merged(results))
    if args.json:
        doc = {r.split: r.figures() for r in results}
        if args.show_errors:
            for r in results:
                doc[r.split].update(wrong_list=r.wrong, missed_list=r.missed, warnings=r.warnings)
        print(json.dumps(doc, indent=2))
    else:
        for r in results:
            print_result(r, args.show_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
