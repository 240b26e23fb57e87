//! A PostgreSQL lexer for schema files: statements as token lists, with comments (nested block
//! comments too), string literals (`'…'`, `E'…'`, dollar-quoted bodies), quoted identifiers
//! (`"…"`, `U&"…"`), psql meta-commands and `COPY … FROM stdin` data understood, so a
//! `CREATE` inside a function body or a comment is never taken for a statement of the file.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An unquoted word, as written.
    Word(String),
    /// A double-quoted identifier, unescaped.
    Quoted(String),
    /// A string literal (single-quoted: its content; dollar-quoted: empty).
    Lit(String),
    Punct(char),
    /// Numbers, operators and anything else that names nothing.
    Other,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    /// 1-based line where the token starts.
    pub line: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// The statements of `text`, each a list of tokens; comments, literals' contents and bodies
/// are gone.
pub fn statements(text: &str) -> Vec<Vec<Token>> {
    let b = text.as_bytes();
    let lines = crate::LineIndex::new(b);
    let mut out = Vec::new();
    let mut cur: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b'\n' | b'\r' | b' ' | b'\t' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = find_from(b, b'\n', i).unwrap_or(b.len());
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Block comments nest in PostgreSQL.
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'\\' if at_line_start(b, i) => {
                // A psql meta-command (`\connect db`, `\i file`) ends at the end of its line
                // and ends any statement before it.
                i = find_from(b, b'\n', i).unwrap_or(b.len());
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                continue;
            }
            b'\'' => {
                let (s, end) = quoted(b, i, b'\'', false);
                i = end;
                Tok::Lit(s)
            }
            b'"' => {
                let (s, end) = quoted(b, i, b'"', false);
                i = end;
                Tok::Quoted(s)
            }
            b'$' => match dollar_tag(b, i) {
                Some(tag_end) => {
                    let tag = &text[i..tag_end];
                    i = match text[tag_end..].find(tag) {
                        Some(at) => tag_end + at + tag.len(),
                        None => b.len(),
                    };
                    Tok::Lit(String::new())
                }
                None => {
                    i += 1;
                    Tok::Other
                }
            },
            c if is_ident_start(c) => {
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                if i - start == 1 && matches!(c, b'u' | b'U') && b[i..].starts_with(b"&\"") {
                    // U&"d\0061ta": a quoted identifier with Unicode escapes.
                    let (s, end) = quoted(b, i + 1, b'"', false);
                    i = end;
                    Tok::Quoted(unicode_escapes(&s))
                } else if i - start == 1 && matches!(c, b'e' | b'E') && b.get(i) == Some(&b'\'') {
                    // E'…': backslash escapes.
                    let (s, end) = quoted(b, i, b'\'', true);
                    i = end;
                    Tok::Lit(s)
                } else {
                    Tok::Word(text[start..i].to_string())
                }
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                {
                    i += 1;
                }
                Tok::Other
            }
            b';' => {
                i += 1;
                let stmt = std::mem::take(&mut cur);
                let copy_data = is_copy_from_stdin(&stmt);
                if !stmt.is_empty() {
                    out.push(stmt);
                }
                if copy_data {
                    i = skip_copy_data(b, i);
                }
                continue;
            }
            c @ (b'.' | b'(' | b')' | b',' | b'=') => {
                i += 1;
                Tok::Punct(c as char)
            }
            _ => {
                i += 1;
                Tok::Other
            }
        };
        cur.push(Token {
            tok,
            line: lines.line(start),
        });
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The next `needle` at or after `from`.
fn find_from(b: &[u8], needle: u8, from: usize) -> Option<usize> {
    memchr::memchr(needle, &b[from..]).map(|p| from + p)
}

fn at_line_start(b: &[u8], i: usize) -> bool {
    b[..i]
        .iter()
        .rev()
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t' || c == b'\r')
}

/// A quoted run from `b[i] == q` with doubled quotes (and backslashes when `escapes`):
/// its content and the offset after it. Unterminated runs end at the end of the text.
fn quoted(b: &[u8], i: usize, q: u8, escapes: bool) -> (String, usize) {
    let mut out = Vec::new();
    let mut j = i + 1;
    while j < b.len() {
        let c = b[j];
        if escapes && c == b'\\' && j + 1 < b.len() {
            out.push(b[j + 1]);
            j += 2;
        } else if c == q {
            if b.get(j + 1) == Some(&q) {
                out.push(q);
                j += 2;
            } else {
                return (String::from_utf8_lossy(&out).into_owned(), j + 1);
            }
        } else {
            out.push(c);
            j += 1;
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), b.len())
}

/// The content of a `U&"…"` identifier with `\XXXX`, `\+XXXXXX` and `\\` decoded (the
/// default escape character; a `UESCAPE` clause is not read).
fn unicode_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(r) = rest.strip_prefix('\\') {
            out.push('\\');
            rest = r;
            continue;
        }
        let (digits, len) = match rest.strip_prefix('+') {
            Some(r) => (r.get(..6), 7),
            None => (rest.get(..4), 4),
        };
        match digits
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .and_then(char::from_u32)
        {
            Some(c) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => out.push('\\'),
        }
    }
    out.push_str(rest);
    out
}

/// At a `$`: the end of a dollar-quote opening tag (`$$`, `$body$`), or `None` (`$1`).
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j) == Some(&b'$') {
        return Some(j + 1);
    }
    if !b.get(j).is_some_and(|&c| is_ident_start(c)) {
        return None;
    }
    while j < b.len() && (is_ident_start(b[j]) || b[j].is_ascii_digit()) {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1)
}

fn is_copy_from_stdin(stmt: &[Token]) -> bool {
    let words: Vec<String> = stmt
        .iter()
        .filter_map(|t| match &t.tok {
            Tok::Word(w) => Some(w.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    words.first().is_some_and(|w| w == "copy")
        && words.windows(2).any(|w| w[0] == "from" && w[1] == "stdin")
}

/// After `COPY … FROM stdin;`: the data lines up to and including the `\.` line.
fn skip_copy_data(b: &[u8], mut i: usize) -> usize {
    // The rest of the COPY statement's line.
    i = find_from(b, b'\n', i).map_or(b.len(), |p| p + 1);
    while i < b.len() {
        let end = find_from(b, b'\n', i).unwrap_or(b.len());
        let line = &b[i..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        i = (end + 1).min(b.len());
        if line == b"\\." {
            break;
        }
    }
    i
}

/// Identifiers are truncated to NAMEDATALEN - 1 bytes, as PostgreSQL does.
pub const MAX_IDENT: usize = 63;

pub fn truncate_ident(mut s: String) -> String {
    if s.len() > MAX_IDENT {
        let mut end = MAX_IDENT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// A cursor over one statement's tokens, for recognising the statements a caller cares about.
pub struct Cursor<'a> {
    pub toks: &'a [Token],
    /// Index of the next token.
    pub i: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(toks: &'a [Token]) -> Self {
        Cursor { toks, i: 0 }
    }
    pub fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(kw))
    }
    pub fn kw(&mut self, kw: &str) -> bool {
        let hit = self.peek_kw(kw);
        if hit {
            self.i += 1;
        }
        hit
    }
    /// All of `kws` in sequence, consumed only when all match.
    pub fn kws(&mut self, kws: &[&str]) -> bool {
        let hit = kws.iter().enumerate().all(|(k, kw)| {
            matches!(self.toks.get(self.i + k), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(kw))
        });
        if hit {
            self.i += kws.len();
        }
        hit
    }
    pub fn punct(&mut self, c: char) -> bool {
        let hit =
            matches!(self.toks.get(self.i), Some(Token { tok: Tok::Punct(p), .. }) if *p == c);
        if hit {
            self.i += 1;
        }
        hit
    }
    /// One identifier, folded as PostgreSQL folds it.
    pub fn ident(&mut self) -> Option<String> {
        let s = match &self.toks.get(self.i)?.tok {
            Tok::Word(w) => w.to_ascii_lowercase(),
            Tok::Quoted(q) if !q.is_empty() => q.clone(),
            _ => return None,
        };
        self.i += 1;
        Some(truncate_ident(s))
    }
    /// A possibly qualified name: (schema, name). `db.schema.name` keeps the last two.
    pub fn qname(&mut self) -> Option<(Option<String>, String)> {
        let mut parts = vec![self.ident()?];
        while self.punct('.') {
            parts.push(self.ident()?);
        }
        let name = parts.pop()?;
        Some((parts.pop(), name))
    }
    pub fn if_not_exists(&mut self) {
        self.kws(&["if", "not", "exists"]);
    }
    pub fn if_exists(&mut self) {
        self.kws(&["if", "exists"]);
    }
    /// Skip a balanced `( … )` if one is next.
    pub fn skip_parens(&mut self) {
        if !matches!(
            self.toks.get(self.i),
            Some(Token {
                tok: Tok::Punct('('),
                ..
            })
        ) {
            return;
        }
        let mut depth = 0usize;
        while let Some(t) = self.toks.get(self.i) {
            self.i += 1;
            match t.tok {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
    /// Advance past the next top-level `ON` keyword; false when there is none.
    pub fn past_on(&mut self) -> bool {
        let mut depth = 0usize;
        while let Some(t) = self.toks.get(self.i) {
            self.i += 1;
            match &t.tok {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => depth = depth.saturating_sub(1),
                Tok::Word(w) if depth == 0 && w.eq_ignore_ascii_case("on") => return true,
                _ => {}
            }
        }
        false
    }
    /// Where `kws` last occur in sequence in the rest of the statement.
    pub fn last(&self, kws: &[&str]) -> Option<usize> {
        self.toks[self.i..].windows(kws.len()).rposition(|w| {
            w.iter()
                .zip(kws)
                .all(|(t, kw)| matches!(&t.tok, Tok::Word(x) if x.eq_ignore_ascii_case(kw)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<(String, usize)>> {
        statements(text)
            .into_iter()
            .map(|s| {
                s.into_iter()
                    .map(|t| {
                        let shown = match t.tok {
                            Tok::Word(w) => w,
                            Tok::Quoted(q) => format!("\"{q}\""),
                            Tok::Lit(l) => format!("'{l}'"),
                            Tok::Punct(p) => p.to_string(),
                            Tok::Other => "?".into(),
                        };
                        (shown, t.line)
                    })
                    .collect()
            })
            .collect()
    }

    fn shown(text: &str) -> Vec<String> {
        words(text)
            .into_iter()
            .map(|s| s.into_iter().map(|(w, _)| w).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn statements_split_on_semicolons_with_lines() {
        let got = words("CREATE TABLE a (id int);\n\nDROP TABLE b;");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0][0], ("CREATE".to_string(), 1));
        assert_eq!(got[1][0], ("DROP".to_string(), 3));
    }

    #[test]
    fn comments_literals_and_bodies_are_not_statements() {
        assert_eq!(
            shown(
                "-- CREATE TABLE x;\n/* a /* nested */ CREATE TABLE y; */\nSELECT 'a;b', E'it\\'s', $$ CREATE TABLE z; $$;"
            ),
            ["SELECT 'a;b' , 'it's' , ''"]
        );
    }

    #[test]
    fn quoted_identifiers_and_unicode_escapes() {
        assert_eq!(
            shown("CREATE TABLE \"My \"\"T\"\"\" (x int); CREATE TABLE U&\"d\\0061ta\" ();"),
            [
                "CREATE TABLE \"My \"T\"\" ( x int )",
                "CREATE TABLE \"data\" ( )"
            ]
        );
    }

    #[test]
    fn psql_commands_and_copy_data_are_skipped() {
        assert_eq!(
            shown(
                "\\connect db\nCOPY t FROM stdin;\n1\tCREATE TABLE no;\n\\.\nCREATE TABLE yes ();"
            ),
            ["COPY t FROM stdin", "CREATE TABLE yes ( )"]
        );
    }

    #[test]
    fn a_cursor_reads_keywords_and_names() {
        let stmts = statements("create table if not exists Public.\"Users\" (id int)");
        let mut c = Cursor::new(&stmts[0]);
        assert!(c.kws(&["CREATE", "TABLE"]));
        c.if_not_exists();
        assert_eq!(
            c.qname(),
            Some((Some("public".to_string()), "Users".to_string()))
        );
        c.skip_parens();
        assert_eq!(c.i, stmts[0].len());
    }

    #[test]
    fn identifiers_are_truncated_like_postgresql() {
        assert_eq!(truncate_ident("a".repeat(70)).len(), MAX_IDENT);
        assert_eq!(truncate_ident("é".repeat(40)).len(), 62);
    }
}
