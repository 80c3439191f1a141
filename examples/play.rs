//! Plays a WAV file on a playback device, like `aplay -D hw:... FILE.wav`: the format, channels
//! and rate come from the file's header (PCM 8, 16, 24 and 32 bits, IEEE float 32 bits, 1 to 8
//! channels).
//!
//! ```text
//! play [-D|--device hw:0,0] [-p|--period 1024] [-n|--periods 4] [--unmute] [--volume DB] [-h|--help] FILE.wav
//! play --generate FORMAT [-c|--channels 2] [-r|--rate 48000] [-d|--seconds 2] [--freq 1000] [...] FILE.wav
//! ```
//!
//! The device defaults to `$ALSA_DIRECT_PLAYBACK` (set by `cargo board run`), else `hw:0,0`.
//! When the device does not take the file's format (many take only `S16_LE` or `S32_LE`; the
//! loopback card takes no `U8`, and only the format of its other end while that end is open),
//! the samples are converted to `S32_LE`, else `S16_LE`, and the program says so. There is no resampling: the device must offer the file's
//! rate and channels.
//!
//! `--generate FORMAT` first writes a test file: a sine of `--freq` Hz at -6 dBFS on every
//! channel, in `FORMAT` (`U8`, `S16_LE`, `S24_3LE`, `S32_LE`, `FLOAT_LE`), then plays it (a
//! fresh board has no WAV files to play).
//!
//! `--unmute` turns the card's playback switches on and `--volume DB` also sets its playback
//! volumes, as firmware would for a fresh codec (`$ALSA_DIRECT_VOLUME` does the same by
//! default; see `common/card_mixer.rs`).
//!
//! SIGINT or SIGTERM stops early: what is queued is drained.

#[path = "common/card_mixer.rs"]
mod card_mixer;
#[path = "common/cli.rs"]
mod cli;
#[path = "common/signal.rs"]
mod signal;
#[path = "common/wav.rs"]
mod wav;
#[path = "common/wav_read.rs"]
mod wav_read;

use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::ops::ControlFlow;

use alsa_direct::sample::FullScale;
use alsa_direct::{Config, Direction, Error, Format, Matching, MmapStream, Packed24Le, Playback, Sample};

use cli::{device_from_env, device_label, Cli, Parsed};
use wav::{WavSpec, WavWriter};
use wav_read::WavReader;

const USAGE: &str = "usage: play [-D|--device hw:0,0] [-p|--period 1024] [-n|--periods 4] [--unmute] [--volume DB] [-h|--help] FILE.wav\n       \
                     play --generate FORMAT [-c|--channels 2] [-r|--rate 48000] [-d|--seconds 2] [--freq 1000] [...] FILE.wav";

/// The formats tried, in order, when the device does not take the file's.
const FALLBACKS: [Format; 2] = [Format::S32Le, Format::S16Le];

/// The command line.
struct Args {
    device: String,
    period: u32,
    periods: u32,
    /// `--generate`: the test file's format, channels, rate, seconds and frequency.
    generate: Option<(Format, u32, u32, f64, f64)>,
    file: String,
    mixer: card_mixer::MixerSetup,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        device: device_from_env("ALSA_DIRECT_PLAYBACK"),
        period: 1024,
        periods: 4,
        generate: None,
        file: String::new(),
        mixer: card_mixer::MixerSetup::from_env(),
    };
    let (mut format, mut channels, mut rate, mut seconds, mut freq) = (None, 2, 48_000, 2.0f64, 1000.0f64);
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--device" => args.device = cli.value()?,
            "--period" => args.period = cli.value()?,
            "--periods" => args.periods = cli.value()?,
            "--generate" => format = Some(cli.value()?),
            "--channels" => channels = cli.value()?,
            "--rate" => rate = cli.value()?,
            "--seconds" => seconds = cli.value()?,
            "--freq" => freq = cli.value()?,
            _ if args.mixer.flag(&flag, || cli.value())? => {}
            _ => return Err(cli.unknown()),
        }
    }
    args.file = match cli.positionals().as_slice() {
        [file] => file.clone(),
        [] => return Err("no file".into()),
        [first, second, ..] => return Err(format!("more than one file: {first} and {second}")),
    };
    if let Some(format) = format {
        WavSpec::new(format, channels, rate)?;
        if seconds.is_nan() || seconds <= 0.0 || freq.is_nan() || freq <= 0.0 {
            return Err("--seconds and --freq must be more than 0".into());
        }
        args.generate = Some((format, channels, rate, seconds, freq));
    }
    Ok(Parsed::Run(args))
}

fn main() {
    let args = cli::parse_or_exit("play", USAGE, parse_args);
    signal::stop_on_signals();
    if let Err(e) = generate_if_asked(&args).and_then(|()| play(&args)) {
        eprintln!("play: {e}");
        std::process::exit(1);
    }
}

/// Writes the `--generate` test file.
fn generate_if_asked(args: &Args) -> Result<(), String> {
    let Some((format, channels, rate, seconds, freq)) = args.generate else {
        return Ok(());
    };
    let spec = WavSpec::new(format, channels, rate)?;
    let frames = (seconds * f64::from(rate)).round() as u64;
    let written = match format {
        Format::U8 => generate::<u8>(&args.file, spec, frames, freq),
        Format::S16Le => generate::<i16>(&args.file, spec, frames, freq),
        Format::S24_3Le => generate::<Packed24Le>(&args.file, spec, frames, freq),
        Format::S32Le => generate::<i32>(&args.file, spec, frames, freq),
        Format::FloatLe => generate::<f32>(&args.file, spec, frames, freq),
        other => unreachable!("WavSpec::new accepted {other}"),
    };
    let frames = written.map_err(|e| format!("{}: {e}", args.file))?;
    println!(
        "play: wrote {}: {freq} Hz at -6.0 dBFS, {format} {channels} ch {rate} Hz, {frames} frames ({:.3} s)",
        args.file,
        spec.seconds(frames)
    );
    Ok(())
}

/// Writes `frames` frames of a sine at half of full scale on every channel; returns the
/// frames written.
fn generate<S: FullScale>(path: &str, spec: WavSpec, frames: u64, freq: f64) -> io::Result<u64> {
    let mut wav = WavWriter::new(BufWriter::new(File::create(path)?), spec)?;
    let step = std::f64::consts::TAU * freq / f64::from(spec.rate);
    let mut frame = vec![S::SILENCE; usize::from(spec.channels)];
    for n in 0..frames {
        frame.fill(S::from_f32((0.5 * (step * n as f64).sin()) as f32));
        wav.write_samples(&frame)?;
    }
    let written = wav.frames();
    wav.finish()?;
    Ok(written)
}

/// One sample of `format` (little endian bytes, as a WAV file stores it) as a full-scale `i32`.
fn full_scale(format: Format, b: &[u8]) -> i32 {
    match format {
        Format::U8 => b[0].to_full_i32(),
        Format::S16Le => i16::from_le_bytes([b[0], b[1]]).to_full_i32(),
        Format::S24_3Le => Packed24Le([b[0], b[1], b[2]]).to_full_i32(),
        Format::S32Le => i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        _ => f32::from_le_bytes([b[0], b[1], b[2], b[3]]).to_full_i32(),
    }
}

/// Plays the file in its own format, else converted to the first fallback the device takes.
fn play(args: &Args) -> Result<(), String> {
    let unmuted = args.mixer.apply(&args.device, "Playback");
    if let Some(done) = unmuted.map_err(|e| format!("{}: mixer: {e}", args.device))? {
        println!("play: mixer: {done}");
    }
    let file = File::open(&args.file).map_err(|e| format!("{}: {e}", args.file))?;
    let mut wav = WavReader::new(BufReader::new(file)).map_err(|e| format!("{}: {e}", args.file))?;
    let spec = wav.spec();
    match wav.frames() {
        Some(frames) => println!(
            "play: {}: {} {} ch {} Hz, {frames} frames ({:.3} s)",
            args.file,
            spec.format,
            spec.channels,
            spec.rate,
            spec.seconds(frames)
        ),
        None => println!(
            "play: {}: {} {} ch {} Hz, length unknown",
            args.file, spec.format, spec.channels, spec.rate
        ),
    }
    let native = match spec.format {
        Format::U8 => play_native::<u8>(args, &mut wav),
        Format::S16Le => play_native::<i16>(args, &mut wav),
        Format::S24_3Le => play_native::<Packed24Le>(args, &mut wav),
        Format::S32Le => play_native::<i32>(args, &mut wav),
        Format::FloatLe => play_native::<f32>(args, &mut wav),
        other => unreachable!("the WAV reader accepted {other}"),
    };
    if native? {
        return Ok(());
    }
    for format in FALLBACKS {
        println!(
            "play: {} does not take {}; converting to {format}",
            args.device, spec.format
        );
        let converted = match format {
            Format::S32Le => play_converted::<i32>(args, &mut wav, format),
            _ => play_converted::<i16>(args, &mut wav, format),
        };
        if converted? {
            return Ok(());
        }
    }
    Err(format!(
        "{}: takes none of {}, {} and {}",
        args.device, spec.format, FALLBACKS[0], FALLBACKS[1]
    ))
}

/// Opens the device for the file's rate and channels in `format`; `None` when the device does
/// not take `format`.
fn open<S: Sample>(
    args: &Args,
    spec: WavSpec,
    format: Format,
) -> Result<Option<MmapStream<S, Playback>>, String> {
    let config = Config::new(format, u32::from(spec.channels), spec.rate)
        .period_size(args.period)
        .periods(args.periods)
        .matching(Matching::Nearest);
    let stream = match MmapStream::open(&args.device, &config).map_err(Error::from) {
        Err(Error::UnsupportedFormat { .. }) => return Ok(None),
        other => other.map_err(|e| format!("{}: {e}", device_label(&args.device, Direction::Playback)))?,
    };
    let n = stream.setup().negotiated;
    if n.channels != u32::from(spec.channels) {
        return Err(format!(
            "{}: no {} channels (nearest {}); play does not remix",
            args.device, spec.channels, n.channels
        ));
    }
    if n.rate != spec.rate {
        return Err(format!(
            "{}: no {} Hz (nearest {} Hz); play does not resample",
            args.device, spec.rate, n.rate
        ));
    }
    Ok(Some(stream))
}

/// Plays the samples as they are with type `S`, which holds the file's format; false when the
/// device does not take it.
fn play_native<S: Sample>(args: &Args, wav: &mut WavReader<BufReader<File>>) -> Result<bool, String> {
    let spec = wav.spec();
    let Some(mut stream) = open::<S>(args, spec, spec.format)? else {
        return Ok(false);
    };
    stream_file(args, &mut stream, |period| wav.read_samples(period))?;
    Ok(true)
}

/// Plays the samples converted to `format`, held by `S`; false when the device does not take
/// `format`.
fn play_converted<S: FullScale>(
    args: &Args,
    wav: &mut WavReader<BufReader<File>>,
    format: Format,
) -> Result<bool, String> {
    let spec = wav.spec();
    let Some(mut stream) = open::<S>(args, spec, format)? else {
        return Ok(false);
    };
    let width = spec.format.bytes();
    let mut bytes = vec![0u8; stream.setup().negotiated.period_size as usize * spec.frame_bytes()];
    stream_file(args, &mut stream, |period| {
        let got = wav.read_bytes(&mut bytes[..period.len() * width])?;
        let whole = got / spec.frame_bytes() * spec.frame_bytes();
        for (out, b) in period.iter_mut().zip(bytes[..whole].chunks_exact(width)) {
            *out = S::from_full_i32(full_scale(spec.format, b));
        }
        Ok(whole / width)
    })?;
    Ok(true)
}

/// Runs the stream with `fill` putting samples into each period (returning how many, fewer at
/// the end of the file), then drains it and prints a summary.
fn stream_file<S: Sample>(
    args: &Args,
    stream: &mut MmapStream<S, Playback>,
    mut fill: impl FnMut(&mut [S]) -> io::Result<usize>,
) -> Result<(), String> {
    let label = device_label(&args.device, Direction::Playback);
    let device = |e: Error| format!("{label}: {e}");
    let mut frames = 0u64;
    let mut failed = None;
    stream
        .run(|period, info| {
            let got = fill(period).unwrap_or_else(|e| {
                failed = Some(e);
                0
            });
            period[got..].fill(S::SILENCE);
            frames += (got / info.channels) as u64;
            if got < period.len() || signal::stop_requested() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(device)?;
    stream.drain().map_err(device)?;
    if let Some(e) = failed {
        return Err(format!("{}: {e} after {frames} frames", args.file));
    }
    let n = stream.setup().negotiated;
    println!(
        "play: -> {} {} {} ch {} Hz (period {} x {}): {frames} frames ({:.3} s) played, {} xruns{}",
        args.device,
        n.format,
        n.channels,
        n.rate,
        n.period_size,
        n.periods,
        frames as f64 / f64::from(n.rate),
        stream.xruns(),
        if signal::stop_requested() {
            " (stopped by a signal)"
        } else {
            ""
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_to_full_scale_keep_the_value() {
        assert_eq!(full_scale(Format::U8, &[0x80]), 0);
        assert_eq!(full_scale(Format::U8, &[0x00]), i32::MIN);
        assert_eq!(full_scale(Format::U8, &[0xc0]), 0x4000_0000);
        assert_eq!(full_scale(Format::S16Le, &(-2i16).to_le_bytes()), -2 << 16);
        assert_eq!(full_scale(Format::S24_3Le, &Packed24Le::new(-3).0), -3 << 8);
        assert_eq!(
            full_scale(Format::S24_3Le, &Packed24Le::new(0x7f_ffff).0),
            0x7fff_ff00
        );
        assert_eq!(full_scale(Format::S32Le, &i32::MIN.to_le_bytes()), i32::MIN);
        assert_eq!(full_scale(Format::FloatLe, &0.5f32.to_le_bytes()), 1 << 30);
        assert_eq!(full_scale(Format::FloatLe, &(-1.0f32).to_le_bytes()), i32::MIN);
        assert_eq!(full_scale(Format::FloatLe, &2.0f32.to_le_bytes()), i32::MAX);
        assert_eq!(full_scale(Format::FloatLe, &f32::NAN.to_le_bytes()), 0);
        assert_eq!(i16::from_full_i32(-3 << 16), -3);
        assert_eq!(i16::from_full_i32(i32::MAX), i16::MAX);
        assert_eq!(i32::from_full_i32(5), 5);
    }
}
