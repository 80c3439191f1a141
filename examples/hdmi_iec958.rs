//! Plays a tone through an output that takes only IEC958 subframes: the Raspberry Pi 4 and 5
//! HDMI outputs (vc4-hdmi, `IEC958_SUBFRAME_LE`), without alsa-lib's `hdmi:` device.
//!
//! ```text
//! hdmi_iec958 [-D|--device hw:vc4hdmi0,0] [--freq 440] [--level 0.25] [-d|--seconds 3]
//!             [-r|--rate 48000] [-c|--channels 2] [-p|--period 1024] [-n|--periods 4]
//!             [--no-control] [-h|--help]
//! ```
//!
//! It does what alsa-lib's `cards/vc4-hdmi.conf` does for `hdmi:CARD=vc4hdmi0`:
//! 1. sets the card's `IEC958 Playback Default` control (interface PCM, the PCM's device) to
//!    the consumer channel status AES0=0x04 AES1=0x82 AES2=0x00, AES3 the rate's code
//!    (`ChannelStatus::hdmi_pcm`); where the card has no such control it says so and goes on,
//!    as the configuration's `optional true` does (`--no-control` leaves it alone);
//! 2. opens the PCM with `IEC958_SUBFRAME` and encodes each period in place with the same
//!    status (`iec958::Encoder::fill`: no second buffer, no allocation in the loop);
//! 3. after an xrun (the period loop recovers it and `PeriodInfo::xruns` goes up) starts a new
//!    channel status block with the next frame, as alsa-lib's `iec958` plugin does when the
//!    stream is prepared again, so that the receiver locks again on the first frame played.
//!
//! The device defaults to `$ALSA_DIRECT_PLAYBACK`, else `hw:0,0`. SIGINT or SIGTERM stops.
//! The emulated boards have no IEC958 output (snd-aloop and snd-dummy offer no such format):
//! there it stops with the format error, which names the formats the device takes.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/signal.rs"]
mod signal;

use std::ops::ControlFlow;

use alsa_direct::iec958::{ChannelStatus, Encoder, Iec958Subframe};
use alsa_direct::mixer::{ElemSelector, Interface, Mixer};
use alsa_direct::{Config, DeviceName, Direction, Error, Format, Matching, MmapStream, Playback};
use cli::{device_from_env, device_label, Cli, Parsed};

const USAGE: &str = "usage: hdmi_iec958 [-D|--device hw:vc4hdmi0,0] [--freq 440] [--level 0.25] [-d|--seconds 3]\n                   \
                     [-r|--rate 48000] [-c|--channels 2] [-p|--period 1024] [-n|--periods 4] [--no-control] [-h|--help]";

struct Args {
    device: String,
    freq: f32,
    level: f32,
    seconds: f32,
    rate: u32,
    channels: u32,
    period: u32,
    periods: u32,
    control: bool,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        device: device_from_env("ALSA_DIRECT_PLAYBACK"),
        freq: 440.0,
        level: 0.25,
        seconds: 3.0,
        rate: 48_000,
        channels: 2,
        period: 1024,
        periods: 4,
        control: true,
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--no-control" => {
                cli.switch()?;
                args.control = false;
            }
            "--device" => args.device = cli.value()?,
            "--freq" => args.freq = cli.value()?,
            "--level" => args.level = cli.value()?,
            "--seconds" => args.seconds = cli.value()?,
            "--rate" => args.rate = cli.value()?,
            "--channels" => args.channels = cli.value()?,
            "--period" => args.period = cli.value()?,
            "--periods" => args.periods = cli.value()?,
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
    let args = cli::parse_or_exit("hdmi_iec958", USAGE, parse_args);
    signal::stop_on_signals();
    if let Err(e) = play(&args) {
        eprintln!(
            "hdmi_iec958: {}: {e}",
            device_label(&args.device, Direction::Playback)
        );
        std::process::exit(1);
    }
}

/// Sets the card's `IEC958 Playback Default` for PCM `device` to `status`, as vc4-hdmi.conf's
/// `ctl_elems` hook does; `Ok(false)` when the card has no such control.
fn set_channel_status(card: u32, device: u32, status: &ChannelStatus) -> alsa_direct::Result<bool> {
    let mixer = Mixer::open(card)?;
    let mut selector = ElemSelector::parse("name='IEC958 Playback Default'")?;
    selector.iface = Some(Interface::Pcm);
    selector.device = Some(device);
    let info = match mixer.select(&selector) {
        Ok(info) => info,
        Err(Error::NoSuchControl) => return Ok(false),
        Err(e) => return Err(e),
    };
    let before = mixer.read_iec958(&info)?;
    mixer.write_iec958(&info, status)?;
    let after = mixer.read_iec958(&info)?;
    println!(
        "{}: AES0-3 {:02x?} -> {:02x?}",
        info.id,
        &before.0[..4],
        &after.0[..4]
    );
    Ok(true)
}

fn play(args: &Args) -> alsa_direct::Result<()> {
    let config = Config::new(Format::IEC958_SUBFRAME, args.channels, args.rate)
        .period_size(args.period)
        .periods(args.periods)
        .matching(Matching::Nearest);
    let mut stream = MmapStream::<Iec958Subframe, Playback>::open(&args.device, &config)?;
    let n = stream.setup().negotiated;
    // The rate the device took, as the iec958 plugin fills AES3 in its hw_params.
    let status = ChannelStatus::hdmi_pcm(n.rate);
    if args.control {
        let name = DeviceName::parse(&args.device)?;
        if !set_channel_status(name.card_index()?, name.device, &status)? {
            println!("no IEC958 Playback Default control on this card: the stream's status bits alone");
        }
    }
    println!(
        "playing {} Hz: {} channels at {} Hz, {} frames x {} periods, {}",
        args.freq, n.channels, n.rate, n.period_size, n.periods, n.format
    );
    let mut encoder = Encoder::new(n.channels as usize, status);
    let total = (args.seconds * n.rate as f32) as u64;
    let step = std::f32::consts::TAU * args.freq / n.rate as f32;
    let mut phase = 0.0f32;
    let mut xruns = 0;
    stream.run(|period, info| {
        if info.xruns > xruns {
            // Prepared again: a new block starts with the next frame (the receiver has lost
            // the stream and locks again on its Z preamble).
            xruns = info.xruns;
            encoder.reset();
        }
        encoder.fill(period, |channel| {
            let sample = (args.level * phase.sin() * i32::MAX as f32) as i32;
            if channel + 1 == info.channels {
                phase = (phase + step) % std::f32::consts::TAU;
            }
            sample
        });
        if signal::stop_requested() || info.position + info.frames as u64 >= total {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    stream.drain()?;
    println!("played {} frames, {} xruns", stream.position(), stream.xruns());
    Ok(())
}
