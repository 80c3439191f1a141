//! A job: a binary the guest runs, where it goes in the guest, how it runs, and what of the
//! guest's syslog is printed after it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What of the guest's syslog (`/var/log/messages`) to print after a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syslog {
    /// Nothing.
    Off,
    /// The lines logged while the job ran, when there are any (what `cargo board run` shows,
    /// so that an example that logs to syslog, like `tone`, is seen).
    Job,
    /// The whole file (`--dump-syslog`, or a run's `dump_syslog`).
    All,
}

impl Syslog {
    /// [`Syslog::All`] when asked for with `dump`, else `otherwise`.
    pub fn dump_or(dump: bool, otherwise: Syslog) -> Syslog {
        if dump {
            Syslog::All
        } else {
            otherwise
        }
    }
}

/// A binary the guest runs, with its place in the guest and how to run it.
#[derive(Debug, Clone)]
pub struct Job {
    /// Name reported in markers and the summary.
    pub name: String,
    /// Absolute path in the guest, e.g. `/tests/aarch64-unknown-linux-gnu/kernel`.
    pub guest_path: String,
    /// The binary on the host.
    pub host_binary: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Environment.
    pub env: BTreeMap<String, String>,
    /// What of the guest's syslog to print after the job.
    pub syslog: Syslog,
    /// More files the job uses, placed in the guest but not run: (absolute guest path, host
    /// file), e.g. the examples next to a test binary.
    pub files: Vec<(String, PathBuf)>,
    /// A guest file the job's stderr goes to instead of the console (for a later job to read,
    /// e.g. `arecord`'s `overrun!!!` lines); None: the console.
    pub stderr: Option<String>,
}

impl Job {
    /// A job running `host_binary` at `guest_path` in the guest with `args` and `env`: no
    /// syslog after it, no more files, its stderr on the console.
    pub fn new(
        name: String,
        guest_path: String,
        host_binary: &Path,
        args: Vec<String>,
        env: BTreeMap<String, String>,
    ) -> Job {
        Job {
            name,
            guest_path,
            host_binary: host_binary.to_owned(),
            args,
            env,
            syslog: Syslog::Off,
            files: Vec::new(),
            stderr: None,
        }
    }

    /// A job of the kernel test binary at `binary` (`tests/kernel`, built for `target`) with
    /// `args`, placed at `/tests/TARGET/kernel`.
    pub fn kernel_tests(
        name: String,
        target: &str,
        binary: &Path,
        args: &[&str],
        env: BTreeMap<String, String>,
    ) -> Job {
        let args = args.iter().map(|a| a.to_string()).collect();
        Job::new(name, format!("/tests/{target}/kernel"), binary, args, env)
    }
}
