//! Documentation kinds: `docs.env-documented` (every environment variable the code reads is
//! documented) and `docs.fresh` (a document changed recently relative to the code it describes).

pub mod env_documented;
pub mod fresh;

/// True for files that are documentation (Markdown, reStructuredText, AsciiDoc, plain text).
pub fn is_doc_file(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    lower.ends_with(".md")
        || lower.ends_with(".rst")
        || lower.ends_with(".adoc")
        || lower.ends_with(".mdx")
        || (lower.starts_with("docs/") && lower.ends_with(".txt"))
        || name.starts_with("readme")
}
