//! pip requirements files: requirement lines (continuations joined, includes and options told
//! apart) and the repository-relative paths their `-r`/`-c` includes name.
//! Shared by `deps.pinned` and `deps.declared`.

use regex::Regex;
use std::sync::LazyLock;

/// One requirement line of a requirements file, after joining continuations.
#[derive(Debug, PartialEq)]
pub enum ReqLine {
    /// A requirement: (name, pinned).
    Requirement(String, bool),
    /// `-r file` / `-c file`: (path, is_constraint).
    Include(String, bool),
    /// Options, editable/local installs: nothing to pin.
    Other,
}

pub fn parse_req_line(line: &str) -> ReqLine {
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$").expect("regex")
    });
    let line = line.trim();
    for (prefix, constraint) in [
        ("-r", false),
        ("--requirement", false),
        ("-c", true),
        ("--constraint", true),
    ] {
        if let Some(rest) = line.strip_prefix(prefix)
            && (rest.starts_with([' ', '=', '\t'])
                || (prefix.len() == 2 && !rest.is_empty() && !rest.starts_with('-')))
        {
            return ReqLine::Include(rest.trim_start_matches('=').trim().to_string(), constraint);
        }
    }
    if line.starts_with('-')
        || line.starts_with('.')
        || line.starts_with('/')
        || line.contains("file:")
    {
        return ReqLine::Other;
    }
    // Direct references: `name @ git+https://…@<sha>` or a bare VCS URL.
    if let Some((name, url)) = line
        .split_once(" @ ")
        .or_else(|| line.split_once('@').filter(|(n, _)| !n.contains("://")))
        && (url.contains("://") || url.trim_start().starts_with("git+"))
    {
        let name = name
            .trim()
            .split('[')
            .next()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        return ReqLine::Requirement(name, vcs_pinned(url));
    }
    if line.contains("://") {
        let name = line
            .rsplit("#egg=")
            .next()
            .filter(|_| line.contains("#egg="))
            .unwrap_or(line)
            .to_lowercase();
        return ReqLine::Requirement(name, vcs_pinned(line));
    }
    let Some(c) = NAME.captures(line) else {
        return ReqLine::Other;
    };
    let name = c[1].to_lowercase().replace('_', "-");
    // The specifier ends at a marker (`;`) or an option (` --hash`).
    let rest = c.get(3).map_or("", |m| m.as_str());
    let spec = rest.split(';').next().unwrap_or("");
    let spec = spec.split(" --").next().unwrap_or("").trim();
    let pinned = spec.split(',').map(str::trim).any(|s| {
        (s.starts_with("===") && s.len() > 3)
            || (s.starts_with("==") && !s[2..].trim().is_empty() && !s.contains('*'))
    }) && !spec
        .split(',')
        .map(str::trim)
        .any(|s| s.starts_with(['>', '<', '~', '!']) && !s.starts_with("!="));
    ReqLine::Requirement(name, pinned)
}

fn vcs_pinned(url: &str) -> bool {
    static SHA: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"@[0-9a-f]{40}(#|$)").expect("regex"));
    SHA.is_match(url.trim())
}

/// A requirements file read into logical lines: (line number of the first physical line, text).
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        // A comment starts at `#` at the line start or after whitespace.
        let mut line = raw;
        if let Some(p) = raw
            .char_indices()
            .find(|&(j, c)| c == '#' && (j == 0 || raw[..j].ends_with(char::is_whitespace)))
            .map(|(j, _)| j)
        {
            line = &raw[..p];
        }
        if buf.is_empty() {
            start = i + 1;
        }
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            buf.push_str(cont);
            buf.push(' ');
            continue;
        }
        buf.push_str(line);
        if !buf.trim().is_empty() {
            out.push((start, buf.trim().to_string()));
        }
        buf.clear();
    }
    if !buf.trim().is_empty() {
        out.push((start, buf.trim().to_string()));
    }
    out
}

pub fn rel_join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

pub fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Normalise `a/b/../c` to `a/c`; `None` when it leaves the repository.
pub fn normalise_rel(p: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}
