//! A repository planted with secrets fails the right items, and no output format shows any
//! of those values in full.

// Fake values in the providers' formats; assembled at run time so this file itself does not
// look like a leak to scanners.
fn aws_key() -> String {
    format!("AKIA{}", "Q3EGUJ7RX4MKT2WB")
}
fn github_token() -> String {
    format!("ghp_{}", "x7Vq2LmN9pR4sT6uW8yZ0aB1cD3eF5gH7jK9")
}
const JWT_DEFAULT: &str = "changethis";

const CHECKLIST: &str = "# Release\n\n## Security\n- [ ] No hardcoded secrets in codebase\n- [ ] JWT_SECRET is cryptographically secure (min 32 chars)\n- [ ] README present <!-- gonogo: files.exists path=README.md -->\n";

#[test]
fn planted_secrets_fail_and_never_leak() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("CHECKLIST.md"), CHECKLIST).unwrap();
    std::fs::write(
        root.join("README.md"),
        "# Service\n\nHow to run it and what it does.\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/settings.py"),
        format!(
            "AWS_ACCESS_KEY_ID = \"{}\"\nGITHUB_TOKEN = \"{}\"\n",
            aws_key(),
            github_token()
        ),
    )
    .unwrap();
    std::fs::write(
        root.join(".env"),
        format!("JWT_SECRET={JWT_DEFAULT}\nDATABASE_URL=postgres://app:S3cr3tPassw0rd!@db/app\n"),
    )
    .unwrap();

    let mut outputs = Vec::new();
    for format in ["tty", "json", "junit", "sarif", "markdown"] {
        let out = crate::gonogo(["check", "--verbose", "--format", format])
            .arg(root.join("CHECKLIST.md"))
            .arg("--repo")
            .arg(root)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((
            format,
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        ));
    }
    for (format, text) in &outputs {
        for secret in [aws_key(), github_token(), "S3cr3tPassw0rd!".to_string()] {
            assert!(
                !text.contains(&secret),
                "{format} output shows a secret in full"
            );
        }
        // `changethis` is short: it must not appear after `JWT_SECRET=` either.
        assert!(
            !text.contains("JWT_SECRET=changethis"),
            "{format} output shows the JWT secret"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&outputs[1].1).unwrap();
    let status_of = |text: &str| {
        json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"].as_str().unwrap().contains(text))
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("No hardcoded secrets"), "fail");
    assert_eq!(status_of("JWT_SECRET"), "fail");
    assert_eq!(status_of("README present"), "pass");
}

/// Every channel a secret can reach gonogo through, each planted with a distinct fake secret:
/// repository files (the secrets scan), the process environment and `--env-file` (`$VAR` in
/// parameters and targets), an HTTP service's response headers and JSON body, a command's
/// output (a private key whose `BEGIN` line is cut), client error messages (a PostgreSQL DSN
/// with a password, to a closed port; an unreachable URL with a token). Then every output is
/// searched for the middle of each secret: `check` in every format (the terminal 300 columns
/// wide), the Markdown write-back, `validate` as text and JSON, stderr, and a dump of both
/// stores (SQLite file bytes and rows; every PostgreSQL table in a fresh database).
#[tokio::test]
async fn planted_secrets_never_leave_in_full_through_any_channel() {
    let p = Planted::new();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let server = serve(&p.http_response());
    p.write_repo(&repo, server.port());
    let env_file = dir.path().join("deploy.env");
    std::fs::write(&env_file, p.env_file()).unwrap();
    let checklist = repo.join("CHECKLIST.md");

    // Every invocation: the checklist, the repository, the env file, the process environment's
    // token, and consent to run the checklist's command.
    let with_inputs = |mut cmd: assert_cmd::Command| {
        cmd.arg(&checklist)
            .arg("--repo")
            .arg(&repo)
            .arg("--env-file")
            .arg(&env_file)
            .env("RELEASE_API_TOKEN", &p.process_token)
            // Consent to run `cmd.succeeds` (ignored where commands need none).
            .env("GONOGO_ALLOW_COMMANDS", "1");
        cmd
    };
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut json_report = None;
    for format in ["tty", "json", "junit", "sarif", "markdown"] {
        let mut cmd = with_inputs(crate::gonogo(["check", "--verbose", "--format", format]));
        cmd.env("COLUMNS", "300");
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "check --format {format}: {stderr}"
        );
        if format == "json" {
            json_report = Some(serde_json::from_str::<serde_json::Value>(&stdout).unwrap());
        }
        outputs.push((format!("check --format {format}"), stdout));
        outputs.push((format!("check --format {format} (stderr)"), stderr));
    }
    for format in ["text", "json"] {
        let out = with_inputs(crate::gonogo(["validate", "--format", format]))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        outputs.push((format!("validate --format {format}"), stdout));
        outputs.push((
            format!("validate --format {format} (stderr)"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }

    // Both stores, after a recorded run.
    let db = dir.path().join("runs.db");
    let out = with_inputs(crate::gonogo_with_store(["check"]))
        .arg("--store")
        .arg(format!("sqlite:{}", db.display()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.push(("SQLite store".into(), sqlite_dump(&db).await));
    if let Some(pg) = gonogo_testkit::require(
        gonogo_testkit::Service::Postgres,
        "planted_secrets_never_leave_in_full_through_any_channel",
    ) {
        let (url, drop) = fresh_pg_database(pg.url(), "gonogo_planted_secrets").await;
        let out = with_inputs(crate::gonogo_with_store(["check"]))
            .arg("--store")
            .arg(&url)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(("PostgreSQL store".into(), pg_dump(&url).await));
        drop.await;
    }

    let mut leaks = Vec::new();
    for (output, text) in &outputs {
        if output.ends_with("store") {
            assert!(
                text.contains("No hardcoded secrets"),
                "{output}: the run was stored"
            );
        }
        for (secret, needles) in p.needles() {
            if needles.iter().any(|n| text.contains(n.as_str())) {
                leaks.push(format!("{output} shows {secret}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "secrets shown in full:\n{}",
        leaks.join("\n")
    );

    // The channels really carried their secrets to a check: the items fail or err with the
    // evidence that held them.
    let report = json_report.unwrap();
    let item = |text: &str| {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"].as_str().unwrap().contains(text))
            .unwrap_or_else(|| panic!("no item {text}"))
            .clone()
    };
    let findings = |i: &serde_json::Value| i["evidence"]["findings"].to_string();
    assert_eq!(item("No hardcoded secrets")["status"], "fail");
    let headers = item("Response headers");
    assert_eq!(headers["status"], "fail");
    for h in ["set-cookie", "x-api-key", "authorization"] {
        assert!(
            findings(&headers).contains(&format!("header `{h}` is `")),
            "{headers}"
        );
    }
    assert_eq!(
        headers["params"]["url"],
        format!(
            "http://127.0.0.1:{}/health?access_token=$GITHUB_TOKEN",
            server.port()
        )
    );
    assert!(findings(&item("Payment key")).contains("found"));
    assert!(findings(&item("Session token")).contains("found"));
    let command = item("Deploy key installs");
    assert_eq!(command["status"], "fail", "{command}");
    assert!(
        findings(&command).contains("-----END RSA PRIVATE KEY-----"),
        "the key's tail was in the output: {command}"
    );
    assert_eq!(
        command["params"]["cmd"]
            .as_str()
            .unwrap()
            .matches("$DEPLOY_TOKEN")
            .count(),
        1
    );
    assert_eq!(item("Database reachable")["status"], "error");
    assert_eq!(item("Unreachable service")["status"], "fail");
    for (output, text) in &outputs {
        if output.starts_with("validate") && !output.ends_with("(stderr)") {
            assert!(
                text.contains("access_token=$GITHUB_TOKEN") && text.contains("$DEPLOY_TOKEN"),
                "{output} shows the variables: {text}"
            );
        }
    }
}

/// The fake secrets of one run, each in a provider's real format, generated at run time.
struct Planted {
    aws_key_id: String,
    aws_secret: String,
    stripe_in_repo: String,
    private_key: Vec<String>,
    github_token: String,
    deploy_token: String,
    db_password: String,
    process_token: String,
    cookie: String,
    bearer: String,
    api_key: String,
    stripe_in_body: String,
    jwt: String,
}

impl Planted {
    fn new() -> Self {
        let mut rng = Rng(0x5eed_cafe_f00d_1234);
        const UPPER32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
        let mut private_key = vec!["-----BEGIN RSA PRIVATE KEY-----".to_string()];
        for _ in 0..22 {
            private_key.push(rng.pick(B64, 64));
        }
        private_key.push(format!("{}==", rng.pick(B64, 38)));
        private_key.push("-----END RSA PRIVATE KEY-----".to_string());
        Planted {
            aws_key_id: format!("AKIA{}", rng.pick(UPPER32, 16)),
            aws_secret: rng.pick(B64, 40),
            stripe_in_repo: format!("sk_{}_{}", "live", rng.pick(ALNUM, 32)),
            private_key,
            github_token: format!("ghp_{}", rng.pick(ALNUM, 36)),
            // No provider's format: only the variable's name says it is a secret.
            deploy_token: format!("dt{}", rng.pick(LOWER, 22)),
            db_password: rng.pick(ALNUM, 18),
            process_token: rng.pick(ALNUM, 28),
            cookie: rng.pick(ALNUM, 32),
            bearer: rng.pick(ALNUM, 40),
            api_key: rng.pick(ALNUM, 40),
            stripe_in_body: format!("sk_{}_{}", "live", rng.pick(ALNUM, 32)),
            jwt: format!(
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
                rng.pick(B64URL, 60),
                rng.pick(B64URL, 43)
            ),
        }
    }

    /// What each secret must never be seen by: the middle third of the value (of each of a
    /// JWT's parts, of each line of the key's body), so a value cut short is caught too.
    fn needles(&self) -> Vec<(&'static str, Vec<String>)> {
        let middle = |s: &str| s[s.len() / 3..s.len() * 2 / 3].to_string();
        let mut out = vec![
            (
                "the AWS access key id (repository)",
                vec![middle(&self.aws_key_id)],
            ),
            (
                "the AWS secret key (repository)",
                vec![middle(&self.aws_secret)],
            ),
            (
                "the Stripe key (repository)",
                vec![middle(&self.stripe_in_repo)],
            ),
            (
                "the private key (repository, command output)",
                self.private_key[1..self.private_key.len() - 1]
                    .iter()
                    .map(|l| middle(l))
                    .collect(),
            ),
            (
                "GITHUB_TOKEN (--env-file, parameters, errors)",
                vec![middle(&self.github_token)],
            ),
            (
                "DEPLOY_TOKEN (--env-file, command line and output)",
                vec![middle(&self.deploy_token)],
            ),
            (
                "the DSN password (--env-file, target, errors)",
                vec![middle(&self.db_password)],
            ),
            (
                "RELEASE_API_TOKEN (process environment, target)",
                vec![middle(&self.process_token)],
            ),
            (
                "the Set-Cookie value (response header)",
                vec![middle(&self.cookie)],
            ),
            (
                "the Authorization value (response header)",
                vec![middle(&self.bearer)],
            ),
            (
                "the X-Api-Key value (response header)",
                vec![middle(&self.api_key)],
            ),
            (
                "the Stripe key (response body)",
                vec![middle(&self.stripe_in_body)],
            ),
        ];
        out.push((
            "the JWT (response body)",
            self.jwt.split('.').skip(1).map(middle).collect(),
        ));
        out
    }

    fn write_repo(&self, repo: &std::path::Path, port: u16) {
        std::fs::create_dir_all(repo.join("src")).unwrap();
        std::fs::create_dir_all(repo.join("keys")).unwrap();
        std::fs::write(
            repo.join("src/settings.py"),
            format!(
                "AWS_ACCESS_KEY_ID = \"{}\"\nAWS_SECRET_ACCESS_KEY = \"{}\"\nSTRIPE_SECRET_KEY = \"{}\"\n",
                self.aws_key_id, self.aws_secret, self.stripe_in_repo
            ),
        )
        .unwrap();
        std::fs::write(
            repo.join("keys/deploy.pem"),
            self.private_key.join("\n") + "\n",
        )
        .unwrap();
        std::fs::write(
            repo.join("gonogo.toml"),
            "[targets]\nfrontend_url = \"http://127.0.0.1:PORT/app?access_token=$RELEASE_API_TOKEN\"\ndatabase_url = \"$DATABASE_URL\"\n"
                .replace("PORT", &port.to_string()),
        )
        .unwrap();
        let at = format!("http://127.0.0.1:{port}/health");
        std::fs::write(
            repo.join("CHECKLIST.md"),
            format!(
                "# Release

## Security
- [ ] No hardcoded secrets in codebase
- [ ] Response headers as expected <!-- gonogo: http.status url={at}?access_token=$GITHUB_TOKEN header=\"set-cookie: expected-cookie; x-api-key: expected-key; authorization: expected-auth\" -->
- [ ] Payment key kept private <!-- gonogo: http.status url={at} json=\"$.key == none\" -->
- [ ] Session token kept private <!-- gonogo: http.status url={at} json=\"$.token == none\" -->
- [ ] Frontend answers 418 <!-- gonogo: http.status target=frontend_url expect=418 -->

## Operations
- [ ] Deploy key installs <!-- gonogo: cmd.succeeds cmd=\"sed 1d keys/deploy.pem; echo deploying with $DEPLOY_TOKEN; exit 1\" shell=true tail=18 -->
- [ ] Database reachable <!-- gonogo: pg.connections dsn=$DATABASE_URL timeout=5s -->
- [ ] Unreachable service answers <!-- gonogo: http.status url=http://127.0.0.1:1/health?access_token=$GITHUB_TOKEN timeout=3s -->
"
            ),
        )
        .unwrap();
    }

    fn env_file(&self) -> String {
        format!(
            "GITHUB_TOKEN={}\nDEPLOY_TOKEN={}\nDATABASE_URL=postgres://app:{}@127.0.0.1:1/app\n",
            self.github_token, self.deploy_token, self.db_password
        )
    }

    fn http_response(&self) -> String {
        let body = format!(
            "{{\"status\":\"ok\",\"key\":\"{}\",\"token\":\"{}\"}}",
            self.stripe_in_body, self.jwt
        );
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: session={}; Path=/; HttpOnly\r\nAuthorization: Bearer {}\r\nX-Api-Key: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.cookie,
            self.bearer,
            self.api_key,
            body.len()
        )
    }
}

/// A small deterministic generator for the fake secrets.
struct Rng(u64);

impl Rng {
    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                a[(self.0 % a.len() as u64) as usize] as char
            })
            .collect()
    }
}

/// A real HTTP server on a free loopback port answering every request with `response`.
fn serve(response: &str) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let response = response.to_string();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let response = response.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(response.as_bytes());
            });
        }
    });
    addr
}

/// Everything a SQLite store holds: the file's bytes (WAL checkpointed into it) and every row
/// of every table as text (a long value may span pages in the file).
async fn sqlite_dump(db: &std::path::Path) -> String {
    use sqlx::{Connection, Row};
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut c)
            .await
            .unwrap();
    let mut dump = String::new();
    for t in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .fetch_all(&mut c)
                .await
                .unwrap();
        let row = columns
            .iter()
            .map(|col| format!("quote(\"{col}\")"))
            .collect::<Vec<_>>()
            .join(" || ' ' || ");
        for r in sqlx::query(&format!("SELECT {row} FROM \"{t}\""))
            .fetch_all(&mut c)
            .await
            .unwrap()
        {
            dump.push_str(&r.get::<String, _>(0));
            dump.push('\n');
        }
    }
    c.close().await.unwrap();
    dump + &String::from_utf8_lossy(&std::fs::read(db).unwrap())
}

/// A fresh PostgreSQL database for one test: its URL, and the future that drops it.
async fn fresh_pg_database(
    admin: &str,
    name: &str,
) -> (String, impl std::future::Future<Output = ()>) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        format!("CREATE DATABASE \"{name}\""),
    ] {
        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
    }
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let admin = admin.to_string();
    let name = name.to_string();
    (format!("{base}/{name}"), async move {
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut c)
            .await
            .unwrap();
    })
}

/// Every row of every table outside PostgreSQL's own schemas, as text: what `pg_dump` would
/// write.
async fn pg_dump(url: &str) -> String {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema, table_name FROM information_schema.tables \
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(!tables.is_empty(), "the store has tables");
    let mut dump = String::new();
    for (schema, table) in tables {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT t::text FROM \"{schema}\".\"{table}\" t"))
                .fetch_all(&mut c)
                .await
                .unwrap();
        for r in rows {
            dump.push_str(&r);
            dump.push('\n');
        }
    }
    c.close().await.unwrap();
    dump
}
