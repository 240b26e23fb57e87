//! Repair of text mis-encoded by a Windows-1252 / Windows-1254 / Mac Roman round trip.
//!
//! A checklist saved as UTF-8, read back as one of those code pages and saved again as UTF-8
//! turns `✅` into `âœ…` (Windows-1252), `🧪` into `ðŸ§ª` / `ğŸ§ª` (Windows-1254) and `📋` into
//! `üìã` (Mac Roman). Each mangled character stands for one byte of the original UTF-8, so
//! mapping the characters back to those bytes and decoding them as UTF-8 restores the text.
//!
//! Some tools drop the bytes a code page leaves undefined (0x81, 0x8D, …) instead of keeping
//! them, so `☁️` arrives as `â˜ï¸` with two bytes missing. Such a gap is filled only when exactly
//! one of the undefined bytes gives a character that checklists actually use (see
//! [`LIKELY_SYMBOLS`]); otherwise the text is left as it is, never guessed wildly.

use std::sync::OnceLock;

/// A legacy code page: the character each byte 0x80–0xFF decodes to, and the bytes it leaves
/// undefined (candidates for a byte dropped in the round trip).
struct CodePage {
    high: [char; 128],
    undefined: &'static [u8],
}

impl CodePage {
    fn byte_of(&self, c: char) -> Option<u8> {
        if c.is_ascii() {
            return Some(c as u8);
        }
        self.high
            .iter()
            .position(|&h| h == c)
            .map(|i| 0x80 + i as u8)
    }
}

fn code_pages() -> &'static [CodePage; 3] {
    static PAGES: OnceLock<[CodePage; 3]> = OnceLock::new();
    PAGES.get_or_init(|| {
        let table = |enc: &'static encoding_rs::Encoding| {
            let mut high = ['\u{FFFD}'; 128];
            for (i, slot) in high.iter_mut().enumerate() {
                let byte = [0x80 + i as u8];
                let (text, _) = enc.decode_without_bom_handling(&byte);
                *slot = text.chars().next().unwrap_or('\u{FFFD}');
            }
            high
        };
        [
            CodePage {
                high: table(encoding_rs::WINDOWS_1252),
                undefined: &[0x81, 0x8D, 0x8F, 0x90, 0x9D],
            },
            CodePage {
                high: table(encoding_rs::WINDOWS_1254),
                undefined: &[0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E],
            },
            CodePage {
                high: table(encoding_rs::MACINTOSH),
                undefined: &[],
            },
        ]
    })
}

/// Symbols a dropped byte may be restored to: the ones production checklists use in headings
/// and bullets. A gap that would decode to anything else stays unrepaired.
/// Ordered from the likeliest: when several would fit a gap, the first one listed wins.
const LIKELY_SYMBOLS: &[char] = &[
    '\u{FE0F}', '✅', '🚀', '📝', '📋', '📊', '🔍', '🔒', '🧪', '☁', '💾', '📚', '🎨', '📞', '🆘',
    '🔄', '⚠', '⚡', '⚙', '✔', '✓', '☑', '❌', '❗', '⭐', '🎯', '📈', '📉', '📌', '📦', '📢',
    '📣', '🔐', '🔑', '🔓', '🔔', '🔥', '🔧', '🔨', '🚨', '🛡', '🧹', '🐛', '👥', '🌐', '⏱', '⏰',
    '📁', '📂', '📍', '📎', '🔎', '☐', '☝',
];

/// Returns `s` with mojibake sequences repaired; other text unchanged.
pub fn repair_mojibake(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = chars[i..]
            .iter()
            .position(|c| c.is_ascii())
            .map_or(chars.len(), |p| i + p);
        out.push_str(&repair_run(&chars[i..end]));
        i = end;
    }
    out
}

/// Repairs one run of non-ASCII characters with the code page that explains most of it.
fn repair_run(run: &[char]) -> String {
    let mut best: Option<(usize, String)> = None;
    for page in code_pages() {
        let (repaired_chars, text) = decode_run(run, page);
        if repaired_chars > 0 && best.as_ref().is_none_or(|(n, _)| repaired_chars > *n) {
            best = Some((repaired_chars, text));
        }
    }
    best.map_or_else(|| run.iter().collect(), |(_, text)| text)
}

/// Length of the UTF-8 sequence a lead byte opens, for multi-byte leads only.
fn sequence_len(lead: u8) -> Option<usize> {
    match lead {
        0xC2..=0xDF => Some(2),
        0xE0..=0xEF => Some(3),
        0xF0..=0xF4 => Some(4),
        _ => None,
    }
}

fn is_continuation(b: u8) -> bool {
    (0x80..=0xBF).contains(&b)
}

/// Walks the run's bytes under `page`: every complete UTF-8 sequence becomes its character,
/// a sequence missing one byte is filled when exactly one likely symbol results, anything
/// else keeps its original character. Returns how many input characters were repaired.
fn decode_run(run: &[char], page: &CodePage) -> (usize, String) {
    let bytes: Vec<Option<u8>> = run.iter().map(|&c| page.byte_of(c)).collect();
    let mut out = String::new();
    let mut repaired = 0;
    let mut i = 0;
    while i < run.len() {
        let Some(len) = bytes[i].and_then(sequence_len) else {
            out.push(run[i]);
            i += 1;
            continue;
        };
        // How many continuation bytes actually follow the lead.
        let present = (1..len)
            .take_while(|k| {
                bytes
                    .get(i + k)
                    .copied()
                    .flatten()
                    .is_some_and(is_continuation)
            })
            .count();
        let seq: Vec<u8> = (0..=present).filter_map(|k| bytes[i + k]).collect();
        if present + 1 == len {
            if let Ok(text) = std::str::from_utf8(&seq)
                && plausible(text, run[i])
            {
                out.push_str(text);
                repaired += len;
                i += len;
                continue;
            }
        } else if present + 2 == len
            && let Some(c) = fill_gap(&seq, page)
        {
            out.push(c);
            repaired += present + 1;
            i += present + 1;
            continue;
        }
        out.push(run[i]);
        i += 1;
    }
    (repaired, out)
}

/// Whether a decoded sequence is what mojibake hides rather than an accident of real
/// accented text: symbols, punctuation and emoji for 3- and 4-byte sequences; Latin-1
/// letters only behind the tell-tale leads `Ã`/`Â` (`√`/`¬` in Mac Roman).
fn plausible(decoded: &str, first: char) -> bool {
    let Some(c) = decoded.chars().next() else {
        return false;
    };
    let cp = c as u32;
    if decoded.len() >= 3 {
        is_decoration(c) || (0x2000..=0x2BFF).contains(&cp)
    } else {
        (0xA0..=0xFF).contains(&cp) && matches!(first, 'Ã' | 'Â' | '√' | '¬')
    }
}

/// A sequence missing one byte (a byte the code page left undefined and a tool dropped):
/// the likeliest symbol that some undefined byte, put back anywhere after the lead, makes.
fn fill_gap(seq: &[u8], page: &CodePage) -> Option<char> {
    let mut best: Option<(usize, char)> = None;
    for &b in page.undefined {
        for at in 1..=seq.len() {
            let mut candidate = seq.to_vec();
            candidate.insert(at, b);
            let Ok(text) = std::str::from_utf8(&candidate) else {
                continue;
            };
            let Some(c) = text.chars().next() else {
                continue;
            };
            // The earlier a symbol stands in the list, the likelier it is.
            if let Some(rank) = LIKELY_SYMBOLS.iter().position(|&l| l == c)
                && best.is_none_or(|(r, _)| rank < r)
            {
                best = Some((rank, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// True for characters that decorate rather than say something: emoji, pictographs,
/// dingbats, variation selectors and joiners. Matching ignores them.
pub fn is_decoration(c: char) -> bool {
    matches!(c as u32,
        0x2190..=0x21FF   // arrows
        | 0x2300..=0x23FF // technical (⏱)
        | 0x2460..=0x24FF // enclosed alphanumerics
        | 0x25A0..=0x27BF // shapes, misc symbols, dingbats (☁ ✅ ✓)
        | 0x2900..=0x297F
        | 0x2B00..=0x2BFF
        | 0xFE00..=0xFE0F // variation selectors
        | 0x200D          // zero-width joiner
        | 0x20E3          // keycap
        | 0xE000..=0xF8FF // private use (Mac Roman's Apple logo)
        | 0x1F000..=0x1FAFF
        | 0xE0000..=0xE007F)
}

/// Check marks that open a success-criterion bullet (`- ✅ Error rate < 0.5%`).
pub fn is_check_mark(c: char) -> bool {
    matches!(c, '✅' | '✔' | '✓' | '☑' | '🗸')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_the_seeds_mojibake() {
        // Windows-1252.
        assert_eq!(repair_mojibake("âœ… Pre-Deployment"), "✅ Pre-Deployment");
        assert_eq!(repair_mojibake("Code Quality âœ“"), "Code Quality ✓");
        // Windows-1254 (ğ for 0xF0).
        assert_eq!(
            repair_mojibake("Testing Coverage ğŸ§ª"),
            "Testing Coverage 🧪"
        );
        assert_eq!(repair_mojibake("ğŸš€ Deployment"), "🚀 Deployment");
        // Mac Roman (the Apple logo for 0xF0).
        assert_eq!(repair_mojibake("\u{F8FF}üìã Pre"), "📋 Pre");
        assert_eq!(repair_mojibake("‚úÖ Response time"), "✅ Response time");
        assert_eq!(repair_mojibake("cafÃ© â€” Â©"), "café — ©");
    }

    #[test]
    fn fills_a_dropped_undefined_byte_only_with_a_likely_symbol() {
        // ☁️ = E2 98 81 EF B8 8F: both 0x81 and 0x8F were dropped.
        assert_eq!(
            repair_mojibake("Infrastructure â˜ï¸"),
            "Infrastructure ☁\u{FE0F}"
        );
        // 🔍 = F0 9F 94 8D with 0x8D dropped.
        assert_eq!(repair_mojibake("ğŸ” Post"), "🔍 Post");
        // 🎨 = F0 9F 8E A8: the missing 0x8E sits inside the sequence.
        assert_eq!(repair_mojibake("Frontend ğŸ¨"), "Frontend 🎨");
    }

    #[test]
    fn leaves_real_text_alone() {
        for s in [
            "café crème",
            "Müller über Straße",
            "naïve — “quoted” …",
            "Ünïcödé ÀÉÎÕÜ",
            "日本語のテキスト",
            "✅ already fine 🚀",
        ] {
            assert_eq!(repair_mojibake(s), s, "{s}");
        }
    }

    #[test]
    fn decorations() {
        assert!(is_decoration('🧪'));
        assert!(is_decoration('\u{FE0F}'));
        assert!(is_decoration('✅'));
        assert!(!is_decoration('é'));
        assert!(!is_decoration('%'));
    }
}
