//! `cargo board test [BOARD...] [-- TEST-ARGS]`: builds the kernel integration tests for every run
//! of each board, boots the board once with all of them and reports each run.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use crate::boards::Board;
use crate::cargo_build;
use crate::commands::{boot_jobs, setup, BootOptions};
use crate::guest_files;
use crate::initramfs::{Job, Syslog};
use crate::install::Host;
use crate::progress::{secs, step};
use crate::summary::Summary;
use crate::workspace::Workspace;

/// Tests every board in `boards`; failures end up in the summary, not in the error.
pub fn test(
    ws: &Workspace,
    host: &mut Host,
    boards: &[&Board],
    opts: &BootOptions,
    test_args: &[String],
) -> Result<Summary> {
    setup::prepare_host(ws, host, boards, &[])?;
    let mut summary = Summary::default();
    let mut built: BTreeMap<String, Built> = BTreeMap::new();
    for board in boards {
        step!("=== {}: {} ===", board.name, board.description);
        let started = Instant::now();
        if let Err(err) = test_board(ws, host, board, opts, test_args, &mut built, &mut summary) {
            step!("{}: FAILED before booting: {err:#}", board.name);
            summary.add(&board.name, "setup", false, format!("{err:#}"), started.elapsed());
        }
    }
    Ok(summary)
}

/// The guest binaries of one target: the kernel test binary and the examples (name, binary),
/// with the firmware's `fw-tone` among them, which the tests of `tests/kernel/examples.rs`
/// run from `/tests/<target>/examples/`.
type Built = (PathBuf, Vec<(String, PathBuf)>);

/// Builds, boots and records one board.
fn test_board(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    opts: &BootOptions,
    test_args: &[String],
    built: &mut BTreeMap<String, Built>,
    summary: &mut Summary,
) -> Result<()> {
    let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
    let mut jobs = Vec::new();
    for run in &board.runs {
        let target = board.run_target(run);
        let (binary, examples) = match built.get(target) {
            Some(both) => both.clone(),
            None => {
                let started = Instant::now();
                let path = cargo_build::kernel_tests(&ws.root, target)?;
                let mut examples = cargo_build::examples(&ws.root, target, "std")?;
                // The firmware tone generator, tested beside the std examples.
                let firmware = cargo_build::firmware(&ws.root, target)?;
                examples.push((cargo_build::FIRMWARE.to_owned(), firmware));
                step!(
                    "built {} and {} example(s) in {}",
                    path.display(),
                    examples.len(),
                    secs(started.elapsed())
                );
                built.insert(target.to_owned(), (path.clone(), examples.clone()));
                (path, examples)
            }
        };
        let mut args = vec!["--test-threads=1".to_owned()];
        args.extend(run.args.iter().cloned());
        args.extend(test_args.iter().cloned());
        jobs.push(Job {
            name: run.name.clone(),
            guest_path: format!("/tests/{target}/kernel"),
            host_binary: binary,
            args,
            env: board.guest_env(run),
            syslog: Syslog::dump_or(run.dump_syslog || opts.dump_syslog, Syslog::Off),
            files: examples
                .into_iter()
                .map(|(name, exe)| (format!("/tests/{target}/examples/{name}"), exe))
                .collect(),
        });
    }
    let report = boot_jobs(ws, board, &files, &jobs, opts, "test")?;
    let boot_detail = format!(
        "kernel {}, {}, /init after {}",
        if report.release.is_empty() {
            &files.release
        } else {
            &report.release
        },
        format_args!("{}, {} CPU(s)", report.engine, report.cpus),
        report.init_after.map(secs).unwrap_or_else(|| "-".into()),
    );
    match report.boot_failure() {
        Some(why) => summary.add(
            &board.name,
            "boot",
            false,
            format!("{why}; {boot_detail}"),
            report.duration,
        ),
        None => summary.add(&board.name, "boot", true, boot_detail, report.duration),
    }
    for run in &board.runs {
        let target = board.run_target(run);
        match report.jobs.iter().find(|j| j.name == run.name) {
            Some(job) => {
                let passed = job.status == Some(0);
                let detail = match job.status {
                    Some(code) => format!("{target}, exit status {code}"),
                    None => format!("{target}, did not finish"),
                };
                summary.add(&board.name, &run.name, passed, detail, job.duration);
            }
            None => summary.add(
                &board.name,
                &run.name,
                false,
                format!("{target}, did not run"),
                Default::default(),
            ),
        }
    }
    Ok(())
}
