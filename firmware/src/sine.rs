//! A sine oscillator without `libm`: a 32-bit phase accumulator (the frequency is exact to
//! rate / 2^32 Hz and the phase never drifts) and a polynomial over a quarter wave.

use alsa_direct::sample::FullScale;

use crate::args::Milli;

/// One turn of the phase accumulator.
const TURN: f32 = 4_294_967_296.0;

/// A sine at a fixed frequency and level, one sample at a time.
pub struct Oscillator {
    phase: u32,
    step: u32,
    /// The level, 0.0..=1.0 of full scale.
    level: f32,
}

impl Oscillator {
    /// A sine of `freq` Hz at `rate` Hz, `level` of full scale.
    pub fn new(freq: Milli, rate: u32, level: Milli) -> Oscillator {
        // Both in thousandths of a hertz; a frequency at or past the rate sounds as its alias.
        // Converted to `f64` from `u32` (the remainder is at most `freq`, and the rate in
        // thousandths exact in an `f64`): a `u64` conversion is a library routine on 32-bit
        // ARM that nothing else in the firmware needs.
        let rate = rate.max(1);
        let alias = (u64::from(freq.0) % (u64::from(rate) * 1000)) as u32;
        let turns = f64::from(alias) / (f64::from(rate) * 1000.0);
        // Phase step per frame in 1/2^32 turns, rounded.
        let step = (turns * f64::from(TURN) + 0.5) as u32;
        Oscillator {
            phase: 0,
            step,
            level: level.0 as f32 / 1000.0,
        }
    }

    /// The next sample.
    pub fn next_sample(&mut self) -> i16 {
        let v = sin_turns(self.phase) * self.level;
        self.phase = self.phase.wrapping_add(self.step);
        i16::from_f32(v)
    }
}

/// `sin(2π · phase / 2^32)`, within 1e-6 (f32 rounding; the series itself is within 6e-8).
fn sin_turns(phase: u32) -> f32 {
    let negative = phase >= 0x8000_0000;
    let half = phase & 0x7fff_ffff;
    // Fold [0, 1/2) turn onto [0, 1/4]: sin(π - x) = sin(x).
    let quarter = if half > 0x4000_0000 {
        0x8000_0000 - half
    } else {
        half
    };
    let x = quarter as f32 * (core::f32::consts::TAU / TURN);
    let x2 = x * x;
    // Taylor series to x^11: the first term left out is below 6e-8 for |x| <= π/2.
    let s = x
        * (1.0
            + x2 * (-1.0 / 6.0
                + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362_880.0 - x2 / 39_916_800.0)))));
    if negative {
        -s
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_polynomial_is_a_sine() {
        let mut worst = 0.0f64;
        for i in 0..=4096u64 {
            let phase = (i << 20) as u32;
            let exact = (f64::from(phase) / 4_294_967_296.0 * std::f64::consts::TAU).sin();
            worst = worst.max((f64::from(sin_turns(phase)) - exact).abs());
        }
        assert!(worst < 1e-6, "{worst}");
    }

    #[test]
    fn the_step_is_the_frequency() {
        let oscillator = Oscillator::new(Milli(1_000_000), 48_000, Milli(500));
        let hz = f64::from(oscillator.step) / 4_294_967_296.0 * 48_000.0;
        assert!((hz - 1000.0).abs() < 1e-4, "{hz}");
        assert_eq!(oscillator.level, 0.5);
        let mut peak = 0;
        let mut oscillator = Oscillator::new(Milli(1_000_000), 48_000, Milli(500));
        for _ in 0..48 {
            peak = peak.max(oscillator.next_sample());
        }
        // Half of 32767 is 16383.5 at the crest; the polynomial may land just below 1 there.
        assert!(
            (16_383..=16_384).contains(&peak),
            "half of full scale at the crest: {peak}"
        );
    }
}
