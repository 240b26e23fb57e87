//! The store's integration tests, in one binary (each test binary links the whole dependency
//! graph).

mod behaviour;
