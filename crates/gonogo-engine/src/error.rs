//! What the pipeline returns when it cannot go on.

use gonogo_core::config::{Diagnostic, Severity};

/// Why a stage stopped. Nothing is printed: the caller shows the diagnostics or the message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Mistakes in the user's checklist, config or env file, each with its file and line.
    /// At least one is an error; warnings found alongside are included, in order.
    #[error("{}", summary(.0))]
    Diagnostics(Vec<Diagnostic>),
    /// An input that cannot be used, or a request the records refuse, said in one sentence.
    #[error("{0}")]
    Input(String),
    /// The store could not do what was asked.
    #[error(transparent)]
    Store(#[from] gonogo_store::Error),
}

impl Error {
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }

    /// The located problems this error carries (none for the other kinds).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Diagnostics(d) => d,
            _ => &[],
        }
    }
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    match diagnostics.first() {
        Some(first) if errors <= 1 => first.to_string(),
        Some(first) => format!("{first} (and {} more errors)", errors - 1),
        None => "no diagnostics".into(),
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Stop with `diagnostics` when any of them is an error.
pub(crate) fn fail_on_errors(diagnostics: &[Diagnostic]) -> Result<()> {
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::Diagnostics(diagnostics.to_vec()));
    }
    Ok(())
}

/// Whether any of `diagnostics` is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}
