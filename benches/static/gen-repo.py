#!/usr/bin/env python3
"""Generate a realistic repository of N files (default 10,000) for timing the static kinds.

Mostly application code (Python and TypeScript, a few with SQL and environment reads), docs,
plus every artefact the static kinds read: Dockerfiles, compose files, Kubernetes manifests,
GitHub workflows, Alembic migrations, Prometheus rules, Grafana dashboards, an OpenAPI document,
a Trivy report. Deterministic (fixed seed). Usage: gen-repo.py DIR [N]
"""
import json
import os
import random
import sys

root = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
rng = random.Random(42)
written = 0


def w(rel, text):
    global written
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
    written += 1


# Fixed artefacts.
w("README.md", "# svc\n\nSet `DATABASE_URL`, `REDIS_URL` and `JWT_SECRET`.\n")
w(".env.example", "# PostgreSQL DSN\nDATABASE_URL=\n# cache\nREDIS_URL=\n")
for i in range(20):
    w(f"services/s{i}/Dockerfile", f"FROM python:3.12-slim AS build\nRUN pip install -r requirements.txt\nFROM python:3.12-slim\nCOPY --from=build /usr/local /usr/local\nUSER 10001\nHEALTHCHECK CMD python -c 'print(1)'\nCMD [\"python\", \"-m\", \"s{i}\"]\n")
w("docker-compose.yml", "services:\n" + "".join(
    f"  s{i}:\n    image: acme/s{i}:1.{i}\n    restart: unless-stopped\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n" for i in range(20)
) + "  db:\n    image: postgres:16\n    restart: always\n    healthcheck: {test: pg_isready}\n    volumes: [\"pg:/var/lib/postgresql/data\"]\nvolumes:\n  pg: {}\n")
for i in range(40):
    w(f"deploy/k8s/s{i}.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: s{i}, namespace: prod}}
spec:
  replicas: 2
  template:
    metadata: {{labels: {{app: s{i}}}}}
    spec:
      securityContext: {{runAsNonRoot: true}}
      containers:
        - name: s{i}
          image: acme/s{i}:1.0.{i}
          resources: {{requests: {{cpu: 10m, memory: 32Mi}}, limits: {{cpu: 100m, memory: 64Mi}}}}
          livenessProbe: {{httpGet: {{path: /h, port: 80}}}}
          readinessProbe: {{httpGet: {{path: /r, port: 80}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: s{i}, namespace: prod}}
spec: {{minAvailable: 1, selector: {{matchLabels: {{app: s{i}}}}}}}
""")
w("deploy/k8s/netpol.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: prod}\nspec: {podSelector: {}}\n")
w(".github/workflows/ci.yml", "name: ci\non: [push]\npermissions: {contents: read}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build .\n      - run: pytest\n      - run: pip-audit\n")
w(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule: {interval: weekly}\n")
prev = None
for i in range(200):
    rid = f"r{i:04d}"
    down = f"'{prev}'" if prev else "None"
    w(f"alembic/versions/{rid}.py", f"revision = '{rid}'\ndown_revision = {down}\n\ndef upgrade():\n    op.execute('select 1')\n\ndef downgrade():\n    op.execute('select 2')\n")
    prev = rid
w("monitoring/rules.yml", "groups:\n  - name: g\n    rules:\n" + "".join(
    f"      - alert: A{i}\n        expr: up{{job=\"s{i}\"}} == 0\n        for: 5m\n        labels: {{severity: critical}}\n        annotations: {{summary: down, runbook_url: https://r/{i}}}\n" for i in range(50)))
for i in range(10):
    w(f"grafana/dashboards/d{i}.json", json.dumps({"uid": f"d{i}", "title": f"D{i}", "schemaVersion": 39, "panels": [{"type": "timeseries", "title": "p", "targets": [{"expr": "up"}]}]}))
w("grafana/provisioning/dashboards/p.yaml", "apiVersion: 1\nproviders:\n  - name: d\n    options: {path: /var/lib/grafana/dashboards}\n")
paths = {f"/items/{i}": {"get": {"summary": "x", "responses": {"200": {"description": "ok"}}, "security": []}} for i in range(300)}
w("openapi.json", json.dumps({"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": paths}, indent=1))
w("reports/trivy.json", json.dumps({"SchemaVersion": 2, "Results": [{"Target": "r", "Vulnerabilities": [{"VulnerabilityID": f"CVE-2024-{i}", "PkgName": "p", "InstalledVersion": "1", "Severity": rng.choice(["LOW", "MEDIUM"])} for i in range(500)]}]}))

# The bulk: application code and docs.
i = 0
while written < total:
    k = rng.random()
    if k < 0.45:
        body = "import os\n\n" + "".join(f"def f{j}(x):\n    return x * {j}\n\n" for j in range(rng.randint(5, 40)))
        if rng.random() < 0.05:
            body += "def q(cur, uid):\n    cur.execute(\"SELECT * FROM t WHERE id = %s\", (uid,))\n    return os.environ.get('DATABASE_URL')\n"
        w(f"app/pkg{i % 97}/m{i}.py", body)
    elif k < 0.8:
        body = "".join(f"export function g{j}(a: number): number {{ return a + {j}; }}\n" for j in range(rng.randint(5, 40)))
        if rng.random() < 0.05:
            body += "export const url = process.env.REDIS_URL;\nexport const r = (db, id) => db.query('SELECT 1 WHERE id = $1', [id]);\n"
        w(f"web/src/c{i % 89}/x{i}.ts", body)
    elif k < 0.95:
        w(f"docs/d{i % 31}/p{i}.md", "# Page\n\n" + "Lorem ipsum dolor sit amet. " * rng.randint(10, 200) + "\n")
    else:
        w(f"assets/a{i % 13}/f{i}.json", json.dumps({"k": list(range(rng.randint(1, 50)))}))
    i += 1
print(f"{written} files in {root}")
