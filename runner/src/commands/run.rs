//! `cargo board run BOARD --example NAME [-- ARGS]`: builds an example, boots the board and runs
//! it as `/bin/NAME ARGS` with the board's environment, then prints what it logged to the
//! guest's syslog; exits with its status. The name `fw-tone` builds the firmware tone
//! generator (`firmware/`) instead.

use anyhow::{bail, Context, Result};

use crate::audio;
use crate::boards::Board;
use crate::boot::{boot_jobs, feed, BootOptions, HostAudio};
use crate::commands::setup;
use crate::guest_image::cargo_build;
use crate::guest_image::guest_files;
use crate::guest_image::job::{Job, Syslog};
use crate::host::install::Host;
use crate::host::workspace::Workspace;
use crate::progress::step;

/// Seconds of the feed written for `cargo board run` on a board whose input the host feeds.
const RUN_FEED_SECONDS: f64 = 60.0;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Example name.
    pub example: String,
    /// Which of the board's runs supplies target and environment (the first when None).
    pub run: Option<String>,
    /// Cargo features for the build.
    pub features: String,
    /// Arguments for the example.
    pub args: Vec<String>,
}

/// Runs the example and returns the process exit code to end with.
pub fn run(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    req: &RunRequest,
    opts: &BootOptions,
) -> Result<i32> {
    board.emulation()?;
    let run = match &req.run {
        Some(name) => board
            .runs
            .iter()
            .find(|r| &r.name == name)
            .with_context(|| format!("board {} has no run {name:?}", board.name))?,
        None => &board.runs[0],
    };
    let target = board.run_target(run);
    setup::prepare_host(ws, host, &[board], &[])?;
    let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
    let binary = if req.example == cargo_build::FIRMWARE {
        cargo_build::firmware(&ws.root, target)?
    } else {
        cargo_build::example(&ws.root, target, &req.example, &req.features)?
    };
    step!("built {}", binary.display());
    let job = Job {
        name: req.example.clone(),
        guest_path: format!("/bin/{}", req.example),
        host_binary: binary,
        args: req.args.clone(),
        env: board.guest_env(run),
        // What the example logged to syslog (`tone` does), or all of it with --dump-syslog.
        syslog: Syslog::dump_or(run.dump_syslog || opts.dump_syslog, Syslog::Job),
        files: Vec::new(),
        stderr: None,
    };
    let recording = match board.audio {
        Some(_) => Some(audio::recording_path(ws, &board.name, &req.example)?),
        None => None,
    };
    // A board whose input the host feeds: a minute of the feed for the example to record.
    let fed = match board.audio.as_ref().and_then(|a| a.capture.as_ref()) {
        Some(device) => {
            let fed = feed::write(
                &ws.target_dir
                    .join("board-audio")
                    .join(format!("{}-feed", board.name)),
                board.stream.rate,
                RUN_FEED_SECONDS,
            )?;
            step!(
                "{}: the host feeds {RUN_FEED_SECONDS} s of a {} Hz sine to {device} (a longer recording gets no more of it)",
                board.name,
                feed::FREQUENCY
            );
            Some(fed)
        }
        None => None,
    };
    let audio = HostAudio {
        recording: recording.as_deref(),
        feed: fed.as_ref(),
        hotplug: None,
    };
    let report = boot_jobs(ws, board, &files, &[job], opts, "run", audio)?;
    let status = report.jobs.first().and_then(|j| j.status);
    match (status, report.boot_failure()) {
        (Some(code), _) => {
            step!("{}: {} exited with status {code}", board.name, req.example);
            if let Some(path) = &recording {
                // What the board's sound hardware played, as heard on the host.
                match audio::listen(path) {
                    Ok(heard) => println!("heard {}: {}", heard.summary(), audio::shown(ws, path)),
                    Err(err) => println!("heard nothing: {err:#}"),
                }
            }
            Ok(code)
        }
        (None, Some(why)) => bail!("{}: {why}", board.name),
        (None, None) => bail!("{}: {} did not report an exit status", board.name, req.example),
    }
}
