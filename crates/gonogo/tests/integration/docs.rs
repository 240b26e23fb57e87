//! Every tracked Markdown document of the repository renders as its author meant: no fenced
//! code block runs to the end of the document (an unclosed fence swallows every table and
//! heading after it), and no fence that opens a new block sits inside an open one (the sign
//! that a closing fence is missing).

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
use std::path::Path;
use std::process::Command;

/// Directories whose Markdown is test input (deliberately malformed checklists and the like),
/// not documentation.
const NOT_DOCUMENTS: &[&str] = &["test", "tests", "fixtures", "testdata", "snapshots"];

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("crates/gonogo sits two levels below the workspace root")
}

/// The repository's tracked Markdown files that are documents, relative to the root.
fn tracked_documents(root: &Path) -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "-z", "--", "*.md"])
        .current_dir(root)
        .output()
        .expect("git runs (the documents are found with `git ls-files`)");
    assert!(
        out.status.success(),
        "git ls-files failed in {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("tracked paths are UTF-8")
        .split('\0')
        .filter(|path| !path.is_empty())
        .filter(|path| {
            let dirs = path.rsplit_once('/').map_or("", |(dirs, _)| dirs);
            !dirs.split('/').any(|dir| NOT_DOCUMENTS.contains(&dir))
        })
        .map(str::to_string)
        .collect()
}

/// A fence line: its indentation, fence character, fence length and info string.
fn fence(line: &str) -> Option<(usize, char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(ch).len();
    (len >= 3).then(|| (indent, ch, len, rest[len..].trim()))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Why `text` does not render as written, one message per problem, each starting `line N:`.
fn fence_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) = event else {
            continue;
        };
        let opened = line_of(text, range.start);
        let source = &text[range.clone()];
        let mut lines = source.lines();
        let Some((indent, ch, len, _)) = lines.next().and_then(fence) else {
            continue;
        };
        let closes = |line: &str| {
            fence(line).is_some_and(|(_, c, l, info)| c == ch && l >= len && info.is_empty())
        };
        let body: Vec<&str> = lines.collect();
        let closed = body.last().is_some_and(|last| closes(last));
        if !closed && text[range.end..].trim().is_empty() {
            problems.push(format!(
                "line {opened}: this code fence is never closed: the rest of the document is code"
            ));
        }
        let inner = if closed {
            &body[..body.len() - 1]
        } else {
            &body[..]
        };
        for (n, line) in inner.iter().enumerate() {
            let opens_another = fence(line).is_some_and(|(i, c, l, info)| {
                c == ch && l >= len && !info.is_empty() && i <= indent + 3
            });
            if opens_another {
                problems.push(format!(
                    "line {}: a fence with an info string inside the code block opened at line \
                     {opened}: a closing fence is missing before it",
                    opened + 1 + n
                ));
            }
        }
    }
    problems
}

#[test]
fn every_tracked_markdown_document_closes_its_code_fences() {
    let root = workspace_root();
    let documents = tracked_documents(root);
    assert!(
        documents.iter().any(|d| d == "ARCHITECTURE.md"),
        "the documents were not found: {documents:?}"
    );
    let mut problems = Vec::new();
    for doc in &documents {
        let text = std::fs::read_to_string(root.join(doc))
            .unwrap_or_else(|e| panic!("cannot read {doc}: {e}"));
        for problem in fence_problems(&text) {
            let (line, why) = problem.split_once(": ").expect("`line N: why`");
            let line = line.trim_start_matches("line ");
            problems.push(format!("{doc}:{line}: {why}"));
        }
    }
    assert!(
        problems.is_empty(),
        "Markdown that does not render as written:\n{}",
        problems.join("\n")
    );
}

#[test]
fn fence_problems_name_the_line() {
    let closed = "# T\n\n```sh\nrun\n```\n\n| a |\n|---|\n| 1 |\n";
    assert_eq!(fence_problems(closed), Vec::<String>::new());
    let longer_and_tilde = "````\n```\nnot a close\n````\n\n~~~ toml\nx = 1\n~~~\n";
    assert_eq!(fence_problems(longer_and_tilde), Vec::<String>::new());
    let in_list = "- step:\n\n  ```\n  run\n  ```\n- next\n";
    assert_eq!(fence_problems(in_list), Vec::<String>::new());

    let unclosed = "# T\n\n```\ncmd\n\n| a |\n|---|\n";
    assert_eq!(
        fence_problems(unclosed),
        ["line 3: this code fence is never closed: the rest of the document is code"]
    );
    // The missing close makes the next opening fence close the block instead; the opening
    // fence with an info string inside it is the tell.
    let missing_close = "```\ncmd\n\ntext\n\n```sh\nmore\n```\n";
    assert_eq!(
        fence_problems(missing_close),
        [
            "line 6: a fence with an info string inside the code block opened at line 1: a \
             closing fence is missing before it"
        ]
    );
}
