//! `fw-tone`: the tone generator as firmware. No std, no libc, no allocator: a static
//! executable of a few tens of KiB that plays a sine on a PCM device through
//! `alsa_direct::MmapStream`, logs to syslog (`/dev/log`, RFC 3164, tag `fw-tone`) or to
//! stderr, and stops cleanly on SIGINT or SIGTERM (what is queued is drained).
//!
//! ```text
//! fw-tone [--device hw:0,0] [--freq 440] [--level 0.25] [--seconds 3] [--rate 48000]
//!         [--period 256] [--periods 4] [--sync-ptr] [--realtime | --realtime-try] [--priority 50]
//! ```
//!
//! `--realtime` runs the period loop under `SCHED_FIFO` at `--priority` with all memory locked
//! (`alsa_direct::realtime`) and stops with an error without the privilege; `--realtime-try`
//! warns instead and plays with normal scheduling.
//!
//! The device defaults to `$ALSA_DIRECT_PLAYBACK`, else `hw:0,0`. It needs nothing mounted:
//! the device nodes under `/dev/snd` and, optionally, `/dev/log`.
//!
//! The program starts at its own `_start` ([`start`]), which calls [`main`] with the
//! arguments and environment the kernel put on the stack; what can be tested on a host
//! (arguments, log lines, the sine) is the package's library, `src/lib.rs`. Numbers are read and written as integers
//! (frequency, level and seconds in thousandths) so that neither float parsing nor float
//! formatting is linked in.

#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod mem;
mod start;

use core::ops::ControlFlow;
use core::sync::atomic::{AtomicBool, Ordering};

use alsa_direct::{Config, Format, Matching, MmapStream, Playback, TransportChoice};
use alsa_direct_firmware::args::{self, Args, RealtimeChoice};
use alsa_direct_firmware::log::{self, Log, Severity};
use alsa_direct_firmware::{say, sine};

/// Exit status for a command line that could not be read.
const EXIT_USAGE: i32 = 2;
/// Exit status for a stream or realtime error.
const EXIT_ERROR: i32 = 1;

/// Set by the SIGINT/SIGTERM handler, read by the period callback.
static STOP: AtomicBool = AtomicBool::new(false);

/// The signal handler: only stores to an atomic, which is async-signal-safe.
unsafe extern "C" fn on_signal(_: core::ffi::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// Installs [`on_signal`] for SIGINT (2) and SIGTERM (15).
fn stop_on_signals() {
    for signal in [2, 15] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let _ = unsafe { start::on_signal(signal, on_signal) };
    }
}

/// The program, called by `start` once the process is set up; returns the exit status.
///
/// # Safety
/// `argv` and `envp` are the null-terminated arrays of C strings the kernel put on the
/// initial stack; they live as long as the process.
unsafe fn main(argc: usize, argv: *const *const u8, envp: *const *const u8) -> i32 {
    // SAFETY: as this function's contract says.
    let (arguments, environment) = unsafe { (args::c_strings(argv, argc), args::environment(envp)) };
    let log = Log::open();
    let args = match Args::parse(arguments, environment) {
        Ok(args) => args,
        Err(e) => {
            log::stderr(&[&e, &"\n", &args::USAGE, &"\n"]);
            return EXIT_USAGE;
        }
    };
    stop_on_signals();
    if let Some(choice) = args.realtime {
        match alsa_direct::realtime::enter(args.priority) {
            Ok(()) => say!(
                log,
                Severity::Info,
                "realtime: SCHED_FIFO priority ",
                args.priority,
                ", memory locked"
            ),
            Err(e) if choice == RealtimeChoice::Try => say!(
                log,
                Severity::Warning,
                "realtime refused (",
                e,
                "); playing with normal scheduling"
            ),
            Err(e) => {
                say!(
                    log,
                    Severity::Error,
                    "realtime refused: ",
                    e,
                    " (--realtime-try plays anyway)"
                );
                return EXIT_ERROR;
            }
        }
    }
    match play(&args, &log) {
        Ok(()) => 0,
        Err(e) => {
            say!(log, Severity::Error, "stopped on error: ", e);
            EXIT_ERROR
        }
    }
}

/// Plays the tone until its length has been queued or a signal arrives, then drains.
fn play(args: &Args, log: &Log) -> alsa_direct::Result<()> {
    let config = Config::new(Format::S16, 2, args.rate)
        .period_size(args.period)
        .periods(args.periods)
        // Exactly what was asked, or an error naming the range the device offers: nearest
        // matching would cost 1.2 KiB (armv7) of the size budget.
        .matching(Matching::Exact)
        .transport(if args.sync_ptr {
            TransportChoice::ForceSyncPtr
        } else {
            TransportChoice::Auto
        });
    let mut stream = MmapStream::<i16, Playback>::open(args.device, &config)?;
    let setup = *stream.setup();
    let n = setup.negotiated;
    say!(
        log,
        Severity::Info,
        "start: device ",
        args.device,
        " format ",
        n.format,
        " channels ",
        n.channels,
        " rate ",
        n.rate,
        " period ",
        n.period_size,
        " periods ",
        n.periods,
        " transport ",
        setup.transport,
        " tone ",
        args.freq,
        " Hz level ",
        args.level,
    );
    let total = args.seconds.times(u64::from(n.rate));
    let mut oscillator = sine::Oscillator::new(args.freq, n.rate, args.level);
    let mut xruns_logged = 0;
    stream.run(|period, info| {
        if info.xruns > xruns_logged {
            xruns_logged = info.xruns;
            say!(
                log,
                Severity::Warning,
                "xrun ",
                info.xruns,
                " at frame ",
                info.position
            );
        }
        // Frame by frame without `chunks_exact_mut`, whose length check is a remainder: a
        // library call on 32-bit ARM that nothing else in the firmware needs. The period is
        // whole frames, and a stream has at least one channel.
        let mut rest = period;
        while let Some((frame, tail)) = rest.split_at_mut_checked(info.channels.max(1)) {
            frame.fill(oscillator.next_sample());
            rest = tail;
        }
        if STOP.load(Ordering::Relaxed) || info.position + info.frames as u64 >= total {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    stream.drain()?;
    let reason = if STOP.load(Ordering::Relaxed) {
        "signal"
    } else {
        "done"
    };
    say!(
        log,
        Severity::Info,
        "stop (",
        reason,
        "): ",
        stream.position(),
        " frames played, ",
        stream.xruns(),
        " xruns"
    );
    Ok(())
}

/// Writes where to stderr and exits with status 101, as a std program would. The message
/// is left out: its formatting code would not fit the size budget.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if let Some(at) = info.location() {
        log::stderr(&[&"fw-tone: panicked at ", &at.file(), &":", &at.line(), &"\n"]);
    }
    start::exit(101)
}
