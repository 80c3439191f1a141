//! Prints what a PCM device offers (formats, rates, channels, period and buffer ranges), like
//! tinyalsa's `tinypcminfo`, and with `--chmap` its channel maps, like alsa-lib's
//! `snd_pcm_query_chmaps`.
//!
//! ```text
//! info [--chmap] [hw:CARD,DEVICE]      (default: $ALSA_DIRECT_PLAYBACK, else hw:0,0)
//! ```
//!
//! `--chmap` lists the maps the driver offers and the current one of each subdevice (empty
//! when no stream runs on it); a driver without a `Playback/Capture Channel Map` control
//! (snd-aloop, snd-dummy) says so.

use alsa_direct::mixer::Mixer;
use alsa_direct::{DeviceName, PcmDevice};

fn main() {
    let mut chmap = false;
    let mut name = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--chmap" => chmap = true,
            "-h" | "--help" => {
                println!("usage: info [--chmap] [hw:CARD,DEVICE]");
                return;
            }
            _ => name = Some(arg),
        }
    }
    let name = name
        .or_else(|| std::env::var("ALSA_DIRECT_PLAYBACK").ok())
        .unwrap_or_else(|| "hw:0,0".into());
    let device = match DeviceName::parse(&name) {
        Ok(d) => DeviceName { subdevice: None, ..d },
        Err(e) => {
            eprintln!("info: {name}: {e}");
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
            Err(e) => println!("Info for {name}, {direction}: {e}\n"),
        }
        if chmap {
            if let Err(e) = print_chmaps(&device, capture) {
                println!("{direction} channel maps: {e}\n");
            }
        }
    }
    if !any {
        std::process::exit(1);
    }
}

/// The maps offered and the current map of every subdevice of `device`.
fn print_chmaps(device: &DeviceName, capture: bool) -> alsa_direct::Result<()> {
    let direction = if capture { "Capture" } else { "Playback" };
    let mixer = Mixer::open(device.card_index()?)?;
    let Some(control) = mixer.chmap_control(device.device, 0, capture)? else {
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
        let Some(control) = mixer.chmap_control(device.device, subdevice, capture)? else {
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
