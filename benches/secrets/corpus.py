#!/usr/bin/env python3
"""Generate the labelled precision/recall corpus for secret scanners.

Positives follow the providers' documented token formats, filled with random characters (all
values are fake: generated here from a fixed seed, never taken from a leak). Negatives are what
real repositories hold that is *not* a secret: documented sample keys, placeholders, variable
references, code, hashes, ids, public keys.

Usage: corpus.py OUT_DIR        (writes OUT_DIR/files... and OUT_DIR/labels.json)
"""

import json
import os
import random
import string
import sys

R = random.Random(20261201)

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
UPPER_ALNUM = string.ascii_uppercase + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
B32 = string.ascii_uppercase + "234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def r(alphabet, n):
    return "".join(R.choice(alphabet) for _ in range(n))


def uuid():
    return f"{r(HEX, 8)}-{r(HEX, 4)}-{r(HEX, 4)}-{r(HEX, 4)}-{r(HEX, 12)}"


def pem(kind):
    body = "\n".join(r(B64, 64) for _ in range(8)) + "\n" + r(B64, 20) + "=="
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


# (family, name, variable name used in config, value generator). Formats as documented by each
# provider (prefixes, lengths, alphabets).
FORMATS = [
    ("cloud", "aws-access-key-id", "AWS_ACCESS_KEY_ID", lambda: "AKIA" + r(B32, 16)),
    ("cloud", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", lambda: r(B64, 40)),
    ("cloud", "gcp-api-key", "GOOGLE_API_KEY", lambda: "AIza" + r(B64URL, 35)),
    ("cloud", "azure-ad-client-secret", "AZURE_CLIENT_SECRET", lambda: r(ALNUM, 3) + "8Q~" + r(ALNUM + "_~.-", 34)),
    ("cloud", "digitalocean-pat", "DIGITALOCEAN_TOKEN", lambda: "dop_v1_" + r(HEX, 64)),
    ("cloud", "heroku-api-key-v2", "HEROKU_API_KEY", lambda: "HRKU-AA" + r(B64URL, 58)),
    ("cloud", "alibaba-access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_ID", lambda: "LTAI" + r(ALNUM, 20)),
    ("cloud", "databricks-token", "DATABRICKS_TOKEN", lambda: "dapi" + r(HEX, 32)),
    ("cloud", "terraform-cloud-token", "TFE_TOKEN", lambda: r(ALNUM, 14) + ".atlasv1." + r(ALNUM, 67)),
    ("cloud", "vault-token", "VAULT_TOKEN", lambda: "hvs." + r(B64URL, 95)),
    ("cloud", "pulumi-token", "PULUMI_ACCESS_TOKEN", lambda: "pul-" + r(HEX, 40)),
    ("cloud", "doppler-token", "DOPPLER_TOKEN", lambda: "dp.st." + r(ALNUM, 43)),
    ("vcs", "github-pat", "GITHUB_TOKEN", lambda: "ghp_" + r(ALNUM, 36)),
    ("vcs", "github-fine-grained", "GH_TOKEN", lambda: "github_pat_" + r(ALNUM, 22) + "_" + r(ALNUM, 59)),
    ("vcs", "github-oauth", "GITHUB_OAUTH_TOKEN", lambda: "gho_" + r(ALNUM, 36)),
    ("vcs", "github-app", "GITHUB_APP_TOKEN", lambda: "ghs_" + r(ALNUM, 36)),
    ("vcs", "gitlab-pat", "GITLAB_TOKEN", lambda: "glpat-" + r(B64URL, 20)),
    ("vcs", "gitlab-trigger", "GITLAB_TRIGGER_TOKEN", lambda: "glptt-" + r(HEX, 40)),
    ("vcs", "atlassian-token", "JIRA_API_TOKEN", lambda: "ATATT3" + r(B64URL, 186)),
    ("package", "npm-token", "NPM_TOKEN", lambda: "npm_" + r(ALNUM, 36)),
    ("package", "pypi-token", "TWINE_PASSWORD", lambda: "pypi-AgEIcHlwaS5vcmc" + r(B64URL, 120)),
    ("package", "rubygems-key", "GEM_HOST_API_KEY", lambda: "rubygems_" + r(HEX, 48)),
    ("package", "dockerhub-pat", "DOCKERHUB_TOKEN", lambda: "dckr_pat_" + r(B64URL, 27)),
    ("package", "artifactory-key", "ARTIFACTORY_API_KEY", lambda: "AKCp" + r(ALNUM, 69)),
    ("chat", "slack-bot", "SLACK_BOT_TOKEN", lambda: f"xoxb-{r(string.digits, 12)}-{r(string.digits, 13)}-{r(ALNUM, 24)}"),
    ("chat", "slack-user", "SLACK_USER_TOKEN", lambda: f"xoxp-{r(string.digits, 12)}-{r(string.digits, 12)}-{r(string.digits, 13)}-{r(HEX, 32)}"),
    ("chat", "slack-webhook", "SLACK_WEBHOOK_URL", lambda: f"https://hooks.slack.com/services/T{r(UPPER_ALNUM, 8)}/B{r(UPPER_ALNUM, 8)}/{r(ALNUM, 24)}"),
    ("chat", "discord-webhook", "DISCORD_WEBHOOK", lambda: f"https://discord.com/api/webhooks/{r(string.digits, 18)}/{r(B64URL, 68)}"),
    ("chat", "telegram-bot", "TELEGRAM_BOT_TOKEN", lambda: f"{r(string.digits, 10)}:AA{r(B64URL, 33)}"),
    ("chat", "twilio-api-key", "TWILIO_API_KEY", lambda: "SK" + r(HEX, 32)),
    ("email", "sendgrid", "SENDGRID_API_KEY", lambda: f"SG.{r(B64URL, 22)}.{r(B64URL, 43)}"),
    ("email", "brevo", "BREVO_API_KEY", lambda: f"xkeysib-{r(HEX, 64)}-{r(ALNUM, 16)}"),
    ("email", "mailgun", "MAILGUN_API_KEY", lambda: "key-" + r(HEX, 32)),
    ("email", "mailchimp", "MAILCHIMP_API_KEY", lambda: r(HEX, 32) + "-us21"),
    ("payment", "stripe-secret", "STRIPE_SECRET_KEY", lambda: "sk_live_" + r(ALNUM, 24)),
    ("payment", "stripe-restricted", "STRIPE_RESTRICTED_KEY", lambda: "rk_live_" + r(ALNUM, 99)),
    ("payment", "stripe-webhook", "STRIPE_WEBHOOK_SECRET", lambda: "whsec_" + r(ALNUM, 32)),
    ("payment", "square-secret", "SQUARE_APP_SECRET", lambda: "sq0csp-" + r(B64URL, 43)),
    ("payment", "shippo", "SHIPPO_API_KEY", lambda: "shippo_live_" + r(HEX, 40)),
    ("ai", "openai-project", "OPENAI_API_KEY", lambda: "sk-proj-" + r(B64URL, 64) + "T3BlbkFJ" + r(B64URL, 64)),
    ("ai", "anthropic", "ANTHROPIC_API_KEY", lambda: "sk-ant-api03-" + r(B64URL, 93) + "AA"),
    ("ai", "huggingface", "HF_TOKEN", lambda: "hf_" + r(string.ascii_letters, 34)),
    ("ai", "groq", "GROQ_API_KEY", lambda: "gsk_" + r(ALNUM, 52)),
    ("ai", "perplexity", "PERPLEXITY_API_KEY", lambda: "pplx-" + r(ALNUM, 48)),
    ("ai", "replicate", "REPLICATE_API_TOKEN", lambda: "r8_" + r(ALNUM, 37)),
    ("saas", "shopify", "SHOPIFY_ACCESS_TOKEN", lambda: "shpat_" + r(HEX, 32)),
    ("saas", "linear", "LINEAR_API_KEY", lambda: "lin_api_" + r(ALNUM, 40)),
    ("saas", "postman", "POSTMAN_API_KEY", lambda: f"PMAK-{r(HEX, 24)}-{r(HEX, 34)}"),
    ("saas", "newrelic", "NEW_RELIC_API_KEY", lambda: "NRAK-" + r(UPPER_ALNUM, 27)),
    ("saas", "grafana-sa", "GRAFANA_TOKEN", lambda: f"glsa_{r(ALNUM, 32)}_{r(HEX, 8)}"),
    ("saas", "sentry-user", "SENTRY_AUTH_TOKEN", lambda: "sntryu_" + r(HEX, 64)),
    ("token", "jwt", "ACCESS_TOKEN", lambda: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + r(B64URL, 60) + "." + r(B64URL, 43)),
    ("key", "age-secret-key", "AGE_KEY", lambda: "AGE-SECRET-KEY-1" + r(BECH32, 58)),
    ("database", "postgres-url", "DATABASE_URL", lambda: f"postgres://app:{r(ALNUM, 20)}@db.internal:5432/app"),
    ("database", "mongodb-url", "MONGO_URL", lambda: f"mongodb+srv://svc:{r(ALNUM, 16)}@cluster0.ab1cd.mongodb.net/prod"),
    ("database", "mysql-url", "MYSQL_URL", lambda: f"mysql://root:{r(ALNUM, 18)}@10.0.0.5:3306/shop"),
    ("database", "redis-url", "REDIS_URL", lambda: f"redis://default:{r(ALNUM, 24)}@cache.internal:6379/0"),
    ("generic", "password", "DB_PASSWORD", lambda: r(ALNUM, 10) + R.choice("!#%&*") + r(string.digits, 3)),
    ("generic", "smtp-password", "SMTP_PASSWORD", lambda: r(ALNUM, 14) + r(string.digits, 2)),
    ("generic", "api-secret", "API_SECRET", lambda: r(ALNUM, 40)),
    ("generic", "jwt-secret", "JWT_SECRET", lambda: r(ALNUM + "+/", 48)),
    ("generic", "client-secret", "CLIENT_SECRET", lambda: r(HEX, 40)),
]

# How a value appears: (extension, line template). `{name}` is the variable, `{value}` the value.
CONTEXTS = [
    ("env", "{name}={value}"),
    ("yaml", "  {lname}: \"{value}\""),
    ("json", "  \"{lname}\": \"{value}\","),
    ("py", "{name} = \"{value}\""),
    ("js", "const {camel} = '{value}';"),
    ("sh", "export {name}=\"{value}\""),
    ("toml", "{lname} = \"{value}\""),
    ("properties", "app.{dotted}={value}"),
]

PEM_KINDS = ["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]


def camel(name):
    parts = name.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


NEGATIVES = [
    # Documented sample keys and placeholders.
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "API_KEY=${API_KEY}",
    "API_KEY=<your-api-key>",
    "SECRET_KEY=changeme",
    "JWT_SECRET=changethis",
    "DB_PASSWORD=your_password_here",
    'password: "********"',
    "OPENAI_API_KEY=sk-...",
    "DATABASE_URL=postgres://user:password@localhost:5432/app",
    "DATABASE_URL=postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app",
    "REDIS_URL=redis://localhost:6379/0",
    'token: "{{ .Values.token }}"',
    "password: !vault |",
    "NPM_TOKEN=${{ secrets.NPM_TOKEN }}",
    # Code that reads secrets rather than holding them.
    'api_key = os.environ["API_KEY"]',
    "password = request.form['password']",
    "token = get_token_from_header(request)",
    "secret_key = settings.SECRET_KEY",
    "const password = process.env.DB_PASSWORD;",
    "let token = auth.access_token.clone();",
    "self.password = password",
    'passwordField = "password-input"',
    "tokenizer = Tokenizer(vocab_file=path)",
    'auth_header = "Authorization"',
    '"auth.login.password_hint": "Enter your password",',
    'key = "user_id"',
    "def check_password(user, password_hash):",
    "if (!apiKey) throw new Error('missing api key');",
    "password_reset_url = reverse('password_reset_confirm')",
    # High-entropy values that are not secrets.
    'commit = "{sha1}"',
    'sha256 = "{sha256}"',
    'checksum: "sha512-{b64_86}=="',
    'request_id = "{uuid}"',
    'img = "data:image/png;base64,{b64_120}"',
    'etag = "W/\\"{hex32}\\""',
    'color = "#{hex6}"',
    'publishable_key = "pk_live_{alnum24}"',
    'account_sid = "AC{hex32}"',
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64_43} deploy@ci",
    'cache_key = "v1-deps-{hex32}"',
    'nonce = "{b64_22}"',
    "build_id: {alnum20}",
]

PUBLIC_PEMS = ["PUBLIC KEY", "CERTIFICATE", "RSA PUBLIC KEY"]


def fill_negative(t):
    return (
        t.replace("{sha1}", r(HEX, 40))
        .replace("{sha256}", r(HEX, 64))
        .replace("{b64_86}", r(B64, 86))
        .replace("{uuid}", uuid())
        .replace("{b64_120}", r(B64, 120))
        .replace("{hex32}", r(HEX, 32))
        .replace("{hex6}", r(HEX, 6))
        .replace("{alnum24}", r(ALNUM, 24))
        .replace("{b64_43}", r(B64, 43))
        .replace("{b64_22}", r(B64, 22))
        .replace("{alnum20}", r(ALNUM, 20))
    )


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "files"), exist_ok=True)
    labels = []

    def emit(rel, lines):
        path = os.path.join(out, "files", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

    per_format = 8
    for family, fmt, name, gen in FORMATS:
        for ext, tmpl in CONTEXTS:
            lines = []
            for _ in range(per_format // len(CONTEXTS) or 1):
                line = tmpl.format(name=name, lname=name.lower(), camel=camel(name), dotted=name.lower().replace("_", "."), value=gen())
                lines.append(line)
                labels.append({"file": f"positives/{family}/{fmt}.{ext}", "start": len(lines), "end": len(lines), "family": family, "format": fmt, "positive": True})
                lines.append("")
            emit(f"positives/{family}/{fmt}.{ext}", lines)
    for i, kind in enumerate(PEM_KINDS):
        for j in range(4):
            text = pem(kind)
            rel = f"positives/key/private-{i}-{j}.pem" if j % 2 == 0 else f"positives/key/private-{i}-{j}.json"
            if rel.endswith(".json"):
                lines = ['{"type": "service_account", "private_key": "' + text.replace("\n", "\\n") + '\\n"}']
            else:
                lines = text.split("\n")
            emit(rel, lines)
            labels.append({"file": rel, "start": 1, "end": len(lines), "family": "key", "format": kind.lower().replace(" ", "-"), "positive": True})

    neg_lines = []
    for rep in range(3):
        for t in NEGATIVES:
            neg_lines.append(fill_negative(t))
    for ext in ["env", "py", "js", "yaml"]:
        lines = []
        for k, l in enumerate(neg_lines):
            lines.append(l)
            labels.append({"file": f"negatives/samples.{ext}", "start": len(lines), "end": len(lines), "family": "negative", "format": "negative", "positive": False})
        emit(f"negatives/samples.{ext}", lines)
    for i, kind in enumerate(PUBLIC_PEMS):
        lines = pem(kind).split("\n")
        emit(f"negatives/public-{i}.pem", lines)
        labels.append({"file": f"negatives/public-{i}.pem", "start": 1, "end": len(lines), "family": "negative", "format": "public-key", "positive": False})
    with open(os.path.join(out, "labels.json"), "w") as f:
        json.dump(labels, f, indent=0)
    print(f"{sum(1 for l in labels if l['positive'])} positives, {sum(1 for l in labels if not l['positive'])} negatives in {out}")


if __name__ == "__main__":
    main()
