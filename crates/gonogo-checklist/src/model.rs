//! The checklist model: what a checklist file says, with the line of every piece.
//!
//! The model is plain data. It never holds anything gonogo concluded about an item (that is
//! `gonogo-core`'s outcome model); it only records what the author wrote.

use serde::Serialize;

/// A parsed checklist. Items are in document order; `parent`/`children` are indices into
/// `items`.
#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    /// The document title: the first level-1 heading, repaired, if any.
    pub title: Option<String>,
    pub items: Vec<Item>,
    pub sections: Vec<Section>,
    /// Problems in the file that did not stop parsing (malformed boxes, …).
    pub diagnostics: Vec<Diagnostic>,
}

/// What an item is, from how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// `- [ ] text`, `1. [ ] text`, or a row of a table with a box column.
    Task,
    /// A bullet opening with a check mark: `- ✅ Response time p95 < 2000ms`.
    Criterion,
    /// A fill-in line: `- [ ] Engineering Lead: ____ Date: ____`, or a task naming a role under
    /// a sign-off heading: `## Approvals` … `- [ ] Security lead`.
    Signoff,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable id: derived from the section path, the parent chain and the text; unique in the
    /// file; unchanged across runs while those are unchanged. Lowercase ASCII, `/`-separated
    /// slugs, e.g. `security-hardening/no-hardcoded-secrets-in-codebase`.
    pub id: String,
    pub kind: ItemKind,
    /// 1-based line of the item's marker.
    pub line: usize,
    /// Byte range of the item's first line in the source (without the line ending).
    pub line_span: std::ops::Range<usize>,
    /// Index into `Checklist::sections` of the innermost section holding the item, if any.
    pub section: Option<usize>,
    /// Titles of the headings above the item, outermost first, repaired.
    pub section_path: Vec<String>,
    /// The text as written on the item's line(s) after the box, markup kept, emoji repaired,
    /// trailing annotation comment removed.
    pub display: String,
    /// The text with Markdown markup (emphasis, code spans, links but their text, inline HTML)
    /// and emoji stripped, whitespace collapsed: what binding matches against and every report
    /// shows.
    pub text: String,
    /// For an item written over several lines: `text` of its first line alone (a
    /// continuation line is weaker evidence of what the item asks). Empty for a one-line item.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lead: String,
    /// The box as written in the file (`[x]`/`[X]` is true). Criteria are always false.
    pub checked: bool,
    /// True for `1. [ ]` items.
    pub numbered: bool,
    /// Nesting: index of the parent item, and of the direct children.
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// `<!-- gonogo: ... -->` annotation on the item's line: the content after `gonogo:`,
    /// trimmed, with its byte range in the source.
    pub annotation: Option<Annotation>,
    /// For `Signoff` items: the label before the blanks ("Engineering Lead"), or the role a
    /// sign-off task names ("Security lead" for `- [ ] Security lead approves`).
    pub signoff_label: Option<String>,
    /// For `Signoff` items someone filled in by hand: what they wrote after the label, blanks
    /// dropped ("Jane Roe Date: 2026-11-30"). It is shown, never counted as an approval.
    pub signoff_filled: Option<String>,
    /// Read from a row of a table (a box column and a text column) rather than a list:
    /// write-back leaves the row alone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub table_row: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    pub content: String,
    pub line: usize,
    /// 1-based column of the first byte of `content`.
    pub column: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Heading level 1–6.
    pub level: u8,
    /// Repaired title, markup stripped.
    pub title: String,
    pub line: usize,
    /// Index of the enclosing section.
    pub parent: Option<usize>,
    /// Fenced code blocks directly under this section (before the next heading).
    pub code_blocks: Vec<CodeBlock>,
    /// Tables directly under this section.
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeBlock {
    /// The info string (`bash`), empty when none.
    pub lang: String,
    pub content: String,
    /// Line of the opening fence.
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub line: usize,
}

/// A problem in the checklist file itself, with its line (the file is named by the caller).
pub use gonogo_parsers::{Diagnostic, Severity};

impl Checklist {
    /// Items of a given kind, in document order.
    pub fn items_of(&self, kind: ItemKind) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.kind == kind)
    }
}
