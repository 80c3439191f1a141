//! Timing on the board's own playback device: timer-scheduled streams without period
//! interrupts, the device clock against `CLOCK_MONOTONIC`, and audio timestamps of the link
//! type. On the loopback boards they run in the normal suite (the fallbacks, the default
//! timestamp type); on the real-driver boards (snd-hda-intel, snd-usb-audio) `cargo board
//! test` runs them among the driver tests (`runner/src/commands/test.rs`, `DRIVER_TESTS`),
//! and each prints its figures as `figure NAME: ...` lines, which the runner copies into the
//! summary.

use std::ops::ControlFlow;
use std::time::Instant;

use alsa_direct::{
    AudioTimestampType, DeviceClock, DeviceName, Direction, Format, MmapStream, PcmDevice, Playback, State,
    Wakeups,
};

use crate::common;

/// Prints one figure for the summary (`figure RUN NAME: DEVICE TEXT`; the run from
/// `ALSA_DIRECT_RUN`).
fn figure(name: &str, text: &str) {
    let run = std::env::var("ALSA_DIRECT_RUN").unwrap_or_else(|_| "-".into());
    println!("figure {run} {name}: {} {text}", common::playback_device());
}

/// Whether the playback device is the loopback card (no interrupt, its clock tested by
/// `timing::device_clock_finds_the_loopback_rate_shift`).
fn on_loopback() -> bool {
    common::playback_device().contains("Loopback")
}

/// The sound card's interrupts so far, from `/proc/interrupts` (the lines naming
/// snd_hda_intel); `None` where none is listed (the loopback has no interrupt, USB audio
/// shares its host controller's).
pub fn sound_interrupts() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/interrupts").ok()?;
    let mut total = None;
    for line in text.lines().filter(|l| l.contains("snd_hda_intel")) {
        let counts: u64 = line
            .split_whitespace()
            .skip(1)
            .map_while(|field| field.parse::<u64>().ok())
            .sum();
        *total.get_or_insert(0) += counts;
    }
    total
}

/// This thread's CPU time in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write; the clock id is a constant.
    let done = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(done, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// This thread's voluntary context switches (each sleep that blocked: its wakeups).
fn thread_wakeups() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").expect("/proc is mounted");
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("voluntary_ctxt_switches in /proc/thread-self/status")
}

/// What a stretch of streaming cost, per second of audio.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    /// Sound card interrupts (`None`: none listed for the card).
    pub interrupts: Option<f64>,
    /// Times the streaming thread slept and was woken.
    pub wakeups: f64,
    /// The streaming thread's CPU time, in microseconds.
    pub cpu_us: f64,
    /// Periods handed to the callback.
    pub periods: f64,
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.interrupts {
            Some(irqs) => write!(f, "irq/s {irqs:.1}")?,
            None => write!(f, "irq/s -")?,
        }
        write!(
            f,
            ", wakeups/s {:.1}, cpu {:.0} us/s, periods/s {:.1}",
            self.wakeups, self.cpu_us, self.periods
        )
    }
}

/// Plays `seconds` of silence on `stream` (started and drained here) and measures what it
/// cost per second of audio.
pub fn measure(stream: &mut MmapStream<i16, Playback>, seconds: u64) -> Cost {
    let rate = u64::from(stream.setup().negotiated.rate);
    let until = stream.position() + seconds * rate;
    let (irqs, wakeups, cpu) = (sound_interrupts(), thread_wakeups(), thread_cpu_ns());
    let start = stream.position();
    let mut periods = 0u64;
    stream
        .run(|buf, info| {
            buf.fill(0);
            periods += 1;
            if info.position + info.frames as u64 >= until {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("run: {e}"));
    let (cpu, wakeups) = (thread_cpu_ns() - cpu, thread_wakeups() - wakeups);
    let irqs = irqs.zip(sound_interrupts()).map(|(a, b)| b - a);
    let audio = (stream.position() - start) as f64 / rate as f64;
    stream.drain().unwrap_or_else(|e| panic!("drain: {e}"));
    Cost {
        interrupts: irqs.map(|n| n as f64 / audio),
        wakeups: wakeups as f64 / audio,
        cpu_us: cpu as f64 / 1000.0 / audio,
        periods: periods as f64 / audio,
    }
}

/// Whether the playback device offers `NO_PERIOD_WAKEUP` (the refined "any" parameters).
fn offers_no_period_wakeup() -> bool {
    let name = DeviceName::parse(&common::playback_device()).unwrap();
    let mut pcm = PcmDevice::open(&name, Direction::Playback).unwrap_or_else(|e| panic!("open: {e}"));
    let caps = pcm.capabilities().unwrap_or_else(|e| panic!("capabilities: {e}"));
    let offered = caps.info_flags().any(|f| f == "NO_PERIOD_WAKEUP");
    offered
}

/// Rate, period and periods of the timer tests: 48 kHz, 256 frames, a buffer of 8192.
const RATE: u32 = 48_000;
const PERIOD: u32 = 256;
const PERIODS: u32 = 32;

/// The timer tests' target fill: `ALSA_DIRECT_TIMER_TARGET` (set by `cargo board test` from
/// the board's `[audio] buffered_frames`: qemu's HDA codec fetches about 1800 frames ahead
/// of what it plays, so the hardware pointer leads the sound by that much and a smaller
/// queue underruns), else `default`.
fn timer_target(default: u32) -> u32 {
    std::env::var("ALSA_DIRECT_TIMER_TARGET")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(default)
}

/// A timer-scheduled playback stream against period mode on the same device. Where the
/// driver offers `NO_PERIOD_WAKEUP` (snd-hda-intel) the stream runs on its own timer,
/// keeping the target fill, with no sound card interrupts where period mode raises
/// `rate / period` a second; the target fill changes while running. Elsewhere (the
/// loopback, USB audio) the setup says it fell back to period interrupts. No xrun either way.
#[test]
fn timer_mode_spares_the_period_interrupts() {
    let offered = offers_no_period_wakeup();
    let base = common::config(Format::S16Le, 2, RATE, PERIOD, PERIODS);
    let period_mode = {
        let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &base)
            .unwrap_or_else(|e| panic!("open: {e}"));
        assert_eq!(stream.setup().wakeups, Wakeups::PeriodInterrupts);
        let cost = measure(&mut stream, 3);
        assert_eq!(stream.xruns(), 0, "xruns in period mode");
        cost
    };
    figure(
        "timer",
        &format!("period mode, period {PERIOD} x {PERIODS}: {period_mode}"),
    );
    let target = timer_target(2 * PERIOD);
    let mut stream =
        MmapStream::<i16, Playback>::open(&common::playback_device(), &base.timer_scheduled(target))
            .unwrap_or_else(|e| panic!("open: {e}"));
    let wakeups = stream.setup().wakeups;
    let timer_mode = measure(&mut stream, 3);
    figure(
        "timer",
        &format!("NO_PERIOD_WAKEUP offered {offered}, wakeups {wakeups:?}, target {target}: {timer_mode}"),
    );
    assert_eq!(stream.xruns(), 0, "xruns in timer mode");
    if !offered {
        assert_eq!(
            wakeups,
            Wakeups::PeriodInterruptsFallback,
            "the setup says it fell back"
        );
        assert_eq!(stream.target_fill(), None);
        return;
    }
    assert_eq!(wakeups, Wakeups::Timer, "the driver offers NO_PERIOD_WAKEUP");
    assert_eq!(stream.target_fill(), Some(u64::from(target)));
    let per_period = f64::from(RATE) / f64::from(PERIOD);
    if let (Some(with), Some(without)) = (period_mode.interrupts, timer_mode.interrupts) {
        // Period mode: one interrupt a period. Timer mode: none but the codec's rare
        // unsolicited responses.
        assert!(
            with > 0.8 * per_period && with < 1.5 * per_period,
            "period mode raised {with:.1} interrupts/s, expected {per_period:.1}"
        );
        assert!(without < 1.0, "timer mode raised {without:.1} interrupts/s");
    }
    // The queue kept between the target and a period less: one wakeup a period (a sleep
    // that woke before a chunked position showed its period would make a second).
    assert!(
        timer_mode.wakeups <= 1.2 * per_period,
        "{:.1} wakeups/s",
        timer_mode.wakeups
    );
    // The target changed while running: up, then down, the stream running between.
    stream.prepare().unwrap_or_else(|e| panic!("prepare: {e}"));
    for target in [target + 2 * PERIOD, target] {
        assert_eq!(stream.set_target_fill(target), Some(u64::from(target)));
        let mut periods = 0;
        stream
            .run(|buf, _| {
                buf.fill(0);
                periods += 1;
                if periods >= 100 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_or_else(|e| panic!("run at target {target}: {e}"));
        assert_eq!(stream.state().unwrap(), State::Running);
        let queued = stream.snapshot().unwrap().delay;
        assert!(
            queued <= u64::from(target),
            "{queued} frames queued over the target {target}"
        );
    }
    assert_eq!(stream.xruns(), 0, "xruns after changing the target");
}

/// Seconds of audio the device clock is measured over.
const CLOCK_SECONDS: u64 = 10;

/// The device clock of the board's playback device against `CLOCK_MONOTONIC`: ten seconds
/// of period-mode playback, the `(hw_ptr, timestamp)` pair of every period into a
/// [`DeviceClock`], and beside it a straight line fitted to the same pairs (least squares).
/// Prints the estimate, the line's, and the spread of the loop's phase after the first two
/// seconds (the timestamps' jitter).
///
/// The bounds: on qemu's instruction clock (`cargo board test`'s default) the guest's
/// `CLOCK_MONOTONIC` and the emulated device's audio timer both count executed instructions,
/// so the device runs at its nominal rate (HDA's link counter: -1 ppm against the system
/// time). What the estimates can see of it is limited by the positions' jitter: qemu's HDA
/// moves its DMA position in bursts, 300 us rms at the period interrupts (measured on
/// qemu-x86_64-hda). A line through 8 s of such pairs is good to about 5 ppm
/// (`σ·√(12/N)/T`): it must be within 10 ppm. The loop's estimate wanders more at its
/// bandwidth (-14.9 ppm measured at 0.057 Hz after 10 s): within 20 ppm. A wrong rate, a lost
/// or a doubled period is thousands of ppm. On the host's clock (`--real-clock`) nothing is
/// asserted: the host's load moves the guest's time.
#[test]
fn device_clock_of_the_driver() {
    if on_loopback() {
        eprintln!("the loopback's clock: timing::device_clock_finds_the_loopback_rate_shift");
        return;
    }
    let rate: u32 = std::env::var("ALSA_DIRECT_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(48_000);
    let config = common::config(Format::S16Le, 2, rate, 480, 8);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("open: {e}"));
    let mut clock = DeviceClock::new(rate, stream.setup().boundary);
    let frames = CLOCK_SECONDS * u64::from(rate);
    let settle = 2 * u64::from(rate);
    let mut pairs: Vec<(u64, i64)> = Vec::new();
    let mut phases: Vec<f64> = Vec::new();
    let started = Instant::now();
    stream
        .run(|buf, info| {
            buf.fill(0);
            clock.update(info.hw_ptr, info.timestamp.nanos());
            pairs.push((info.hw_ptr, info.timestamp.nanos()));
            if info.position >= settle {
                phases.push(clock.phase_ns());
            }
            if info.position >= frames {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("run: {e}"));
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(stream.xruns(), 0, "xruns while measuring the clock");
    stream.drain().unwrap_or_else(|e| panic!("drain: {e}"));
    // The line through the pairs after the first two seconds (the first pair of a stream is
    // taken before it started).
    let settled: Vec<(u64, i64)> = pairs.iter().copied().skip_while(|&(hw, _)| hw < settle).collect();
    let line = fitted_ppm(&settled, rate);
    let rms = (phases.iter().map(|p| p * p).sum::<f64>() / phases.len().max(1) as f64).sqrt();
    let worst = phases.iter().fold(0.0f64, |m, p| m.max(p.abs()));
    figure(
        "device-clock",
        &format!(
            "{:+.2} ppm (line fit {line:+.2} ppm), phase rms {:.0} us, max {:.0} us, {:.3} Hz, {} pairs over {CLOCK_SECONDS} s of audio ({wall:.1} s wall)",
            clock.ppm(),
            rms / 1000.0,
            worst / 1000.0,
            clock.bandwidth_hz(),
            clock.updates()
        ),
    );
    if std::env::var_os("ALSA_DIRECT_REAL_CLOCK").is_none() {
        assert!(
            line.abs() <= 10.0,
            "the line through the pairs runs {line:+.2} ppm off the nominal rate on the instruction clock"
        );
        assert!(
            clock.ppm().abs() <= 20.0,
            "the device clock estimates {:+.2} ppm off the nominal rate on the instruction clock",
            clock.ppm()
        );
    }
}

/// The rate of `(hw_ptr, time_ns)` pairs over the nominal `rate`, in ppm: the slope of a
/// straight line through them by least squares (time against frames).
fn fitted_ppm(pairs: &[(u64, i64)], rate: u32) -> f64 {
    let (f0, t0) = pairs[0];
    let points: Vec<(f64, f64)> = pairs
        .iter()
        .map(|&(f, t)| ((f - f0) as f64, (t - t0) as f64))
        .collect();
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(xy, xx), p| {
        (xy + (p.0 - mx) * (p.1 - my), xx + (p.0 - mx) * (p.0 - mx))
    });
    let frame_ns = sxy / sxx;
    (1e9 / (f64::from(rate) * frame_ns) - 1.0) * 1e6
}

/// `STATUS_EXT` with each audio timestamp type on the playback device: a type the driver
/// announces (HDA playback: link) comes back as itself with its accuracy, any other as the
/// default. Where the link type is offered, its time over two seconds is compared with the
/// position (the frames the hardware moved at the nominal rate), the system time and the
/// device clock.
#[test]
fn audio_timestamps_report_the_type_the_driver_gave() {
    let rate = 48_000u32;
    let config = common::config(Format::S16Le, 2, rate, 1024, 4);
    let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    let mut clock = DeviceClock::new(rate, playback.setup().boundary);
    let mut play = |stream: &mut MmapStream<i16, Playback>, frames: u64| {
        let until = stream.position() + frames;
        stream
            .run(|buf, info| {
                buf.fill(0);
                clock.update(info.hw_ptr, info.timestamp.nanos());
                if info.position + info.frames as u64 >= until {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_or_else(|e| panic!("playback run: {e}"));
    };
    play(&mut playback, u64::from(rate) / 2);
    let mut types = Vec::new();
    let link_offered = playback.offers_audio_timestamp(AudioTimestampType::Link);
    for kind in AudioTimestampType::ALL {
        let offered = playback.offers_audio_timestamp(kind);
        let time = playback
            .audio_time(kind)
            .unwrap_or_else(|e| panic!("STATUS_EXT {kind:?}: {e}"));
        eprintln!(
            "{kind:?} offered {offered}: actual {:?}, accuracy {:?} ns, audio {:?}, system {:?}, hw_ptr {}, delay {}",
            time.actual, time.accuracy_ns, time.audio_timestamp, time.timestamp, time.hw_ptr, time.delay
        );
        types.push(format!("{kind:?}->{:?}", time.actual));
        assert_eq!(time.state, State::Running);
        if offered {
            assert_eq!(time.actual, Some(kind), "{kind:?} is offered");
        } else {
            assert_eq!(
                time.actual,
                Some(AudioTimestampType::Default),
                "{kind:?} is not offered: the default"
            );
        }
        if kind == AudioTimestampType::Default && !link_offered {
            // The default is the position's time: hw_ptr frames at the nominal rate since the
            // start. (Only on a driver without its own audio time: the kernel computes it
            // from the position only when the driver's last report said DEFAULT, and a driver
            // with `get_time_info`, such as HDA, is not asked for the default type.)
            let position_ns = time.hw_ptr as i128 * 1_000_000_000 / i128::from(rate);
            let audio_ns = i128::from(time.audio_timestamp.nanos());
            assert!(
                (audio_ns - position_ns).abs() < 1_000_000,
                "default audio time {audio_ns} ns, position {position_ns} ns"
            );
        }
    }
    figure("audio-timestamps", &types.join(" "));
    if !playback.offers_audio_timestamp(AudioTimestampType::Link) {
        figure(
            "audio-timestamps",
            "link audio timestamps: unsupported by this driver",
        );
        return;
    }
    let first = playback.audio_time(AudioTimestampType::Link).unwrap();
    play(&mut playback, 2 * u64::from(rate));
    let last = playback.audio_time(AudioTimestampType::Link).unwrap();
    let audio = (last.audio_timestamp.nanos() - first.audio_timestamp.nanos()) as f64;
    let system = (last.timestamp.nanos() - first.timestamp.nanos()) as f64;
    // The position's estimate of the same stretch: the frames the hardware moved.
    let position = (last.hw_ptr - first.hw_ptr) as f64 * 1e9 / f64::from(rate);
    let link_ppm = (audio / system - 1.0) * 1e6;
    let link_vs_position_us = (audio - position) / 1000.0;
    figure(
        "audio-timestamps",
        &format!(
            "link over {:.3} s: {link_ppm:+.1} ppm against the system time, {link_vs_position_us:+.0} us against the position, device clock {:+.1} ppm, accuracy {:?} ns",
            system * 1e-9,
            clock.ppm(),
            last.accuracy_ns
        ),
    );
    assert!(system > 1.5e9, "two seconds of audio took {system} ns");
    assert!(
        link_ppm.abs() < 1000.0,
        "the link counter runs at {link_ppm:+.1} ppm"
    );
    // The position moves in DMA steps (HDA: 128-byte bursts, qemu: its audio timer's
    // period); the link counter is read at the same status, so the two agree within a step.
    assert!(
        link_vs_position_us.abs() < 20_000.0,
        "link time and position differ by {link_vs_position_us:+.0} us"
    );
    assert!(
        (link_ppm - clock.ppm()).abs() < 100.0,
        "link {link_ppm:+.1} ppm, device clock {:+.1} ppm",
        clock.ppm()
    );
}
