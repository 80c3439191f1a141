//! Lists, shows and sets a card's mixer controls, like tinymix.
//!
//! ```text
//! mixer [-c CARD]                  list every control: number, type, count, id, values
//! mixer [-c CARD] ID               show one control (with its enum items and dB range)
//! mixer [-c CARD] ID VALUE...      set it: integers, on/off for switches, item names or
//!                                  numbers for enumerations, hex bytes (`04,82,00,02`) for
//!                                  bytes and IEC958 controls; one value sets every channel;
//!                                  integers also as `50%` of the range or as `-6dB` (`-6.5dB`,
//!                                  rounded down to a value of the control's dB scale)
//! mixer [-c CARD] --watch          print every control change until interrupted
//! ```
//!
//! CARD is a card number or id (`Loopback`); the default is card 0. ID is a control as the
//! list shows it, in amixer's forms: a name (`Master Playback Volume`), with its index and
//! device when not 0 (`Master Playback Volume,index=10`, `'PCM Notify',device=1,subdevice=7`),
//! `numid=N` or a bare number, or `iface=PCM,name='IEC958 Playback Default'`.

use std::fmt::Write as _;
use std::process::exit;

use alsa_direct::mixer::{DbRounding, ElemId, ElemInfo, ElemType, Mixer};
use alsa_direct::{DeviceName, Error, Result};

const USAGE: &str =
    "usage: mixer [-c CARD] [--watch | ID [VALUE...]]\n  ID: NAME[,index=N][,device=N][,subdevice=N] | numid=N | N\n  VALUE: integer, N%, NdB, on/off, item name, hex bytes (04,82,00,02)";

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut card = String::from("0");
    let mut rest = Vec::new();
    let mut watch = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-w" | "--watch" => watch = true,
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
    let result = if watch {
        watch_events(&card)
    } else {
        run(&card, &rest)
    };
    if let Err(e) = result {
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

/// A control by its id in amixer's forms (`Master Playback Volume,index=10`, `numid=3`), or
/// by number when `id` is all digits.
fn find(mixer: &Mixer, id: &str) -> Result<ElemInfo> {
    if id.parse::<u32>().is_ok() {
        return mixer.lookup(&format!("numid={id}"));
    }
    mixer.lookup(id)
}

/// The id as `find` takes it back: the name, with the index, device and subdevice when
/// not 0.
fn address(id: &ElemId) -> String {
    let mut out = if id.name.contains(',') {
        format!("'{}'", id.name)
    } else {
        id.name.to_string()
    };
    for (key, value) in [
        ("index", id.index),
        ("device", id.device),
        ("subdevice", id.subdevice),
    ] {
        if value != 0 {
            let _ = write!(out, ",{key}={value}");
        }
    }
    out
}

/// Prints each control change as it comes: `numid 'name' index: what -> values` (reading the
/// values makes no event).
fn watch_events(card: &str) -> Result<()> {
    let index = DeviceName::parse(&format!("hw:{card}"))?.card_index()?;
    let mixer = Mixer::open(index)?;
    mixer.subscribe(true)?;
    println!(
        "watching card {index} ('{}'), ^C to stop",
        mixer.control().card_info()?.name
    );
    loop {
        let Some(event) = mixer.wait_event(None)? else {
            continue;
        };
        let id = &event.id;
        let now = if event.mask.removed() {
            String::new()
        } else {
            mixer
                .info(id)
                .and_then(|info| values(&mixer, &info, false))
                .unwrap_or_else(|e| format!("({e})"))
        };
        println!(
            "{} '{}' index {}: {} -> {now}",
            id.numid, id.name, id.index, event.mask
        );
    }
}

fn list(mixer: &Mixer) -> Result<()> {
    let card = mixer.control().card_info()?;
    println!("Mixer name: '{}'", card.name);
    println!("Number of controls: {}", mixer.count()?);
    println!("ctl\ttype\tnum\t{:<40} value", "id");
    for id in mixer.elements() {
        let info = mixer.info(&id?)?;
        println!(
            "{}\t{}\t{}\t{:<40} {}",
            info.id.numid,
            info.kind,
            info.count,
            address(&info.id),
            values(mixer, &info, false)?
        );
    }
    Ok(())
}

fn show(mixer: &Mixer, info: &ElemInfo) -> Result<()> {
    let id = &info.id;
    println!(
        "{id}: {} x{}, {}{}",
        info.kind,
        info.count,
        if info.access.readable() { "r" } else { "-" },
        if info.access.writable() { "w" } else { "-" },
    );
    println!("  {}", values(mixer, info, true)?);
    if info.kind == ElemType::Enumerated {
        let current = if info.access.readable() {
            Some(mixer.get::<u32>(info, 0)?)
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
                if verbose {
                    out.push_str(" now");
                    for c in 0..info.count {
                        match mixer.read_db(info, c)? {
                            alsa_direct::mixer::DB_MUTE => out.push_str(" mute"),
                            db => {
                                let _ = write!(out, " {:.2}dB", f64::from(db) / 100.0);
                            }
                        }
                    }
                }
            }
            if let Some((min, max)) = info.integer_range() {
                if verbose {
                    let percents: Vec<String> = (0..info.count)
                        .map(|c| {
                            values
                                .integer(c)
                                .map(|v| format!("{}%", alsa_direct::mixer::percent_of_value(min, max, v)))
                        })
                        .collect::<Result<_>>()?;
                    let _ = write!(out, " ({})", percents.join(" "));
                }
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
    let bytes = matches!(info.kind, ElemType::Bytes | ElemType::Iec958);
    if !bytes && args.len() as u32 > info.count {
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
                let v = integer_value(mixer, info, arg)?;
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
            ElemType::Bytes | ElemType::Iec958 => {
                let bytes = hex_bytes(args).unwrap_or_else(|| bad_value(info, arg, "hex bytes: 04,82,00,02"));
                values.set_bytes(&bytes)?;
                break;
            }
            kind => {
                eprintln!("mixer: setting {kind} controls is not supported");
                exit(2);
            }
        }
    }
    mixer.write(&values)
}

/// Bytes from hex pairs separated by commas or spaces, across the arguments (`04,82,00,02`).
fn hex_bytes(args: &[String]) -> Option<Vec<u8>> {
    args.iter()
        .flat_map(|a| a.split([',', ' ']))
        .filter(|b| !b.is_empty())
        .map(|b| u8::from_str_radix(b.trim_start_matches("0x"), 16).ok())
        .collect()
}

/// An integer control's value from `123`, `50%` or `-6dB` (rounded down to a value of the
/// control's dB scale, as `amixer` does).
fn integer_value(mixer: &Mixer, info: &ElemInfo, arg: &str) -> Result<i64> {
    let expected = "an integer, a percentage (50%) or a gain (-6dB)";
    let lower = arg.to_ascii_lowercase();
    if let Some(percent) = lower.strip_suffix('%') {
        let percent = percent
            .trim()
            .parse()
            .unwrap_or_else(|_| bad_value(info, arg, expected));
        let alsa_direct::mixer::Limits::Integer { min, max, step } = info.limits else {
            bad_value(info, arg, expected)
        };
        return alsa_direct::mixer::value_of_percent(min, max, step, percent);
    }
    if let Some(db) = lower.strip_suffix("db") {
        let db: f64 = db
            .trim()
            .parse()
            .unwrap_or_else(|_| bad_value(info, arg, expected));
        let (min, max) = info
            .integer_range()
            .unwrap_or_else(|| bad_value(info, arg, expected));
        let tlv = mixer.tlv(info)?.ok_or(Error::NoDbScale)?;
        let centi = (db * 100.0).round() as i32;
        return alsa_direct::mixer::value_of_db(&tlv.bytes(), min, max, centi, DbRounding::Down)?
            .ok_or(Error::NoDbScale);
    }
    Ok(arg.parse().unwrap_or_else(|_| bad_value(info, arg, expected)))
}

fn bad_value(info: &ElemInfo, arg: &str, expected: &str) -> ! {
    eprintln!(
        "mixer: '{arg}' is not a value for '{}': give {expected}",
        info.id.name
    );
    exit(2)
}
