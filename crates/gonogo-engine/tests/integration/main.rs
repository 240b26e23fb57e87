//! The engine's integration tests, in one binary: the pipeline end to end on a small
//! repository, stage by stage and in one call.

mod nothing;
mod pipeline;
