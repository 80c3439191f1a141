//! SIGINT and SIGTERM as a stop request, for the examples: the library's handlers
//! (`alsa_direct::signal`, no libc) raise a `StopFlag`, which the streaming callback reads, so
//! the example stops at a period boundary, drains what is queued (or finishes its file) and
//! exits cleanly.

use alsa_direct::StopFlag;

/// Raised by the signal handler.
static STOP: StopFlag = StopFlag::new();

/// Raises [`STOP`]: the fallback handler, where the library has no `rt_sigaction` of its own.
extern "C" fn on_signal(_: libc::c_int) {
    STOP.raise();
}

/// Installs the handlers for SIGINT and SIGTERM.
pub fn stop_on_signals() {
    if alsa_direct::signal::stop_on_signals(&STOP).is_ok() {
        return;
    }
    // An architecture the library's handler is not built for (ENOSYS): libc's `signal`.
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe, and has
        // the signature `signal` expects.
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// True once SIGINT or SIGTERM arrived.
pub fn stop_requested() -> bool {
    STOP.is_raised()
}
