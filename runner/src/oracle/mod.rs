//! The differential harness (docs/oracle.md): the same scripts of stream operations run in
//! the guest through alsa-lib's `hw` PCM (`guest-tools/oracle/oracle.c`) and through the crate
//! (`guest-tools/src/bin/oracle.rs`), on the same card in the same boot, and the host compares
//! the two traces step by step.
//!
//! [`plan`] builds both programs and the jobs of a board (added to the boot of `cargo board
//! test`), [`judge`] reads the traces from the boot's console into the summary.

pub mod compare;
pub mod script;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::bench::files::{self as bench_files, GuestFile};
use crate::boards::Board;
use crate::boot::qemu::BootReport;
use crate::commands::summary::Summary;
use crate::guest_image::cargo_build;
use crate::guest_image::job::{Job, Syslog};
use crate::host::install::Host;
use crate::host::workspace::Workspace;
use crate::host::{debian, exec};
use crate::progress::step;
use crate::targets;
use compare::{Outcome, Verdict};
use script::{Device, Script, Step};

/// The C program's source, relative to the workspace root.
const SOURCE: &str = "guest-tools/oracle/oracle.c";

/// Generated scripts per device and board run, beside the named ones.
pub const GENERATED: usize = 24;

/// The word of `cargo board test BOARD -- oracle` that picks the harness (it runs in every
/// full `test`, and so in `ci`).
pub const WORD: &str = "oracle";

/// Where the scripts are in the guest.
const GUEST_SCRIPTS: &str = "/oracle/scripts.txt";

/// One device the harness runs on, with what its scripts were.
#[derive(Debug, Clone)]
pub struct OnDevice {
    /// The PCM name, e.g. `hw:Loopback,0,0`.
    pub device: String,
    /// The scripts run there.
    pub scripts: Vec<Script>,
    /// The tags of the crate's runs (`DEVICE@RUN`) to compare with alsa-lib's (`DEVICE`).
    pub runs: Vec<String>,
}

/// The harness's part of a boot: its jobs, and what to judge afterwards.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The jobs to add to the boot.
    pub jobs: Vec<Job>,
    /// The devices and their scripts.
    pub devices: Vec<OnDevice>,
    /// Frames per second.
    pub rate: u32,
}

/// The devices of a board the harness uses: (device, second device to link or `-`, whether
/// it can pause).
fn devices(board: &Board) -> Vec<(String, String, bool)> {
    let playback = board.devices.playback.clone();
    let debian_modules = board
        .debian
        .as_ref()
        .map(|d| d.modules.clone())
        .unwrap_or_default();
    if board.audio.is_some() {
        // A real driver's device has one playback substream: nothing to link with.
        return vec![(playback, "-".into(), true)];
    }
    let second = |device: &str| match device.matches(',').count() {
        2 => format!("{},1", &device[..device.rfind(',').unwrap_or(device.len())]),
        _ => format!("{device},1"),
    };
    let mut found = vec![(playback.clone(), second(&playback), true)];
    if debian_modules.iter().any(|m| m.starts_with("snd-dummy")) {
        // snd-dummy has no SNDRV_PCM_INFO_PAUSE (its trigger knows no PAUSE_PUSH).
        found.push(("hw:Dummy,0,0".into(), "hw:Dummy,0,1".into(), false));
    }
    found
}

/// Whether the harness runs in a `test` with these arguments: in a full run, or when a word
/// names it.
pub fn picked(words: &[String]) -> bool {
    words.is_empty() || words.iter().any(|w| w.contains(WORD))
}

/// A seed that changes every day and differs between boards, so that every CI run tries other
/// generated scripts (the seed is in each generated script's name, to run it again).
fn seed(board: &str) -> u64 {
    let day = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    let name = board
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    std::env::var("ALSA_DIRECT_ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(day.wrapping_mul(1_000_003) ^ name)
}

/// Builds both programs for `board` and returns the jobs that run the scripts: alsa-lib's once
/// per device (with the board's first run's environment), the crate's per device and run
/// whose arguments pick the harness.
pub fn plan(ws: &Workspace, host: &mut Host, board: &Board, out_dir: &Path) -> Result<Plan> {
    let chosen: Vec<&crate::boards::Run> = board
        .runs
        .iter()
        .filter(|r| board.audio.is_none() || picked(&r.args))
        .collect();
    if chosen.is_empty() {
        return Ok(Plan {
            jobs: Vec::new(),
            devices: Vec::new(),
            rate: board.stream.rate,
        });
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let (c_binary, alsa) = build_c(ws, host, board, out_dir, SOURCE, "oracle-c")?;
    let rate = board.stream.rate;
    let mut jobs = Vec::new();
    let mut on_devices = Vec::new();
    let seed = seed(&board.name);
    for (index, (device, second, can_pause)) in devices(board).into_iter().enumerate() {
        let shape = Device {
            rate,
            period: board.stream.period_frames,
            can_link: second != "-",
            can_pause,
        };
        let mut scripts = script::named(&shape);
        scripts.extend(script::generated(
            &shape,
            seed.wrapping_add(index as u64),
            GENERATED,
        ));
        let file = out_dir.join(format!("{}-scripts-{index}.txt", board.name));
        std::fs::write(&file, script::render(&scripts))
            .with_context(|| format!("writing {}", file.display()))?;
        let guest_scripts = format!("{GUEST_SCRIPTS}.{index}");
        let args = |tag: &str| {
            vec![
                device.clone(),
                second.clone(),
                rate.to_string(),
                guest_scripts.clone(),
                tag.to_owned(),
            ]
        };
        let mut files: Vec<GuestFile> = alsa.clone();
        files.push((guest_scripts.clone(), file.clone()));
        jobs.push(Job {
            name: format!("oracle-alsa-lib-{index}"),
            guest_path: "/oracle/oracle-c".into(),
            host_binary: c_binary.clone(),
            args: args(&device),
            env: board.guest_env(&board.runs[0]),
            syslog: Syslog::Off,
            files,
            stderr: None,
        });
        let mut runs = Vec::new();
        for run in &chosen {
            let target = board.run_target(run);
            let binary = cargo_build::guest_tool(&ws.root, target, "oracle")?;
            let tag = format!("{device}@{}", run.name);
            jobs.push(Job {
                name: format!("oracle-{}-{index}", run.name),
                guest_path: format!("/oracle/{target}/oracle"),
                host_binary: binary,
                args: args(&tag),
                env: board.guest_env(run),
                syslog: Syslog::Off,
                files: vec![(guest_scripts.clone(), file.clone())],
                stderr: None,
            });
            runs.push(tag);
        }
        on_devices.push(OnDevice {
            device,
            scripts,
            runs,
        });
    }
    Ok(Plan {
        jobs,
        devices: on_devices,
        rate,
    })
}

/// Builds the C program `source` (relative to the workspace root: `oracle.c`, or the adopt
/// test's `adopt_alsa.c`) for the board's target against its suite's alsa-lib: the headers
/// from `libasound2-dev` (downloaded once into the board cache), linked dynamically with the
/// guest's `libasound.so.2` (the one aplay uses); returns the binary (`out_dir/NAME-SUITE-TARGET`)
/// and the guest's alsa-lib files.
pub fn build_c(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    out_dir: &Path,
    source: &str,
    name: &str,
) -> Result<(PathBuf, Vec<GuestFile>)> {
    let alsa = bench_files::prepare(board, &ws.cache_dir(), host)?;
    let (debian, _) = board.emulation()?;
    let cache = ws.cache_dir().join(format!("{}-{}", debian.suite, debian.arch));
    let dev = cache.join("alsa-dev");
    let stamp = cache.join("alsa-dev.unpacked");
    if !stamp.exists() {
        let debs = cache.join("debs");
        let deb = host.guest_deb(debian, "libasound2-dev", &debian.arch, &debs)?;
        step!("unpacking {} for the oracle", deb.display());
        debian::extract(&deb, &dev, &["./usr/include/*".into()])?;
        std::fs::write(&stamp, "").with_context(|| format!("writing {}", stamp.display()))?;
    }
    let library = alsa
        .iter()
        .find(|(guest, _)| guest.ends_with("/libasound.so.2"))
        .map(|(_, host)| host.clone())
        .context("no libasound.so.2 among the guest's alsa-lib files")?;
    let target = board.target.as_str();
    let gcc = targets::by_triple(target)?.c_compiler;
    if exec::which(gcc).is_none() {
        anyhow::bail!("{gcc} not found: run `cargo board setup` (it installs the cross compilers)");
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let binary = out_dir.join(format!("{name}-{}-{target}", debian.suite));
    // Debian's 64-bit time_t transition (trixie on): `libasound2t64` is built with a 64-bit
    // `time_t`, which changes `snd_pcm_status_t` on 32-bit arches; the program must see the
    // same `struct timespec` (a no-op where `time_t` is 64-bit already).
    let time64: &[&str] = if debian::find_deb(&cache.join("debs"), "libasound2t64", &debian.arch).is_some() {
        &["-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64"]
    } else {
        &[]
    };
    exec::run(
        Command::new(gcc)
            .args(["-O2", "-Wall", "-Wextra", "-Werror"])
            .args(time64)
            .arg("-I")
            .arg(dev.join("usr/include"))
            .arg("-o")
            .arg(&binary)
            .arg(ws.root.join(source))
            .arg(&library)
            // A newer suite's alsa-lib may need a newer C library than the cross compiler's.
            .arg("-Wl,--allow-shlib-undefined"),
    )
    .with_context(|| format!("building {source} with {gcc}"))?;
    Ok((binary, alsa))
}

/// Tolerance in frames for the positions of `script`: its period (the pointer moves a period
/// at a time on some drivers) and 20 ms.
fn tolerance(script: &Script, rate: u32) -> i64 {
    let period = match script.steps.first() {
        Some(Step::Open { period, .. }) => *period,
        _ => 0,
    };
    i64::from(period) + i64::from(rate) / 50
}

/// The totals of one crate run on one device.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Scripts compared.
    pub scripts: usize,
    /// Steps compared.
    pub steps: usize,
    /// Named differences seen: (name, script).
    pub named: Vec<(String, String)>,
    /// Differences nobody named.
    pub differences: Vec<String>,
}

/// Compares every script of `device` between alsa-lib's trace and the crate run's `tag`.
pub fn totals(on: &OnDevice, traces: &compare::Traces, tag: &str, rate: u32) -> Totals {
    let mut totals = Totals::default();
    let empty = Default::default();
    let alsa = traces
        .get(&(on.device.clone(), "alsa-lib".to_owned()))
        .unwrap_or(&empty);
    let ours = traces
        .get(&(tag.to_owned(), "crate".to_owned()))
        .unwrap_or(&empty);
    for script in &on.scripts {
        let (Some(a), Some(c)) = (alsa.get(&script.name), ours.get(&script.name)) else {
            totals.differences.push(format!("{}: no trace", script.name));
            continue;
        };
        let Outcome { steps, verdict } = compare::compare(
            &script.name,
            a,
            c,
            tolerance(script, rate),
            i64::from(rate) / 1000,
        );
        totals.scripts += 1;
        totals.steps += steps;
        match verdict {
            Verdict::Same => {}
            Verdict::Named(name, kind, _) => {
                let kind = match kind {
                    compare::Kind::Intended => "intended",
                };
                totals
                    .named
                    .push((format!("{name} [{kind}]"), script.name.clone()))
            }
            Verdict::Differs(what) => totals.differences.push(format!("{}: {what}", script.name)),
        }
    }
    totals
}

/// Reads the traces from the boot and adds one summary line per device and crate run.
pub fn judge(board: &Board, plan: &Plan, report: &BootReport, out_dir: &Path, summary: &mut Summary) {
    let (traces, bad) = compare::parse(&report.console);
    for line in &bad {
        step!("{}: oracle: unreadable trace line: {line}", board.name);
    }
    let console = out_dir.join(format!("{}-console.txt", board.name));
    let _ = std::fs::write(&console, report.console.join("\n"));
    // Each trace alone, in the form the model replay reads (src/stream/replay.rs).
    for ((tag, implementation), scripts) in &traces {
        let file = out_dir.join(format!(
            "{}-{}-{implementation}.trace",
            board.name,
            tag.replace([':', ',', '@'], "_")
        ));
        let _ = std::fs::write(&file, compare::trace_text(scripts.values().flatten()));
    }
    for (index, on) in plan.devices.iter().enumerate() {
        for tag in &on.runs {
            let run = tag.rsplit('@').next().unwrap_or(tag);
            let name = format!("oracle-{run}-{index}");
            let duration = report
                .jobs
                .iter()
                .filter(|j| j.name == name || j.name == format!("oracle-alsa-lib-{index}"))
                .map(|j| j.duration)
                .sum();
            let t = totals(on, &traces, tag, plan.rate);
            let mut named: Vec<String> = t.named.iter().map(|(n, s)| format!("{n} ({s})")).collect();
            named.dedup();
            let detail = format!(
                "{}: {} scripts run, {} steps compared, {} differences{}",
                on.device,
                t.scripts,
                t.steps,
                t.differences.len(),
                if named.is_empty() {
                    String::new()
                } else {
                    format!(" other than the named: {}", named.join(", "))
                }
            );
            step!("{}: {name}: {detail}", board.name);
            for difference in &t.differences {
                step!("{}: {name}: DIFFERENCE {difference}", board.name);
            }
            let passed = t.differences.is_empty() && bad.is_empty();
            let detail = match t.differences.first() {
                Some(first) => format!("{detail}; first: {first} (traces in {})", console.display()),
                None => detail,
            };
            summary.add(&board.name, &name, passed, detail, duration);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards;

    fn board(name: &str) -> Board {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let all = boards::load_all(&dir).unwrap();
        all.into_iter().find(|b| b.name == name).unwrap()
    }

    #[test]
    fn loopback_boards_link_on_the_next_substream_and_x86_64_adds_the_dummy_card() {
        assert_eq!(
            devices(&board("qemu-x86_64")),
            [
                ("hw:Loopback,0,0".to_owned(), "hw:Loopback,0,1".to_owned(), true),
                // snd-dummy cannot pause.
                ("hw:Dummy,0,0".to_owned(), "hw:Dummy,0,1".to_owned(), false)
            ]
        );
        assert_eq!(
            devices(&board("qemu-arm64-usb")),
            [("hw:0,0".to_owned(), "-".to_owned(), true)]
        );
    }

    #[test]
    fn a_full_test_or_the_word_picks_the_harness() {
        assert!(picked(&[]));
        assert!(picked(&["oracle".to_owned()]));
        assert!(!picked(&["tone-p256".to_owned()]));
    }

    #[test]
    fn the_tolerance_is_the_scripts_period_and_20_ms() {
        let script = Script {
            name: "s".into(),
            steps: vec![Step::Open {
                period: 256,
                periods: 4,
                avail_min: 0,
                start: 0,
                stop: 0,
            }],
        };
        assert_eq!(tolerance(&script, 48_000), 256 + 960);
    }
}
