//! Vulnerability scanner reports against thresholds (`vulns.report`).

pub mod report;
