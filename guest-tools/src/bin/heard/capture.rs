//! Captured from a signal the host feeds: on the real-driver boards with `[audio] capture`
//! (`boards/*.toml`), qemu feeds a known sine to the emulated card's input (see
//! `runner/src/boot/feed.rs`). Each test here records it, or reads what alsa-lib's `arecord`
//! recorded in the same guest (and its messages, whose `overrun!!!` lines are its xruns), and
//! measures it with the runner's own analysis
//! (`runner/src/audio/analysis.rs`: frequency, peak level, gaps, breaks of the waveform); it
//! prints one `heard-captured` line that the host judges (`runner/src/audio/capture.rs`).
//!
//! `cargo board test` runs them as `heard capture-NAME` on the boards that feed.

use std::ops::ControlFlow;

use alsa_direct::sample::FullScale;
use alsa_direct::{Capture, Format, MmapStream, XrunPolicy};

use crate::common::{capture_device, config, env_or, print_setup};
use crate::{analysis, card_mixer};

/// The scenario's name (`ALSA_DIRECT_HEARD_NAME`), by which the host finds its line.
fn scenario() -> String {
    std::env::var("ALSA_DIRECT_HEARD_NAME").expect("ALSA_DIRECT_HEARD_NAME names the scenario")
}

/// Prints what the first channel of `left` (full scale 1.0, at `rate`) sounds like, for the
/// host: `heard-captured name=N frames=F xruns=X freq=.. dbfs=.. sound=.. gaps=.. glitches=..`
/// and where the first breaks are.
fn report(left: &[f64], rate: u32, xruns: u32) {
    let heard = analysis::analyse(left, rate);
    let breaks: Vec<String> = heard
        .gaps
        .iter()
        .map(|g| g.at)
        .chain(heard.glitches.iter().copied())
        .take(8)
        .map(|t| format!("{t:.4}"))
        .collect();
    println!("capture: {}", heard.summary());
    println!(
        "heard-captured name={} frames={} xruns={xruns} freq={:.3} dbfs={:.2} sound={:.4} gaps={} glitches={} at={}",
        scenario(),
        left.len(),
        heard.frequency,
        heard.peak_dbfs,
        heard.sound_seconds,
        heard.gaps.len(),
        heard.glitches.len(),
        if breaks.is_empty() {
            "-".to_owned()
        } else {
            breaks.join(",")
        }
    );
}

/// The first job of the capture scenarios: the capture side unmuted as the board asks.
pub(crate) fn unmute() {
    // The first job of the capture scenarios: the capture side as the board asks, before
    // arecord records (it leaves the mixer as it is).
    let mixer = card_mixer::MixerSetup::from_env();
    if let Some(done) = mixer.apply(&capture_device(), "Capture").expect("mixer") {
        println!("mixer: {done}");
    }
}

/// Records the host's feed with the crate for `ALSA_DIRECT_HEARD_SECONDS` and reports it.
pub(crate) fn capture() {
    let rate = env_or("ALSA_DIRECT_RATE", 48_000);
    let period = env_or("ALSA_DIRECT_PERIOD_FRAMES", 1024);
    let periods = env_or("ALSA_DIRECT_PERIODS", 4);
    let seconds: f64 = env_or("ALSA_DIRECT_HEARD_SECONDS", 2.0);
    let device = capture_device();
    let config = config(Format::S16, 2, rate, period, periods).xrun_policy(XrunPolicy::Recover);
    let mut stream = MmapStream::<i16, Capture>::open(&device, &config).expect("open");
    print_setup(stream.setup());
    let n = stream.setup().negotiated;
    assert_eq!(
        (n.rate, n.period_size, n.periods),
        (rate, period, periods),
        "the card took other settings"
    );
    let total = (seconds * f64::from(rate)) as usize;
    let mut left = Vec::with_capacity(total + period as usize);
    let ran = stream.run(|samples, info| {
        left.extend(
            samples
                .chunks_exact(info.channels)
                .map(|frame| f64::from(frame[0].to_f32())),
        );
        if left.len() >= total {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let xruns = stream.xruns();
    // What was captured up to a failure is still reported, then the failure.
    report(&left, rate, xruns);
    ran.unwrap_or_else(|e| panic!("run after {} frames: {e}", left.len()));
    stream.stop().expect("stop");
}

/// The xruns `arecord` reported in its `messages` (its stderr): one `overrun!!! (at least N ms
/// long)` line each, after which it prepares the stream and records on.
fn arecord_overruns(messages: &str) -> u32 {
    messages
        .lines()
        .filter(|line| line.starts_with("overrun!!!"))
        .count() as u32
}

/// Reports what `arecord` recorded (`ALSA_DIRECT_HEARD_FILE`) and its xruns (`ALSA_DIRECT_HEARD_STDERR`).
pub(crate) fn recorded_file() {
    let path = std::env::var("ALSA_DIRECT_HEARD_FILE").expect("ALSA_DIRECT_HEARD_FILE names arecord's file");
    let stderr =
        std::env::var("ALSA_DIRECT_HEARD_STDERR").expect("ALSA_DIRECT_HEARD_STDERR names arecord's messages");
    let messages = std::fs::read_to_string(&stderr).unwrap_or_else(|e| panic!("{stderr}: {e}"));
    for line in messages.lines() {
        println!("arecord: {line}");
    }
    let rate = env_or("ALSA_DIRECT_RATE", 48_000);
    // arecord -t raw -f S16_LE -c 2: the first channel of each 4-byte frame.
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let left: Vec<f64> = bytes
        .chunks_exact(4)
        .map(|frame| f64::from(i16::from_le_bytes([frame[0], frame[1]]).to_f32()))
        .collect();
    report(&left, rate, arecord_overruns(&messages));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arecord_overruns_are_counted_from_its_messages() {
        let messages =
            "Recording raw data '/tmp/x.raw' : Signed 16 bit Little Endian, Rate 48000 Hz, Stereo\n\
                        overrun!!! (at least 1.234 ms long)\n\
                        overrun!!! (at least 20.000 ms long)\n";
        assert_eq!(arecord_overruns(messages), 2);
        assert_eq!(arecord_overruns("Recording raw data 'x'\n"), 0);
    }
}
