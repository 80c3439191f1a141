//! The command line and the environment, read from the arrays the kernel put on the initial
//! stack, without std and without a heap: every string is borrowed from there for the life
//! of the process.

use core::ffi::CStr;

use crate::log::{ascii, decimal_digits};

/// The usage line printed with a command-line error.
pub const USAGE: &str = "usage: fw-tone [--device hw:0,0] [--freq 440] [--level 0.25] [--seconds 3] \
[--rate 48000] [--period 256] [--periods 4] [--sync-ptr] [--realtime | --realtime-try] [--priority 50]";

/// The environment variable naming the default device (set by `cargo board run`).
const DEVICE_VAR: &str = "ALSA_DIRECT_PLAYBACK";

/// The C strings of a null-terminated array (`argv` or `envp`), as UTF-8 (others are skipped).
#[derive(Clone, Copy)]
pub struct CStrings {
    next: *const *const u8,
    left: usize,
}

/// The arguments after the program name.
///
/// # Safety
/// `argv` is null or points to `argc` pointers to NUL-terminated strings followed by a null
/// pointer, all of which live for the rest of the process.
pub unsafe fn c_strings(argv: *const *const u8, argc: usize) -> CStrings {
    let mut all = CStrings {
        next: argv,
        left: argc,
    };
    all.next();
    all
}

/// The environment's `NAME=value` strings.
///
/// # Safety
/// `envp` is null or points to pointers to NUL-terminated strings ended by a null pointer,
/// all of which live for the rest of the process.
pub unsafe fn environment(envp: *const *const u8) -> CStrings {
    CStrings {
        next: envp,
        left: usize::MAX,
    }
}

impl Iterator for CStrings {
    type Item = &'static str;

    fn next(&mut self) -> Option<&'static str> {
        loop {
            if self.next.is_null() || self.left == 0 {
                return None;
            }
            // SAFETY: `next` points into the array that `c_strings`/`environment` were given,
            // at or before its null terminator (we stop there and never step past it).
            let string = unsafe { *self.next };
            if string.is_null() {
                return None;
            }
            // SAFETY: not at the terminator yet, so the next element is still in the array.
            self.next = unsafe { self.next.add(1) };
            self.left -= 1;
            // SAFETY: a non-null element is a NUL-terminated string living as long as the
            // process (the callers' contract).
            let c = unsafe { CStr::from_ptr(string.cast()) };
            if let Ok(s) = c.to_str() {
                return Some(s);
            }
        }
    }
}

/// A non-negative decimal number in thousandths (`0.25` is 250; at most 4 294 967.295), read
/// and written without floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Milli(pub u32);

impl Milli {
    /// Parses `123`, `123.`, `.5` or `123.456` (at most three decimals).
    pub fn parse(s: &str) -> Option<Milli> {
        // A byte search rather than `split_once`, whose searcher is code the firmware would
        // link in for this alone; `.` is ASCII, so both ends are character boundaries.
        let (whole, fraction) = match s.bytes().position(|b| b == b'.') {
            Some(at) => (s.get(..at)?, s.get(at + 1..)?),
            None => (s, ""),
        };
        if (whole.is_empty() && fraction.is_empty()) || fraction.len() > 3 {
            return None;
        }
        let mut value = 0u32;
        for (i, digits) in [whole, fraction].into_iter().enumerate() {
            for b in digits.bytes() {
                if !b.is_ascii_digit() {
                    return None;
                }
                value = value.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
            }
            if i == 1 {
                value = value.checked_mul(10u32.pow(3 - digits.len() as u32))?;
            }
        }
        Some(Milli(value))
    }

    /// `self * n`, rounded down (`Milli(1500).times(48_000)` is 72 000).
    pub fn times(self, n: u64) -> u64 {
        u64::from(self.0).saturating_mul(n) / 1000
    }
}

impl crate::log::Piece for Milli {
    /// `440`, `0.5`, `12.345`: the shortest decimal form.
    fn put(&self, line: &mut crate::log::Line) {
        // The ten digits of the thousandths (a `u32` has at most ten), leading zeros included.
        let all = decimal_digits(u64::from(self.0));
        let digits = all.get(10..).unwrap_or_default();
        let (whole, fraction) = digits.split_at(7);
        // The whole part without its leading zeros (`0` stays), the fraction without its
        // trailing ones.
        let first = whole.iter().position(|&d| d != b'0').unwrap_or(whole.len() - 1);
        let decimals = fraction
            .iter()
            .rposition(|&d| d != b'0')
            .map_or(0, |last| last + 1);
        line.push(ascii(whole.get(first..).unwrap_or_default()));
        if decimals != 0 {
            line.push(".");
            line.push(ascii(fraction.get(..decimals).unwrap_or_default()));
        }
    }
}

/// What `--realtime` and `--realtime-try` asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealtimeChoice {
    /// Without the privilege, stop with an error.
    Require,
    /// Without the privilege, warn and play with normal scheduling.
    Try,
}

/// The tone's settings.
#[derive(Debug)]
pub struct Args {
    /// PCM device name.
    pub device: &'static str,
    /// Tone frequency, Hz.
    pub freq: Milli,
    /// Amplitude, 0..=1 of full scale.
    pub level: Milli,
    /// Length, seconds.
    pub seconds: Milli,
    /// Sample rate asked for.
    pub rate: u32,
    /// Period size asked for, frames.
    pub period: u32,
    /// Periods per buffer asked for.
    pub periods: u32,
    /// Force the `SYNC_PTR` transport.
    pub sync_ptr: bool,
    /// SCHED_FIFO with memory locked, if asked for.
    pub realtime: Option<RealtimeChoice>,
    /// The SCHED_FIFO priority.
    pub priority: u32,
}

/// A command line that could not be read.
#[derive(Debug)]
pub enum ArgError {
    /// An option this program does not know.
    Unknown(&'static str),
    /// An option without its value.
    MissingValue(&'static str),
    /// A value that does not parse or is out of range.
    BadValue(&'static str, &'static str),
    /// A positional argument (there are none).
    Unexpected(&'static str),
}

impl crate::log::Piece for ArgError {
    fn put(&self, line: &mut crate::log::Line) {
        let words: [&str; 4] = match *self {
            ArgError::Unknown(flag) => ["unknown option ", flag, "", ""],
            ArgError::MissingValue(flag) => [flag, " needs a value", "", ""],
            ArgError::BadValue(flag, value) => [flag, " ", value, ": not a valid value"],
            ArgError::Unexpected(arg) => ["unexpected argument ", arg, "", ""],
        };
        line.push("fw-tone: ");
        for word in words {
            line.push(word);
        }
    }
}

/// Parses a decimal `u32`.
fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    s.bytes().try_fold(0u32, |v, b| {
        b.is_ascii_digit()
            .then_some(())
            .and_then(|()| v.checked_mul(10)?.checked_add(u32::from(b - b'0')))
    })
}

impl Args {
    /// Reads the options in `args` (after the program name) over the defaults, the device
    /// from `$ALSA_DIRECT_PLAYBACK` in `env` unless `--device` names one.
    pub fn parse(
        mut args: impl Iterator<Item = &'static str>,
        mut env: impl Iterator<Item = &'static str>,
    ) -> Result<Args, ArgError> {
        let device = env
            .find_map(|kv| kv.strip_prefix(DEVICE_VAR)?.strip_prefix('='))
            .unwrap_or("hw:0,0");
        let mut a = Args {
            device,
            freq: Milli(440_000),
            level: Milli(250),
            seconds: Milli(3_000),
            rate: 48_000,
            period: 256,
            periods: 4,
            sync_ptr: false,
            realtime: None,
            priority: 50,
        };
        while let Some(flag) = args.next() {
            // The options with a value are looked up in a table rather than matched twice
            // (once to take the value, once to store it): less code in the firmware.
            if let Some(option) = VALUE_OPTIONS.iter().position(|&o| o == flag) {
                let value = args.next().ok_or(ArgError::MissingValue(flag))?;
                a.set(option, value).ok_or(ArgError::BadValue(flag, value))?;
                continue;
            }
            match flag {
                "--sync-ptr" => a.sync_ptr = true,
                "--realtime" => a.realtime = Some(RealtimeChoice::Require),
                "--realtime-try" => a.realtime = Some(RealtimeChoice::Try),
                f if f.starts_with('-') => return Err(ArgError::Unknown(f)),
                other => return Err(ArgError::Unexpected(other)),
            }
        }
        Ok(a)
    }

    /// Stores `value` for the option at `option` in [`VALUE_OPTIONS`]; `None` if it does not
    /// parse or is out of range.
    fn set(&mut self, option: usize, value: &'static str) -> Option<()> {
        match option {
            0 => self.device = value,
            1 => self.freq = Milli::parse(value)?,
            2 => self.level = Milli::parse(value).filter(|l| l.0 <= 1000)?,
            3 => self.seconds = Milli::parse(value)?,
            4 => self.rate = parse_u32(value)?,
            5 => self.period = parse_u32(value)?,
            6 => self.periods = parse_u32(value)?,
            _ => self.priority = parse_u32(value)?,
        }
        Some(())
    }
}

/// The options that take a value, in the order [`Args::set`] numbers them.
const VALUE_OPTIONS: [&str; 8] = [
    "--device",
    "--freq",
    "--level",
    "--seconds",
    "--rate",
    "--period",
    "--periods",
    "--priority",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{Line, Piece};

    fn shown(piece: &dyn Piece) -> String {
        let mut line = Line::default();
        piece.put(&mut line);
        line.as_str().to_owned()
    }

    #[test]
    fn milli_reads_and_writes_up_to_three_decimals() {
        for (text, value, again) in [
            ("440", 440_000, "440"),
            ("0.25", 250, "0.25"),
            (".5", 500, "0.5"),
            ("3.", 3_000, "3"),
            ("1000.125", 1_000_125, "1000.125"),
            ("0", 0, "0"),
            ("0.05", 50, "0.05"),
            ("0.005", 5, "0.005"),
            ("10.01", 10_010, "10.01"),
            ("1000", 1_000_000, "1000"),
            ("4294967.295", u32::MAX, "4294967.295"),
        ] {
            assert_eq!(Milli::parse(text), Some(Milli(value)), "{text}");
            assert_eq!(shown(&Milli(value)), again);
        }
        for bad in ["", ".", "1.2345", "-1", "1e3", "4294968"] {
            assert_eq!(Milli::parse(bad), None, "{bad}");
        }
        assert_eq!(Milli(1_500).times(48_000), 72_000);
    }

    #[test]
    fn args_over_defaults_and_the_environment() {
        let args = Args::parse(
            [
                "--freq",
                "1000",
                "--level",
                "0.5",
                "--realtime-try",
                "--priority",
                "37",
            ]
            .into_iter(),
            ["HOME=/root", "ALSA_DIRECT_PLAYBACK=hw:Loopback,0,0"].into_iter(),
        )
        .unwrap();
        assert_eq!(args.device, "hw:Loopback,0,0");
        assert_eq!(
            (args.freq, args.level, args.seconds),
            (Milli(1_000_000), Milli(500), Milli(3_000))
        );
        assert_eq!(
            (args.rate, args.period, args.periods, args.sync_ptr),
            (48_000, 256, 4, false)
        );
        assert_eq!((args.realtime, args.priority), (Some(RealtimeChoice::Try), 37));
        let args = Args::parse(["--device", "hw:1,0", "--realtime"].into_iter(), [].into_iter()).unwrap();
        assert_eq!(
            (args.device, args.realtime),
            ("hw:1,0", Some(RealtimeChoice::Require))
        );
        assert_eq!(
            Args::parse([].into_iter(), [].into_iter()).unwrap().device,
            "hw:0,0"
        );
    }

    #[test]
    fn command_line_errors_name_the_argument() {
        let error =
            |args: &[&'static str]| shown(&Args::parse(args.iter().copied(), [].into_iter()).unwrap_err());
        assert_eq!(
            error(&["--level", "1.5"]),
            "fw-tone: --level 1.5: not a valid value"
        );
        assert_eq!(error(&["--rate"]), "fw-tone: --rate needs a value");
        assert_eq!(
            error(&["--period", "x"]),
            "fw-tone: --period x: not a valid value"
        );
        assert_eq!(error(&["--bogus"]), "fw-tone: unknown option --bogus");
        assert_eq!(error(&["extra"]), "fw-tone: unexpected argument extra");
    }
}
