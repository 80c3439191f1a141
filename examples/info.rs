//! Prints what a PCM device offers (formats, rates, channels, period and buffer ranges), like
//! tinyalsa's `tinypcminfo`.
//!
//! ```text
//! info [[-D|--device] hw:CARD,DEVICE] [-h|--help]   (default: $ALSA_DIRECT_PLAYBACK, else hw:0,0)
//! ```

#[path = "common/cli.rs"]
mod cli;

use alsa_direct::{DeviceName, PcmDevice};
use cli::{device_from_env, device_label, Cli, Parsed};

const USAGE: &str = "usage: info [[-D|--device] hw:CARD,DEVICE] [-h|--help]\n\
                     prints what the device offers for playback and capture (default: $ALSA_DIRECT_PLAYBACK, else hw:0,0)";

fn parse_args(mut cli: Cli) -> Result<Parsed<String>, String> {
    let mut device = None;
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--device" => device = Some(cli.value()?),
            _ => return Err(cli.unknown()),
        }
    }
    match (device, cli.positionals().as_slice()) {
        (Some(device), []) => Ok(Parsed::Run(device)),
        (None, []) => Ok(Parsed::Run(device_from_env("ALSA_DIRECT_PLAYBACK"))),
        (None, [device]) => Ok(Parsed::Run(device.clone())),
        (_, [.., extra]) => Err(format!("unexpected argument {extra}")),
    }
}

fn main() {
    let name = cli::parse_or_exit("info", USAGE, parse_args);
    let device = match DeviceName::parse(&name) {
        Ok(d) => DeviceName { subdevice: None, ..d },
        Err(e) => {
            eprintln!("info: {name}: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let mut any = false;
    for capture in [false, true] {
        let direction = if capture { "Capture" } else { "Playback" };
        match PcmDevice::open(&device, capture).and_then(|mut pcm| pcm.capabilities()) {
            Ok(caps) => {
                any = true;
                println!("Info for {name}, {direction}:\n{caps}");
            }
            Err(e) => println!("Info for {}, {direction}: {e}\n", device_label(&name, capture)),
        }
    }
    if !any {
        std::process::exit(1);
    }
}
