//! The dotenv format: `KEY=value`, `export KEY=value`, comments, single or double quotes, and
//! quoted values spanning lines (PEM keys). Keys may hold `.` and `-` (`SENTRY.DSN`), as the
//! usual loaders accept. Every entry and every problem keeps its line.

/// One `KEY=value`, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A line that is not `KEY=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// No `=` on the line.
    NoEquals,
    /// The text before `=` is not a variable name.
    BadKey(String),
    /// A quoted value whose closing quote never comes; the entry is kept with an empty value.
    Unterminated,
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProblemKind::NoEquals => f.write_str("expected KEY=VALUE"),
            ProblemKind::BadKey(k) => write!(f, "`{k}` is not a valid variable name"),
            ProblemKind::Unterminated => f.write_str("the quoted value is never closed"),
        }
    }
}

/// A parsed dotenv file: its entries in order, and the lines that are not `KEY=value`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dotenv {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

fn is_key(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Parse a dotenv file. Never fails: problems are returned with their lines.
pub fn parse(text: &str) -> Dotenv {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Dotenv::default();
    let mut i = 0;
    while i < lines.len() {
        let lineno = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let problem = |kind| Problem { line: lineno, kind };
        let Some(eq) = line.find('=') else {
            out.problems.push(problem(ProblemKind::NoEquals));
            continue;
        };
        let key = line[..eq].trim();
        if !is_key(key) {
            out.problems
                .push(problem(ProblemKind::BadKey(key.to_string())));
            continue;
        }
        let rest = line[eq + 1..].trim_start();
        let value = if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            // Quoted: up to the closing quote, possibly on a later line (PEM keys).
            let mut body = String::new();
            let mut cur = rest[1..].to_string();
            loop {
                let mut closed = None;
                let mut escaped = false;
                for (j, c) in cur.char_indices() {
                    if q == '"' && c == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if c == q && !escaped {
                        closed = Some(j);
                        break;
                    }
                    escaped = false;
                }
                match closed {
                    Some(j) => {
                        body.push_str(&cur[..j]);
                        break;
                    }
                    None if i < lines.len() => {
                        body.push_str(&cur);
                        body.push('\n');
                        cur = lines[i].to_string();
                        i += 1;
                    }
                    None => {
                        out.problems.push(problem(ProblemKind::Unterminated));
                        body.clear();
                        break;
                    }
                }
            }
            body
        } else {
            // Unquoted: an inline comment starts at whitespace followed by `#`.
            let cut = rest
                .char_indices()
                .find(|&(j, c)| c == '#' && j > 0 && rest[..j].ends_with(char::is_whitespace))
                .map_or(rest.len(), |(j, _)| j);
            rest[..cut].trim().to_string()
        };
        out.entries.push(Entry {
            key: key.to_string(),
            value,
            line: lineno,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_with_their_lines() {
        let parsed = parse(
            "export A=1\nB=\"two # words\" # c\nC='x'\nD=plain # comment\nE=\"multi\nline\"\nF=a#b\n=x\n",
        );
        let got: Vec<(&str, &str, usize)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1", 1),
                ("B", "two # words", 2),
                ("C", "x", 3),
                ("D", "plain", 4),
                ("E", "multi\nline", 5),
                ("F", "a#b", 7)
            ]
        );
        assert_eq!(
            parsed.problems,
            [Problem {
                line: 8,
                kind: ProblemKind::BadKey(String::new())
            }]
        );
    }

    #[test]
    fn dotted_keys_and_multi_line_pem_values() {
        let parsed = parse(
            "# c\nSENTRY.DSN=https://k@o1.ingest.sentry.io/2\nTLS_KEY=\"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\"\nAFTER=yes\n",
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let got: Vec<(&str, usize)> = parsed
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.line))
            .collect();
        assert_eq!(got, [("SENTRY.DSN", 2), ("TLS_KEY", 3), ("AFTER", 6)]);
        assert_eq!(
            parsed.entries[1].value,
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"
        );
    }

    #[test]
    fn problems_say_what_is_wrong() {
        let parsed = parse("not a line\n9X=1\nOK=1\nOPEN=\"never closed\n");
        let shown: Vec<(usize, String)> = parsed
            .problems
            .iter()
            .map(|p| (p.line, p.kind.to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                (1, "expected KEY=VALUE".to_string()),
                (2, "`9X` is not a valid variable name".to_string()),
                (4, "the quoted value is never closed".to_string()),
            ]
        );
        // The unterminated entry is kept, empty, so a reader still sees the key.
        assert_eq!(parsed.entries.len(), 2);
        assert_eq!(parsed.entries[1].value, "");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
            let parsed = parse(&text);
            let lines = text.lines().count().max(1);
            for e in &parsed.entries {
                proptest::prop_assert!(e.line >= 1 && e.line <= lines);
            }
        }
    }
}
