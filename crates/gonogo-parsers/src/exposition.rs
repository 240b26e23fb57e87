//! A parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
//!
//! It keeps what a readiness check needs: metric families with their type and the line of
//! their first mention, every sample with its line, and every problem with its line. It never
//! stops at the first error: each bad line is reported and parsing continues with the next.

use std::collections::{BTreeMap, HashSet};

/// The type a family declares with `# TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    Untyped,
}

impl MetricType {
    fn parse(s: &str, openmetrics: bool) -> Option<Self> {
        Some(match s {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" if !openmetrics => MetricType::Untyped,
            "unknown" if openmetrics => MetricType::Untyped,
            "gaugehistogram" if openmetrics => MetricType::GaugeHistogram,
            "info" if openmetrics => MetricType::Info,
            "stateset" if openmetrics => MetricType::StateSet,
            _ => return None,
        })
    }

    /// Suffixes a sample of this type may add to the family name.
    fn suffixes(self, openmetrics: bool) -> &'static [&'static str] {
        match self {
            MetricType::Counter if openmetrics => &["_total", "_created"],
            MetricType::Counter => &["_total", "_created", ""],
            MetricType::Histogram => &["_bucket", "_sum", "_count", "_created"],
            MetricType::GaugeHistogram => &["_bucket", "_gsum", "_gcount"],
            MetricType::Summary => &["_sum", "_count", "_created", ""],
            MetricType::Info => &["_info"],
            _ => &[""],
        }
    }
}

/// A metric family: its name, type and where it was first mentioned.
#[derive(Debug, Clone)]
pub struct Family {
    pub kind: Option<MetricType>,
    pub help: Option<String>,
    pub line: usize,
}

/// One sample line.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    /// The family this sample belongs to.
    pub family: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub line: usize,
}

/// A problem, with its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Exposition {
    pub openmetrics: bool,
    pub families: BTreeMap<String, Family>,
    pub samples: Vec<Sample>,
    pub problems: Vec<Problem>,
}

impl Exposition {
    /// Does a metric of this name exist (as a family, or as a sample name)?
    pub fn has(&self, name: &str) -> bool {
        self.families.contains_key(name) || self.samples.iter().any(|s| s.name == name)
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}
fn valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}
fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        "NaN" | "Nan" | "nan" => Some(f64::NAN),
        _ => {
            // Rust accepts "infinity" and "nan" spellings the format does not; the cases above
            // cover the format's own, so reject any other alphabetic value.
            if s.chars()
                .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            {
                return None;
            }
            s.parse::<f64>().ok()
        }
    }
}

/// Label pairs in the order written.
type Labels = Vec<(String, String)>;

/// Parse `{a="x",b="y"}` starting at `rest` (just after `{`); returns the labels and what
/// follows the closing brace.
fn parse_labels(rest: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut s = rest;
    loop {
        s = s.trim_start_matches([' ', '\t']);
        if let Some(after) = s.strip_prefix('}') {
            return Ok((labels, after));
        }
        let name_end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        let name = &s[..name_end];
        if !valid_label_name(name) {
            return Err(format!(
                "invalid label name at `{}`",
                s.chars().take(20).collect::<String>()
            ));
        }
        s = s[name_end..].trim_start_matches([' ', '\t']);
        s = s
            .strip_prefix('=')
            .ok_or_else(|| format!("expected `=` after label `{name}`"))?;
        s = s.trim_start_matches([' ', '\t']);
        s = s
            .strip_prefix('"')
            .ok_or_else(|| format!("label `{name}`: value must be double-quoted"))?;
        let mut value = String::new();
        let mut chars = s.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(format!("label `{name}`: unterminated value")),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, c)) => return Err(format!("label `{name}`: invalid escape `\\{c}`")),
                    None => return Err(format!("label `{name}`: unterminated value")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("label `{name}` repeated"));
        }
        labels.push((name.to_string(), value));
        s = s[end + 1..].trim_start_matches([' ', '\t']);
        if let Some(after) = s.strip_prefix(',') {
            s = after;
        } else if !s.starts_with('}') {
            return Err(format!("expected `,` or `}}` after label `{name}`"));
        }
    }
}

/// Which declared family a sample name belongs to, by the type's suffixes.
fn family_of(name: &str, families: &BTreeMap<String, Family>, openmetrics: bool) -> String {
    const SUFFIXES: [&str; 8] = [
        "_total", "_created", "_bucket", "_sum", "_count", "_gsum", "_gcount", "_info",
    ];
    let allows = |base: &str, suffix: &str| {
        families.get(base).is_some_and(|f| {
            f.kind
                .unwrap_or(MetricType::Untyped)
                .suffixes(openmetrics)
                .contains(&suffix)
        })
    };
    if allows(name, "") {
        return name.to_string();
    }
    for suffix in SUFFIXES {
        if let Some(base) = name.strip_suffix(suffix)
            && allows(base, suffix)
        {
            return base.to_string();
        }
    }
    name.to_string()
}

/// Parse an exposition. `openmetrics` from the content type; a `# EOF` line also switches it on.
pub fn parse(text: &str, openmetrics_hint: bool) -> Exposition {
    let mut ex = Exposition {
        openmetrics: openmetrics_hint || text.lines().any(|l| l.trim_end() == "# EOF"),
        ..Exposition::default()
    };
    let om = ex.openmetrics;
    let mut seen_series: HashSet<(String, Vec<(String, String)>)> = HashSet::new();
    let mut families_with_samples: HashSet<String> = HashSet::new();
    let mut closed: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut eof_line: Option<usize> = None;
    let total_lines = text.split('\n').count();
    let problem = |ex: &mut Exposition, line: usize, message: String| {
        ex.problems.push(Problem { line, message });
    };
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(eof) = eof_line {
            if !line.is_empty() || i + 1 < total_lines {
                problem(
                    &mut ex,
                    line_no,
                    format!("content after `# EOF` (line {eof})"),
                );
                break;
            }
            continue;
        }
        if line.trim().is_empty() {
            if om && i + 1 < total_lines {
                problem(
                    &mut ex,
                    line_no,
                    "empty line (not allowed in OpenMetrics)".into(),
                );
            }
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start_matches(' ');
            if om && comment == "EOF" {
                eof_line = Some(line_no);
                continue;
            }
            let mut parts = comment.splitn(3, ' ');
            let keyword = parts.next().unwrap_or("");
            if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
                if om {
                    problem(
                        &mut ex,
                        line_no,
                        format!(
                            "unknown comment `# {keyword}` (OpenMetrics allows HELP, TYPE, UNIT, EOF)"
                        ),
                    );
                }
                continue;
            }
            let Some(name) = parts.next().filter(|n| !n.is_empty()) else {
                problem(
                    &mut ex,
                    line_no,
                    format!("`# {keyword}` without a metric name"),
                );
                continue;
            };
            if !valid_metric_name(name) {
                problem(
                    &mut ex,
                    line_no,
                    format!("invalid metric name `{name}` in `# {keyword}`"),
                );
                continue;
            }
            let arg = parts.next().unwrap_or("").trim();
            if families_with_samples.contains(name) || closed.contains(name) {
                problem(
                    &mut ex,
                    line_no,
                    format!("`# {keyword} {name}` after samples of {name}"),
                );
                continue;
            }
            if current.as_deref() != Some(name) {
                if let Some(prev) = current.take() {
                    closed.insert(prev);
                }
                current = Some(name.to_string());
            }
            let fam = ex.families.entry(name.to_string()).or_insert(Family {
                kind: None,
                help: None,
                line: line_no,
            });
            match keyword {
                "TYPE" => match MetricType::parse(arg, om) {
                    Some(t) if fam.kind.is_none() => fam.kind = Some(t),
                    Some(_) => problem(&mut ex, line_no, format!("second `# TYPE` for {name}")),
                    None => problem(
                        &mut ex,
                        line_no,
                        format!("unknown metric type `{arg}` for {name}"),
                    ),
                },
                "HELP" => {
                    if fam.help.is_some() {
                        problem(&mut ex, line_no, format!("second `# HELP` for {name}"));
                    } else {
                        fam.help = Some(arg.to_string());
                    }
                }
                _ => {}
            }
            continue;
        }
        // A sample: name [labels] value [timestamp] [# exemplar]
        let line = if om {
            match line.find(" # ") {
                Some(p) => &line[..p],
                None => line,
            }
        } else {
            line
        };
        let name_end = line.find(|c: char| !is_name_char(c)).unwrap_or(line.len());
        let name = &line[..name_end];
        if !valid_metric_name(name) {
            problem(
                &mut ex,
                line_no,
                format!(
                    "invalid metric name at `{}`",
                    line.chars().take(30).collect::<String>()
                ),
            );
            continue;
        }
        let mut rest = &line[name_end..];
        let mut labels = Vec::new();
        if let Some(after) = rest.strip_prefix('{') {
            match parse_labels(after) {
                Ok((l, r)) => {
                    labels = l;
                    rest = r;
                }
                Err(e) => {
                    problem(&mut ex, line_no, format!("{name}: {e}"));
                    continue;
                }
            }
        }
        if !rest.starts_with([' ', '\t']) {
            problem(
                &mut ex,
                line_no,
                format!("{name}: expected a space before the value"),
            );
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (value, ts) = match fields.as_slice() {
            [v] => (*v, None),
            [v, t] => (*v, Some(*t)),
            [] => {
                problem(&mut ex, line_no, format!("{name}: missing value"));
                continue;
            }
            _ => {
                problem(
                    &mut ex,
                    line_no,
                    format!("{name}: unexpected text after the value and timestamp"),
                );
                continue;
            }
        };
        let Some(value) = parse_value(value) else {
            problem(
                &mut ex,
                line_no,
                format!("{name}: value `{value}` is not a number"),
            );
            continue;
        };
        if let Some(ts) = ts {
            let ok = if om {
                parse_value(ts).is_some_and(f64::is_finite)
            } else {
                ts.parse::<i64>().is_ok()
            };
            if !ok {
                problem(
                    &mut ex,
                    line_no,
                    format!("{name}: timestamp `{ts}` is not valid"),
                );
                continue;
            }
        }
        let family = family_of(name, &ex.families, om);
        if om && !ex.families.contains_key(&family) {
            problem(
                &mut ex,
                line_no,
                format!("{name}: sample without a `# TYPE` for its family (OpenMetrics)"),
            );
        }
        if current.as_deref() != Some(family.as_str()) {
            if closed.contains(&family) {
                problem(
                    &mut ex,
                    line_no,
                    format!("{name}: samples of {family} are not contiguous"),
                );
            }
            if let Some(prev) = current.take() {
                closed.insert(prev);
            }
            current = Some(family.clone());
        }
        ex.families.entry(family.clone()).or_insert(Family {
            kind: None,
            help: None,
            line: line_no,
        });
        families_with_samples.insert(family.clone());
        let mut key_labels = labels.clone();
        key_labels.sort();
        if !seen_series.insert((name.to_string(), key_labels)) {
            problem(
                &mut ex,
                line_no,
                format!("{name}: duplicate series (same name and labels)"),
            );
        }
        if let Some(kind) = ex.families.get(&family).and_then(|f| f.kind) {
            if matches!(kind, MetricType::Histogram | MetricType::GaugeHistogram)
                && name.ends_with("_bucket")
                && !labels.iter().any(|(k, _)| k == "le")
            {
                problem(
                    &mut ex,
                    line_no,
                    format!("{name}: histogram bucket without an `le` label"),
                );
            }
            if kind == MetricType::Counter && value < 0.0 {
                problem(
                    &mut ex,
                    line_no,
                    format!("{name}: counter with a negative value"),
                );
            }
        }
        ex.samples.push(Sample {
            name: name.to_string(),
            family,
            labels,
            value,
            line: line_no,
        });
    }
    if om && eof_line.is_none() {
        ex.problems.push(Problem {
            line: total_lines,
            message: "OpenMetrics exposition does not end with `# EOF`".into(),
        });
    }
    check_histograms(&mut ex);
    ex
}

/// Every histogram series needs an `le="+Inf"` bucket, and bucket counts must not decrease.
fn check_histograms(ex: &mut Exposition) {
    type Key = (String, Vec<(String, String)>);
    let mut buckets: BTreeMap<Key, Vec<(f64, f64, usize)>> = BTreeMap::new();
    for s in &ex.samples {
        let is_hist = ex
            .families
            .get(&s.family)
            .and_then(|f| f.kind)
            .is_some_and(|k| matches!(k, MetricType::Histogram | MetricType::GaugeHistogram));
        if !is_hist || !s.name.ends_with("_bucket") {
            continue;
        }
        let Some(le) = s
            .labels
            .iter()
            .find(|(k, _)| k == "le")
            .and_then(|(_, v)| parse_value(v))
        else {
            continue;
        };
        let mut rest: Vec<(String, String)> = s
            .labels
            .iter()
            .filter(|(k, _)| k != "le")
            .cloned()
            .collect();
        rest.sort();
        buckets
            .entry((s.family.clone(), rest))
            .or_default()
            .push((le, s.value, s.line));
    }
    for ((family, _), mut bs) in buckets {
        bs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let first_line = bs.first().map(|b| b.2).unwrap_or(0);
        if !bs.iter().any(|b| b.0 == f64::INFINITY) {
            ex.problems.push(Problem {
                line: first_line,
                message: format!("{family}: histogram series without an `le=\"+Inf\"` bucket"),
            });
        }
        for w in bs.windows(2) {
            if w[1].1 < w[0].1 {
                ex.problems.push(Problem {
                    line: w[1].2,
                    message: format!(
                        "{family}: bucket counts decrease (le={} has {} < {})",
                        w[1].0, w[1].1, w[0].1
                    ),
                });
                break;
            }
        }
    }
    ex.problems.sort_by_key(|p| p.line);
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# HELP http_requests_total Requests.\n\
# TYPE http_requests_total counter\n\
http_requests_total{method=\"get\",code=\"200\"} 1027 1395066363000\n\
http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n\
\n\
# TYPE latency_seconds histogram\n\
latency_seconds_bucket{le=\"0.1\"} 5\n\
latency_seconds_bucket{le=\"+Inf\"} 9\n\
latency_seconds_sum 1.5\n\
latency_seconds_count 9\n\
msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n\
up NaN\n";

    #[test]
    fn parses_the_reference_examples() {
        let ex = parse(GOOD, false);
        assert_eq!(ex.problems, vec![]);
        assert_eq!(ex.samples.len(), 8);
        assert!(ex.has("http_requests_total") && ex.has("latency_seconds") && ex.has("up"));
        assert_eq!(ex.samples[2].family, "latency_seconds");
        assert_eq!(ex.samples[6].labels[0].1, "C:\\DIR\\FILE.TXT");
        assert_eq!(ex.samples[6].labels[1].1, "Cannot find file:\n\"FILE.TXT\"");
        assert_eq!(ex.families["latency_seconds"].line, 6);
    }

    #[test]
    fn reports_every_bad_line_with_its_number() {
        let text = "# TYPE a counter\n\
a{x=\"1\"} 1\n\
a{x=\"1\"} 2\n\
b{x=1} 3\n\
c 12abc\n\
# TYPE a gauge\n\
# TYPE h histogram\n\
h_bucket{le=\"1\"} 5\n\
h_bucket{le=\"2\"} 4\n\
d{x=\"unterminated} 1\n\
9bad 1\n";
        let ex = parse(text, false);
        let lines: Vec<usize> = ex.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 8, 9, 10, 11], "{:#?}", ex.problems);
        assert!(ex.problems[0].message.contains("duplicate series"));
        assert!(ex.problems[4].message.contains("+Inf"));
    }

    #[test]
    fn openmetrics_needs_eof_and_types() {
        let ok = "# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\nfoo_seconds_total 1.5 1520879607.789 # {trace_id=\"x\"} 1\nfoo_seconds_created 1520872607.123\n# EOF\n";
        let ex = parse(ok, true);
        assert_eq!(ex.problems, vec![]);
        assert_eq!(ex.samples[0].family, "foo_seconds");
        let bad = "# TYPE foo counter\nfoo_total 1\nbar 2\n";
        let ex = parse(bad, true);
        let msgs: Vec<&str> = ex.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(ex.problems.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("without a `# TYPE`"));
        assert!(msgs[1].contains("# EOF"));
    }
}
