//! Bridges a capture device to a playback device that runs on another clock, as a
//! USB-to-I2S bridge does, and keeps the queue between them bounded, on the loopback card.
//!
//! ```text
//! bridge [-C|--capture hw:Loopback,1,0] [-P|--playback hw:Loopback,0,1] [-r|--rate 48000]
//!        [-p|--period 480] [-n|--periods 8] [-d|--seconds 30] [-h|--help]
//! ```
//!
//! Each end feeds its periods' `(hw_ptr, timestamp)` pairs to a `DeviceClock`, which estimates
//! its rate against `CLOCK_MONOTONIC`. Once a second the playback side is set to run at the
//! capture side's estimated rate, corrected by the queue's distance from its target (two
//! periods, drained over 20 s), by writing the loopback's "PCM Rate Shift 100000" control
//! of the playback's cable, the way alsaloop does: a cable with the control at `v` runs at
//! `100000 / v` of its nominal rate. (A card with a "Playback Pitch 1000000" control is driven
//! the same way; on a card with a fixed clock a resampler takes the control's place.)
//!
//! Prints a line a second (`bridge t=.. capture_ppm=.. playback_ppm=.. shift=.. queue=..`)
//! and at the end `bridge-result seconds=.. capture_ppm=.. playback_ppm=.. shift=..
//! queue_min=.. queue_max=.. target=.. period=.. underruns=..`, the queue's range taken after
//! the first 5 s. The frames between the two streams wait in a ring allocated once at the
//! start (the playback starts once it holds a buffer and the target); the streams allocate
//! nothing. SIGINT or SIGTERM stops early.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/signal.rs"]
mod signal;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use alsa_direct::mixer::{ElemInfo, Mixer};
use alsa_direct::{Capture, DeviceClock, DeviceName, Format, MmapStream, Playback};

use cli::{Cli, Parsed};

const USAGE: &str = "usage: bridge [-C|--capture hw:Loopback,1,0] [-P|--playback hw:Loopback,0,1] [-r|--rate 48000]\n              \
                     [-p|--period 480] [-n|--periods 8] [-d|--seconds 30] [-h|--help]";

/// Channels bridged (S16_LE).
const CHANNELS: usize = 2;
/// Seconds over which a queue error is drained.
const DRAIN_SECONDS: f64 = 20.0;
/// Seconds before the queue's range is recorded (the clocks lock, the queue settles).
const SETTLE_SECONDS: u64 = 5;

/// The command line.
struct Args {
    capture: String,
    playback: String,
    rate: u32,
    period: u32,
    periods: u32,
    seconds: u64,
}

fn parse_args(mut cli: Cli) -> Result<Parsed<Args>, String> {
    let mut args = Args {
        capture: "hw:Loopback,1,0".into(),
        playback: "hw:Loopback,0,1".into(),
        rate: 48_000,
        period: 480,
        periods: 8,
        seconds: 30,
    };
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--capture" | "-C" => args.capture = cli.value()?,
            "--playback" | "-P" => args.playback = cli.value()?,
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
    if args.periods < 4 || args.period == 0 || args.seconds == 0 {
        return Err("--periods must be 4 or more, --period and --seconds more than 0".into());
    }
    Ok(Parsed::Run(args))
}

/// Interleaved frames waiting between the capture and the playback: a ring allocated once.
struct Ring {
    samples: Vec<i16>,
    read: usize,
    len: usize,
}

impl Ring {
    fn with_frames(frames: usize) -> Self {
        Ring {
            samples: vec![0; frames * CHANNELS],
            read: 0,
            len: 0,
        }
    }

    /// Frames queued.
    fn frames(&self) -> usize {
        self.len / CHANNELS
    }

    /// Appends `input`; what does not fit is dropped (an overrun of the bridge). Returns
    /// the samples dropped.
    fn push(&mut self, input: &[i16]) -> usize {
        let cap = self.samples.len();
        let fit = input.len().min(cap - self.len);
        for (i, &s) in input[..fit].iter().enumerate() {
            self.samples[(self.read + self.len + i) % cap] = s;
        }
        self.len += fit;
        input.len() - fit
    }

    /// Fills `out`, with silence for what is missing. Returns the samples missing.
    fn pop(&mut self, out: &mut [i16]) -> usize {
        let cap = self.samples.len();
        let take = out.len().min(self.len);
        for (i, slot) in out[..take].iter_mut().enumerate() {
            *slot = self.samples[(self.read + i) % cap];
        }
        out[take..].fill(0);
        self.read = (self.read + take) % cap;
        self.len -= take;
        out.len() - take
    }
}

/// The loopback's "PCM Rate Shift 100000" control of the cable `playback` plays into:
/// playback on device `d`, subdevice `s` is the control of device `d xor 1`, subdevice `s`
/// (`sound/drivers/aloop.c`, `get_setup`).
fn rate_shift(mixer: &Mixer, playback: &DeviceName) -> Result<ElemInfo, String> {
    let (device, subdevice) = (playback.device ^ 1, playback.subdevice.unwrap_or(0));
    let id = mixer
        .elements()
        .filter_map(Result::ok)
        .find(|id| id.name == "PCM Rate Shift 100000" && id.device == device && id.subdevice == subdevice)
        .ok_or("no \"PCM Rate Shift 100000\" control: the playback device is not a loopback cable")?;
    mixer.info(&id).map_err(|e| e.to_string())
}

/// Writes `value` to the integer control.
fn write_shift(mixer: &Mixer, control: &ElemInfo, value: i64) -> Result<(), String> {
    let mut values = mixer.read(control).map_err(|e| e.to_string())?;
    values.set_integer(0, value).map_err(|e| e.to_string())?;
    mixer.write(&values).map_err(|e| e.to_string())
}

fn main() {
    let args = cli::parse_or_exit("bridge", USAGE, parse_args);
    signal::stop_on_signals();
    if let Err(e) = bridge(&args) {
        eprintln!("bridge: {e}");
        std::process::exit(1);
    }
}

/// What the playback side tracks between its periods.
struct Control {
    shift: i64,
    queue_min: usize,
    queue_max: usize,
    underruns: usize,
    next_second: u64,
}

fn bridge(args: &Args) -> Result<(), String> {
    let playback_name = DeviceName::parse(&args.playback).map_err(|e| e.to_string())?;
    let card = playback_name.card_index().map_err(|e| e.to_string())?;
    let mixer = Mixer::open(card).map_err(|e| e.to_string())?;
    let control = rate_shift(&mixer, &playback_name)?;
    let nominal = 100_000i64;
    write_shift(&mixer, &control, nominal)?;

    let config = alsa_direct::Config::new(Format::S16Le, CHANNELS as u32, args.rate)
        .period_size(args.period)
        .periods(args.periods);
    let mut capture = MmapStream::<i16, Capture>::open(&args.capture, &config)
        .map_err(|e| format!("{}: {e}", args.capture))?;
    let mut playback = MmapStream::<i16, Playback>::open(&args.playback, &config)
        .map_err(|e| format!("{}: {e}", args.playback))?;
    let rate = u64::from(args.rate);
    let period = args.period as usize;
    let target = 2 * period;
    let buffer = args.periods as usize * period;
    let ring = Arc::new(Mutex::new(Ring::with_frames(2 * buffer + target)));
    let capture_clock = Arc::new(Mutex::new(DeviceClock::new(args.rate, capture.setup().boundary)));
    let done = Arc::new(AtomicBool::new(false));

    let capturer = {
        let (ring, clock, done) = (ring.clone(), capture_clock.clone(), done.clone());
        std::thread::spawn(move || -> Result<(usize, u32), String> {
            let mut dropped = 0;
            capture
                .run(|buf, info| {
                    clock.lock().unwrap().update(info.hw_ptr, info.timestamp.nanos());
                    dropped += ring.lock().unwrap().push(buf);
                    if done.load(Ordering::Relaxed) || signal::stop_requested() {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .map_err(|e| format!("capture: {e}"))?;
            Ok((dropped / CHANNELS, capture.xruns()))
        })
    };

    let mut playback_clock = DeviceClock::new(args.rate, playback.setup().boundary);
    let mut state = Control {
        shift: nominal,
        queue_min: usize::MAX,
        queue_max: 0,
        underruns: 0,
        next_second: rate,
    };
    // Start once the ring holds the playback's first buffer and the target more.
    while ring.lock().unwrap().frames() < buffer + target && !signal::stop_requested() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let end = args.seconds * rate;
    let played = playback.run(|buf, info| {
        playback_clock.update(info.hw_ptr, info.timestamp.nanos());
        let queued = {
            let mut ring = ring.lock().unwrap();
            if ring.pop(buf) > 0 {
                state.underruns += 1;
            }
            ring.frames()
        };
        if info.position >= SETTLE_SECONDS * rate {
            state.queue_min = state.queue_min.min(queued);
            state.queue_max = state.queue_max.max(queued);
        }
        if info.position >= state.next_second {
            state.next_second += rate;
            let captured = *capture_clock.lock().unwrap();
            // Run the playback cable at the capture's rate, a little faster while the queue
            // is above its target (slower below), so that the error drains in DRAIN_SECONDS.
            let error = (queued as f64 - target as f64) / (args.rate as f64 * DRAIN_SECONDS);
            let wanted = captured.rate_ratio() * (1.0 + error);
            state.shift = (nominal as f64 / wanted).round() as i64;
            let written = write_shift(&mixer, &control, state.shift);
            println!(
                "bridge t={} capture_ppm={:+.2} playback_ppm={:+.2} shift={} queue={queued}{}",
                info.position / rate,
                captured.ppm(),
                playback_clock.ppm(),
                state.shift,
                written.err().map(|e| format!(" ({e})")).unwrap_or_default()
            );
        }
        if info.position >= end || signal::stop_requested() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    done.store(true, Ordering::Relaxed);
    let (dropped, capture_xruns) = capturer.join().map_err(|_| "the capture thread panicked")??;
    played.map_err(|e| format!("playback: {e}"))?;
    let captured = *capture_clock.lock().unwrap();
    println!(
        "bridge-result seconds={} capture_ppm={:.2} playback_ppm={:.2} shift={} queue_min={} queue_max={} target={target} period={period} underruns={} overruns={dropped} xruns={}",
        playback.position() / rate,
        captured.ppm(),
        playback_clock.ppm(),
        state.shift,
        state.queue_min,
        state.queue_max,
        state.underruns,
        playback.xruns() + capture_xruns,
    );
    write_shift(&mixer, &control, nominal)?;
    Ok(())
}
