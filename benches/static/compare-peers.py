#!/usr/bin/env python3
"""Side-by-side: gonogo's static kinds vs hadolint and checkov on the fixtures in peers/.

For every fixture and every rule the tools share, prints which lines each tool flags, and
whether they agree (same verdict; lines are compared where both tools give a line).
Usage (from the repository root):
    benches/static/compare-peers.py [--hadolint PATH] [--checkov PATH]
It builds and runs `target/release/examples/static_scan` for gonogo's side.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")

# rule label -> (gonogo codes, hadolint codes, checkov ids); None = the tool has no such rule.
RULES = {
    "docker": [
        ("base image untagged or :latest", {"dockerfile-image-unpinned"}, {"DL3006", "DL3007"}, {"CKV_DOCKER_7"}),
        ("final image runs as root", {"dockerfile-runs-as-root"}, {"DL3002"}, {"CKV_DOCKER_3", "CKV_DOCKER_8"}),
        ("no HEALTHCHECK", {"dockerfile-no-healthcheck"}, None, {"CKV_DOCKER_2"}),
        ("ADD (remote URL for gonogo)", {"dockerfile-remote-add"}, {"DL3020"}, {"CKV_DOCKER_4"}),
        ("secret in ENV/ARG", {"dockerfile-secret-in-env", "dockerfile-secret-build-arg"}, {"DL3064"}, None),
        ("file does not parse", {"dockerfile-parse-error"}, {"DL1000"}, None),
    ],
    "k8s": [
        ("CPU/memory requests", {"k8s-no-requests"}, None, {"CKV_K8S_10", "CKV_K8S_12"}),
        ("CPU/memory limits", {"k8s-no-limits"}, None, {"CKV_K8S_11", "CKV_K8S_13"}),
        ("liveness probe", {"k8s-no-liveness-probe"}, None, {"CKV_K8S_8"}),
        ("readiness probe", {"k8s-no-readiness-probe"}, None, {"CKV_K8S_9"}),
        ("image tag fixed", {"k8s-image-unpinned"}, None, {"CKV_K8S_14"}),
        ("non-root", {"k8s-runs-as-root"}, None, {"CKV_K8S_23"}),
    ],
    "gha": [
        ("write-all permissions", {"ci-permissions-broad"}, None, {"CKV2_GHA_1"}),
        ("third-party action pinned to a SHA", {"ci-action-unpinned"}, None, None),
    ],
}
KINDS = {"docker": "docker.dockerfile", "k8s": "k8s.workloads", "gha": "ci.workflows"}
FRAMEWORK = {"docker": "dockerfile", "k8s": "kubernetes", "gha": "github_actions"}


def gonogo(bin_, group, fixture):
    out = subprocess.run([bin_, fixture, KINDS[group]], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        if line.startswith("  "):
            code, loc, _ = line.strip().split("\t", 2)
            ln = loc.rsplit(":", 1)[1] if ":" in loc else "-"
            found.setdefault(code, set()).add(ln)
    return found


def hadolint(path, dockerfile):
    r = subprocess.run([path, "--no-fail", "-f", "json", dockerfile], capture_output=True, text=True)
    found = {}
    try:
        for f in json.loads(r.stdout or "[]"):
            found.setdefault(f["code"], set()).add(str(f["line"]))
    except json.JSONDecodeError:
        found["DL1000"] = {"?"}
    return found


def checkov(path, group, root):
    r = subprocess.run([path, "-d", root, "--framework", FRAMEWORK[group], "-o", "json", "--quiet", "--compact"],
                       capture_output=True, text=True)
    data = json.loads(r.stdout or "[]")
    data = data if isinstance(data, list) else [data]
    found = {}
    for rep in data:
        for c in rep.get("results", {}).get("failed_checks", []):
            fixture = c["file_path"].strip("/").split("/")[-2] if group != "gha" else c["file_path"].strip("/").split("/")[0]
            rng = c.get("file_line_range") or ["?"]
            found.setdefault(fixture, {}).setdefault(c["check_id"], set()).add(f"{rng[0]}" if rng[0] == rng[-1] else f"{rng[0]}-{rng[-1]}")
    return found


def cell(found, codes):
    if codes is None:
        return "n/a", None
    lines = sorted(set().union(*[found.get(c, set()) for c in codes]), key=lambda s: (len(s), s))
    return (("✗ " + ",".join(lines)) if lines else "✓"), bool(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hadolint", default="hadolint")
    ap.add_argument("--checkov", default="checkov")
    ap.add_argument("--debug", action="store_true", help="use a debug build of static_scan")
    a = ap.parse_args()
    profile = [] if a.debug else ["--release"]
    subprocess.run(["cargo", "build", *profile, "-q", "-p", "gonogo-checks", "--example", "static_scan"], check=True)
    bin_ = os.path.join("target", "debug" if a.debug else "release", "examples", "static_scan")
    agree = disagree = 0
    print("| fixture | rule | gonogo | hadolint | checkov | agree |")
    print("|---|---|---|---|---|---|")
    for group in ["docker", "k8s", "gha"]:
        root = os.path.join(PEERS, group)
        ck = checkov(a.checkov, group, root)
        for fixture in sorted(os.listdir(root)):
            fdir = os.path.join(root, fixture)
            g = gonogo(bin_, group, fdir)
            h = hadolint(a.hadolint, os.path.join(fdir, "Dockerfile")) if group == "docker" else {}
            c = ck.get(fixture, {})
            for label, gc, hc, cc in RULES[group]:
                gs, gv = cell(g, gc)
                hs, hv = cell(h, hc) if group == "docker" else ("n/a", None)
                cs, cv = cell(c, cc)
                verdicts = {v for v in (gv, hv, cv) if v is not None}
                ok = len(verdicts) <= 1
                agree += ok
                disagree += not ok
                print(f"| {group}/{fixture} | {label} | {gs} | {hs} | {cs} | {'yes' if ok else '**no**'} |")
    print(f"\n{agree} agreements, {disagree} disagreements (✓ = not flagged, ✗ = flagged at those lines)")


if __name__ == "__main__":
    sys.exit(main())
