//! Records from a capture device to a WAV file, like `arecord -D hw:... -f S16_LE -r 48000 -c 2
//! -d 3 OUT.wav`.
//!
//! ```text
//! record [--device hw:0,0] [--format S16_LE] [--rate 48000] [--channels 2] [--seconds 3]
//!        [--period 1024] [--periods 4] OUT.wav
//! ```
//!
//! The device defaults to `$ALSA_DIRECT_CAPTURE` (set by `cargo board run`), else `hw:0,0`.
//! Formats: `U8`, `S16_LE`, `S24_3LE`, `S32_LE`, `FLOAT_LE` (what a WAV file holds). The rate
//! and channels are the nearest the device offers; the file gets what was negotiated.
//! SIGINT or SIGTERM stops early; the file is finished either way. Prints one line of summary
//! (frames, duration, peak level, xruns).

#[path = "common/level.rs"]
mod level;
#[path = "common/signal.rs"]
mod signal;
#[path = "common/wav.rs"]
mod wav;

use std::fs::File;
use std::io::BufWriter;
use std::ops::ControlFlow;

use alsa_direct::{Capture, Config, Format, Matching, MmapStream, Packed24Le};

use level::{Level, Peak};
use wav::{WavSpec, WavWriter};

const USAGE: &str = "usage: record [--device hw:0,0] [--format S16_LE] [--rate 48000] [--channels 2] \
                     [--seconds 3] [--period 1024] [--periods 4] OUT.wav";

/// The command line.
struct Args {
    device: String,
    format: Format,
    rate: u32,
    channels: u32,
    seconds: f64,
    period: u32,
    periods: u32,
    out: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        device: std::env::var("ALSA_DIRECT_CAPTURE").unwrap_or_else(|_| "hw:0,0".into()),
        format: Format::S16Le,
        rate: 48_000,
        channels: 2,
        seconds: 3.0,
        period: 1024,
        periods: 4,
        out: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if !arg.starts_with("--") {
            if !args.out.is_empty() {
                return Err(format!("more than one output file: {} and {arg}", args.out));
            }
            args.out = arg;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{arg} {value}: {e}");
        match arg.as_str() {
            "--device" => args.device = value,
            "--format" => args.format = Format::from_name(&value).ok_or_else(|| bad(&"unknown format"))?,
            "--rate" => args.rate = value.parse().map_err(|e| bad(&e))?,
            "--channels" => args.channels = value.parse().map_err(|e| bad(&e))?,
            "--seconds" => args.seconds = value.parse().map_err(|e| bad(&e))?,
            "--period" => args.period = value.parse().map_err(|e| bad(&e))?,
            "--periods" => args.periods = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    if args.out.is_empty() {
        return Err("no output file".into());
    }
    if args.seconds.is_nan() || args.seconds <= 0.0 {
        return Err("--seconds must be more than 0".into());
    }
    // Checks the format and channels before the device is opened.
    WavSpec::new(args.format, args.channels, args.rate)?;
    Ok(args)
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("record: {e}\n{USAGE}");
        std::process::exit(2);
    });
    signal::stop_on_signals();
    let recorded = match args.format {
        Format::U8 => record::<u8>(&args),
        Format::S16Le => record::<i16>(&args),
        Format::S24_3Le => record::<Packed24Le>(&args),
        Format::S32Le => record::<i32>(&args),
        Format::FloatLe => record::<f32>(&args),
        other => unreachable!("WavSpec::new accepted {other}"),
    };
    if let Err(e) = recorded {
        eprintln!("record: {e}");
        std::process::exit(1);
    }
}

/// Records with sample type `S` (which holds `args.format`).
fn record<S: Level>(args: &Args) -> Result<(), String> {
    let config = Config::new(args.format, args.channels, args.rate)
        .period_size(args.period)
        .periods(args.periods)
        .matching(Matching::Nearest);
    let mut stream =
        MmapStream::<S, Capture>::open(&args.device, &config).map_err(|e| format!("{}: {e}", args.device))?;
    let n = stream.setup().negotiated;
    let spec = WavSpec::new(n.format, n.channels, n.rate)?;
    let file = File::create(&args.out).map_err(|e| format!("{}: {e}", args.out))?;
    let mut wav = WavWriter::new(BufWriter::new(file), spec).map_err(|e| format!("{}: {e}", args.out))?;
    let total = (args.seconds * f64::from(n.rate)).round() as u64;
    let mut peak = Peak::scale(1.0);
    let mut failed = None;
    stream
        .run(|period, info| {
            let wanted = (total - info.position).min(info.frames as u64) as usize;
            let samples = &period[..wanted * info.channels];
            peak.feed(samples);
            if let Err(e) = wav.write_samples(samples) {
                failed = Some(e);
                return ControlFlow::Break(());
            }
            if signal::stop_requested() || info.position + wanted as u64 >= total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(|e| format!("{}: {e}", args.device))?;
    stream.stop().map_err(|e| format!("{}: {e}", args.device))?;
    let frames = wav.frames();
    if let Some(e) = failed {
        return Err(format!("{}: {e}", args.out));
    }
    wav.finish().map_err(|e| format!("{}: {e}", args.out))?;
    println!(
        "record: {} {} {} ch {} Hz (period {} x {}) -> {}: {frames} frames ({:.3} s), peak {}, {} xruns{}",
        args.device,
        n.format,
        n.channels,
        n.rate,
        n.period_size,
        n.periods,
        args.out,
        spec.seconds(frames),
        peak.dbfs(),
        stream.xruns(),
        if signal::stop_requested() {
            " (stopped by a signal)"
        } else {
            ""
        },
    );
    Ok(())
}
