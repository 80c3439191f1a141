//! Timing on the loopback: a keep-running playback stream through a late program.

use std::ops::ControlFlow;
use std::thread;
use std::time::Duration;

use alsa_direct::{Capture, Format, MmapStream, Playback, State};

use crate::common;

/// Frame `position` of the test signal: a counter, never zero, so the capture side can tell
/// silence from signal and check each frame's position exactly (the loopback copies bytes).
fn counter(position: u64) -> i16 {
    (position % 16_000) as i16 + 1
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

    let player = thread::spawn(move || {
        let mut late = false;
        playback
            .run(|buf, info| {
                for (i, s) in buf.iter_mut().enumerate() {
                    *s = counter(info.position + i as u64);
                }
                if !late && info.position >= u64::from(rate) / 2 {
                    late = true;
                    thread::sleep(Duration::from_millis(late_ms));
                }
                if info.position >= play_frames {
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
    let limit = (play_frames + 2 * u64::from(rate)) as usize;
    capture
        .run(|buf, _| {
            recorded.extend_from_slice(buf);
            let started = recorded.iter().position(|&s| s != 0);
            let ended = started.is_some_and(|s| recorded[s..].len() > play_frames as usize + rate as usize);
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
        let expected = (i as i64 + offset).rem_euclid(16_000) as i16 + 1;
        assert_eq!(s, expected, "frame {i}: the signal is not at its position");
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
