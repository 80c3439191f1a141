//! Real boards over SSH: `cargo board test BOARD --host USER@ADDR` and `cargo board probe
//! BOARD --host USER@ADDR`.
//!
//! The runner cross-builds the static test binaries, the `tone` example and the `probe` guest
//! tool for the board's target, copies them to the board over one SSH connection, checks the
//! board first ([`board_check`]: login, `audio` group, cards, the loopback card, who holds the
//! devices), and runs what fits as jobs of a generated shell script ([`script`]), whose marker
//! lines the runner follows like an emulated board's `/init`. The emulated stand-in
//! ([`standin`]) is the same path against a qemu guest with an SSH server.

pub mod board_check;
pub mod dropbear;
pub mod script;
pub mod ssh;
pub mod standin;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::boards::Board;
use crate::commands::summary::Summary;
use crate::commands::test::DRIVER_TESTS;
use crate::guest_image::cargo_build;
use crate::guest_image::job::{Job, Syslog};
use crate::guest_image::protocol::{Event, Marker};
use crate::host::workspace::Workspace;
use crate::progress::{secs, step};
use board_check::{Facts, Loopback};
use ssh::Ssh;

/// The loopback card's playback and capture devices, as the kernel tests use them.
const LOOPBACK: (&str, &str) = ("hw:Loopback,0,0", "hw:Loopback,1,0");

/// The binaries a board gets, built once per target.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The kernel test binary (`tests/kernel`).
    pub kernel_tests: PathBuf,
    /// The `tone` example.
    pub tone: PathBuf,
    /// The `probe` guest tool.
    pub probe: PathBuf,
}

/// Builds the binaries for `target`.
///
/// # Errors
/// When a build fails.
pub fn build(ws: &Workspace, target: &str) -> Result<Binaries> {
    let started = Instant::now();
    let binaries = Binaries {
        kernel_tests: cargo_build::kernel_tests(&ws.root, target)?,
        tone: cargo_build::example(&ws.root, target, "tone", "std")?,
        probe: cargo_build::guest_tool(&ws.root, target, "probe")?,
    };
    step!(
        "built the board's binaries for {target} in {}",
        secs(started.elapsed())
    );
    Ok(binaries)
}

/// Where the binaries go on the board (per user: two logins may test at once).
fn remote_dir(facts: &Facts) -> String {
    format!("/tmp/alsa-direct-board-{}", facts.uid)
}

/// What runs on a board, and what does not and why.
#[derive(Debug, Default)]
pub struct Plan {
    /// Jobs, in order; their `guest_path` is relative to the remote directory.
    pub jobs: Vec<Job>,
    /// Jobs left out because the board cannot run them: (name, why).
    pub skipped: Vec<(String, String)>,
    /// Checks that failed before running anything: (name, what to do).
    pub failed: Vec<(String, String)>,
}

/// The jobs that fit the board: the loopback suite where the loopback card is, the card's
/// own tests (driver tests, a tone), and a quick probe. The board's first run's `args` and
/// then `test_args` go to the loopback suite (e.g. test name filters).
pub fn plan(board: &Board, facts: &Facts, bins: &Binaries, test_args: &[String]) -> Plan {
    let mut plan = Plan::default();
    let run = &board.runs[0];
    let kernel_tests = |name: &str, args: Vec<String>, env: BTreeMap<String, String>| Job {
        name: name.to_owned(),
        guest_path: "kernel".into(),
        host_binary: bins.kernel_tests.clone(),
        args,
        env,
        syslog: Syslog::Off,
        files: Vec::new(),
        stderr: None,
    };
    if let Some(why) = facts.access_problem() {
        plan.failed.push(("access".into(), why));
    }
    match facts.loopback {
        Loopback::Present | Loopback::Loaded => {
            let mut env = board.guest_env(run);
            env.insert("ALSA_DIRECT_PLAYBACK".into(), LOOPBACK.0.into());
            env.insert("ALSA_DIRECT_CAPTURE".into(), LOOPBACK.1.into());
            let mut args = vec!["--test-threads=1".to_owned()];
            args.extend(run.args.iter().cloned());
            args.extend(test_args.iter().cloned());
            plan.jobs.push(kernel_tests("loopback", args, env));
        }
        Loopback::Loadable => plan.skipped.push((
            "loopback".into(),
            "snd-aloop is not loaded and this login may not load it: run `sudo modprobe snd-aloop` on the board (or log in as root)".into(),
        )),
        Loopback::Absent => plan.skipped.push((
            "loopback".into(),
            "this kernel has no snd-aloop module (CONFIG_SND_ALOOP): the loopback tests, the stream-loop checks and the captured-tone checks need it".into(),
        )),
    }
    let device = &board.devices.playback;
    let card_jobs = ["driver-tests", "tone", "capture-self-check"];
    let card = if device.starts_with("hw:Loopback") {
        None
    } else {
        Some(facts.card_of(device))
    };
    match card {
        None => {
            for name in card_jobs {
                plan.skipped
                    .push((name.into(), "the board's own card is the loopback card".into()));
            }
        }
        Some(None) => {
            let cards: Vec<String> = facts.cards.iter().map(|(i, id)| format!("{i} {id}")).collect();
            let why = if cards.is_empty() {
                "no sound card on the board: enable its audio (Raspberry Pi: dtparam=audio=on, or the DAC's dtoverlay=..., in config.txt) and reboot".to_owned()
            } else {
                format!(
                    "no card {device} (the board's [devices] playback); it has: {}; set [devices] in {} or plug the card in",
                    cards.join(", "),
                    board.path.display()
                )
            };
            plan.failed.push(("card".into(), why));
        }
        Some(Some(card)) => match facts.busy(card) {
            Some(why) => plan.failed.push(("card".into(), why)),
            None => {
                let mut args: Vec<String> = ["--exact", "--test-threads=1"].map(String::from).to_vec();
                args.extend(DRIVER_TESTS.tests.iter().map(|t| t.to_string()));
                plan.jobs
                    .push(kernel_tests("driver-tests", args, board.guest_env(run)));
                plan.jobs.push(Job {
                    name: "tone".into(),
                    guest_path: "tone".into(),
                    host_binary: bins.tone.clone(),
                    args: [
                        "-D",
                        device,
                        "--seconds",
                        "1",
                        "--rate",
                        &board.stream.rate.to_string(),
                    ]
                    .map(String::from)
                    .to_vec(),
                    env: board.guest_env(run),
                    syslog: Syslog::Off,
                    files: Vec::new(),
                    stderr: None,
                });
                plan.skipped.push((
                    "capture-self-check".into(),
                    "the card has no path from its output to its input here; the loopback job judges captured tones with the crate's analysis".into(),
                ));
            }
        },
    }
    plan.jobs.push(Job {
        name: "probe".into(),
        guest_path: "probe".into(),
        host_binary: bins.probe.clone(),
        args: vec!["--text".into(), "--quick".into()],
        env: BTreeMap::new(),
        syslog: Syslog::Off,
        files: Vec::new(),
        stderr: None,
    });
    plan
}

/// Copies the jobs' binaries and `run.sh` to the board's remote directory, through a
/// staging directory `target/board-remote/<board>/`.
fn upload(ws: &Workspace, board: &Board, ssh: &Ssh, dir: &str, jobs: &[Job], script: &str) -> Result<()> {
    let staging = ws.target_dir.join("board-remote").join(&board.name);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    for job in jobs {
        let to = staging.join(&job.guest_path);
        if !to.exists() {
            std::fs::copy(&job.host_binary, &to)
                .with_context(|| format!("copying {} to {}", job.host_binary.display(), to.display()))?;
        }
    }
    std::fs::write(staging.join("run.sh"), script).context("writing run.sh")?;
    let size: u64 = std::fs::read_dir(&staging)?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let started = Instant::now();
    ssh.upload(&staging, dir)?;
    step!(
        "{}: copied {:.1} MiB to {}:{dir} in {}",
        board.name,
        size as f64 / (1024.0 * 1024.0),
        ssh.address,
        secs(started.elapsed())
    );
    Ok(())
}

/// One job's outcome on the board.
#[derive(Debug)]
struct Outcome {
    /// Exit status; None when it never ended.
    status: Option<i32>,
    /// How long it ran.
    duration: Duration,
}

/// Runs `jobs` on the board through `run.sh` and follows its markers; returns each job's
/// outcome and the lines it printed.
fn run_jobs(
    board: &Board,
    ssh: &Ssh,
    dir: &str,
    marker: &Marker,
    limit: Duration,
) -> Result<(BTreeMap<String, Outcome>, Vec<String>, bool)> {
    let mut outcomes = BTreeMap::new();
    let mut printed = Vec::new();
    let mut current: Option<(String, Instant)> = None;
    let mut done = false;
    let finished = ssh.stream(
        &format!("sh {}/run.sh", crate::host::exec::quote(dir)),
        limit,
        |line| match marker.parse(line) {
            Some(Event::JobStart(name)) => {
                step!("{}: running {name}", board.name);
                current = Some((name, Instant::now()));
            }
            Some(Event::JobEnd(name, status)) => {
                let duration = current.take().map(|(_, t)| t.elapsed()).unwrap_or_default();
                step!(
                    "{}: {name} {} (exit status {status}) in {}",
                    board.name,
                    if status == 0 { "passed" } else { "FAILED" },
                    secs(duration)
                );
                outcomes.insert(
                    name,
                    Outcome {
                        status: Some(status),
                        duration,
                    },
                );
            }
            Some(Event::Done) => done = true,
            Some(_) => {}
            None => {
                println!("{} | {line}", board.name);
                printed.push(line.to_owned());
            }
        },
    )?;
    if let Some((name, since)) = current {
        outcomes.insert(
            name,
            Outcome {
                status: None,
                duration: since.elapsed(),
            },
        );
    }
    if finished.status.is_none() {
        step!(
            "{}: TIMEOUT after {}; the run was stopped",
            board.name,
            secs(limit)
        );
    } else if !finished.stderr.trim().is_empty() {
        step!("{}: ssh said: {}", board.name, finished.stderr.trim());
    }
    Ok((outcomes, printed, done))
}

/// Connects and checks the board; a failure is a summary row (`ssh` or `board`).
fn connect_and_check(board: &Board, ssh: &Ssh, summary: &mut Summary) -> Option<Facts> {
    let started = Instant::now();
    if let Err(err) = ssh.connect() {
        step!("{}: SSH to {} FAILED: {err:#}", board.name, ssh.address);
        summary.add(&board.name, "ssh", false, format!("{err:#}"), started.elapsed());
        return None;
    }
    let facts = ssh
        .script_output(board_check::SCRIPT)
        .and_then(|out| Facts::parse(&out).context("the board check script did not finish"));
    match facts {
        Ok(facts) => {
            let cards: Vec<String> = facts.cards.iter().map(|(i, id)| format!("{i} {id}")).collect();
            let detail = format!(
                "{} via {}: kernel {} {}, uid {}, cards: {}; loopback {:?}",
                board.target,
                ssh.address,
                facts.kernel,
                facts.machine,
                facts.uid,
                if cards.is_empty() {
                    "none".into()
                } else {
                    cards.join(", ")
                },
                facts.loopback
            );
            step!("{}: {detail}", board.name);
            summary.add(&board.name, "ssh", true, detail, started.elapsed());
            Some(facts)
        }
        Err(err) => {
            summary.add(
                &board.name,
                "board-check",
                false,
                format!("{err:#}"),
                started.elapsed(),
            );
            None
        }
    }
}

/// `cargo board test BOARD --host ...`: the board's jobs over `ssh`; every outcome is a row
/// of `summary`.
///
/// # Errors
/// When the binaries cannot be built or copied.
pub fn test(
    ws: &Workspace,
    board: &Board,
    ssh: &Ssh,
    test_args: &[String],
    limit: Duration,
    summary: &mut Summary,
) -> Result<()> {
    let Some(facts) = connect_and_check(board, ssh, summary) else {
        return Ok(());
    };
    let bins = build(ws, &board.target)?;
    let plan = plan(board, &facts, &bins, test_args);
    for (name, why) in &plan.failed {
        step!("{}: {name} FAILED: {why}", board.name);
        summary.add(&board.name, name, false, why.clone(), Duration::ZERO);
    }
    let marker = Marker::new();
    let dir = remote_dir(&facts);
    let script = script::render(&marker, &dir, &plan.jobs);
    upload(ws, board, ssh, &dir, &plan.jobs, &script)?;
    let (outcomes, _, done) = run_jobs(board, ssh, &dir, &marker, limit)?;
    for job in &plan.jobs {
        let (passed, detail, duration) = match outcomes.get(&job.name) {
            Some(Outcome {
                status: Some(0),
                duration,
            }) => (true, job_detail(job), *duration),
            Some(Outcome {
                status: Some(code),
                duration,
            }) => (
                false,
                format!("{}: exit status {code}", job_detail(job)),
                *duration,
            ),
            Some(Outcome {
                status: None,
                duration,
            }) => (false, format!("{}: did not finish", job_detail(job)), *duration),
            None => (false, format!("{}: did not run", job_detail(job)), Duration::ZERO),
        };
        summary.add(&board.name, &job.name, passed, detail, duration);
    }
    for (name, why) in &plan.skipped {
        summary.add(&board.name, name, true, format!("skipped: {why}"), Duration::ZERO);
    }
    if !done {
        summary.add(
            &board.name,
            "run",
            false,
            "run.sh did not reach its end",
            Duration::ZERO,
        );
    }
    Ok(())
}

/// A job's summary detail: what it ran.
fn job_detail(job: &Job) -> String {
    match job.name.as_str() {
        "loopback" => format!("tests/kernel on {} {}", LOOPBACK.0, job.args[1..].join(" "))
            .trim_end()
            .to_owned(),
        "driver-tests" => DRIVER_TESTS.tests.join(", "),
        _ => format!("{} {}", job.guest_path, job.args.join(" ")),
    }
}

/// The probe's text and JSON, split from what it printed.
#[derive(Debug, Default)]
pub struct ProbeOutput {
    /// The text report.
    pub text: String,
    /// The JSON report (one line), empty when it printed none.
    pub json: String,
}

impl ProbeOutput {
    /// Splits the lines the probe printed at its JSON markers.
    pub fn split(lines: &[String]) -> ProbeOutput {
        let mut out = ProbeOutput::default();
        let mut in_json = false;
        // The report starts at its title line (a boot's console has the kernel's lines first).
        let start = lines
            .iter()
            .position(|l| l.starts_with("alsa-direct probe "))
            .unwrap_or(0);
        for line in &lines[start..] {
            match line.as_str() {
                "--- alsa-direct probe json ---" => in_json = true,
                "--- end of alsa-direct probe json ---" => in_json = false,
                l if in_json => out.json.push_str(l),
                l => {
                    out.text.push_str(l);
                    out.text.push('\n');
                }
            }
        }
        out
    }

    /// Writes `target/board-probe/BOARD.txt` and `.json`; returns their paths.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn save(&self, ws: &Workspace, board: &str) -> Result<(PathBuf, PathBuf)> {
        let dir = ws.target_dir.join("board-probe");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let text = dir.join(format!("{board}.txt"));
        let json = dir.join(format!("{board}.json"));
        std::fs::write(&text, &self.text).with_context(|| format!("writing {}", text.display()))?;
        std::fs::write(&json, &self.json).with_context(|| format!("writing {}", json.display()))?;
        Ok((text, json))
    }
}

/// `cargo board probe BOARD --host ...`: runs the probe over `ssh`, saves its report and
/// returns it; the outcome is a row of `summary`.
///
/// # Errors
/// When the probe cannot be built or copied.
pub fn probe(
    ws: &Workspace,
    board: &Board,
    ssh: &Ssh,
    probe_args: &[String],
    limit: Duration,
    summary: &mut Summary,
) -> Result<Option<ProbeOutput>> {
    let Some(facts) = connect_and_check(board, ssh, summary) else {
        return Ok(None);
    };
    let started = Instant::now();
    let probe = cargo_build::guest_tool(&ws.root, &board.target, "probe")?;
    let job = Job::new(
        "probe".into(),
        "probe".into(),
        &probe,
        probe_args.to_vec(),
        BTreeMap::new(),
    );
    let marker = Marker::new();
    let dir = remote_dir(&facts);
    let jobs = [job];
    let script = script::render(&marker, &dir, &jobs);
    upload(ws, board, ssh, &dir, &jobs, &script)?;
    let (outcomes, printed, _) = run_jobs(board, ssh, &dir, &marker, limit)?;
    let output = ProbeOutput::split(&printed);
    let status = outcomes.get("probe").and_then(|o| o.status);
    let passed = status == Some(0) && !output.json.is_empty();
    let detail = if passed {
        let (text, json) = output.save(ws, &board.name)?;
        format!("{} and {}", shown(ws, &text), shown(ws, &json))
    } else {
        format!("the probe ended with {status:?}")
    };
    summary.add(&board.name, "probe", passed, detail, started.elapsed());
    Ok(Some(output))
}

/// A path relative to the workspace when it is inside it.
fn shown(ws: &Workspace, path: &Path) -> String {
    path.strip_prefix(&ws.root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A board from the repository's boards/.
    fn board(name: &str) -> Board {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        crate::boards::load_all(&dir)
            .unwrap()
            .into_iter()
            .find(|b| b.name == name)
            .unwrap()
    }

    fn bins() -> Binaries {
        Binaries {
            kernel_tests: "/k".into(),
            tone: "/t".into(),
            probe: "/p".into(),
        }
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.jobs.iter().map(|j| j.name.as_str()).collect()
    }

    #[test]
    fn a_pi_with_its_card_and_the_loopback_runs_everything() {
        let facts =
            Facts::parse("uid=0\ngroups=root\ncard=0 Headphones\ncard=1 Loopback\nloopback=loaded\nend=1\n")
                .unwrap();
        let plan = plan(&board("rpi4"), &facts, &bins(), &["loopback::".into()]);
        assert_eq!(names(&plan), ["loopback", "driver-tests", "tone", "probe"]);
        assert!(plan.failed.is_empty());
        let loopback = &plan.jobs[0];
        assert_eq!(loopback.env["ALSA_DIRECT_PLAYBACK"], "hw:Loopback,0,0");
        assert_eq!(loopback.args, ["--test-threads=1", "loopback::"]);
        assert_eq!(
            plan.jobs[2].args[..2],
            ["-D".to_owned(), "hw:Headphones,0".to_owned()]
        );
        assert_eq!(plan.skipped.len(), 1, "{:?}", plan.skipped);
    }

    #[test]
    fn no_loopback_is_skipped_and_named_and_a_busy_card_fails_with_its_holder() {
        let facts = Facts::parse(
            "uid=1000\ngroups=pi audio\ncard=0 Headphones\nloopback=loadable\n\
             holder=/dev/snd/pcmC0D0p 900 pipewire\nend=1\n",
        )
        .unwrap();
        let plan = plan(&board("rpi4"), &facts, &bins(), &[]);
        assert_eq!(names(&plan), ["probe"]);
        assert!(plan
            .skipped
            .iter()
            .any(|(n, why)| n == "loopback" && why.contains("sudo modprobe snd-aloop")));
        let (name, why) = &plan.failed[0];
        assert_eq!(name, "card");
        assert!(why.contains("pipewire (pid 900)"), "{why}");
    }

    #[test]
    fn no_card_and_no_audio_group_say_what_to_do() {
        let facts =
            Facts::parse("uid=1000\ngroups=pi\nloopback=absent\nnode=/dev/snd/controlC0 denied\nend=1\n")
                .unwrap();
        let plan = plan(&board("imx8mp-evk"), &facts, &bins(), &[]);
        let failed: Vec<&str> = plan.failed.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(failed, ["access", "card"]);
        assert!(plan.failed[1].1.contains("no sound card"), "{:?}", plan.failed);
        assert!(plan
            .skipped
            .iter()
            .any(|(n, why)| n == "loopback" && why.contains("CONFIG_SND_ALOOP")));
    }

    #[test]
    fn the_probe_output_splits_at_its_markers() {
        let lines: Vec<String> = [
            "[ 1.2] hda: codec",
            "alsa-direct probe 0.1.0",
            "card 0",
            "--- alsa-direct probe json ---",
            "{\"a\":1}",
            "--- end of alsa-direct probe json ---",
        ]
        .map(String::from)
        .to_vec();
        let out = ProbeOutput::split(&lines);
        assert_eq!(out.text, "alsa-direct probe 0.1.0\ncard 0\n");
        assert_eq!(out.json, "{\"a\":1}");
    }
}
