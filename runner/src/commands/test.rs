//! `cargo board test [BOARD...] [-- TEST-ARGS]`: builds the kernel integration tests for every run
//! of each board, boots the board once with all of them and reports each run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::audio::capture::{self, CaptureScenario, Recorder};
use crate::audio::scenarios::{
    assign_frequencies, judge, judge_keep_running, played_frames, scenarios, skipped_frames,
    stretches_summary, AplayReference, Restarts, Scenario,
};
use crate::audio::{self, analysis};
use crate::bench::files as bench_files;
use crate::boards::{Audio, Board, Run};
use crate::boot::qemu::BootReport;
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

/// The kernel tests and examples for `target`, built once per `test` command.
fn build(ws: &Workspace, target: &str, built: &mut BTreeMap<String, Built>) -> Result<Built> {
    if let Some(both) = built.get(target) {
        return Ok(both.clone());
    }
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
    Ok((path, examples))
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
    ],
};

/// A real-driver board: the scenarios of [`scenarios`] for each run, one after another in one
/// boot, each at its own frequency, then each cut out of the recording and judged. A run's
/// `args` and then `test_args` pick scenarios by name (those that contain one of the words;
/// all when there are none).
#[allow(clippy::too_many_arguments)]
fn heard_board(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    audio: &Audio,
    files: &GuestFiles,
    opts: &BootOptions,
    test_args: &[String],
    built: &mut BTreeMap<String, Built>,
    summary: &mut Summary,
) -> Result<()> {
    // A name is picked by words it contains (by all, when there are none).
    let picks =
        |words: &[String], name: &str| words.is_empty() || words.iter().any(|w| name.contains(w.as_str()));
    // (run index, job name, scenario)
    let mut planned: Vec<(usize, String, Scenario)> = Vec::new();
    for (index, run) in board.runs.iter().enumerate() {
        for scenario in scenarios(audio, board.stream.rate) {
            if picks(&run.args, &scenario.name) && picks(test_args, &scenario.name) {
                planned.push((index, format!("{}-{}", run.name, scenario.name), scenario));
            }
        }
    }
    assign_frequencies(planned.iter_mut().map(|(_, _, s)| s))?;
    // The capture scenarios, on a board whose input the host feeds: (run index, job name).
    let mut captures: Vec<(usize, String, CaptureScenario)> = Vec::new();
    if audio.capture.is_some() {
        for (index, run) in board.runs.iter().enumerate() {
            for scenario in capture::scenarios() {
                if picks(&run.args, &scenario.name) && picks(test_args, &scenario.name) {
                    captures.push((index, format!("{}-{}", run.name, scenario.name), scenario));
                }
            }
        }
    }
    // alsa-lib's aplay and its libraries, for the reference scenarios.
    let alsa = if planned.iter().any(|(_, _, s)| s.aplay.is_some()) || !captures.is_empty() {
        bench_files::prepare(board, &ws.cache_dir(), host)?
    } else {
        Vec::new()
    };
    let mut jobs = Vec::new();
    for (index, run) in board.runs.iter().enumerate() {
        let target = board.run_target(run);
        let (binary, _) = build(ws, target, built)?;
        // First the card's mixer, as the board asks (aplay leaves it as it is).
        let unmute = Job {
            name: format!("{}-unmute", run.name),
            guest_path: format!("/tests/{target}/kernel"),
            host_binary: binary.clone(),
            args: ["--ignored", "--exact", "--nocapture", "heard::unmute"]
                .map(String::from)
                .to_vec(),
            env: board.guest_env(run),
            syslog: Syslog::Off,
            files: Vec::new(),
            stderr: None,
        };
        jobs.push(unmute);
        for (_, name, scenario) in planned.iter().filter(|(i, _, _)| *i == index) {
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
                name: name.clone(),
                guest_path: format!("/tests/{target}/kernel"),
                host_binary: binary.clone(),
                args: vec![
                    "--ignored".into(),
                    "--exact".into(),
                    "--nocapture".into(),
                    "--test-threads=1".into(),
                    scenario.test.into(),
                ],
                env,
                syslog: Syslog::dump_or(run.dump_syslog || opts.dump_syslog, Syslog::Off),
                files: Vec::new(),
                stderr: None,
            });
        }
    }
    for (index, run) in board.runs.iter().enumerate() {
        let mine: Vec<&CaptureScenario> = captures
            .iter()
            .filter(|(i, _, _)| *i == index)
            .map(|(_, _, s)| s)
            .collect();
        if let (Some(device), false) = (&audio.capture, mine.is_empty()) {
            let (binary, _) = build(ws, board.run_target(run), built)?;
            jobs.extend(capture_jobs(board, run, device, &binary, &alsa, &mine)?);
        }
    }
    // The kernel tests that need a real driver, once per run that does not pick scenarios by
    // name (CI's second-suite runs do): its channel maps and the timestamps it reports.
    let mut driver_jobs = Vec::new();
    for run in board
        .runs
        .iter()
        .filter(|r| picks(&r.args, DRIVER_TESTS.name) && picks(test_args, DRIVER_TESTS.name))
    {
        let target = board.run_target(run);
        let (binary, _) = build(ws, target, built)?;
        let name = format!("{}-{}", run.name, DRIVER_TESTS.name);
        let mut args: Vec<String> = ["--exact", "--test-threads=1"].map(String::from).to_vec();
        args.extend(DRIVER_TESTS.tests.iter().map(|t| t.to_string()));
        jobs.push(Job {
            name: name.clone(),
            guest_path: format!("/tests/{target}/kernel"),
            host_binary: binary,
            args,
            env: board.guest_env(run),
            syslog: Syslog::Off,
            files: Vec::new(),
            stderr: None,
        });
        driver_jobs.push(name);
    }
    // The differential harness, after the scenarios (it plays silence).
    let oracle = oracle_plan(ws, host, board, test_args, summary);
    if let Some(plan) = &oracle {
        jobs.extend(plan.jobs.iter().cloned());
    }
    let recording = audio::recording_path(ws, &board.name, "heard")?;
    let fed = match captures.len() {
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
    let report = boot_jobs(ws, board, files, &jobs, opts, "heard", host_audio)?;
    for name in &driver_jobs {
        let job = report.jobs.iter().find(|j| &j.name == name);
        let duration = job.map(|j| j.duration).unwrap_or_default();
        match job.and_then(|j| j.status) {
            Some(0) => summary.add(&board.name, name, true, DRIVER_TESTS.tests.join(", "), duration),
            status => {
                let why = format!("{} ({status:?})", DRIVER_TESTS.tests.join(", "));
                step!("{}: {name} FAILED: {why}", board.name);
                summary.add(&board.name, name, false, why, duration);
            }
        }
    }
    if let Some(plan) = &oracle {
        oracle::judge(board, plan, &report, &oracle_dir(ws), summary);
    }
    let boot_detail = format!(
        "kernel {}, {}, {} CPU(s), {} scenario(s): {}",
        report.release,
        report.engine,
        report.cpus,
        planned.len() + captures.len(),
        audio::shown(ws, &recording)
    );
    add_boot(summary, &board.name, &report, boot_detail);
    let samples = match audio::read_first_channel(&recording) {
        Ok(read) => Some(read),
        Err(err) => {
            step!("{}: no recording: {err:#}", board.name);
            None
        }
    };
    // Breaks heard per scenario name (without the run), for the scenarios judged beside another.
    let mut breaks_of: BTreeMap<(usize, String), usize> = BTreeMap::new();
    // What the restarts of each cycles scenario cost, for the one judged beside another.
    let mut restarts_of: BTreeMap<(usize, String), Restarts> = BTreeMap::new();
    // One audio tick, in frames: the emulator moves audio in these steps.
    let tick = u64::from(audio.timer_period_us) * u64::from(board.stream.rate) / 1_000_000;
    for (index, name, scenario) in &planned {
        let job = report.jobs.iter().find(|j| &j.name == name);
        let duration = job.map(|j| j.duration).unwrap_or_default();
        let verdict = match (job.and_then(|j| j.status), &samples) {
            (None, _) => Err(format!("{} did not finish", scenario.test)),
            (Some(code), _) if code != 0 => Err(format!("{} exited with status {code}", scenario.test)),
            (Some(_), None) => Err("no recording".into()),
            (Some(_), Some((samples, rate))) => match analysis::find(samples, *rate, scenario.frequency) {
                None => Err(format!("no {} Hz tone in the recording", scenario.frequency)),
                Some(range) => {
                    let at = range.start as f64 / f64::from(*rate);
                    let heard = analysis::analyse(&samples[range.clone()], *rate);
                    // aplay plays its files whole; the crate's tests say what they wrote.
                    let played = match scenario.aplay {
                        Some(reference) => {
                            Some(u64::from(reference.files) * u64::from(reference.frames_per_file))
                        }
                        None => played_frames(&report.console, scenario.frequency),
                    };
                    let mut line = format!("heard {} (from {at:.3} s)", heard.summary());
                    if scenario.expect.cycles {
                        line.push_str(&format!("; {}", stretches_summary(&heard)));
                    }
                    // The keep-running gap: measured here, judged with the rest below.
                    let kept = scenario.expect.gap_is_skip.then(|| {
                        let skipped = skipped_frames(&report.console, scenario.frequency)
                            .ok_or("the guest did not say how many frames it skipped")?;
                        let kept = judge_keep_running(
                            &samples[range.clone()],
                            *rate,
                            scenario.frequency,
                            &heard,
                            skipped,
                        );
                        line.push_str(&format!("; {skipped} frames skipped"));
                        if let Ok(k) = &kept {
                            line.push_str(&format!(", {}", k.summary(*rate)));
                        }
                        kept.map(drop)
                    });
                    step!("{}: {name}: {line}", board.name);
                    let breaks = heard.gaps.len() + heard.glitches.len();
                    breaks_of.insert((*index, scenario.name.clone()), breaks);
                    let beside = match scenario.expect.no_worse_than {
                        None => Ok(()),
                        Some(other) => match breaks_of.get(&(*index, other.to_owned())) {
                            Some(&theirs) if breaks <= theirs => Ok(()),
                            Some(&theirs) => Err(format!("{breaks} breaks where {other} has {theirs}")),
                            None => Err(format!("{other} was not heard")),
                        },
                    };
                    let cycle = played.map(|p| p / u64::from(scenario.expect.stops.max(1)));
                    let restarts = cycle
                        .filter(|_| scenario.expect.cycles)
                        .and_then(|c| Restarts::of(&heard, c));
                    if let Some(restarts) = restarts {
                        restarts_of.insert((*index, scenario.name.clone()), restarts);
                    }
                    let beside = beside.and_then(|()| match scenario.expect.restarts_beside {
                        None => Ok(()),
                        Some(other) => match (restarts, restarts_of.get(&(*index, other.to_owned()))) {
                            (Some(ours), Some(theirs)) => ours.beside(theirs, other, tick),
                            (None, _) => Err("no stretch between two breaks to judge the restarts by".into()),
                            (_, None) => Err(format!("{other} was not heard")),
                        },
                    });
                    beside
                        .and_then(|()| kept.unwrap_or(Ok(())))
                        .and_then(|()| judge(scenario, audio.buffered_frames, &heard, played))
                        .map(|()| line.clone())
                        .map_err(|why| format!("{why}; {line}"))
                }
            },
        };
        match verdict {
            Ok(line) => summary.add(&board.name, name, true, line, duration),
            Err(why) => {
                step!("{}: {name} FAILED: {why}", board.name);
                summary.add(&board.name, name, false, why, duration);
            }
        }
    }
    for (index, name, scenario) in &captures {
        let run = &board.runs[*index].name;
        // The crate's job is the scenario's; arecord's is judged by the job that measured it.
        let measured_by = match scenario.by {
            Recorder::Crate => name.clone(),
            Recorder::Arecord => format!("{name}-measure"),
        };
        let job = report.jobs.iter().find(|j| j.name == measured_by);
        let duration = job.map(|j| j.duration).unwrap_or_default();
        let captured = capture::parse(&report.console, name);
        let reference = scenario
            .reference()
            .and_then(|other| capture::parse(&report.console, &format!("{run}-{other}")));
        let verdict = match (job.and_then(|j| j.status), captured) {
            (_, Some(captured)) => {
                let line = format!("captured {}", captured.summary());
                step!("{}: {name}: {line}", board.name);
                let exited = match job.and_then(|j| j.status) {
                    Some(0) => Ok(()),
                    other => Err(format!("the guest's job ended with {other:?}")),
                };
                exited
                    .and_then(|()| capture::judge(scenario, board.stream.rate, &captured, reference.as_ref()))
                    .map(|()| line.clone())
                    .map_err(|why| format!("{why}; {line}"))
            }
            (None, None) => Err(format!("{measured_by} did not finish")),
            (Some(code), None) => Err(format!(
                "{measured_by} exited with status {code} without a measurement"
            )),
        };
        match verdict {
            Ok(line) => summary.add(&board.name, name, true, line, duration),
            Err(why) => {
                step!("{}: {name} FAILED: {why}", board.name);
                summary.add(&board.name, name, false, why, duration);
            }
        }
    }
    Ok(())
}

/// The jobs of one run's capture scenarios on `device`: the capture side unmuted as the board
/// asks, then for each `arecord -M` (alsa-lib's `aplay` binary under the name `arecord`) into
/// a raw file and the crate's test that measures it, or the crate's capture test.
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
    let kernel_test = |name: String, test: &str, env: BTreeMap<String, String>| Job {
        name,
        guest_path: format!("/tests/{target}/kernel"),
        host_binary: binary.to_owned(),
        args: ["--ignored", "--exact", "--nocapture", test]
            .map(String::from)
            .to_vec(),
        env,
        syslog: Syslog::Off,
        files: Vec::new(),
        stderr: None,
    };
    let mut jobs = vec![kernel_test(
        format!("{}-capture-unmute", run.name),
        "heard_capture::unmute",
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
            Recorder::Crate => jobs.push(kernel_test(name, "heard_capture::capture", env)),
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
                jobs.push(kernel_test(
                    format!("{name}-measure"),
                    "heard_capture::recorded_file",
                    env,
                ));
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
fn test_board(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    opts: &BootOptions,
    test_args: &[String],
    built: &mut BTreeMap<String, Built>,
    summary: &mut Summary,
) -> Result<()> {
    if board.standin.is_some() {
        // Over SSH, as a real board (the boot's row is added there).
        standin::run(ws, host, board, opts, standin::Work::Test(test_args), summary)?;
        return Ok(());
    }
    let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
    if let Some(audio) = &board.audio {
        return heard_board(ws, host, board, audio, &files, opts, test_args, built, summary);
    }
    // `-- oracle` alone runs only the differential harness.
    let only_oracle = !test_args.is_empty() && test_args.iter().all(|a| a.contains(oracle::WORD));
    let runs: &[Run] = if only_oracle { &[] } else { &board.runs };
    let adopt = adopt_helper(ws, host, board, test_args, summary);
    let mut jobs = Vec::new();
    for run in runs {
        let target = board.run_target(run);
        let (binary, examples) = build(ws, target, built)?;
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
    let oracle = oracle_plan(ws, host, board, test_args, summary);
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
    add_boot(summary, &board.name, &report, boot_detail);
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
fn oracle_plan(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    test_args: &[String],
    summary: &mut Summary,
) -> Option<oracle::Plan> {
    let named = test_args.iter().any(|a| a.contains(oracle::WORD));
    if !named && (!test_args.is_empty() || board.base_name.is_some()) {
        return None;
    }
    let started = Instant::now();
    match oracle::plan(ws, host, board, &oracle_dir(ws)) {
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
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    test_args: &[String],
    summary: &mut Summary,
) -> Option<(PathBuf, Vec<(String, PathBuf)>)> {
    let named = test_args.iter().any(|a| a.contains("adopt"));
    if (!named && !test_args.is_empty()) || board.emulation().is_err() {
        return None;
    }
    let started = Instant::now();
    let out_dir = ws.target_dir.join("adopt");
    match oracle::build_c(ws, host, board, &out_dir, ADOPT_SOURCE, "adopt-alsa") {
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

/// The summary line of a boot: passed with `detail`, or failed with why and `detail`.
fn add_boot(summary: &mut Summary, board: &str, report: &BootReport, detail: String) {
    match report.boot_failure() {
        Some(why) => summary.add(board, "boot", false, format!("{why}; {detail}"), report.duration),
        None => summary.add(board, "boot", true, detail, report.duration),
    }
}
