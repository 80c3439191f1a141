//! The parts of `fw-tone` (`src/main.rs`) that are plain code, tested on the host with
//! `cargo test --package alsa-direct-firmware`: the command line, log lines and the sine.
//! `no_std` like the program; the program start, signals and memory functions are the
//! binary's own.

#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod args;
pub mod log;
pub mod sine;
