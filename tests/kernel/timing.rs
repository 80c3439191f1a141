//! Timing on the loopback: a keep-running playback stream through a late program, and the
//! device clock against the loopback's rate shift.

use std::ops::ControlFlow;
use std::thread;
use std::time::Duration;

use alsa_direct::mixer::{ElemInfo, Mixer};
use alsa_direct::{Capture, DeviceClock, Format, MmapStream, Playback, State};

use crate::common;
use crate::mixer::card;

/// Frame `position` of the test signal: a counter, never zero, so the capture side can tell
/// silence from signal and check each frame's position exactly (the loopback copies bytes).
fn counter(position: u64) -> i16 {
    (position % 16_000) as i16 + 1
}

/// The runs of `recorded[from..=to]` that differ from `expected(i)`: (first frame, length,
/// first value heard, its value expected, heard minus expected modulo the counter's
/// period). For the failure message: silence reads as zero, stale data as an offset.
fn mismatched_runs(
    recorded: &[i16],
    from: usize,
    to: usize,
    expected: impl Fn(usize) -> i16,
) -> Vec<(usize, usize, i16, i16, i64)> {
    let mut runs: Vec<(usize, usize, i16, i16, i64)> = Vec::new();
    for (i, &s) in recorded.iter().enumerate().take(to + 1).skip(from) {
        let e = expected(i);
        if s == e {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.0 + run.1 == i => run.1 += 1,
            _ => runs.push((i, 1, s, e, (i64::from(s) - i64::from(e)).rem_euclid(16_000))),
        }
    }
    runs
}

/// Frames of silence the loopback tests play after their signal, before the drain: more
/// than the buffer and two periods. snd-aloop's drain (`copy_play_buf`, the `DRAINING`
/// trim) copies its last chunk up to the application pointer, then clears the rest at the
/// capture's position of the chunk's *start* (`clear_capture_buf` writes at
/// `capt->buf_pos`, not after the part copied): the start of the last chunk is heard as
/// zeros and the capture buffer's content of one lap before follows the end (the "576
/// unexplained silent frames" of the rewind test, 256 frames on qemu-arm64 now: the
/// frames of that chunk past the application pointer). Drained after a silent tail, that
/// chunk is silence either way.
fn silent_tail(buffer: u64, period: u64) -> u64 {
    buffer + 2 * period
}

/// A playback stream that keeps running sleeps through the buffer and three periods more
/// once: the capture end hears one gap of silence, the stream stays RUNNING, the signal
/// resumes at the frame it would have reached without the gap, and the xrun is counted once
/// by the library and never by the kernel.
#[test]
fn keep_running_playback_is_heard_as_a_gap_and_counted_once() {
    let (rate, period, periods) = (48_000u32, 1024u32, 4u32);
    let config = common::config(Format::S16Le, 1, rate, period, periods);
    let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config.keep_running())
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    assert!(playback.setup().keeps_running());
    assert_eq!(playback.setup().stop_threshold, playback.setup().boundary);
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config)
        .unwrap_or_else(|e| panic!("capture open: {e}"));
    let kernel = common::KernelXruns::start();
    let late_ms = common::frames_ms(u64::from(period * (periods + 3)), rate);
    let play_frames = 2 * u64::from(rate);

    let tail = silent_tail(u64::from(period * periods), u64::from(period));
    let player = thread::spawn(move || {
        let mut late = false;
        playback
            .run(|buf, info| {
                for (i, s) in buf.iter_mut().enumerate() {
                    let position = info.position + i as u64;
                    *s = if position < play_frames {
                        counter(position)
                    } else {
                        0
                    };
                }
                if !late && info.position >= u64::from(rate) / 2 {
                    late = true;
                    thread::sleep(Duration::from_millis(late_ms));
                }
                if info.position >= play_frames + tail {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_or_else(|e| panic!("playback run: {e}"));
        let state = playback.state().unwrap_or_else(|e| panic!("state: {e}"));
        let xruns = playback.xruns();
        playback.drain().unwrap_or_else(|e| panic!("playback drain: {e}"));
        (xruns, state)
    });

    let mut recorded: Vec<i16> = Vec::new();
    let limit = (play_frames + tail + 2 * u64::from(rate)) as usize;
    capture
        .run(|buf, _| {
            recorded.extend_from_slice(buf);
            let started = recorded.iter().position(|&s| s != 0);
            let ended =
                started.is_some_and(|s| recorded[s..].len() > (play_frames + tail) as usize + rate as usize);
            if ended || recorded.len() > limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("capture run: {e}"));
    let (xruns, state) = player.join().expect("playback thread");
    assert_eq!(
        state,
        State::Running,
        "the stream kept running through the late period"
    );
    assert_eq!(xruns, 1, "the late period is one xrun");
    if let Some(kernel) = kernel {
        assert_eq!(kernel.count(), 0, "the kernel stopped no stream");
    }

    let onset = recorded.iter().position(|&s| s != 0).expect("no signal arrived");
    let end = recorded.iter().rposition(|&s| s != 0).unwrap();
    // Every frame of signal is at its own position: one offset from capture frame to
    // playback position for all of them, before and after the gap.
    let offset = (i64::from(recorded[onset]) - 1 - onset as i64).rem_euclid(16_000);
    let at_position = |i: usize| (i as i64 + offset).rem_euclid(16_000) as i16 + 1;
    eprintln!(
        "keep running: runs off the signal (frame, length, heard, expected, offset): {:?}",
        mismatched_runs(&recorded, onset, end, at_position)
    );
    let mut gaps = Vec::new();
    let mut silent_from = None;
    for (i, &s) in recorded.iter().enumerate().take(end + 1).skip(onset) {
        if s == 0 {
            silent_from.get_or_insert(i);
            continue;
        }
        if let Some(from) = silent_from.take() {
            gaps.push((from, i - from));
        }
        assert_eq!(s, at_position(i), "frame {i}: the signal is not at its position");
    }
    eprintln!("keep running: gaps {gaps:?} (frames), signal {onset}..{end}");
    assert_eq!(gaps.len(), 1, "one gap of silence: {gaps:?}");
    let gap = gaps[0].1 as u64;
    let period = u64::from(period);
    assert!(
        gap >= 2 * period && gap <= 6 * period,
        "a gap of about three periods: {gap} frames"
    );
}

/// The loopback's "PCM Rate Shift 100000" control of PCM device `device`, substream 0.
fn rate_shift(mixer: &Mixer, device: u32) -> ElemInfo {
    let id = mixer
        .elements()
        .map(|id| id.unwrap())
        .find(|id| id.name == "PCM Rate Shift 100000" && id.device == device && id.subdevice == 0)
        .expect("the loopback's rate shift control");
    mixer.info(&id).unwrap()
}

/// Sets the first value of an integer control.
fn write_integer(mixer: &Mixer, control: &ElemInfo, value: i64) -> alsa_direct::Result<()> {
    let mut values = mixer.read(control)?;
    values.set_integer(0, value)?;
    mixer.write(&values)
}

/// Puts the rate shift controls back to nominal when dropped.
struct Nominal<'a>(&'a Mixer, [ElemInfo; 2]);

impl Drop for Nominal<'_> {
    fn drop(&mut self) {
        for control in &self.1 {
            let _ = write_integer(self.0, control, 100_000);
        }
    }
}

/// Seconds of audio the clock estimate is judged after.
const CLOCK_SECONDS: u64 = 10;

/// Plays silence on the loopback's playback end and captures on the capture end for
/// [`CLOCK_SECONDS`], each feeding a [`DeviceClock`] from its periods' `(hw_ptr,
/// timestamp)` pairs. Returns the two estimates in ppm (playback, capture).
fn measure_clocks(rate: u32) -> (f64, f64) {
    let config = common::config(Format::S16Le, 2, rate, 480, 4);
    let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config)
        .unwrap_or_else(|e| panic!("capture open: {e}"));
    let frames = CLOCK_SECONDS * u64::from(rate);
    let player = thread::spawn(move || {
        let mut clock = DeviceClock::new(rate, playback.setup().boundary);
        playback
            .run(|buf, info| {
                buf.fill(0);
                clock.update(info.hw_ptr, info.timestamp.nanos());
                if info.position >= frames {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_or_else(|e| panic!("playback run: {e}"));
        assert_eq!(playback.xruns(), 0);
        clock
    });
    let mut clock = DeviceClock::new(rate, capture.setup().boundary);
    capture
        .run(|_, info| {
            clock.update(info.hw_ptr, info.timestamp.nanos());
            if info.position >= frames {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("capture run: {e}"));
    assert_eq!(capture.xruns(), 0);
    let snapshot = capture.snapshot().unwrap();
    assert!(snapshot.delay <= u64::from(capture.setup().negotiated.buffer_size));
    let played = player.join().expect("playback thread");
    eprintln!(
        "  playback {:+.2} ppm (phase {:.0} ns, {:.3} Hz, {} pairs), capture {:+.2} ppm (phase {:.0} ns, {:.3} Hz, {} pairs)",
        played.ppm(),
        played.phase_ns(),
        played.bandwidth_hz(),
        played.updates(),
        clock.ppm(),
        clock.phase_ns(),
        clock.bandwidth_hz(),
        clock.updates()
    );
    (played.ppm(), clock.ppm())
}

/// The loopback's rate shift makes both ends of a cable run off the system clock: the
/// control of the capture end's device (1) moves the playback on device 0 and the capture
/// on device 1 alike, by `100000 / shift`. The device clock finds ±100 and ±500 ppm within
/// ±5 ppm after ten seconds of audio on both ends, and the control of the other cable
/// (device 0) leaves this one at the nominal rate.
#[test]
fn device_clock_finds_the_loopback_rate_shift() {
    let mixer = Mixer::open(card("Loopback").expect("a card with id Loopback")).unwrap();
    let this_cable = rate_shift(&mixer, 1);
    let other_cable = rate_shift(&mixer, 0);
    let nominal = 100_000;
    let reset = || {
        write_integer(&mixer, &this_cable, nominal).unwrap();
        write_integer(&mixer, &other_cable, nominal).unwrap();
    };
    // Back to nominal also when an assertion fails, for the tests that follow.
    let _nominal_again = Nominal(&mixer, [this_cable.clone(), other_cable.clone()]);
    reset();
    let rate = 48_000;
    let mut cases = vec![];
    for (control, shift) in [
        (&this_cable, 100_010),
        (&this_cable, 99_990),
        (&this_cable, 100_050),
        (&this_cable, 99_950),
        (&other_cable, 100_050),
    ] {
        write_integer(&mixer, control, shift).unwrap();
        let expected = if control.id.device == 1 {
            (nominal as f64 / shift as f64 - 1.0) * 1e6
        } else {
            0.0
        };
        eprintln!(
            "device {} rate shift {shift}: expected {expected:+.2} ppm",
            control.id.device
        );
        let (played, captured) = measure_clocks(rate);
        reset();
        cases.push((control.id.device, shift, expected, played, captured));
    }
    for (device, shift, expected, played, captured) in cases {
        for (end, estimate) in [("playback", played), ("capture", captured)] {
            assert!(
                (estimate - expected).abs() <= 5.0,
                "device {device} shift {shift}: the {end} end estimated {estimate:+.2} ppm, expected {expected:+.2}"
            );
        }
    }
}

/// A rewind takes back what was queued and not yet played: the capture end hears the
/// counter signal switch to its negation at the rewound position, with no frame of the
/// rewound part heard and no frame lost.
#[test]
fn rewind_replaces_queued_frames_at_their_position() {
    let (rate, period, periods) = (48_000u32, 1024u32, 8u32);
    let config = common::config(Format::S16Le, 1, rate, period, periods);
    let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config)
        .unwrap_or_else(|e| panic!("capture open: {e}"));
    let half_second = u64::from(rate) / 2;
    let player = thread::spawn(move || {
        let play = |stream: &mut MmapStream<i16, Playback>, sign: i16, until: u64| {
            stream
                .run(|buf, info| {
                    for (i, s) in buf.iter_mut().enumerate() {
                        *s = sign * counter(info.position + i as u64);
                    }
                    if info.position + info.frames as u64 >= until {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .unwrap_or_else(|e| panic!("playback run: {e}"));
        };
        play(&mut playback, 1, half_second);
        let before = playback.position();
        let rewindable = playback
            .rewindable()
            .unwrap_or_else(|e| panic!("rewindable: {e}"));
        let moved = playback
            .rewind(u64::MAX)
            .unwrap_or_else(|e| panic!("rewind: {e}"));
        assert!(
            moved >= u64::from(period * (periods - 2)),
            "rewound {moved} of {rewindable}"
        );
        assert!(moved <= rewindable && moved % u64::from(period) == 0);
        assert_eq!(playback.position(), before - moved);
        play(&mut playback, -1, 2 * half_second);
        play(
            &mut playback,
            0,
            2 * half_second + silent_tail(u64::from(period * periods), u64::from(period)),
        );
        playback.drain().unwrap_or_else(|e| panic!("playback drain: {e}"));
        (before - moved, moved, rewindable, playback.xruns())
    });
    let mut recorded: Vec<i16> = Vec::new();
    let limit = 3 * rate as usize;
    capture
        .run(|buf, _| {
            recorded.extend_from_slice(buf);
            let started = recorded.iter().position(|&s| s != 0);
            let ended = started.is_some_and(|s| recorded[s..].len() > 2 * rate as usize);
            if ended || recorded.len() > limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("capture run: {e}"));
    let (switch_at, moved, rewindable, xruns) = player.join().expect("playback thread");
    eprintln!(
        "rewind: {moved} frames of {rewindable} rewindable, from position {}",
        switch_at + moved
    );
    assert_eq!(xruns, 0);
    let onset = recorded.iter().position(|&s| s != 0).expect("no signal arrived");
    let end = recorded.iter().rposition(|&s| s != 0).unwrap();
    let negated = recorded
        .iter()
        .position(|&s| s < 0)
        .expect("the signal after the rewind never arrived");
    let offset = (i64::from(recorded[onset]) - 1 - onset as i64).rem_euclid(16_000);
    let expected = |i: usize| {
        let e = (i as i64 + offset).rem_euclid(16_000) as i16 + 1;
        if i < negated {
            e
        } else {
            -e
        }
    };
    eprintln!(
        "rewind: signal {onset}..={end}, switch at {negated}; runs off the signal (frame, length, heard, expected, offset): {:?}",
        mismatched_runs(&recorded, onset, end, expected)
    );
    for (i, &s) in recorded.iter().enumerate().take(end + 1).skip(onset) {
        assert_eq!(s, expected(i), "frame {i} (switch at {negated})");
    }
    assert_eq!(
        i64::from(-recorded[negated]),
        i64::from(counter(switch_at)),
        "the new signal starts at the rewound position"
    );
}
