//! No Go on nothing: a live check without its target, a target whose variable is unset, a
//! misspelt target, a missing explicit path, a run that verified nothing and malformed
//! annotations never give Go; partial runs say what they left out; gonogo's own load test runs
//! after the checks that read the service's error rate.

use gonogo_core::check::{CheckContext, CheckDoc, CheckKind, PreparedCheck, Service};
use gonogo_core::params::{ParamError, Params};
use gonogo_core::{Outcome, Registry, Status};
use gonogo_engine::{
    CheckOptions, Checked, Decision, Engine, Error, Inputs, RunSettings, Scope, Silent,
};
use std::sync::Mutex;

const CHECKLIST: &str = "# Release

- [ ] README present <!-- gonogo: files.exists path=README.md -->
- [ ] Backend /health endpoint responding (200 OK)
- [ ] Rate limiting enabled on API endpoints
";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "# Service\n\nWhat it does and how to run it.\n",
    )
    .unwrap();
    dir
}

fn inputs(dir: &tempfile::TempDir, checklist: &str, config: Option<&str>) -> Inputs {
    Inputs::in_memory(
        "CHECKLIST.md",
        checklist,
        config.map(str::to_string),
        dir.path(),
    )
}

async fn check(engine: &Engine, inputs: &Inputs, run: RunSettings) -> Result<Checked, Error> {
    let options = CheckOptions {
        run,
        ..CheckOptions::default()
    };
    engine.check(inputs, &options, &Silent).await
}

fn statuses(checked: &Checked) -> Vec<(Status, String)> {
    checked
        .report
        .items
        .iter()
        .map(|i| (i.status, i.evidence.summary.clone()))
        .collect()
}

#[tokio::test]
async fn live_items_without_a_target_are_errors_and_no_go() {
    let dir = repo();
    let checked = check(
        &Engine::default(),
        &inputs(&dir, CHECKLIST, None),
        RunSettings::default(),
    )
    .await
    .unwrap();
    let got = statuses(&checked);
    assert_eq!(got[0].0, Status::Pass);
    for (status, summary) in &got[1..] {
        assert_eq!(*status, Status::Error);
        assert!(summary.starts_with("no api_url configured"), "{summary}");
    }
    assert_eq!(checked.report.decision, Decision::NoGo);
    assert_eq!(checked.report.partial, None);
}

#[tokio::test]
async fn an_unset_variable_in_a_target_is_an_error_naming_it() {
    let dir = repo();
    let config = "[targets]\napi_url = \"$GONOGO_TEST_UNSET_API\"\n";
    let checked = check(
        &Engine::default(),
        &inputs(&dir, CHECKLIST, Some(config)),
        RunSettings::default(),
    )
    .await
    .unwrap();
    let got = statuses(&checked);
    for (status, summary) in &got[1..] {
        assert_eq!(
            (*status, summary.as_str()),
            (
                Status::Error,
                "api_url: $GONOGO_TEST_UNSET_API is not set (set it in the environment or pass --env-file)"
            )
        );
    }
    assert_eq!(checked.report.decision, Decision::NoGo);
}

#[tokio::test]
async fn an_unset_variable_in_a_bind_rule_makes_its_items_errors() {
    let dir = repo();
    let config = "[[bind]]\ntext = \"README\"\ncheck = \"files.exists\"\nparams = { path = \"$GONOGO_TEST_UNSET_DOC\" }\n";
    let checklist = "# R\n\n- [ ] README up to date\n- [ ] Runbook <!-- gonogo: files.exists path=README.md -->\n";
    let checked = check(
        &Engine::default(),
        &inputs(&dir, checklist, Some(config)),
        RunSettings::default(),
    )
    .await
    .unwrap();
    let got = statuses(&checked);
    assert_eq!(got[0].0, Status::Error);
    assert!(got[0].1.contains("$GONOGO_TEST_UNSET_DOC"), "{}", got[0].1);
    assert_eq!(checked.report.decision, Decision::NoGo);
}

#[tokio::test]
async fn a_misspelt_target_is_a_located_diagnostic_with_a_did_you_mean() {
    let dir = repo();
    let config = "[targets]\napi_ulr = \"http://127.0.0.1:9\"\n";
    let Err(Error::Diagnostics(diags)) = check(
        &Engine::default(),
        &inputs(&dir, CHECKLIST, Some(config)),
        RunSettings::default(),
    )
    .await
    else {
        panic!("an unknown target stops the run");
    };
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        shown,
        [
            "error: gonogo.toml:2:1: unknown target `api_ulr` in [targets]; did you mean `api_url`? [config-unknown-key]"
        ]
    );
}

#[tokio::test]
async fn a_target_named_by_an_item_is_known() {
    let dir = repo();
    let config = "[targets]\nadmin_url = \"$GONOGO_TEST_UNSET_ADMIN\"\n";
    let checklist =
        "# R\n\n- [ ] Admin up <!-- gonogo: http.status target=admin_url path=/health -->\n";
    let checked = check(
        &Engine::default(),
        &inputs(&dir, checklist, Some(config)),
        RunSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(checked.report.items[0].status, Status::Error);
    assert!(
        checked.report.items[0]
            .evidence
            .summary
            .starts_with("admin_url: $GONOGO_TEST_UNSET_ADMIN is not set")
    );
}

#[tokio::test]
async fn a_missing_explicit_path_fails_the_item() {
    let dir = repo();
    let checklist = "# R\n\n- [ ] README <!-- gonogo: files.exists path=README.md -->\n\
- [ ] Manifests <!-- gonogo: k8s.workloads path=deploy/k8s -->\n\
- [ ] Dockerfile <!-- gonogo: docker.dockerfile path=services/api -->\n\
- [ ] Secrets <!-- gonogo: secrets.scan path=src -->\n";
    let checked = check(
        &Engine::default(),
        &inputs(&dir, checklist, None),
        RunSettings::default(),
    )
    .await
    .unwrap();
    let got = statuses(&checked);
    assert_eq!(got[0].0, Status::Pass);
    for (status, summary) in &got[1..] {
        assert_eq!(*status, Status::Fail, "{summary}");
        assert!(
            summary.ends_with("does not exist in the repository"),
            "{summary}"
        );
    }
}

#[tokio::test]
async fn a_static_only_run_skips_live_items_and_says_so() {
    let dir = repo();
    let engine = Engine::default();
    for (config, only) in [
        (Some("[run]\nlive = false\n"), None),
        (None, Some(Scope::Static)),
    ] {
        let run = RunSettings {
            only,
            ..RunSettings::default()
        };
        let checked = check(&engine, &inputs(&dir, CHECKLIST, config), run)
            .await
            .unwrap();
        let got = statuses(&checked);
        assert_eq!(got[0].0, Status::Pass);
        for (status, summary) in &got[1..] {
            assert_eq!(*status, Status::Skipped);
            assert!(
                summary.starts_with("not verified: live check left out of this static-only run"),
                "{summary}"
            );
        }
        let report = &checked.report;
        assert_eq!(report.decision, Decision::Go);
        assert_eq!(
            report.verdict,
            "Go (static only: 2 live items not verified)"
        );
        let partial = report.partial.expect("a partial run");
        assert_eq!((partial.scope, partial.unverified), (Scope::Static, 2));
    }
}

#[tokio::test]
async fn a_live_only_run_skips_static_items() {
    let dir = repo();
    let run = RunSettings {
        only: Some(Scope::Live),
        ..RunSettings::default()
    };
    let checked = check(&Engine::default(), &inputs(&dir, CHECKLIST, None), run)
        .await
        .unwrap();
    let got = statuses(&checked);
    assert_eq!(got[0].0, Status::Skipped);
    assert_eq!(
        got[1].0,
        Status::Error,
        "a live check still needs its target"
    );
    assert_eq!(
        checked.report.verdict,
        "No-Go (live only: 1 static item not verified)"
    );
}

#[tokio::test]
async fn nothing_verified_is_no_go_whatever_the_policy() {
    let dir = repo();
    let config = "[policy]\nmanual_blocks = false\n\n[run]\nlive = false\n";
    let checklist = "# R\n\n- [ ] Legal reviewed the privacy policy\n- [ ] Backend /health endpoint responding (200 OK)\n";
    let checked = check(
        &Engine::default(),
        &inputs(&dir, checklist, Some(config)),
        RunSettings::default(),
    )
    .await
    .unwrap();
    let report = &checked.report;
    assert_eq!(report.decision, Decision::NoGo);
    assert_eq!(report.reasons, [gonogo_core::decide::NOTHING_VERIFIED]);
    assert_eq!(
        report.verdict,
        "No-Go (static only: 1 live item not verified)"
    );
}

#[tokio::test]
async fn malformed_annotations_stop_the_run_with_their_line() {
    let dir = repo();
    let checklist = "# R\n\n- [ ] README <!-- gonogo files.exists path=README.md -->\n";
    let Err(Error::Diagnostics(diags)) = check(
        &Engine::default(),
        &inputs(&dir, checklist, None),
        RunSettings::default(),
    )
    .await
    else {
        panic!("a malformed annotation is an error, not a manual item");
    };
    assert_eq!(
        (diags[0].file.as_str(), diags[0].line, diags[0].code),
        ("CHECKLIST.md", 3, "annotation-malformed")
    );
}

// ---- gonogo's own load never hides the service's errors ----------------------------------

/// What the test kinds saw, in order.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn event(e: &str) {
    EVENTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(e.to_string());
}

static ERROR_RATE_DOC: CheckDoc = CheckDoc {
    live: Some(Service::Prometheus),
    targets: &[],
    summary: "",
    description: "",
    params: &[],
    examples: &[],
    claims: &[],
    phrases: &[],
    not_phrases: &[],
    findings: &[],
};

/// Reads the service's error rate, as `prom.query` does.
struct ErrorRate;
/// Loads the service, as `load.run` does.
struct LoadTest;

struct Recorded(&'static str, u64);

#[async_trait::async_trait]
impl PreparedCheck for Recorded {
    async fn run(&self, _: &CheckContext) -> Outcome {
        event(&format!("start {}", self.0));
        tokio::time::sleep(std::time::Duration::from_millis(self.1)).await;
        event(&format!("end {}", self.0));
        Outcome::pass(self.0)
    }
}

impl CheckKind for ErrorRate {
    fn id(&self) -> &'static str {
        "t.error-rate"
    }
    fn doc(&self) -> &'static CheckDoc {
        &ERROR_RATE_DOC
    }
    fn prepare(&self, _: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        Ok(Box::new(Recorded("error-rate", 200)))
    }
}

impl CheckKind for LoadTest {
    fn id(&self) -> &'static str {
        "t.load"
    }
    fn doc(&self) -> &'static CheckDoc {
        &ERROR_RATE_DOC
    }
    fn prepare(&self, _: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        Ok(Box::new(Recorded("load", 10)))
    }
    fn generates_load(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn the_error_rate_is_read_before_gonogo_loads_the_service() {
    let dir = repo();
    // The load test comes first in the checklist, and both could run at once.
    let checklist = "# R\n\n- [ ] Throughput <!-- gonogo: t.load -->\n- [ ] Error rate < 0.5% <!-- gonogo: t.error-rate -->\n";
    let engine = Engine::new(Registry::new(vec![&ErrorRate, &LoadTest]));
    let run = RunSettings {
        concurrency: Some(8),
        ..RunSettings::default()
    };
    let checked = check(&engine, &inputs(&dir, checklist, Some("")), run)
        .await
        .unwrap();
    assert_eq!(checked.report.decision, Decision::Go);
    let events = EVENTS.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            "start error-rate",
            "end error-rate",
            "start load",
            "end load"
        ]
    );
}
