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
                    "soak: {}: {name} {which} crossed the boundary {} ({:#x}): {} -> {now} at position {position} ({:.3} h of audio)",
                    job(),
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

/// The process's open descriptors, mapping lines and resident memory (KiB). The memory is
/// `Rss` of `/proc/self/smaps_rollup`, counted from the page tables: `statm`'s counter is
/// synced from per-thread caches only now and then before Linux 6.2 (`SPLIT_RSS_COUNTING`),
/// and read 4 KiB on one i686 run and 148 on another.
fn resources() -> (usize, usize, u64) {
    let (fds, maps) = common::fds_and_maps();
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").expect("/proc/self/smaps_rollup");
    let rss = rollup
        .lines()
        .find_map(|l| l.strip_prefix("Rss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("smaps_rollup's Rss line");
    (fds, maps, rss)
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
        "soak: {}: boundary {boundary} ({:#x}) frames: {:.3} h at {rate} Hz; buffer {} frames, period {}, transport {:?}",
        job(),
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
                            println!(
                                "soak: {}: capture hears the tone from position {}",
                                job(),
                                info.position + at as u64
                            );
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
        // Room for every sample, and one sample taken and printed first and not compared:
        // the sampler's own first reads and output buffer are not the streams' memory (on
        // qemu-armv7 the resident memory grew by one page between the first two samples,
        // then stayed for six hours).
        let mut samples = Vec::with_capacity(64);
        let (fds, maps, rss) = resources();
        println!(
            "soak: {}: resources at the start (not compared): {fds} fds, {maps} mappings, {rss} KiB resident",
            job()
        );
        let mut next = SAMPLE_EVERY;
        while !watcher_done.load(Ordering::Acquire) {
            thread::sleep(Duration::from_secs(1));
            if started.elapsed() >= next {
                let (fds, maps, rss) = resources();
                println!(
                    "soak: {}: resources at {} min: {fds} fds, {maps} mappings, {rss} KiB resident",
                    job(),
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
    if let Some(first) = samples.first() {
        println!(
            "soak: {}: resources: {} samples, {} fds, {} mappings, {} KiB resident in the first, all the same: {}",
            job(),
            samples.len(),
            first.0,
            first.1,
            first.2,
            samples.iter().all(|s| s == first)
        );
        assert!(
            samples.iter().all(|s| s == first),
            "the process's resources changed: {samples:?}"
        );
    }
    let hours = played as f64 / rate as f64 / 3600.0;
    println!(
        "soak: {}: played {played} frames ({hours:.3} h of audio) in {:.0} s of guest time; captured {captured}, \
         compared {compared} frames with the tone ({:.3} Hz): {bad} differ; boundary {boundary} crossed by both pointers of both ends",
        job(),
        started.elapsed().as_secs_f64(),
        rate as f64 / CYCLE as f64
    );
    assert!(played > boundary && captured > boundary);
    assert_eq!(bad, 0, "the tone broke at capture position {first_bad:?}");
    assert!(
        compared + 2 * rate > captured,
        "compared {compared} of {captured} frames"
    );
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
        "soak: {}: boundary {} ({:#x}) frames: {years:.3e} years at {rate} Hz (buffer {})",
        job(),
        setup.boundary,
        setup.boundary,
        setup.negotiated.buffer_size
    );
    assert!(
        setup.boundary >= 1 << 62,
        "a 64-bit boundary is at least 2^62 frames"
    );
}

/// The host time a real-driver board takes per second of guest audio, for the boundary
/// estimate: plays `ALSA_DIRECT_SOAK_SECONDS` (60) seconds of guest audio with the board's
/// stream and prints them with the guest time taken; `cargo board soak` gives the job's host
/// time beside it.
#[test]
#[ignore = "run by `cargo board soak`"]
fn guest_audio_for_the_host_rate() {
    let seconds = u64::from(env_u32("ALSA_DIRECT_SOAK_SECONDS", 60));
    let config = common::config(
        Format::S16Le,
        env("ALSA_DIRECT_CHANNELS").parse().expect("channels"),
        env("ALSA_DIRECT_RATE").parse().expect("rate"),
        env("ALSA_DIRECT_PERIOD_FRAMES").parse().expect("period"),
        env("ALSA_DIRECT_PERIODS").parse().expect("periods"),
    )
    .xrun_policy(XrunPolicy::Fail);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("open: {e}"));
    let setup = *stream.setup();
    let rate = u64::from(setup.negotiated.rate);
    let started = Instant::now();
    stream
        .run(|buf, info| {
            buf.fill(0);
            if info.position >= seconds * rate {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("run: {e}"));
    let guest = started.elapsed().as_secs_f64();
    let boundary_hours = setup.boundary as f64 / rate as f64 / 3600.0;
    println!(
        "soak: {}: {} frames ({:.1} s of audio) played in {guest:.1} s of guest time, {} xruns; \
         the boundary {} is {boundary_hours:.2} h of audio",
        job(),
        stream.position(),
        stream.position() as f64 / rate as f64,
        stream.xruns(),
        setup.boundary
    );
    assert_eq!(stream.xruns(), 0);
}

/// The console line that asks the runner to pull the USB device out (`device_del` over QMP;
/// runner/src/boot/qmp.rs).
const UNPLUG_LINE: &str = "@@soak:unplug@@";
/// The console line that asks the runner to plug it back in (`device_add`).
const REPLUG_LINE: &str = "@@soak:replug@@";

/// The kernel log record written when the error reached the program (for alsa-lib's
/// programs: when they exited), or `closed` when the stream was dropped (its descriptor
/// closed) after the error: named by the job, since one boot runs several.
fn mark(job: &str, what: &str) -> String {
    format!("alsa-direct soak: {job}: {what}")
}

/// Periods streamed before the unplug is asked for.
const PERIODS_BEFORE_UNPLUG: u64 = 20;

/// Guest time a stream may go on after the unplug was asked for before the test gives up.
const UNPLUG_PATIENCE: Duration = Duration::from_secs(30);

/// The soak job's name, which prefixes its `soak:` lines.
fn job() -> String {
    std::env::var("ALSA_DIRECT_SOAK_JOB").unwrap_or_else(|_| "soak".into())
}

/// An environment variable the runner sets.
fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (run by `cargo board soak`)"))
}

/// Appends `text` to the kernel's log: its timestamp is on the clock of the kernel's own
/// messages. (A line without its newline would wait, unstamped, for the next record.)
fn kmsg_mark(text: &str) {
    std::fs::write("/dev/kmsg", format!("{text}\n")).expect("writing /dev/kmsg");
}

/// The timestamp (µs) of the last kernel log record that contains `text`.
fn kmsg_time(text: &str) -> Option<u64> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
        .expect("/dev/kmsg");
    let mut found = None;
    let mut record = vec![0u8; 8192];
    // One record per read, until EAGAIN (or EPIPE for records overwritten meanwhile).
    loop {
        match file.read(&mut record) {
            Ok(0) => break,
            Ok(n) => {
                let line = String::from_utf8_lossy(&record[..n]);
                let Some((head, message)) = line.split_once(';') else {
                    continue;
                };
                if message.contains(text) {
                    found = head.split(',').nth(2).and_then(|t| t.parse().ok());
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(_) => break,
        }
    }
    found
}

/// The device node of `hw:CARD,DEVICE` (numbers) for playback or capture.
fn node_of(device: &str, playback: bool) -> String {
    let numbers: Vec<&str> = device.trim_start_matches("hw:").split(',').collect();
    let (card, dev) = match numbers.as_slice() {
        [card, dev, ..] => (*card, *dev),
        _ => panic!("{device}: not hw:CARD,DEVICE"),
    };
    format!("/dev/snd/pcmC{card}D{dev}{}", if playback { 'p' } else { 'c' })
}

/// Waits up to 20 s of guest time for `node` to exist (`true`) or be gone (`false`).
fn wait_for_node(node: &str, present: bool) {
    let started = Instant::now();
    while std::path::Path::new(node).exists() != present {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{node}: still {}",
            if present { "absent" } else { "there" }
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Asks the runner for the unplug (once) and returns when it was asked.
fn ask_for_unplug(job: &str, asked: &mut Option<Instant>) {
    if asked.is_none() {
        println!("soak: {job}: streaming; {UNPLUG_LINE}");
        *asked = Some(Instant::now());
    }
}

/// Whether the stream went on too long after the unplug was asked for.
fn gave_up(asked: Option<Instant>) -> bool {
    asked.is_some_and(|at| at.elapsed() > UNPLUG_PATIENCE)
}

/// The crate's playback stream on `device` until the device goes: in `run`, in a poll loop of
/// `try_period`/`handle_poll`, or in `drain` (of a 1.4 s buffer, so the unplug lands in
/// it).
/// Returns the error and the xruns counted.
fn crate_playback(job: &str, device: &str, during: &str, config: &Config) -> (alsa_direct::Error, u32) {
    let config = if during == "drain" {
        // 1.4 s: USB offers 2..=5 periods of 16384 frames.
        config.period_size(16384).periods(4)
    } else {
        *config
    };
    let mut stream =
        MmapStream::<i16, Playback>::open(device, &config).unwrap_or_else(|e| panic!("open {device}: {e}"));
    let period = u64::from(stream.setup().negotiated.period_size);
    let mut asked = None;
    let fill = |buf: &mut [i16], info: &alsa_direct::PeriodInfo| {
        buf.fill(0);
        info.position
    };
    let error = match during {
        "run" => stream.run(|buf, info| {
            let position = fill(buf, info);
            if position >= PERIODS_BEFORE_UNPLUG * period {
                ask_for_unplug(job, &mut asked);
            }
            if gave_up(asked) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }),
        "try_period" => poll_loop(&mut stream, job, period, &mut asked, |s| {
            s.try_period(|buf, info| {
                fill(buf, info);
                ControlFlow::<()>::Continue(())
            })
            .map(|p| p.is_some())
        }),
        "drain" => {
            stream
                .run(|buf, info| {
                    let position = fill(buf, info);
                    if position >= PERIODS_BEFORE_UNPLUG * period {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .unwrap_or_else(|e| panic!("{job}: before the unplug: {e}"));
            ask_for_unplug(job, &mut asked);
            stream.drain()
        }
        other => panic!("unplug during {other:?}?"),
    }
    .expect_err("the stream ended without an error after the unplug was asked for");
    closed_after(job, error, stream)
}

/// Marks in the kernel's log when the error reached the program, then when the stream,
/// dropped, closed its descriptor: the error and the xruns counted.
fn closed_after<S: alsa_direct::Sample, D: alsa_direct::StreamDirection>(
    job: &str,
    error: alsa_direct::Error,
    stream: MmapStream<S, D>,
) -> (alsa_direct::Error, u32) {
    kmsg_mark(&mark(job, "error seen"));
    let xruns = stream.xruns();
    drop(stream);
    kmsg_mark(&mark(job, "closed"));
    (error, xruns)
}

/// The crate's capture stream on `device` until the device goes, in `run` or in a poll loop.
fn crate_capture(job: &str, device: &str, during: &str, config: &Config) -> (alsa_direct::Error, u32) {
    let mut stream =
        MmapStream::<i16, Capture>::open(device, config).unwrap_or_else(|e| panic!("open {device}: {e}"));
    let period = u64::from(stream.setup().negotiated.period_size);
    let mut asked = None;
    let error = match during {
        "run" => stream.run(|_, info| {
            if info.position >= PERIODS_BEFORE_UNPLUG * period {
                ask_for_unplug(job, &mut asked);
            }
            if gave_up(asked) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }),
        "try_period" => {
            stream.start().unwrap_or_else(|e| panic!("{job}: start: {e}"));
            poll_loop(&mut stream, job, period, &mut asked, |s| {
                s.try_period(|_, _| ControlFlow::<()>::Continue(()))
                    .map(|p| p.is_some())
            })
        }
        other => panic!("unplug during {other:?}?"),
    }
    .expect_err("the stream ended without an error after the unplug was asked for");
    closed_after(job, error, stream)
}

/// A program's own event loop: poll the stream's descriptor, `handle_poll` what it says,
/// `period` until it hands out nothing; asks for the unplug after a few periods. Returns the
/// first error.
fn poll_loop<S: alsa_direct::Sample, D: alsa_direct::StreamDirection>(
    stream: &mut MmapStream<S, D>,
    job: &str,
    period: u64,
    asked: &mut Option<Instant>,
    mut one_period: impl FnMut(&mut MmapStream<S, D>) -> alsa_direct::Result<bool>,
) -> alsa_direct::Result<()> {
    use rustix::event::{poll, PollFd};
    loop {
        while one_period(stream)? {}
        if stream.position() >= PERIODS_BEFORE_UNPLUG * period {
            ask_for_unplug(job, asked);
        }
        if gave_up(*asked) {
            return Ok(());
        }
        let mut fds = [PollFd::from_borrowed_fd(stream.fd(), stream.poll_events())];
        let limit = rustix::time::Timespec {
            tv_sec: 2,
            tv_nsec: 0,
        };
        match poll(&mut fds, Some(&limit)) {
            Ok(0) => panic!("{job}: no period in 2 s"),
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => panic!("{job}: poll: {e}"),
        }
        let revents = fds[0].revents();
        stream.handle_poll(revents)?;
    }
}

/// alsa-lib's `aplay -M` (or `arecord -M`) on `device` until the device goes: its exit status
/// and what it printed. `aplay-drain` plays two buffers of 16384 x 4 frames from a file, so
/// that aplay is in `snd_pcm_drain` when the unplug is asked for (after 2 s: the last frame
/// is written at 1.37 s, the drain lasts until 2.73 s).
fn alsa_lib(job: &str, device: &str, during: &str, config: &Config) -> (String, bool) {
    let drain = during == "aplay-drain";
    let program = if during == "arecord" { "arecord" } else { "aplay" };
    let config = if drain {
        config.period_size(16384).periods(4)
    } else {
        *config
    };
    let mut command = std::process::Command::new(format!("/usr/bin/{program}"));
    command.args([
        "-M",
        "-D",
        device,
        "-f",
        "S16_LE",
        "-c",
        &config.channels.to_string(),
        "-r",
        &config.rate.to_string(),
        &format!("--period-size={}", config.period_size),
        &format!("--buffer-size={}", config.period_size * config.periods),
        "-t",
        "raw",
    ]);
    let input = "/tmp/soak-two-buffers.raw";
    if drain {
        let bytes = 2 * config.period_size as usize * config.periods as usize * config.channels as usize * 2;
        std::fs::write(input, vec![0u8; bytes]).expect("writing the input file");
        command.arg(input).stdin(std::process::Stdio::null());
    } else if program == "aplay" {
        command.arg("/dev/zero").stdin(std::process::Stdio::null());
    } else {
        command.arg("/dev/null");
    }
    let mut child = command
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    // Half a second of streaming (2 s for the drain), then the unplug.
    thread::sleep(Duration::from_millis(if drain { 2000 } else { 500 }));
    let mut asked = None;
    ask_for_unplug(job, &mut asked);
    let mut child_stderr = child.stderr.take().expect("stderr");
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for aplay") {
            break Some(status);
        }
        if gave_up(asked) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(1));
    };
    kmsg_mark(&mark(job, "error seen"));
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut child_stderr, &mut text);
    let text = text
        .lines()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    (
        format!("{program} exited with {status:?}: {text}"),
        status.is_some(),
    )
}

/// Opens `device` again after the replug and streams 10 periods: the frames streamed.
fn stream_again(job: &str, device: &str, config: &Config, playback: bool) -> u64 {
    let enough = 10 * u64::from(config.period_size);
    if playback {
        let mut s =
            MmapStream::<i16, Playback>::open(device, config).unwrap_or_else(|e| panic!("reopen: {e}"));
        s.run(|buf, info| {
            buf.fill(0);
            if info.position >= enough {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("{job}: after the replug: {e}"));
        s.position()
    } else {
        let mut s =
            MmapStream::<i16, Capture>::open(device, config).unwrap_or_else(|e| panic!("reopen: {e}"));
        s.run(|_, info| {
            if info.position >= enough {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("{job}: after the replug: {e}"));
        s.position()
    }
}

/// A USB audio device pulled out while a stream runs (`cargo board soak` on a USB board): the
/// stream must fail with the disconnect (within a period of the kernel's `USB disconnect`),
/// count no xrun and give back its descriptor and mappings when dropped; the device, plugged
/// in again, opens and streams. With `aplay`/`arecord`, alsa-lib's time to the error is
/// measured the same way, as the reference.
#[test]
#[ignore = "needs the runner's QMP hot-unplug: run by `cargo board soak`"]
fn unplugged_mid_stream() {
    let job = job();
    let direction = env("ALSA_DIRECT_UNPLUG_DIRECTION");
    let during = env("ALSA_DIRECT_UNPLUG_DURING");
    let playback = direction == "playback";
    let device = if playback {
        common::playback_device()
    } else {
        common::capture_device()
    };
    let node = node_of(&device, playback);
    // The kernel's record of the fault: USB's `USB disconnect`, or for a PCI card pulled out
    // (`device_del` of the HDA controller) the ACPI eject request, a debug record of
    // acpiphp turned on here.
    let fault_record = std::env::var("ALSA_DIRECT_UNPLUG_MARK").unwrap_or_else(|_| "USB disconnect".into());
    if fault_record == "Eject request" {
        std::fs::write("/proc/dynamic_debug/control", "file acpiphp_glue.c +p\n")
            .unwrap_or_else(|e| panic!("turning on acpiphp's debug records: {e}"));
    }
    let config = common::config(
        Format::S16Le,
        env("ALSA_DIRECT_CHANNELS").parse().expect("channels"),
        env("ALSA_DIRECT_RATE").parse().expect("rate"),
        env("ALSA_DIRECT_PERIOD_FRAMES").parse().expect("period"),
        env("ALSA_DIRECT_PERIODS").parse().expect("periods"),
    );
    wait_for_node(&node, true);
    let before = common::fds_and_maps();
    let (outcome, ok, xruns) = match during.as_str() {
        "aplay" | "aplay-drain" | "arecord" => {
            let (text, exited) = alsa_lib(&job, &device, &during, &config);
            (text, exited, 0)
        }
        _ => {
            let (error, xruns) = if playback {
                crate_playback(&job, &device, &during, &config)
            } else {
                crate_capture(&job, &device, &during, &config)
            };
            let disconnected = matches!(error, alsa_direct::Error::Disconnected);
            let name = if disconnected {
                "Error::Disconnected"
            } else {
                "not Error::Disconnected"
            };
            (format!("{name} ({error})"), disconnected, xruns)
        }
    };
    let after = common::fds_and_maps();
    let unplugged = kmsg_time(&fault_record);
    let seen = kmsg_time(&mark(&job, "error seen"));
    let closed = kmsg_time(&mark(&job, "closed"));
    let between = |from: Option<u64>, to: Option<u64>| match (from, to) {
        (Some(f), Some(t)) => Some((t as f64 - f as f64) / 1000.0),
        _ => None,
    };
    let latency_ms = between(unplugged, seen);
    let close_ms = between(seen, closed);
    let period_ms = f64::from(config.period_size) * 1000.0 / f64::from(config.rate);
    // The device back, opened and streaming again (not on an HDA board, whose controller
    // qemu cannot plug back: `ALSA_DIRECT_UNPLUG_REPLUG=0`).
    wait_for_node(&node, false);
    let replug = std::env::var("ALSA_DIRECT_UNPLUG_REPLUG").as_deref() != Ok("0");
    let (replayed, before_reopen, after_reopen) = if replug {
        println!("soak: {job}: unplugged; {REPLUG_LINE}");
        wait_for_node(&node, true);
        let before_reopen = common::fds_and_maps();
        let replayed = stream_again(&job, &device, &config, playback);
        (Some(replayed), before_reopen, common::fds_and_maps())
    } else {
        (None, after, after)
    };
    let replugged = match replayed {
        Some(frames) => format!(
            "replugged: {frames} frames streamed again, fds/mappings {before_reopen:?} before, {after_reopen:?} after"
        ),
        None => "not replugged".into(),
    };
    let latency = latency_ms.map_or("?".into(), |ms| format!("{ms:.1} ms"));
    let close = close_ms.map_or(String::new(), |ms| format!("; the close took {ms:.1} ms"));
    println!(
        "soak: {job}: {outcome}; {latency} after the kernel's {fault_record:?} (a period is {period_ms:.1} ms){close}; \
         {xruns} xruns; fds/mappings {before:?} before the open, {after:?} after the close; {replugged}"
    );
    assert!(ok, "{job}: not the disconnect: {outcome}");
    assert_eq!(xruns, 0, "{job}: the disconnect counted as an xrun");
    assert_eq!(before, after, "{job}: descriptors or mappings leaked");
    assert_eq!(
        before_reopen, after_reopen,
        "{job}: descriptors or mappings leaked by the stream opened after the replug"
    );
    if !matches!(during.as_str(), "aplay" | "aplay-drain" | "arecord") {
        let ms = latency_ms.expect("both kernel log records");
        assert!(
            ms <= period_ms,
            "{job}: the error came {ms:.1} ms after the disconnect, more than a period"
        );
    }
}
