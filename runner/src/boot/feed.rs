//! The signal the host feeds to a board's capture input: a sine at [`FREQUENCY`] and [`LEVEL`]
//! in a raw file, read by qemu's `alsa` audio backend through an alsa-lib `file` PCM
//! (`infile`) over a `null` slave, defined in an `asoundrc` that only the qemu process sees
//! (through `XDG_CONFIG_HOME`, which alsa-lib's `alsa.conf` reads; the host's own ALSA setup
//! is left alone). alsa-lib and its configuration come with qemu (`qemu-system-common` depends
//! on `libasound2`), so a fresh host needs no other package.
//!
//! Nothing on the host paces the feed: the `null` slave hands over whatever is asked at once.
//! The pace is the guest's clock: qemu's input buffer is one audio tick long (`in.buffer-length`
//! in `crate::boot::qemu`), so each tick takes in one tick of frames. With a longer buffer each tick
//! refills it in full, qemu's HDA codec runs its input ahead of the guest's clock, and capture
//! breaks, overruns or stalls, alsa-lib's `arecord` as much as the crate (docs/boards.md, "Capture, fed
//! from the host").

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The feed's frequency, in Hz: prime, so that no whole number of frames up to many seconds
/// is a whole number of its cycles (a dropped or repeated stretch always breaks the sine).
pub const FREQUENCY: f64 = 997.0;
/// The feed's level, as a fraction of full scale (-12.04 dBFS).
pub const LEVEL: f64 = 0.25;
/// The alsa-lib PCM name qemu's `alsa` backend opens for input (`in.dev=`).
pub const PCM_NAME: &str = "alsa_direct_feed";
/// The qemu audiodev id the board's capture device names (`audiodev=feed`).
pub const AUDIODEV_ID: &str = "feed";

/// A feed written for one boot: the signal and the alsa-lib configuration that reads it.
#[derive(Debug, Clone)]
pub struct Feed {
    /// `XDG_CONFIG_HOME` for qemu: holds `alsa/asoundrc`.
    pub config_home: PathBuf,
    /// The raw signal: S16_LE, 2 channels, at the board's rate.
    pub signal: PathBuf,
}

/// Writes `seconds` of the feed at `rate` and its alsa-lib configuration under `dir`
/// (replaced on every boot).
pub fn write(dir: &Path, rate: u32, seconds: f64) -> Result<Feed> {
    let signal = dir.join("feed.raw");
    let text = signal.display().to_string();
    // alsa-lib's configuration strings are quoted; a path that needs escaping is refused.
    if text.contains(['"', '\\', '\'']) {
        bail!("the feed's path {text} holds a quote or backslash: move the target directory");
    }
    let config_dir = dir.join("alsa");
    std::fs::create_dir_all(&config_dir).with_context(|| format!("creating {}", config_dir.display()))?;
    let file = std::fs::File::create(&signal).with_context(|| format!("writing {}", signal.display()))?;
    let mut out = BufWriter::new(file);
    for sample in sine(rate, seconds) {
        let bytes = sample.to_le_bytes();
        out.write_all(&bytes)?;
        out.write_all(&bytes)?;
    }
    out.flush()
        .with_context(|| format!("writing {}", signal.display()))?;
    let asoundrc = config_dir.join("asoundrc");
    std::fs::write(&asoundrc, asoundrc_text(&text))
        .with_context(|| format!("writing {}", asoundrc.display()))?;
    Ok(Feed {
        config_home: dir.to_owned(),
        signal,
    })
}

/// The feed's samples (one channel), 16-bit.
fn sine(rate: u32, seconds: f64) -> impl Iterator<Item = i16> {
    let frames = (seconds * f64::from(rate)).ceil() as u64;
    let step = std::f64::consts::TAU * FREQUENCY / f64::from(rate);
    (0..frames).map(move |n| (LEVEL * (step * n as f64).sin() * 32767.0).round() as i16)
}

/// The alsa-lib PCM [`PCM_NAME`]: the raw `signal` read for capture, playback thrown away.
fn asoundrc_text(signal: &str) -> String {
    format!(
        "# Written by alsa-direct's board runner for qemu's alsa audio backend.\n\
         pcm.{PCM_NAME} {{\n    type file\n    slave.pcm null\n    file \"/dev/null\"\n    \
         infile \"{signal}\"\n    format raw\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_sine_and_a_config_that_reads_it() {
        let dir = std::env::temp_dir().join(format!("alsa-direct-feed-{}", std::process::id()));
        let feed = write(&dir, 48_000, 0.5).unwrap();
        let bytes = std::fs::read(&feed.signal).unwrap();
        assert_eq!(bytes.len(), 24_000 * 4);
        let left: Vec<f64> = bytes
            .chunks_exact(4)
            .map(|f| f64::from(i16::from_le_bytes([f[0], f[1]])) / 32768.0)
            .collect();
        let right: Vec<i16> = bytes
            .chunks_exact(4)
            .map(|f| i16::from_le_bytes([f[2], f[3]]))
            .collect();
        assert_eq!(
            right,
            left.iter().map(|x| (x * 32768.0) as i16).collect::<Vec<_>>()
        );
        let heard = crate::audio::analysis::analyse(&left, 48_000);
        assert!((heard.frequency - FREQUENCY).abs() < 0.01, "{heard:?}");
        assert!((heard.peak_dbfs + 12.04).abs() < 0.05, "{heard:?}");
        assert!(heard.is_clean(), "{heard:?}");
        let rc = std::fs::read_to_string(feed.config_home.join("alsa/asoundrc")).unwrap();
        assert!(rc.contains(&format!("pcm.{PCM_NAME} {{")), "{rc}");
        assert!(
            rc.contains(&format!("infile \"{}\"", feed.signal.display())),
            "{rc}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_path_alsa_lib_cannot_quote_is_refused() {
        let dir = std::env::temp_dir().join(format!("alsa-direct-feed-\"{}", std::process::id()));
        let err = write(&dir, 48_000, 0.1).unwrap_err();
        assert!(err.to_string().contains("quote"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
