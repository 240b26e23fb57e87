//! The integration tests of the secret scanner, in one binary.

mod fixture;
mod history;
mod robustness;
