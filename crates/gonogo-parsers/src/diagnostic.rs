//! A problem in a file the user wrote (checklist, config, env file): always located.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `malformed-task-box`.
    pub code: &'static str,
    /// The file, as shown to the user; empty while the parser that found it does not know it
    /// (the checklist parser reads text, its caller names the file).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Diagnostic {
    /// An error at `line:column` of `file`.
    pub fn error(
        code: &'static str,
        file: impl Into<String>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }

    /// A warning at `line:column` of `file`.
    pub fn warning(
        code: &'static str,
        file: impl Into<String>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, line, column, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{sev}: {}:{}:{}: {} [{}]",
            self.file, self.line, self.column, self.message, self.code
        )
    }
}

/// The candidate a misspelt `word` most likely meant, for a "did you mean" hint: the closest
/// by edit distance (a swap of two neighbours counts as one edit), if it is close enough to be
/// a typo (at most 2 edits, or a third of the word's length); ties go to the first candidate.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of adjacent characters, each one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before the previous (for transpositions), the previous, the current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_and_nothing_else() {
        let keys = ["api_url", "database_url", "redis_url", "frontend_url"];
        assert_eq!(did_you_mean("api_ulr", keys), Some("api_url"));
        assert_eq!(did_you_mean("apiurl", keys), Some("api_url"));
        assert_eq!(did_you_mean("databse_url", keys), Some("database_url"));
        assert_eq!(did_you_mean("API_URL", keys), Some("api_url"));
        assert_eq!(did_you_mean("prometheus", keys), None);
        assert_eq!(did_you_mean("x", keys), None);
        assert_eq!(
            did_you_mean("timout", ["timeout", "auto_bind"]),
            Some("timeout")
        );
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn shown_with_file_line_column_and_code() {
        let d = Diagnostic::error("env-file-syntax", ".env", 3, 1, "expected KEY=VALUE");
        assert_eq!(
            d.to_string(),
            "error: .env:3:1: expected KEY=VALUE [env-file-syntax]"
        );
        let w = Diagnostic::warning("invalid-utf8", "c.md", 2, 1, "replaced");
        assert!(!w.is_error());
        assert_eq!(w.to_string(), "warning: c.md:2:1: replaced [invalid-utf8]");
    }

    #[test]
    fn an_unnamed_file_is_left_out_of_json() {
        let d = Diagnostic::warning("malformed-task-box", "", 1, 2, "m");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            r#"{"severity":"warning","code":"malformed-task-box","line":1,"column":2,"message":"m"}"#
        );
    }
}
