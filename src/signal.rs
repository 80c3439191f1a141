//! Stopping a stream on SIGINT and SIGTERM in a program without a C library: handlers that
//! raise a [`StopFlag`], installed with the kernel's `rt_sigaction` directly.
//!
//! ```no_run
//! use core::ops::ControlFlow;
//! use alsa_direct::{signal, Config, Format, MmapStream, Playback, StopFlag};
//!
//! static STOP: StopFlag = StopFlag::new();
//!
//! signal::stop_on_signals(&STOP)?;
//! let mut stream = MmapStream::<i16, Playback>::open("hw:0,0", &Config::new(Format::S16Le, 2, 48_000))?;
//! // Ctrl-C or `kill` end the loop at the next period; the stream then drains.
//! stream.run_until(&STOP, |period, _| {
//!     period.fill(0);
//!     ControlFlow::<()>::Continue(())
//! })?;
//! stream.drain()?;
//! # Ok::<(), alsa_direct::Error>(())
//! ```
//!
//! With the standard library and a C library, the `signal-hook` or `ctrlc` crates do the
//! same and more; this is for `no_std` programs, such as `firmware/`'s fw-tone. Built on
//! x86, x86-64, ARM, AArch64 and RISC-V 64 (the `rt_sigaction` layouts checked there);
//! elsewhere [`stop_on_signals`] returns `ENOSYS`.

use core::ffi::c_int;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::error::Result;
use crate::stream::StopFlag;

/// `SIGINT`: Ctrl-C.
pub const SIGINT: c_int = 2;
/// `SIGTERM`: `kill`, a service manager stopping the program.
pub const SIGTERM: c_int = 15;

/// The flag the handler raises: set once by [`stop_on_signals`], from a `&'static`.
static FLAG: AtomicPtr<StopFlag> = AtomicPtr::new(core::ptr::null_mut());

/// The handler: raises the flag, an atomic store (async-signal-safe).
unsafe extern "C" fn on_signal(_: c_int) {
    let flag = FLAG.load(Ordering::Acquire);
    if !flag.is_null() {
        // SAFETY: the pointer was made from a `&'static StopFlag` (so it is valid for the
        // rest of the program), and `StopFlag` is `Sync`: raising it is an atomic store.
        unsafe { (*flag).raise() };
    }
}

/// Makes SIGINT and SIGTERM raise `flag` (with `SA_RESTART`, so that the stream's waits go
/// on until its loop sees the flag at the next period: [`crate::MmapStream::run_until`]).
/// A second call moves the signals to the new flag.
///
/// # Errors
/// [`Error::Sys`](crate::Error::Sys) with [`Op::Signal`](crate::Op::Signal) when
/// `rt_sigaction` fails (`ENOSYS` on an architecture this is not built for).
pub fn stop_on_signals(flag: &'static StopFlag) -> Result<()> {
    FLAG.store((flag as *const StopFlag).cast_mut(), Ordering::Release);
    for signal in [SIGINT, SIGTERM] {
        install(signal)?;
    }
    Ok(())
}

fn install(signal: c_int) -> Result<()> {
    // SAFETY: `on_signal` only loads an atomic pointer and stores to an atomic.
    unsafe { set_handler(signal, on_signal) }
}

/// Installs `handler` for `signal` with `SA_RESTART` (`rt_sigaction`): the building block of
/// [`stop_on_signals`], for a program that keeps its own flag.
///
/// # Safety
/// `handler` must only do async-signal-safe things (such as storing to an atomic).
///
/// # Errors
/// [`Error::Sys`](crate::Error::Sys) with [`Op::Signal`](crate::Op::Signal) when
/// `rt_sigaction` fails (`EINVAL` for `SIGKILL` or `SIGSTOP`; `ENOSYS` on an architecture
/// this is not built for).
pub unsafe fn set_handler(signal: c_int, handler: unsafe extern "C" fn(c_int)) -> Result<()> {
    // SAFETY: the handler's contract is this function's.
    unsafe { crate::sys::signal::install(signal, handler) }
}

#[cfg(test)]
mod tests;
