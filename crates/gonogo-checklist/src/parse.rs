//! Markdown → [`Checklist`].
//!
//! pulldown-cmark does the CommonMark + GFM work (task lists, tables, fences, HTML comments);
//! this module turns its events into items, sections, code blocks and tables, and adds what
//! real checklists need on top: criteria bullets, sign-off slots, annotations, mojibake repair
//! and tolerance of malformed boxes.

use crate::model::*;
use crate::repair::{is_check_mark, is_decoration, repair_mojibake};
use crate::{NOTE_CLOSE, NOTE_OPEN};
use gonogo_parsers::LineIndex;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use regex::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

/// Parse checklist Markdown. Never panics; problems are returned as diagnostics.
pub fn parse(source: &str) -> Checklist {
    let lines = LineIndex::new(source);
    let (fixed, mut diagnostics) = fix_malformed_boxes(source, &lines);
    // Fixing boxes inserts spaces and drops a BOM, never a line break: line numbers agree.
    let fixed_lines = LineIndex::new(&fixed);
    let mut state = State::new(source, &lines, &fixed_lines);
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(&fixed, options).into_offset_iter() {
        state.event(event, range, &fixed);
    }
    state.finish_all(&fixed);
    diagnostics.append(&mut state.diagnostics);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    let mut checklist = Checklist {
        title: state.title,
        items: state.items,
        sections: state.sections,
        diagnostics,
    };
    assign_ids(&mut checklist);
    checklist
}

// Fixing boxes inserts spaces (see [`fix_malformed_boxes`]) and never changes line numbers, so
// one line index serves the original and the fixed source.

/// Byte range of 1-based `line` of `src` without its line ending.
fn line_span(lines: &LineIndex, src: &str, line: usize) -> Range<usize> {
    let mut span = lines.line_range(line);
    if span.end > span.start && src.as_bytes().get(span.end - 1) == Some(&b'\r') {
        span.end -= 1;
    }
    span
}

fn malformed_patterns() -> &'static [(Regex, &'static str); 3] {
    static RE: OnceLock<[(Regex, &'static str); 3]> = OnceLock::new();
    RE.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("valid pattern");
        [
            // `-[ ] item`: no space between the bullet and the box.
            (re(r"^(\s*(?:[-*+]|\d{1,9}[.)]))\[[ xX]\]\s"), "bullet"),
            // `- [] item`: an empty box.
            (re(r"^(\s*(?:[-*+]|\d{1,9}[.)])\s+\[)\]\s"), "empty"),
            // `- [x]item`: no space after the box.
            (
                re(r"^(\s*(?:[-*+]|\d{1,9}[.)])\s+\[[ xX]\])[^\s\]]"),
                "after",
            ),
        ]
    })
}

/// Malformed task boxes are real items with a typo: each gets a warning with its line, and a
/// space is inserted so the parser reads it as the task the author meant. Lines inside code
/// blocks and HTML blocks are left alone. Returns the source to parse.
fn fix_malformed_boxes(source: &str, lines: &LineIndex) -> (String, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let body = source.strip_prefix('\u{feff}').unwrap_or(source);
    let bom = source.len() - body.len();
    let looks_suspicious = body.lines().any(|l| {
        let t = l.trim_start();
        t.contains("[]") || t.contains("[ ]") || t.contains("[x]") || t.contains("[X]")
    });
    if !looks_suspicious {
        return (body.to_string(), diagnostics);
    }
    // Where code and HTML blocks are: their lines are content, not checklist.
    let mut opaque: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(body, Options::ENABLE_TASKLISTS).into_offset_iter() {
        if let Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) = event {
            opaque.push(range);
        }
    }
    let mut fixed = String::with_capacity(body.len() + 16);
    let mut offset = 0;
    for raw in body.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let inside = opaque.iter().any(|r| r.contains(&start));
        let line_text = raw.trim_end_matches(['\n', '\r']);
        let mut insert_at = None;
        if !inside {
            for (re, what) in malformed_patterns() {
                if let Some(c) = re.captures(line_text) {
                    let at = c.get(1).map_or(0, |m| m.end());
                    let message = match *what {
                        "bullet" => {
                            "malformed task box: no space between the bullet and `[ ]`; read as `- [ ]`"
                        }
                        "empty" => {
                            "malformed task box: `[]` is empty; read as `[ ]` (write `[ ]` or `[x]`)"
                        }
                        _ => "malformed task box: no space after the box; read as a task item",
                    };
                    let line = lines.line(bom + start);
                    diagnostics.push(Diagnostic {
                        severity: Severity::Warning,
                        code: "malformed-task-box",
                        file: String::new(),
                        message: message.into(),
                        line,
                        column: line_text[..at].chars().count().max(1),
                    });
                    insert_at = Some(at);
                    break;
                }
            }
        }
        if !inside && insert_at.is_none() {
            diagnostics.extend(unread_box(line_text, lines.line(bom + start)));
        }
        match insert_at {
            Some(at) => {
                fixed.push_str(&raw[..at]);
                fixed.push(' ');
                fixed.push_str(&raw[at..]);
            }
            None => fixed.push_str(raw),
        }
    }
    (fixed, diagnostics)
}

/// `[ ] text` without a list marker: not read as an item, so reported with how to fix it.
fn unread_box(line_text: &str, line: usize) -> Option<Diagnostic> {
    static BARE: OnceLock<Regex> = OnceLock::new();
    let bare = BARE.get_or_init(|| Regex::new(r"^(\s*)\[[ xX]\]\s+\S").expect("valid pattern"));
    let indent = bare.captures(line_text)?.get(1)?.as_str().chars().count();
    Some(Diagnostic {
        severity: Severity::Warning,
        code: "task-without-bullet",
        file: String::new(),
        message: "a box without a list marker is not read as an item; write `- [ ] …`".into(),
        line,
        column: indent + 1,
    })
}

/// An open list item while its events stream by.
struct Frame {
    numbered: bool,
    /// Line of the item's marker.
    line: usize,
    /// Index in `items` once the item is known to be a checklist item.
    item: Option<usize>,
    /// Still reading the item's own text (before a nested block).
    collecting: bool,
    /// Seen the first inline content (a criterion is decided there).
    decided: bool,
    /// The item's own text, for matching.
    text: String,
    /// Length of `text` at the item's first line break: the first line alone.
    first_break: Option<usize>,
    /// Source range of the item's own inline content.
    inline: Option<Range<usize>>,
    /// The box, when the item has one.
    task: Option<bool>,
    /// Paragraphs seen: the text is the first paragraph only.
    paragraphs: usize,
    /// Inside a write-back note (`<sub>gonogo: …</sub>`): not the author's text.
    in_note: bool,
    /// Just saw `<sub>`: a note if the text that follows starts with `gonogo:`.
    sub_open: bool,
}

enum Capture {
    Heading {
        level: u8,
        line: usize,
        text: String,
    },
    Code {
        lang: String,
        line: usize,
        text: String,
    },
    Table {
        table: Table,
        row: Vec<String>,
        cell: String,
        in_head: bool,
        /// Line of each body row.
        row_lines: Vec<usize>,
    },
}

struct State<'s> {
    source: &'s str,
    /// Lines of the original source (for spans shown and rewritten).
    lines: &'s LineIndex,
    /// Lines of the parsed source (for offsets from the parser).
    fixed_lines: &'s LineIndex,
    title: Option<String>,
    items: Vec<Item>,
    sections: Vec<Section>,
    diagnostics: Vec<Diagnostic>,
    /// Open sections, outermost first (indices into `sections`).
    heading_stack: Vec<usize>,
    /// Open lists: whether each is numbered.
    lists: Vec<bool>,
    frames: Vec<Frame>,
    capture: Option<Capture>,
}

impl<'s> State<'s> {
    fn new(source: &'s str, lines: &'s LineIndex, fixed_lines: &'s LineIndex) -> Self {
        State {
            source,
            lines,
            fixed_lines,
            title: None,
            items: Vec::new(),
            sections: Vec::new(),
            diagnostics: Vec::new(),
            heading_stack: Vec::new(),
            lists: Vec::new(),
            frames: Vec::new(),
            capture: None,
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>, fixed: &str) {
        // Headings, code blocks and tables capture their own text.
        if let Some(capture) = &mut self.capture {
            match (&event, capture) {
                (Event::End(TagEnd::Heading(_)), _) => return self.end_heading(),
                (Event::End(TagEnd::CodeBlock), _) => return self.end_code(),
                (Event::End(TagEnd::Table), _) => return self.end_table(),
                (Event::Text(t) | Event::Code(t), Capture::Heading { text, .. }) => {
                    text.push_str(t)
                }
                (Event::SoftBreak | Event::HardBreak, Capture::Heading { text, .. }) => {
                    text.push(' ')
                }
                (Event::Text(t), Capture::Code { text, .. }) => text.push_str(t),
                (Event::Start(Tag::TableHead), Capture::Table { in_head, .. }) => *in_head = true,
                (Event::Start(Tag::TableRow), Capture::Table { row_lines, .. }) => {
                    row_lines.push(self.fixed_lines.line(range.start))
                }
                (
                    Event::End(TagEnd::TableHead),
                    Capture::Table {
                        table,
                        row,
                        in_head,
                        ..
                    },
                ) => {
                    table.header = std::mem::take(row);
                    *in_head = false;
                }
                (Event::End(TagEnd::TableRow), Capture::Table { table, row, .. }) => {
                    table.rows.push(std::mem::take(row));
                }
                (Event::End(TagEnd::TableCell), Capture::Table { row, cell, .. }) => {
                    row.push(clean_text(&std::mem::take(cell)));
                }
                (Event::Text(t) | Event::Code(t), Capture::Table { cell, .. }) => cell.push_str(t),
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.stop_collecting(fixed);
                self.capture = Some(Capture::Heading {
                    level: level as u8,
                    line: self.fixed_lines.line(range.start),
                    text: String::new(),
                });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                self.stop_collecting(fixed);
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.capture = Some(Capture::Code {
                    lang,
                    line: self.fixed_lines.line(range.start),
                    text: String::new(),
                });
            }
            Event::Start(Tag::Table(_)) => {
                self.stop_collecting(fixed);
                self.capture = Some(Capture::Table {
                    table: Table {
                        header: Vec::new(),
                        rows: Vec::new(),
                        line: self.fixed_lines.line(range.start),
                    },
                    row: Vec::new(),
                    cell: String::new(),
                    in_head: false,
                    row_lines: Vec::new(),
                });
            }
            Event::Start(Tag::List(start)) => {
                self.stop_collecting(fixed);
                self.lists.push(start.is_some());
            }
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
            }
            Event::Start(Tag::Item) => {
                self.frames.push(Frame {
                    numbered: self.lists.last().copied().unwrap_or(false),
                    line: self.fixed_lines.line(range.start),
                    item: None,
                    collecting: true,
                    decided: false,
                    text: String::new(),
                    first_break: None,
                    inline: None,
                    task: None,
                    paragraphs: 0,
                    in_note: false,
                    sub_open: false,
                });
            }
            Event::End(TagEnd::Item) => {
                self.stop_collecting(fixed);
                self.frames.pop();
            }
            Event::Start(Tag::Paragraph) => {
                if let Some(f) = self.frames.last_mut() {
                    f.paragraphs += 1;
                    if f.paragraphs > 1 {
                        self.stop_collecting(fixed);
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => self.stop_collecting(fixed),
            Event::Start(Tag::BlockQuote(_) | Tag::HtmlBlock) => self.stop_collecting(fixed),
            Event::Html(_) => self.stray_annotations(fixed, range),
            Event::TaskListMarker(checked) => {
                if let Some(f) = self.frames.last_mut()
                    && f.collecting
                    && !f.decided
                {
                    f.task = Some(checked);
                    f.decided = true;
                    self.open_item(ItemKind::Task, checked);
                }
            }
            Event::Text(_)
            | Event::Code(_)
            | Event::InlineHtml(_)
            | Event::SoftBreak
            | Event::HardBreak
            | Event::FootnoteReference(_)
            | Event::InlineMath(_)
            | Event::Start(_)
            | Event::End(_) => self.inline(event, range),
            _ => {}
        }
    }

    /// Inline content of the innermost open item.
    fn inline(&mut self, event: Event<'_>, range: Range<usize>) {
        let Some(f) = self.frames.last_mut() else {
            return;
        };
        if !f.collecting {
            return;
        }
        if !f.decided {
            f.decided = true;
            // A bullet that opens with a check mark is a success criterion.
            if let Event::Text(t) = &event {
                let repaired = repair_mojibake(t);
                if repaired
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(is_check_mark)
                {
                    self.open_item(ItemKind::Criterion, false);
                }
            }
        }
        let Some(f) = self.frames.last_mut() else {
            return;
        };
        // Write-back notes are ours, not the author's: left out of the text.
        match &event {
            Event::InlineHtml(h) if h.trim() == "<sub>" => {
                f.sub_open = true;
                return;
            }
            Event::InlineHtml(h) if f.in_note && h.trim() == "</sub>" => {
                f.in_note = false;
                return;
            }
            Event::Text(t)
                if f.sub_open && t.starts_with(NOTE_OPEN["<sub>".len()..].trim_end()) =>
            {
                f.in_note = true;
            }
            _ => {}
        }
        f.sub_open = false;
        if f.in_note {
            return;
        }
        match &event {
            Event::Text(t) | Event::Code(t) => f.text.push_str(t),
            Event::SoftBreak | Event::HardBreak => {
                f.first_break.get_or_insert(f.text.len());
                f.text.push(' ');
            }
            _ => {}
        }
        f.inline = Some(match f.inline.take() {
            Some(r) => r.start.min(range.start)..r.end.max(range.end),
            None => range,
        });
    }

    fn open_item(&mut self, kind: ItemKind, checked: bool) {
        let index = self.items.len();
        let parent = self.frames.iter().rev().skip(1).find_map(|f| f.item);
        let Some(f) = self.frames.last_mut() else {
            return;
        };
        f.item = Some(index);
        let line = f.line;
        if let Some(p) = parent {
            self.items[p].children.push(index);
        }
        self.items.push(Item {
            id: String::new(),
            kind,
            line,
            line_span: line_span(self.lines, self.source, line),
            section: self.heading_stack.last().copied(),
            section_path: self
                .heading_stack
                .iter()
                .map(|&s| self.sections[s].title.clone())
                .collect(),
            display: String::new(),
            text: String::new(),
            checked,
            numbered: f.numbered,
            parent,
            children: Vec::new(),
            annotation: None,
            signoff_label: None,
            signoff_filled: None,
            lead: String::new(),
            table_row: false,
        });
    }

    /// The innermost item's own text is complete: settle its display text, matching text,
    /// annotation and kind.
    fn stop_collecting(&mut self, fixed: &str) {
        let Some(f) = self.frames.last_mut() else {
            return;
        };
        if !f.collecting {
            return;
        }
        f.collecting = false;
        let Some(index) = f.item else {
            return;
        };
        let inline_start = f.inline.as_ref().map_or(0, |r| r.start);
        let raw = f
            .inline
            .clone()
            .and_then(|r| fixed.get(r))
            .unwrap_or_default();
        let text = std::mem::take(&mut f.text);
        let lead = f.first_break.take().map(|at| clean_text(&text[..at]));
        for (at, message) in malformed_annotations(raw) {
            let (line, column) = self.fixed_lines.line_col(fixed, inline_start + at);
            self.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                code: "annotation-malformed",
                file: String::new(),
                line,
                column,
                message,
            });
        }
        let annotation = display_text(raw)
            .1
            .and_then(|rel| self.annotation(raw, rel, self.items[index].line));
        let last = index + 1 == self.items.len();
        let item = &mut self.items[index];
        item.display = display_text(raw).0;
        item.text = clean_text(&text);
        item.lead = lead.unwrap_or_default();
        if item.kind == ItemKind::Criterion {
            item.display = strip_check_mark(&item.display);
            item.text = strip_check_mark(&item.text);
        }
        item.annotation = annotation;
        classify_signoff(item);
        // A box with nothing after it says nothing to do: reported, and not an item. It is
        // the last item read (its sub-items open after this), so dropping it moves no index.
        if item.kind == ItemKind::Task && item.text.is_empty() && item.annotation.is_none() && last
        {
            let line = item.line;
            self.items.pop();
            if let Some(p) = self.frames.iter().rev().skip(1).find_map(|f| f.item) {
                self.items[p].children.retain(|&c| c != index);
            }
            if let Some(f) = self.frames.last_mut() {
                f.item = None;
            }
            self.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                code: "task-empty",
                file: String::new(),
                message: "a box with no text is not read as an item; write what is to be done after it (`- [ ] Backups restored in staging`)".into(),
                line,
                column: 1,
            });
        }
    }

    /// `<!-- gonogo… -->` comments in an HTML block (a comment on a line of its own): never
    /// read as annotations, so never silently ignored. Under an item it is an error (the author
    /// meant to bind that item); elsewhere a warning.
    fn stray_annotations(&mut self, fixed: &str, range: Range<usize>) {
        let block = fixed.get(range.clone()).unwrap_or_default();
        let under_item = self.frames.iter().any(|f| f.item.is_some());
        let mut from = 0;
        while let Some(found) = block[from..].find("<!--") {
            let at = from + found;
            from = at + 4;
            let head = block[at + 4..].trim_start();
            let Some(prefix) = head.get(..6).filter(|p| p.eq_ignore_ascii_case("gonogo")) else {
                continue;
            };
            if head[6..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                continue;
            }
            let (line, column) = self.fixed_lines.line_col(fixed, range.start + at);
            let (severity, place) = if under_item {
                (Severity::Error, "on a line of its own under an item")
            } else {
                (Severity::Warning, "outside any item")
            };
            self.diagnostics.push(Diagnostic {
                severity,
                code: "annotation-misplaced",
                file: String::new(),
                line,
                column,
                message: format!(
                    "`<!-- {prefix}…` {place} is not read: put `<!-- gonogo: check.id key=value -->` at the end of the item's line"
                ),
            });
        }
    }

    /// The `<!-- gonogo: … -->` comment at `rel` in the item's raw text, located in the
    /// original source so columns match what the user sees.
    fn annotation(&self, raw: &str, rel: usize, item_line: usize) -> Option<Annotation> {
        let comment = &raw[rel..];
        let end = comment.find("-->")?;
        let inner = &comment[4..end];
        let after_prefix = inner.trim_start().strip_prefix("gonogo:")?;
        let content = after_prefix.trim();
        // The comment may sit on a continuation line of the item.
        let line = item_line + raw[..rel].matches('\n').count();
        let span = line_span(self.lines, self.source, line);
        let line_text = self.source.get(span).unwrap_or_default();
        let column = line_text
            .find("gonogo:")
            .map(|p| {
                let after = &line_text[p + "gonogo:".len()..];
                let skipped = after.len() - after.trim_start().len();
                line_text[..p + "gonogo:".len() + skipped].chars().count() + 1
            })
            .unwrap_or(1);
        Some(Annotation {
            content: content.to_string(),
            line,
            column,
        })
    }

    fn end_heading(&mut self) {
        let Some(Capture::Heading { level, line, text }) = self.capture.take() else {
            return;
        };
        let title = clean_title(&text);
        while let Some(&top) = self.heading_stack.last() {
            if self.sections[top].level >= level {
                self.heading_stack.pop();
            } else {
                break;
            }
        }
        if level == 1 && self.title.is_none() {
            self.title = Some(title.clone());
        }
        self.sections.push(Section {
            level,
            title,
            line,
            parent: self.heading_stack.last().copied(),
            code_blocks: Vec::new(),
            tables: Vec::new(),
        });
        self.heading_stack.push(self.sections.len() - 1);
    }

    fn end_code(&mut self) {
        let Some(Capture::Code { lang, line, text }) = self.capture.take() else {
            return;
        };
        if let Some(&s) = self.heading_stack.last() {
            self.sections[s].code_blocks.push(CodeBlock {
                lang,
                content: text,
                line,
            });
        }
    }

    fn end_table(&mut self) {
        let Some(Capture::Table {
            table, row_lines, ..
        }) = self.capture.take()
        else {
            return;
        };
        self.table_items(&table, &row_lines);
        if let Some(&s) = self.heading_stack.last() {
            self.sections[s].tables.push(table);
        }
    }

    /// A table with a box column is a checklist: each row with text is a task (or a sign-off
    /// slot, under a sign-off heading). A table that looks like one but cannot be read gets a
    /// warning that its rows are not read.
    fn table_items(&mut self, table: &Table, row_lines: &[usize]) {
        let (boxes, text) = match table_columns(table, row_lines) {
            TableShape::Plain => return,
            TableShape::Unreadable(why) => {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    code: "table-not-read",
                    file: String::new(),
                    message: format!(
                        "this table looks like a checklist but its rows are not read: {why}; put `[ ]` or `[x]` in one column and the item in another, or write the items as `- [ ] …`"
                    ),
                    line: table.line,
                    column: 1,
                });
                return;
            }
            TableShape::Checklist { boxes, text } => (boxes, text),
        };
        for (row, &line) in table.rows.iter().zip(row_lines) {
            let Some(cell) = row.get(text).filter(|t| !t.is_empty()) else {
                continue;
            };
            let checked = row.get(boxes).and_then(|c| cell_box(c)).unwrap_or(false);
            let mut item = Item {
                id: String::new(),
                kind: ItemKind::Task,
                line,
                line_span: line_span(self.lines, self.source, line),
                section: self.heading_stack.last().copied(),
                section_path: self
                    .heading_stack
                    .iter()
                    .map(|&s| self.sections[s].title.clone())
                    .collect(),
                display: cell.clone(),
                text: cell.clone(),
                checked,
                numbered: false,
                parent: None,
                children: Vec::new(),
                annotation: None,
                signoff_label: None,
                signoff_filled: None,
                table_row: true,
                lead: String::new(),
            };
            classify_signoff(&mut item);
            self.items.push(item);
        }
    }

    fn finish_all(&mut self, fixed: &str) {
        while !self.frames.is_empty() {
            self.stop_collecting(fixed);
            self.frames.pop();
        }
        match self.capture {
            Some(Capture::Heading { .. }) => self.end_heading(),
            Some(Capture::Code { .. }) => self.end_code(),
            Some(Capture::Table { .. }) => self.end_table(),
            None => {}
        }
    }
}

/// Comments in an item's raw inline source that were meant as annotations but are not read as
/// one: `<!-- gonogo files.exists … -->` (no colon), `<!-- GONOGO: … -->` (the prefix is
/// lowercase), `<!-- gonogo: …` never closed. Each is an error at its offset in `raw`: the
/// author asked for a check, and the item must not silently fall back to another binding or to
/// a person.
fn malformed_annotations(raw: &str) -> Vec<(usize, String)> {
    const FORM: &str = "write `<!-- gonogo: check.id key=value -->`";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = raw[from..].find("<!--") {
        let at = from + found;
        from = at + 4;
        let body = &raw[at + 4..];
        let head = body.trim_start();
        let closed = body.contains("-->");
        if head.starts_with("gonogo:") {
            if !closed {
                out.push((
                    at,
                    format!(
                        "annotation never closed: `<!-- gonogo:` has no `-->` on the item; {FORM}"
                    ),
                ));
            }
            continue;
        }
        let Some(prefix) = head.get(..6).filter(|p| p.eq_ignore_ascii_case("gonogo")) else {
            continue;
        };
        let next = head[6..].chars().next();
        if next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            // `<!-- gonogos … -->`, `<!-- gonogo-note -->`: another word.
            continue;
        }
        let message = if next == Some(':') {
            format!(
                "annotation prefix `{prefix}:` is not read: it must be lowercase `gonogo:`; {FORM}"
            )
        } else {
            format!("annotation without a colon after `{prefix}` is not read; {FORM}")
        };
        out.push((at, message));
    }
    out
}

/// The item's raw inline source as shown: annotation removed, lines joined, emoji repaired.
/// Also returns where the annotation comment starts in `raw`.
fn display_text(raw: &str) -> (String, Option<usize>) {
    let raw_without_note = strip_note(raw);
    let raw = raw_without_note.as_str();
    let mut shown = String::with_capacity(raw.len());
    let mut annotation = None;
    let mut rest = raw;
    let mut consumed = 0;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let is_gonogo = after.trim_start().starts_with("gonogo:");
        if !is_gonogo {
            shown.push_str(&rest[..start + 4]);
            consumed += start + 4;
            rest = after;
            continue;
        }
        shown.push_str(&rest[..start]);
        annotation.get_or_insert(consumed + start);
        match after.find("-->") {
            Some(end) => {
                consumed += start + 4 + end + 3;
                rest = &after[end + 3..];
            }
            None => {
                rest = "";
            }
        }
    }
    shown.push_str(rest);
    let joined: Vec<&str> = shown.split('\n').map(str::trim).collect();
    (repair_mojibake(joined.join(" ").trim()), annotation)
}

/// `raw` without write-back notes (same length before the first note, so annotation offsets
/// found in it hold in `raw`).
fn strip_note(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find(NOTE_OPEN) {
        out.push_str(&rest[..start]);
        match rest[start..].find(NOTE_CLOSE) {
            Some(end) => rest = &rest[start + end + NOTE_CLOSE.len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text for matching: emoji repaired then dropped, whitespace collapsed.
fn clean_text(text: &str) -> String {
    let repaired = repair_mojibake(text);
    let kept: String = repaired
        .chars()
        .map(|c| {
            if is_decoration(c) && !is_check_mark(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A heading title as shown: repaired, emoji kept, whitespace collapsed.
fn clean_title(text: &str) -> String {
    repair_mojibake(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn strip_check_mark(s: &str) -> String {
    let t = s.trim_start();
    let t = t.strip_prefix(|c: char| is_check_mark(c)).unwrap_or(t);
    t.trim_start_matches(['\u{FE0F}', ' ']).to_string()
}

/// A task that is a sign-off slot becomes one: a fill-in line anywhere, and under a sign-off
/// heading a filled-in line or a task naming a role.
fn classify_signoff(item: &mut Item) {
    if item.kind != ItemKind::Task {
        return;
    }
    let in_signoff_section = item.section_path.iter().any(|t| is_signoff_heading(t));
    if let Some(slot) = signoff_slot(&item.text, in_signoff_section, item.checked) {
        item.kind = ItemKind::Signoff;
        item.signoff_label = Some(slot.label);
        item.signoff_filled = slot.filled;
    } else if in_signoff_section && let Some(role) = signoff_role(&item.text) {
        item.kind = ItemKind::Signoff;
        item.signoff_label = Some(role);
    }
}

/// What a table is, read from its header and cells.
enum TableShape {
    /// No box column: a table, not a checklist.
    Plain,
    /// It looks like a checklist (a box-like header or `[ ]` cells) but cannot be read as one.
    Unreadable(String),
    /// The index of the box column and of the item text column.
    Checklist { boxes: usize, text: usize },
}

/// Headers of a column of boxes.
const BOX_HEADERS: &[&str] = &[
    "done",
    "status",
    "✓",
    "✔",
    "✅",
    "☑",
    "check",
    "checked",
    "complete",
    "completed",
    "[x]",
    "[ ]",
    "ok",
];
/// Headers of the column holding what is to be done.
const TEXT_HEADERS: &[&str] = &[
    "item",
    "items",
    "task",
    "tasks",
    "description",
    "requirement",
    "requirements",
    "criterion",
    "criteria",
    "step",
    "steps",
    "action",
    "control",
    "check",
    "what",
    "role",
];

/// A box cell (cleaned: emoji such as ☐ and ❌ are already dropped): ticked, not ticked, or
/// `None` for text that is no box.
fn cell_box(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "[x]" | "x" | "✓" | "✔" | "✅" | "☑" | "yes" | "done" => Some(true),
        "[ ]" | "[]" | "" | "no" | "todo" | "to do" | "pending" | "-" => Some(false),
        _ => None,
    }
}

fn table_columns(table: &Table, row_lines: &[usize]) -> TableShape {
    let cell = |row: &Vec<String>, i: usize| row.get(i).map_or("", String::as_str).to_string();
    let box_header = |i: usize| BOX_HEADERS.contains(&table.header[i].to_lowercase().as_str());
    let literal_box = |c: &str| matches!(c.trim(), "[ ]" | "[x]" | "[X]");
    let readable = |i: usize| table.rows.iter().all(|r| cell_box(&cell(r, i)).is_some());
    let has_literal = |i: usize| table.rows.iter().any(|r| literal_box(&cell(r, i)));
    let width = table.header.len();
    if table.rows.is_empty() {
        return TableShape::Plain;
    }
    let boxes = (0..width).find(|&i| readable(i) && (has_literal(i) || box_header(i)));
    let Some(boxes) = boxes else {
        // A column headed like one, or holding `[ ]` cells, whose cells are not all boxes.
        let Some(i) = (0..width).find(|&i| box_header(i) || has_literal(i)) else {
            return TableShape::Plain;
        };
        let (unread, line) = table
            .rows
            .iter()
            .zip(row_lines)
            .map(|(r, l)| (cell(r, i), *l))
            .find(|(c, _)| cell_box(c).is_none())
            .unwrap_or_default();
        return TableShape::Unreadable(format!(
            "column `{}` holds `{unread}` (line {line}), which is no box",
            table.header[i]
        ));
    };
    let named = (0..width)
        .find(|&j| j != boxes && TEXT_HEADERS.contains(&table.header[j].to_lowercase().as_str()));
    let text = named.or_else(|| {
        (0..width).find(|&j| j != boxes && table.rows.iter().any(|r| !cell(r, j).is_empty()))
    });
    match text {
        Some(text) => TableShape::Checklist { boxes, text },
        None => TableShape::Unreadable(format!(
            "no column beside `{}` holds the items' text",
            table.header[boxes]
        )),
    }
}

/// A sign-off slot read off its line.
struct SignoffSlot {
    label: String,
    /// What was written by hand in place of the blanks, if anything.
    filled: Option<String>,
}

/// The fields a sign-off line may carry after its label (`… Date: ____`).
const SIGNOFF_FIELDS: [&str; 6] = ["date", "time", "signature", "signed", "name", "initials"];

/// `Date:` → `Date`: a word that names one of a sign-off line's fields.
fn field_name(word: &str) -> Option<&str> {
    word.strip_suffix(':')
        .filter(|f| SIGNOFF_FIELDS.contains(&f.to_ascii_lowercase().as_str()))
}

/// `Engineering Lead: ____ Date: ____` → slot `Engineering Lead`. A line is a sign-off slot
/// when it holds a fill-in blank (three or more underscores), or, once somebody filled it in
/// by hand (`Engineering Lead: Jane Roe Date: 2026-11-30`), when it sits under a sign-off
/// heading, has a short `Label:` and is ticked or dated: filling in a slot must not turn it
/// into an ordinary item.
fn signoff_slot(text: &str, in_signoff_section: bool, checked: bool) -> Option<SignoffSlot> {
    if let Some(blank) = text.find("___") {
        let before = &text[..blank];
        let label = match before.find(':') {
            Some(colon) => &before[..colon],
            None => before,
        };
        let label = label
            .trim()
            .trim_matches(|c: char| c == '*' || c == '_')
            .trim();
        if label.is_empty() {
            return None;
        }
        let filled = text
            .split_once(':')
            .and_then(|(_, rest)| filled_value(rest));
        return Some(SignoffSlot {
            label: label.to_string(),
            filled,
        });
    }
    if !in_signoff_section {
        return None;
    }
    let (label, rest) = text.split_once(':')?;
    let label = label.trim().trim_matches('*').trim();
    let words = label.split_whitespace().count();
    if label.is_empty() || words > 5 || rest.trim().is_empty() {
        return None;
    }
    if !checked && !has_date(rest) {
        return None;
    }
    Some(SignoffSlot {
        label: label.to_string(),
        filled: filled_value(rest),
    })
}

/// The hand-written part of a slot after its label: blanks dropped, whitespace collapsed;
/// `None` when nothing but blanks and field names is left.
fn filled_value(rest: &str) -> Option<String> {
    let kept = rest
        .split_whitespace()
        .map(|w| w.trim_matches('_'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>();
    let only_fields = kept.iter().all(|w| field_name(w).is_some());
    if kept.is_empty() || only_fields {
        return None;
    }
    let value = kept.join(" ");
    // A name and a date; a paragraph here is cut for display.
    Some(match value.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value,
    })
}

/// A date as people write it on a form: 2026-11-30, 30/11/2026, 11.30.26.
fn has_date(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .any(|w| {
            let parts: Vec<&str> = w.split(['-', '/', '.']).collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Headings under which `Label: value` lines and tasks naming a role are sign-offs
/// ("Sign-off", "Required sign-offs", "Approvals", "Stakeholder approval", "Deployment
/// Authorization", "Go/No-Go", "Signatures").
fn is_signoff_heading(title: &str) -> bool {
    let t = title.to_ascii_lowercase();
    [
        "sign-off",
        "signoff",
        "sign off",
        "approval",
        "approver",
        "authoris",
        "authoriz",
        "go/no-go",
        "signature",
    ]
    .iter()
    .any(|k| t.contains(k))
}

/// The last word of a role as checklists name them ("Security lead", "Product owner", "QA").
const ROLE_WORDS: &[&str] = &[
    "lead",
    "leads",
    "owner",
    "owners",
    "manager",
    "managers",
    "engineer",
    "engineers",
    "team",
    "director",
    "head",
    "officer",
    "architect",
    "admin",
    "administrator",
    "qa",
    "cto",
    "ciso",
    "ceo",
    "cfo",
    "coo",
    "cio",
    "cpo",
    "vp",
    "sre",
    "devops",
    "dba",
    "reviewer",
    "approver",
    "stakeholder",
    "stakeholders",
    "counsel",
    "legal",
    "compliance",
    "security",
    "sponsor",
    "on-call",
    "president",
    "analyst",
    "steward",
    "board",
    "committee",
    "dpo",
    "ops",
    "operations",
    "support",
    "finance",
    "representative",
    "captain",
    "chair",
];

/// What a sign-off task may say around its role: "Approved by Security lead", "Product owner
/// approves", "QA sign-off".
const ROLE_PREFIXES: &[&str] = &[
    "approved by ",
    "approval by ",
    "approval from ",
    "sign-off by ",
    "sign-off from ",
    "signoff from ",
    "signed off by ",
    "signed by ",
];
const ROLE_SUFFIXES: &[&str] = &[
    " has signed off",
    " has approved",
    " signed off",
    " signs off",
    " sign-off",
    " sign off",
    " signoff",
    " signature",
    " approves",
    " approved",
    " approval",
    " review",
];

/// The role a task under a sign-off heading names: `Security lead`, `Product owner approves`,
/// `QA sign-off`, `Approved by CTO (Alice)` give `Security lead`, `Product owner`, `QA`, `CTO`.
/// `None` for a task that is not a role ("All tests pass").
fn signoff_role(text: &str) -> Option<String> {
    // A name or a note after the role is not part of it: `CTO (Alice)`, `CTO — Alice`.
    let cut = [" (", " — ", " – ", " - "]
        .iter()
        .filter_map(|sep| text.find(sep))
        .min()
        .unwrap_or(text.len());
    let mut role = text[..cut].trim().trim_end_matches(['.', ':', ';']).trim();
    // ASCII lowercase keeps byte offsets, so the role keeps the author's case.
    let lower = role.to_ascii_lowercase();
    if let Some(p) = ROLE_PREFIXES.iter().find(|p| lower.starts_with(**p)) {
        role = role[p.len()..].trim_start();
    }
    let lower = role.to_ascii_lowercase();
    if let Some(s) = ROLE_SUFFIXES.iter().find(|s| lower.ends_with(**s)) {
        role = role[..role.len() - s.len()].trim_end();
    }
    let words: Vec<String> = role
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let is_role_word = |w: &String| ROLE_WORDS.contains(&w.as_str());
    // `Head of Security`, `VP of Engineering`: the role word comes before `of`.
    let head = match words.iter().position(|w| w == "of") {
        Some(of) if of > 0 => &words[of - 1],
        _ => words.last()?,
    };
    // A task addressed to people is not their sign-off: `Notify the support team`.
    let task_like = words
        .first()
        .is_some_and(|w| TASK_VERBS.contains(&w.as_str()))
        || words
            .iter()
            .any(|w| matches!(w.as_str(), "the" | "a" | "an" | "all" | "every" | "each"));
    let plausible = words.len() <= 4
        && is_role_word(head)
        && !task_like
        && !role.chars().any(|c| c.is_ascii_digit());
    plausible.then(|| role.to_string())
}

/// Verbs a checklist task opens with; a task that opens with one is not a role.
const TASK_VERBS: &[&str] = &[
    "notify", "inform", "contact", "ping", "email", "alert", "update", "escalate", "page", "tell",
    "brief", "confirm", "verify", "check", "ensure", "review", "schedule", "assign", "invite",
    "ask", "book", "train", "add", "set", "create", "run", "test",
];

/// The text a filled-in sign-off slot's id is made of: its label and the names of its fields,
/// never what was filled in, so the id is the one the blank form had
/// (`Engineering Lead: Jane Roe Date: 2026-11-30` → `Engineering Lead: ___ Date: ___`).
fn signoff_template(label: &str, text: &str) -> String {
    let mut out = format!("{label}: ___");
    let rest = text.split_once(':').map_or("", |(_, r)| r);
    for w in rest.split_whitespace() {
        if let Some(field) = field_name(w) {
            out.push_str(&format!(" {field}: ___"));
        }
    }
    out
}

/// Lowercase ASCII slug, at most `max` bytes, cut at a word boundary.
fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.len() <= max {
        return out.to_string();
    }
    let cut = out[..max]
        .rfind('-')
        .filter(|&p| p > max / 2)
        .unwrap_or(max);
    out[..cut].to_string()
}

/// Section titles lose their leading numbering in ids (`3. Security Hardening`).
fn section_slug(title: &str) -> String {
    let t = title.trim_start();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    let t = if digits > 0 && t[digits..].starts_with(". ") {
        &t[digits + 2..]
    } else {
        t
    };
    slug(t, 40)
}

/// Stable ids: the innermost section, the parent items and the item's own text, as slugs;
/// a repeat in the same place gets `-2`, `-3`.
fn assign_ids(checklist: &mut Checklist) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in 0..checklist.items.len() {
        let mut parts = Vec::new();
        let mut p = checklist.items[i].parent;
        while let Some(pi) = p {
            parts.push(slug(&checklist.items[pi].text, 40));
            p = checklist.items[pi].parent;
        }
        if let Some(s) = checklist.items[i].section {
            parts.push(section_slug(&checklist.sections[s].title));
        }
        parts.reverse();
        let item = &checklist.items[i];
        // A filled-in slot keeps the id of its blank form.
        let own = match (&item.signoff_label, &item.signoff_filled) {
            (Some(label), Some(_)) => slug(&signoff_template(label, &item.text), 60),
            _ => slug(&item.text, 60),
        };
        parts.push(if own.is_empty() { "item".into() } else { own });
        let base: String = parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        checklist.items[i].id = if *n == 1 { base } else { format!("{base}-{n}") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_criteria_and_signoffs() {
        let src = "# Release\n\n## Security 🔒\n- [ ] **No** hardcoded `secrets`\n  - [x] nested one\n* [X] star\n+ [ ] plus\n1. [ ] numbered\n- ✅ Error rate < 0.5%\n- plain bullet\n- [ ] Engineering Lead: ______ Date: _____\n";
        let c = parse(src);
        let kinds: Vec<_> = c.items.iter().map(|i| (i.kind, i.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (ItemKind::Task, "No hardcoded secrets"),
                (ItemKind::Task, "nested one"),
                (ItemKind::Task, "star"),
                (ItemKind::Task, "plus"),
                (ItemKind::Task, "numbered"),
                (ItemKind::Criterion, "Error rate < 0.5%"),
                (ItemKind::Signoff, "Engineering Lead: ______ Date: _____"),
            ]
        );
        assert_eq!(c.items[0].display, "**No** hardcoded `secrets`");
        assert_eq!(c.items[0].children, vec![1]);
        assert_eq!(c.items[1].parent, Some(0));
        assert!(c.items[1].checked && c.items[2].checked && !c.items[3].checked);
        assert!(c.items[4].numbered);
        assert_eq!(
            c.items[6].signoff_label.as_deref(),
            Some("Engineering Lead")
        );
        assert_eq!(c.items[0].section_path, vec!["Release", "Security 🔒"]);
        assert_eq!(c.items[0].id, "security/no-hardcoded-secrets");
        assert_eq!(c.items[1].id, "security/no-hardcoded-secrets/nested-one");
        assert_eq!(c.title.as_deref(), Some("Release"));
        assert_eq!(c.items[0].line, 4);
        assert_eq!(
            &src[c.items[0].line_span.clone()],
            "- [ ] **No** hardcoded `secrets`"
        );
    }

    #[test]
    fn signoff_slots_filled_in_by_hand_stay_slots_with_their_ids() {
        let blank = "## Sign-off\n- [ ] Engineering Lead: ________ Date: _____\n- [ ] Rollback Plan Tested: ______\n- [ ] Security Team: ______ Date: ____\n";
        let filled = "## Sign-off\n- [x] Engineering Lead: Jane Roe Date: 2026-11-30\n- [x] Rollback Plan Tested: yes\n- [ ] Security Team: Sam Poe Date: ____\n";
        let (b, f) = (parse(blank), parse(filled));
        for (bi, fi) in b.items.iter().zip(&f.items) {
            assert_eq!(fi.kind, ItemKind::Signoff, "{}", fi.text);
            assert_eq!((&bi.id, &bi.signoff_label), (&fi.id, &fi.signoff_label));
            assert_eq!(bi.signoff_filled, None);
        }
        assert_eq!(f.items[0].id, "sign-off/engineering-lead-date");
        let filled: Vec<_> = f
            .items
            .iter()
            .map(|i| i.signoff_filled.as_deref())
            .collect();
        assert_eq!(
            filled,
            [
                Some("Jane Roe Date: 2026-11-30"),
                Some("yes"),
                Some("Sam Poe Date:")
            ]
        );
        // Outside a sign-off section, or neither ticked nor dated, `Label: text` is an item.
        let c = parse(
            "## Tests\n- [x] Coverage: above 80%\n## Approvals\n- [ ] Note: ask Sam\n- [ ] Budget: signed 30/11/2026\n",
        );
        let kinds: Vec<_> = c.items.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [ItemKind::Task, ItemKind::Task, ItemKind::Signoff]);
        assert_eq!(
            c.items[2].signoff_filled.as_deref(),
            Some("signed 30/11/2026")
        );
    }

    #[test]
    fn tasks_naming_a_role_under_a_sign_off_heading_are_slots() {
        let src = "## Required sign-offs\n\
- [ ] Security lead\n\
- [ ] Product owner approves\n\
- [ ] QA sign-off\n\
- [x] Approved by CTO (Alice)\n\
- [ ] Head of Security\n\
- [ ] All tests pass\n\
- [ ] Notify the support team\n\
- [ ] Engineering Lead: ____ Date: ____\n\
## Stakeholder approval\n- [ ] Legal\n\
## Release\n- [ ] Security lead\n";
        let c = parse(src);
        let read: Vec<(ItemKind, Option<&str>)> = c
            .items
            .iter()
            .map(|i| (i.kind, i.signoff_label.as_deref()))
            .collect();
        use ItemKind::{Signoff, Task};
        assert_eq!(
            read,
            [
                (Signoff, Some("Security lead")),
                (Signoff, Some("Product owner")),
                (Signoff, Some("QA")),
                (Signoff, Some("CTO")),
                (Signoff, Some("Head of Security")),
                (Task, None),
                (Task, None),
                (Signoff, Some("Engineering Lead")),
                (Signoff, Some("Legal")),
                (Task, None),
            ]
        );
        // The id is the one the task had: made of its text.
        assert_eq!(c.items[1].id, "required-sign-offs/product-owner-approves");
        assert!(c.items[3].checked && c.items[3].signoff_filled.is_none());
    }

    #[test]
    fn boxes_that_are_not_read_are_reported() {
        let src = "# S\n[ ] Backups restored\n  [x] Runbook written\n- [ ]\n- [ ] Real item\n\n```\n[ ] in code\n```\n[x]: https://example.com\n\n- [ ] Parent\n  - [x]\n  - [ ] Child\n";
        let c = parse(src);
        let texts: Vec<_> = c.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["Real item", "Parent", "Child"]);
        assert_eq!(c.items[1].children, [2]);
        assert_eq!(c.items[2].parent, Some(1));
        let found: Vec<_> = c
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column, d.code, d.is_error()))
            .collect();
        assert_eq!(
            found,
            [
                (2, 1, "task-without-bullet", false),
                (3, 3, "task-without-bullet", false),
                (4, 1, "task-empty", false),
                (13, 1, "task-empty", false),
            ]
        );
        assert_eq!(
            c.diagnostics[0].message,
            "a box without a list marker is not read as an item; write `- [ ] …`"
        );
    }

    #[test]
    fn tables_with_a_box_column_are_checklists() {
        let src = "## Security\n\n\
| Item | Done | Owner |\n\
|---|:-:|---|\n\
| Enable **HSTS** | [x] | Sam |\n\
| Rotate keys | [ ] | Jo |\n\
|  | [ ] | |\n\
\n## Contacts\n\n| Role | Name |\n|---|---|\n| Lead | Jo |\n\
\n## Services\n\n| Service | Status |\n|---|---|\n| api | Healthy |\n\
\n## Approvals\n\n| Role | Signed |\n|---|---|\n| Security lead | [ ] |\n";
        let c = parse(src);
        let read: Vec<(usize, &str, bool, ItemKind, &str)> = c
            .items
            .iter()
            .map(|i| (i.line, i.text.as_str(), i.checked, i.kind, i.id.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                (
                    5,
                    "Enable HSTS",
                    true,
                    ItemKind::Task,
                    "security/enable-hsts"
                ),
                (
                    6,
                    "Rotate keys",
                    false,
                    ItemKind::Task,
                    "security/rotate-keys"
                ),
                (
                    25,
                    "Security lead",
                    false,
                    ItemKind::Signoff,
                    "approvals/security-lead"
                ),
            ]
        );
        assert!(c.items.iter().all(|i| i.table_row));
        assert_eq!(c.items[0].section_path, ["Security"]);
        assert_eq!(
            &src[c.items[1].line_span.clone()],
            "| Rotate keys | [ ] | Jo |"
        );
        // Tables stay tables, checklist or not.
        assert_eq!(c.sections.iter().map(|s| s.tables.len()).sum::<usize>(), 4);
        let found: Vec<_> = c.diagnostics.iter().map(|d| (d.line, d.code)).collect();
        assert_eq!(found, [(17, "table-not-read")]);
        assert_eq!(
            c.diagnostics[0].message,
            "this table looks like a checklist but its rows are not read: column `Status` holds `Healthy` (line 19), which is no box; put `[ ]` or `[x]` in one column and the item in another, or write the items as `- [ ] …`"
        );
    }

    #[test]
    fn item_text_is_plain() {
        let src = "- [ ] **SEC-1** — Enable [HSTS](https://x) on *all* hosts\n\
- [ ] Read <https://example.com/runbook> and `RUNBOOK.md` <b>now</b> ~~never~~\n";
        let c = parse(src);
        assert_eq!(c.items[0].text, "SEC-1 — Enable HSTS on all hosts");
        assert_eq!(
            c.items[0].display,
            "**SEC-1** — Enable [HSTS](https://x) on *all* hosts"
        );
        assert_eq!(
            c.items[1].text,
            "Read https://example.com/runbook and RUNBOOK.md now never"
        );
    }

    #[test]
    fn annotations_are_read_and_hidden() {
        let src = "- [ ] Health <!-- gonogo: http.status url=$API_URL/health expect=200 -->\n";
        let c = parse(src);
        let a = c.items[0].annotation.as_ref().unwrap();
        assert_eq!(a.content, "http.status url=$API_URL/health expect=200");
        assert_eq!((a.line, a.column), (1, 27));
        assert_eq!(c.items[0].display, "Health");
        assert_eq!(c.items[0].text, "Health");
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    }

    #[test]
    fn malformed_annotations_are_errors_with_their_line() {
        let src = "# S\n\n\
- [ ] Runbook <!-- gonogo files.exists path=RUNBOOK.md -->\n\
- [ ] Health <!-- GONOGO: http.status path=/health -->\n\
- [ ] Tests passing <!-- gonogo: tests.junit path=reports/junit.xml\n\
- [ ] Fine <!-- gonogo: files.exists path=README.md --> <!-- a note -->\n\
- [ ] Notes <!-- gonogo-ignore this --> <!-- gonogos -->\n\
- [ ] Coverage\n  <!-- gonogo: tests.coverage min=80 -->\n\n\
<!-- gonogo: files.exists path=x -->\n";
        let c = parse(src);
        let shown: Vec<(usize, usize, &str, &str)> = c
            .diagnostics
            .iter()
            .map(|d| {
                let kind = if d.message.contains("colon") {
                    "no colon"
                } else if d.message.contains("lowercase") {
                    "case"
                } else if d.message.contains("never closed") {
                    "unclosed"
                } else if d.message.contains("is not read: put") {
                    "misplaced"
                } else {
                    "?"
                };
                (d.line, d.column, d.code, kind)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (3, 15, "annotation-malformed", "no colon"),
                (4, 14, "annotation-malformed", "case"),
                (5, 21, "annotation-malformed", "unclosed"),
                (9, 3, "annotation-misplaced", "misplaced"),
                (11, 1, "annotation-misplaced", "misplaced"),
            ]
        );
        // Under an item the author meant to bind it: an error. Elsewhere: a warning.
        let errors: Vec<bool> = c.diagnostics.iter().map(|d| d.is_error()).collect();
        assert_eq!(errors, [true, true, true, true, false]);
        assert!(c.items.iter().take(3).all(|i| i.annotation.is_none()));
        assert_eq!(
            c.items[3].annotation.as_ref().unwrap().content,
            "files.exists path=README.md"
        );
        assert_eq!(
            c.diagnostics[0].message,
            "annotation without a colon after `gonogo` is not read; write `<!-- gonogo: check.id key=value -->`"
        );
    }

    #[test]
    fn comments_hide_items_and_malformed_boxes_are_reported() {
        let src = "<!--\n- [ ] hidden\n-->\n\n-[ ] no space\n\n- [] empty box\n- [x]glued\n```\n-[ ] in code\n```\n";
        let c = parse(src);
        let texts: Vec<_> = c.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["no space", "empty box", "glued"]);
        let lines: Vec<_> = c.diagnostics.iter().map(|d| (d.line, d.code)).collect();
        assert_eq!(
            lines,
            [
                (5, "malformed-task-box"),
                (7, "malformed-task-box"),
                (8, "malformed-task-box")
            ]
        );
        assert!(c.items[2].checked);
    }

    #[test]
    fn write_back_notes_are_not_the_authors_text() {
        let plain = parse("- [ ] Health <!-- gonogo: http.status url=x -->\n");
        let noted = parse(
            "- [x] Health <!-- gonogo: http.status url=x --> <sub>gonogo: pass (http.status) — 200 OK in `3 ms`</sub>\n",
        );
        assert_eq!(noted.items[0].text, "Health");
        assert_eq!(noted.items[0].display, "Health");
        assert_eq!(noted.items[0].id, plain.items[0].id);
        assert_eq!(
            noted.items[0].annotation.as_ref().unwrap().content,
            "http.status url=x"
        );
    }

    #[test]
    fn duplicate_items_get_distinct_ids() {
        let c = parse("## A\n- [ ] same\n- [ ] same\n");
        assert_eq!(c.items[0].id, "a/same");
        assert_eq!(c.items[1].id, "a/same-2");
    }

    #[test]
    fn code_blocks_and_tables_attach_to_sections() {
        let src =
            "## Steps\n```bash\ngh pr merge 14\n```\n\n| Role | Name |\n|---|---|\n| Lead | Jo |\n";
        let c = parse(src);
        let s = &c.sections[0];
        assert_eq!(s.code_blocks[0].lang, "bash");
        assert_eq!(s.code_blocks[0].content, "gh pr merge 14\n");
        assert_eq!(s.code_blocks[0].line, 2);
        assert_eq!(s.tables[0].header, ["Role", "Name"]);
        assert_eq!(
            s.tables[0].rows,
            [vec!["Lead".to_string(), "Jo".to_string()]]
        );
    }

    #[test]
    fn crlf_and_bom() {
        let src = "\u{feff}# T\r\n- [ ] a\r\n- [x] b\r\n";
        let c = parse(src);
        assert_eq!(c.items.len(), 2);
        assert_eq!(&src[c.items[1].line_span.clone()], "- [x] b");
        assert_eq!(c.title.as_deref(), Some("T"));
    }
}
