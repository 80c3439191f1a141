//! Keep-running streams over the kernel model: a late program is an xrun counted once from
//! the positions, the kernel never stops the stream, and the position stays the stream's time.

use core::ops::ControlFlow;

use super::super::model::ModelSetup;
use super::super::tests::{assert_owned_by_application, open, setup, Shared};
use super::*;
use crate::abi;
use crate::stream::{Capture, Playback, XrunPolicy};

/// The model set up as `Config::keep_running` sets the kernel up: the stop threshold at the
/// boundary.
fn keep_running(capture: bool, mapped: bool) -> ModelSetup {
    let mut model = setup(capture, mapped);
    model.stop_threshold = model.boundary;
    model
}

/// Plays `periods` periods; in period `late_at` the callback is late by `late` frames (the
/// hardware moves on while it "sleeps"). Returns the positions the callback was handed.
fn play_late(
    stream: &mut MmapStream<i16, Playback>,
    truth: &Shared,
    periods: usize,
    late_at: usize,
    late: u64,
) -> std::vec::Vec<u64> {
    let mut positions = std::vec::Vec::new();
    stream
        .run(|period, info| {
            assert_owned_by_application(&truth.borrow(), period);
            period.fill(1);
            positions.push(info.position);
            if positions.len() == late_at {
                truth.borrow_mut().hardware(late);
            }
            if positions.len() >= periods {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    positions
}

#[test]
fn a_late_playback_program_is_one_xrun_and_the_stream_keeps_running() {
    for mapped in [false, true] {
        let model = keep_running(false, mapped);
        let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
        assert!(stream.setup().keeps_running());
        let buffer = model.period * model.periods;
        // Late by the whole buffer and three periods more: the hardware passes the
        // application pointer by three periods.
        let positions = play_late(&mut stream, &truth, 20, 8, buffer + 3 * model.period);
        let truth = truth.borrow();
        assert_eq!(truth.state, abi::SNDRV_PCM_STATE_RUNNING, "mapped {mapped}");
        assert_eq!(truth.xruns, 0, "the kernel saw no xrun");
        assert_eq!(stream.xruns(), 1, "counted once (mapped {mapped})");
        // The position stays the stream's time: the frames skipped are counted in it.
        assert_eq!(stream.position() % model.boundary, truth.appl_ptr);
        let skipped: u64 = positions.windows(2).map(|w| w[1] - w[0] - model.period).sum();
        assert!(skipped >= 3 * model.period, "skipped {skipped} (mapped {mapped})");
        assert!(positions.iter().all(|p| p % model.period == 0), "{positions:?}");
        // The application pointer is ahead of the hardware again.
        assert!(truth.avail() <= buffer);
    }
}

#[test]
fn a_program_in_time_counts_no_xrun() {
    let model = keep_running(false, false);
    let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    let positions = play_late(&mut stream, &truth, 40, 1, 0);
    assert_eq!(stream.xruns(), 0);
    assert_eq!(stream.catch_up().unwrap(), 0);
    let expected: std::vec::Vec<u64> = (0..40).map(|p| p * model.period).collect();
    assert_eq!(positions, expected);
}

#[test]
fn a_late_capture_program_skips_what_was_overwritten() {
    for mapped in [false, true] {
        let model = keep_running(true, mapped);
        let (mut stream, truth) = open::<Capture>(&model, XrunPolicy::Fail).unwrap();
        let mut seen = 0;
        stream
            .run(|period, _| {
                assert_owned_by_application(&truth.borrow(), period);
                seen += 1;
                if seen == 5 {
                    let late = 2 * model.period * model.periods;
                    truth.borrow_mut().hardware(late);
                }
                if seen >= 20 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        let truth = truth.borrow();
        assert_eq!(truth.state, abi::SNDRV_PCM_STATE_RUNNING);
        assert_eq!(stream.xruns(), 1, "mapped {mapped}");
        assert_eq!(stream.position() % model.boundary, truth.appl_ptr);
    }
}

#[test]
fn without_keep_running_the_kernel_stops_the_stream() {
    let model = setup(false, false);
    let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    assert!(!stream.setup().keeps_running());
    let result = stream.run(|period, _| {
        period.fill(1);
        truth.borrow_mut().hardware(model.period * 8);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(result, Err(Error::Xrun));
    assert_eq!(truth.borrow().xruns, 1);
}

#[test]
fn catch_up_lands_on_a_period_boundary_past_the_hardware() {
    let (buffer, period, boundary) = (1024, 256, 1024 << 20);
    for appl in [0, 256, 1024, boundary - 256] {
        for behind in [1, 100, 256, 700, 5000] {
            let avail = buffer + behind;
            let frames = catch_up_frames(avail, buffer, period, appl, boundary, Direction::Playback);
            assert_eq!(ring::advance(appl, frames, boundary) % period, 0);
            let ahead = frames - behind;
            assert!(
                ahead >= period / 2 && ahead < period + period / 2,
                "{appl} {behind}"
            );
            let frames = catch_up_frames(avail, buffer, period, appl, boundary, Direction::Capture);
            assert!(frames <= avail && frames > behind);
        }
    }
}

/// Frame `position`'s first sample in [`a_late_program_is_heard_as_silence_never_as_the_old_buffer`]:
/// never silence.
fn signal(position: u64) -> i16 {
    (position % 30_000) as i16 + 1
}

/// The program fills a period, then sleeps through the buffer and three periods more before
/// committing it, at each offset of the buffer: what the hardware plays is the signal at
/// its own position, and one gap of silence exactly as long as the frames the catch-up
/// skipped. The kernel model silences as Linux 6.5 and later do (nothing behind the
/// hardware once it passed the application pointer), so where the catch-up region wraps
/// around the end of the buffer, the crate silences its wrapped part itself: the period
/// written before the sleep must not be heard again a buffer later.
#[test]
fn a_late_program_is_heard_as_silence_never_as_the_old_buffer() {
    for late_at in 8..12 {
        let model = keep_running(false, false);
        let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
        {
            let mut t = truth.borrow_mut();
            t.silence_size = model.boundary;
            t.heard = Some(std::vec::Vec::new());
        }
        let buffer = model.period * model.periods;
        let mut periods = 0;
        let mut skipped = 0;
        let mut next = 0;
        stream
            .run(|period, info| {
                skipped += info.position - next;
                next = info.position + info.frames as u64;
                for (n, frame) in period.chunks_exact_mut(info.channels).enumerate() {
                    frame.fill(signal(info.position + n as u64));
                }
                periods += 1;
                // The hardware moves in the waits between periods (the model's tick), and
                // while this one "sleeps".
                if periods == late_at {
                    truth.borrow_mut().hardware(buffer + 3 * model.period);
                }
                if periods >= 24 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        assert_eq!(stream.xruns(), 1);
        assert!(
            skipped >= 3 * model.period,
            "late at {late_at}: skipped {skipped}"
        );
        let heard = truth.borrow_mut().heard.take().unwrap();
        let mut silent = std::vec::Vec::new();
        for (position, &sample) in heard.iter().enumerate() {
            if sample == 0 {
                silent.push(position as u64);
            } else {
                assert_eq!(
                    sample,
                    signal(position as u64),
                    "late at {late_at}: frame {position} is not the signal at its position"
                );
            }
        }
        let (first, last) = (silent[0], *silent.last().unwrap());
        assert_eq!(
            (last - first + 1, silent.len() as u64),
            (skipped, skipped),
            "late at {late_at}: one gap of the frames skipped"
        );
    }
}
