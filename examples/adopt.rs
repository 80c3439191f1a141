//! `adopt`: plays a tone on a PCM descriptor that another program set up (alsa-lib, a C
//! program), with `MmapStream::adopt`: the design of alsa-rs's `direct` module, without
//! alsa-lib in this process. The other program opens the device, sets its hardware
//! parameters, and `exec`s this one with the descriptor inherited (`--fd N`) and the
//! parameters it set (`-f`, `-c`, `-r`, `-p`, `-n`); SIGINT/SIGTERM stop it at a period.
//! `guest-tools/adopt/adopt_alsa.c` is such a program: alsa-lib sets the device up, and the
//! kernel tests run it with this example (docs/adopt.md).
//!
//! ```sh
//! adopt --fd 3 -f S16_LE -c 2 -r 48000 -p 256 -n 4 -d 2
//! ```
//!
//! Without `--fd` it plays the other program's part itself, on `-D DEVICE`: it sets the device
//! up with a stream of its own, keeps a duplicate of the descriptor, lets the stream go (the
//! parameters stay with the open device) and adopts the duplicate.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/signal.rs"]
mod signal;

use std::ops::ControlFlow;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use alsa_direct::sample::FullScale;
use alsa_direct::{Config, Direction, Format, MmapStream, Negotiated, PcmDevice, Playback, TransportChoice};
use cli::{device_from_env, Cli, Parsed};

const USAGE: &str =
    "usage: adopt [--fd N | -D DEVICE] [-f S16_LE] [-c 2] [-r 48000] [-p 256] [-n 4] [-d SECONDS] [--freq 440] [--level 0.25] [--sync-ptr]";

struct Args {
    fd: Option<i32>,
    device: String,
    known: Negotiated,
    seconds: u32,
    freq: f32,
    level: f32,
    sync_ptr: bool,
}

fn parse(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        fd: None,
        device: device_from_env("ALSA_DIRECT_PLAYBACK"),
        known: Negotiated {
            format: Format::S16Le,
            channels: 2,
            rate: 48_000,
            period_size: 256,
            periods: 4,
            buffer_size: 0,
        },
        seconds: 2,
        freq: 440.0,
        level: 0.25,
        sync_ptr: false,
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--fd" => args.fd = Some(cli.value()?),
            "--device" => args.device = cli.value()?,
            "--format" => args.known.format = cli.value()?,
            "--channels" => args.known.channels = cli.value()?,
            "--rate" => args.known.rate = cli.value()?,
            "--period" => args.known.period_size = cli.value()?,
            "--periods" => args.known.periods = cli.value()?,
            "--seconds" => args.seconds = cli.value()?,
            "--freq" => args.freq = cli.value()?,
            "--level" => args.level = cli.value()?,
            "--sync-ptr" => {
                cli.switch()?;
                args.sync_ptr = true;
            }
            "--help" => return Ok(Parsed::Help),
            _ => return Err(cli.unknown()),
        }
    }
    args.known.buffer_size = args.known.period_size.saturating_mul(args.known.periods);
    Ok(Parsed::Run(args))
}

/// The other program's part: `device` set up as `known` says, by a stream that is then let
/// go; the duplicate of its descriptor still holds the configured device.
fn set_up_elsewhere(device: &str, known: &Negotiated) -> Result<OwnedFd, String> {
    let config = Config::new(known.format, known.channels, known.rate)
        .period_size(known.period_size)
        .periods(known.periods);
    let stream = MmapStream::<i16, Playback>::open(device, &config).map_err(|e| e.to_string())?;
    // SAFETY: `fcntl(F_DUPFD_CLOEXEC)` on the descriptor the stream owns and keeps open here.
    let dup = unsafe { libc::fcntl(stream.fd().as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Err(format!("dup: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `dup` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

fn main() {
    let args = cli::parse_or_exit("adopt", USAGE, parse);
    if let Err(e) = play(&args) {
        eprintln!("adopt: {e}");
        std::process::exit(1);
    }
}

fn play(args: &Args) -> Result<(), String> {
    let known = args.known;
    if known.format != Format::S16Le {
        return Err(format!(
            "this example plays S16_LE; {} needs another sample type",
            known.format
        ));
    }
    let fd = match args.fd {
        // SAFETY: the caller hands this process the descriptor (inherited across exec) to own.
        Some(fd) => unsafe { OwnedFd::from_raw_fd(fd) },
        None => set_up_elsewhere(&args.device, &known)?,
    };
    let pcm = PcmDevice::from_fd(fd, Direction::Playback).map_err(|e| e.to_string())?;
    let config = Config::new(known.format, known.channels, known.rate).transport(if args.sync_ptr {
        TransportChoice::ForceSyncPtr
    } else {
        TransportChoice::Auto
    });
    let mut stream = MmapStream::<i16, Playback>::adopt(pcm, &known, &config).map_err(|e| e.to_string())?;
    signal::stop_on_signals();
    eprintln!("adopt: adopted {}", stream.setup());
    let total = u64::from(args.seconds) * u64::from(known.rate);
    let step = args.freq / known.rate as f32 * std::f32::consts::TAU;
    let mut phase = 0.0f32;
    stream
        .run(|period, info| {
            for frame in period.chunks_exact_mut(info.channels) {
                frame.fill(i16::from_f32(phase.sin() * args.level));
                phase = (phase + step) % std::f32::consts::TAU;
            }
            if signal::stop_requested() || info.position + info.frames as u64 >= total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(|e| e.to_string())?;
    stream.drain().map_err(|e| e.to_string())?;
    eprintln!(
        "adopt: {} frames played, {} xruns",
        stream.position(),
        stream.xruns()
    );
    Ok(())
}
