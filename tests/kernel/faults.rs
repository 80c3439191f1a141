//! Xruns: a callback that stalls for three periods (with two periods per buffer) causes an
//! xrun, handled per the policy, and the tone is clean again afterwards. The stream's count is
//! checked against the kernel's own (a kprobe on `__snd_pcm_xrun`).
//!
//! Periods are long (85 ms) so that an emulated guest keeps up everywhere but in the stall.

use std::ops::ControlFlow;

use alsa_direct::{Error, Format, MmapStream, Playback, XrunPolicy};

use crate::common::{self, Oscillator};
use crate::loopback::{assert_clean, play_and_capture};

const RATE: u32 = 48_000;
const PERIOD: u32 = 4096;

/// Stalls the capture (`true`) or playback callback once; checks the stall caused an xrun on
/// that side, that the streams counted exactly the xruns the kernel declared, and that the tone
/// is clean afterwards.
fn stall_is_counted_and_recovered(capture_stalls: bool) {
    let kernel = common::KernelXruns::start();
    let m = play_and_capture::<i16>(Format::S16Le, 2, RATE, PERIOD, 2, Some(capture_stalls));
    let stalled_side = if capture_stalls {
        m.capture_xruns
    } else {
        m.playback_xruns
    };
    assert!(stalled_side >= 1, "the stall caused no xrun");
    if let Some(kernel) = kernel {
        assert_eq!(
            m.playback_xruns + m.capture_xruns,
            kernel.count(),
            "counted = declared by the kernel"
        );
    }
    assert_clean(&m, RATE, 1.0);
}

#[test]
fn playback_underrun_is_counted_and_recovered() {
    stall_is_counted_and_recovered(false);
}

#[test]
fn capture_overrun_is_counted_and_recovered() {
    stall_is_counted_and_recovered(true);
}

#[test]
fn fail_policy_returns_the_xrun_and_recover_goes_on() {
    let config = common::config(Format::S16Le, 2, RATE, PERIOD, 2).xrun_policy(XrunPolicy::Fail);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let mut osc = Oscillator::new(2, RATE);
    let stall = std::time::Duration::from_millis(common::frames_ms(3 * u64::from(PERIOD), RATE));
    let mut stalled = false;
    let result = stream.run(|buf, info| {
        osc.fill(buf);
        if !stalled && info.position >= u64::from(RATE) / 2 {
            stalled = true;
            std::thread::sleep(stall);
        }
        if info.position > 2 * u64::from(RATE) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(result, Err(Error::Xrun));
    assert_eq!(stream.xruns(), 1);
    stream.recover(Error::Xrun).unwrap();
    let resumed_at = stream.position();
    stream
        .run(|buf, info| {
            osc.fill(buf);
            if info.position > resumed_at + u64::from(RATE) / 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(
        stream.xruns(),
        1,
        "recovered stream ran half a second without xrun"
    );
}

#[test]
fn callback_break_value_is_returned() {
    let config = common::config(Format::S16Le, 2, RATE, PERIOD, 4);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let result: Result<u32, &str> = stream
        .run(|buf, info| {
            buf.fill(0);
            if info.position >= 4 * u64::from(PERIOD) {
                ControlFlow::Break(Err("the callback's own error"))
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(result, Err("the callback's own error"));
}

/// After an xrun, `PREPARE` puts `hw_ptr` back to 0 and `appl_ptr` on it, even when the
/// application pointer was off a period boundary: outside the running state the kernel's
/// reset zeroes the hardware pointer (`snd_pcm_lib_ioctl_reset`), then `snd_pcm_post_prepare`
/// moves the application pointer to it. The kernel model (`src/stream/model.rs`) does the
/// same.
#[test]
fn prepare_after_an_xrun_zeroes_both_pointers() {
    let period = 1024;
    let config = common::config(Format::S16Le, 2, RATE, period, 2).xrun_policy(XrunPolicy::Fail);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    stream
        .run(|buf, info| {
            buf.fill(0);
            if info.position >= 6 * u64::from(period) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    // Part of a period: the application pointer leaves the period boundary.
    assert!(stream.wait(None).unwrap());
    let frames = stream.begin(100).len() / 2;
    assert_eq!(frames, 100);
    stream.commit(frames).unwrap();
    assert_ne!(stream.appl_ptr() % u64::from(period), 0);
    let stall = common::frames_ms(4 * u64::from(period), RATE);
    std::thread::sleep(std::time::Duration::from_millis(stall));
    assert_eq!(stream.state().unwrap(), alsa_direct::State::Xrun);
    stream.prepare().unwrap();
    let status = stream.status().unwrap();
    assert_eq!((status.hw_ptr, status.appl_ptr), (0, 0), "{status:?}");
}
