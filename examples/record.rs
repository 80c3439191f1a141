//! Records from a capture device to a WAV file, like `arecord -D hw:... -f S16_LE -r 48000 -c 2
//! -d 3 OUT.wav`.
//!
//! ```text
//! record [-D|--device hw:0,0] [-f|--format S16_LE] [-r|--rate 48000] [-c|--channels 2]
//!        [-d|--seconds 3] [-p|--period 1024] [-n|--periods 4] [-h|--help] OUT.wav
//! ```
//!
//! The device defaults to `$ALSA_DIRECT_CAPTURE` (set by `cargo board run`), else `hw:0,0`.
//! Formats: `U8`, `S16_LE`, `S24_3LE`, `S32_LE`, `FLOAT_LE` (what a WAV file holds). The rate
//! and channels are the nearest the device offers; the file gets what was negotiated.
//! SIGINT or SIGTERM stops early; the file is finished either way. Prints one line of summary
//! (frames, duration, peak level, xruns).

#[path = "common/cli.rs"]
mod cli;
#[path = "common/level.rs"]
mod level;
#[path = "common/signal.rs"]
mod signal;
#[path = "common/wav.rs"]
mod wav;

use std::fs::File;
use std::io::BufWriter;
use std::ops::ControlFlow;

use alsa_direct::sample::FullScale;
use alsa_direct::{Capture, Config, Direction, Format, Matching, MmapStream, Packed24Le};

use cli::{device_from_env, device_label, Cli, Parsed};
use level::Peak;
use wav::{WavSpec, WavWriter};

const USAGE: &str = "usage: record [-D|--device hw:0,0] [-f|--format S16_LE] [-r|--rate 48000] [-c|--channels 2]\n              \
                     [-d|--seconds 3] [-p|--period 1024] [-n|--periods 4] [-h|--help] OUT.wav";

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

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        device: device_from_env("ALSA_DIRECT_CAPTURE"),
        format: Format::S16Le,
        rate: 48_000,
        channels: 2,
        seconds: 3.0,
        period: 1024,
        periods: 4,
        out: String::new(),
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--device" => args.device = cli.value()?,
            "--format" => args.format = cli.value()?,
            "--rate" => args.rate = cli.value()?,
            "--channels" => args.channels = cli.value()?,
            "--seconds" => args.seconds = cli.value()?,
            "--period" => args.period = cli.value()?,
            "--periods" => args.periods = cli.value()?,
            _ => return Err(cli.unknown()),
        }
    }
    args.out = match cli.positionals().as_slice() {
        [out] => out.clone(),
        [] => return Err("no output file".into()),
        [first, second, ..] => return Err(format!("more than one output file: {first} and {second}")),
    };
    if args.seconds.is_nan() || args.seconds <= 0.0 {
        return Err("--seconds must be more than 0".into());
    }
    // Checks the format and channels before the device is opened.
    WavSpec::new(args.format, args.channels, args.rate)?;
    Ok(Parsed::Run(args))
}

fn main() {
    let args = cli::parse_or_exit("record", USAGE, parse_args);
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
fn record<S: FullScale>(args: &Args) -> Result<(), String> {
    let config = Config::new(args.format, args.channels, args.rate)
        .period_size(args.period)
        .periods(args.periods)
        .matching(Matching::Nearest);
    let device = device_label(&args.device, Direction::Capture);
    let mut stream = MmapStream::<S, Capture>::open(&args.device, &config).map_err(|e| e.to_string())?;
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
        .map_err(|e| format!("{device}: {e}"))?;
    stream.stop().map_err(|e| format!("{device}: {e}"))?;
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
