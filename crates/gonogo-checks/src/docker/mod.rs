//! The Docker family; the Dockerfile parser is `gonogo_parsers::dockerfile`.

pub mod dockerfile;
