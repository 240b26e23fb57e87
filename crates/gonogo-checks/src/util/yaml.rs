//! YAML with line numbers: a small tree built from `yaml-rust2`'s marked events, so that a
//! finding in a compose file or a manifest can point at its line.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A YAML node and the 1-based line and column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub column: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Every scalar as written (numbers and booleans too); `null`/`~`/empty stay strings.
    Scalar(String),
    Seq(Vec<Node>),
    /// Keys in document order.
    Map(Vec<(Node, Node)>),
    /// An alias (`*name`): not expanded.
    Alias,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }
}

/// A YAML syntax error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

enum Frame {
    Seq(Marker, Vec<Node>),
    Map(Marker, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
}

fn node(mark: Marker, value: Value) -> Node {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Node {
        line: mark.line().max(1),
        column: mark.col() + 1,
        value,
    }
}

impl Builder {
    fn push(&mut self, n: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(n),
            Some(Frame::Seq(_, items)) => items.push(n),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => *pending = Some(n),
                Some(k) => entries.push((k, n)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(s, ..) => self.push(node(mark, Value::Scalar(s))),
            Event::Alias(_) => self.push(node(mark, Value::Alias)),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(mark, Vec::new())),
            Event::MappingStart(..) => self.stack.push(Frame::Map(mark, Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let n = match self.stack.pop() {
                    Some(Frame::Seq(m, items)) => node(m, Value::Seq(items)),
                    Some(Frame::Map(m, entries, _)) => node(m, Value::Map(entries)),
                    None => return,
                };
                self.push(n);
            }
            _ => {}
        }
    }
}

/// Parse every document of `text`.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| YamlError {
        line: e.marker().line().max(1),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    Ok(builder.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_shapes() {
        let docs =
            parse("services:\n  api:\n    environment:\n      - A=1\n      - B=2\n").unwrap();
        let env = docs[0]
            .get("services")
            .unwrap()
            .get("api")
            .unwrap()
            .get("environment")
            .unwrap();
        let items = env.items();
        assert_eq!(items.len(), 2);
        assert_eq!((items[1].as_str(), items[1].line), (Some("B=2"), 5));
        let docs = parse("a: 1\nb:\n  c: x\n").unwrap();
        let c = docs[0].get("b").unwrap().get("c").unwrap();
        assert_eq!((c.as_str(), c.line, c.column), (Some("x"), 3, 6));
    }

    #[test]
    fn errors_have_lines() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }
}
