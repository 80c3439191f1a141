//! Which heard and capture scenarios one boot of a real-driver board plays, and what is
//! concluded from the recording and the console afterwards: the planning and the judging of
//! `cargo board test` on a board with `[audio]`, apart from the building of guest jobs.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::audio::analysis;
use crate::audio::capture::{self, CaptureScenario, Recorder};
use crate::audio::scenarios::{
    assign_frequencies, judge, judge_keep_running, played_frames, scenarios, skipped_frames,
    stretches_summary, Restarts, Scenario,
};
use crate::boards::{Audio, Board};
use crate::boot::qemu::BootReport;
use crate::progress::step;

/// Whether `name` is picked by `words`: it contains one of them, or there are none.
pub fn picks(words: &[String], name: &str) -> bool {
    words.is_empty() || words.iter().any(|w| name.contains(w.as_str()))
}

/// A scenario planned for one run.
pub struct Planned<S> {
    /// Index of the run in the board's runs.
    pub run: usize,
    /// The job's name: the run's, then the scenario's.
    pub job: String,
    /// The scenario.
    pub scenario: S,
}

/// The heard (played) and capture scenarios of one boot.
pub struct HeardPlan {
    /// Played tones, each at its own frequency, in the order they play.
    pub tones: Vec<Planned<Scenario>>,
    /// Capture scenarios, on a board whose input the host feeds.
    pub captures: Vec<Planned<CaptureScenario>>,
}

/// One judged job: its name, how long it ran and the summary line (`Err`: why it failed).
pub struct Verdict {
    /// The job's name.
    pub job: String,
    /// How long its guest job ran.
    pub duration: Duration,
    /// The summary line, or why it failed.
    pub outcome: Result<String, String>,
}

impl HeardPlan {
    /// The scenarios of each of `board`'s runs that its `args` and then `test_args` pick (by
    /// words their names contain; all when there are none); the tones get their frequencies.
    ///
    /// # Errors
    /// When there are more tones than frequencies to tell them apart.
    pub fn new(board: &Board, audio: &Audio, test_args: &[String]) -> anyhow::Result<HeardPlan> {
        let mut tones = planned(
            board,
            test_args,
            || scenarios(audio, board.stream.rate),
            |s| &s.name,
        );
        let captures = match audio.capture {
            Some(_) => planned(board, test_args, capture::scenarios, |s| &s.name),
            None => Vec::new(),
        };
        assign_frequencies(tones.iter_mut().map(|p| &mut p.scenario))?;
        Ok(HeardPlan { tones, captures })
    }

    /// Whether alsa-lib's `aplay` is needed in the guest (a reference tone or any capture).
    pub fn needs_alsa_lib(&self) -> bool {
        self.tones.iter().any(|p| p.scenario.aplay.is_some()) || !self.captures.is_empty()
    }

    /// The tones of run `index`.
    pub fn tones_of(&self, index: usize) -> impl Iterator<Item = &Planned<Scenario>> {
        self.tones.iter().filter(move |p| p.run == index)
    }

    /// The capture scenarios of run `index`.
    pub fn captures_of(&self, index: usize) -> Vec<&CaptureScenario> {
        self.captures
            .iter()
            .filter(|p| p.run == index)
            .map(|p| &p.scenario)
            .collect()
    }

    /// Judges every tone by the recording (`samples` at their rate; `None` when there is
    /// none) and the boot's console: each must be found at its frequency and heard as its
    /// scenario expects, beside the scenario it is compared with.
    pub fn judge_tones(
        &self,
        board: &Board,
        audio: &Audio,
        report: &BootReport,
        samples: Option<&(Vec<f64>, u32)>,
    ) -> Vec<Verdict> {
        // Breaks heard per scenario name (without the run), for the scenarios judged beside another.
        let mut breaks_of: BTreeMap<(usize, String), usize> = BTreeMap::new();
        // What the restarts of each cycles scenario cost, for the one judged beside another.
        let mut restarts_of: BTreeMap<(usize, String), Restarts> = BTreeMap::new();
        // One audio tick, in frames: the emulator moves audio in these steps.
        let tick = u64::from(audio.timer_period_us) * u64::from(board.stream.rate) / 1_000_000;
        let mut verdicts = Vec::new();
        for Planned {
            run: index,
            job: name,
            scenario,
        } in &self.tones
        {
            let job = report.jobs.iter().find(|j| &j.name == name);
            let duration = job.map(|j| j.duration).unwrap_or_default();
            let outcome = match (job.and_then(|j| j.status), samples) {
                (None, _) => Err(format!("{} did not finish", scenario.test)),
                (Some(code), _) if code != 0 => Err(format!("{} exited with status {code}", scenario.test)),
                (Some(_), None) => Err("no recording".into()),
                (Some(_), Some((samples, rate))) => {
                    match analysis::find(samples, *rate, scenario.frequency) {
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
                                    Some(&theirs) => {
                                        Err(format!("{breaks} breaks where {other} has {theirs}"))
                                    }
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
                                Some(other) => match (restarts, restarts_of.get(&(*index, other.to_owned())))
                                {
                                    (Some(ours), Some(theirs)) => ours.beside(theirs, other, tick),
                                    (None, _) => {
                                        Err("no stretch between two breaks to judge the restarts by".into())
                                    }
                                    (_, None) => Err(format!("{other} was not heard")),
                                },
                            });
                            beside
                                .and_then(|()| kept.unwrap_or(Ok(())))
                                .and_then(|()| judge(scenario, audio.buffered_frames, &heard, played))
                                .map(|()| line.clone())
                                .map_err(|why| format!("{why}; {line}"))
                        }
                    }
                }
            };
            verdicts.push(Verdict {
                job: name.clone(),
                duration,
                outcome,
            });
        }
        verdicts
    }

    /// Judges every capture scenario by what its measuring job printed on the console.
    pub fn judge_captures(&self, board: &Board, report: &BootReport) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        for Planned {
            run: index,
            job: name,
            scenario,
        } in &self.captures
        {
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
            let outcome = match (job.and_then(|j| j.status), captured) {
                (_, Some(captured)) => {
                    let line = format!("captured {}", captured.summary());
                    step!("{}: {name}: {line}", board.name);
                    let exited = match job.and_then(|j| j.status) {
                        Some(0) => Ok(()),
                        other => Err(format!("the guest's job ended with {other:?}")),
                    };
                    exited
                        .and_then(|()| {
                            capture::judge(scenario, board.stream.rate, &captured, reference.as_ref())
                        })
                        .map(|()| line.clone())
                        .map_err(|why| format!("{why}; {line}"))
                }
                (None, None) => Err(format!("{measured_by} did not finish")),
                (Some(code), None) => Err(format!(
                    "{measured_by} exited with status {code} without a measurement"
                )),
            };
            verdicts.push(Verdict {
                job: name.clone(),
                duration,
                outcome,
            });
        }
        verdicts
    }
}

/// For each of `board`'s runs, in order, the scenarios of `all` that its `args` and then
/// `test_args` pick by name.
fn planned<S>(
    board: &Board,
    test_args: &[String],
    all: impl Fn() -> Vec<S>,
    name: fn(&S) -> &str,
) -> Vec<Planned<S>> {
    let mut chosen = Vec::new();
    for (index, run) in board.runs.iter().enumerate() {
        for scenario in all() {
            let name = name(&scenario);
            if picks(&run.args, name) && picks(test_args, name) {
                let job = format!("{}-{name}", run.name);
                chosen.push(Planned {
                    run: index,
                    job,
                    scenario,
                });
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn words_pick_scenarios_by_name() {
        assert!(picks(&[], "tone-p256"));
        assert!(picks(&["p256".into()], "tone-p256"));
        assert!(!picks(&["xrun".into()], "tone-p256"));
    }

    #[test]
    fn a_plan_follows_the_runs_args_and_the_test_args() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let all = crate::boards::load_all(&dir).unwrap();
        let board = all.iter().find(|b| b.name == "qemu-x86_64-hda").unwrap();
        let audio = board.audio.as_ref().unwrap();
        let plan = HeardPlan::new(board, audio, &[]).unwrap();
        // The first run picks nothing by name; the second only what its args name.
        assert!(board.runs[0].args.is_empty());
        assert_eq!(
            plan.tones_of(0).count(),
            scenarios(audio, board.stream.rate).len()
        );
        assert!(plan.tones_of(1).all(|p| board.runs[1]
            .args
            .iter()
            .any(|a| p.scenario.name.contains(a.as_str()))));
        assert!(plan
            .tones
            .iter()
            .all(|p| p.job.starts_with(&board.runs[p.run].name)));
        assert!(!plan.captures_of(0).is_empty());
        // Each tone at its own frequency.
        let mut frequencies: Vec<u64> = plan
            .tones
            .iter()
            .map(|p| p.scenario.frequency.to_bits())
            .collect();
        frequencies.sort_unstable();
        frequencies.dedup();
        assert_eq!(frequencies.len(), plan.tones.len());
        let xrun = HeardPlan::new(board, audio, &["xrun".into()]).unwrap();
        assert!(xrun.tones.iter().all(|p| p.scenario.name.contains("xrun")));
        assert!(xrun.captures.is_empty() && !xrun.tones.is_empty());
    }
}
