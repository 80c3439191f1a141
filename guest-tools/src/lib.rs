//! Guest-side tools of the emulated boards, in one place: the guest half of `cargo board bench`
//! (the `bench` binary), the `ptrace` system call tracer it shares with the kernel tests
//! ([`tracer`]), and the C floor program the bench compares with (`floor/floor.c`, built by
//! the runner with each target's cross gcc).
//!
//! Not part of the published crate: these run inside the guests that `cargo board` boots.

pub mod tracer;
