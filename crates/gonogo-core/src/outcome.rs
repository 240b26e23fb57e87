//! What a check concludes about an item, and the evidence for it.

use serde::Serialize;
use std::time::Duration;

/// The status of an evaluated item.
///
/// `Fail` means the target is not ready; `Error` means gonogo could not tell. Missing data is
/// never `Pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Skipped,
    Manual,
    Error,
    Fail,
    /// A manual item attested by a named person (counts as passing while the attestation holds).
    Attested,
    /// A waived item: does not block while the waiver holds; the verdict lists it.
    Waived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Skipped => "skipped",
            Status::Manual => "manual",
            Status::Error => "error",
            Status::Fail => "fail",
            Status::Attested => "attested",
            Status::Waived => "waived",
        }
    }

    /// True for statuses that satisfy a blocking item.
    pub fn is_passing(self) -> bool {
        matches!(self, Status::Pass | Status::Attested)
    }

    /// Every status, in the order reports list counts.
    pub const ALL: [Status; 8] = [
        Status::Pass,
        Status::Attested,
        Status::Waived,
        Status::Fail,
        Status::Warn,
        Status::Error,
        Status::Skipped,
        Status::Manual,
    ];

    /// A status from its name (`as_str`), as stored.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// How bad a status is, for deriving a parent's status from its children: the worst wins.
    pub fn severity_rank(self) -> u8 {
        match self {
            Status::Skipped => 0,
            Status::Pass | Status::Attested => 1,
            Status::Waived => 2,
            Status::Warn => 2,
            Status::Manual => 3,
            Status::Error => 4,
            Status::Fail => 5,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in the target (repository file, URL) that evidence points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Path relative to the repository root (forward slashes), or a URL.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line: None,
            column: None,
        }
    }
    pub fn at(path: impl Into<String>, line: usize) -> Self {
        Location {
            path: path.into(),
            line: Some(line),
            column: None,
        }
    }
    pub fn at_col(path: impl Into<String>, line: usize, column: usize) -> Self {
        Location {
            path: path.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// One problem found in the target. Codes are stable kebab-case and unique per check kind.
///
/// Invariant: `message` never contains a secret in full; use [`crate::redact_secret`].
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How to fix it, one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// `Fail` findings make the item fail, `Warn` findings only warn.
    pub severity: Status,
}

impl Finding {
    pub fn fail(code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
            location: None,
            fix: None,
            severity: Status::Fail,
        }
    }
    pub fn warn(code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
            location: None,
            fix: None,
            severity: Status::Warn,
        }
    }
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// What was measured against what was expected.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// One line a person reads first: "3 secrets found in 2 files", "200 OK in 12 ms".
    pub summary: String,
    /// The measured value, when there is one ("coverage 74.2%").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    /// The threshold or expectation ("≥ 80%").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Where the evidence was read (the report file, the URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// The result of running one check for one item.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub evidence: Evidence,
    #[serde(skip)]
    pub duration: Duration,
}

impl Outcome {
    pub fn new(status: Status, summary: impl Into<String>) -> Self {
        Outcome {
            status,
            evidence: Evidence {
                summary: summary.into(),
                ..Evidence::default()
            },
            duration: Duration::ZERO,
        }
    }
    pub fn pass(summary: impl Into<String>) -> Self {
        Self::new(Status::Pass, summary)
    }
    pub fn fail(summary: impl Into<String>) -> Self {
        Self::new(Status::Fail, summary)
    }
    pub fn warn(summary: impl Into<String>) -> Self {
        Self::new(Status::Warn, summary)
    }
    /// gonogo could not tell: the reason says why.
    pub fn error(reason: impl Into<String>) -> Self {
        Self::new(Status::Error, reason)
    }
    /// Not applicable here: the reason says why ("no Kubernetes manifests found").
    pub fn skipped(reason: impl Into<String>) -> Self {
        Self::new(Status::Skipped, reason)
    }

    /// The status implied by a set of findings: `Fail` if any fails, `Warn` if any warns, else
    /// `Pass`. The summary is left to the caller.
    pub fn from_findings(summary: impl Into<String>, findings: Vec<Finding>) -> Self {
        let status = findings
            .iter()
            .map(|f| f.severity)
            .max_by_key(|s| s.severity_rank());
        let status = match status {
            Some(Status::Fail) => Status::Fail,
            Some(Status::Warn) => Status::Warn,
            _ => Status::Pass,
        };
        let mut outcome = Self::new(status, summary);
        outcome.evidence.findings = findings;
        outcome
    }

    pub fn observed(mut self, observed: impl Into<String>) -> Self {
        self.evidence.observed = Some(observed.into());
        self
    }
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.evidence.expected = Some(expected.into());
        self
    }
    pub fn at(mut self, location: Location) -> Self {
        self.evidence.location = Some(location);
        self
    }
    pub fn with_findings(mut self, findings: Vec<Finding>) -> Self {
        self.evidence.findings = findings;
        self
    }
}
