//! CI workflows (`ci.workflows`): build, test and security-scan jobs, pinned actions, least privilege.

pub mod workflows;
