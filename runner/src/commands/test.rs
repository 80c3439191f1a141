//! `cargo board test [BOARD...] [-- TEST-ARGS]`: builds the kernel integration tests for every run
//! of each board, boots the board once with all of them and reports each run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::audio;
use crate::audio::capture::{self, CaptureScenario, Recorder};
use crate::audio::plan::{picks, HeardPlan, Planned, Verdict};
use crate::audio::scenarios::AplayReference;
use crate::bench::files as bench_files;
use crate::boards::{Audio, Board, Run};
use crate::boot::clock::Clock;
use crate::boot::{boot_jobs, feed, BootOptions, HostAudio};
use crate::commands::setup;
use crate::commands::summary::Summary;
use crate::guest_image::cargo_build;
use crate::guest_image::guest_files::{self, GuestFiles};
use crate::guest_image::job::{Job, Syslog};
use crate::host::install::Host;
use crate::host::workspace::Workspace;
use crate::oracle;
use crate::progress::{secs, step};
use crate::remote::standin;

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
    let mut cx = TestContext {
        ws,
        host,
        opts,
        test_args,
        built: BTreeMap::new(),
        heard: BTreeMap::new(),
    };
    for board in boards {
        step!("=== {}: {} ===", board.name, board.description);
        let started = Instant::now();
        if let Err(err) = test_board(&mut cx, board, &mut summary) {
            step!("{}: FAILED before booting: {err:#}", board.name);
            summary.add(&board.name, "setup", false, format!("{err:#}"), started.elapsed());
        }
    }
    Ok(summary)
}

/// What the boards of one `cargo board test` share: the workspace, the host, how to boot, the
/// test arguments and the guest binaries built so far.
struct TestContext<'a> {
    /// The workspace.
    ws: &'a Workspace,
    /// The host (its packages, for alsa-lib and C helpers).
    host: &'a mut Host,
    /// How to boot.
    opts: &'a BootOptions,
    /// The arguments after `--`: words that pick tests and scenarios.
    test_args: &'a [String],
    /// The guest binaries per target, built once per command.
    built: BTreeMap<String, Built>,
    /// The guest tool `heard` per target, built once per command.
    heard: BTreeMap<String, PathBuf>,
}

/// The guest binaries of one target: the kernel test binary and the examples (name, binary),
/// with the firmware's `fw-tone` among them, which the tests of `tests/kernel/examples.rs`
/// run from `/tests/<target>/examples/`.
type Built = (PathBuf, Vec<(String, PathBuf)>);

impl TestContext<'_> {
    /// The kernel tests and examples for `target`, built once per `test` command.
    fn build(&mut self, target: &str) -> Result<Built> {
        if let Some(both) = self.built.get(target) {
            return Ok(both.clone());
        }
        let root = &self.ws.root;
        let started = Instant::now();
        let path = cargo_build::kernel_tests(root, target)?;
        let mut examples = cargo_build::examples(root, target, "std")?;
        // The firmware tone generator, tested beside the std examples.
        let firmware = cargo_build::firmware(root, target)?;
        examples.push((cargo_build::FIRMWARE.to_owned(), firmware));
        step!(
            "built {} and {} example(s) in {}",
            path.display(),
            examples.len(),
            secs(started.elapsed())
        );
        self.built
            .insert(target.to_owned(), (path.clone(), examples.clone()));
        Ok((path, examples))
    }

    /// The guest tool that plays and captures the heard scenarios (`guest-tools`' `heard`)
    /// for `target`, built once per `test` command.
    fn heard_tool(&mut self, target: &str) -> Result<PathBuf> {
        if let Some(path) = self.heard.get(target) {
            return Ok(path.clone());
        }
        let path = cargo_build::guest_tool(&self.ws.root, target, HEARD)?;
        self.heard.insert(target.to_owned(), path.clone());
        Ok(path)
    }
}

/// The guest tool of the heard scenarios (`guest-tools/src/bin/heard/`).
const HEARD: &str = "heard";

/// A job of the guest tool `heard` at `binary` (built for `target`) playing or capturing
/// `scenario`.
fn heard_job(
    name: String,
    target: &str,
    binary: &Path,
    scenario: &str,
    env: BTreeMap<String, String>,
) -> Job {
    let guest_path = format!("/tests/{target}/{HEARD}");
    Job::new(name, guest_path, binary, vec![scenario.to_owned()], env)
}

/// Kernel tests (`tests/kernel`) that need a real sound driver, run in the boot of a
/// real-driver board beside its heard scenarios.
pub struct DriverTests {
    /// The job's name after the run's, and the word that picks it.
    pub name: &'static str,
    /// Exact test names.
    pub tests: &'static [&'static str],
}

/// The real-driver kernel tests.
pub const DRIVER_TESTS: DriverTests = DriverTests {
    name: "driver-tests",
    tests: &[
        "mixer::mixer_channel_maps_of_a_real_driver",
        "mixer::mixer_controls_of_one_name_are_addressed_by_index",
        "stream_loop::timestamps_follow_the_chosen_clock_and_the_audio_position",
        "timing_driver::timer_mode_spares_the_period_interrupts",
        "timing_driver::device_clock_of_the_driver",
        "timing_driver::audio_timestamps_report_the_type_the_driver_gave",
    ],
};

/// The figures the driver tests of `run` printed (`figure RUN NAME: TEXT` on the guest's
/// console), for the summary: `NAME: TEXT`, joined by `; `.
pub fn driver_figures(console: &[String], run: &str) -> String {
    let tag = format!("figure {run} ");
    console
        .iter()
        .filter_map(|line| line.split_once(tag.as_str()).map(|(_, rest)| rest.trim()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A real-driver board: the scenarios of [`HeardPlan`] for each run, one after another in one
/// boot, each at its own frequency, then each cut out of the recording and judged; beside them
/// the [`DRIVER_TESTS`] and the differential harness.
fn heard_board(
    cx: &mut TestContext<'_>,
    board: &Board,
    audio: &Audio,
    files: &GuestFiles,
    summary: &mut Summary,
) -> Result<()> {
    let ws = cx.ws;
    let plan = HeardPlan::new(board, audio, cx.test_args)?;
    let (mut jobs, driver_jobs) = heard_jobs(cx, board, audio, &plan)?;
    // The differential harness, after the scenarios (it plays silence).
    let oracle = oracle_plan(cx, board, summary);
    if let Some(plan) = &oracle {
        jobs.extend(plan.jobs.iter().cloned());
    }
    let recording = audio::recording_path(ws, &board.name, "heard")?;
    let fed = match plan.captures.len() {
        0 => None,
        // The emulator reads ahead of each stream: a second per scenario to spare.
        n => Some(feed::write(
            &ws.target_dir
                .join("board-audio")
                .join(format!("{}-feed", board.name)),
            board.stream.rate,
            f64::from(n as u32 * (capture::SECONDS + 1) + 10),
        )?),
    };
    if let Some(fed) = &fed {
        step!(
            "{}: feeding {} Hz from {}",
            board.name,
            feed::FREQUENCY,
            audio::shown(ws, &fed.signal)
        );
    }
    let host_audio = HostAudio {
        recording: Some(&recording),
        feed: fed.as_ref(),
        hotplug: None,
    };
    let report = boot_jobs(ws, board, files, &jobs, cx.opts, "heard", host_audio)?;
    for (name, run) in &driver_jobs {
        let job = report.jobs.iter().find(|j| &j.name == name);
        let duration = job.map(|j| j.duration).unwrap_or_default();
        let tests = DRIVER_TESTS.tests.join(", ");
        let figures = driver_figures(&report.console, run);
        let outcome = match job.and_then(|j| j.status) {
            Some(0) => Ok(format!("{tests}; {figures}")),
            status => Err(format!("{tests} ({status:?}); {figures}")),
        };
        add_verdict(
            summary,
            &board.name,
            Verdict {
                job: name.clone(),
                duration,
                outcome,
            },
        );
    }
    if let Some(plan) = &oracle {
        oracle::judge(board, plan, &report, &oracle_dir(ws), summary);
    }
    let boot_detail = format!(
        "kernel {}, {}, {} CPU(s), {} scenario(s): {}",
        report.release,
        report.engine,
        report.cpus,
        plan.tones.len() + plan.captures.len(),
        audio::shown(ws, &recording)
    );
    summary.add_boot(&board.name, &report, boot_detail);
    let samples = match audio::read_first_channel(&recording) {
        Ok(read) => Some(read),
        Err(err) => {
            step!("{}: no recording: {err:#}", board.name);
            None
        }
    };
    for verdict in plan.judge_tones(board, audio, &report, samples.as_ref()) {
        add_verdict(summary, &board.name, verdict);
    }
    for verdict in plan.judge_captures(board, &report) {
        add_verdict(summary, &board.name, verdict);
    }
    Ok(())
}

/// A driver-test job of a run: (job name, run name).
type DriverJob = (String, String);

/// The guest jobs of `plan` on a real-driver board, in the order they run: for each run the
/// card unmuted and its tones, then the capture scenarios, then the [`DRIVER_TESTS`] (whose job
/// names come second).
fn heard_jobs(
    cx: &mut TestContext<'_>,
    board: &Board,
    audio: &Audio,
    plan: &HeardPlan,
) -> Result<(Vec<Job>, Vec<DriverJob>)> {
    let ws = cx.ws;
    // alsa-lib's aplay and its libraries, for the reference scenarios.
    let alsa = if plan.needs_alsa_lib() {
        bench_files::prepare(board, &ws.cache_dir(), cx.host)?
    } else {
        Vec::new()
    };
    let mut jobs = Vec::new();
    for (index, run) in board.runs.iter().enumerate() {
        let target = board.run_target(run);
        let heard = cx.heard_tool(target)?;
        // First the card's mixer, as the board asks (aplay leaves it as it is).
        jobs.push(heard_job(
            format!("{}-unmute", run.name),
            target,
            &heard,
            "unmute",
            board.guest_env(run),
        ));
        for Planned {
            job: name, scenario, ..
        } in plan.tones_of(index)
        {
            let mut env = board.guest_env(run);
            env.extend(scenario.env.iter().cloned());
            if let Some(reference) = scenario.aplay {
                jobs.push(aplay_job(
                    ws,
                    board,
                    &alsa,
                    name,
                    scenario.frequency,
                    reference,
                    env,
                )?);
                continue;
            }
            jobs.push(Job {
                syslog: Syslog::dump_or(run.dump_syslog || cx.opts.dump_syslog, Syslog::Off),
                ..heard_job(name.clone(), target, &heard, scenario.test, env)
            });
        }
    }
    for (index, run) in board.runs.iter().enumerate() {
        let mine = plan.captures_of(index);
        if let (Some(device), false) = (&audio.capture, mine.is_empty()) {
            let heard = cx.heard_tool(board.run_target(run))?;
            jobs.extend(capture_jobs(board, run, device, &heard, &alsa, &mine)?);
        }
    }
    // The kernel tests that need a real driver, once per run that does not pick scenarios by
    // name (CI's second-suite runs do): its channel maps and the timestamps it reports.
    let mut driver_jobs = Vec::new();
    for run in board
        .runs
        .iter()
        .filter(|r| picks(&r.args, DRIVER_TESTS.name) && picks(cx.test_args, DRIVER_TESTS.name))
    {
        let target = board.run_target(run);
        let (binary, _) = cx.build(target)?;
        let name = format!("{}-{}", run.name, DRIVER_TESTS.name);
        // --nocapture: the tests' figures reach the console, and from there the summary.
        let mut args = vec!["--exact", "--nocapture", "--test-threads=1"];
        args.extend(DRIVER_TESTS.tests);
        let mut env = board.guest_env(run);
        if cx.opts.clock == Clock::Real {
            // The device clock's bound holds on the instruction clock only.
            env.insert("ALSA_DIRECT_REAL_CLOCK".into(), "1".into());
        }
        jobs.push(Job::kernel_tests(name.clone(), target, &binary, &args, env));
        driver_jobs.push((name, run.name.clone()));
    }
    Ok((jobs, driver_jobs))
}

/// Adds a judged job to the summary, with a progress line when it failed.
fn add_verdict(summary: &mut Summary, board: &str, verdict: Verdict) {
    match verdict.outcome {
        Ok(line) => summary.add(board, &verdict.job, true, line, verdict.duration),
        Err(why) => {
            step!("{board}: {} FAILED: {why}", verdict.job);
            summary.add(board, &verdict.job, false, why, verdict.duration);
        }
    }
}

/// The jobs of one run's capture scenarios on `device`: the capture side unmuted as the board
/// asks, then for each `arecord -M` (alsa-lib's `aplay` binary under the name `arecord`) into
/// a raw file and `heard` measuring it, or `heard` capturing with the crate (`binary`: the
/// guest tool `heard` built for the run's target).
fn capture_jobs(
    board: &Board,
    run: &Run,
    device: &str,
    binary: &Path,
    alsa: &[(String, PathBuf)],
    scenarios: &[&CaptureScenario],
) -> Result<Vec<Job>> {
    let aplay = alsa
        .iter()
        .find(|(guest, _)| guest == "/usr/bin/aplay")
        .map(|(_, host)| host.clone())
        .context("no aplay for the guest")?;
    let target = board.run_target(run);
    let mut env = board.guest_env(run);
    env.insert("ALSA_DIRECT_CAPTURE".into(), device.to_owned());
    let heard = |name: String, scenario: &str, env: BTreeMap<String, String>| {
        heard_job(name, target, binary, scenario, env)
    };
    let mut jobs = vec![heard(
        format!("{}-capture-unmute", run.name),
        "capture-unmute",
        env.clone(),
    )];
    for scenario in scenarios {
        let name = format!("{}-{}", run.name, scenario.name);
        let mut env = env.clone();
        env.insert("ALSA_DIRECT_HEARD_NAME".into(), name.clone());
        env.insert("ALSA_DIRECT_PERIOD_FRAMES".into(), scenario.period.to_string());
        env.insert("ALSA_DIRECT_PERIODS".into(), scenario.periods.to_string());
        env.insert("ALSA_DIRECT_HEARD_SECONDS".into(), capture::SECONDS.to_string());
        match scenario.by {
            Recorder::Crate => jobs.push(heard(name, "capture", env)),
            Recorder::Arecord => {
                let raw = format!("/tmp/{name}.raw");
                // Its messages (`overrun!!!` at each xrun) for the job that measures it.
                let err = format!("/tmp/{name}.stderr");
                let mut files = alsa.to_vec();
                files.push(("/usr/bin/arecord".into(), aplay.clone()));
                jobs.push(Job {
                    name: name.clone(),
                    guest_path: "/usr/bin/arecord".into(),
                    host_binary: aplay.clone(),
                    args: vec![
                        "-M".into(),
                        "-D".into(),
                        device.to_owned(),
                        "-f".into(),
                        "S16_LE".into(),
                        "-c".into(),
                        "2".into(),
                        "-r".into(),
                        board.stream.rate.to_string(),
                        format!("--period-size={}", scenario.period),
                        format!("--buffer-size={}", scenario.period * scenario.periods),
                        "-d".into(),
                        capture::SECONDS.to_string(),
                        "-t".into(),
                        "raw".into(),
                        raw.clone(),
                    ],
                    env: env.clone(),
                    syslog: Syslog::Off,
                    files,
                    stderr: Some(err.clone()),
                });
                env.insert("ALSA_DIRECT_HEARD_FILE".into(), raw);
                env.insert("ALSA_DIRECT_HEARD_STDERR".into(), err);
                jobs.push(heard(format!("{name}-measure"), "capture-recorded-file", env));
            }
        }
    }
    Ok(jobs)
}

/// A reference scenario's job: alsa-lib's `aplay -M` plays files of the tone (written here
/// with hound: -12 dBFS, S16_LE stereo at the board's rate, the tone continuing from one file
/// into the next) one after another, with the reference's period and buffer size.
fn aplay_job(
    ws: &Workspace,
    board: &Board,
    alsa: &[(String, PathBuf)],
    name: &str,
    frequency: f64,
    reference: AplayReference,
    env: BTreeMap<String, String>,
) -> Result<Job> {
    let aplay = alsa
        .iter()
        .find(|(guest, _)| guest == "/usr/bin/aplay")
        .map(|(_, host)| host.clone())
        .context("no aplay for the guest")?;
    let rate = board.stream.rate;
    // Replaced on every boot: files left by an earlier one must not pass for this one's.
    let dir = ws
        .target_dir
        .join("board-audio")
        .join(format!("reference-{}-{frequency}-{rate}", board.name));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut files = alsa.to_vec();
    let mut guest_wavs = Vec::new();
    let per_file = u64::from(reference.frames_per_file);
    for file in 0..u64::from(reference.files) {
        let wav = dir.join(format!("{file:03}.wav"));
        let mut writer =
            hound::WavWriter::create(&wav, spec).with_context(|| format!("writing {}", wav.display()))?;
        for i in file * per_file..(file + 1) * per_file {
            let x = 0.25 * (std::f64::consts::TAU * frequency * i as f64 / f64::from(rate)).sin();
            let sample = (x * 32767.0).round() as i16;
            writer.write_sample(sample)?;
            writer.write_sample(sample)?;
        }
        writer.finalize()?;
        let guest_wav = format!("/reference/{name}/{file:03}.wav");
        files.push((guest_wav.clone(), wav));
        guest_wavs.push(guest_wav);
    }
    let mut args = vec![
        "-M".into(),
        "-D".into(),
        board.devices.playback.clone(),
        format!("--period-size={}", reference.period),
        format!("--buffer-size={}", reference.buffer),
    ];
    args.extend(guest_wavs);
    Ok(Job {
        name: name.to_owned(),
        guest_path: "/usr/bin/aplay".into(),
        host_binary: aplay,
        args,
        env,
        syslog: Syslog::Off,
        files,
        stderr: None,
    })
}

/// Builds, boots and records one board.
fn test_board(cx: &mut TestContext<'_>, board: &Board, summary: &mut Summary) -> Result<()> {
    let (ws, opts, test_args) = (cx.ws, cx.opts, cx.test_args);
    if board.standin.is_some() {
        // Over SSH, as a real board (the boot's row is added there).
        standin::run(ws, cx.host, board, opts, standin::Work::Test(test_args), summary)?;
        return Ok(());
    }
    let files = guest_files::prepare(board, &ws.cache_dir(), cx.host)?;
    if let Some(audio) = &board.audio {
        return heard_board(cx, board, audio, &files, summary);
    }
    // `-- oracle` alone runs only the differential harness.
    let only_oracle = !test_args.is_empty() && test_args.iter().all(|a| a.contains(oracle::WORD));
    let runs: &[Run] = if only_oracle { &[] } else { &board.runs };
    let adopt = adopt_helper(cx, board, summary);
    let mut jobs = Vec::new();
    for run in runs {
        let target = board.run_target(run);
        let (binary, examples) = cx.build(target)?;
        let mut env = board.guest_env(run);
        let mut files: Vec<(String, PathBuf)> = examples
            .into_iter()
            .map(|(name, exe)| (format!("/tests/{target}/examples/{name}"), exe))
            .collect();
        if let Some((helper, alsa)) = &adopt {
            env.insert(ADOPT_ENV.into(), ADOPT_GUEST.into());
            files.push((ADOPT_GUEST.into(), helper.clone()));
            files.extend(alsa.iter().cloned());
        }
        let mut args = vec!["--test-threads=1".to_owned()];
        args.extend(run.args.iter().cloned());
        args.extend(test_args.iter().cloned());
        jobs.push(Job {
            name: run.name.clone(),
            guest_path: format!("/tests/{target}/kernel"),
            host_binary: binary,
            args,
            env,
            syslog: Syslog::dump_or(run.dump_syslog || opts.dump_syslog, Syslog::Off),
            files,
            stderr: None,
        });
    }
    let oracle = oracle_plan(cx, board, summary);
    if let Some(plan) = &oracle {
        jobs.extend(plan.jobs.iter().cloned());
    }
    let report = boot_jobs(ws, board, &files, &jobs, opts, "test", HostAudio::default())?;
    if let Some(plan) = &oracle {
        oracle::judge(board, plan, &report, &oracle_dir(ws), summary);
    }
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
    summary.add_boot(&board.name, &report, boot_detail);
    for run in runs {
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

/// `target/oracle`: the differential harness's programs, scripts and consoles.
fn oracle_dir(ws: &Workspace) -> PathBuf {
    ws.target_dir.join("oracle")
}

/// The differential harness's jobs for `board` when the test picks it (a full test on the
/// board's own suite, or one whose arguments name it: `-- oracle`); a failure to build it is
/// a failed summary line, and the board's other tests still run.
fn oracle_plan(cx: &mut TestContext<'_>, board: &Board, summary: &mut Summary) -> Option<oracle::Plan> {
    let named = cx.test_args.iter().any(|a| a.contains(oracle::WORD));
    if !named && (!cx.test_args.is_empty() || board.base_name.is_some()) {
        return None;
    }
    let started = Instant::now();
    match oracle::plan(cx.ws, cx.host, board, &oracle_dir(cx.ws)) {
        Ok(plan) if plan.jobs.is_empty() => None,
        Ok(plan) => Some(plan),
        Err(err) => {
            step!("{}: oracle FAILED before booting: {err:#}", board.name);
            summary.add(
                &board.name,
                "oracle",
                false,
                format!("{err:#}"),
                started.elapsed(),
            );
            None
        }
    }
}

/// The environment variable that tells the kernel tests where the adopt test's C helper is.
const ADOPT_ENV: &str = "ALSA_DIRECT_ADOPT_ALSA";
/// Where the adopt test's C helper is in the guest.
const ADOPT_GUEST: &str = "/tests/adopt-alsa";
/// The C helper's source, relative to the workspace root.
const ADOPT_SOURCE: &str = "guest-tools/adopt/adopt_alsa.c";

/// The adopt test's C helper (`guest-tools/adopt/adopt_alsa.c`: alsa-lib sets a device up
/// and hands its descriptor to the `adopt` example) built for an emulated `board`, with the
/// guest's alsa-lib files, when the test is full or its arguments name `adopt`; a failure to
/// build it is a failed summary line (the kernel test then says it was skipped).
fn adopt_helper(
    cx: &mut TestContext<'_>,
    board: &Board,
    summary: &mut Summary,
) -> Option<(PathBuf, Vec<(String, PathBuf)>)> {
    let named = cx.test_args.iter().any(|a| a.contains("adopt"));
    if (!named && !cx.test_args.is_empty()) || board.emulation().is_err() {
        return None;
    }
    let started = Instant::now();
    let out_dir = cx.ws.target_dir.join("adopt");
    match oracle::build_c(cx.ws, cx.host, board, &out_dir, ADOPT_SOURCE, "adopt-alsa") {
        Ok(built) => Some(built),
        Err(err) => {
            step!("{}: adopt-alsa FAILED to build: {err:#}", board.name);
            summary.add(
                &board.name,
                "adopt-alsa",
                false,
                format!("{err:#}"),
                started.elapsed(),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::driver_figures;

    /// The figures of one run, in the order printed, whatever the console put before them.
    #[test]
    fn driver_figures_are_those_of_the_run() {
        let console: Vec<String> = [
            "x86_64 | figure x86_64 device-clock: hw:0,0 +0.12 ppm",
            "figure x86_64-sync-ptr device-clock: hw:0,0 +9 ppm",
            "test timing_driver::device_clock_of_the_driver ... ok",
            "figure x86_64 timer: hw:0,0 irq/s 0.0",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            driver_figures(&console, "x86_64"),
            "device-clock: hw:0,0 +0.12 ppm; timer: hw:0,0 irq/s 0.0"
        );
        assert_eq!(driver_figures(&console, "aarch64"), "");
    }
}
