//! `cargo board bench`'s parts: alsa-lib's `aplay` for the guest, the script that measures,
//! and the report made of what it printed.

pub mod files;
pub mod report;
pub mod script;
