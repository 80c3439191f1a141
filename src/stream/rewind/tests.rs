//! Rewind and forward over the kernel model: the safe limits, whole periods in the period
//! loop, the position moved with the pointer, and a driver that forbids rewinds.

use core::ops::ControlFlow;

use super::super::tests::{open, setup};
use super::*;
use crate::stream::{Capture, Playback, XrunPolicy};

/// Fills the whole buffer of a playback stream over the model (`periods` periods).
fn fill(stream: &mut MmapStream<i16, Playback>, periods: u64) {
    let mut seen = 0;
    stream
        .run(|period, _| {
            period.fill(1);
            seen += 1;
            if seen >= periods {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
}

#[test]
fn a_rewind_leaves_the_safeguard_queued_and_moves_whole_periods() {
    for mapped in [false, true] {
        let model = setup(false, mapped);
        let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
        fill(&mut stream, 6);
        let (queued, position) = {
            let t = truth.borrow();
            (t.buffer - t.avail(), stream.position())
        };
        let guard = 48 * SAFEGUARD_MS;
        assert_eq!(stream.rewindable().unwrap(), queued - guard);
        let moved = stream.rewind(u64::MAX).unwrap();
        assert_eq!(
            moved,
            (queued - guard) / model.period * model.period,
            "mapped {mapped}"
        );
        assert!(moved > 0);
        let t = truth.borrow();
        assert_eq!(t.moved_appl, moved);
        assert_eq!(t.buffer - t.avail(), queued - moved, "what stays queued");
        assert!(
            t.buffer - t.avail() >= guard,
            "never into what the hardware may have read"
        );
        assert_eq!(stream.position(), position - moved);
        assert_eq!(stream.appl_ptr(), t.appl_ptr);
    }
}

#[test]
fn the_period_loop_goes_on_from_the_rewound_position() {
    let model = setup(false, false);
    let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    fill(&mut stream, 6);
    let rewound_to = stream.position() - stream.rewind(2 * model.period).unwrap();
    let mut first = None;
    stream
        .run(|period, info| {
            super::super::tests::assert_owned_by_application(&truth.borrow(), period);
            first.get_or_insert(info.position);
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!(first, Some(rewound_to));
    assert_eq!(stream.xruns(), 0);
}

#[test]
fn a_batch_driver_keeps_a_period_more() {
    let model = setup(false, false);
    let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    stream.info_flags |= abi::SNDRV_PCM_INFO_BATCH;
    fill(&mut stream, 6);
    let queued = {
        let t = truth.borrow();
        t.buffer - t.avail()
    };
    assert_eq!(
        stream.rewindable().unwrap(),
        queued.saturating_sub(48 * SAFEGUARD_MS + model.period)
    );
}

#[test]
fn a_driver_without_rewinds_is_a_clear_error() {
    let model = setup(false, false);
    let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    stream.info_flags |= abi::SNDRV_PCM_INFO_NO_REWINDS;
    fill(&mut stream, 6);
    assert_eq!(stream.rewindable(), Err(Error::NoRewinds));
    assert_eq!(stream.rewind(256), Err(Error::NoRewinds));
    assert_eq!(truth.borrow().moved_appl, 0);
    // Forward is still allowed.
    assert!(stream.forwardable().is_ok());
}

#[test]
fn forward_drops_captured_frames_and_moves_the_position() {
    for mapped in [false, true] {
        let model = setup(true, mapped);
        let (mut stream, truth) = open::<Capture>(&model, XrunPolicy::Fail).unwrap();
        stream.start().unwrap();
        truth.borrow_mut().hardware(3 * model.period);
        let before = stream.position();
        assert_eq!(stream.forwardable().unwrap(), 3 * model.period);
        assert_eq!(stream.forward(2 * model.period + 5).unwrap(), 2 * model.period);
        assert_eq!(stream.position(), before + 2 * model.period);
        assert_eq!(truth.borrow().avail(), model.period);
        // Read back in: the capture rewind gives them again.
        assert_eq!(stream.rewind(u64::MAX).unwrap(), 2 * model.period);
        assert_eq!(truth.borrow().avail(), 3 * model.period);
    }
}

#[test]
fn outside_the_streaming_states_the_kernel_refuses() {
    let model = setup(false, false);
    let (mut stream, _truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    fill(&mut stream, 6);
    stream.stop().unwrap();
    assert_eq!(
        stream.rewind(256),
        Err(Error::Sys {
            op: crate::Op::Rewind,
            errno: crate::Errno::BADFD
        })
    );
}

/// What the hardware plays around a rewind in the period loop: a signal at its position up
/// to the rewound frame, then the new signal from there, every frame once, no silence.
#[test]
fn the_hardware_plays_the_new_signal_from_the_rewound_frame() {
    let signal = |position: u64, sign: i16| sign * ((position % 30_000) as i16 + 1);
    for mapped in [false, true] {
        let mut model = setup(false, mapped);
        model.periods = 8;
        model.start_threshold = model.period * model.periods;
        model.stop_threshold = model.start_threshold;
        let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
        truth.borrow_mut().heard = Some(std::vec::Vec::new());
        let play = |stream: &mut MmapStream<i16, Playback>, sign: i16, until: u64| {
            stream
                .run(|period, info| {
                    for (n, frame) in period.chunks_exact_mut(info.channels).enumerate() {
                        frame.fill(signal(info.position + n as u64, sign));
                    }
                    if info.position + info.frames as u64 >= until {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .unwrap();
        };
        play(&mut stream, 1, 24 * model.period);
        let moved = stream.rewind(u64::MAX).unwrap();
        assert!(moved >= 6 * model.period, "moved {moved}");
        let switch = stream.position();
        play(&mut stream, -1, 48 * model.period);
        let end = stream.position();
        let queued = {
            let t = truth.borrow();
            t.buffer - t.avail()
        };
        truth.borrow_mut().hardware(queued);
        let heard = truth.borrow_mut().heard.take().unwrap();
        assert!(heard.len() as u64 >= end, "heard {} of {end}", heard.len());
        for (position, &sample) in heard.iter().enumerate().take(end as usize) {
            let sign = if (position as u64) < switch { 1 } else { -1 };
            assert_eq!(
                sample,
                signal(position as u64, sign),
                "frame {position} (switch at {switch}, mapped {mapped})"
            );
        }
        assert_eq!(stream.xruns(), 0);
    }
}
