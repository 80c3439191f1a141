//! Robustness on the real kernel: permission denied, signals during the wait, a peer that
//! stops delivering, 10,000 open/close cycles and a soak with random stalls.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alsa_direct::{Capture, Direction, Errno, Error, Format, MmapStream, Op, PcmDevice, Playback};

use crate::common::{self, Oscillator};

/// An unprivileged user (`nobody`) cannot open the device: a typed error that says what to do.
#[test]
fn permission_denied_for_an_unprivileged_user() {
    // Everything the child needs is made before the fork: it must not allocate.
    let device = common::playback_device();
    let config = common::config(Format::S16Le, 2, 48_000, 1024, 4);
    // SAFETY: the child only switches user, opens the device and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: plain system calls in the forked child.
        let status = if unsafe { libc::setgid(65534) != 0 || libc::setuid(65534) != 0 } {
            3
        } else {
            match MmapStream::<i16, Playback>::open(&device, &config).map_err(Error::from) {
                // The card id is resolved through the control device, refused first.
                Err(Error::Sys {
                    op: Op::OpenPcm | Op::OpenControl,
                    errno: Errno::ACCES,
                }) => 0,
                Err(_) => 1,
                Ok(_) => 2,
            }
        };
        // SAFETY: ends the forked child without running the parent's destructors.
        unsafe { libc::_exit(status) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let code = libc::WEXITSTATUS(status);
    assert_ne!(code, 3, "could not become nobody");
    assert_ne!(code, 2, "nobody opened the device");
    assert_eq!(code, 0, "nobody got another error than EACCES");
    let hint = Error::Sys {
        op: Op::OpenPcm,
        errno: Errno::ACCES,
    }
    .to_string();
    assert!(hint.contains("audio"), "{hint}");
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Signals delivered to the streaming thread interrupt its `poll` (EINTR); the stream retries
/// and plays on.
#[test]
fn signals_during_the_wait_are_retried() {
    // SAFETY: installs a handler that does nothing, without SA_RESTART so poll sees EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore_signal as *const () as libc::sighandler_t;
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
    }
    let config = common::config(Format::S16Le, 2, 48_000, 1024, 4);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    // SAFETY: pthread_self has no preconditions.
    let streaming_thread = unsafe { libc::pthread_self() };
    let signaller = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut sent = 0u32;
            while !done.load(Ordering::Relaxed) {
                // SAFETY: the streaming thread lives until `done` is set.
                unsafe { libc::pthread_kill(streaming_thread, libc::SIGUSR1) };
                sent += 1;
                std::thread::sleep(Duration::from_millis(3));
            }
            sent
        })
    };
    let mut osc = Oscillator::new(2, 48_000);
    let result = stream.run(|buf, info| {
        osc.fill(buf);
        if info.position >= 48_000 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    done.store(true, Ordering::Relaxed);
    let sent = signaller.join().unwrap();
    assert_eq!(result, Ok(()));
    assert!(sent > 50, "only {sent} signals sent");
    assert_eq!(stream.xruns(), 0);
}

/// A device that stops delivering ends the wait with a timeout error instead of hanging.
///
/// snd-aloop keeps its capture running (on silence) when its playback peer pauses, so the
/// stall is made by pausing the capture stream itself: its pointer stops, `poll` never
/// fires, and `wait` must give up after the stream's timeout.
#[test]
fn stalled_device_times_out() {
    let config = common::config(Format::S16Le, 2, 48_000, 1024, 4).timeout_ms(500);
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config).unwrap();
    capture.start().unwrap();
    assert!(capture.wait(None).unwrap(), "a running capture delivers");
    capture.pause(true).unwrap();
    capture.avail().unwrap();
    loop {
        let frames = capture.begin(usize::MAX).len() / 2;
        if frames == 0 {
            break;
        }
        capture.commit(frames).unwrap();
    }
    let started = Instant::now();
    assert_eq!(capture.wait(None), Err(Error::Timeout));
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400), "gave up after {waited:?}");
    assert!(waited < Duration::from_secs(10), "the timeout took {waited:?}");
    let run = capture.run(|_, _| ControlFlow::<()>::Continue(()));
    assert_eq!(
        run,
        Err(Error::BadState(alsa_direct::State::Paused)),
        "run on a paused stream"
    );
}

/// 10,000 opens and closes of the device leave no descriptor or mapping behind.
#[test]
fn ten_thousand_open_close_cycles() {
    let name = common::playback_device().parse().unwrap();
    drop(PcmDevice::open(&name, Direction::Playback).unwrap());
    let before = common::fds_and_maps();
    for _ in 0..10_000 {
        drop(PcmDevice::open(&name, Direction::Playback).unwrap());
    }
    assert_eq!(common::fds_and_maps(), before);
}

/// A tiny deterministic random generator (xorshift), so a failing soak can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Streams for `ALSA_DIRECT_SOAK_SECONDS` (default 20) with random stalls of the playback
/// callback: short ones (under half a period) and long ones (twice the buffer, while the
/// stream runs) that must each cause an xrun. The stream's count must equal the kernel's own
/// (a kprobe on `__snd_pcm_xrun`): an emulated guest may add xruns of its own, never
/// uncounted ones. Every xrun is counted, and nothing leaks.
#[test]
fn soak_with_random_stalls() {
    let seconds: u64 = std::env::var("ALSA_DIRECT_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let rate = 48_000u32;
    let period = 2048u32;
    let period_ms = common::frames_ms(u64::from(period), rate);
    let buffer_ms = 4 * period_ms;
    let before = common::fds_and_maps();
    let config = common::config(Format::S16Le, 2, rate, period, 4);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let kernel = common::KernelXruns::start();
    let mut osc = Oscillator::new(2, rate);
    let mut random = Random(0x9e37_79b9_7f4a_7c15 ^ seconds);
    let (mut long_stalls, mut short_stalls) = (0u32, 0u32);
    // Periods filled since the stream (re)started filling: a stall during the first four,
    // before the stream starts again, cannot underrun.
    let (mut filled_since_start, mut xruns_seen) = (0u32, 0u32);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    stream
        .run(|buf, info| {
            osc.fill(buf);
            if info.xruns != xruns_seen {
                xruns_seen = info.xruns;
                filled_since_start = 0;
            }
            filled_since_start += 1;
            let running = filled_since_start > 4;
            match random.below(40) {
                0 if running => {
                    long_stalls += 1;
                    std::thread::sleep(Duration::from_millis(2 * buffer_ms));
                }
                1..=4 => {
                    short_stalls += 1;
                    std::thread::sleep(Duration::from_millis(random.below(period_ms / 2)));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    let kernel_xruns = kernel.as_ref().map(common::KernelXruns::count);
    eprintln!(
        "soak {seconds} s: {long_stalls} long stalls, {short_stalls} short stalls, {} xruns counted, {kernel_xruns:?} declared by the kernel",
        stream.xruns()
    );
    assert!(
        long_stalls > 0 && short_stalls > 0,
        "the soak was too short to stall"
    );
    if let Some(kernel_xruns) = kernel_xruns {
        assert_eq!(
            stream.xruns(),
            kernel_xruns,
            "every xrun the kernel declared is counted, once"
        );
    }
    assert!(
        stream.xruns() >= long_stalls,
        "a stall of twice the buffer did not underrun"
    );
    drop(stream);
    assert_eq!(common::fds_and_maps(), before);
}
