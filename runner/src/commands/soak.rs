//! `cargo board soak [BOARD...]`: the long runs and faults of docs/soak.md, not part of `ci`.
//!
//! - On a loopback board, each 32-bit target (a 32-bit kernel, or a 32-bit process on a
//!   64-bit one) plays until the kernel's ring boundary is crossed (`soak::boundary_crossed_and_heard`:
//!   2^30 frames, 6.2 h of guest audio at 48 kHz), heard bit-exact on the capture end, with the
//!   process's descriptors, mappings and resident memory sampled every ten guest minutes; a
//!   64-bit target prints its boundary, out of reach. The bridge example runs ten minutes
//!   between two loopback cables on two clocks, its queue held within a period.
//! - On a USB audio board, booted with a QMP socket and qemu's `none` audio backend, the
//!   usb-audio device is pulled out mid-stream (`device_del`) when the guest's program asks on
//!   the console, on playback (qemu's device has no capture), in `run`, in
//!   `try_period`/`handle_poll` and in `drain`, and beside alsa-lib's `aplay -M` (in its
//!   drain too); each time plugged back in (`device_add`) and opened again in the same boot.
//! - On an HDA board, the controller is pulled off the PCI bus (the guest's ACPI eject), for
//!   capture (and playback) in `run` and `try_period`, and beside `arecord -M`; one boot per
//!   case, not plugged back (qemu's HDA bus takes no hotplugged codec).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::bench::files as bench_files;
use crate::boards::{Audio, Board, Run};
use crate::boot::qmp::Hotplug;
use crate::boot::{boot_jobs, BootOptions, HostAudio};
use crate::commands::setup;
use crate::commands::summary::Summary;
use crate::guest_image::cargo_build;
use crate::guest_image::guest_files;
use crate::guest_image::job::Job;
use crate::host::install::Host;
use crate::host::workspace::Workspace;
use crate::progress::{secs, step};

/// The boards `cargo board soak` runs on when none is named.
pub const DEFAULT_BOARDS: &[&str] = &[
    "qemu-armv7",
    "qemu-x86_64",
    "qemu-armv7-usb",
    "qemu-arm64-usb",
    "qemu-x86_64-hda",
];

/// The time limit of a soak boot when the command line gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3 * 3600);

/// Seconds of audio the soak's bridge runs (issue 23: ten minutes of guest time).
const BRIDGE_SECONDS: u32 = 600;

/// The id the soak gives the usb-audio device, for `device_del`.
const USB_AUDIO_ID: &str = "soak-audio";

/// The unplug cases: (direction, where the stream is when the device goes). qemu's
/// usb-audio device only plays, so capture is not among them (`soak::unplugged_mid_stream`
/// takes `capture` for a device that records).
const UNPLUG_CASES: &[(&str, &str)] = &[
    ("playback", "run"),
    ("playback", "try_period"),
    ("playback", "drain"),
    ("playback", "aplay"),
    ("playback", "aplay-drain"),
];

/// The unplug cases of an HDA board: the controller (with its codecs) pulled out of the PCI
/// bus (`device_del`, the guest's ACPI eject), the one emulated way to take a capture
/// device away: qemu's usb-audio only plays.
const HDA_UNPLUG_CASES: &[(&str, &str)] = &[
    ("capture", "run"),
    ("capture", "try_period"),
    ("capture", "arecord"),
    ("playback", "run"),
];

/// The id the soak gives the HDA controller, whose codecs sit on its bus `soak-hda.0`.
const HDA_ID: &str = "soak-hda";

/// True for a 32-bit target, whose kernel boundary is 2^30 frames or so.
fn is_32_bit(triple: &str) -> bool {
    triple.starts_with("armv7") || triple.starts_with("arm-") || triple.starts_with("i686")
}

/// Soaks every board; failures end up in the summary.
pub fn soak(ws: &Workspace, host: &mut Host, boards: &[&Board], opts: &BootOptions) -> Result<Summary> {
    setup::prepare_host(ws, host, boards, &[])?;
    let mut summary = Summary::default();
    let mut built: BTreeMap<String, PathBuf> = BTreeMap::new();
    for board in boards {
        step!("=== soak {}: {} ===", board.name, board.description);
        let started = Instant::now();
        if let Err(err) = soak_board(ws, host, board, opts, &mut built, &mut summary) {
            step!("{}: FAILED: {err:#}", board.name);
            summary.add(&board.name, "soak", false, format!("{err:#}"), started.elapsed());
        }
    }
    Ok(summary)
}

/// The kernel test binary for `target`, built once.
fn kernel_tests(ws: &Workspace, target: &str, built: &mut BTreeMap<String, PathBuf>) -> Result<PathBuf> {
    if let Some(path) = built.get(target) {
        return Ok(path.clone());
    }
    let path = cargo_build::kernel_tests(&ws.root, target)?;
    built.insert(target.to_owned(), path.clone());
    Ok(path)
}

/// A job that runs one ignored kernel test by its exact name.
fn kernel_test_job(
    name: String,
    binary: PathBuf,
    target: &str,
    test: &str,
    env: BTreeMap<String, String>,
) -> Job {
    let args = ["--ignored", "--exact", "--nocapture", "--test-threads=1", test];
    Job::kernel_tests(name, target, &binary, &args, env)
}

/// The bridge between two loopback cables on two clocks for ten minutes of guest audio
/// (`bridge::bridge_keeps_its_queue_bounded_across_two_clocks`, which `test` runs for 20 s):
/// the queue stays within a period of its target throughout.
fn bridge_job(
    ws: &Workspace,
    board: &Board,
    run: &Run,
    built: &mut BTreeMap<String, PathBuf>,
) -> Result<Job> {
    let target = board.run_target(run);
    let binary = kernel_tests(ws, target, built)?;
    let bridge = cargo_build::example(&ws.root, target, "bridge", "std")?;
    let name = format!("{}-bridge-{BRIDGE_SECONDS}s", run.name);
    let mut env = board.guest_env(run);
    env.insert("ALSA_DIRECT_SOAK_JOB".into(), name.clone());
    env.insert("ALSA_DIRECT_BRIDGE_SECONDS".into(), BRIDGE_SECONDS.to_string());
    let args = [
        "--exact",
        "--nocapture",
        "--test-threads=1",
        "bridge::bridge_keeps_its_queue_bounded_across_two_clocks",
    ];
    let mut job = Job::kernel_tests(name, target, &binary, &args, env);
    job.files
        .push((format!("/tests/{target}/examples/bridge"), bridge));
    Ok(job)
}

/// Boots one board with its soak jobs and reports each from its exit status and the `soak:`
/// lines it printed.
fn soak_board(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    opts: &BootOptions,
    built: &mut BTreeMap<String, PathBuf>,
    summary: &mut Summary,
) -> Result<()> {
    let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
    let mut board = board.clone();
    let mut jobs = Vec::new();
    // One boot for all the jobs, but on an HDA board one per job: its controller, once
    // pulled out, cannot come back (qemu's HDA bus takes no hotplugged codec).
    let mut one_boot_per_job = false;
    let hotplug = match board.audio.clone() {
        Some(audio) => {
            let usb = audio.devices.iter().any(|d| d.starts_with("usb-audio"));
            let (hotplug, cases) = if usb {
                (usb_hotplug(ws, &mut board, &audio)?, UNPLUG_CASES)
            } else {
                (hda_hotplug(ws, &mut board, &audio)?, HDA_UNPLUG_CASES)
            };
            let alsa = bench_files::prepare(&board, &ws.cache_dir(), host)?;
            let run = board.runs[0].clone();
            let binary = kernel_tests(ws, board.run_target(&run), built)?;
            jobs.extend(unplug_jobs(&board, &run, binary, &alsa, cases, usb));
            if !usb {
                one_boot_per_job = true;
                for job in &mut jobs {
                    // The HDA boards' capture PCM is the duplex codec's (`[audio] capture`).
                    if let Some(capture) = &audio.capture {
                        job.env.insert("ALSA_DIRECT_CAPTURE".into(), capture.clone());
                    }
                    job.env.insert("ALSA_DIRECT_UNPLUG_REPLUG".into(), "0".into());
                }
            }
            Some(hotplug)
        }
        None => {
            // One job per target (a run that only repeats a target on another transport
            // adds nothing here).
            let mut seen = Vec::new();
            for run in &board.runs {
                let target = board.run_target(run).to_owned();
                if seen.contains(&target) {
                    continue;
                }
                seen.push(target.clone());
                let binary = kernel_tests(ws, &target, built)?;
                let test = if is_32_bit(&target) {
                    "soak::boundary_crossed_and_heard"
                } else {
                    "soak::boundary_of_a_64_bit_kernel_is_out_of_reach"
                };
                let name = format!("{}-boundary", run.name);
                let mut env = board.guest_env(run);
                env.insert("ALSA_DIRECT_SOAK_JOB".into(), name.clone());
                jobs.push(kernel_test_job(name, binary, &target, test, env));
            }
            jobs.push(bridge_job(ws, &board, &board.runs[0], built)?);
            None
        }
    };
    let boots: Vec<&[Job]> = if one_boot_per_job {
        jobs.chunks(1).collect()
    } else {
        vec![&jobs[..]]
    };
    for jobs in boots {
        boot_and_report(ws, &board, &files, jobs, opts, hotplug.as_ref(), summary)?;
    }
    Ok(())
}

/// One boot of `jobs`, reported into `summary`.
fn boot_and_report(
    ws: &Workspace,
    board: &Board,
    files: &guest_files::GuestFiles,
    jobs: &[Job],
    opts: &BootOptions,
    hotplug: Option<&Hotplug>,
    summary: &mut Summary,
) -> Result<()> {
    let audio = HostAudio {
        recording: None,
        feed: None,
        hotplug,
    };
    let report = boot_jobs(ws, board, files, jobs, opts, "soak", audio)?;
    if let Some(hotplug) = hotplug {
        let _ = std::fs::remove_file(&hotplug.socket);
    }
    match report.boot_failure() {
        Some(why) => summary.add(&board.name, "boot", false, why, report.duration),
        None => summary.add(
            &board.name,
            "boot",
            true,
            format!("kernel {}, {} QMP command(s)", report.release, report.qmp.len()),
            report.duration,
        ),
    }
    for (command, at, result) in &report.qmp {
        if let Err(why) = result {
            summary.add(
                &board.name,
                command,
                false,
                format!("at {}: {why}", secs(*at)),
                Duration::ZERO,
            );
        }
    }
    for job in jobs {
        let result = report.jobs.iter().find(|j| j.name == job.name);
        let lines: Vec<&str> = report
            .console
            .iter()
            .filter_map(|l| {
                l.split_once(&format!("soak: {}: ", job.name))
                    .map(|(_, rest)| rest)
            })
            .collect();
        let detail = match lines.last() {
            Some(last) => last.to_string(),
            None => "no soak line".to_owned(),
        };
        let status = result.and_then(|r| r.status);
        let duration = result.map(|r| r.duration).unwrap_or_default();
        summary.add(
            &board.name,
            &job.name,
            status == Some(0),
            format!("{detail} (exit status {status:?})"),
            duration,
        );
    }
    Ok(())
}

/// Gives the board's usb-audio device an id, plays it to qemu's `none` backend (no recording
/// on the host), and returns the QMP socket and the lines that unplug and plug it.
fn usb_hotplug(ws: &Workspace, board: &mut Board, audio: &Audio) -> Result<Hotplug> {
    let device = audio
        .devices
        .iter()
        .position(|d| d.starts_with("usb-audio"))
        .with_context(|| format!("{}: no usb-audio device to pull out", board.name))?;
    let mut audio = audio.clone();
    audio.devices[device] = format!("{},id={USB_AUDIO_ID}", audio.devices[device]);
    audio.capture = None;
    board.audio = Some(audio);
    let dir = ws.cache_dir().join("boot");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let socket = dir.join(format!("{}-qmp-{}.sock", board.name, std::process::id()));
    let _ = std::fs::remove_file(&socket);
    Ok(Hotplug::unplug_and_replug(
        socket,
        USB_AUDIO_ID,
        "usb-audio",
        &[("audiodev", "snd0")],
    ))
}

/// Gives the board's HDA controller an id and its codecs its bus, and returns the QMP socket
/// and the line that pulls the controller out (its codecs go with it). Nothing is plugged
/// back (the replug line sends nothing): qemu refuses codecs on a hotplugged controller
/// ("Bus 'soak-hda.0' does not support hotplugging"), and the controller's id stays taken
/// until the guest's eject completes.
fn hda_hotplug(ws: &Workspace, board: &mut Board, audio: &Audio) -> Result<Hotplug> {
    let mut audio = audio.clone();
    let controller = audio
        .devices
        .iter()
        .position(|d| {
            d.split(',')
                .next()
                .is_some_and(|driver| driver.ends_with("intel-hda"))
        })
        .with_context(|| format!("{}: no usb-audio or intel-hda device to pull out", board.name))?;
    for (index, device) in audio.devices.iter_mut().enumerate() {
        if index == controller {
            device.push_str(&format!(",id={HDA_ID}"));
        } else if device.starts_with("hda-") {
            device.push_str(&format!(",bus={HDA_ID}.0"));
        }
    }
    board.audio = Some(audio);
    let dir = ws.cache_dir().join("boot");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let socket = dir.join(format!("{}-qmp-{}.sock", board.name, std::process::id()));
    let _ = std::fs::remove_file(&socket);
    Ok(Hotplug::unplug_and_replug_with(socket, HDA_ID, &[]))
}

/// The unplug jobs of `cases`; the alsa-lib ones run `aplay` from the test. Then, on a USB
/// board, a minute of guest audio, whose host time is the board's rate for the boundary
/// estimate (docs/soak.md: crossing the boundary on a USB board takes hours of host time).
fn unplug_jobs(
    board: &Board,
    run: &Run,
    binary: PathBuf,
    alsa: &[(String, PathBuf)],
    cases: &[(&str, &str)],
    usb: bool,
) -> Vec<Job> {
    let target = board.run_target(run).to_owned();
    let mut env = board.guest_env(run);
    env.insert("ALSA_DIRECT_SOAK_JOB".into(), "playback-minute".into());
    let minute = kernel_test_job(
        "playback-minute".into(),
        binary.clone(),
        &target,
        "soak::guest_audio_for_the_host_rate",
        env,
    );
    cases
        .iter()
        .map(|(direction, during)| {
            let name = format!("{direction}-{during}");
            let mut env = board.guest_env(run);
            env.insert("ALSA_DIRECT_SOAK_JOB".into(), name.clone());
            env.insert("ALSA_DIRECT_UNPLUG_DIRECTION".into(), (*direction).into());
            env.insert("ALSA_DIRECT_UNPLUG_DURING".into(), (*during).into());
            let mark = if usb { "USB disconnect" } else { "Eject request" };
            env.insert("ALSA_DIRECT_UNPLUG_MARK".into(), mark.into());
            let mut job = kernel_test_job(name, binary.clone(), &target, "soak::unplugged_mid_stream", env);
            if matches!(*during, "aplay" | "aplay-drain" | "arecord") {
                job.files = alsa.to_vec();
                // aplay records when called arecord.
                if let Some((_, aplay)) = alsa.iter().find(|(guest, _)| guest == "/usr/bin/aplay") {
                    job.files.push(("/usr/bin/arecord".into(), aplay.clone()));
                }
            }
            job
        })
        .chain(usb.then_some(minute))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_32_bit_targets_can_cross_the_boundary() {
        assert!(is_32_bit("armv7-unknown-linux-gnueabihf"));
        assert!(is_32_bit("i686-unknown-linux-gnu"));
        assert!(!is_32_bit("x86_64-unknown-linux-gnu"));
        assert!(!is_32_bit("aarch64-unknown-linux-gnu"));
    }
}
