//! `cargo board`: builds alsa-direct's kernel tests and examples for a board, boots the board's
//! Debian kernel with the ALSA loopback card under qemu, and runs them there.
//!
//! Run `cargo board --help` for the commands, `cargo board COMMAND --help` for a command's options.

#![warn(clippy::missing_docs_in_private_items)]

mod audio;
mod bench;
mod boards;
mod boot;
mod cli;
mod commands;
mod guest_image;
mod host;
mod oracle;
mod progress;
mod remote;
mod targets;

use anyhow::Result;
use clap::{CommandFactory, Parser};

use boards::Board;
use cli::{Cli, Command};
use commands::run::RunRequest;
use host::install::Host;
use host::msrv;
use host::workspace::Workspace;

fn main() {
    progress::start_clock();
    // Usage errors and --help print clap's message and exit with its code (2, or 0 for help).
    let cli = Cli::parse();
    let code = match real_main(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("cargo board: error: {err:#}");
            1
        }
    };
    std::process::exit(code);
}

/// The boards named (all emulated ones when none is), each on `suite` (renamed `BOARD-SUITE`)
/// when one is given.
fn chosen(all: &[Board], names: &[String], suite: Option<&str>) -> Result<Vec<Board>> {
    let selected = boards::select(all, names)?;
    match suite {
        None => Ok(selected.into_iter().cloned().collect()),
        Some(suite) => selected
            .into_iter()
            .map(|board| boards::with_suite(board, suite))
            .collect(),
    }
}

/// Runs the command; returns the exit code.
fn real_main(cli: Cli) -> Result<i32> {
    let Some(command) = cli.command else {
        Cli::command().print_help()?;
        return Ok(0);
    };
    let ws = Workspace::locate()?;
    let all = boards::load_all(&ws.boards_dir())?;
    let mut host = Host::detect();
    match command {
        Command::List => {
            commands::list::list(&all);
            Ok(0)
        }
        Command::Show { boards: names } => {
            for board in boards::select(&all, &names)? {
                commands::list::show(board);
            }
            Ok(0)
        }
        Command::Setup(args) => {
            let selection = &args.selection;
            // Nothing named: everything `ci` needs.
            let everything = selection.boards.is_empty() && selection.suite.is_none();
            let (selected, host_targets) = if everything {
                (commands::ci::boards(&all)?, targets::TARGETS)
            } else {
                (
                    chosen(&all, &selection.boards, selection.suite.as_deref())?,
                    &[][..],
                )
            };
            let selected: Vec<&Board> = selected.iter().collect();
            commands::setup::setup(&ws, &mut host, &selected, host_targets)?;
            if everything {
                // ci's rust-version check: Debian's Rust of that version, unpacked.
                let version = msrv::declared_rust_version(&ws.root.join("Cargo.toml"))?;
                msrv::toolchain(&ws.cache_dir(), &version)?;
            }
            progress::step!("setup done");
            Ok(0)
        }
        Command::Test(args) => {
            let opts = args.boot.options()?;
            let chosen = chosen(&all, &args.selection.boards, args.selection.suite.as_deref())?;
            if let Some(ssh) = args.remote.ssh(&chosen)? {
                commands::setup::prepare_host(&ws, &mut host, &[&chosen[0]], &[])?;
                let mut summary = commands::summary::Summary::default();
                remote::test(&ws, &chosen[0], &ssh, &args.args, opts.timeout, &mut summary)?;
                ssh.close();
                summary.print("cargo board test summary", "jobs");
                return Ok(if summary.all_passed() { 0 } else { 1 });
            }
            let selected: Vec<&Board> = chosen.iter().collect();
            let summary = commands::test::test(&ws, &mut host, &selected, &opts, &args.args)?;
            summary.print("cargo board test summary", "boards");
            Ok(if summary.all_passed() { 0 } else { 1 })
        }
        Command::Run(args) => {
            let opts = args.boot.options()?;
            let chosen = chosen(&all, std::slice::from_ref(&args.board), args.suite.as_deref())?;
            let req = RunRequest {
                example: args.example,
                run: args.run,
                features: args.features,
                args: args.args,
            };
            commands::run::run(&ws, &mut host, &chosen[0], &req, &opts)
        }
        Command::Probe(args) => {
            let opts = args.boot.options()?;
            let chosen = chosen(&all, std::slice::from_ref(&args.board), None)?;
            let ok = commands::probe::probe(&ws, &mut host, &chosen[0], &args, &opts)?;
            Ok(if ok { 0 } else { 1 })
        }
        Command::Msrv => {
            let line = commands::ci::msrv(&ws, None)?;
            progress::step!("{line}");
            Ok(0)
        }
        Command::Bench(args) if args.report => {
            commands::bench::write_report(&ws, args.seconds)?;
            Ok(0)
        }
        Command::Bench(args) => {
            let opts = args.boot.options()?;
            let selection = &args.selection;
            let chosen = chosen(&all, &selection.boards, selection.suite.as_deref())?;
            // The SSH stand-in is its HDA board again: benchmarked only when named.
            let selected: Vec<&Board> = chosen
                .iter()
                .filter(|b| !selection.boards.is_empty() || b.standin.is_none())
                .collect();
            let ok = if args.timer_only {
                commands::bench::bench_timer(&ws, &mut host, &selected, &opts, args.seconds)?
            } else {
                commands::bench::bench(&ws, &mut host, &selected, &opts, args.seconds)?
            };
            Ok(if ok { 0 } else { 1 })
        }
        Command::Soak(args) => {
            let mut opts = args.boot.options()?;
            if args.boot.timeout.is_none() && std::env::var_os("ALSA_DIRECT_BOARD_TIMEOUT").is_none() {
                opts.timeout = commands::soak::DEFAULT_TIMEOUT;
            }
            let names: Vec<String> = if args.boards.is_empty() {
                commands::soak::DEFAULT_BOARDS
                    .iter()
                    .map(|b| b.to_string())
                    .collect()
            } else {
                args.boards
            };
            let chosen = chosen(&all, &names, None)?;
            let selected: Vec<&Board> = chosen.iter().collect();
            let started = std::time::Instant::now();
            let summary = commands::soak::soak(&ws, &mut host, &selected, &opts)?;
            summary.print("cargo board soak summary", "soak");
            progress::step!("cargo board soak took {}", progress::secs(started.elapsed()));
            Ok(if summary.all_passed() { 0 } else { 1 })
        }
        Command::Ci(args) => {
            let chosen = commands::ci::boards(&all)?;
            if args.list {
                for line in commands::ci::jobs(&chosen) {
                    println!("{line}");
                }
                return Ok(0);
            }
            let opts = args.boot.options()?;
            let selected: Vec<&Board> = chosen.iter().collect();
            let passed = commands::ci::ci(&ws, &mut host, &selected, &opts)?;
            Ok(if passed { 0 } else { 1 })
        }
    }
}
