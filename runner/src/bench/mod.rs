//! `cargo board bench`'s parts: alsa-lib's `aplay` and the C floor for the guest, the script
//! that measures, and the report made of what it printed.

pub mod files;
pub mod floor;
pub mod report;
pub mod script;
