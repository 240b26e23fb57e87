//! Dockerfiles: a parser that follows the Dockerfile reference (parser directives, comments,
//! line continuations with the chosen escape character, heredocs, JSON exec form, flags such as
//! `--platform` and `--from`, multi-stage builds with `FROM … AS name`).

/// One instruction, with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    pub line: usize,
    /// Upper-cased keyword (`RUN`, `FROM`, …).
    pub keyword: String,
    /// Leading `--name=value` flags (`--platform`, `--from`, `--chown`, `--mount`, …).
    pub flags: Vec<(String, String)>,
    /// The arguments after the flags, continuation lines joined with a space.
    pub args: String,
    /// The arguments as a JSON array, when written in exec form.
    pub exec: Option<Vec<String>>,
    /// Heredoc bodies that follow the instruction (`RUN <<EOF`).
    pub heredocs: Vec<Heredoc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Heredoc {
    pub delimiter: String,
    pub body: String,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The shell text this instruction runs: exec form joined, shell form with heredocs.
    pub fn command_text(&self) -> String {
        let mut s = match &self.exec {
            Some(v) => v.join(" "),
            None => self.args.clone(),
        };
        for h in &self.heredocs {
            s.push('\n');
            s.push_str(&h.body);
        }
        s
    }
}

/// One build stage: `FROM image [AS name]` and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub line: usize,
    /// The base image as written (`python:3.12-slim`, `${BASE}`, `builder`).
    pub image: String,
    pub name: Option<String>,
    pub platform: Option<String>,
    pub instructions: Vec<Instruction>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dockerfile {
    /// Parser directives (`# syntax=…`, `# escape=…`, `# check=…`) with their lines.
    pub directives: Vec<(String, String, usize)>,
    pub escape: char,
    /// `ARG`s declared before the first `FROM` (usable in `FROM` lines).
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// Syntax problems: line and message. The rest of the file is still parsed.
    pub errors: Vec<(usize, String)>,
}

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Parses a Dockerfile. Never fails: problems are collected in [`Dockerfile::errors`].
pub fn parse(src: &str) -> Dockerfile {
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    let lines: Vec<&str> = src.lines().collect();
    let mut i = 0;

    // Parser directives: only at the very top, before any blank line, comment or instruction.
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(body) = l.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = body.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric()) {
            break;
        }
        let v = v.trim().to_string();
        if k == "escape" {
            match v.as_str() {
                "\\" => df.escape = '\\',
                "`" => df.escape = '`',
                _ => df
                    .errors
                    .push((i + 1, format!("invalid escape directive {v:?}"))),
            }
        }
        df.directives.push((k, v, i + 1));
        i += 1;
    }

    let esc = df.escape;
    while i < lines.len() {
        let first = lines[i];
        let trimmed = first.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start_line = i + 1;
        // Join continuation lines; comment lines and blank lines inside are dropped.
        let mut logical = String::new();
        let mut cur = first;
        loop {
            let t = cur.trim_end();
            if let Some(stripped) = t.strip_suffix(esc) {
                logical.push_str(stripped);
                logical.push(' ');
                i += 1;
                // skip comments and empty lines inside the continuation
                while i < lines.len() {
                    let n = lines[i].trim_start();
                    if n.starts_with('#') || n.is_empty() {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if i >= lines.len() {
                    break;
                }
                cur = lines[i];
            } else {
                logical.push_str(t);
                i += 1;
                break;
            }
        }
        let logical = logical.trim();
        let (kw, rest) = match logical.find(char::is_whitespace) {
            Some(p) => (&logical[..p], logical[p..].trim_start()),
            None => (logical, ""),
        };
        let keyword = kw.to_ascii_uppercase();
        if !KEYWORDS.contains(&keyword.as_str()) {
            df.errors
                .push((start_line, format!("unknown instruction {kw:?}")));
            continue;
        }
        // Flags.
        let mut flags = Vec::new();
        let mut rest = rest;
        while let Some(f) = rest.strip_prefix("--") {
            let end = f.find(char::is_whitespace).unwrap_or(f.len());
            let flag = &f[..end];
            let (k, v) = flag.split_once('=').unwrap_or((flag, ""));
            flags.push((k.to_string(), v.to_string()));
            rest = f[end..].trim_start();
        }
        // Heredocs: `<<EOF`, `<<-EOF`, `<<"EOF"`, several per instruction.
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for delim in heredoc_delimiters(rest) {
                let (name, strip_tabs) = delim;
                let mut body = String::new();
                let mut closed = false;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp == name {
                        closed = true;
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                if !closed {
                    df.errors.push((
                        start_line,
                        format!("heredoc <<{name} is not terminated before the end of the file"),
                    ));
                }
                heredocs.push(Heredoc {
                    delimiter: name,
                    body,
                });
            }
        }
        let exec = if rest.starts_with('[') {
            serde_json::from_str::<Vec<String>>(rest).ok()
        } else {
            None
        };
        let ins = Instruction {
            line: start_line,
            keyword,
            flags,
            args: rest.to_string(),
            exec,
            heredocs,
        };
        if ins.keyword == "FROM" {
            let words: Vec<&str> = ins.args.split_whitespace().collect();
            let (image, name) = match words.as_slice() {
                [img] => (img.to_string(), None),
                [img, as_, name] if as_.eq_ignore_ascii_case("as") => {
                    (img.to_string(), Some(name.to_string()))
                }
                _ => {
                    df.errors.push((
                        start_line,
                        format!("FROM expects `image [AS name]`, found {:?}", ins.args),
                    ));
                    (words.first().unwrap_or(&"").to_string(), None)
                }
            };
            df.stages.push(Stage {
                line: start_line,
                image,
                name,
                platform: ins.flag("platform").map(str::to_string),
                instructions: Vec::new(),
            });
        } else if let Some(stage) = df.stages.last_mut() {
            stage.instructions.push(ins);
        } else if ins.keyword == "ARG" {
            df.global_args.push(ins);
        } else {
            df.errors
                .push((start_line, format!("{} before the first FROM", ins.keyword)));
        }
    }
    if df.stages.is_empty() && df.errors.is_empty() {
        df.errors.push((1, "no FROM instruction".into()));
    }
    df
}

fn heredoc_delimiters(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(p) = rest.find("<<") {
        let mut after = &rest[p + 2..];
        let strip = after.starts_with('-');
        if strip {
            after = &after[1..];
        }
        let quoted = after.starts_with('"') || after.starts_with('\'');
        let name: String = if quoted {
            let q = after.chars().next().unwrap_or('"');
            after[1..].split(q).next().unwrap_or("").to_string()
        } else {
            after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        if !name.is_empty() && name.chars().next().is_some_and(|c| !c.is_ascii_digit()) {
            out.push((name, strip));
        }
        rest = &rest[p + 2..];
    }
    out
}

/// `KEY=value` pairs of an `ENV` or `ARG` (also the legacy `ENV KEY value`).
pub fn key_values(args: &str) -> Vec<(String, Option<String>)> {
    let args = args.trim();
    if !args.contains('=') {
        // legacy `ENV KEY value with spaces` or `ARG NAME`
        let (k, v) = match args.find(char::is_whitespace) {
            Some(p) => (&args[..p], Some(args[p..].trim().to_string())),
            None => (args, None),
        };
        return vec![(k.to_string(), v)];
    }
    let mut out = Vec::new();
    let mut chars = args.chars().peekable();
    while chars.peek().is_some() {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            break;
        }
        if chars.peek() != Some(&'=') {
            out.push((key, None));
            continue;
        }
        chars.next();
        let mut val = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match quote {
                Some(q) if c == q => {
                    quote = None;
                }
                Some(_) => val.push(c),
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() => break,
                None if c == '\\' => {
                    chars.next();
                    if let Some(&n) = chars.peek() {
                        val.push(n);
                    }
                }
                None => val.push(c),
            }
            chars.next();
        }
        out.push((key, Some(val)));
    }
    out
}

/// Splits `registry:5000/name:tag@sha256:…` into (tag, digest).
pub fn image_tag_digest(image: &str) -> (Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last = rest.rsplit('/').next().unwrap_or(rest);
    let tag = last.split_once(':').map(|(_, t)| t);
    (tag, digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_and_stages() {
        let df = parse(
            "# syntax=docker/dockerfile:1\n\
             ARG BASE=python:3.12\n\
             FROM --platform=$BUILDPLATFORM ${BASE} AS build\n\
             RUN apt-get update \\\n\
             # a comment inside\n\
             \x20   && apt-get install -y gcc\n\
             FROM build\n\
             USER app\n\
             CMD [\"python\", \"app.py\"]\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.directives[0].0, "syntax");
        assert_eq!(df.global_args.len(), 1);
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].name.as_deref(), Some("build"));
        assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        let run = &df.stages[0].instructions[0];
        assert_eq!(run.line, 4);
        assert!(run.args.contains("apt-get install -y gcc"));
        let cmd = &df.stages[1].instructions[1];
        assert_eq!(cmd.line, 9);
        assert_eq!(
            cmd.exec.as_deref(),
            Some(&["python".to_string(), "app.py".to_string()][..])
        );
    }

    #[test]
    fn heredocs_and_escape_directive() {
        let df = parse(
            "# escape=`\nFROM alpine:3.20\nRUN <<EOF\nset -e\necho hi\nEOF\nRUN echo a `\n    b\nUSER 1000\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let s = &df.stages[0];
        assert_eq!(s.instructions[0].heredocs[0].body, "set -e\necho hi\n");
        assert_eq!(s.instructions[1].line, 7);
        assert_eq!(s.instructions[1].args, "echo a      b");
        assert_eq!(s.instructions[2].line, 9);
    }

    #[test]
    fn problems_are_collected_with_lines() {
        let df = parse("RUN echo\nFROM alpine:3\nFROBNICATE x\nRUN <<EOF\nnever closed\n");
        let lines: Vec<usize> = df.errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![1, 3, 4]);
    }

    #[test]
    fn env_pairs() {
        assert_eq!(
            key_values("A=1 B=\"two words\" C"),
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), None)
            ]
        );
        assert_eq!(
            key_values("KEY some value"),
            vec![("KEY".into(), Some("some value".into()))]
        );
    }

    #[test]
    fn tags_and_digests() {
        assert_eq!(image_tag_digest("localhost:5000/app"), (None, None));
        assert_eq!(
            image_tag_digest("localhost:5000/app:1.2"),
            (Some("1.2"), None)
        );
        assert_eq!(image_tag_digest("app@sha256:ab"), (None, Some("sha256:ab")));
    }
}
