//! Env files (`env.strength`): secret strength, defaults, CORS, DEBUG, tracked env files.

pub mod strength;
