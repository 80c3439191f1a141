//! Long runs (`cargo board soak`, see docs/soak.md): the kernel's ring boundary crossed on a
//! 32-bit kernel (or a 32-bit process on a 64-bit one), heard bit-exact through the loopback,
//! with the process's descriptors, mappings and resident memory sampled every ten minutes of
//! guest time. Ignored by `cargo board test`: the soak runs them by name.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use alsa_direct::{Capture, Config, Format, MmapStream, Playback, Setup, State, Status, XrunPolicy};

use crate::common;

/// Frames of one cycle of the tone: a prime, so that the tone's phase at a period or buffer
/// start differs from one period to the next and a period handed out at the wrong place in
/// the buffer (or a frame lost or repeated) breaks the bit-exact comparison.
const CYCLE: usize = 97;

/// Periods streamed after both pointers crossed the boundary.
const AFTER_CROSSING: u64 = 16;

/// Guest time between two samples of the process's resources.
const SAMPLE_EVERY: Duration = Duration::from_secs(600);

/// A number from the environment, or `default`.
fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

/// One cycle of the tone, at half of full scale.
fn tone_table() -> [i16; CYCLE] {
    std::array::from_fn(|i| {
        let x = (2.0 * std::f64::consts::PI * i as f64 / CYCLE as f64).sin();
        (x * 16384.0).round() as i16
    })
}

/// The soak's stream: mono S16 at `ALSA_DIRECT_SOAK_RATE` (48000), periods of
/// `ALSA_DIRECT_SOAK_PERIOD` (16384) frames, 4 of them: a power-of-two buffer, so the kernel's
/// boundary is the smallest it can be (2^30 frames on 32 bits). An xrun fails the stream.
fn soak_config() -> Config {
    common::config(
        Format::S16Le,
        1,
        env_u32("ALSA_DIRECT_SOAK_RATE", 48_000),
        env_u32("ALSA_DIRECT_SOAK_PERIOD", 16_384),
        4,
    )
    .xrun_policy(XrunPolicy::Fail)
}

/// One stream's pointers followed across the boundary: unwrapped to 64 bits, checked after
/// every period.
struct Pointers {
    name: &'static str,
    boundary: u64,
    buffer: u64,
    period: u64,
    rate: u64,
    /// Times hw_ptr and appl_ptr wrapped.
    hw_wraps: u64,
    appl_wraps: u64,
    last_hw: u64,
    last_appl: u64,
    /// Unwrapped hw_ptr when both had wrapped.
    crossed_at: Option<u64>,
}

impl Pointers {
    fn new(name: &'static str, setup: &Setup) -> Self {
        Pointers {
            name,
            boundary: setup.boundary,
            buffer: u64::from(setup.negotiated.buffer_size),
            period: u64::from(setup.negotiated.period_size),
            rate: u64::from(setup.negotiated.rate),
            hw_wraps: 0,
            appl_wraps: 0,
            last_hw: 0,
            last_appl: 0,
            crossed_at: None,
        }
    }

    /// Checks one period's status: running (or prepared before a playback start), no xrun,
    /// both pointers below the boundary and moving forward by at most a buffer, the
    /// application pointer where `position` says, delay and avail within the buffer.
    fn check(&mut self, status: &Status, delay: i64, position: u64, xruns: u32) {
        let name = self.name;
        assert_eq!(xruns, 0, "{name}: xrun at position {position}");
        assert!(
            status.state == State::Running || (status.state == State::Prepared && position <= self.buffer),
            "{name}: state {:?} at position {position}",
            status.state
        );
        assert!(
            status.hw_ptr < self.boundary && status.appl_ptr < self.boundary,
            "{name}: pointer beyond the boundary {}: {status:?}",
            self.boundary
        );
        for (which, now, last, wraps) in [
            ("hw_ptr", status.hw_ptr, &mut self.last_hw, &mut self.hw_wraps),
            (
                "appl_ptr",
                status.appl_ptr,
                &mut self.last_appl,
                &mut self.appl_wraps,
            ),
        ] {
            let wrapped = now < *last;
            let step = if wrapped {
                now + self.boundary - *last
            } else {
                now - *last
            };
            if wrapped {
                *wraps += 1;
                println!(
                    "soak: {name}: {which} crossed the boundary {} ({:#x}): {} -> {now} at position {position} ({:.3} h of audio)",
                    self.boundary,
                    self.boundary,
                    *last,
                    position as f64 / self.rate as f64 / 3600.0
                );
            }
            assert!(
                step <= self.buffer,
                "{name}: {which} jumped by {step} frames ({} -> {now})",
                *last
            );
            *last = now;
        }
        let appl_total = self.appl_wraps * self.boundary + status.appl_ptr;
        let hw_total = self.hw_wraps * self.boundary + status.hw_ptr;
        assert_eq!(
            appl_total, position,
            "{name}: appl_ptr (unwrapped {appl_total}) is not the position {position}"
        );
        assert!(
            status.avail <= self.buffer,
            "{name}: avail {} beyond the buffer {}",
            status.avail,
            self.buffer
        );
        assert!(
            (0..=self.buffer as i64).contains(&delay),
            "{name}: delay {delay} outside 0..={}",
            self.buffer
        );
        if self.crossed_at.is_none() && self.hw_wraps > 0 && self.appl_wraps > 0 {
            self.crossed_at = Some(hw_total);
        }
    }

    /// Both pointers crossed the boundary, and [`AFTER_CROSSING`] periods went by since.
    fn done(&self) -> bool {
        let hw_total = self.hw_wraps * self.boundary + self.last_hw;
        self.crossed_at
            .is_some_and(|at| hw_total >= at + AFTER_CROSSING * self.period)
    }
}

/// The process's open descriptors, mapping lines and resident memory (KiB).
fn resources() -> (usize, usize, u64) {
    let (fds, maps) = common::fds_and_maps();
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("statm's resident field");
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    (fds, maps, pages * page / 1024)
}

/// Plays a tone on the loopback until hw_ptr and appl_ptr of both ends crossed the kernel's
/// boundary, checking the pointers after every period and the captured tone frame by frame
/// (bit-exact: the loopback copies the samples); samples the process's resources every ten
/// minutes of guest time, which must not change.
#[test]
#[ignore = "hours of guest audio: run by `cargo board soak`"]
fn boundary_crossed_and_heard() {
    let config = soak_config();
    let table = tone_table();
    let capture_done = Arc::new(AtomicBool::new(false));
    let all_done = Arc::new(AtomicBool::new(false));
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config)
        .unwrap_or_else(|e| panic!("capture open: {e}"));
    let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    let setup = *playback.setup();
    let boundary = setup.boundary;
    let rate = u64::from(setup.negotiated.rate);
    println!(
        "soak: boundary {boundary} ({:#x}) frames: {:.3} h at {rate} Hz; buffer {} frames, period {}, transport {:?}",
        boundary,
        boundary as f64 / rate as f64 / 3600.0,
        setup.negotiated.buffer_size,
        setup.negotiated.period_size,
        setup.transport
    );
    assert_eq!(capture.setup().boundary, boundary, "both ends' boundaries");
    assert!(
        boundary <= 1 << 31,
        "boundary {boundary}: not a 32-bit one (run on a 32-bit kernel or a 32-bit process)"
    );
    let started = Instant::now();

    let done = Arc::clone(&capture_done);
    let player = thread::spawn(move || {
        let mut pointers = Pointers::new("playback", playback.setup());
        let mut phase = 0;
        loop {
            playback
                .run(|buf, _| {
                    for s in buf {
                        *s = table[phase];
                        phase = if phase + 1 == CYCLE { 0 } else { phase + 1 };
                    }
                    ControlFlow::Break(())
                })
                .unwrap_or_else(|e| panic!("playback at {}: {e}", playback.position()));
            let status = playback.status().expect("playback status");
            let delay = playback.delay().expect("playback delay");
            pointers.check(&status, delay, playback.position(), playback.xruns());
            assert_eq!(phase as u64, playback.position() % CYCLE as u64);
            if pointers.done() && done.load(Ordering::Acquire) {
                break;
            }
        }
        playback.position()
    });

    let done = Arc::clone(&capture_done);
    let listener = thread::spawn(move || {
        let mut pointers = Pointers::new("capture", capture.setup());
        // The tone's phase at the next captured frame, once found; frames compared; the
        // position of the first frame that differs and how many do.
        let mut phase: Option<usize> = None;
        let (mut compared, mut first_bad, mut bad) = (0u64, None::<u64>, 0u64);
        loop {
            capture
                .run(|buf, info| {
                    let mut from = 0;
                    let mut ph = match phase {
                        Some(ph) => ph,
                        None => {
                            // The onset: the first frame that is not silence, with two cycles
                            // after it in this period, names the tone's phase.
                            let Some(at) = buf.iter().position(|&s| s != 0) else {
                                return ControlFlow::Break(());
                            };
                            if buf.len() - at < 2 * CYCLE {
                                return ControlFlow::Break(());
                            }
                            let found = (0..CYCLE).find(|&d| {
                                buf[at..at + 2 * CYCLE]
                                    .iter()
                                    .enumerate()
                                    .all(|(k, &s)| s == table[(d + k) % CYCLE])
                            });
                            let d = found.unwrap_or_else(|| {
                                panic!(
                                    "capture: no phase of the tone fits the onset at {}",
                                    info.position
                                )
                            });
                            println!("soak: capture: tone from position {}", info.position + at as u64);
                            from = at;
                            d
                        }
                    };
                    for (k, &s) in buf[from..].iter().enumerate() {
                        if s != table[ph] {
                            bad += 1;
                            first_bad.get_or_insert(info.position + (from + k) as u64);
                        }
                        ph = if ph + 1 == CYCLE { 0 } else { ph + 1 };
                    }
                    compared += (buf.len() - from) as u64;
                    phase = Some(ph);
                    ControlFlow::Break(())
                })
                .unwrap_or_else(|e| panic!("capture at {}: {e}", capture.position()));
            let status = capture.status().expect("capture status");
            let delay = capture.delay().expect("capture delay");
            pointers.check(&status, delay, capture.position(), capture.xruns());
            if pointers.done() {
                done.store(true, Ordering::Release);
                break;
            }
        }
        (capture.position(), compared, first_bad, bad)
    });

    // Resources every ten minutes of guest time while the streams run.
    let watcher_done = Arc::clone(&all_done);
    let watcher = thread::spawn(move || {
        let mut samples = Vec::new();
        let mut next = SAMPLE_EVERY;
        while !watcher_done.load(Ordering::Acquire) {
            thread::sleep(Duration::from_secs(1));
            if started.elapsed() >= next {
                let (fds, maps, rss) = resources();
                println!(
                    "soak: resources at {} min: {fds} fds, {maps} mappings, {rss} KiB resident",
                    next.as_secs() / 60
                );
                samples.push((fds, maps, rss));
                next += SAMPLE_EVERY;
            }
        }
        samples
    });

    let (captured, compared, first_bad, bad) = listener.join().expect("capture thread");
    let played = player.join().expect("playback thread");
    all_done.store(true, Ordering::Release);
    let samples = watcher.join().expect("resource thread");
    let hours = played as f64 / rate as f64 / 3600.0;
    println!(
        "soak: played {played} frames ({hours:.3} h of audio) in {:.0} s of guest time; captured {captured}, \
         compared {compared} frames with the tone ({:.3} Hz): {bad} differ",
        started.elapsed().as_secs_f64(),
        rate as f64 / CYCLE as f64
    );
    assert!(played > boundary && captured > boundary);
    assert_eq!(bad, 0, "the tone broke at capture position {first_bad:?}");
    assert!(
        compared + 2 * rate > captured,
        "compared {compared} of {captured} frames"
    );
    if let Some(first) = samples.first() {
        println!(
            "soak: resources: {} samples, all {} fds, {} mappings, {} KiB resident",
            samples.len(),
            first.0,
            first.1,
            first.2
        );
        assert!(
            samples.iter().all(|s| s == first),
            "the process's resources changed: {samples:?}"
        );
    }
}

/// On a 64-bit process and kernel, the boundary of the same stream: too far to reach (printed
/// with the years it would take); the host's property tests (src/ring/tests.rs) cover the
/// ring arithmetic at any boundary instead.
#[test]
#[ignore = "run by `cargo board soak`"]
fn boundary_of_a_64_bit_kernel_is_out_of_reach() {
    let config = soak_config();
    let playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    let setup = playback.setup();
    let rate = u64::from(setup.negotiated.rate);
    let years = setup.boundary as f64 / rate as f64 / (365.25 * 24.0 * 3600.0);
    println!(
        "soak: boundary {} ({:#x}) frames: {years:.3e} years at {rate} Hz (buffer {})",
        setup.boundary, setup.boundary, setup.negotiated.buffer_size
    );
    assert!(
        setup.boundary >= 1 << 62,
        "a 64-bit boundary is at least 2^62 frames"
    );
}
