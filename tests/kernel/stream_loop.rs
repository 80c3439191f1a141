//! The period loop off its default configuration, on the real kernel: `avail_min` below the
//! period, an application pointer off the period boundary, `wait` + `write`, odd period
//! sizes, small buffers, silence filling, and a linked partner moving the pointers. The tone
//! is judged at the other end of the loopback (frequency, level, continuity).

use std::ops::ControlFlow;

use alsa_direct::{Capture, Format, MmapStream, Playback, State};

use crate::common;
use crate::loopback::{clean_tone_with, Feed};

#[test]
fn avail_min_below_the_period_plays_clean() {
    clean_tone_with(|c| c.avail_min(1024 / 4), Feed::Run);
    clean_tone_with(|c| c.avail_min(1), Feed::Run);
}

#[test]
fn run_after_a_partial_commit_plays_clean() {
    clean_tone_with(|c| c, Feed::PartialCommitThenRun);
    clean_tone_with(|c| c.avail_min(100), Feed::PartialCommitThenRun);
}

#[test]
fn wait_then_write_plays_clean() {
    clean_tone_with(|c| c, Feed::WaitAndWrite);
    clean_tone_with(|c| c.avail_min(300), Feed::WaitAndWrite);
}

#[test]
fn odd_periods_and_small_buffers_play_clean() {
    // 333 frames, 3 periods; 2 periods of 4096 (the smallest buffer count); 3 x 2731.
    clean_tone_with(|c| c.period_size(333).periods(3).timeout_ms(0), Feed::Run);
    clean_tone_with(|c| c.period_size(4096).periods(2), Feed::Run);
    clean_tone_with(|c| c.period_size(2731).periods(3).avail_min(1000), Feed::Run);
}

/// Silence filling (`silence_threshold`): the kernel writes silence after the queued frames
/// when fewer than the threshold are queued. The loop keeps more than that queued, so the
/// kernel never writes into a slice the callback is filling: the tone stays clean.
#[test]
fn silence_filling_leaves_the_callbacks_frames_alone() {
    clean_tone_with(|c| c.silence(1024, 1024), Feed::Run);
    clean_tone_with(|c| c.silence(2048, 1024).avail_min(256), Feed::Run);
}

/// A linked partner's `PREPARE` (and `DROP`) moves this stream's application pointer in the
/// kernel; the stream's cached `SYNC_PTR` record must not write the old one back.
#[test]
fn a_linked_partners_prepare_moves_the_pointer_and_it_stays_moved() {
    let config = common::config(Format::S16Le, 2, 48_000, 1024, 4);
    let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config).unwrap();
    playback.link(&capture).unwrap();
    let mut periods = 0;
    playback
        .run(|buf, _| {
            buf.fill(100);
            periods += 1;
            if periods == 6 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(playback.state().unwrap(), State::Running);
    let before = playback.appl_ptr();
    assert!(before >= 4 * 1024, "appl_ptr {before}");
    // The partner stops and prepares: both streams are prepared, their pointers at 0.
    capture.stop().unwrap();
    capture.prepare().unwrap();
    // One more period: written from where the kernel now has the pointer, not from `before`.
    let mut handed = 0;
    playback
        .run(|buf, _| {
            buf.fill(100);
            handed += 1;
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!(handed, 1);
    let status = playback.status().unwrap();
    assert_eq!(
        status.appl_ptr, 1024,
        "the stale pointer {before} was published over the partner's prepare"
    );
    assert_eq!(status.state, State::Prepared);
    playback.unlink().unwrap();
}

/// The status timestamp follows the clock chosen (monotonic, monotonic raw, realtime), and the
/// audio timestamp the hardware position.
#[test]
fn timestamps_follow_the_chosen_clock_and_the_audio_position() {
    use alsa_direct::{Timestamp, TimestampClock};
    let clocks = [
        (TimestampClock::Monotonic, libc::CLOCK_MONOTONIC),
        (TimestampClock::MonotonicRaw, libc::CLOCK_MONOTONIC_RAW),
        (TimestampClock::Realtime, libc::CLOCK_REALTIME),
    ];
    let seconds = |t: Timestamp| t.sec as f64 + t.nsec as f64 * 1e-9;
    let now = |clock| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec.
        assert_eq!(unsafe { libc::clock_gettime(clock, &mut ts) }, 0);
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    };
    for (clock, id) in clocks {
        let config = common::config(Format::S16Le, 2, 48_000, 1024, 4).timestamp_clock(clock);
        let mut playback = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
        assert_eq!(playback.setup().timestamp_clock, clock);
        let mut seen = Vec::new();
        playback
            .run(|buf, info| {
                buf.fill(0);
                seen.push((
                    seconds(info.timestamp),
                    seconds(info.audio_timestamp),
                    now(id),
                    info.position,
                ));
                if seen.len() == 24 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        // Once running (after the first buffer), each status was stamped on this clock at
        // most half a second before the callback read the clock.
        for &(stamp, _, read, _) in &seen[8..] {
            assert!(
                read >= stamp && read - stamp < 0.5,
                "{clock:?}: stamp {stamp}, clock {read}"
            );
        }
        let audio: Vec<f64> = seen.iter().map(|s| s.1).collect();
        assert!(
            audio.windows(2).all(|w| w[1] >= w[0]),
            "{clock:?}: audio timestamps {audio:?}"
        );
        let &(_, last_audio, _, position) = seen.last().unwrap();
        let (played_at_most, queued) = (position as f64 / 48_000.0, 4.0 * 1024.0 / 48_000.0);
        assert!(
            last_audio <= played_at_most && last_audio >= played_at_most - 2.0 * queued,
            "{clock:?}: audio timestamp {last_audio} s after {position} frames"
        );
    }
}
