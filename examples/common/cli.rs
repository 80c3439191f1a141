//! Command-line parsing shared by the examples: `--flag value` (or `--flag=value`) options,
//! the short flags of aplay, arecord and tinyplay (`-D` device, `-c` channels, `-r` rate, `-f`
//! format, `-d` seconds, `-p` period size, `-n` periods, `-h` help), `--switch`es and
//! positional arguments, with error messages that name the flag as typed; and device names
//! with the device node they stand for.

#![allow(dead_code)] // Each example uses part of it.

use std::fmt::Display;
use std::str::FromStr;

use alsa_direct::Direction;

/// The long flag a short flag stands for, as in aplay, arecord and tinyplay.
pub fn long_flag(short: &str) -> Option<&'static str> {
    Some(match short {
        "-D" => "--device",
        "-c" => "--channels",
        "-r" => "--rate",
        "-f" => "--format",
        "-d" => "--seconds",
        "-p" => "--period",
        "-n" => "--periods",
        "-h" => "--help",
        _ => return None,
    })
}

/// The command line after the program name.
pub struct Cli {
    args: std::vec::IntoIter<String>,
    positionals: Vec<String>,
    /// The last flag as typed (`-D`, `--device`), for messages.
    typed: String,
    /// The value of a `--flag=value`, until [`Cli::value`] takes it.
    inline: Option<String>,
}

impl Cli {
    /// This process's arguments.
    pub fn new() -> Self {
        Self::from_args(std::env::args().skip(1))
    }

    /// Given arguments (after the program name).
    pub fn from_args<I: IntoIterator<Item = S>, S: Into<String>>(args: I) -> Self {
        Cli {
            args: args.into_iter().map(Into::into).collect::<Vec<_>>().into_iter(),
            positionals: Vec::new(),
            typed: String::new(),
            inline: None,
        }
    }

    /// The next flag, as its long name (`-D` and `--device` both give `--device`; an unknown
    /// short flag is given as typed); positional arguments met on the way are kept for
    /// [`Cli::positionals`]. Everything after `--` is positional.
    pub fn next_flag(&mut self) -> Option<String> {
        self.inline = None;
        while let Some(arg) = self.args.next() {
            if arg == "--" {
                self.positionals.extend(self.args.by_ref());
                return None;
            }
            if arg.starts_with("--") {
                let (name, inline) = match arg.split_once('=') {
                    Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                    None => (arg.clone(), None),
                };
                self.typed = name.clone();
                self.inline = inline;
                return Some(name);
            }
            if arg.len() > 1 && arg.starts_with('-') && !arg[1..].starts_with(|c: char| c.is_ascii_digit()) {
                // `-D hw:0,0`, or `-Dhw:0,0` as getopt allows.
                let (flag, rest) = arg.split_at(2.min(arg.len()));
                self.typed = flag.to_owned();
                if !rest.is_empty() {
                    self.inline = Some(rest.to_owned());
                }
                return Some(long_flag(flag).map_or_else(|| flag.to_owned(), str::to_owned));
            }
            self.positionals.push(arg);
        }
        None
    }

    /// The value of the flag just read, parsed.
    pub fn value<T: FromStr>(&mut self) -> Result<T, String>
    where
        T::Err: Display,
    {
        let flag = &self.typed;
        let value = match self.inline.take() {
            Some(value) => value,
            None => self.args.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        value.parse().map_err(|e| format!("{flag} {value}: {e}"))
    }

    /// A switch (a flag without a value) must not be given one (`--sync-ptr=yes`).
    pub fn switch(&mut self) -> Result<(), String> {
        match self.inline.take() {
            Some(value) => Err(format!("{} takes no value (got {value})", self.typed)),
            None => Ok(()),
        }
    }

    /// The error for the flag just read when the program does not know it.
    pub fn unknown(&self) -> String {
        format!("unknown option {} (-h for help)", self.typed)
    }

    /// The positional arguments, once every flag has been read.
    pub fn positionals(self) -> Vec<String> {
        self.positionals
    }
}

/// What a program's argument parser returns: the arguments to run with, or a request for help.
pub enum Parsed<A> {
    /// Run with these.
    Run(A),
    /// `-h` / `--help`: print the usage and exit successfully.
    Help,
}

/// Parses with `parse`, prints the usage and exits for `--help` (status 0) or an error (status
/// 2, with the error); returns the arguments otherwise.
pub fn parse_or_exit<A>(
    program: &str,
    usage: &str,
    parse: impl FnOnce(Cli) -> Result<Parsed<A>, String>,
) -> A {
    match parse(Cli::new()) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{usage}");
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{program}: {e}\n{usage}");
            std::process::exit(2);
        }
    }
}

/// The device named by the environment variable `var` (set by `cargo board run`), else
/// `hw:0,0`.
pub fn device_from_env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| "hw:0,0".into())
}

/// A device name with the node it opens, for error messages: `hw:Loopback,0,0
/// (/dev/snd/pcmC0D0p)`. A card id is looked up through the control devices; the name alone
/// when that fails (no node was tried) or the name does not parse.
pub fn device_label(name: &str, direction: Direction) -> String {
    let Ok(device) = alsa_direct::DeviceName::parse(name) else {
        return name.to_owned();
    };
    match device.card_index() {
        Ok(card) => format!("{name} ({})", pcm_node(card, device.device, direction)),
        Err(_) => name.to_owned(),
    }
}

/// `/dev/snd/pcmC<card>D<device><p|c>`.
pub fn pcm_node(card: u32, device: u32, direction: Direction) -> String {
    let letter = match direction {
        Direction::Playback => 'p',
        Direction::Capture => 'c',
    };
    format!("/dev/snd/pcmC{card}D{device}{letter}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flag with its value (or `-` for none), then the positionals.
    fn read(args: &[&str]) -> (Vec<(String, String)>, Vec<String>) {
        let mut cli = Cli::from_args(args.iter().copied());
        let mut flags = Vec::new();
        while let Some(flag) = cli.next_flag() {
            let value = match flag.as_str() {
                "--sync-ptr" | "--help" => "-".to_owned(),
                _ => cli.value::<String>().unwrap(),
            };
            flags.push((flag, value));
        }
        (flags, cli.positionals())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn short_flags_are_the_long_ones() {
        let (flags, rest) = read(&[
            "-D", "hw:0,0", "-c", "1", "-r", "8000", "-f", "S32_LE", "-d", "2", "-p", "256", "-n", "3",
            "out.wav",
        ]);
        assert_eq!(
            flags,
            pairs(&[
                ("--device", "hw:0,0"),
                ("--channels", "1"),
                ("--rate", "8000"),
                ("--format", "S32_LE"),
                ("--seconds", "2"),
                ("--period", "256"),
                ("--periods", "3"),
            ])
        );
        assert_eq!(rest, ["out.wav"]);
    }

    #[test]
    fn values_may_be_attached() {
        let (flags, rest) = read(&[
            "-Dhw:Loopback,0,0",
            "--rate=44100",
            "--sync-ptr",
            "a",
            "--",
            "--b",
        ]);
        assert_eq!(
            flags,
            pairs(&[
                ("--device", "hw:Loopback,0,0"),
                ("--rate", "44100"),
                ("--sync-ptr", "-")
            ])
        );
        assert_eq!(rest, ["a", "--b"]);
    }

    #[test]
    fn help_in_both_spellings() {
        assert_eq!(read(&["-h"]).0, pairs(&[("--help", "-")]));
        assert_eq!(read(&["--help"]).0, pairs(&[("--help", "-")]));
    }

    #[test]
    fn errors_name_the_flag_as_typed() {
        let mut cli = Cli::from_args(["-r", "fast"]);
        assert_eq!(cli.next_flag().as_deref(), Some("--rate"));
        let err = cli.value::<u32>().unwrap_err();
        assert!(err.starts_with("-r fast: "), "{err}");

        let mut cli = Cli::from_args(["--period"]);
        cli.next_flag();
        assert_eq!(cli.value::<u32>().unwrap_err(), "--period needs a value");

        let mut cli = Cli::from_args(["-x"]);
        assert_eq!(cli.next_flag().as_deref(), Some("-x"));
        assert_eq!(cli.unknown(), "unknown option -x (-h for help)");

        let mut cli = Cli::from_args(["--sync-ptr=yes"]);
        cli.next_flag();
        assert!(cli.switch().is_err());
    }

    #[test]
    fn a_negative_number_and_a_lone_dash_are_positional() {
        let (flags, rest) = read(&["-5", "-"]);
        assert!(flags.is_empty());
        assert_eq!(rest, ["-5", "-"]);
    }

    #[test]
    fn device_labels_name_the_node() {
        assert_eq!(
            device_label("hw:0,7", Direction::Playback),
            "hw:0,7 (/dev/snd/pcmC0D7p)"
        );
        assert_eq!(
            device_label("hw:1,0,3", Direction::Capture),
            "hw:1,0,3 (/dev/snd/pcmC1D0c)"
        );
        // No such card on the host: no node was tried.
        assert_eq!(
            device_label("hw:NoSuchCard,2", Direction::Capture),
            "hw:NoSuchCard,2"
        );
        assert_eq!(device_label("plughw:0,0", Direction::Playback), "plughw:0,0");
    }
}
