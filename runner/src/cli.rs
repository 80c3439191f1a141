//! The command line of `cargo board`: one set of options per command, parsed by clap.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::boards::{Board, Kind};
use crate::boot::clock::Clock;
use crate::boot::BootOptions;
use crate::remote::ssh::{Address, HostKeys, Ssh};

/// Printed after the commands in `cargo board --help`.
const AFTER_HELP: &str = "\
Boards are read from boards/ (or $ALSA_DIRECT_BOARDS_DIR).
The guest binaries get ALSA_DIRECT_BOARD, ALSA_DIRECT_RUN, ALSA_DIRECT_PLAYBACK,
ALSA_DIRECT_CAPTURE, ALSA_DIRECT_FORMAT, ALSA_DIRECT_RATE, ALSA_DIRECT_CHANNELS,
ALSA_DIRECT_PERIOD_FRAMES, ALSA_DIRECT_PERIODS and the run's own variables.
`cargo board help COMMAND` (or `cargo board COMMAND --help`) shows a command's options.";

/// Builds alsa-direct's kernel tests and examples for a board, boots the board's Debian kernel
/// with the ALSA loopback card (or real sound hardware) under qemu, and runs them there.
#[derive(Debug, Parser)]
#[command(name = "cargo board", bin_name = "cargo board", after_help = AFTER_HELP)]
pub struct Cli {
    /// The command; without one, the help is printed.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the boards (name, kind, target, default devices).
    List,
    /// Print boards' settings and notes (every emulated board when none is named).
    Show {
        /// Board names (`cargo board list` lists them).
        #[arg(value_name = "BOARD")]
        boards: Vec<String>,
    },
    /// Install what is missing and fetch the kernels, without testing.
    ///
    /// Without BOARD: everything `ci` needs, with msrv's Rust.
    Setup(SetupArgs),
    /// Build tests/kernel for each run of the boards, boot each board and run them.
    ///
    /// All emulated boards when none is named. ARGS go to the test binaries (e.g. a test name
    /// filter). On a real-driver board (one whose board file has an audio section) the heard
    /// scenarios play in one boot, qemu records the card's output and the runner judges the
    /// recording (ARGS pick scenarios by name, e.g. tone-p64). Every full run also runs the
    /// differential harness beside alsa-lib (docs/oracle.md); `-- oracle` runs only that.
    Test(TestArgs),
    /// Build an example, boot the board, run /bin/NAME ARGS there and exit with its status.
    ///
    /// The example is built with --features (std by default); what it logged to syslog is
    /// printed after the run. On a real-driver board, the run ends with what was heard and
    /// where the recording is (target/board-audio/BOARD-NAME.wav). NAME fw-tone is the firmware
    /// build (firmware/, no std, no libc).
    Run(RunArgs),
    /// System calls, CPU and the smallest stable period per period size, beside alsa-lib's aplay.
    ///
    /// alsa-direct beside alsa-lib's aplay and the C floor (guest-tools/floor) in the same
    /// guest, on the board's own playback device, on every emulated board when none is named,
    /// and the stripped sizes of the static tone example and of the firmware fw-tone.
    /// Writes target/bench/bench.{md,json} and the Benchmarks section of docs/benchmarks.md (not part of
    /// ci). Benchmarks always run on the instruction clock.
    Bench(BenchArgs),
    /// Long runs and faults, not part of ci (docs/soak.md).
    ///
    /// On qemu-armv7 and qemu-x86_64 (its i686 run), a tone played until the kernel's ring
    /// boundary is crossed (2^30 frames: 6.2 h of guest audio), heard bit-exact on the loopback,
    /// the process's fds, mappings and memory sampled every 10 guest minutes; on the USB audio
    /// boards, the device pulled out mid-stream over QMP (device_del) and plugged back in; on
    /// the HDA board, the controller pulled off the PCI bus under a capture stream.
    /// Boots time out after 3 hours unless --timeout says otherwise.
    Soak(SoakArgs),
    /// The whole test suite (what .ci/run runs).
    ///
    /// fmt, clippy and host tests for every target, then `test` on the boards whose files have
    /// a `[ci]` section, on each Debian suite's kernel it names (BOARD-SUITE for a suite other
    /// than its own). --list prints those board runs and boots nothing.
    Ci(CiArgs),
    /// What alsa-direct sees of a board's cards, for pasting into an issue.
    ///
    /// The kernel; for each PCM its info flags, formats and hw params ranges, the transport
    /// and why a status mapping was refused, the smallest stable period, system calls per
    /// period; the mixer controls with dB ranges. Printed as text and saved as
    /// target/board-probe/BOARD.{txt,json}. A real board is probed over SSH (--host); an
    /// emulated one is booted. ARGS go to the probe (--quick: no sweep, no system call count).
    /// It plays silence for a few seconds and changes no mixer setting.
    Probe(ProbeArgs),
    /// Build the library with Debian's Rust of the declared rust-version (part of ci).
    ///
    /// The compiler is downloaded and unpacked under ~/.cache/alsa-direct/board-cache, not installed; the
    /// library is built as a dependency of a fresh project.
    Msrv,
}

/// How the boards are booted (`test`, `run`, `bench`, `ci`).
#[derive(Debug, Clone, Default, Args)]
pub struct BootArgs {
    /// Time limit per boot [default: 900, or env ALSA_DIRECT_BOARD_TIMEOUT]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Run the guest on the host's clock with the board's CPUs (one host thread each)
    ///
    /// Instead of one CPU on qemu's instruction clock (-icount shift=0,sleep=off, the default:
    /// guest time = 1 ns per executed instruction, idle time skipped, so a busy or descheduled
    /// host cannot make the guest lose time).
    #[arg(long)]
    pub real_clock: bool,
    /// Use KVM, on the host's clock, for boards that allow it (qemu-x86_64) when /dev/kvm opens
    ///
    /// Also with env ALSA_DIRECT_BOARD_KVM=1. Off by default: on nested virtual machines
    /// /dev/kvm may open but hang the guest.
    #[arg(long)]
    pub kvm: bool,
    /// Print the guest's whole /var/log/messages after every job
    #[arg(long)]
    pub dump_syslog: bool,
}

/// The boards a command works on, and the Debian suite their guests come from.
#[derive(Debug, Clone, Args)]
pub struct BoardSelection {
    /// Board names (all emulated boards when none is named)
    #[arg(value_name = "BOARD")]
    pub boards: Vec<String>,
    /// Take the guests' Debian packages (kernel, busybox, aplay) from SUITE (e.g. trixie)
    /// instead of each board's own; the boards are named BOARD-SUITE in reports
    #[arg(long, value_name = "SUITE")]
    pub suite: Option<String>,
}

/// `cargo board setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The boards to prepare for.
    #[command(flatten)]
    pub selection: BoardSelection,
}

/// `cargo board test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The boards to test.
    #[command(flatten)]
    pub selection: BoardSelection,
    /// Where a real board is.
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// How to boot them.
    #[command(flatten)]
    pub boot: BootArgs,
    /// Arguments for the test binaries (after `--`)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// A real board reached over SSH (`test`, `probe`).
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteArgs {
    /// Test the real board at [USER@]ADDR[:PORT] over SSH (the system's ssh, in batch mode:
    /// a key the board accepts, no password)
    #[arg(long, value_name = "USER@ADDR")]
    pub host: Option<String>,
    /// The SSH port (instead of ADDR's :PORT, or 22)
    #[arg(long, short = 'p', value_name = "PORT", requires = "host")]
    pub port: Option<u16>,
    /// The private key to log in with (ssh -i)
    #[arg(long, short = 'i', value_name = "FILE", requires = "host")]
    pub identity: Option<PathBuf>,
}

impl RemoteArgs {
    /// The SSH connection to the one board in `boards` when `--host` is given; None without
    /// it, when every board is emulated.
    ///
    /// # Errors
    /// When `--host` names no valid address or comes with several boards, or when a real board
    /// has no `--host`.
    pub fn ssh(&self, boards: &[Board]) -> Result<Option<Ssh>> {
        let Some(host) = &self.host else {
            if let Some(real) = boards.iter().find(|b| b.kind == Kind::Real) {
                bail!(
                    "{} is a real board: name it with --host USER@ADDR (e.g. cargo board test {} --host pi@raspberrypi.local)",
                    real.name,
                    real.name
                );
            }
            return Ok(None);
        };
        if boards.len() != 1 {
            bail!("--host tests one board; {} are named", boards.len());
        }
        let mut address: Address = host.parse()?;
        if self.port.is_some() {
            address.port = self.port;
        }
        let control = std::env::temp_dir().join(format!("alsa-direct-ssh-{}", std::process::id()));
        Ok(Some(Ssh::new(
            address,
            self.identity.clone(),
            HostKeys::User,
            &control,
        )))
    }
}

/// `cargo board probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The board (`cargo board list` lists them)
    pub board: String,
    /// Where a real board is.
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// How an emulated board is booted.
    #[command(flatten)]
    pub boot: BootArgs,
    /// Arguments for the probe (after `--`), e.g. --quick
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// `cargo board run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The board (`cargo board list` lists them)
    pub board: String,
    /// The example to run (examples/NAME.rs, or fw-tone for the firmware)
    #[arg(long, value_name = "NAME")]
    pub example: String,
    /// Which of the board's runs supplies the target and environment (the first by default)
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,
    /// Cargo features the example is built with
    #[arg(long, value_name = "F", default_value = "std")]
    pub features: String,
    /// Take the guest's Debian packages from SUITE (e.g. trixie); the board is named
    /// BOARD-SUITE
    #[arg(long, value_name = "SUITE")]
    pub suite: Option<String>,
    /// How to boot it.
    #[command(flatten)]
    pub boot: BootArgs,
    /// Arguments for the example (after `--`)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// `cargo board bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The boards to benchmark (loopback and real-driver boards).
    #[command(flatten)]
    pub selection: BoardSelection,
    /// Seconds of audio per measured run
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// Only write the report again from the saved per-board results
    #[arg(long)]
    pub report: bool,
    /// Only the timer comparison: timer mode beside period mode (interrupts, wakeups and CPU
    /// per second of audio); printed and written to target/bench/timer/BOARD.md, leaving the
    /// saved results and docs/benchmarks.md as they are
    #[arg(long)]
    pub timer_only: bool,
    /// How to boot them (--real-clock and --kvm are ignored: benchmarks run on the
    /// instruction clock).
    #[command(flatten)]
    pub boot: BootArgs,
}

/// `cargo board soak`.
#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Board names (qemu-armv7, qemu-x86_64, qemu-armv7-usb, qemu-arm64-usb and
    /// qemu-x86_64-hda when none is named)
    #[arg(value_name = "BOARD")]
    pub boards: Vec<String>,
    /// How to boot them.
    #[command(flatten)]
    pub boot: BootArgs,
}

/// `cargo board ci`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// How to boot the boards.
    #[command(flatten)]
    pub boot: BootArgs,
    /// Print the board runs CI tests (board, suite, run, target, environment, arguments), one
    /// a line, and boot nothing.
    #[arg(long)]
    pub list: bool,
}

impl BootArgs {
    /// The boot settings, with the environment's `ALSA_DIRECT_BOARD_TIMEOUT` and
    /// `ALSA_DIRECT_BOARD_KVM` where the command line says nothing.
    pub fn options(&self) -> Result<BootOptions> {
        self.options_with_env(|name| std::env::var(name).ok())
    }

    /// [`BootArgs::options`] with the environment read through `env`.
    fn options_with_env(&self, env: impl Fn(&str) -> Option<String>) -> Result<BootOptions> {
        let timeout = match (self.timeout, env("ALSA_DIRECT_BOARD_TIMEOUT")) {
            (Some(secs), _) => secs,
            (None, Some(v)) => v
                .parse()
                .with_context(|| format!("ALSA_DIRECT_BOARD_TIMEOUT={v:?} is not a number of seconds"))?,
            (None, None) => 900,
        };
        let kvm = self.kvm || env("ALSA_DIRECT_BOARD_KVM").is_some_and(|v| v == "1");
        Ok(BootOptions {
            timeout: Duration::from_secs(timeout),
            allow_kvm: kvm,
            dump_syslog: self.dump_syslog,
            clock: if kvm || self.real_clock {
                Clock::Real
            } else {
                Clock::Instruction
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    /// Parses `cargo board ARGS`.
    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cargo board").chain(args.iter().copied()))
    }

    /// The command `cargo board ARGS` parses to.
    fn command(args: &[&str]) -> Command {
        parse(args).unwrap().command.unwrap()
    }

    /// The boot options of a `test` command line, with no environment.
    fn test_boot(args: &[&str]) -> BootOptions {
        let Command::Test(test) = command(args) else {
            panic!("{args:?}: not test")
        };
        test.boot.options_with_env(|_| None).unwrap()
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn list_show_setup_msrv() {
        assert!(matches!(command(&["list"]), Command::List));
        assert!(matches!(command(&["msrv"]), Command::Msrv));
        let Command::Show { boards } = command(&["show", "rpi4", "imx6"]) else {
            panic!()
        };
        assert_eq!(boards, ["rpi4", "imx6"]);
        let Command::Setup(setup) = command(&["setup"]) else {
            panic!()
        };
        assert!(setup.selection.boards.is_empty() && setup.selection.suite.is_none());
        let Command::Setup(setup) = command(&["setup", "qemu-arm64", "--suite", "trixie"]) else {
            panic!()
        };
        assert_eq!(setup.selection.boards, ["qemu-arm64"]);
        assert_eq!(setup.selection.suite.as_deref(), Some("trixie"));
        assert!(parse(&[]).unwrap().command.is_none());
    }

    #[test]
    fn test_takes_boards_options_anywhere_and_arguments_after_dashes() {
        let Command::Test(test) = command(&["test"]) else {
            panic!()
        };
        assert!(test.selection.boards.is_empty() && test.args.is_empty());
        let Command::Test(test) = command(&[
            "test",
            "qemu-arm64",
            "--real-clock",
            "qemu-armv7",
            "--",
            "stream_loop::",
            "--exact",
        ]) else {
            panic!()
        };
        assert_eq!(test.selection.boards, ["qemu-arm64", "qemu-armv7"]);
        assert_eq!(test.args, ["stream_loop::", "--exact"]);
        assert!(test.boot.real_clock);
        let Command::Test(test) = command(&["test", "qemu-arm64-usb", "--", "tone-p64"]) else {
            panic!()
        };
        assert_eq!(
            (test.selection.boards.as_slice(), test.args.as_slice()),
            (&["qemu-arm64-usb".to_owned()][..], &["tone-p64".to_owned()][..])
        );
    }

    #[test]
    fn instruction_clock_by_default_real_clock_and_kvm_on_request() {
        let default = test_boot(&["test"]);
        assert_eq!(
            (default.clock, default.allow_kvm, default.timeout),
            (Clock::Instruction, false, Duration::from_secs(900))
        );
        let real = test_boot(&["test", "--real-clock"]);
        assert_eq!((real.clock, real.allow_kvm), (Clock::Real, false));
        let kvm = test_boot(&["test", "qemu-x86_64", "--kvm"]);
        assert_eq!((kvm.clock, kvm.allow_kvm), (Clock::Real, true));
        let other = test_boot(&["test", "--timeout", "60", "--dump-syslog"]);
        assert_eq!(
            (other.timeout, other.dump_syslog),
            (Duration::from_secs(60), true)
        );
        assert_eq!(
            parse(&["test", "--instruction-clock"]).unwrap_err().kind(),
            ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn the_environment_gives_the_timeout_and_kvm_unless_the_command_line_does() {
        let env = |name: &str| match name {
            "ALSA_DIRECT_BOARD_TIMEOUT" => Some("120".to_owned()),
            "ALSA_DIRECT_BOARD_KVM" => Some("1".to_owned()),
            _ => None,
        };
        let from_env = BootArgs::default().options_with_env(env).unwrap();
        assert_eq!(
            (from_env.timeout, from_env.allow_kvm, from_env.clock),
            (Duration::from_secs(120), true, Clock::Real)
        );
        let args = BootArgs {
            timeout: Some(30),
            ..BootArgs::default()
        };
        assert_eq!(
            args.options_with_env(env).unwrap().timeout,
            Duration::from_secs(30)
        );
        let not_one = BootArgs::default()
            .options_with_env(|n| (n == "ALSA_DIRECT_BOARD_KVM").then(|| "yes".to_owned()))
            .unwrap();
        assert_eq!((not_one.allow_kvm, not_one.clock), (false, Clock::Instruction));
        let bad = BootArgs::default()
            .options_with_env(|n| (n == "ALSA_DIRECT_BOARD_TIMEOUT").then(|| "soon".to_owned()));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("ALSA_DIRECT_BOARD_TIMEOUT=\"soon\" is not a number of seconds"));
    }

    #[test]
    fn run_takes_one_board_an_example_and_arguments_after_dashes() {
        let Command::Run(run) = command(&[
            "run",
            "qemu-arm64",
            "--example",
            "duplex",
            "--",
            "--capture",
            "hw:Loopback,1,1",
            "--seconds",
            "2",
        ]) else {
            panic!()
        };
        assert_eq!(
            (run.board.as_str(), run.example.as_str(), run.features.as_str()),
            ("qemu-arm64", "duplex", "std")
        );
        assert_eq!(run.args, ["--capture", "hw:Loopback,1,1", "--seconds", "2"]);
        assert_eq!(run.run, None);
        let Command::Run(run) = command(&[
            "run",
            "qemu-x86_64",
            "--example",
            "tone",
            "--run",
            "i686",
            "--features",
            "std,defmt",
            "--suite",
            "trixie",
            "--kvm",
        ]) else {
            panic!()
        };
        assert_eq!(
            (run.run.as_deref(), run.features.as_str(), run.suite.as_deref()),
            (Some("i686"), "std,defmt", Some("trixie"))
        );
        assert!(run.boot.kvm);
        assert_eq!(
            parse(&["run", "qemu-arm64"]).unwrap_err().kind(),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            parse(&["run", "--example", "tone"]).unwrap_err().kind(),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            parse(&["run", "qemu-arm64", "qemu-armv7", "--example", "tone"])
                .unwrap_err()
                .kind(),
            ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn bench_takes_seconds_of_at_least_one_and_report() {
        let Command::Bench(bench) = command(&["bench"]) else {
            panic!()
        };
        assert_eq!((bench.seconds, bench.report), (10, false));
        let Command::Bench(bench) = command(&["bench", "qemu-arm64", "--suite", "trixie", "--seconds", "3"])
        else {
            panic!()
        };
        assert_eq!(bench.selection.boards, ["qemu-arm64"]);
        assert_eq!(
            (bench.seconds, bench.selection.suite.as_deref()),
            (3, Some("trixie"))
        );
        let Command::Bench(bench) = command(&["bench", "--report"]) else {
            panic!()
        };
        assert!(bench.report);
        assert_eq!(
            parse(&["bench", "--seconds", "0"]).unwrap_err().kind(),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            parse(&["bench", "--seconds", "ten"]).unwrap_err().kind(),
            ErrorKind::ValueValidation
        );
    }

    #[test]
    fn soak_takes_boards_and_boot_options() {
        let Command::Soak(soak) = command(&["soak"]) else {
            panic!()
        };
        assert!(soak.boards.is_empty() && soak.boot.timeout.is_none());
        let Command::Soak(soak) = command(&["soak", "qemu-armv7", "--timeout", "20000"]) else {
            panic!()
        };
        assert_eq!(
            (soak.boards.as_slice(), soak.boot.timeout),
            (&["qemu-armv7".to_owned()][..], Some(20000))
        );
    }

    #[test]
    fn ci_takes_boot_options_only() {
        let Command::Ci(ci) = command(&["ci", "--timeout", "1200"]) else {
            panic!()
        };
        assert_eq!(ci.boot.timeout, Some(1200));
        assert!(!ci.list);
        let Command::Ci(ci) = command(&["ci", "--list"]) else {
            panic!()
        };
        assert!(ci.list);
        assert_eq!(
            parse(&["ci", "qemu-arm64"]).unwrap_err().kind(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            parse(&["ci", "--suite", "trixie"]).unwrap_err().kind(),
            ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn an_option_of_another_command_is_refused_with_the_usage() {
        for args in [
            &["test", "--example", "x"][..],
            &["test", "--seconds", "3"],
            &["run", "qemu-arm64", "--example", "tone", "--report"],
            &["bench", "--example", "tone"],
            &["setup", "--kvm"],
            &["list", "--suite", "trixie"],
            &["msrv", "--timeout", "5"],
            &["show", "--real-clock"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnknownArgument, "{args:?}");
            let message = err.render().to_string();
            assert!(
                message.contains(&format!("Usage: cargo board {}", args[0])),
                "{args:?}: {message}"
            );
        }
        assert_eq!(
            parse(&["frobnicate"]).unwrap_err().kind(),
            ErrorKind::InvalidSubcommand
        );
    }

    #[test]
    fn help_is_there_for_every_command() {
        for args in [
            &["--help"][..],
            &["help"],
            &["help", "test"],
            &["test", "--help"],
            &["run", "-h"],
            &["bench", "--help"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::DisplayHelp, "{args:?}");
        }
        let help = Cli::command().render_long_help().to_string();
        for command in [
            "list", "show", "setup", "test", "run", "bench", "soak", "ci", "msrv",
        ] {
            assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
        }
    }
}
