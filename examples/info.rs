//! Prints what a PCM device offers (formats, rates, channels, period and buffer ranges), like
//! tinyalsa's `tinypcminfo`, and with `--chmap` its channel maps, like alsa-lib's
//! `snd_pcm_query_chmaps`.
//!
//! ```text
//! info [[-D|--device] hw:CARD,DEVICE] [--chmap] [-h|--help]   (default: $ALSA_DIRECT_PLAYBACK, else hw:0,0)
//! ```
//!
//! `--chmap` lists the maps the driver offers and the current one of each subdevice (empty
//! when no stream runs on it); a driver without a `Playback/Capture Channel Map` control
//! (snd-aloop, snd-dummy) says so.

#[path = "common/cli.rs"]
mod cli;

use alsa_direct::mixer::Mixer;
use alsa_direct::{DeviceName, Direction, PcmDevice};
use cli::{device_from_env, device_label, Cli, Parsed};

const USAGE: &str = "usage: info [[-D|--device] hw:CARD,DEVICE] [--chmap] [-h|--help]\n\
                     prints what the device offers for playback and capture (default: $ALSA_DIRECT_PLAYBACK, else hw:0,0);\n\
                     --chmap: also its channel maps";

fn parse_args(mut cli: Cli) -> Result<Parsed<(String, bool)>, String> {
    let mut device = None;
    let mut chmap = false;
    while let Some(flag) = cli.next_flag() {
        match flag.as_str() {
            "--help" => return Ok(Parsed::Help),
            "--device" => device = Some(cli.value()?),
            "--chmap" => {
                cli.switch()?;
                chmap = true;
            }
            _ => return Err(cli.unknown()),
        }
    }
    match (device, cli.positionals().as_slice()) {
        (Some(device), []) => Ok(Parsed::Run((device, chmap))),
        (None, []) => Ok(Parsed::Run((device_from_env("ALSA_DIRECT_PLAYBACK"), chmap))),
        (None, [device]) => Ok(Parsed::Run((device.clone(), chmap))),
        (_, [.., extra]) => Err(format!("unexpected argument {extra}")),
    }
}

fn main() {
    let (name, chmap) = cli::parse_or_exit("info", USAGE, parse_args);
    let device = match DeviceName::parse(&name) {
        Ok(d) => DeviceName { subdevice: None, ..d },
        Err(e) => {
            eprintln!("info: {name}: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let mut any = false;
    for direction in Direction::ALL {
        match PcmDevice::open(&device, direction)
            .map_err(alsa_direct::Error::from)
            .and_then(|mut pcm| pcm.capabilities())
        {
            Ok(caps) => {
                any = true;
                println!("Info for {name}, {direction}:\n{caps}");
            }
            Err(e) => println!("Info for {}, {direction}: {e}\n", device_label(&name, direction)),
        }
        if chmap {
            if let Err(e) = print_chmaps(&device, direction) {
                println!("{direction} channel maps: {e}\n");
            }
        }
    }
    if !any {
        std::process::exit(1);
    }
}

/// The maps offered and the current map of every subdevice of `device`.
fn print_chmaps(device: &DeviceName, direction: Direction) -> alsa_direct::Result<()> {
    let mixer = Mixer::open(device.card_index()?)?;
    let Some(control) = mixer.chmap_control(device.device, 0, direction)? else {
        println!("{direction} channel maps: none (the driver has no '{direction} Channel Map' control)\n");
        return Ok(());
    };
    let access = if control.access.writable() {
        "can be set"
    } else {
        "read-only"
    };
    println!(
        "{direction} channel maps ({access}, up to {} channels):",
        control.count
    );
    // HDMI codecs list many maps: room for about 100 of 8 channels.
    let maps = mixer.chmaps::<1024>(&control)?;
    for map in maps.iter() {
        println!("  {}", map?);
    }
    for subdevice in 0.. {
        let Some(control) = mixer.chmap_control(device.device, subdevice, direction)? else {
            break;
        };
        match mixer.current_chmap(&control) {
            Ok(map) if map.channels() == 0 => println!("  subdevice {subdevice}: (not running)"),
            Ok(map) => println!("  subdevice {subdevice}: current {map}"),
            Err(e) => println!("  subdevice {subdevice}: {e}"),
        }
    }
    println!();
    Ok(())
}
