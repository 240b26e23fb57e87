//! Byte offsets to 1-based lines (and columns): one index per text, built once in linear time,
//! each look-up a binary search.

use std::ops::Range;

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; `starts[0] == 0`.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: impl AsRef<[u8]>) -> Self {
        let text = text.as_ref();
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 1-based line holding byte offset `at` (offsets past the end are on the last line).
    pub fn line(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).max(1)
    }

    /// The 1-based line and column (in characters) of byte offset `at` of `text`, the text
    /// this index was built from.
    pub fn line_col(&self, text: &str, at: usize) -> (usize, usize) {
        let at = at.min(self.len);
        let line = self.line(at);
        let start = self.starts[line - 1];
        let col = text.get(start..at).map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// The byte range of 1-based `line` without its `\n` (a `\r` before it is kept); an empty
    /// range at the end of the text for a line past the last.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.len);
        let end = self.starts.get(line).map_or(self.len, |&n| n - 1);
        start.min(end)..end.max(start.min(end))
    }

    /// How many lines the text has (an empty text has one, empty).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }
}

/// The 1-based line holding byte offset `at` of `text`, for a single look-up (build a
/// [`LineIndex`] for many: calling this per element of a large file would be quadratic).
pub fn line_of(text: &[u8], at: usize) -> usize {
    let at = at.min(text.len());
    memchr::memchr_iter(b'\n', &text[..at]).count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets_agree_with_counting() {
        let text = "ab\ncd\n\nüx\n";
        let index = LineIndex::new(text);
        for at in 0..=text.len() + 3 {
            assert_eq!(index.line(at), line_of(text.as_bytes(), at), "offset {at}");
        }
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 1, "the newline belongs to its line");
        assert_eq!(index.line(3), 2);
        assert_eq!(index.lines(), 5);
    }

    #[test]
    fn columns_count_characters() {
        let text = "a = 1\nüb = 2\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 4), (1, 5));
        // `b` follows a two-byte character: column 2.
        assert_eq!(index.line_col(text, 8), (2, 2));
        assert_eq!(index.line_col(text, 999), (3, 1));
    }

    #[test]
    fn ranges_of_lines() {
        let text = "one\r\ntwo\nthree";
        let index = LineIndex::new(text);
        assert_eq!(&text[index.line_range(1)], "one\r");
        assert_eq!(&text[index.line_range(2)], "two");
        assert_eq!(&text[index.line_range(3)], "three");
        assert_eq!(index.line_range(9), text.len()..text.len());
        assert_eq!(LineIndex::new("").line_range(1), 0..0);
    }
}
