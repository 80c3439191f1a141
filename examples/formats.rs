//! Plays a tone in the first of several formats the device takes, choosing the Rust sample
//! type for that format at run time: the pattern for I2S DACs that take only S32_LE or
//! S24_LE ("S16, else S32"), and for HDMI outputs that take only IEC958 subframes.
//!
//! ```text
//! formats [--device hw:0,0] [--formats S16_LE,S32_LE,...] [--seconds 2] [--freq 440]
//!         [--channels 2] [--rate 48000]
//! ```
//!
//! The device defaults to `$ALSA_DIRECT_PLAYBACK` (set by `cargo board run`), else `hw:0,0`;
//! the formats to `S16,S32,S24,FLOAT,S24_3LE,IEC958_SUBFRAME` (native byte order).
//!
//! The steps: [`Config::formats`] lists the acceptable formats, [`Config::choose_format`]
//! asks the opened device which one it will take (refine only), a `match` picks the sample
//! type for it, and [`MmapStream::with_device`] sets the stream up on the same device.
//! (A stream whose sample type holds several of the formats, `i32` for S32 and S24, picks
//! among them by itself: `MmapStream::<i32, _>::open` with `.formats(&[S32, S24])`.)

#[path = "common/cli.rs"]
mod cli;

use std::ops::ControlFlow;

use alsa_direct::iec958::{ChannelStatus, Encoder};
use alsa_direct::sample::FullScale;
use alsa_direct::{
    Config, DeviceName, Direction, Format, Iec958Subframe, Matching, MmapStream, Packed24Le, PcmDevice,
    Playback, Sample,
};
use cli::{device_from_env, Cli, Parsed};

struct Args {
    device: String,
    formats: Vec<Format>,
    seconds: f32,
    freq: f32,
    channels: u32,
    rate: u32,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        device: device_from_env("ALSA_DIRECT_PLAYBACK"),
        formats: vec![
            Format::S16,
            Format::S32,
            Format::S24,
            Format::FLOAT,
            Format::S24_3Le,
            Format::IEC958_SUBFRAME,
        ],
        seconds: 2.0,
        freq: 440.0,
        channels: 2,
        rate: 48_000,
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--device" => args.device = cli.value()?,
            "--formats" => {
                let list: String = cli.value()?;
                args.formats = list
                    .split(',')
                    .map(|name| {
                        name.parse::<Format>()
                            .map_err(|e| format!("--formats {name}: {e}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => args.seconds = cli.value()?,
            "--freq" => args.freq = cli.value()?,
            "--channels" => args.channels = cli.value()?,
            "--rate" => args.rate = cli.value()?,
            "--help" => return Ok(Parsed::Help),
            _ => return Err(cli.unknown()),
        }
    }
    if let Some(extra) = cli.positionals().first() {
        return Err(format!("unexpected argument {extra}"));
    }
    Ok(Parsed::Run(args))
}

const USAGE: &str = "usage: formats [-D|--device hw:0,0] [--formats S16_LE,S32_LE,...] [-d|--seconds 2] [--freq 440] [-c|--channels 2] [-r|--rate 48000]";

fn main() {
    let args = cli::parse_or_exit("formats", USAGE, parse_args);
    if let Err(e) = run(&args) {
        eprintln!("formats: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    let config = Config::new(Format::S16, args.channels, args.rate)
        .period_size(1024)
        .periods(4)
        .matching(Matching::Nearest)
        .formats(&args.formats);
    let name = DeviceName::parse(&args.device).map_err(|e| e.to_string())?;
    let mut pcm = PcmDevice::open(&name, Direction::Playback).map_err(|e| e.to_string())?;
    let format = config.choose_format(&mut pcm).map_err(|e| e.to_string())?;
    println!(
        "{}: of {:?} the device takes {format}, held by {}",
        args.device,
        config.preferred_formats(),
        format.sample_type()
    );
    let config = config.formats(&[format]);
    let tone = Tone::new(args);
    match format {
        Format::S16 => play(pcm, &config, tone, i16::from_f32),
        Format::S32 => play(pcm, &config, tone, i32::from_f32),
        // S24 sits in the low 24 bits of an `i32`: the value of a packed 24-bit sample.
        Format::S24 => play(pcm, &config, tone, |x| Packed24Le::from_f32(x).get()),
        Format::FLOAT => play(pcm, &config, tone, f32::from_f32),
        Format::S24_3Le => play(pcm, &config, tone, Packed24Le::from_f32),
        Format::IEC958_SUBFRAME => play_iec958(pcm, &config, tone),
        other => Err(format!("this example has no sample type for {other}")),
    }
}

/// A sine at a quarter of full scale, the same on every channel, for `seconds`.
struct Tone {
    step: f32,
    phase: f32,
    frames: u64,
}

impl Tone {
    fn new(args: &Args) -> Self {
        Tone {
            step: args.freq / args.rate as f32,
            phase: 0.0,
            frames: (args.seconds * args.rate as f32) as u64,
        }
    }

    fn next(&mut self) -> f32 {
        let v = 0.25 * (self.phase * std::f32::consts::TAU).sin();
        self.phase = (self.phase + self.step) % 1.0;
        v
    }
}

/// Plays `tone` through a stream of sample type `S`, converting each value with `convert`.
fn play<S: Sample>(
    pcm: PcmDevice,
    config: &Config,
    mut tone: Tone,
    convert: impl Fn(f32) -> S,
) -> Result<(), String> {
    let mut stream = MmapStream::<S, Playback>::with_device(pcm, config).map_err(|e| e.to_string())?;
    println!("negotiated: {:?}", stream.setup().negotiated);
    let total = tone.frames;
    stream
        .run(|period, info| {
            for frame in period.chunks_exact_mut(info.channels) {
                frame.fill(convert(tone.next()));
            }
            if info.position >= total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(|e| e.to_string())?;
    stream.drain().map_err(|e| e.to_string())
}

/// Plays `tone` as IEC958 subframes (HDMI on a Raspberry Pi): 16-bit PCM through the
/// encoder, which adds the preambles, the channel status and the parity.
fn play_iec958(pcm: PcmDevice, config: &Config, mut tone: Tone) -> Result<(), String> {
    let mut stream =
        MmapStream::<Iec958Subframe, Playback>::with_device(pcm, config).map_err(|e| e.to_string())?;
    let negotiated = stream.setup().negotiated;
    println!("negotiated: {negotiated:?}");
    let status = ChannelStatus::consumer_pcm(negotiated.rate, 16).with_copy_permitted(true);
    let mut encoder = Encoder::new(negotiated.channels as usize, status);
    let mut pcm16 = vec![0i16; (negotiated.period_size * negotiated.channels) as usize];
    let total = tone.frames;
    stream
        .run(|period, info| {
            let samples = &mut pcm16[..period.len()];
            for frame in samples.chunks_exact_mut(info.channels) {
                frame.fill(i16::from_f32(tone.next()));
            }
            encoder.encode_i16(samples, period);
            if info.position >= total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(|e| e.to_string())?;
    stream.drain().map_err(|e| e.to_string())
}
