//! Progress lines: every step the runner takes is printed with the seconds elapsed since it started.

use std::fmt;
use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// When the runner started.
static START: OnceLock<Instant> = OnceLock::new();

/// Starts the clock (the first call wins); later calls are no-ops.
pub fn start_clock() {
    START.get_or_init(Instant::now);
}

/// Time since [`start_clock`] (zero before it).
pub fn elapsed() -> Duration {
    START.get().map(Instant::elapsed).unwrap_or_default()
}

/// Prints one progress line `[  12.3s] message` on stdout and flushes it.
pub fn line(args: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "[{:>7.1}s] {args}", elapsed().as_secs_f64());
    let _ = out.flush();
}

/// Prints a progress line (same arguments as `format!`).
macro_rules! step {
    ($($arg:tt)*) => {
        $crate::progress::line(format_args!($($arg)*))
    };
}
pub(crate) use step;

/// Formats a duration as seconds with one decimal, e.g. `12.3s`.
pub fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
