//! Copies a capture device to a playback device, period by period, like `alsaloop -C hw:...
//! -P hw:...`: a passthrough, with both streams started at the same instant.
//!
//! ```text
//! duplex [-C|--capture hw:0,0] [-P|--playback hw:0,0] [-f|--format S16_LE] [-r|--rate 48000]
//!        [-c|--channels 2] [-p|--period 1024] [-n|--periods 4] [-d|--seconds 5] [--unmute] [--volume DB] [-h|--help]
//! ```
//!
//! `--unmute` turns the switches on, and `--volume DB` also sets the volumes, of the capture
//! card's capture side and the playback card's playback side, as firmware would for a fresh
//! codec (`$ALSA_DIRECT_VOLUME` does the same by default; see `common/card_mixer.rs`).
//!
//! The devices default to `$ALSA_DIRECT_CAPTURE` and `$ALSA_DIRECT_PLAYBACK` (set by `cargo
//! board run`), else `hw:0,0`. On the loopback card, capture from another subdevice than the one
//! played to (`--capture hw:Loopback,1,1` with `hw:Loopback,0,0`): whatever is played to
//! `hw:Loopback,0,1` then comes out of `hw:Loopback,1,0`. Both ends use the same format
//! (`U8`, `S8`, `S16`, `S24`, `S32`, `FLOAT`, `S24_3LE`, `S24_3BE`; native endian), rate,
//! channels and period (exact: the device must offer them).
//!
//! The playback is primed with two periods of silence (the latency) and linked to the capture
//! (`SNDRV_PCM_IOCTL_LINK`) so that the playback's start starts both; they are unlinked right
//! after, so that each recovers from its own xruns. When the devices cannot be linked, the
//! capture is started right after the playback. SIGINT or SIGTERM stops early.

#[path = "common/card_mixer.rs"]
mod card_mixer;
#[path = "common/cli.rs"]
mod cli;
#[path = "common/level.rs"]
mod level;
#[path = "common/signal.rs"]
mod signal;

use std::ops::ControlFlow;

use alsa_direct::sample::FullScale;
use alsa_direct::{Capture, Config, Direction, Error, Format, MmapStream, Packed24Be, Packed24Le, Playback};

use cli::{device_from_env, device_label, Cli, Parsed};
use level::Peak;

const USAGE: &str = "usage: duplex [-C|--capture hw:0,0] [-P|--playback hw:0,0] [-f|--format S16_LE] [-r|--rate 48000]\n              \
                     [-c|--channels 2] [-p|--period 1024] [-n|--periods 4] [-d|--seconds 5] [--unmute] [--volume DB] [-h|--help]";

/// Periods of silence queued before the start: the latency, and the margin for the copy.
const PRIME_PERIODS: u32 = 2;

/// The command line.
struct Args {
    capture: String,
    playback: String,
    format: Format,
    rate: u32,
    channels: u32,
    period: u32,
    periods: u32,
    seconds: f64,
    mixer: card_mixer::MixerSetup,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        capture: device_from_env("ALSA_DIRECT_CAPTURE"),
        playback: device_from_env("ALSA_DIRECT_PLAYBACK"),
        format: Format::S16,
        rate: 48_000,
        channels: 2,
        period: 1024,
        periods: 4,
        seconds: 5.0,
        mixer: card_mixer::MixerSetup::from_env(),
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            // alsaloop's -C and -P.
            "--capture" | "-C" => args.capture = cli.value()?,
            "--playback" | "-P" => args.playback = cli.value()?,
            "--format" => args.format = cli.value()?,
            "--rate" => args.rate = cli.value()?,
            "--channels" => args.channels = cli.value()?,
            "--period" => args.period = cli.value()?,
            "--periods" => args.periods = cli.value()?,
            "--seconds" => args.seconds = cli.value()?,
            _ if args.mixer.flag(&flag, || cli.value())? => {}
            _ => return Err(cli.unknown()),
        }
    }
    if let Some(extra) = cli.positionals().first() {
        return Err(format!("unexpected argument {extra}"));
    }
    if args.periods <= PRIME_PERIODS {
        return Err(format!(
            "--periods must be more than {PRIME_PERIODS} (the priming)"
        ));
    }
    if args.seconds.is_nan() || args.seconds <= 0.0 {
        return Err("--seconds must be more than 0".into());
    }
    Ok(Parsed::Run(args))
}

fn main() {
    let args = cli::parse_or_exit("duplex", USAGE, parse_args);
    signal::stop_on_signals();
    let copied = match args.format {
        Format::U8 => duplex::<u8>(&args, 1.0),
        Format::S8 => duplex::<i8>(&args, 1.0),
        Format::S16 => duplex::<i16>(&args, 1.0),
        Format::S24 => duplex::<i32>(&args, 256.0),
        Format::S32 => duplex::<i32>(&args, 1.0),
        Format::FLOAT => duplex::<f32>(&args, 1.0),
        Format::S24_3Le => duplex::<Packed24Le>(&args, 1.0),
        Format::S24_3Be => duplex::<Packed24Be>(&args, 1.0),
        other => Err(format!(
            "{other} is not this machine's byte order: use U8, S8, S16, S24, S32, FLOAT, S24_3LE or S24_3BE"
        )),
    };
    if let Err(e) = copied {
        eprintln!("duplex: {e}");
        std::process::exit(1);
    }
}

/// Copies with sample type `S` (which holds `args.format`); `scale` corrects the level meter
/// for `S24` in an `i32`.
fn duplex<S: FullScale>(args: &Args, scale: f32) -> Result<(), String> {
    let capture_label = device_label(&args.capture, Direction::Capture);
    let playback_label = device_label(&args.playback, Direction::Playback);
    let on = |device: &str| {
        let label = if device == args.capture {
            &capture_label
        } else {
            &playback_label
        };
        let label = label.clone();
        move |e: Error| format!("{label}: {e}")
    };
    for (device, direction) in [(&args.capture, "Capture"), (&args.playback, "Playback")] {
        if let Some(done) = args.mixer.apply(device, direction).map_err(on(device))? {
            eprintln!("duplex: mixer: {done}");
        }
    }
    let config = Config::new(args.format, args.channels, args.rate)
        .period_size(args.period)
        .periods(args.periods);
    let mut capture = MmapStream::<S, Capture>::open(&args.capture, &config)
        .map_err(Error::from)
        .map_err(on(&args.capture))?;
    let n = capture.setup().negotiated;
    let prime = PRIME_PERIODS * n.period_size;
    let mut playback = MmapStream::<S, Playback>::open(&args.playback, &config.start_threshold(prime))
        .map_err(Error::from)
        .map_err(on(&args.playback))?;

    // Prime the playback: reaching its start threshold starts it, and the capture with it
    // when they are linked.
    let linked = playback.link(&capture);
    let silence = (prime * n.channels) as usize;
    playback
        .write(&mut std::iter::repeat_n(S::SILENCE, silence))
        .map_err(on(&args.playback))?;
    let start = match linked {
        Ok(()) => {
            playback.unlink().map_err(on(&args.playback))?;
            // Refresh the capture's view of its state: it started with the playback.
            capture.state().map_err(on(&args.capture))?;
            "linked".to_owned()
        }
        Err(e) => {
            capture.start().map_err(on(&args.capture))?;
            format!("one after the other ({e})")
        }
    };
    println!(
        "duplex: {} -> {}: {} {} ch {} Hz, period {} x {}, latency {:.1} ms, started {start}",
        args.capture,
        args.playback,
        n.format,
        n.channels,
        n.rate,
        n.period_size,
        n.periods,
        f64::from(prime) * 1000.0 / f64::from(n.rate),
    );

    let total = (args.seconds * f64::from(n.rate)).round() as u64;
    let mut peak = Peak::scale(scale);
    let copied = capture
        .run(|period, info| {
            peak.feed(period);
            if let Err(e) = queue(&mut playback, period) {
                return ControlFlow::Break(Err(e));
            }
            if signal::stop_requested() || info.position + info.frames as u64 >= total {
                ControlFlow::Break(Ok(()))
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(on(&args.capture))?;
    copied.map_err(on(&args.playback))?;
    capture.stop().map_err(on(&args.capture))?;
    playback.drain().map_err(on(&args.playback))?;
    let frames = capture.position();
    println!(
        "duplex: {frames} frames ({:.3} s) copied, peak {}, xruns: capture {}, playback {}{}",
        frames as f64 / f64::from(n.rate),
        peak.dbfs(),
        capture.xruns(),
        playback.xruns(),
        if signal::stop_requested() {
            " (stopped by a signal)"
        } else {
            ""
        },
    );
    Ok(())
}

/// Queues one captured period on the playback, waiting for room and recovering from a
/// playback xrun (the playback then starts again once primed).
fn queue<S: FullScale>(playback: &mut MmapStream<S, Playback>, period: &[S]) -> alsa_direct::Result<()> {
    let channels = playback.setup().negotiated.channels as usize;
    let mut samples = period.iter().copied();
    let mut left = period.len() / channels;
    while left > 0 {
        let room = match playback.avail() {
            Ok(0) => playback.wait(None).map(|_| ()),
            Ok(_) => {
                left -= playback.write(&mut samples)?;
                Ok(())
            }
            Err(e) => Err(e),
        };
        match room {
            Err(e @ (Error::Xrun | Error::Suspended)) => playback.recover(e)?,
            other => other?,
        }
    }
    Ok(())
}
