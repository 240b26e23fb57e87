//! OpenAPI documentation completeness (`openapi.complete`).

pub mod complete;
