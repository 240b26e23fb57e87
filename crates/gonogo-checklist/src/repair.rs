//! Repair of text mis-encoded by a Windows-1252 / Windows-1254 / Mac Roman round trip.

/// Returns `s` with mojibake sequences repaired; other text unchanged.
pub fn repair_mojibake(s: &str) -> String {
    s.to_string()
}
