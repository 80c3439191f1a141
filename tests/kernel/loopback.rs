//! A sine played on one end of the loopback and captured on the other, through `MmapStream`
//! on both ends at once: frequency, level and continuity over five seconds.

use std::ops::ControlFlow;
use std::thread;

use alsa_direct::{Capture, Config, Format, MmapStream, Playback};

use crate::common::{self, Oscillator, SineAnalyser, TestSample, AMPLITUDE};

/// Seconds of tone analysed.
const ANALYSED_SECONDS: f64 = 5.0;
/// Seconds skipped after the tone arrives (start-up).
const SETTLE_SECONDS: f64 = 0.1;

/// What the capture side measured on each channel.
pub struct Measured {
    pub analysers: Vec<SineAnalyser>,
    pub playback_xruns: u32,
    pub capture_xruns: u32,
}

/// Plays the test tone for `play_seconds` and analyses `ANALYSED_SECONDS` of it, starting
/// `SETTLE_SECONDS` after it arrives, or the last `analyse_tail_seconds` before the capture
/// stops when given. `stall` makes the playback (`Some(false)`) or capture (`Some(true)`)
/// callback sleep for three periods once, one second in.
pub fn play_and_capture<S: TestSample>(
    format: Format,
    channels: u32,
    rate: u32,
    period: u32,
    periods: u32,
    stall: Option<bool>,
) -> Measured {
    let config = common::config(format, channels, rate, period, periods);
    play_and_capture_with::<S>(&config, &config, Feed::Run, stall)
}

/// How the playback side is fed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// `run` from the start.
    Run,
    /// An odd number of frames by `begin`/`commit` first (the application pointer off the
    /// period boundary), then `run`.
    PartialCommitThenRun,
    /// `loop { wait; write }`, without `avail`.
    WaitAndWrite,
}

/// [`play_and_capture`] with a config per end and a way of feeding the playback side.
pub fn play_and_capture_with<S: TestSample>(
    playback_config: &Config,
    capture_config: &Config,
    feed: Feed,
    stall: Option<bool>,
) -> Measured {
    let (channels, rate, period) = (
        playback_config.channels,
        playback_config.rate,
        playback_config.period_size,
    );
    let mut playback = MmapStream::<S, Playback>::open(&common::playback_device(), playback_config)
        .unwrap_or_else(|e| panic!("playback open: {e}"));
    let mut capture = MmapStream::<S, Capture>::open(&common::capture_device(), capture_config)
        .unwrap_or_else(|e| panic!("capture open: {e}"));
    let stall_ms = common::frames_ms(3 * u64::from(period), rate);
    let rate_f = f64::from(rate);
    let stall_after = u64::from(rate);
    // With a stall, analyse the last seconds only: the tone after recovery must be clean.
    let (skip_frames, analysed_frames, play_seconds) = match stall {
        None => (
            (SETTLE_SECONDS * rate_f) as u64,
            (ANALYSED_SECONDS * rate_f) as u64,
            SETTLE_SECONDS + ANALYSED_SECONDS + 0.6,
        ),
        Some(_) => ((2.0 * rate_f) as u64, rate_f as u64, 3.6),
    };
    let play_frames = (play_seconds * rate_f) as u64;

    let player = thread::spawn(move || {
        let mut osc = Oscillator::new(channels as usize, rate);
        let mut stalled = false;
        match feed {
            Feed::Run => {}
            Feed::PartialCommitThenRun => {
                let area = playback.begin(37);
                osc.fill(area);
                let frames = area.len() / channels as usize;
                playback.commit(frames).unwrap_or_else(|e| panic!("commit: {e}"));
            }
            Feed::WaitAndWrite => {
                // One frame of the oscillator at a time: `write` takes exactly what fits.
                let mut frame = vec![S::from_unit(0.0); channels as usize];
                let mut next = frame.len();
                let mut samples = std::iter::from_fn(|| {
                    if next == frame.len() {
                        osc.fill(&mut frame);
                        next = 0;
                    }
                    next += 1;
                    Some(frame[next - 1])
                });
                while playback.position() < play_frames {
                    playback.wait(None).unwrap_or_else(|e| panic!("wait: {e}"));
                    playback
                        .write(&mut samples)
                        .unwrap_or_else(|e| panic!("write: {e}"));
                }
                playback.drain().unwrap_or_else(|e| panic!("playback drain: {e}"));
                return playback.xruns();
            }
        }
        playback
            .run(|buf, info| {
                osc.fill(buf);
                if stall == Some(false) && !stalled && info.position >= stall_after {
                    stalled = true;
                    thread::sleep(std::time::Duration::from_millis(stall_ms));
                }
                if info.position + info.frames as u64 >= play_frames {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_or_else(|e| panic!("playback run: {e}"));
        playback.drain().unwrap_or_else(|e| panic!("playback drain: {e}"));
        playback.xruns()
    });

    let mut analysers: Vec<SineAnalyser> = (0..channels as usize)
        .map(|c| SineAnalyser::new(common::channel_frequency(c), rate))
        .collect();
    let mut onset: Option<u64> = None;
    let mut frame_no: u64 = 0;
    let mut stalled = false;
    capture
        .run(|buf, info| {
            for frame in buf.chunks_exact(info.channels) {
                frame_no += 1;
                if onset.is_none() && frame[0].to_unit().abs() > AMPLITUDE / 2.0 {
                    onset = Some(frame_no);
                }
                let Some(start) = onset else { continue };
                let since = frame_no - start;
                if since >= skip_frames && since < skip_frames + analysed_frames {
                    for (a, s) in analysers.iter_mut().zip(frame) {
                        a.push(s.to_unit());
                    }
                }
            }
            if stall == Some(true) && !stalled && onset.is_some_and(|o| frame_no - o >= stall_after) {
                stalled = true;
                thread::sleep(std::time::Duration::from_millis(stall_ms));
            }
            let done = onset.is_some_and(|o| frame_no - o >= skip_frames + analysed_frames);
            // Give up if no tone arrives within two seconds of the expected end.
            if done || frame_no > play_frames + 2 * rate as u64 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("capture run: {e}"));
    assert!(onset.is_some(), "no tone arrived on the capture side");
    let capture_xruns = capture.xruns();
    drop(capture);
    let playback_xruns = player.join().expect("playback thread");
    Measured {
        analysers,
        playback_xruns,
        capture_xruns,
    }
}

/// Asserts a clean tone on every channel: frequency within 1 Hz, level within 1 %, and no
/// discontinuity.
pub fn assert_clean(m: &Measured, rate: u32, seconds: f64) {
    for (c, a) in m.analysers.iter().enumerate() {
        let expected = common::channel_frequency(c);
        assert!(
            a.samples() as f64 >= seconds * f64::from(rate) * 0.999,
            "channel {c}: only {} samples analysed",
            a.samples()
        );
        let f = a.frequency();
        assert!(
            (f - expected).abs() < 1.0,
            "channel {c}: {f:.3} Hz, expected {expected} Hz"
        );
        let rms = a.rms();
        let expected_rms = AMPLITUDE / 2f64.sqrt();
        assert!(
            (rms - expected_rms).abs() < expected_rms * 0.01,
            "channel {c}: RMS {rms:.5}, expected {expected_rms:.5}"
        );
        assert!(
            a.worst_residual() < 1e-3,
            "channel {c}: discontinuity, sine identity broken by {:.5}",
            a.worst_residual()
        );
    }
}

/// Plays and checks a clean tone with the loop off its default configuration: `tweak` applied
/// to both ends' config, the playback side fed as `feed`.
pub fn clean_tone_with(tweak: impl Fn(Config) -> Config, feed: Feed) {
    let config = tweak(common::config(Format::S16Le, 2, 48_000, 1024, 4));
    let m = play_and_capture_with::<i16>(&config, &config, feed, None);
    assert_eq!(
        (m.playback_xruns, m.capture_xruns),
        (0, 0),
        "xruns during a clean run ({feed:?}, {config:?})"
    );
    assert_clean(&m, config.rate, ANALYSED_SECONDS);
}

/// Plays and checks a clean tone. Buffers are at least 170 ms: snd-aloop advances by its own
/// timer, and a guest on the host's clock (`cargo board --real-clock`) descheduled by its host
/// for longer than the buffer loses a whole buffer without the kernel seeing an xrun (the
/// pointer wraps unnoticed), which is not what these tests are about. On the instruction clock
/// (the default) the guest cannot be descheduled in its own time.
fn clean_tone<S: TestSample>(format: Format, channels: u32, rate: u32, period: u32) {
    let m = play_and_capture::<S>(format, channels, rate, period, 4, None);
    assert_eq!(
        (m.playback_xruns, m.capture_xruns),
        (0, 0),
        "xruns during a clean run"
    );
    assert_clean(&m, rate, ANALYSED_SECONDS);
}

#[test]
fn sine_s16_stereo_48k() {
    clean_tone::<i16>(Format::S16Le, 2, 48_000, 2048);
}

#[test]
fn sine_s32_mono_192k() {
    clean_tone::<i32>(Format::S32Le, 1, 192_000, 8192);
}

#[test]
fn sine_float_8ch_8k() {
    clean_tone::<f32>(Format::FloatLe, 8, 8_000, 512);
}
