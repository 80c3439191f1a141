//! Command-line parsing shared by the examples: `--flag value` options, `--switch`es and
//! positional arguments, with error messages that name the flag.

use std::fmt::Display;
use std::str::FromStr;

/// The command line after the program name.
pub struct Cli {
    args: std::iter::Skip<std::env::Args>,
    positionals: Vec<String>,
}

impl Cli {
    /// This process's arguments.
    pub fn new() -> Self {
        Cli {
            args: std::env::args().skip(1),
            positionals: Vec::new(),
        }
    }

    /// The next `--flag`; positional arguments met on the way are kept for
    /// [`Cli::positionals`].
    pub fn next_flag(&mut self) -> Option<String> {
        for arg in self.args.by_ref() {
            if arg.starts_with("--") {
                return Some(arg);
            }
            self.positionals.push(arg);
        }
        None
    }

    /// The value after `flag`, parsed.
    pub fn value<T: FromStr>(&mut self, flag: &str) -> Result<T, String>
    where
        T::Err: Display,
    {
        let value = self.args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        value.parse().map_err(|e| format!("{flag} {value}: {e}"))
    }

    /// The positional arguments, once every flag has been read.
    pub fn positionals(self) -> Vec<String> {
        self.positionals
    }
}

/// The device named by the environment variable `var` (set by `cargo board run`), else
/// `hw:0,0`.
pub fn device_from_env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| "hw:0,0".into())
}
