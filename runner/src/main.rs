//! `cargo board`: builds alsa-direct's kernel tests and examples for a board, boots the board's
//! Debian kernel with the ALSA loopback card under qemu, and runs them there.
//!
//! Run `cargo board help` for the commands.

#![warn(clippy::missing_docs_in_private_items)]

mod audio;
mod bench;
mod boards;
mod boot;
mod commands;
mod guest_image;
mod host;
mod progress;
mod targets;

use std::time::Duration;

use anyhow::{bail, Context, Result};

use boards::Board;
use boot::clock::Clock;
use boot::BootOptions;
use commands::run::RunRequest;
use host::install::Host;
use host::msrv;
use host::workspace::Workspace;

/// `cargo board help`.
const USAGE: &str = "\
usage: cargo board <command> [options]

commands:
  list                          list the boards (name, kind, target, default devices)
  show BOARD                    print a board's settings and notes
  test [BOARD...] [-- ARGS]     build tests/kernel for each run of the boards (all emulated
                                boards when none is named), boot each board and run them;
                                ARGS go to the test binaries (e.g. a test name filter); on a
                                real-driver board (with [audio]) each heard scenario boots
                                once, qemu records the card's output and the runner judges
                                the recording (ARGS pick scenarios by name, e.g. tone-p64)
  run BOARD --example NAME [--run RUN] [--features F] [-- ARGS]
                                build the example (features: std by default), boot the board,
                                run /bin/NAME ARGS there, print what it logged to syslog, and
                                exit with its status; on a real-driver board, then say what
                                was heard and where the recording is
                                (target/board-audio/BOARD-NAME.wav); NAME fw-tone is the
                                firmware build (firmware/, no std, no libc)
  bench [BOARD...] [--seconds N] [--report]
                                system calls, CPU and the smallest stable period per period
                                size, alsa-direct beside alsa-lib's aplay in the same guest
                                (all loopback boards when none is named; N seconds per run,
                                default 10), and the stripped sizes of the static tone example
                                and of the firmware fw-tone;
                                writes target/bench/bench.{md,json} and the README's
                                Benchmarks section (not part of ci); --report only writes
                                these again from the saved per-board results
  ci                            the whole test suite: fmt, clippy and host tests for every
                                target, then `test` on all emulated boards, and again on
                                Debian trixie's kernel (Linux 6.12) for those on another suite
                                (BOARD-trixie) (what .ci/run runs)
  msrv                          build the library with Debian's Rust of the declared
                                rust-version (downloaded and unpacked under target/board-cache,
                                not installed), as a dependency of a fresh project (part of ci)
  setup [BOARD...]              install what is missing and fetch the kernels, without testing
                                (no BOARD: everything ci needs, with msrv's Rust)
  help                          this text

options (test, run, bench, ci):
  --timeout SECS                time limit per boot (default 900; env ALSA_DIRECT_BOARD_TIMEOUT)
  --real-clock                  run the guest on the host's clock with the board's CPUs (one
                                host thread each) instead of one CPU on qemu's instruction
                                clock (-icount shift=0,sleep=off, the default: guest time =
                                1 ns per executed instruction, idle time skipped, so a busy or
                                descheduled host cannot make the guest lose time); bench always
                                uses the instruction clock
  --kvm                         use KVM, on the host's clock, for boards that allow it
                                (qemu-x86_64) when /dev/kvm opens (env ALSA_DIRECT_BOARD_KVM=1);
                                off by default: on nested virtual machines /dev/kvm may open but
                                hang the guest
  --dump-syslog                 print the guest's whole /var/log/messages after every job
                                (run prints the lines the example logged without it)
  --suite SUITE                 take the guests' Debian packages (kernel, busybox, aplay) from
                                SUITE (e.g. trixie) instead of each board's own; the boards are
                                named BOARD-SUITE in reports (setup, test, run, bench)

Boards are read from boards/ (or $ALSA_DIRECT_BOARDS_DIR).
The guest binaries get ALSA_DIRECT_BOARD, ALSA_DIRECT_RUN, ALSA_DIRECT_PLAYBACK,
ALSA_DIRECT_CAPTURE, ALSA_DIRECT_FORMAT, ALSA_DIRECT_RATE, ALSA_DIRECT_CHANNELS,
ALSA_DIRECT_PERIOD_FRAMES, ALSA_DIRECT_PERIODS and the run's own variables.
";

/// Parsed command line.
struct Cli {
    /// The subcommand.
    command: String,
    /// Board names.
    positional: Vec<String>,
    /// Arguments after `--`, for the test binary or example.
    after_dashes: Vec<String>,
    /// `--example NAME`.
    example: Option<String>,
    /// `--run RUN`.
    run: Option<String>,
    /// `--features F`.
    features: Option<String>,
    /// `--seconds N` (bench).
    seconds: u64,
    /// `--suite SUITE` (setup, test, run, bench).
    suite: Option<String>,
    /// `--report` (bench).
    report_only: bool,
    /// `--timeout`, `--kvm`, `--dump-syslog`, `--real-clock`.
    opts: BootOptions,
}

/// Parses the arguments after `cargo board`.
fn parse_cli(args: Vec<String>) -> Result<Cli> {
    let mut args = args.into_iter();
    let command = args.next().unwrap_or_else(|| "help".into());
    let timeout = match std::env::var("ALSA_DIRECT_BOARD_TIMEOUT") {
        Ok(v) => v
            .parse()
            .with_context(|| format!("ALSA_DIRECT_BOARD_TIMEOUT={v:?} is not a number of seconds"))?,
        Err(_) => 900,
    };
    let mut cli = Cli {
        command,
        positional: Vec::new(),
        after_dashes: Vec::new(),
        example: None,
        run: None,
        features: None,
        seconds: 10,
        suite: None,
        report_only: false,
        opts: BootOptions {
            timeout: Duration::from_secs(timeout),
            allow_kvm: false,
            dump_syslog: false,
            clock: Clock::Instruction,
        },
    };
    if std::env::var("ALSA_DIRECT_BOARD_KVM").is_ok_and(|v| v == "1") {
        cli.opts.allow_kvm = true;
        cli.opts.clock = Clock::Real;
    }
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--" => {
                cli.after_dashes = args.collect();
                break;
            }
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: u64 = v.parse().with_context(|| format!("--timeout {v:?}"))?;
                cli.opts.timeout = Duration::from_secs(secs);
            }
            "--kvm" => {
                cli.opts.allow_kvm = true;
                cli.opts.clock = Clock::Real;
            }
            "--dump-syslog" => cli.opts.dump_syslog = true,
            "--real-clock" => cli.opts.clock = Clock::Real,
            "--example" => cli.example = Some(value("--example")?),
            "--run" => cli.run = Some(value("--run")?),
            "--features" => cli.features = Some(value("--features")?),
            "--suite" => cli.suite = Some(value("--suite")?),
            "--report" => cli.report_only = true,
            "--seconds" => {
                let v = value("--seconds")?;
                cli.seconds = v.parse().with_context(|| format!("--seconds {v:?}"))?;
                if cli.seconds == 0 {
                    bail!("--seconds must be at least 1");
                }
            }
            "-h" | "--help" => cli.command = "help".into(),
            other if other.starts_with('-') => bail!("unknown option {other}\n\n{USAGE}"),
            _ => cli.positional.push(arg),
        }
    }
    Ok(cli)
}

fn main() {
    progress::start_clock();
    let code = match real_main() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("cargo board: error: {err:#}");
            1
        }
    };
    std::process::exit(code);
}

/// Runs the command; returns the exit code.
fn real_main() -> Result<i32> {
    let mut cli = parse_cli(std::env::args().skip(1).collect())?;
    if matches!(cli.command.as_str(), "help" | "-h" | "--help") {
        print!("{USAGE}");
        return Ok(0);
    }
    let ws = Workspace::locate()?;
    let mut all = boards::load_all(&ws.boards_dir())?;
    if let Some(suite) = &cli.suite {
        if cli.command == "ci" {
            bail!("ci tests the boards as they are; --suite is for setup, test, run and bench");
        }
        // The chosen boards, renamed `<board>-<suite>`, stand in for the boards on the command line.
        all = boards::select(&all, &cli.positional)?
            .into_iter()
            .map(|board| boards::with_suite(board, suite))
            .collect::<Result<_>>()?;
        cli.positional = all.iter().map(|board| board.name.clone()).collect();
    }
    let mut host = Host::detect();
    match cli.command.as_str() {
        "list" => {
            commands::list::list(&all);
            Ok(0)
        }
        "show" => {
            for board in boards::select(&all, &cli.positional)? {
                commands::list::show(board);
            }
            Ok(0)
        }
        "setup" => {
            // No boards: everything `ci` needs.
            let ci_boards;
            let (selected, host_targets): (Vec<&Board>, &[targets::Target]) = if cli.positional.is_empty() {
                ci_boards = commands::ci::boards(&all)?;
                (ci_boards.iter().collect(), targets::TARGETS)
            } else {
                (boards::select(&all, &cli.positional)?, &[])
            };
            commands::setup::setup(&ws, &mut host, &selected, host_targets)?;
            if cli.positional.is_empty() {
                // ci's rust-version check: Debian's Rust of that version, unpacked.
                let version = msrv::declared_rust_version(&ws.root.join("Cargo.toml"))?;
                msrv::toolchain(&ws.cache_dir(), &version)?;
            }
            progress::step!("setup done");
            Ok(0)
        }
        "test" => {
            let selected = boards::select(&all, &cli.positional)?;
            let summary = commands::test::test(&ws, &mut host, &selected, &cli.opts, &cli.after_dashes)?;
            summary.print("cargo board test summary", "boards");
            Ok(if summary.all_passed() { 0 } else { 1 })
        }
        "run" => {
            let [name] = cli.positional.as_slice() else {
                bail!("run takes one board\n\n{USAGE}");
            };
            let board = boards::select(&all, std::slice::from_ref(name))?[0];
            let req = RunRequest {
                example: cli.example.context("run needs --example NAME")?,
                run: cli.run,
                features: cli.features.unwrap_or_else(|| "std".into()),
                args: cli.after_dashes,
            };
            commands::run::run(&ws, &mut host, board, &req, &cli.opts)
        }
        "msrv" => {
            let line = commands::ci::msrv(&ws)?;
            progress::step!("{line}");
            Ok(0)
        }
        "bench" if cli.report_only => {
            commands::bench::write_report(&ws, cli.seconds)?;
            Ok(0)
        }
        "bench" => {
            let mut selected = boards::select(&all, &cli.positional)?;
            // The bench plays to the loopback card: a real-driver board has none.
            if cli.positional.is_empty() {
                selected.retain(|board| board.audio.is_none());
            } else if let Some(board) = selected.iter().find(|board| board.audio.is_some()) {
                bail!(
                    "{}: the bench needs the loopback card; real-driver boards are not benched yet",
                    board.name
                );
            }
            let ok = commands::bench::bench(&ws, &mut host, &selected, &cli.opts, cli.seconds)?;
            Ok(if ok { 0 } else { 1 })
        }
        "ci" => {
            if !cli.positional.is_empty() {
                bail!("ci takes no boards (it tests every emulated board, on its own suite and on trixie)");
            }
            let chosen = commands::ci::boards(&all)?;
            let selected: Vec<&Board> = chosen.iter().collect();
            let passed = commands::ci::ci(&ws, &mut host, &selected, &cli.opts)?;
            Ok(if passed { 0 } else { 1 })
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> BootOptions {
        parse_cli(args.iter().map(|a| a.to_string()).collect())
            .unwrap()
            .opts
    }

    #[test]
    fn instruction_clock_by_default_real_clock_and_kvm_on_request() {
        if std::env::var_os("ALSA_DIRECT_BOARD_KVM").is_none() {
            let default = parsed(&["test"]);
            assert_eq!((default.clock, default.allow_kvm), (Clock::Instruction, false));
        }
        let real = parsed(&["test", "--real-clock"]);
        assert_eq!(real.clock, Clock::Real);
        let kvm = parsed(&["test", "qemu-x86_64", "--kvm"]);
        assert_eq!((kvm.clock, kvm.allow_kvm), (Clock::Real, true));
        assert!(parse_cli(vec!["test".into(), "--instruction-clock".into()]).is_err());
    }
}
