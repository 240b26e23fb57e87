use crate::model::*;

/// Parse checklist Markdown. Never panics; problems are returned as diagnostics.
pub fn parse(source: &str) -> Checklist {
    let _ = source;
    Checklist {
        title: None,
        items: Vec::new(),
        sections: Vec::new(),
        diagnostics: Vec::new(),
    }
}
