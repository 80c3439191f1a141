//! Timer-scheduled streams over the kernel model: the queue kept at the target fill (which
//! changes while running), the hardware moving only while the stream sleeps, capture, a
//! stalled device, BATCH headroom, and the fallback where the driver keeps its interrupts.

use core::ops::ControlFlow;

use super::super::model::ModelSetup;
use super::super::tests::{assert_owned_by_application, open, setup, Shared};
use super::*;
use crate::abi;
use crate::error::Error;
use crate::stream::{Capture, MmapStream, Playback, StreamDirection, XrunPolicy};

/// A model of 16 periods of 256 frames, its hardware moving a quarter period per tick.
fn model(capture: bool, mapped: bool) -> ModelSetup {
    let mut model = setup(capture, mapped);
    model.periods = 16;
    model.tick = 64;
    model.stop_threshold = model.period * model.periods;
    model.start_threshold = if capture { 1 } else { model.period * model.periods };
    model
}

/// A stream over `model`, timer-scheduled with `target_fill` as `Config` would set it up.
fn timed<D: StreamDirection>(model: &ModelSetup, target_fill: u32) -> (MmapStream<i16, D>, Shared) {
    let (mut stream, truth) = open::<D>(model, XrunPolicy::Fail).unwrap();
    stream.setup.wakeups = Wakeups::Timer;
    let config = Config::default().timer_scheduled(target_fill);
    stream.start_timer(&config);
    (stream, truth)
}

/// Plays `periods` periods; returns the fewest and the most frames queued when a period
/// was handed out.
fn play(stream: &mut MmapStream<i16, Playback>, truth: &Shared, periods: u64) -> (u64, u64) {
    let (mut seen, mut fewest, mut most) = (0, u64::MAX, 0);
    stream
        .run(|period, _| {
            let t = truth.borrow();
            assert_owned_by_application(&t, period);
            period.fill(1);
            seen += 1;
            let queued = t.buffer - t.avail().min(t.buffer);
            if t.state == abi::SNDRV_PCM_STATE_RUNNING {
                fewest = fewest.min(queued);
                most = most.max(queued);
            }
            if seen >= periods {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    (fewest, most)
}

#[test]
fn playback_keeps_the_target_fill_and_sleeps_instead_of_polling() {
    for mapped in [false, true] {
        let m = model(false, mapped);
        let (mut stream, truth) = timed::<Playback>(&m, 4 * 256);
        assert_eq!(stream.target_fill(), Some(1024));
        let (fewest, most) = play(&mut stream, &truth, 200);
        let t = truth.borrow();
        assert_eq!(
            t.state,
            abi::SNDRV_PCM_STATE_RUNNING,
            "started at the target fill"
        );
        // A period is handed out when it fits under the target: at most 768 queued then,
        // and the sleep ends within a tick of that.
        assert!(
            most <= 1024 - 256,
            "queued {most} before a period of 256, target 1024"
        );
        assert!(
            fewest >= 1024 - 256 - m.tick,
            "queued only {fewest}: slept too long"
        );
        assert!(t.sleeps > 100, "slept {} times", t.sleeps);
        assert_eq!(t.polls, 0, "never polled the descriptor");
        assert_eq!(t.xruns, 0);
        assert_eq!(stream.xruns(), 0);
    }
}

#[test]
fn a_position_shown_in_chunks_costs_one_wakeup_a_period() {
    // The position moves 96 frames at a time (out of step with the 256-frame period): a
    // sleep of exactly the frames missing often wakes a little before the position shows
    // them, and a second, short sleep would follow (1.5 wakeups a period on qemu's HDA).
    let m = model(false, false);
    let (mut stream, truth) = timed::<Playback>(&m, 4 * 256);
    truth.borrow_mut().pointer_step = 96;
    play(&mut stream, &truth, 20);
    let sleeps = truth.borrow().sleeps;
    let (fewest, _) = play(&mut stream, &truth, 200);
    let t = truth.borrow();
    let per_period = f64::from(t.sleeps - sleeps) / 200.0;
    assert!(per_period <= 1.05, "{per_period:.2} sleeps a period");
    assert!(fewest >= 1024 - 256 - 128 - 96, "queued only {fewest}");
    assert_eq!(stream.xruns(), 0);
}

#[test]
fn the_target_fill_changes_while_running() {
    let m = model(false, false);
    let (mut stream, truth) = timed::<Playback>(&m, 0);
    assert_eq!(stream.target_fill(), Some(16 * 256), "0 is the buffer");
    let (_, most) = play(&mut stream, &truth, 40);
    assert!(most > 2048, "the whole buffer queued: {most}");
    assert_eq!(stream.set_target_fill(512), Some(512));
    // The queue drains to the new target within a buffer, then stays at it.
    play(&mut stream, &truth, 20);
    let (fewest, most) = play(&mut stream, &truth, 50);
    assert!(
        most <= 512 - 256 && fewest >= 512 - 256 - 64,
        "queued {fewest}..{most}, target 512"
    );
    assert_eq!(stream.set_target_fill(1), Some(512), "at least two periods");
    assert_eq!(
        stream.set_target_fill(u32::MAX),
        Some(16 * 256),
        "at most the buffer"
    );
    assert_eq!(truth.borrow().xruns, 0);
}

#[test]
fn a_batch_driver_keeps_a_period_more() {
    let m = model(false, false);
    let (mut stream, truth) = open::<Playback>(&m, XrunPolicy::Fail).unwrap();
    stream.setup.wakeups = Wakeups::Timer;
    stream.info_flags |= abi::SNDRV_PCM_INFO_BATCH;
    stream.start_timer(&Config::default().timer_scheduled(1024));
    play(&mut stream, &truth, 30);
    let (fewest, most) = play(&mut stream, &truth, 100);
    assert!(
        fewest > 1024 - 256 && most <= 1024,
        "queued {fewest}..{most}: target 1024 + a period of headroom"
    );
}

#[test]
fn capture_sleeps_for_each_period() {
    for mapped in [false, true] {
        let m = model(true, mapped);
        let (mut stream, truth) = timed::<Capture>(&m, 0);
        let mut seen = 0;
        stream
            .run(|period, _| {
                assert_owned_by_application(&truth.borrow(), period);
                seen += 1;
                if seen >= 100 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        let t = truth.borrow();
        assert!(t.sleeps >= 100, "slept {}", t.sleeps);
        assert_eq!(t.polls, 0);
        assert_eq!(t.xruns, 0);
        assert!(t.avail() < 2 * m.period, "read as it came: {} left", t.avail());
    }
}

#[test]
fn a_stalled_device_is_a_timeout_not_a_hang() {
    let m = model(false, false);
    let (mut stream, truth) = timed::<Playback>(&m, 1024);
    play(&mut stream, &truth, 10);
    truth.borrow_mut().stalled = true;
    let result = stream.run(|period, _| {
        period.fill(1);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(result, Err(Error::Timeout));
}

#[test]
fn without_the_drivers_flag_it_falls_back_to_period_interrupts() {
    let timer = Config::default().timer_scheduled(0);
    let mut hw = HwParams::any();
    hw.raw_mut().info = abi::SNDRV_PCM_INFO_NO_PERIOD_WAKEUP;
    assert_eq!(request(&timer, &mut hw), Wakeups::Timer);
    assert_eq!(hw.raw_mut().flags, abi::SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP);
    let mut hw = HwParams::any();
    hw.raw_mut().info = abi::SNDRV_PCM_INFO_BATCH;
    assert_eq!(request(&timer, &mut hw), Wakeups::PeriodInterruptsFallback);
    assert_eq!(hw.raw_mut().flags, 0, "no flag asked");
    assert_eq!(request(&Config::default(), &mut hw), Wakeups::PeriodInterrupts);
    // A period-mode stream has no target fill to set.
    let (mut stream, _) = open::<Playback>(&model(false, false), XrunPolicy::Fail).unwrap();
    assert_eq!(stream.set_target_fill(512), None);
    assert_eq!(stream.target_fill(), None);
}

/// A timer-scheduled playback stream drains by its own timer: the kernel's blocking `DRAIN`
/// would wait for a position update that no period interrupt brings (the model refuses it
/// then, as the kernel would never return). Every frame queued is heard, in a few sleeps,
/// the stream ends in `SETUP`, and after a prepare it plays again.
#[test]
fn drain_sleeps_until_the_queue_has_played() {
    for mapped in [false, true] {
        let m = model(false, mapped);
        let (mut stream, truth) = timed::<Playback>(&m, 1024);
        truth.borrow_mut().no_period_wakeup = true;
        play(&mut stream, &truth, 20);
        let (queued, sleeps) = {
            let mut t = truth.borrow_mut();
            t.heard = Some(std::vec::Vec::new());
            (t.buffer - t.avail().min(t.buffer), t.sleeps)
        };
        assert!(queued > 0);
        stream.drain().unwrap();
        let mut t = truth.borrow_mut();
        assert_eq!(t.state, abi::SNDRV_PCM_STATE_SETUP, "mapped: {mapped}");
        let heard = t.heard.take().unwrap();
        assert_eq!(
            heard.iter().filter(|&&s| s == 1).count() as u64,
            queued,
            "every queued frame heard"
        );
        assert!(t.sleeps - sleeps <= 4, "{} sleeps", t.sleeps - sleeps);
        assert_eq!(t.xruns, 0);
        drop(t);
        stream.prepare().unwrap();
        play(&mut stream, &truth, 20);
    }
}

#[test]
fn a_drain_on_a_stalled_device_is_a_timeout_not_a_hang() {
    let m = model(false, false);
    let (mut stream, truth) = timed::<Playback>(&m, 1024);
    truth.borrow_mut().no_period_wakeup = true;
    play(&mut stream, &truth, 10);
    truth.borrow_mut().stalled = true;
    assert_eq!(stream.drain(), Err(Error::Timeout));
    assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_SETUP, "dropped");
}
