//! The capture scenarios of a board whose input the host feeds (`[audio] capture`, see
//! [`crate::boot::feed`]): at each of [`PERIODS`], alsa-lib's `arecord -M` records the feed
//! and then the crate does (`heard capture`: `guest-tools/src/bin/heard/capture.rs`), in the
//! same boot. The guest measures each recording with the runner's analysis and prints a
//! `heard-captured` line ([`parse`]); the host judges it ([`judge`]): the feed's frequency and
//! level, every frame asked for, no xrun, and no more breaks than `arecord` at the same period
//! (where the emulator drops or repeats data, the reference hears it too).

use crate::audio::scenarios::LEVEL_DBFS;
use crate::boot::feed;

/// Period sizes captured at, each with 4 periods: the smallest the playback runs at, the two
/// that timed out in the first tries (256, 480: not a power of two), and a large one.
pub const PERIODS: [u32; 4] = [64, 256, 480, 1024];
/// Periods per buffer.
pub const PERIODS_PER_BUFFER: u32 = 4;
/// Seconds recorded per scenario.
pub const SECONDS: u32 = 2;
/// How far the captured frequency may be off, in Hz.
const FREQUENCY_TOLERANCE: f64 = 1.0;
/// How far the captured level may be off the feed's, in dB.
const LEVEL_TOLERANCE: f64 = 1.5;

/// Who records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorder {
    /// alsa-lib's `arecord -M` (the reference).
    Arecord,
    /// The crate's `MmapStream<_, Capture>`.
    Crate,
}

/// One capture scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureScenario {
    /// `arecord-p256`, `capture-p256`, ...
    pub name: String,
    /// Who records.
    pub by: Recorder,
    /// Frames per period.
    pub period: u32,
    /// Periods per buffer.
    pub periods: u32,
}

impl CaptureScenario {
    /// The reference scenario this one is judged beside (the crate's: `arecord` at its period).
    pub fn reference(&self) -> Option<String> {
        (self.by == Recorder::Crate).then(|| format!("arecord-p{}", self.period))
    }
}

/// The scenarios, in the order they run: at each period, `arecord` and then the crate.
pub fn scenarios() -> Vec<CaptureScenario> {
    PERIODS
        .iter()
        .flat_map(|&period| {
            [(Recorder::Arecord, "arecord"), (Recorder::Crate, "capture")].map(|(by, word)| CaptureScenario {
                name: format!("{word}-p{period}"),
                by,
                period,
                periods: PERIODS_PER_BUFFER,
            })
        })
        .collect()
}

/// What the guest measured of one recording (its `heard-captured` line).
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// Frames recorded.
    pub frames: u64,
    /// Xruns: the crate's count, or the `overrun!!!` lines `arecord` printed on its stderr (it
    /// prepares the stream after each and records on).
    pub xruns: u32,
    /// Frequency, in Hz.
    pub frequency: f64,
    /// Peak level, in dBFS.
    pub peak_dbfs: f64,
    /// Seconds from the first to the last sample that is not silence.
    pub sound_seconds: f64,
    /// Silent gaps inside the sound.
    pub gaps: usize,
    /// Breaks of the waveform.
    pub glitches: usize,
    /// Where the first breaks are, in seconds from the start of the recording, as printed.
    pub at: String,
}

impl Captured {
    /// Gaps and glitches.
    pub fn breaks(&self) -> usize {
        self.gaps + self.glitches
    }

    /// One line: `997.00 Hz, -12.0 dBFS, 2.000 s, 0 breaks`.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "{:.2} Hz, {:.1} dBFS, {:.3} s of {} frames, {} break(s)",
            self.frequency,
            self.peak_dbfs,
            self.sound_seconds,
            self.frames,
            self.breaks()
        );
        if self.breaks() > 0 {
            line.push_str(&format!(" (at {} s)", self.at));
        }
        if self.xruns > 0 {
            line.push_str(&format!(", {} xrun(s)", self.xruns));
        }
        line
    }
}

/// The `heard-captured name=NAME ...` line of scenario `name` on the guest's console.
pub fn parse(console: &[String], name: &str) -> Option<Captured> {
    let tag = format!("heard-captured name={name} ");
    let line = console.iter().rev().find_map(|line| line.split(&tag).nth(1))?;
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
    };
    Some(Captured {
        frames: field("frames")?.parse().ok()?,
        xruns: field("xruns")?.parse().ok()?,
        frequency: field("freq")?.parse().ok()?,
        peak_dbfs: field("dbfs")?.parse().ok()?,
        sound_seconds: field("sound")?.parse().ok()?,
        gaps: field("gaps")?.parse().ok()?,
        glitches: field("glitches")?.parse().ok()?,
        at: field("at")?.to_owned(),
    })
}

/// Checks one recording at `rate`: the feed's frequency and level, every frame asked for, no
/// xrun, and for the crate no more breaks than `reference` (arecord at the same period); the
/// error says what was wrong.
pub fn judge(
    scenario: &CaptureScenario,
    rate: u32,
    captured: &Captured,
    reference: Option<&Captured>,
) -> Result<(), String> {
    let mut wrong = Vec::new();
    if (captured.frequency - feed::FREQUENCY).abs() > FREQUENCY_TOLERANCE {
        wrong.push(format!(
            "{:.2} Hz, not {} Hz",
            captured.frequency,
            feed::FREQUENCY
        ));
    }
    if (captured.peak_dbfs - LEVEL_DBFS).abs() > LEVEL_TOLERANCE {
        wrong.push(format!(
            "{:.1} dBFS, not {LEVEL_DBFS:.1} dBFS",
            captured.peak_dbfs
        ));
    }
    let asked = u64::from(SECONDS * rate);
    if captured.frames < asked {
        wrong.push(format!("{} frames recorded of {asked}", captured.frames));
    }
    if captured.xruns > 0 {
        wrong.push(format!("{} xrun(s)", captured.xruns));
    }
    if let Some(name) = scenario.reference() {
        match reference {
            None => wrong.push(format!("{name} (the reference) was not measured")),
            Some(theirs) if captured.breaks() > theirs.breaks() => wrong.push(format!(
                "{} break(s) where {name} has {}",
                captured.breaks(),
                theirs.breaks()
            )),
            Some(_) => {}
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean() -> Captured {
        Captured {
            frames: 96_000,
            xruns: 0,
            frequency: 997.01,
            peak_dbfs: -12.05,
            sound_seconds: 1.99,
            gaps: 0,
            glitches: 0,
            at: "-".into(),
        }
    }

    #[test]
    fn arecord_then_the_crate_at_each_period() {
        let all = scenarios();
        assert_eq!(all.len(), 2 * PERIODS.len());
        assert_eq!(all[0].name, "arecord-p64");
        assert_eq!(all[1].name, "capture-p64");
        assert_eq!(all[1].reference().as_deref(), Some("arecord-p64"));
        assert_eq!(all[0].reference(), None);
        assert!(all.iter().any(|s| s.name == "capture-p480" && s.periods == 4));
    }

    #[test]
    fn reads_the_guests_line() {
        let console = [
            "heard-captured name=capture-p256 frames=96256 xruns=1 freq=997.004 dbfs=-12.04 sound=2.0010 gaps=1 glitches=2 at=0.0427,0.0854,1.2".to_owned(),
            "heard-captured name=capture-p2560 frames=1 xruns=0 freq=1 dbfs=-1 sound=1 gaps=0 glitches=0 at=-".to_owned(),
        ];
        let got = parse(&console, "capture-p256").unwrap();
        assert_eq!(got.frames, 96_256);
        assert_eq!(got.xruns, 1);
        assert_eq!(got.breaks(), 3);
        assert!((got.frequency - 997.004).abs() < 1e-9);
        assert_eq!(got.at, "0.0427,0.0854,1.2");
        assert_eq!(parse(&console, "capture-p2560").unwrap().frames, 1);
        assert_eq!(parse(&console, "capture-p64"), None);
        assert_eq!(
            parse(&["heard-captured name=x frames=oops".to_owned()], "x"),
            None
        );
    }

    #[test]
    fn judged_on_the_feed_and_beside_arecord() {
        let all = scenarios();
        let (arecord, crate_) = (&all[2], &all[3]);
        assert_eq!(judge(arecord, 48_000, &clean(), None), Ok(()));
        assert_eq!(judge(crate_, 48_000, &clean(), Some(&clean())), Ok(()));
        assert!(judge(crate_, 48_000, &clean(), None)
            .unwrap_err()
            .contains("reference"));
        let mut broken = clean();
        broken.glitches = 2;
        let why = judge(crate_, 48_000, &broken, Some(&clean())).unwrap_err();
        assert!(why.contains("2 break(s) where arecord-p256 has 0"), "{why}");
        // The emulator's own breaks, heard by both: no fault of the crate's.
        assert_eq!(judge(crate_, 48_000, &broken, Some(&broken)), Ok(()));
        let mut off = clean();
        off.frequency = 1005.85;
        off.peak_dbfs = -20.0;
        off.frames = 1000;
        off.xruns = 1;
        let why = judge(arecord, 48_000, &off, None).unwrap_err();
        for part in ["1005.85 Hz", "-20.0 dBFS", "1000 frames", "1 xrun"] {
            assert!(why.contains(part), "{why}");
        }
    }
}
