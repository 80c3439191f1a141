//! Lists the cards, their PCM devices and subdevices through the control devices, like
//! `aplay -l` (and `arecord -l`).
//!
//! ```text
//! list [-h|--help]
//! ```

use alsa_direct::{cards, ControlDevice, Direction};

const USAGE: &str =
    "usage: list [-h|--help]\nlists the sound cards and their PCM devices and subdevices, like aplay -l";

fn main() {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return;
        }
        Some(other) => {
            eprintln!("list: unexpected argument {other}\n{USAGE}");
            std::process::exit(2);
        }
    }
    let mut found = false;
    for direction in Direction::ALL {
        println!(
            "**** List of {} Hardware Devices ****",
            direction.name().to_ascii_uppercase()
        );
        for card in cards() {
            if let Err(e) = list_card(card, direction) {
                eprintln!("list: card {card} (/dev/snd/controlC{card}): {e}");
            }
            found = true;
        }
    }
    if !found {
        eprintln!("list: no sound cards found (no /dev/snd/controlC*): is a sound driver loaded?");
        std::process::exit(1);
    }
}

fn list_card(card: u32, direction: Direction) -> alsa_direct::Result<()> {
    let control = ControlDevice::open(card)?;
    let info = control.card_info()?;
    for device in control.pcm_devices() {
        let device = device?;
        let Some(pcm) = control.pcm_info(device, 0, direction)? else {
            continue;
        };
        println!(
            "card {card}: {} [{}], device {device}: {} [{}]",
            info.id, info.name, pcm.id, pcm.name
        );
        println!("  Subdevices: {}/{}", pcm.subdevices_avail, pcm.subdevices_count);
        for sub in 0..pcm.subdevices_count {
            if let Some(s) = control.pcm_info(device, sub, direction)? {
                println!("  Subdevice #{sub}: {}", s.subname);
            }
        }
    }
    Ok(())
}
