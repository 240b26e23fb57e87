//! Commands the checklist names (`cmd.succeeds`): the only family that starts processes.

pub mod succeeds;
