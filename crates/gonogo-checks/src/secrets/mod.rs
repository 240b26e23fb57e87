//! The `secrets.scan` kind; the scanner itself is the `gonogo-secrets` crate.

pub mod scan;
