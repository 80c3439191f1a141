//! The tests judged from outside the board: each scenario is one of the guest tool `heard`'s
//! scenarios (`guest-tools/src/bin/heard/play.rs`). A board's scenarios play one after another in one boot,
//! each at its own frequency ([`FREQUENCIES`]); the host cuts each out of the recording by its
//! frequency ([`crate::audio::analysis::find`]) and checks it against what it must sound like.

use std::ops::RangeInclusive;

use crate::audio::analysis::MIN_GAP_SECONDS;
use crate::audio::Heard;
use crate::boards::Audio;

/// The tones of the scenarios of one boot, in order: two semitones apart (12 %), so that no
/// cycle of one passes for another's.
pub const FREQUENCIES: [f64; 20] = [
    330.0, 370.0, 415.0, 466.0, 523.0, 587.0, 659.0, 740.0, 831.0, 932.0, 1047.0, 1175.0, 1319.0, 1480.0,
    1661.0, 1865.0, 2093.0, 2349.0, 2637.0, 2960.0,
];
/// The tones' level, in dBFS (0.25 of full scale).
pub const LEVEL_DBFS: f64 = -12.04;
/// How far the heard frequency may be off, in Hz.
const FREQUENCY_TOLERANCE: f64 = 1.0;
/// How far the heard level may be off (the cards' 0 dB is not exactly unity), in dB.
const LEVEL_TOLERANCE: f64 = 1.5;
/// How many seconds of what was written may be missing from, or added to, the recording
/// besides what the emulator drops at each stop ([`Audio::buffered_frames`]): the cycles cut
/// where one scenario's tone meets the next.
const LENGTH_TOLERANCE: f64 = 0.02;
/// Period sizes the tone is played at.
pub const TONE_PERIODS: [u32; 7] = [64, 128, 256, 512, 1024, 2048, 4096];
/// How often the cycles scenario stops the stream, prepares it and starts it again.
pub const CYCLES: u32 = 100;
/// A cycle is at least this many times what the emulator drops at a stop, so that a cycle
/// heard whole but for that drop is told apart from one cut in two by a break inside it.
const CYCLE_PER_DROP: u32 = 3;

/// Buffers per cycle of the cycles scenario: whole buffers of `buffer` frames, at least
/// [`CYCLE_PER_DROP`] times the `buffered_frames` the emulator drops at a stop.
pub fn cycle_buffers(buffer: u32, buffered_frames: u32) -> u32 {
    (CYCLE_PER_DROP * buffered_frames).div_ceil(buffer).max(1)
}

/// One boot's worth of test: a guest test, its environment, and what must be heard.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, e.g. `tone-p64`.
    pub name: String,
    /// The guest tool `heard`'s scenario, e.g. `tone`; `aplay` for the reference.
    pub test: &'static str,
    /// For a reference: what alsa-lib's `aplay -M` plays instead of the crate.
    pub aplay: Option<AplayReference>,
    /// Environment on top of the board's (period, format).
    pub env: Vec<(String, String)>,
    /// The tone's frequency, in Hz (set by [`assign_frequencies`]).
    pub frequency: f64,
    /// What the recording must show.
    pub expect: Expect,
}

/// A reference played by alsa-lib's `aplay -M`: files of the tone, one after another (after
/// each, aplay drains the stream and sets it up again for the next), the tone continuing from
/// one file into the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AplayReference {
    /// Frames per period.
    pub period: u32,
    /// Frames per buffer.
    pub buffer: u32,
    /// How many files.
    pub files: u32,
    /// Frames of the tone in each.
    pub frames_per_file: u32,
}

/// What a scenario's recording must show besides the tone's frequency and level.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// How many gaps plus glitches.
    pub breaks: RangeInclusive<usize>,
    /// The recording holds every frame the guest wrote (within [`LENGTH_TOLERANCE`] and what
    /// the emulator drops at each stop).
    pub every_frame: bool,
    /// How often the stream stops (a drain, a pause, an xrun).
    pub stops: u32,
    /// After the last break the tone goes on for at least this many seconds.
    pub recovers_for: f64,
    /// Judged beside another scenario of the same boot (the reference): no more breaks than
    /// it, instead of [`Expect::breaks`].
    pub no_worse_than: Option<&'static str>,
    /// The stream plays the same number of frames [`Expect::stops`] times, stopping and
    /// starting again after each (the cycles): the recording is also judged stretch by stretch
    /// between its breaks ([`judge_cycles`]).
    pub cycles: bool,
    /// For cycles: judged beside this reference of the same boot, whose restarts must lose and
    /// add no fewer frames than this scenario's, to within one audio tick ([`Restarts`]).
    pub restarts_beside: Option<&'static str>,
    /// Nothing is heard after the last frame written (a stream that ends in the middle of a
    /// period and drains): at most [`tail_slack`] frames more sound than were written, where
    /// stale frames from an earlier lap of the buffer would add up to a period and more.
    pub ends_where_written: bool,
    /// A stream that keeps running through one late period (`heard::keep_running`): its one
    /// gap is silence as long as the frames the guest skipped, and the tone after it is at
    /// the phase it would have had without the gap ([`judge_keep_running`]).
    pub gap_is_skip: bool,
}

/// Frames of sound beyond those written that [`Expect::ends_where_written`] allows: the
/// two tone cycles `find` may take in at the ends, and one short silence counted as sound.
pub fn tail_slack(rate: u32, frequency: f64) -> u64 {
    let rate = f64::from(rate);
    (2.0 * rate / frequency).ceil() as u64 + (MIN_GAP_SECONDS * rate).ceil() as u64
}

/// The scenarios for a board's sound hardware, played at `rate`.
pub fn scenarios(audio: &Audio, rate: u32) -> Vec<Scenario> {
    let clean = Expect {
        breaks: 0..=0,
        every_frame: true,
        stops: 1,
        recovers_for: 0.0,
        no_worse_than: None,
        cycles: false,
        restarts_beside: None,
        ends_where_written: false,
        gap_is_skip: false,
    };
    // The period, and periods enough for the board's smallest buffer.
    let period = |p: u32| {
        let periods = audio.min_buffer_frames.div_ceil(p).max(4);
        [
            ("ALSA_DIRECT_PERIOD_FRAMES".to_owned(), p.to_string()),
            ("ALSA_DIRECT_PERIODS".to_owned(), periods.to_string()),
        ]
    };
    let mut list: Vec<Scenario> = TONE_PERIODS
        .iter()
        .map(|&p| Scenario {
            name: format!("tone-p{p}"),
            test: "tone",
            aplay: None,
            env: period(p).to_vec(),
            frequency: 440.0,
            expect: clean.clone(),
        })
        .collect();
    for format in audio.formats.iter().filter(|f| *f != "S16_LE") {
        let mut env = period(1024).to_vec();
        env.push(("ALSA_DIRECT_FORMAT".into(), format.clone()));
        list.push(Scenario {
            name: format!("tone-{}", format.to_ascii_lowercase()),
            test: "tone",
            aplay: None,
            env,
            frequency: 440.0,
            expect: clean.clone(),
        });
    }
    list.push(Scenario {
        name: "pause-resume".into(),
        test: "pause-resume",
        aplay: None,
        env: period(1024).to_vec(),
        frequency: 440.0,
        expect: Expect {
            breaks: 1..=1,
            every_frame: true,
            stops: 2,
            recovers_for: 0.4,
            no_worse_than: None,
            cycles: false,
            restarts_beside: None,
            ends_where_written: false,
            gap_is_skip: false,
        },
    });
    list.push(Scenario {
        name: "xrun".into(),
        test: "xrun",
        aplay: None,
        env: period(1024).to_vec(),
        frequency: 440.0,
        expect: Expect {
            breaks: 1..=2,
            every_frame: false,
            stops: 2,
            recovers_for: 0.4,
            no_worse_than: None,
            cycles: false,
            restarts_beside: None,
            ends_where_written: false,
            gap_is_skip: false,
        },
    });
    // A stream that keeps running through a late program: one gap of silence where it slept,
    // as long as the frames it skipped, then the tone at its phase (never the old buffer
    // again).
    list.push(Scenario {
        name: "keep-running".into(),
        test: "keep-running",
        aplay: None,
        env: period(1024).to_vec(),
        frequency: 440.0,
        expect: Expect {
            breaks: 1..=1,
            // 1 s of the stream's time, the gap (about 0.1 s) after 0.5 s, less what the
            // emulator drops at the end.
            recovers_for: 0.25,
            gap_is_skip: true,
            ..clean.clone()
        },
    });
    // A stream that ends early in a period, drained: what an earlier lap left in the buffer
    // after its end must not be heard (the drain's silence, as alsa-lib's). The period is long
    // so that the stale frames up to its end outnumber what the emulators drop at a stop.
    list.push(Scenario {
        name: "drain-mid-period".into(),
        test: "drain-mid-period",
        aplay: None,
        env: period(2048).to_vec(),
        frequency: 440.0,
        expect: Expect {
            ends_where_written: true,
            ..clean.clone()
        },
    });
    // The tone timer-scheduled (no period interrupts where the driver offers
    // NO_PERIOD_WAKEUP; period interrupts elsewhere): heard clean, every frame, drained by
    // the stream's own timer. 32 periods of 256 frames, a target fill of two periods.
    list.push(Scenario {
        name: "timer".into(),
        test: "timer",
        aplay: None,
        env: vec![("ALSA_DIRECT_PERIOD_FRAMES".into(), "256".into())],
        frequency: 440.0,
        expect: clean.clone(),
    });
    // Each restart may be heard as one break where the emulator dropped what it held: at most
    // one break per restart, each cycle heard whole but for what the emulator drops.
    let mut cycles_env = period(256).to_vec();
    let buffer = 256 * audio.min_buffer_frames.div_ceil(256).max(4);
    let buffers = cycle_buffers(buffer, audio.buffered_frames);
    cycles_env.push(("ALSA_DIRECT_HEARD_CYCLE_BUFFERS".into(), buffers.to_string()));
    let cycles = Expect {
        breaks: 0..=if audio.buffered_frames > 0 {
            CYCLES as usize - 1
        } else {
            0
        },
        every_frame: true,
        stops: CYCLES,
        recovers_for: 0.0,
        no_worse_than: None,
        cycles: true,
        restarts_beside: None,
        ends_where_written: false,
        gap_is_skip: false,
    };
    // The same cycles by alsa-lib: one file per cycle, each drained, the next set up again.
    list.push(Scenario {
        name: "cycles-aplay".into(),
        test: "aplay",
        aplay: Some(AplayReference {
            period: 256,
            buffer,
            files: CYCLES,
            frames_per_file: buffer * buffers,
        }),
        env: Vec::new(),
        frequency: 440.0,
        expect: cycles.clone(),
    });
    list.push(Scenario {
        name: "cycles".into(),
        test: "cycles",
        aplay: None,
        env: cycles_env,
        frequency: 440.0,
        expect: Expect {
            restarts_beside: Some("cycles-aplay"),
            ..cycles
        },
    });
    // Where the emulator is known to fail (a buffer of 1024 frames, which underruns as the
    // first stream after boot): the crate beside alsa-lib's aplay at the same settings, both
    // later in the boot; the crate may break no more than aplay.
    if audio.min_buffer_frames > 0 {
        let (p, periods) = (256, 4);
        let edge = Expect {
            breaks: 0..=usize::MAX,
            every_frame: false,
            stops: 1,
            recovers_for: 0.0,
            no_worse_than: Some("edge-aplay"),
            cycles: false,
            restarts_beside: None,
            ends_where_written: false,
            gap_is_skip: false,
        };
        list.push(Scenario {
            name: "edge-aplay".into(),
            test: "aplay",
            aplay: Some(AplayReference {
                period: p,
                buffer: p * periods,
                files: 1,
                frames_per_file: rate,
            }),
            env: Vec::new(),
            frequency: 440.0,
            expect: Expect {
                no_worse_than: None,
                ..edge.clone()
            },
        });
        list.push(Scenario {
            name: "edge-crate".into(),
            test: "tone",
            aplay: None,
            env: vec![
                ("ALSA_DIRECT_PERIOD_FRAMES".into(), p.to_string()),
                ("ALSA_DIRECT_PERIODS".into(), periods.to_string()),
                ("ALSA_DIRECT_HEARD_ALLOW_XRUNS".into(), "1".into()),
            ],
            frequency: 440.0,
            expect: edge,
        });
    }
    list
}

/// Gives each scenario of a boot its own frequency, in order; an error when there are more
/// than [`FREQUENCIES`].
pub fn assign_frequencies<'a>(scenarios: impl IntoIterator<Item = &'a mut Scenario>) -> anyhow::Result<()> {
    for (i, scenario) in scenarios.into_iter().enumerate() {
        scenario.frequency = *FREQUENCIES
            .get(i)
            .ok_or_else(|| anyhow::anyhow!("more than {} heard scenarios in one boot", FREQUENCIES.len()))?;
        scenario
            .env
            .push(("ALSA_DIRECT_HEARD_FREQ".into(), scenario.frequency.to_string()));
    }
    Ok(())
}

/// The frames the scenario at `frequency` said it wrote (`heard-played freq=F frames=N` on
/// the guest's console).
pub fn played_frames(console: &[String], frequency: f64) -> Option<u64> {
    let tag = format!("heard-played freq={frequency} frames=");
    console.iter().rev().find_map(|line| {
        let rest = line.split(&tag).nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// What the keep-running scenario said on the guest's console
/// (`heard-keep-running freq=F skipped=N`): the frames its catch-up skipped.
pub fn skipped_frames(console: &[String], frequency: f64) -> Option<u64> {
    let tag = format!("heard-keep-running freq={frequency} skipped=");
    console.iter().rev().find_map(|line| {
        let rest = line.split(&tag).nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// How far the gap of a keep-running recording may be from the frames skipped: a sample or
/// two of a zero crossing at each end reads as silence.
const GAP_TOLERANCE_FRAMES: u64 = 4;
/// How far the tone after the gap may be from its phase without the gap, in frames.
const PHASE_TOLERANCE_FRAMES: f64 = 1.0;
/// At most this many frames on each side of the gap are fitted for the tone's phase.
const PHASE_FIT_FRAMES: usize = 4800;

/// The gap of a keep-running recording, as measured: its length and where the tone resumed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeepRunningHeard {
    /// Frames of silence heard.
    pub gap_frames: u64,
    /// The tone after the gap against the tone before it carried on through the gap, in
    /// frames (positive: late).
    pub phase_error_frames: f64,
}

impl KeepRunningHeard {
    /// One line for the report.
    pub fn summary(&self, rate: u32) -> String {
        format!(
            "gap {} frames ({:.2} ms), tone resumed {:+.3} frames from its phase",
            self.gap_frames,
            self.gap_frames as f64 * 1000.0 / f64::from(rate),
            self.phase_error_frames
        )
    }
}

/// The phase (radians) of `x`, a sine of `w` radians per sample, fitted by least squares as
/// `a sin(w n + phase)` with `n` counted from `origin` samples before `x[0]`.
fn fitted_phase(x: &[f64], w: f64, origin: usize) -> f64 {
    let (mut ss, mut sc, mut cc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let (s, c) = (w * (origin + i) as f64).sin_cos();
        ss += s * s;
        sc += s * c;
        cc += c * c;
        xs += v * s;
        xc += v * c;
    }
    // v = p sin + q cos, p = a cos(phase), q = a sin(phase).
    let det = ss * cc - sc * sc;
    let p = (xs * cc - xc * sc) / det;
    let q = (xc * ss - xs * sc) / det;
    q.atan2(p)
}

/// Judges the recording `x` (one scenario's stretch, at `rate`, analysed as `heard`) of the
/// keep-running scenario, whose tone at `frequency` skipped `skipped` frames once: exactly one
/// gap, of silence (the old buffer played again would be sound, not a gap) as long as the
/// frames skipped, and the tone after it at the phase of the tone before it carried on
/// through the gap (both computed from the stream's position).
pub fn judge_keep_running(
    x: &[f64],
    rate: u32,
    frequency: f64,
    heard: &Heard,
    skipped: u64,
) -> Result<KeepRunningHeard, String> {
    let [gap] = heard.gaps.as_slice() else {
        return Err(format!("{} gaps, expected one", heard.gaps.len()));
    };
    let start = (gap.at * f64::from(rate)).round() as usize;
    let gap_frames = (gap.seconds * f64::from(rate)).round() as u64;
    let end = start + gap_frames as usize;
    if end + 8 > x.len() || start < 8 {
        return Err("the gap is at the edge of the tone".into());
    }
    let w = std::f64::consts::TAU * frequency / f64::from(rate);
    // Two samples off each edge: the tone's own near-zero samples there.
    let before_from = start.saturating_sub(PHASE_FIT_FRAMES);
    let before = fitted_phase(&x[before_from..start - 2], w, before_from);
    let after_to = (end + 2 + PHASE_FIT_FRAMES).min(x.len());
    let after = fitted_phase(&x[end + 2..after_to], w, end + 2);
    let turn = std::f64::consts::TAU;
    let phase = (before - after + turn / 2.0).rem_euclid(turn) - turn / 2.0;
    let measured = KeepRunningHeard {
        gap_frames,
        phase_error_frames: phase / w,
    };
    let mut wrong = Vec::new();
    if gap_frames.abs_diff(skipped) > GAP_TOLERANCE_FRAMES {
        wrong.push(format!("a gap of {gap_frames} frames for {skipped} skipped"));
    }
    if measured.phase_error_frames.abs() > PHASE_TOLERANCE_FRAMES {
        wrong.push(format!(
            "the tone resumed {:+.2} frames off its phase",
            measured.phase_error_frames
        ));
    }
    if wrong.is_empty() {
        Ok(measured)
    } else {
        Err(wrong.join("; "))
    }
}

/// Checks a scenario's stretch of the recording against what it must sound like, on a card
/// whose emulator drops up to `buffered_frames` at each stop; the error says what was wrong.
pub fn judge(
    scenario: &Scenario,
    buffered_frames: u32,
    heard: &Heard,
    played: Option<u64>,
) -> Result<(), String> {
    let expect = &scenario.expect;
    let frequency = scenario.frequency;
    if heard.sound_frames == 0 {
        return Err("silence".into());
    }
    let mut wrong = Vec::new();
    if (heard.frequency - frequency).abs() > FREQUENCY_TOLERANCE {
        wrong.push(format!("{:.2} Hz, not {frequency} Hz", heard.frequency));
    }
    if (heard.peak_dbfs - LEVEL_DBFS).abs() > LEVEL_TOLERANCE {
        wrong.push(format!("{:.1} dBFS, not {LEVEL_DBFS:.1} dBFS", heard.peak_dbfs));
    }
    let breaks = heard.gaps.len() + heard.glitches.len();
    if expect.no_worse_than.is_none() && !expect.breaks.contains(&breaks) {
        wrong.push(format!(
            "{breaks} gap(s) and glitch(es), expected {}..={}",
            expect.breaks.start(),
            expect.breaks.end()
        ));
    }
    if expect.every_frame {
        match played {
            None => wrong.push("the guest did not say how many frames it wrote".into()),
            Some(frames) => {
                let rate = f64::from(heard.rate);
                let written = frames as f64 / rate;
                let heard_s = heard.sound_frames as f64 / rate;
                let dropped = f64::from(expect.stops * buffered_frames) / rate;
                // Silences shorter than a gap count as sound: one may come at each start.
                let quiet = f64::from(expect.stops) * MIN_GAP_SECONDS;
                if heard_s > written + quiet + LENGTH_TOLERANCE
                    || heard_s < written - dropped - LENGTH_TOLERANCE
                {
                    wrong.push(format!("{heard_s:.3} s of sound for {written:.3} s written"));
                }
            }
        }
    }
    if let (true, Some(frames)) = (expect.ends_where_written, played) {
        let extra = heard.sound_frames.saturating_sub(frames);
        if extra > tail_slack(heard.rate, frequency) {
            wrong.push(format!(
                "{extra} frames of sound after the {frames} written (stale frames after the end)"
            ));
        }
    }
    if expect.cycles {
        match played {
            None => wrong.push("the guest did not say how many frames it wrote".into()),
            Some(frames) => wrong.extend(judge_cycles(
                heard,
                frames,
                expect.stops,
                buffered_frames,
                frequency,
            )),
        }
    }
    if expect.recovers_for > 0.0 {
        let last_break = heard
            .gaps
            .iter()
            .map(|g| g.at + g.seconds)
            .chain(heard.glitches.iter().copied())
            .fold(heard.sound_at, f64::max);
        let after = heard.sound_at + heard.sound_seconds - last_break;
        if after < expect.recovers_for {
            wrong.push(format!(
                "only {after:.3} s of tone after the last break (at least {} s expected)",
                expect.recovers_for
            ));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

/// Judges a recording of a stream that wrote `written` frames in `cycles` equal cycles, each
/// ended by a drain and followed by a prepare and a start, on a card whose emulator drops up to
/// `buffered_frames` at each stop. Every stretch between two breaks must be a whole number `k`
/// of cycles, each heard but for up to `buffered_frames`, and at the tone's frequency and
/// level: a break inside a cycle leaves a stretch too short to be whole cycles (a cycle is at
/// least [`CYCLE_PER_DROP`] times the drop), and more stretches or longer ones than there were
/// cycles mean frames heard that were not written. A silent gap may be no longer than what the
/// emulator drops. What is wrong, one line each; nothing when the cycles are heard clean.
pub fn judge_cycles(
    heard: &Heard,
    written: u64,
    cycles: u32,
    buffered_frames: u32,
    frequency: f64,
) -> Vec<String> {
    let mut wrong = Vec::new();
    if cycles == 0 || written == 0 || !written.is_multiple_of(u64::from(cycles)) {
        return vec![format!("{written} frames written are not {cycles} equal cycles")];
    }
    let cycle = written / u64::from(cycles);
    let rate = f64::from(heard.rate);
    let dropped = u64::from(buffered_frames);
    // `find` cuts a cycle of the tone off each end of the scenario; the glitch's own samples
    // belong to no stretch.
    let slack = (2.0 * rate / frequency).ceil() as u64 + 8;
    let mut heard_cycles = 0;
    for (i, stretch) in heard.stretches.iter().enumerate() {
        let k = stretch.frames.saturating_sub(slack).div_ceil(cycle).max(1);
        heard_cycles += k;
        let least = k * cycle.saturating_sub(dropped);
        if stretch.frames + slack < least {
            wrong.push(format!(
                "stretch {} (at {:.3} s) is {} frames: {k} cycle(s) of {cycle} less at most {dropped} dropped each would be at least {least}",
                i + 1,
                stretch.at,
                stretch.frames
            ));
        }
        if (stretch.frequency - frequency).abs() > FREQUENCY_TOLERANCE {
            wrong.push(format!(
                "stretch {} (at {:.3} s) at {:.2} Hz, not {frequency} Hz",
                i + 1,
                stretch.at,
                stretch.frequency
            ));
        }
        if (stretch.peak_dbfs - LEVEL_DBFS).abs() > LEVEL_TOLERANCE {
            wrong.push(format!(
                "stretch {} (at {:.3} s) at {:.1} dBFS, not {LEVEL_DBFS:.1} dBFS",
                i + 1,
                stretch.at,
                stretch.peak_dbfs
            ));
        }
    }
    if heard_cycles > u64::from(cycles) {
        wrong.push(format!(
            "{} stretches holding {heard_cycles} cycles, for {cycles} written",
            heard.stretches.len()
        ));
    }
    for gap in &heard.gaps {
        if gap.seconds * rate > dropped as f64 {
            wrong.push(format!(
                "a gap of {:.1} ms at {:.3} s, longer than the {dropped} frames the emulator drops",
                gap.seconds * 1000.0,
                gap.at
            ));
        }
    }
    wrong
}

/// What the restarts of a cycles recording cost, from its stretches between two breaks (a
/// stretch of `k` cycles of `cycle` frames: `k * cycle - frames` over its `k` restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restarts {
    /// The most frames a restart lost.
    pub most_lost: u64,
    /// The most frames a restart added (heard, not written).
    pub most_added: u64,
}

impl Restarts {
    /// Of `heard`, a recording of cycles of `cycle` frames (none when it has no stretch
    /// between two breaks).
    pub fn of(heard: &Heard, cycle: u64) -> Option<Restarts> {
        let interior = heard.stretches.len().checked_sub(2)?;
        let mut restarts: Option<Restarts> = None;
        for stretch in heard.stretches.iter().skip(1).take(interior) {
            let k = (stretch.frames + cycle / 2) / cycle.max(1);
            let k = k.max(1);
            let (lost, added) = match (k * cycle).checked_sub(stretch.frames) {
                Some(lost) => (lost / k, 0),
                None => (0, (stretch.frames - k * cycle) / k),
            };
            let r = restarts.get_or_insert(Restarts {
                most_lost: 0,
                most_added: 0,
            });
            r.most_lost = r.most_lost.max(lost);
            r.most_added = r.most_added.max(added);
        }
        restarts
    }

    /// Compares with a reference's: this may lose and add at most `tolerance` frames more.
    pub fn beside(&self, reference: &Restarts, name: &str, tolerance: u64) -> Result<(), String> {
        let mut wrong = Vec::new();
        if self.most_lost > reference.most_lost + tolerance {
            wrong.push(format!(
                "a restart lost {} frames where {name} lost at most {}",
                self.most_lost, reference.most_lost
            ));
        }
        if self.most_added > reference.most_added + tolerance {
            wrong.push(format!(
                "a restart added {} frames where {name} added at most {}",
                self.most_added, reference.most_added
            ));
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("; "))
        }
    }
}

/// One line on the stretches of a cycles recording: how many and their shortest and longest,
/// in frames.
pub fn stretches_summary(heard: &Heard) -> String {
    let frames = heard.stretches.iter().map(|s| s.frames);
    let (least, most) = (frames.clone().min().unwrap_or(0), frames.max().unwrap_or(0));
    let interior = heard.stretches.len().saturating_sub(2);
    let inner = heard.stretches.iter().skip(1).take(interior).map(|s| s.frames);
    let (inner_least, inner_most) = (inner.clone().min().unwrap_or(0), inner.max().unwrap_or(0));
    format!(
        "{} stretches of {least}-{most} frames ({inner_least}-{inner_most} between two breaks)",
        heard.stretches.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::analysis::{self, Gap, Stretch};

    fn heard(seconds: f64) -> Heard {
        Heard {
            rate: 48_000,
            file_seconds: seconds + 0.1,
            sound_seconds: seconds,
            sound_at: 0.05,
            sound_frames: (seconds * 48_000.0) as u64,
            frequency: 440.01,
            frequency_spread: 0.1,
            peak_dbfs: -12.1,
            gaps: Vec::new(),
            glitches: Vec::new(),
            stretches: Vec::new(),
        }
    }

    fn audio() -> Audio {
        toml::from_str(
            "devices = [\"intel-hda\"]\nformats = [\"S16_LE\", \"S32_LE\"]\nmin_buffer_frames = 2048",
        )
        .unwrap()
    }

    #[test]
    fn every_period_size_and_each_offered_format() {
        let names: Vec<String> = scenarios(&audio(), 48_000).into_iter().map(|s| s.name).collect();
        assert!(names.contains(&"tone-p64".to_owned()) && names.contains(&"tone-p4096".to_owned()));
        assert!(names.contains(&"tone-s32_le".to_owned()));
        for name in ["pause-resume", "xrun", "cycles", "timer"] {
            assert!(names.contains(&name.to_owned()), "{name}");
        }
        let p64 = &scenarios(&audio(), 48_000)[0];
        assert!(
            p64.env.contains(&("ALSA_DIRECT_PERIODS".into(), "32".into())),
            "{p64:?}"
        );
        let p4096 = &scenarios(&audio(), 48_000)[6];
        assert!(
            p4096.env.contains(&("ALSA_DIRECT_PERIODS".into(), "4".into())),
            "{p4096:?}"
        );
    }

    /// The drain scenario allows no more sound than was written beyond two tone cycles and a
    /// short silence: stale frames after the end fail it, an emulator's drop at the stop does
    /// not.
    #[test]
    fn a_drain_mid_period_allows_no_sound_after_the_end() {
        let all = scenarios(&audio(), 48_000);
        let drain = all.iter().find(|s| s.name == "drain-mid-period").unwrap();
        let mut heard = heard(0.5);
        heard.frequency = drain.frequency;
        let written = 24_000;
        assert_eq!(judge(drain, 1024, &heard, Some(written)), Ok(()));
        heard.sound_frames = written - 900;
        assert_eq!(
            judge(drain, 1024, &heard, Some(written)),
            Ok(()),
            "the drop at the stop"
        );
        heard.sound_frames = written + tail_slack(48_000, drain.frequency);
        assert_eq!(judge(drain, 1024, &heard, Some(written)), Ok(()));
        heard.sound_frames += 1;
        let why = judge(drain, 1024, &heard, Some(written)).unwrap_err();
        assert!(why.contains("after the 24000 written"), "{why}");
    }

    #[test]
    fn a_clean_tone_with_every_frame_passes() {
        let clean = &scenarios(&audio(), 48_000)[0];
        assert_eq!(judge(clean, 0, &heard(1.0), Some(48_000)), Ok(()));
        // The tail not drained: 0.2 s missing.
        assert!(judge(clean, 0, &heard(0.8), Some(48_000))
            .unwrap_err()
            .contains("0.800 s of sound"));
        assert!(judge(clean, 0, &heard(1.0), None).is_err());
        // An emulator that drops 0.2 s at the stop.
        assert_eq!(judge(clean, 9600, &heard(0.8), Some(48_000)), Ok(()));
        assert!(judge(clean, 9600, &heard(0.75), Some(48_000)).is_err());
        assert!(
            judge(clean, 9600, &heard(1.1), Some(48_000)).is_err(),
            "more than written"
        );
        let mut wrong = heard(1.0);
        wrong.frequency = 452.0;
        wrong.peak_dbfs = -20.0;
        let why = judge(clean, 0, &wrong, Some(48_000)).unwrap_err();
        assert!(why.contains("452.00 Hz") && why.contains("-20.0 dBFS"), "{why}");
        let mut glitched = heard(1.0);
        glitched.glitches.push(0.5);
        assert!(judge(clean, 0, &glitched, Some(48_000)).is_err());
        let mut silent = heard(0.0);
        silent.sound_frames = 0;
        assert_eq!(judge(clean, 0, &silent, Some(48_000)), Err("silence".into()));
    }

    #[test]
    fn a_pause_is_one_break_and_the_tone_goes_on() {
        let all = scenarios(&audio(), 48_000);
        let pause = all.iter().find(|s| s.name == "pause-resume").unwrap();
        let mut once = heard(1.2);
        once.gaps.push(Gap {
            at: 0.55,
            seconds: 0.2,
        });
        once.sound_frames = 48_000;
        assert_eq!(judge(pause, 0, &once, Some(48_000)), Ok(()));
        assert!(
            judge(pause, 0, &heard(1.0), Some(48_000)).is_err(),
            "no break at all"
        );
        let mut late = once.clone();
        late.glitches.push(1.1);
        assert!(judge(pause, 0, &late, Some(48_000)).is_err(), "two breaks");
        let mut ends = heard(1.0);
        ends.glitches.push(0.9);
        assert!(judge(pause, 0, &ends, Some(48_000))
            .unwrap_err()
            .contains("after the last break"));
    }

    /// A keep-running recording at 48 kHz: 0.1 s of silence, the tone at 440 Hz from the
    /// stream's position 0 for `before` frames, then `heard_gap` frames of what
    /// `in_gap(position)` gives, then the tone from position `before + skipped` on for 0.5 s.
    fn kept(before: usize, skipped: usize, heard_gap: usize, in_gap: impl Fn(usize) -> f64) -> Vec<f64> {
        let w = std::f64::consts::TAU * 440.0 / 48_000.0;
        let tone = |position: usize| 0.25 * (w * position as f64).sin();
        let mut x = vec![0.0; 4800];
        x.extend((0..before).map(tone));
        x.extend((before..before + heard_gap).map(in_gap));
        x.extend((before + skipped..before + skipped + 24_000).map(tone));
        x
    }

    /// The gap must be silence as long as the frames skipped, and the tone after it at its
    /// phase; the old buffer heard again (sound where the gap should be), a gap of another
    /// length or a tone resumed off its phase fail.
    #[test]
    fn a_kept_running_stream_is_one_gap_of_the_frames_skipped_then_the_tone_at_its_phase() {
        let all = scenarios(&audio(), 48_000);
        let kept_running = all.iter().find(|s| s.name == "keep-running").unwrap();
        assert!(kept_running.expect.gap_is_skip);
        let judged = |x: &[f64], skipped: u64| {
            let range = analysis::find(x, 48_000, 440.0).unwrap();
            let heard = analysis::analyse(&x[range.clone()], 48_000);
            judge_keep_running(&x[range], 48_000, 440.0, &heard, skipped)
        };
        let good = kept(24_576, 4096, 4096, |_| 0.0);
        let measured = judged(&good, 4096).unwrap();
        assert!(measured.gap_frames.abs_diff(4096) <= 2, "{measured:?}");
        assert!(measured.phase_error_frames.abs() < 0.01, "{measured:?}");
        assert!(measured.summary(48_000).contains("gap 4096 frames (85.33 ms)"));
        // The buffer of 4096 frames before, played again where the gap should be.
        let w = std::f64::consts::TAU * 440.0 / 48_000.0;
        let stale = kept(24_576, 4096, 4096, |p| 0.25 * (w * (p - 4096) as f64).sin());
        assert!(judged(&stale, 4096).unwrap_err().contains("0 gaps"));
        assert!(judged(&good, 3072)
            .unwrap_err()
            .contains("a gap of 4096 frames for 3072 skipped"));
        // The tone resumed 10 frames late: the skipped frames not counted in the position.
        let late = kept(24_576, 4086, 4096, |_| 0.0);
        let err = judged(&late, 4096).unwrap_err();
        assert!(err.contains("+10.00 frames off its phase"), "{err}");
        assert_eq!(
            skipped_frames(
                &["heard-keep-running freq=440 skipped=4096 at=24576 period=1024".into()],
                440.0
            ),
            Some(4096)
        );
    }

    /// A cycles recording: stretches of these lengths at 440 Hz and -12 dBFS, one break
    /// between each two.
    fn cycles_heard(lengths: &[u64]) -> Heard {
        let mut heard = heard(1.0);
        let mut at = 0.05;
        for &frames in lengths {
            heard.stretches.push(Stretch {
                at,
                frames,
                frequency: 440.0,
                peak_dbfs: -12.04,
            });
            at += frames as f64 / 48_000.0;
        }
        heard.glitches = heard.stretches.iter().skip(1).map(|s| s.at).collect();
        heard
    }

    #[test]
    fn cycles_are_judged_stretch_by_stretch() {
        // 4 cycles of 6144 frames, the emulator dropping up to 2048 at each stop.
        let written = 4 * 6144;
        let judged = |h: &Heard| judge_cycles(h, written, 4, 2048, 440.0);
        assert_eq!(
            judged(&cycles_heard(&[5300, 5344, 5344, 5300])),
            Vec::<String>::new()
        );
        // Two restarts heard without a break: one stretch of two cycles.
        assert_eq!(judged(&cycles_heard(&[5300, 10_688, 5300])), Vec::<String>::new());
        // A break inside a cycle: a stretch too short to be whole cycles.
        let why = judged(&cycles_heard(&[5300, 2000, 3344, 5344, 5300]));
        assert!(
            why.iter()
                .any(|w| w.contains("stretch 2") && w.contains("2000 frames")),
            "{why:?}"
        );
        // A restart that lost more than the emulator drops.
        let why = judged(&cycles_heard(&[5300, 3000, 5344, 5300]));
        assert!(why.iter().any(|w| w.contains("stretch 2")), "{why:?}");
        // More heard than written: stale frames played again.
        let why = judged(&cycles_heard(&[5300, 5344, 5344, 5344, 5300]));
        assert!(
            why.iter().any(|w| w.contains("5 cycles, for 4 written")),
            "{why:?}"
        );
        // A stretch off the tone's frequency or level.
        let mut off = cycles_heard(&[5300, 5344, 5344, 5300]);
        off.stretches[2].frequency = 445.0;
        off.stretches[1].peak_dbfs = -20.0;
        let why = judged(&off);
        assert!(
            why.iter()
                .any(|w| w.contains("stretch 3") && w.contains("445.00 Hz")),
            "{why:?}"
        );
        assert!(
            why.iter()
                .any(|w| w.contains("stretch 2") && w.contains("-20.0 dBFS")),
            "{why:?}"
        );
        // A silent gap longer than the emulator's drop.
        let mut gap = cycles_heard(&[5300, 5344, 5344, 5300]);
        gap.gaps.push(Gap {
            at: 0.3,
            seconds: 0.05,
        });
        assert!(judged(&gap).iter().any(|w| w.contains("gap of 50.0 ms")));
        assert_eq!(
            judge_cycles(&cycles_heard(&[5300]), 1001, 4, 2048, 440.0).len(),
            1
        );
    }

    #[test]
    fn restarts_are_compared_with_the_reference() {
        let ours = Restarts::of(&cycles_heard(&[5300, 5375, 5423, 10_750, 5300]), 6144).unwrap();
        assert_eq!(
            ours,
            Restarts {
                most_lost: 769,
                most_added: 0
            }
        );
        let theirs = Restarts::of(&cycles_heard(&[5300, 5400, 5300]), 6144).unwrap();
        assert_eq!(ours.beside(&theirs, "ref", 48), Ok(()));
        let worse = Restarts::of(&cycles_heard(&[5300, 5100, 6170, 5300]), 6144).unwrap();
        let why = worse.beside(&theirs, "ref", 48).unwrap_err();
        assert!(
            why.contains("lost 1044 frames where ref lost at most 744"),
            "{why}"
        );
        assert!(!why.contains("added 26 frames"), "{why}");
        let added = Restarts::of(&cycles_heard(&[4000, 4196, 4000]), 4096).unwrap();
        assert_eq!(added.most_added, 100);
        assert!(added
            .beside(&theirs, "ref", 48)
            .unwrap_err()
            .contains("added 100 frames"));
        assert_eq!(Restarts::of(&cycles_heard(&[5300, 5300]), 6144), None);
    }

    #[test]
    fn a_cycle_is_whole_buffers_at_least_three_drops_long() {
        assert_eq!(cycle_buffers(2048, 2048), 3);
        assert_eq!(cycle_buffers(1024, 512), 2);
        assert_eq!(cycle_buffers(2048, 1024), 2);
        assert_eq!(cycle_buffers(1024, 0), 1);
        let hda: Audio =
            toml::from_str("devices = [\"intel-hda\"]\nmin_buffer_frames = 2048\nbuffered_frames = 2048")
                .unwrap();
        let all = scenarios(&hda, 48_000);
        let cycles = all.iter().find(|s| s.name == "cycles").unwrap();
        assert!(
            cycles.expect.cycles && cycles.expect.breaks == (0..=99),
            "{cycles:?}"
        );
        assert!(cycles
            .env
            .contains(&("ALSA_DIRECT_HEARD_CYCLE_BUFFERS".into(), "3".into())));
    }

    #[test]
    fn reads_the_frames_each_scenario_wrote() {
        let console = [
            "noise".to_owned(),
            "heard-played freq=330 frames=48128 xruns=0".to_owned(),
            "heard-played freq=370 frames=100 xruns=1".to_owned(),
        ];
        assert_eq!(played_frames(&console, 330.0), Some(48_128));
        assert_eq!(played_frames(&console, 370.0), Some(100));
        assert_eq!(played_frames(&console[..1], 330.0), None);
    }

    #[test]
    fn each_scenario_of_a_boot_gets_its_own_frequency() {
        let mut all = scenarios(&audio(), 48_000);
        assign_frequencies(&mut all).unwrap();
        assert_eq!(all[0].frequency, 330.0);
        assert_eq!(all[1].frequency, 370.0);
        assert!(all[1]
            .env
            .contains(&("ALSA_DIRECT_HEARD_FREQ".into(), "370".into())));
        let mut too_many: Vec<Scenario> = all.iter().chain(all.iter()).chain(all.iter()).cloned().collect();
        assert!(assign_frequencies(&mut too_many).is_err());
    }
}
