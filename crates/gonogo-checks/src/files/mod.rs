//! Files present (`files.exists`).

pub mod exists;
