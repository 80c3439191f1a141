//! What the kernel tests share: the devices under test, a sine oscillator and a sine analyser.

use std::f64::consts::PI;

use alsa_direct::sample::FullScale;
use alsa_direct::{Config, Format, TransportChoice};

/// The playback end of the loopback (`ALSA_DIRECT_PLAYBACK`, set by `cargo board test`).
pub fn playback_device() -> String {
    std::env::var("ALSA_DIRECT_PLAYBACK").unwrap_or_else(|_| "hw:Loopback,0,0".into())
}

/// The capture end of the loopback (`ALSA_DIRECT_CAPTURE`).
pub fn capture_device() -> String {
    std::env::var("ALSA_DIRECT_CAPTURE").unwrap_or_else(|_| "hw:Loopback,1,0".into())
}

/// The transport the run asks for: `ALSA_DIRECT_TEST_TRANSPORT=sync-ptr` forces `SYNC_PTR`.
pub fn transport_choice() -> TransportChoice {
    match std::env::var("ALSA_DIRECT_TEST_TRANSPORT").as_deref() {
        Ok("sync-ptr") => TransportChoice::ForceSyncPtr,
        _ => TransportChoice::Auto,
    }
}

/// A config with the run's transport.
pub fn config(format: Format, channels: u32, rate: u32, period: u32, periods: u32) -> Config {
    Config::new(format, channels, rate)
        .period_size(period)
        .periods(periods)
        .transport(transport_choice())
}

/// A sample type the sine tests write and read as `f64` in -1.0..=1.0: any [`FullScale`]
/// type, through the crate's own full-scale conversion (so `to_unit` divides by
/// 2^(bits - 1), `from_unit` multiplies by the largest value).
pub trait TestSample: FullScale + Send {
    /// `v` (-1.0..=1.0) as a sample, through `f32`.
    fn from_unit(v: f64) -> Self {
        Self::from_f32(v as f32)
    }
    /// The sample as a fraction of full scale.
    fn to_unit(self) -> f64 {
        f64::from(self.to_f32())
    }
}

impl<S: FullScale + Send> TestSample for S {}

/// The test tone of channel `c`: a different frequency per channel, so a channel mix-up shows.
pub fn channel_frequency(c: usize) -> f64 {
    997.0 + 131.0 * c as f64
}

/// Amplitude of the test tone.
pub const AMPLITUDE: f64 = 0.5;

/// One sine per channel, by rotation of a unit phasor (cheap, and exact to 1e-12 over
/// millions of samples when renormalised).
pub struct Oscillator {
    phasors: Vec<(f64, f64, f64, f64)>,
    frames: u64,
}

impl Oscillator {
    /// Channel `c` at [`channel_frequency`]`(c)`.
    pub fn new(channels: usize, rate: u32) -> Self {
        let phasors = (0..channels)
            .map(|c| {
                let w = 2.0 * PI * channel_frequency(c) / f64::from(rate);
                (1.0, 0.0, w.cos(), w.sin())
            })
            .collect();
        Oscillator { phasors, frames: 0 }
    }

    /// Fills interleaved frames.
    pub fn fill<S: TestSample>(&mut self, out: &mut [S]) {
        let channels = self.phasors.len();
        for frame in out.chunks_exact_mut(channels) {
            for (slot, p) in frame.iter_mut().zip(self.phasors.iter_mut()) {
                *slot = S::from_unit(AMPLITUDE * p.1);
                let (re, im) = (p.0 * p.2 - p.1 * p.3, p.0 * p.3 + p.1 * p.2);
                p.0 = re;
                p.1 = im;
            }
            self.frames += 1;
            if self.frames % 4096 == 0 {
                for p in &mut self.phasors {
                    let norm = (p.0 * p.0 + p.1 * p.1).sqrt();
                    p.0 /= norm;
                    p.1 /= norm;
                }
            }
        }
    }
}

/// Streaming analysis of one channel of a captured sine.
///
/// - frequency: from positive-going zero crossings, interpolated;
/// - level: RMS;
/// - continuity: for a pure sine `x[n+1] + x[n-1] = 2 cos(w) x[n]`; any dropped, repeated or
///   zeroed sample breaks the identity far beyond quantisation noise.
pub struct SineAnalyser {
    two_cos_w: f64,
    rate: f64,
    prev: [f64; 2],
    n: u64,
    first_crossing: Option<f64>,
    last_crossing: f64,
    crossings: u64,
    sum_squares: f64,
    worst_residual: f64,
}

impl SineAnalyser {
    /// For a tone of `frequency` at `rate`.
    pub fn new(frequency: f64, rate: u32) -> Self {
        SineAnalyser {
            two_cos_w: 2.0 * (2.0 * PI * frequency / f64::from(rate)).cos(),
            rate: f64::from(rate),
            prev: [0.0; 2],
            n: 0,
            first_crossing: None,
            last_crossing: 0.0,
            crossings: 0,
            sum_squares: 0.0,
            worst_residual: 0.0,
        }
    }

    /// Feeds one sample.
    pub fn push(&mut self, x: f64) {
        let [x1, x2] = self.prev;
        if self.n >= 2 {
            let residual = (x + x2 - self.two_cos_w * x1).abs();
            self.worst_residual = self.worst_residual.max(residual);
        }
        if self.n >= 1 && x1 < 0.0 && x >= 0.0 {
            let t = (self.n - 1) as f64 + x1 / (x1 - x);
            self.first_crossing.get_or_insert(t);
            self.last_crossing = t;
            self.crossings += 1;
        }
        self.sum_squares += x * x;
        self.prev = [x, x1];
        self.n += 1;
    }

    /// Samples seen.
    pub fn samples(&self) -> u64 {
        self.n
    }

    /// Measured frequency in Hz.
    pub fn frequency(&self) -> f64 {
        let first = self.first_crossing.unwrap_or(0.0);
        (self.crossings.saturating_sub(1)) as f64 * self.rate / (self.last_crossing - first)
    }

    /// Measured RMS level.
    pub fn rms(&self) -> f64 {
        (self.sum_squares / self.n.max(1) as f64).sqrt()
    }

    /// The largest break of the sine identity, in full-scale units.
    pub fn worst_residual(&self) -> f64 {
        self.worst_residual
    }
}

/// Counts of file descriptors and mappings of this process.
pub fn fds_and_maps() -> (usize, usize) {
    let fds = std::fs::read_dir("/proc/self/fd")
        .expect("/proc is mounted")
        .count();
    let maps = std::fs::read_to_string("/proc/self/maps")
        .expect("/proc is mounted")
        .lines()
        .count();
    (fds, maps)
}

/// Milliseconds of `frames` at `rate`.
pub fn frames_ms(frames: u64, rate: u32) -> u64 {
    frames * 1000 / u64::from(rate)
}

/// Counts the kernel's own xruns (`__snd_pcm_xrun` calls, every substream) with a kprobe
/// event through tracefs: an independent check that the library counts each xrun exactly.
pub struct KernelXruns {
    event: &'static str,
}

const TRACEFS: &str = "/sys/kernel/tracing";

impl KernelXruns {
    /// Mounts tracefs if needed, sets the probe, clears the trace and starts counting; `None`
    /// (with the reason printed) where the kernel refuses the probe (the riscv64 trixie kernel
    /// answers EINVAL for this module function).
    pub fn start() -> Option<Self> {
        let target = std::ffi::CString::new(TRACEFS).unwrap();
        let fstype = std::ffi::CString::new("tracefs").unwrap();
        // SAFETY: valid C strings; an already mounted tracefs answers EBUSY, which is fine.
        unsafe {
            libc::mount(
                fstype.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                0,
                std::ptr::null(),
            )
        };
        let event = "alsa_direct_xrun";
        let write = |file: &str, text: &str| {
            std::fs::write(format!("{TRACEFS}/{file}"), text).map_err(|e| format!("{TRACEFS}/{file}: {e}"))
        };
        let enable = format!("events/kprobes/{event}/enable");
        let started = (|| {
            if std::path::Path::new(&format!("{TRACEFS}/{enable}")).exists() {
                write(&enable, "0")?;
            }
            write("kprobe_events", &format!("p:{event} __snd_pcm_xrun\n"))?;
            write("trace", "")?;
            write(&enable, "1")
        })();
        match started {
            Ok(()) => Some(KernelXruns { event }),
            Err(reason) => {
                eprintln!("xruns not checked against the kernel's count: {reason}");
                None
            }
        }
    }

    /// Xruns the kernel declared since `start`.
    pub fn count(&self) -> u32 {
        let trace = std::fs::read_to_string(format!("{TRACEFS}/trace")).expect("trace");
        let hit = format!("{}:", self.event);
        trace
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains(&hit))
            .count() as u32
    }
}

impl Drop for KernelXruns {
    fn drop(&mut self) {
        let _ = std::fs::write(format!("{TRACEFS}/events/kprobes/{}/enable", self.event), "0");
    }
}
