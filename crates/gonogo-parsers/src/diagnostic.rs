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

#[cfg(test)]
mod tests {
    use super::*;

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
