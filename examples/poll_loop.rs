//! A playback and a capture stream in one event loop of the program's own, with `poll`: each
//! stream says what to poll its descriptor for (`poll_events`), what the result means
//! (`handle_poll`), and hands out a period without waiting (`try_period`). A 440 Hz tone is
//! played while the capture device is read and metered; SIGINT or SIGTERM stops early.
//!
//! ```text
//! poll_loop [-P|--playback hw:0,0] [-C|--capture hw:0,0] [-r|--rate 48000] [-p|--period 256]
//!           [-n|--periods 4] [-d|--seconds 3] [-h|--help]
//! ```
//!
//! The devices default to `$ALSA_DIRECT_PLAYBACK` and `$ALSA_DIRECT_CAPTURE` (set by `cargo
//! board run`), else `hw:0,0`. Both are S16_LE stereo. On the loopback card the capture hears
//! the tone: the last line shows its peak level.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/level.rs"]
mod level;
#[path = "common/signal.rs"]
mod signal;

use std::ops::ControlFlow;

use alsa_direct::sample::FullScale;
use alsa_direct::{Capture, Config, Direction, Error, Format, MmapStream, Playback, XrunPolicy};
use rustix::event::{poll, PollFd};

use cli::{device_from_env, device_label, Cli, Parsed};
use level::Peak;

const USAGE: &str = "usage: poll_loop [-P|--playback hw:0,0] [-C|--capture hw:0,0] [-r|--rate 48000] [-p|--period 256]\n                 \
                     [-n|--periods 4] [-d|--seconds 3] [-h|--help]";

/// The tone's level (a quarter of full scale, -12 dBFS).
const LEVEL: f32 = 0.25;

/// The command line.
struct Args {
    playback: String,
    capture: String,
    rate: u32,
    period: u32,
    periods: u32,
    seconds: f64,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        playback: device_from_env("ALSA_DIRECT_PLAYBACK"),
        capture: device_from_env("ALSA_DIRECT_CAPTURE"),
        rate: 48_000,
        period: 256,
        periods: 4,
        seconds: 3.0,
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--playback" | "-P" => args.playback = cli.value()?,
            "--capture" | "-C" => args.capture = cli.value()?,
            "--rate" => args.rate = cli.value()?,
            "--period" => args.period = cli.value()?,
            "--periods" => args.periods = cli.value()?,
            "--seconds" => args.seconds = cli.value()?,
            _ => return Err(cli.unknown()),
        }
    }
    if let Some(extra) = cli.positionals().first() {
        return Err(format!("unexpected argument {extra}"));
    }
    if args.seconds.is_nan() || args.seconds <= 0.0 {
        return Err("--seconds must be more than 0".into());
    }
    Ok(Parsed::Run(args))
}

fn main() {
    let args = cli::parse_or_exit("poll_loop", USAGE, parse_args);
    signal::stop_on_signals();
    if let Err(e) = run(&args) {
        eprintln!("poll_loop: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    let config = Config::new(Format::S16Le, 2, args.rate)
        .period_size(args.period)
        .periods(args.periods)
        .xrun_policy(XrunPolicy::Fail);
    let on = |name: &str, direction: Direction| {
        let label = device_label(name, direction);
        move |e: Error| format!("{label}: {e}")
    };
    // The open errors name the device themselves.
    let mut playback =
        MmapStream::<i16, Playback>::open(&args.playback, &config).map_err(|e| e.to_string())?;
    let mut capture = MmapStream::<i16, Capture>::open(&args.capture, &config).map_err(|e| e.to_string())?;
    capture.start().map_err(on(&args.capture, Direction::Capture))?;

    let total = (args.seconds * f64::from(args.rate)) as u64;
    let step = 440.0 / args.rate as f32;
    let mut phase = 0.0f32;
    let mut peak = Peak::scale(1.0);
    let mut captured = 0u64;
    let mut polls = 0u64;
    while playback.position() < total && !signal::stop_requested() {
        // Fill and read whatever is there now; then sleep in one poll for both.
        while playback.position() < total {
            let filled = playback
                .try_period(|period, info| {
                    for frame in period.chunks_exact_mut(info.channels) {
                        frame.fill(i16::from_f32(LEVEL * (std::f32::consts::TAU * phase).sin()));
                        phase = (phase + step) % 1.0;
                    }
                    ControlFlow::<()>::Continue(())
                })
                .map_err(on(&args.playback, Direction::Playback))?;
            if filled.is_none() {
                break;
            }
        }
        while capture
            .try_period(|period, info| {
                peak.feed(period);
                captured += info.frames as u64;
                ControlFlow::<()>::Continue(())
            })
            .map_err(on(&args.capture, Direction::Capture))?
            .is_some()
        {}
        let mut fds = [
            PollFd::from_borrowed_fd(playback.fd(), playback.poll_events()),
            PollFd::from_borrowed_fd(capture.fd(), capture.poll_events()),
        ];
        let limit = rustix::time::Timespec {
            tv_sec: 2,
            tv_nsec: 0,
        };
        match poll(&mut fds, Some(&limit)) {
            Ok(0) => return Err("no period in 2 s from either device: is the card stalled?".into()),
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(format!("poll: {e}")),
        }
        polls += 1;
        let (played_events, captured_events) = (fds[0].revents(), fds[1].revents());
        playback
            .handle_poll(played_events)
            .map_err(on(&args.playback, Direction::Playback))?;
        capture
            .handle_poll(captured_events)
            .map_err(on(&args.capture, Direction::Capture))?;
    }
    playback
        .drain()
        .map_err(on(&args.playback, Direction::Playback))?;
    println!(
        "poll_loop: played {} frames, captured {captured} frames (peak {}) in {polls} polls, {} + {} xruns",
        playback.position(),
        peak.dbfs(),
        playback.xruns(),
        capture.xruns()
    );
    Ok(())
}
