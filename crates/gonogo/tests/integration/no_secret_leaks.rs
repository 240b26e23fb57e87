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
