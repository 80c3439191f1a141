//! Real-kernel integration tests: run inside the emulated boards by `cargo board test`,
//! against the ALSA core and the loopback card (snd-aloop) of a real Linux kernel.
//!
//! Built only with the `kernel-tests` feature; run with `--test-threads=1` (the tests share
//! the loopback devices).

mod adopt;
#[cfg(feature = "embedded-hal")]
mod amp;
mod bad_input;
mod bridge;
mod common;
mod control;
mod examples;
mod faults;
mod formats;
mod lifecycle;
mod loopback;
mod mixer;
mod robustness;
mod soak;
mod stream_loop;
mod syscalls;
mod timing;
mod timing_driver;
mod transport;
