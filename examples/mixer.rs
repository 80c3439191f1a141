//! Lists, shows and sets a card's mixer controls, like tinymix.
//!
//! ```text
//! mixer [-c CARD]                  list every control: number, type, count, name, values
//! mixer [-c CARD] NAME|NUMBER      show one control (with its enum items and dB range)
//! mixer [-c CARD] NAME VALUE...    set it: integers, on/off for switches, item names or
//!                                  numbers for enumerations; one value sets every channel
//! ```
//!
//! CARD is a card number or id (`Loopback`); the default is card 0.

use std::fmt::Write as _;
use std::process::exit;

use alsa_direct::mixer::{ElemInfo, ElemType, Mixer};
use alsa_direct::{DeviceName, Error, Result};

const USAGE: &str = "usage: mixer [-c CARD] [NAME|NUMBER [VALUE...]]";

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut card = String::from("0");
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-c" | "--card" => match args.next() {
                Some(c) => card = c,
                None => fail_usage(),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => rest.push(arg),
        }
    }
    if let Err(e) = run(&card, &rest) {
        eprintln!("mixer: {e}");
        exit(1);
    }
}

fn fail_usage() -> ! {
    eprintln!("{USAGE}");
    exit(2)
}

fn run(card: &str, args: &[String]) -> Result<()> {
    let index = DeviceName::parse(&format!("hw:{card}"))?.card_index()?;
    let mixer = Mixer::open(index)?;
    match args {
        [] => list(&mixer),
        [name] => show(&mixer, &find(&mixer, name)?),
        [name, values @ ..] => {
            let info = find(&mixer, name)?;
            set(&mixer, &info, values)?;
            show(&mixer, &info)
        }
    }
}

/// A control by name, or by number when `name` is all digits.
fn find(mixer: &Mixer, name: &str) -> Result<ElemInfo> {
    if let Ok(numid) = name.parse::<u32>() {
        for id in mixer.elements() {
            let id = id?;
            if id.numid == numid {
                return mixer.info(&id);
            }
        }
        return Err(Error::NoSuchControl);
    }
    mixer.find(name, 0)
}

fn list(mixer: &Mixer) -> Result<()> {
    let card = mixer.control().card_info()?;
    println!("Mixer name: '{}'", card.name);
    println!("Number of controls: {}", mixer.count()?);
    println!("ctl\ttype\tnum\t{:<40} value", "name");
    for id in mixer.elements() {
        let info = mixer.info(&id?)?;
        println!(
            "{}\t{}\t{}\t{:<40} {}",
            info.id.numid,
            info.kind,
            info.count,
            info.id.name,
            values(mixer, &info, false)?
        );
    }
    Ok(())
}

fn show(mixer: &Mixer, info: &ElemInfo) -> Result<()> {
    let id = &info.id;
    println!(
        "{} '{}' index {} ({} device {} subdevice {}), {} x{}, {}{}",
        id.numid,
        id.name,
        id.index,
        id.iface,
        id.device,
        id.subdevice,
        info.kind,
        info.count,
        if info.access.readable() { "r" } else { "-" },
        if info.access.writable() { "w" } else { "-" },
    );
    println!("  {}", values(mixer, info, true)?);
    if info.kind == ElemType::Enumerated {
        let current = if info.access.readable() {
            Some(mixer.read_enumerated(info, 0)?)
        } else {
            None
        };
        for item in 0..info.enum_items().unwrap_or(0) {
            let mark = if current == Some(item) { ">" } else { " " };
            println!("  {mark} {item}: {}", mixer.enum_item_name(info, item)?);
        }
    }
    Ok(())
}

/// The values of a control on one line, with the range and dB range of integers.
fn values(mixer: &Mixer, info: &ElemInfo, verbose: bool) -> Result<String> {
    let mut out = String::new();
    if !info.access.readable() {
        out.push_str("(write-only)");
        return Ok(out);
    }
    let values = mixer.read(info)?;
    match info.kind {
        ElemType::Boolean => {
            for c in 0..info.count {
                let v = values.boolean(c)?;
                let _ = write!(out, "{} ", if v { "On" } else { "Off" });
            }
        }
        ElemType::Integer | ElemType::Integer64 => {
            for c in 0..info.count {
                let _ = write!(out, "{} ", values.integer(c)?);
            }
            if let Some((min, max)) = info.integer_range() {
                let _ = write!(out, "(range {min}->{max})");
            }
            if let Some(db) = mixer.db_range(info)? {
                let _ = write!(out, " [{db}]");
            }
        }
        ElemType::Enumerated => {
            for c in 0..info.count {
                let item = values.enumerated(c)?;
                match mixer.enum_item_name(info, item) {
                    Ok(name) => out.push_str(&name),
                    Err(_) => {
                        let _ = write!(out, "#{item}");
                    }
                }
                out.push(' ');
            }
        }
        ElemType::Bytes | ElemType::Iec958 => {
            let bytes = values.bytes()?;
            let shown = if verbose { bytes.len() } else { bytes.len().min(16) };
            for b in &bytes[..shown] {
                let _ = write!(out, "{b:02x}");
            }
            if shown < bytes.len() {
                out.push_str("...");
            }
        }
        ElemType::Other(_) => out.push_str("(unknown type)"),
    }
    Ok(out.trim_end().to_string())
}

fn set(mixer: &Mixer, info: &ElemInfo, args: &[String]) -> Result<()> {
    if args.len() as u32 > info.count {
        eprintln!(
            "mixer: '{}' has {} values; {} given",
            info.id.name,
            info.count,
            args.len()
        );
        exit(2);
    }
    let mut values = if info.access.readable() {
        mixer.read(info)?
    } else {
        alsa_direct::mixer::Values::new(info)
    };
    let channels = if args.len() == 1 {
        info.count
    } else {
        args.len() as u32
    };
    for channel in 0..channels {
        let arg = args[(channel as usize).min(args.len() - 1)].as_str();
        match info.kind {
            ElemType::Boolean => {
                let on = match arg.to_ascii_lowercase().as_str() {
                    "on" | "1" | "true" | "yes" => true,
                    "off" | "0" | "false" | "no" => false,
                    _ => bad_value(info, arg, "on or off"),
                };
                values.set_boolean(channel, on)?;
            }
            ElemType::Integer | ElemType::Integer64 => {
                let v = arg.parse().unwrap_or_else(|_| bad_value(info, arg, "an integer"));
                values.set_integer(channel, v)?;
            }
            ElemType::Enumerated => {
                let item = match arg.parse() {
                    Ok(i) => i,
                    Err(_) => mixer
                        .enum_item_index(info, arg)
                        .unwrap_or_else(|_| bad_value(info, arg, "one of its item names or numbers")),
                };
                values.set_enumerated(channel, item)?;
            }
            kind => {
                eprintln!("mixer: setting {kind} controls is not supported");
                exit(2);
            }
        }
    }
    mixer.write(&values)
}

fn bad_value(info: &ElemInfo, arg: &str, expected: &str) -> ! {
    eprintln!(
        "mixer: '{arg}' is not a value for '{}': give {expected}",
        info.id.name
    );
    exit(2)
}
