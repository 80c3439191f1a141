//! `cargo board probe BOARD [--host USER@ADDR] [-- PROBE-ARGS]`: the probe report of a
//! board (see `guest-tools/src/bin/probe.rs`): over SSH for a real board or the stand-in,
//! in a boot for another emulated board.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;

use crate::boards::Board;
use crate::boot::{boot_jobs, BootOptions, HostAudio};
use crate::cli::ProbeArgs;
use crate::commands::setup;
use crate::commands::summary::Summary;
use crate::guest_image::cargo_build;
use crate::guest_image::guest_files;
use crate::guest_image::job::Job;
use crate::host::install::Host;
use crate::host::workspace::Workspace;
use crate::remote::{self, standin, ProbeOutput};

/// Probes `board` as `args` say; prints the summary and returns whether it all passed.
///
/// # Errors
/// When the host cannot be prepared or the probe cannot be built.
pub fn probe(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    args: &ProbeArgs,
    opts: &BootOptions,
) -> Result<bool> {
    let mut summary = Summary::default();
    if let Some(ssh) = args.remote.ssh(std::slice::from_ref(board))? {
        setup::prepare_host(ws, host, &[board], &[])?;
        remote::probe(ws, board, &ssh, &args.args, opts.timeout, &mut summary)?;
        ssh.close();
    } else {
        setup::prepare_host(ws, host, &[board], &[])?;
        if board.standin.is_some() {
            standin::run(
                ws,
                host,
                board,
                opts,
                standin::Work::Probe(&args.args),
                &mut summary,
            )?;
        } else {
            emulated(ws, host, board, &args.args, opts, &mut summary)?;
        }
    }
    summary.print("cargo board probe summary", "steps");
    Ok(summary.all_passed())
}

/// Boots an emulated board with the probe as its one job and saves what it printed.
fn emulated(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    probe_args: &[String],
    opts: &BootOptions,
    summary: &mut Summary,
) -> Result<()> {
    let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
    let probe = cargo_build::guest_tool(&ws.root, &board.target, "probe")?;
    let guest_path = format!("/tests/{}/probe", board.target);
    let job = Job::new(
        "probe".into(),
        guest_path,
        &probe,
        probe_args.to_vec(),
        BTreeMap::new(),
    );
    let started = Instant::now();
    let report = boot_jobs(ws, board, &files, &[job], opts, "probe", HostAudio::default())?;
    let boot_detail = format!(
        "kernel {}, {}, {} CPU(s)",
        report.release, report.engine, report.cpus
    );
    summary.add_boot(&board.name, &report, boot_detail);
    let status = report
        .jobs
        .iter()
        .find(|j| j.name == "probe")
        .and_then(|j| j.status);
    let output = ProbeOutput::split(&report.console);
    if status == Some(0) && !output.json.is_empty() {
        let (text, json) = output.save(ws, &board.name)?;
        let shown = |p: &std::path::Path| p.strip_prefix(&ws.root).unwrap_or(p).display().to_string();
        summary.add(
            &board.name,
            "probe",
            true,
            format!("{} and {}", shown(&text), shown(&json)),
            started.elapsed(),
        );
    } else {
        summary.add(
            &board.name,
            "probe",
            false,
            format!("the probe ended with {status:?}"),
            started.elapsed(),
        );
    }
    Ok(())
}
