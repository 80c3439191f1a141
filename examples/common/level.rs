//! The peak of a stream in dBFS, for the examples' reports (each sample read as a fraction of
//! full scale by the crate's `FullScale`).

use alsa_direct::sample::FullScale;

/// The running peak of a stream.
#[derive(Clone, Copy, Debug)]
pub struct Peak {
    peak: f32,
    scale: f32,
}

impl Peak {
    /// A peak meter multiplying each magnitude by `scale` (256 for `S24` in an `i32`, which
    /// `FullScale` reads as `S32`, else 1).
    pub fn scale(scale: f32) -> Self {
        Peak { peak: 0.0, scale }
    }

    /// Takes in samples.
    pub fn feed<S: FullScale>(&mut self, samples: &[S]) {
        for &s in samples {
            self.peak = self.peak.max(s.to_f32().abs() * self.scale);
        }
    }

    /// The peak so far, e.g. `-6.0 dBFS`, or `silence`.
    pub fn dbfs(&self) -> String {
        if self.peak > 0.0 {
            format!("{:.1} dBFS", 20.0 * self.peak.log10())
        } else {
            "silence".into()
        }
    }
}
