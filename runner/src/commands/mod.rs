//! The runner's subcommands, one module each, and the summary table they print.

pub mod bench;
pub mod ci;
pub mod list;
pub mod probe;
pub mod run;
pub mod setup;
pub mod soak;
pub mod summary;
pub mod test;
