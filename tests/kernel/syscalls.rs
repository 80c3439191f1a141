//! System calls per period of a running stream, counted by tracing a child process with the
//! `ptrace` tracer the bench uses too (`alsa_direct_guest_tools::tracer`).
//!
//! Holds the transport's promise: the wakeup plus at most one ioctl per period on the
//! `SYNC_PTR` path, the wakeup alone on the mapped path.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use alsa_direct::{Capture, Error, Format, MmapStream, Playback, TransportKind};
use alsa_direct_guest_tools::tracer::{self, Traced, Window};

use crate::common;

/// Periods streamed before counting starts (start-up, initial fill).
const WARMUP_PERIODS: u64 = 8;
/// Periods counted.
const COUNTED_PERIODS: u64 = 50;
/// Frames per period: 85 ms, long enough for a traced process in an emulated guest to keep up
/// (every system call stops it twice, and ptrace stops are slow under TCG), so that the count is
/// the steady state and not xrun recovery.
const PERIOD: u32 = 4096;
/// Child exit status when the stream failed.
const EXIT_STREAM_ERROR: i32 = 1;
/// Child exit status when xruns happened (the count would include recovery): this plus the
/// number of xruns.
const EXIT_XRUN: i32 = 10;

/// In the traced child: streams on `device` until the window is over, with
/// [`tracer::marker`]s around it. Allocates nothing (the parent may have had other threads
/// when it forked).
fn stream_in_child(capture: bool, device: &str) -> ! {
    let config = common::config(Format::S16Le, 2, 48_000, PERIOD, 4);
    let period = u64::from(PERIOD);
    let window = |position: u64| {
        let n = position / period;
        if n == WARMUP_PERIODS || n == WARMUP_PERIODS + COUNTED_PERIODS {
            tracer::marker();
        }
        if n >= WARMUP_PERIODS + COUNTED_PERIODS {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let xruns = if capture {
        MmapStream::<i16, Capture>::open(device, &config)
            .map_err(Error::from)
            .and_then(|mut s| s.run(|_, info| window(info.position)).map(|()| s.xruns()))
    } else {
        MmapStream::<i16, Playback>::open(device, &config)
            .map_err(Error::from)
            .and_then(|mut s| {
                s.run(|buf, info| {
                    buf.fill(0);
                    window(info.position)
                })
                .map(|()| s.xruns())
            })
    };
    let status = match xruns {
        Ok(0) => 0,
        Ok(n) => EXIT_XRUN + n.min(100) as i32,
        Err(_) => EXIT_STREAM_ERROR,
    };
    // SAFETY: _exit ends the forked child without running the parent's destructors.
    unsafe { libc::_exit(status) }
}

/// Forks a traced child running `stream_in_child` and counts its system calls by number
/// between the two markers. Returns (counts, child exit status, or 128 + a signal).
fn trace(capture: bool) -> (BTreeMap<u64, u64>, i32) {
    let device = if capture {
        common::capture_device()
    } else {
        common::playback_device()
    };
    // SAFETY: the child only streams (no allocation in the library, none in the callback)
    // and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        tracer::trace_me();
        stream_in_child(capture, &device);
    }
    let Traced { status, counts, .. } = tracer::try_follow(pid, Window::BetweenMarkers)
        .unwrap_or_else(|error| panic!("tracing the stream failed: {error}"));
    (counts, status)
}

fn check(capture: bool) {
    let transport = {
        let config = common::config(Format::S16Le, 2, 48_000, PERIOD, 4);
        MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
            .unwrap()
            .transport()
    };
    // A traced process in an emulated guest can miss a period now and then; the count is
    // only the steady state without xruns, so such a run is measured again.
    const ATTEMPTS: u32 = 3;
    let (mut counts, mut exit) = trace(capture);
    for _ in 1..ATTEMPTS {
        if exit < EXIT_XRUN {
            break;
        }
        eprintln!(
            "the traced stream had {} xruns; measuring again",
            exit - EXIT_XRUN
        );
        (counts, exit) = trace(capture);
    }
    let total: u64 = counts.values().sum();
    let per_period = total as f64 / COUNTED_PERIODS as f64;
    eprintln!(
        "{} via {transport}: {total} syscalls in {COUNTED_PERIODS} periods ({per_period:.2}/period), by number: {counts:?}",
        if capture { "capture" } else { "playback" },
    );
    assert_ne!(exit, EXIT_STREAM_ERROR, "the traced stream failed");
    assert!(
        exit < 128,
        "the traced stream was killed by signal {}",
        exit - 128
    );
    assert!(
        exit < EXIT_XRUN,
        "the traced stream had {} xruns: the count is not the steady state",
        exit - EXIT_XRUN
    );
    assert_eq!(exit, 0);
    let (ioctls, limit) = match transport {
        TransportKind::Mapped => (0, 1),
        _ => (1, 2),
    };
    assert!(total > 0, "no system call seen: the tracer is broken");
    assert!(
        total <= limit * COUNTED_PERIODS,
        "{per_period:.2} syscalls per period on {transport}: at most {limit} (wakeup + {ioctls} ioctl) expected"
    );
    let ioctl_count = counts.get(&(libc::SYS_ioctl as u64)).copied().unwrap_or(0);
    assert!(
        ioctl_count <= ioctls * COUNTED_PERIODS,
        "{ioctl_count} ioctls in {COUNTED_PERIODS} periods"
    );
}

#[test]
fn playback_syscalls_per_period() {
    check(false);
}

#[test]
fn capture_syscalls_per_period() {
    check(true);
}
