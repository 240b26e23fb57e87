//! Renderers (placeholder until the renderers land).
use gonogo_core::decide::Report;
pub struct TerminalOptions {
    pub color: bool,
    pub width: usize,
    pub verbose: bool,
}
pub fn terminal(r: &Report, _o: &TerminalOptions) -> String {
    json(r)
}
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}
pub fn junit(r: &Report) -> String {
    json(r)
}
pub fn sarif(r: &Report, _reg: &gonogo_core::Registry, _v: &str) -> String {
    json(r)
}
pub fn markdown(s: &str, _c: &gonogo_checklist::Checklist, _r: &Report) -> String {
    s.to_string()
}
