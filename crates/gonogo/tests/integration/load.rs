//! `gonogo load` as a user meets it: exit codes 0, 1 and 2, the summary, JSON and HTML.

use crate::gonogo;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// A minimal keep-alive HTTP/1.1 server on 127.0.0.1:0 answering every request with `status`.
pub(crate) fn server(status: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                let body = "hello";
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let mut line = String::new();
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == "\r\n" => {
                            if writer.write_all(response.as_bytes()).is_err() {
                                return;
                            }
                        }
                        Ok(_) => {}
                    }
                }
            });
        }
    });
    format!("http://{addr}/")
}

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_healthy_target_within_thresholds_exits_0() {
    let url = server("200 OK");
    let o = gonogo(["load", &url, "-n", "100", "-c", "2", "--warmup", "0s"])
        .args(["--threshold", "p95<5s", "--threshold", "error_rate<0.5%"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("requests    100 (100 ok, 0 errors"), "{text}");
    assert!(text.contains("pass p95<5s"), "{text}");
    assert!(text.contains("result      PASS"), "{text}");
}

#[test]
fn an_all_500_target_exits_1_without_a_threshold() {
    let url = server("500 Internal Server Error");
    let o = gonogo(["load", &url, "-n", "50", "-c", "2", "--warmup", "0s"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("errors      5xx 50"), "{text}");
    assert!(text.contains("above the default limit of 1%"), "{text}");
}

#[test]
fn a_failed_threshold_exits_1() {
    let url = server("200 OK");
    let o = gonogo(["load", &url, "-n", "50", "-c", "1", "--warmup", "0s"])
        .args(["--threshold", "rps>100000000"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("FAIL rps>100000000/s"), "{}", out(&o));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["load", "http://127.0.0.1:9/", "--threshold", "p95<soon"],
        vec!["load", "http://127.0.0.1:9/", "--rate", "100000000"],
        vec!["load", "http://127.0.0.1:9/", "-d", "3h"],
        vec!["load", "ftp://127.0.0.1/"],
        vec!["load"],
    ] {
        let o = gonogo(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", out(&o));
    }
    let o = gonogo(["load", "http://127.0.0.1:9/", "--threshold", "p95<soon"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stderr), @"error: threshold `p95<soon`: expected a non-negative number");
}

#[test]
fn json_and_html_reports() {
    let url = server("200 OK");
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("load.html");
    let o = gonogo([
        "load", &url, "-n", "40", "-c", "2", "--warmup", "0s", "--format", "json",
    ])
    .arg("--html")
    .arg(&html)
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["requests"], 40);
    assert_eq!(v["pass"], true);
    assert!(v["latency"]["histogram"].as_str().unwrap().len() > 10);
    assert!(v["latency"]["p99_ms"].as_f64().unwrap() > 0.0);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert_eq!(
        page.matches("<svg").count(),
        3,
        "distribution, latency and throughput over time"
    );
    assert!(
        !page.contains("<script") && !page.contains("src="),
        "self-contained"
    );
}

#[test]
fn help_is_documented() {
    let o = gonogo(["load", "--help"]).output().unwrap();
    insta::assert_snapshot!(out(&o));
}

/// Two runs at the same time against one target, merged: counts add up, the thresholds judge
/// the whole, and a file that is not a report is a usage error naming it.
#[test]
fn concurrent_runs_merge_into_one_report() {
    let url = server("200 OK");
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, n: &'static str| {
        let url = url.clone();
        let path = dir.path().join(name);
        std::thread::spawn(move || {
            let o = gonogo([
                "load", &url, "-n", n, "-c", "2", "-t", "1", "--warmup", "0s",
            ])
            .args(["--format", "json"])
            .output()
            .unwrap();
            assert_eq!(o.status.code(), Some(0));
            std::fs::write(path, &o.stdout).unwrap();
        })
    };
    let (a, b) = (run("a.json", "120"), run("b.json", "80"));
    a.join().unwrap();
    b.join().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    // `gonogo load --merge FILES… ARGS…`, its stderr with the temp dir scrubbed.
    let merge = |files: &[&std::path::Path], args: &[&str]| {
        let o = gonogo(["load", "--merge"])
            .args(files)
            .args(args)
            .output()
            .unwrap();
        let err =
            String::from_utf8_lossy(&o.stderr).replace(&dir.path().display().to_string(), "[DIR]");
        (o, err)
    };
    let (o, _) = merge(
        &[&a, &b],
        &["--threshold", "error_rate<0.5%", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["requests"], 200);
    assert_eq!(v["merged_from"], 2);
    assert_eq!(v["latency"]["count"], 200);
    assert_eq!(v["connections"], 4);
    let (o, _) = merge(&[&a], &["--threshold", "p50<1us"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("merged      1 run made at the same time"),
        "{}",
        out(&o)
    );
    // Flags that shape a run have nothing to shape in a merge.
    let (o, err) = merge(&[&a], &["--rate", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("'--merge <FILE>...' cannot be used with '--rate <REQ/S>'"),
        "{err}"
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "[1, 2").unwrap();
    let (o, err) = merge(&[&a, &junk], &[]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!(err, @"error: [DIR]/junk.json: not a gonogo load report: EOF while parsing a list at line 1 column 5");
    std::fs::write(&junk, "[1, 2]").unwrap();
    let (o, err) = merge(&[&junk], &[]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!(err, @"error: [DIR]/junk.json: not a gonogo load report: no `target` and `latency` (write one with `gonogo load … --format json`)");
}
