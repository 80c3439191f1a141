//! A firmware-like tone generator: plays a sine on the board's playback device and logs to
//! syslog (`/dev/log`, RFC 3164, tag `tone`), or to stderr when there is no syslog.
//!
//! ```text
//! tone [-D|--device hw:0,0] [--freq 440] [--level 0.25] [-d|--seconds 3] [-r|--rate 48000]
//!      [-c|--channels 2] [-p|--period 256] [-n|--periods 4] [--sync-ptr] [--unmute] [--volume DB]
//!      [--realtime | --realtime-try] [--priority 50] [-h|--help]
//! ```
//!
//! The device defaults to `$ALSA_DIRECT_PLAYBACK` (set by `cargo board run`), else `hw:0,0`.
//! `--unmute` turns the card's playback switches on and `--volume DB` also sets its playback
//! volumes, as firmware would for a fresh codec (see `common/card_mixer.rs`).
//! SIGINT or SIGTERM stops the tone: what is queued is drained and the program exits cleanly.
//!
//! `--realtime` runs the period loop under `SCHED_FIFO` at `--priority` with all memory locked
//! (`alsa_direct::realtime`) and stops with an error without the privilege; `--realtime-try`
//! warns instead and plays with normal scheduling.

#[path = "common/card_mixer.rs"]
mod card_mixer;
#[path = "common/cli.rs"]
mod cli;
#[path = "common/signal.rs"]
mod signal;

use std::ops::ControlFlow;
use std::os::unix::net::UnixDatagram;

use alsa_direct::sample::FullScale;
use alsa_direct::{Config, Direction, Format, Matching, MmapStream, Playback, TransportChoice};
use cli::{device_from_env, device_label, Cli, Parsed};

const USAGE: &str = "usage: tone [-D|--device hw:0,0] [--freq 440] [--level 0.25] [-d|--seconds 3] [-r|--rate 48000]\n            \
                     [-c|--channels 2] [-p|--period 256] [-n|--periods 4] [--sync-ptr] [--unmute] [--volume DB]\n            \
                     [--realtime | --realtime-try] [--priority 50] [-h|--help]";

/// Syslog over `/dev/log`, or stderr.
struct Log {
    socket: Option<UnixDatagram>,
}

impl Log {
    fn open() -> Self {
        let socket = UnixDatagram::unbound()
            .ok()
            .filter(|s| s.connect("/dev/log").is_ok());
        if socket.is_none() {
            eprintln!("tone: no syslog at /dev/log, logging to stderr");
        }
        Log { socket }
    }

    /// Logs at `severity` (6 info, 4 warning, 3 error) with facility user (1).
    fn log(&self, severity: u8, message: &str) {
        let sent = self.socket.as_ref().is_some_and(|s| {
            let line = format!("<{}>tone[{}]: {message}", 8 + severity, std::process::id());
            s.send(line.as_bytes()).is_ok()
        });
        if !sent {
            eprintln!("tone: {message}");
        }
    }
}

struct Args {
    device: String,
    freq: f32,
    level: f32,
    seconds: f32,
    rate: u32,
    channels: u32,
    period: u32,
    periods: u32,
    sync_ptr: bool,
    /// `--realtime` (`Some(true)`: an error without the privilege) or `--realtime-try`.
    realtime: Option<bool>,
    priority: u32,
    mixer: card_mixer::MixerSetup,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        device: device_from_env("ALSA_DIRECT_PLAYBACK"),
        freq: 440.0,
        level: 0.25,
        seconds: 3.0,
        rate: 48_000,
        channels: 2,
        period: 256,
        periods: 4,
        sync_ptr: false,
        realtime: None,
        priority: 50,
        mixer: card_mixer::MixerSetup::from_env(),
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--sync-ptr" => {
                cli.switch()?;
                args.sync_ptr = true;
            }
            "--realtime" => {
                cli.switch()?;
                args.realtime = Some(true);
            }
            "--realtime-try" => {
                cli.switch()?;
                args.realtime = Some(false);
            }
            "--priority" => args.priority = cli.value()?,
            "--device" => args.device = cli.value()?,
            "--freq" => args.freq = cli.value()?,
            "--level" => args.level = cli.value()?,
            "--seconds" => args.seconds = cli.value()?,
            "--rate" => args.rate = cli.value()?,
            "--channels" => args.channels = cli.value()?,
            "--period" => args.period = cli.value()?,
            "--periods" => args.periods = cli.value()?,
            _ if args.mixer.flag(&flag, || cli.value())? => {}
            _ => return Err(cli.unknown()),
        }
    }
    if let Some(extra) = cli.positionals().first() {
        return Err(format!("unexpected argument {extra}"));
    }
    if !(0.0..=1.0).contains(&args.level) {
        return Err("--level must be within 0..=1".into());
    }
    Ok(Parsed::Run(args))
}

fn main() {
    let args = cli::parse_or_exit("tone", USAGE, parse_args);
    let log = Log::open();
    signal::stop_on_signals();
    if let Some(required) = args.realtime {
        match alsa_direct::realtime::enter(args.priority) {
            Ok(()) => log.log(
                6,
                &format!("realtime: SCHED_FIFO priority {}, memory locked", args.priority),
            ),
            Err(e) if !required => log.log(
                4,
                &format!("realtime refused ({e}); playing with normal scheduling"),
            ),
            Err(e) => {
                log.log(3, &format!("realtime refused: {e} (--realtime-try plays anyway)"));
                std::process::exit(1);
            }
        }
    }
    if let Err(e) = play(&args, &log) {
        log.log(3, &format!("stopped on error: {e}"));
        std::process::exit(1);
    }
}

fn play(args: &Args, log: &Log) -> Result<(), String> {
    let mixed = args.mixer.apply(&args.device, "Playback");
    if let Some(done) =
        mixed.map_err(|e| format!("{}: mixer: {e}", device_label(&args.device, Direction::Playback)))?
    {
        log.log(6, &format!("mixer: {done}"));
    }
    let config = Config::new(Format::S16, args.channels, args.rate)
        .period_size(args.period)
        .periods(args.periods)
        .matching(Matching::Nearest)
        .transport(if args.sync_ptr {
            TransportChoice::ForceSyncPtr
        } else {
            TransportChoice::Auto
        });
    // The error names the device itself (`hw:0,7 (/dev/snd/pcmC0D7p): ...`).
    let mut stream = MmapStream::<i16, Playback>::open(&args.device, &config).map_err(|e| e.to_string())?;
    let setup = *stream.setup();
    let n = setup.negotiated;
    log.log(
        6,
        &format!(
            "start: device {} format {} channels {} rate {} period {} periods {} transport {} tone {} Hz level {}",
            args.device, n.format, n.channels, n.rate, n.period_size, n.periods, setup.transport, args.freq, args.level
        ),
    );
    let total = (args.seconds * n.rate as f32) as u64;
    let step = std::f32::consts::TAU * args.freq / n.rate as f32;
    let mut phase = 0.0f32;
    let mut xruns_logged = 0;
    stream
        .run(|period, info| {
            if info.xruns > xruns_logged {
                xruns_logged = info.xruns;
                log.log(4, &format!("xrun {} at frame {}", info.xruns, info.position));
            }
            for frame in period.chunks_exact_mut(info.channels) {
                frame.fill(i16::from_f32(args.level * phase.sin()));
                phase = (phase + step) % std::f32::consts::TAU;
            }
            if signal::stop_requested() || info.position + info.frames as u64 >= total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .and_then(|()| stream.drain())
        .map_err(|e| e.to_string())?;
    let reason = if signal::stop_requested() {
        "signal"
    } else {
        "done"
    };
    log.log(
        6,
        &format!(
            "stop ({reason}): {} frames played, {} xruns",
            stream.position(),
            stream.xruns()
        ),
    );
    Ok(())
}
