//! Prints what a PCM device offers (formats, rates, channels, period and buffer ranges), like
//! tinyalsa's `tinypcminfo`.
//!
//! ```text
//! info [hw:CARD,DEVICE]      (default: $ALSA_DIRECT_PLAYBACK, else hw:0,0)
//! ```

use alsa_direct::{DeviceName, PcmDevice};

fn main() {
    let name = std::env::args()
        .nth(1)
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
    }
    if !any {
        std::process::exit(1);
    }
}
