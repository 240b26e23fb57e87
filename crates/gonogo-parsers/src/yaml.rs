//! YAML with line numbers: a small spanned tree built from `yaml-rust2`'s marked events.
//!
//! Every node knows the line and column where it starts, so a finding about a Kubernetes
//! container or a compose service points at the right line. Anchors are resolved (bounded, so
//! an "alias bomb" cannot blow up memory), `<<` merge keys are honoured by [`Node::get`], and a
//! document that does not parse is a [`YamlError`] with the line, never a panic.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Resolving aliases may copy at most this many nodes per stream.
const MAX_ALIAS_NODES: usize = 100_000;

/// One YAML node with where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub col: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written; `plain` is false for quoted and block scalars.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A document that does not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "YAML does not parse at line {} column {}: {}",
            self.line, self.col, self.message
        )
    }
}

static NULL: Node = Node {
    line: 0,
    col: 0,
    value: Value::Seq(Vec::new()),
};

impl Node {
    /// The scalar's text, when this is a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// A scalar as text, numbers and booleans included ("3", "true").
    pub fn scalar(&self) -> Option<&str> {
        self.as_str()
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if text.is_empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_str()?.trim().parse().ok()
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The entry for `key` in a mapping (its key node and its value), merge keys honoured.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        let map = self.as_map()?;
        if let Some((k, v)) = map.iter().find(|(k, _)| k.as_str() == Some(key)) {
            return Some((k, v));
        }
        // `<<: *base` or `<<: [*a, *b]`
        let merge = map.iter().find(|(k, _)| k.as_str() == Some("<<"))?;
        match &merge.1.value {
            Value::Map(_) => merge.1.entry(key),
            Value::Seq(items) => items.iter().find_map(|n| n.entry(key)),
            Value::Scalar { .. } => None,
        }
    }

    /// The line of `key` itself in a mapping (where a finding about it should point).
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.entry(key).map(|(k, _)| k.line)
    }

    /// The value for `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v).filter(|v| !v.is_null())
    }

    /// `get` along a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The string value for `key`.
    pub fn str_of(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        self.as_seq().unwrap_or(&[])
    }

    /// The entries of a mapping (empty for anything else), merge keys not expanded.
    pub fn entries(&self) -> &[(Node, Node)] {
        self.as_map().unwrap_or(&[])
    }

    /// The entries of a mapping with string keys: (key, key node, value).
    pub fn keyed(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        self.as_map()
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, k, v)))
    }

    /// A null node, for `unwrap_or`.
    pub fn null() -> &'static Node {
        &NULL
    }
}

/// A JSON value as a tree whose nodes all sit on line 1 (for JSON the YAML reader refuses).
pub fn from_json(v: &serde_json::Value) -> Node {
    let value = match v {
        serde_json::Value::Null => Value::Scalar {
            text: "null".into(),
            plain: true,
        },
        serde_json::Value::Bool(b) => Value::Scalar {
            text: b.to_string(),
            plain: true,
        },
        serde_json::Value::Number(n) => Value::Scalar {
            text: n.to_string(),
            plain: true,
        },
        serde_json::Value::String(s) => Value::Scalar {
            text: s.clone(),
            plain: false,
        },
        serde_json::Value::Array(a) => Value::Seq(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| {
                    let key = Node {
                        line: 1,
                        col: 1,
                        value: Value::Scalar {
                            text: k.clone(),
                            plain: false,
                        },
                    };
                    (key, from_json(v))
                })
                .collect(),
        ),
    };
    Node {
        line: 1,
        col: 1,
        value,
    }
}

/// Parses every document of a YAML stream (the name other kinds use).
pub fn parse(src: &str) -> Result<Vec<Node>, YamlError> {
    parse_documents(src)
}

/// Parses every document of a YAML stream. Empty documents are dropped.
pub fn parse_documents(src: &str) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(src);
    parser.load(&mut b, true).map_err(|e| YamlError {
        line: e.marker().line().max(1),
        col: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    if let Some(msg) = b.error {
        return Err(YamlError {
            line: b.error_line,
            col: 1,
            message: msg,
        });
    }
    Ok(b.docs.into_iter().filter(|d| !d.is_null()).collect())
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    anchors: HashMap<usize, Node>,
    copied: usize,
    error: Option<String>,
    error_line: usize,
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(seq, _)) => {
                if let Value::Seq(v) = &mut seq.value {
                    v.push(node);
                }
            }
            Some(Frame::Map(map, _, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Value::Map(v) = &mut map.value {
                        v.push((k, node));
                    }
                }
            },
        }
    }
}

fn count(n: &Node) -> usize {
    match &n.value {
        Value::Scalar { .. } => 1,
        Value::Seq(v) => 1 + v.iter().map(count).sum::<usize>(),
        Value::Map(v) => 1 + v.iter().map(|(k, v)| count(k) + count(v)).sum::<usize>(),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let (line, col) = (mark.line().max(1), mark.col() + 1);
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                self.push_value(
                    Node {
                        line,
                        col,
                        value: Value::Scalar { text, plain },
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(
                Node {
                    line,
                    col,
                    value: Value::Seq(Vec::new()),
                },
                anchor,
            )),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map(
                Node {
                    line,
                    col,
                    value: Value::Map(Vec::new()),
                },
                anchor,
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(n, a)) | Some(Frame::Map(n, a, _)) => self.push_value(n, a),
                None => {}
            },
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned();
                match node {
                    Some(n) => {
                        self.copied += count(&n);
                        if self.copied > MAX_ALIAS_NODES {
                            self.error = Some("too many aliased nodes (alias bomb?)".into());
                            self.error_line = line;
                            return;
                        }
                        let n = Node { line, col, ..n };
                        self.push_value(n, 0);
                    }
                    None => {
                        self.error = Some(format!("unknown alias {id}"));
                        self.error_line = line;
                    }
                }
            }
            Event::DocumentEnd => {
                self.anchors.clear();
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_their_lines() {
        let docs = parse_documents("a: 1\nb:\n  - x\n  - y: 2\n---\nc: true\n").unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[0].get("b").unwrap();
        assert_eq!(b.line, 3);
        assert_eq!(b.items()[1].get("y").unwrap().line, 4);
        assert_eq!(b.items()[1].get("y").unwrap().as_i64(), Some(2));
        assert_eq!(docs[1].get("c").unwrap().as_bool(), Some(true));
        let (k, _) = docs[0].entry("a").unwrap();
        assert_eq!((k.line, k.col), (1, 1));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let docs = parse_documents(
            "base: &b\n  restart: always\nsvc:\n  <<: *b\n  image: x\nlist: [*b]\n",
        )
        .unwrap();
        let svc = docs[0].get("svc").unwrap();
        assert_eq!(svc.str_of("restart"), Some("always"));
        assert_eq!(svc.str_of("image"), Some("x"));
        assert_eq!(docs[0].get("list").unwrap().items().len(), 1);
    }

    #[test]
    fn broken_yaml_names_the_line() {
        let err = parse_documents("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        let err = parse_documents("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let prev = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(parse_documents(&src).is_err());
    }

    #[test]
    fn nulls_are_not_strings() {
        let docs = parse_documents("a: ~\nb:\nc: ''\n").unwrap();
        assert!(docs[0].get("a").is_none());
        assert!(docs[0].get("b").is_none());
        assert_eq!(docs[0].str_of("c"), Some(""));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_yaml_never_panics(text in "(?s)[a-z: \n\\[\\]{}\"'&*!|>-]{0,200}") {
            let _ = parse(&text);
        }
    }
}
