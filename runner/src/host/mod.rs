//! The host: running its commands, where the workspace's files are, installing what the runner
//! needs, fetching Debian packages, and the declared `rust-version` checked with Debian's Rust.

pub mod debian;
pub mod exec;
pub mod install;
pub mod msrv;
pub mod workspace;
