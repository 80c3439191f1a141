//! Sample levels for the examples' reports: a sample as a fraction of full scale, and the
//! peak of a stream in dBFS.

use alsa_direct::{Packed24Be, Packed24Le, Sample};

/// A sample type whose value can be read as a fraction of full scale.
pub trait Level: Sample {
    /// The magnitude as a fraction of full scale, 0.0 to 1.0 (`i32` counts 32 bits; an `S24`
    /// sample in an `i32` reads 256 times too small, see [`Peak::scale`]).
    fn magnitude(self) -> f32;
}

impl Level for u8 {
    fn magnitude(self) -> f32 {
        (f32::from(self) - 128.0).abs() / 128.0
    }
}

impl Level for i8 {
    fn magnitude(self) -> f32 {
        f32::from(self).abs() / 128.0
    }
}

impl Level for i16 {
    fn magnitude(self) -> f32 {
        f32::from(self).abs() / 32768.0
    }
}

impl Level for Packed24Le {
    fn magnitude(self) -> f32 {
        self.get().unsigned_abs() as f32 / 8_388_608.0
    }
}

impl Level for Packed24Be {
    fn magnitude(self) -> f32 {
        self.get().unsigned_abs() as f32 / 8_388_608.0
    }
}

impl Level for i32 {
    fn magnitude(self) -> f32 {
        self.unsigned_abs() as f32 / 2_147_483_648.0
    }
}

impl Level for f32 {
    fn magnitude(self) -> f32 {
        self.abs()
    }
}

/// The running peak of a stream.
#[derive(Clone, Copy, Debug)]
pub struct Peak {
    peak: f32,
    scale: f32,
}

impl Peak {
    /// A peak meter multiplying each magnitude by `scale` (256 for `S24` in an `i32`, else 1).
    pub fn scale(scale: f32) -> Self {
        Peak { peak: 0.0, scale }
    }

    /// Takes in samples.
    pub fn feed<S: Level>(&mut self, samples: &[S]) {
        for &s in samples {
            self.peak = self.peak.max(s.magnitude() * self.scale);
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
