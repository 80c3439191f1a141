//! SIGINT and SIGTERM as a stop request, for the examples: the handler only sets a flag, which
//! the streaming callback reads, so the example stops at a period boundary, drains what is
//! queued (or finishes its file) and exits cleanly.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal handler.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn stop_on_signals() {
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
    STOP.load(Ordering::Relaxed)
}
