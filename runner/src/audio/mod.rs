//! The ear outside the board: boards with `[audio]` have qemu write what their emulated sound
//! hardware played to a WAV file on the host, which is read and analysed here after the
//! guest exits.

pub mod analysis;
pub mod capture;
pub mod plan;
pub mod scenarios;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::host::workspace::Workspace;
pub use analysis::Heard;

/// Where a boot's recording goes: `target/board-audio/<board>-<what>.wav` (replaced on every
/// boot, kept afterwards so it can be listened to).
pub fn recording_path(ws: &Workspace, board: &str, what: &str) -> Result<PathBuf> {
    let dir = ws.target_dir.join("board-audio");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{board}-{what}.wav"));
    // A file left by an earlier boot must not pass for this one's.
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    }
    Ok(path)
}

/// The recording's first channel, full scale 1.0, and its rate.
pub fn read_first_channel(path: &Path) -> Result<(Vec<f64>, u32)> {
    let mut reader = hound::WavReader::open(path).with_context(|| format!("reading {}", path.display()))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let samples: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = f64::from(1u32 << (spec.bits_per_sample - 1).min(31));
            reader
                .samples::<i32>()
                .step_by(channels)
                .map(|s| s.map(|v| f64::from(v) / scale))
                .collect::<Result<_, _>>()
        }
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .step_by(channels)
            .map(|s| s.map(f64::from))
            .collect::<Result<_, _>>(),
    }
    .with_context(|| format!("reading the samples of {}", path.display()))?;
    Ok((samples, spec.sample_rate))
}

/// Reads and analyses a recording.
pub fn listen(path: &Path) -> Result<Heard> {
    if !path.exists() {
        bail!("qemu wrote no recording at {}", path.display());
    }
    let (samples, rate) = read_first_channel(path)?;
    Ok(analysis::analyse(&samples, rate))
}

/// `path` relative to the workspace when it is inside it (shorter to print).
pub fn shown(ws: &Workspace, path: &Path) -> String {
    path.strip_prefix(&ws.root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_channel_of_a_wav_file() {
        let dir = std::env::temp_dir().join(format!("alsa-direct-board-audio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tone.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..48_000 {
            let x = 0.5 * (std::f64::consts::TAU * 1000.0 * f64::from(i) / 48_000.0).sin();
            writer.write_sample((x * 32767.0) as i16).unwrap();
            writer.write_sample(0i16).unwrap();
        }
        writer.finalize().unwrap();
        let heard = listen(&path).unwrap();
        assert!((heard.frequency - 1000.0).abs() < 0.01, "{heard:?}");
        assert!((heard.peak_dbfs + 6.02).abs() < 0.01, "{heard:?}");
        assert!((heard.sound_seconds - 1.0).abs() < 0.001, "{heard:?}");
        assert!(listen(&dir.join("missing.wav")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
