//! What a recording of a tone sounds like, measured from its samples alone: where the sound
//! starts and ends, its frequency (from zero crossings), its peak level, the silent gaps inside
//! it, the places where the waveform breaks (a sine's samples obey
//! `x[n+1] + x[n-1] = 2 cos(w) x[n]`; a dropped, repeated or shifted stretch does not), and the
//! stretches of sound between those breaks, each with its own length, frequency and level.
//!
//! Pure functions over samples, so the host's unit tests can check them on synthetic signals.

/// Below this magnitude (full scale 1.0) a sample is silence: about -66 dBFS.
pub const SILENCE: f64 = 1.0 / 2048.0;

/// A silent run inside the sound shorter than this many seconds is no gap (a sine's zero
/// crossings are a sample or two of near-silence).
pub const MIN_GAP_SECONDS: f64 = 0.001;

/// Breaks closer together than this many seconds count as one glitch.
const GLITCH_MERGE_SECONDS: f64 = 0.002;

/// A silent stretch inside the sound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// Where it starts, in seconds from the start of the recording.
    pub at: f64,
    /// How long it lasts, in seconds.
    pub seconds: f64,
}

/// A stretch of sound between two breaks (a gap or a glitch), or between the sound's start or
/// end and a break.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    /// Where it starts, in seconds from the start of the recording.
    pub at: f64,
    /// Its length, in frames.
    pub frames: u64,
    /// Mean frequency of its whole cycles, in Hz (0 when it holds fewer than one).
    pub frequency: f64,
    /// Its peak level in dBFS.
    pub peak_dbfs: f64,
}

/// What was heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    /// Frames per second of the recording.
    pub rate: u32,
    /// Length of the whole recording, in seconds.
    pub file_seconds: f64,
    /// From the first to the last sample that is not silence, in seconds (0 for silence).
    pub sound_seconds: f64,
    /// Where the sound starts, in seconds from the start of the recording.
    pub sound_at: f64,
    /// Frames of sound: the sound's length without its gaps.
    pub sound_frames: u64,
    /// Mean frequency of the sound's whole cycles, in Hz (0 when there are fewer than two).
    pub frequency: f64,
    /// Largest cycle-to-cycle deviation of the frequency from [`Heard::frequency`], in Hz,
    /// over the cycles that do not span a gap or glitch.
    pub frequency_spread: f64,
    /// Peak level in dBFS (`-inf` for silence).
    pub peak_dbfs: f64,
    /// Silent stretches of at least [`MIN_GAP_SECONDS`] inside the sound.
    pub gaps: Vec<Gap>,
    /// Where the waveform breaks without going silent, in seconds from the start.
    pub glitches: Vec<f64>,
    /// The sound cut at every gap and glitch, in order: one stretch more than there are breaks
    /// (none for silence).
    pub stretches: Vec<Stretch>,
}

impl Heard {
    /// True when the sound runs without a gap or glitch.
    pub fn is_clean(&self) -> bool {
        self.gaps.is_empty() && self.glitches.is_empty()
    }

    /// One line: `440.0 Hz, -12.0 dBFS, 3.00 s, no gaps`, or with its gaps and glitches.
    pub fn summary(&self) -> String {
        if self.sound_frames == 0 {
            return format!("silence ({:.2} s of recording)", self.file_seconds);
        }
        let mut line = format!(
            "{:.1} Hz, {:.1} dBFS, {:.2} s",
            self.frequency, self.peak_dbfs, self.sound_seconds
        );
        if self.is_clean() {
            line.push_str(", no gaps");
        }
        if !self.gaps.is_empty() {
            let shown: Vec<String> = self
                .gaps
                .iter()
                .take(4)
                .map(|g| format!("{:.3} s for {:.1} ms", g.at, g.seconds * 1000.0))
                .collect();
            let more = if self.gaps.len() > 4 { ", ..." } else { "" };
            line.push_str(&format!(
                ", {} gap(s) ({}{more})",
                self.gaps.len(),
                shown.join(", ")
            ));
        }
        if !self.glitches.is_empty() {
            let shown: Vec<String> = self
                .glitches
                .iter()
                .take(4)
                .map(|t| format!("{t:.3} s"))
                .collect();
            let more = if self.glitches.len() > 4 { ", ..." } else { "" };
            line.push_str(&format!(
                ", {} glitch(es) (at {}{more})",
                self.glitches.len(),
                shown.join(", ")
            ));
        }
        line
    }
}

/// Cycles in a row at a frequency that make a stretch of it (fewer may be a glitch's chance).
const RUN_CYCLES: usize = 3;

/// How far a cycle's frequency may be from the one sought, as a fraction of it.
const CYCLE_TOLERANCE: f64 = 0.03;

/// Samples on either side of a glitch left out of the stretches it separates: the sine
/// recurrence flags a break one or two samples from where it is.
const GLITCH_MARGIN: usize = 2;

/// The upward zero crossings of `x`, interpolated, in samples.
fn crossings(x: &[f64]) -> Vec<f64> {
    (1..x.len())
        .filter(|&n| x[n - 1] < 0.0 && x[n] >= 0.0)
        .map(|n| (n - 1) as f64 + x[n - 1] / (x[n - 1] - x[n]))
        .collect()
}

/// The stretch of a recording that plays `frequency`: from the first to the last run of
/// [`RUN_CYCLES`] whole cycles at that frequency (each within [`CYCLE_TOLERANCE`]), whatever
/// is heard in between. `None` when there is no such run. Scenarios of one boot play different
/// frequencies, one after another, into one recording: this cuts out one of them.
pub fn find(samples: &[f64], rate: u32, frequency: f64) -> Option<std::ops::Range<usize>> {
    let at = crossings(samples);
    let period = f64::from(rate) / frequency;
    let fits: Vec<bool> = at
        .windows(2)
        .map(|w| ((w[1] - w[0]) - period).abs() < CYCLE_TOLERANCE * period)
        .collect();
    // Cycle i spans at[i]..at[i+1]; a run of RUN_CYCLES fitting cycles starts at i.
    let runs: Vec<usize> = (0..fits.len().saturating_sub(RUN_CYCLES - 1))
        .filter(|&i| fits[i..i + RUN_CYCLES].iter().all(|&f| f))
        .collect();
    let (first, last) = (*runs.first()?, *runs.last()?);
    // Without the first and last cycle of the runs: where one tone ends and the next begins, a
    // cycle cut in two can pass for a whole one of either.
    Some(at[first + 1].floor() as usize..(at[last + RUN_CYCLES - 1].ceil() as usize + 1).min(samples.len()))
}

/// Analyses one channel of samples (full scale 1.0) recorded at `rate`.
pub fn analyse(samples: &[f64], rate: u32) -> Heard {
    let seconds = |frames: usize| frames as f64 / f64::from(rate);
    let loud = |x: &f64| x.abs() > SILENCE;
    let mut heard = Heard {
        rate,
        file_seconds: seconds(samples.len()),
        sound_seconds: 0.0,
        sound_at: 0.0,
        sound_frames: 0,
        frequency: 0.0,
        frequency_spread: 0.0,
        peak_dbfs: f64::NEG_INFINITY,
        gaps: Vec::new(),
        glitches: Vec::new(),
        stretches: Vec::new(),
    };
    let (Some(first), Some(last)) = (samples.iter().position(loud), samples.iter().rposition(loud)) else {
        return heard;
    };
    let sound = &samples[first..=last];
    heard.sound_at = seconds(first);
    heard.sound_seconds = seconds(sound.len());
    let peak = sound.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    heard.peak_dbfs = 20.0 * peak.log10();

    // Silent runs: gaps when long enough. `segments` are the stretches of sound between them.
    let min_gap = (MIN_GAP_SECONDS * f64::from(rate)).ceil() as usize;
    let mut segments = Vec::new();
    let mut seg_start = 0;
    let mut i = 0;
    while i < sound.len() {
        if loud(&sound[i]) {
            i += 1;
            continue;
        }
        let quiet_start = i;
        while i < sound.len() && !loud(&sound[i]) {
            i += 1;
        }
        if i - quiet_start >= min_gap {
            heard.gaps.push(Gap {
                at: seconds(first + quiet_start),
                seconds: seconds(i - quiet_start),
            });
            segments.push(seg_start..quiet_start);
            seg_start = i;
        }
    }
    segments.push(seg_start..sound.len());
    heard.sound_frames = segments.iter().map(|s| s.len() as u64).sum();

    // Cycles: upward zero crossings, interpolated, within each segment.
    let mut periods = Vec::new();
    for seg in &segments {
        let x = &sound[seg.clone()];
        let mut previous: Option<f64> = None;
        for n in 1..x.len() {
            if x[n - 1] < 0.0 && x[n] >= 0.0 {
                let at = (n - 1) as f64 + x[n - 1] / (x[n - 1] - x[n]);
                if let Some(p) = previous {
                    periods.push(at - p);
                }
                previous = Some(at);
            }
        }
    }
    if periods.is_empty() {
        heard.stretches = segments
            .iter()
            .map(|seg| stretch(&sound[seg.clone()], rate, first + seg.start))
            .collect();
        return heard;
    }
    let mut sorted = periods.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let steady: Vec<f64> = periods
        .iter()
        .copied()
        .filter(|p| (p - median).abs() < 0.02 * median)
        .collect();
    let mean = steady.iter().sum::<f64>() / steady.len() as f64;
    heard.frequency = f64::from(rate) / mean;
    heard.frequency_spread = steady
        .iter()
        .map(|p| (f64::from(rate) / p - heard.frequency).abs())
        .fold(0.0, f64::max);

    // Breaks: the sine recurrence fails by more than a few quanta of its own size.
    let w = std::f64::consts::TAU * heard.frequency / f64::from(rate);
    let c = 2.0 * w.cos();
    let limit = (0.02 * peak).max(4.0 * SILENCE);
    let merge = (GLITCH_MERGE_SECONDS * f64::from(rate)) as usize;
    let mut last_glitch: Option<usize> = None;
    // Each segment cut at its glitches: the glitch's first and last flagged sample.
    let mut pieces = Vec::new();
    for seg in &segments {
        let x = &sound[seg.clone()];
        let mut piece_start = seg.start;
        let mut cut: Option<(usize, usize)> = None;
        // The first and last samples of a segment border silence: their recurrence spans it.
        for n in 2..x.len().saturating_sub(2) {
            let residual = x[n + 1] + x[n - 1] - c * x[n];
            if residual.abs() > limit {
                let at = seg.start + n;
                if last_glitch.is_none_or(|l| at - l > merge) {
                    heard.glitches.push(seconds(first + at));
                    if let Some((from, to)) = cut.replace((at, at)) {
                        pieces.push(piece_start..from);
                        piece_start = to;
                    }
                } else if let Some((_, to)) = cut.as_mut() {
                    *to = at;
                }
                last_glitch = Some(at);
            }
        }
        if let Some((from, to)) = cut {
            pieces.push(piece_start..from);
            piece_start = to;
        }
        pieces.push(piece_start..seg.end);
    }
    heard.stretches = pieces
        .into_iter()
        .map(|piece| stretch(&sound[piece.clone()], rate, first + piece.start))
        .collect();
    heard
}

/// What the stretch `x` of a recording at `rate`, starting `start` frames into it, sounds like.
fn stretch(x: &[f64], rate: u32, start: usize) -> Stretch {
    let inner = x
        .get(GLITCH_MARGIN..x.len().saturating_sub(GLITCH_MARGIN))
        .unwrap_or(&[]);
    let at = crossings(inner);
    let frequency = match (at.first(), at.last()) {
        (Some(a), Some(b)) if at.len() >= 2 => f64::from(rate) * (at.len() - 1) as f64 / (b - a),
        _ => 0.0,
    };
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Stretch {
        at: start as f64 / f64::from(rate),
        frames: x.len() as u64,
        frequency,
        peak_dbfs: 20.0 * peak.log10(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    /// `seconds` of a sine at `freq` and `level` (full scale 1.0), 16-bit quantised.
    fn sine(freq: f64, level: f64, seconds: f64) -> Vec<f64> {
        let n = (seconds * f64::from(RATE)) as usize;
        (0..n)
            .map(|i| {
                let x = level * (std::f64::consts::TAU * freq * i as f64 / f64::from(RATE)).sin();
                (x * 32767.0).round() / 32768.0
            })
            .collect()
    }

    #[test]
    fn a_clean_tone_is_heard_as_it_was_played() {
        let mut samples = vec![0.0; 4800];
        samples.extend(sine(440.0, 0.25, 3.0));
        samples.extend(vec![0.0; 960]);
        let heard = analyse(&samples, RATE);
        assert!((heard.frequency - 440.0).abs() < 0.01, "{heard:?}");
        assert!((heard.peak_dbfs + 12.04).abs() < 0.05, "{heard:?}");
        assert!((heard.sound_at - 0.1).abs() < 0.001);
        assert!((heard.sound_seconds - 3.0).abs() < 0.002, "{heard:?}");
        assert!(heard.is_clean(), "{heard:?}");
        assert!(heard.frequency_spread < 0.5, "{heard:?}");
        assert_eq!(heard.summary(), "440.0 Hz, -12.0 dBFS, 3.00 s, no gaps");
    }

    #[test]
    fn other_frequencies_and_levels() {
        for (freq, level) in [(100.0, 0.5), (1000.0, 0.1), (3000.0, 0.9)] {
            let heard = analyse(&sine(freq, level, 1.0), RATE);
            assert!((heard.frequency - freq).abs() < freq * 1e-4, "{freq}: {heard:?}");
            assert!(
                (heard.peak_dbfs - 20.0 * f64::log10(level)).abs() < 0.1,
                "{heard:?}"
            );
            assert!(heard.is_clean(), "{freq}: {heard:?}");
        }
    }

    #[test]
    fn a_silent_stretch_is_one_gap() {
        let mut samples = sine(440.0, 0.25, 1.0);
        // 20 ms of silence from 0.5 s.
        samples[24_000..24_960].fill(0.0);
        let heard = analyse(&samples, RATE);
        assert_eq!(heard.gaps.len(), 1, "{heard:?}");
        assert!((heard.gaps[0].at - 0.5).abs() < 0.001);
        assert!((heard.gaps[0].seconds - 0.02).abs() < 0.001);
        assert!(heard.glitches.is_empty(), "{heard:?}");
        assert!(heard.sound_frames.abs_diff(48_000 - 960) < 4, "{heard:?}");
        assert!((heard.frequency - 440.0).abs() < 0.05, "{heard:?}");
        assert!(heard.summary().contains("1 gap(s) (0.500 s for 20.0 ms)"));
    }

    #[test]
    fn dropped_samples_are_one_glitch_each() {
        let tone = sine(440.0, 0.25, 1.0);
        // Drop 37 samples at 0.3 s and repeat 100 at 0.6 s.
        let mut samples = tone[..14_400].to_vec();
        samples.extend(&tone[14_437..28_800]);
        samples.extend(&tone[28_700..]);
        let heard = analyse(&samples, RATE);
        assert_eq!(heard.glitches.len(), 2, "{heard:?}");
        assert!((heard.glitches[0] - 0.3).abs() < 0.001, "{heard:?}");
        assert!(heard.gaps.is_empty());
        assert!(!heard.is_clean());
        assert!((heard.frequency - 440.0).abs() < 0.5, "{heard:?}");
    }

    #[test]
    fn the_stretches_between_breaks_are_measured_each() {
        let tone = sine(440.0, 0.25, 1.0);
        // Drop 37 samples at 0.3 s; 20 ms of silence from 0.6 s.
        let mut samples = tone[..14_400].to_vec();
        samples.extend(&tone[14_437..]);
        samples[28_800..29_760].fill(0.0);
        let heard = analyse(&samples, RATE);
        assert_eq!((heard.glitches.len(), heard.gaps.len()), (1, 1), "{heard:?}");
        let lengths: Vec<u64> = heard.stretches.iter().map(|s| s.frames).collect();
        assert_eq!(heard.stretches.len(), 3, "{lengths:?}");
        assert!(lengths[0].abs_diff(14_400) < 4, "{lengths:?}");
        assert!(lengths[1].abs_diff(28_800 - 14_400) < 8, "{lengths:?}");
        assert!(lengths[2].abs_diff(48_000 - 37 - 29_760) < 8, "{lengths:?}");
        assert!((heard.stretches[1].at - 0.3).abs() < 0.001, "{heard:?}");
        for stretch in &heard.stretches {
            assert!((stretch.frequency - 440.0).abs() < 0.05, "{stretch:?}");
            assert!((stretch.peak_dbfs + 12.04).abs() < 0.05, "{stretch:?}");
        }
        // A clean tone is one stretch, the whole sound.
        let clean = analyse(&tone, RATE);
        assert_eq!(clean.stretches.len(), 1);
        assert_eq!(clean.stretches[0].frames, clean.sound_frames);
    }

    #[test]
    fn finds_each_frequency_of_a_recording() {
        let mut samples = sine(330.0, 0.25, 0.5);
        let second_at = samples.len();
        samples.extend(sine(523.0, 0.25, 0.7));
        let third_at = samples.len();
        samples.extend(sine(330.0 * 1.02, 0.25, 0.1).iter().map(|x| x * 0.0));
        samples.extend(sine(740.0, 0.25, 0.3));
        let first = find(&samples, RATE, 330.0).unwrap();
        assert!(
            first.start < 300 && first.end.abs_diff(second_at) < 300,
            "{first:?}"
        );
        let second = find(&samples, RATE, 523.0).unwrap();
        assert!(
            second.start.abs_diff(second_at) < 200 && second.end.abs_diff(third_at) < 200,
            "{second:?}"
        );
        let heard = analyse(&samples[second], RATE);
        assert!(
            (heard.frequency - 523.0).abs() < 0.1 && heard.is_clean(),
            "{heard:?}"
        );
        assert!((heard.sound_seconds - 0.7).abs() < 0.01, "{heard:?}");
        assert!(find(&samples, RATE, 440.0).is_none());
        assert!(find(&samples, RATE, 740.0).unwrap().end <= samples.len());
    }

    #[test]
    fn a_wrong_frequency_and_silence_are_told_apart() {
        let heard = analyse(&sine(441.0, 0.25, 1.0), RATE);
        assert!((heard.frequency - 441.0).abs() < 0.01);
        let silence = analyse(&vec![0.0; 48_000], RATE);
        assert_eq!(silence.sound_frames, 0);
        assert_eq!(silence.frequency, 0.0);
        assert_eq!(silence.summary(), "silence (1.00 s of recording)");
        // A step of noise-free DC is sound, but no tone.
        let dc = analyse(&vec![0.5; 4800], RATE);
        assert_eq!(dc.frequency, 0.0);
        assert!((dc.peak_dbfs + 6.02).abs() < 0.01);
    }
}
