//! Dependencies: pinned with lockfiles (`deps.pinned`), a library declared (`deps.declared`).

pub mod declared;
pub mod pinned;
