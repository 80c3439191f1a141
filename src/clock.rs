//! The device's clock: a delay-locked loop that estimates the rate of a sound card's clock
//! against the system's (`CLOCK_MONOTONIC`) from pairs of hardware position and timestamp.
//!
//! See [`DeviceClock`].

/// The widest loop bandwidth, in hertz: where the loop starts (PipeWire's `SPA_DLL_BW_MAX`).
pub const BANDWIDTH_MAX_HZ: f64 = 0.128;
/// The narrowest loop bandwidth, in hertz (PipeWire's `SPA_DLL_BW_MIN`).
pub const BANDWIDTH_MIN_HZ: f64 = 0.016;

/// An error between the predicted and the measured time beyond this many nanoseconds means
/// the stream jumped (a restart, an xrun, a suspend, a clock step): the loop starts again.
const RESYNC_NS: f64 = 200_000_000.0;
/// The loop's gain per update is capped (an update after a long pause would overshoot).
const OMEGA_MAX: f64 = 0.5;

/// A delay-locked loop estimating a sound card's clock against the system clock.
///
/// Pure logic, no allocation, no system call: feed it the `(hw_ptr, timestamp)` pairs of a
/// stream's snapshots ([`MmapStream::snapshot`](crate::MmapStream::snapshot)) and read the
/// rate ratio, the phase and the position at any time. It is the second-order loop of Fons
/// Adriaensen's "Using a DLL to filter time" (the loop in JACK, and in PipeWire's `spa_dll`),
/// written for updates at any frame count: each update predicts the time of the new position
/// from the filtered time of the last and the estimated frame duration, and corrects both by
/// the error, with gains from the loop's bandwidth and the time between the updates. The
/// bandwidth starts wide, to lock within a second or two, and narrows while the loop holds
/// its phase, to average the timestamps' jitter away (PipeWire does the same between its
/// `SPA_DLL_BW_MAX` and `SPA_DLL_BW_MIN`).
///
/// ```
/// use alsa_direct::DeviceClock;
/// // A device 100 ppm fast at 48 kHz, read every 1024 frames.
/// let mut clock = DeviceClock::new(48_000, 1 << 30);
/// for i in 0..2_000u64 {
///     let frames = i * 1024;
///     let time_ns = (frames as f64 * 1e9 / (48_000.0 * 1.0001)) as i64;
///     clock.update(frames, 5_000_000_000 + time_ns);
/// }
/// assert!((clock.ppm() - 100.0).abs() < 1.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceClock {
    /// Nominal frames per second.
    rate: f64,
    /// Where the hardware pointer wraps.
    boundary: u64,
    /// The loop bandwidth in force, in hertz.
    bandwidth_hz: f64,
    /// The last hardware pointer (wrapped), and the same position counted without wrapping.
    last_ptr: u64,
    frames: u64,
    /// The system time of the first update, in nanoseconds: times below are relative to it.
    origin_ns: i64,
    /// The filtered time of `frames`, relative to `origin_ns`, in nanoseconds.
    time_ns: f64,
    /// The estimated duration of a frame, in nanoseconds.
    frame_ns: f64,
    /// The last update's error (measured minus predicted time), in nanoseconds.
    phase_ns: f64,
    /// Device time since the bandwidth last changed, in nanoseconds.
    settled_ns: f64,
    /// Updates since the loop (re)started.
    updates: u64,
    /// Whether the frame duration is still the nominal one or the one the loop kept over a
    /// restart, waiting for a second of device time to measure it directly.
    coarse: bool,
}

impl DeviceClock {
    /// A loop for a stream of nominal `rate` frames per second whose hardware pointer wraps
    /// at `boundary` ([`Setup::boundary`](crate::Setup::boundary)). A rate or boundary of 0
    /// is taken as 1.
    pub fn new(rate: u32, boundary: u64) -> Self {
        let rate = f64::from(rate.max(1));
        DeviceClock {
            rate,
            boundary: boundary.max(1),
            bandwidth_hz: BANDWIDTH_MAX_HZ,
            last_ptr: 0,
            frames: 0,
            origin_ns: 0,
            time_ns: 0.0,
            frame_ns: 1e9 / rate,
            phase_ns: 0.0,
            settled_ns: 0.0,
            updates: 0,
            coarse: true,
        }
    }

    /// Starts again from nothing (after a restart of the stream: its pointer jumps).
    pub fn reset(&mut self) {
        *self = DeviceClock::new(self.rate as u32, self.boundary);
    }

    /// Feeds one pair: the hardware pointer `hw_ptr` (wrapping at the boundary) and the
    /// system time `time_ns` it was read at, in nanoseconds (a status timestamp, both from
    /// one snapshot). A pair with the same pointer as the last is ignored; one far off the prediction (more than 0.2 s: a restart, an xrun
    /// recovered by prepare, a suspend) starts the loop again from it.
    pub fn update(&mut self, hw_ptr: u64, time_ns: i64) {
        let hw_ptr = hw_ptr % self.boundary;
        if self.updates == 0 {
            self.start(hw_ptr, time_ns);
            return;
        }
        let step = if hw_ptr >= self.last_ptr {
            hw_ptr - self.last_ptr
        } else {
            hw_ptr + self.boundary - self.last_ptr
        };
        if step == 0 {
            return;
        }
        let elapsed = time_ns.saturating_sub(self.origin_ns) as f64;
        let step_ns = step as f64 * self.frame_ns;
        let predicted = self.time_ns + step_ns;
        let error = elapsed - predicted;
        if magnitude(error) > RESYNC_NS {
            self.start(hw_ptr, time_ns);
            return;
        }
        if self.coarse {
            self.coarse_lock(hw_ptr, step, elapsed);
            return;
        }
        let mut omega = core::f64::consts::TAU * self.bandwidth_hz * step_ns * 1e-9;
        if omega > OMEGA_MAX {
            omega = OMEGA_MAX;
        }
        // b = √2·ω and c = ω²: a critically damped second-order loop.
        self.time_ns = predicted + core::f64::consts::SQRT_2 * omega * error;
        self.frame_ns += omega * omega * error / step as f64;
        self.phase_ns = error;
        self.last_ptr = hw_ptr;
        self.frames = self.frames.wrapping_add(step);
        self.updates += 1;
        self.narrow(step_ns);
    }

    /// The loop (re)started at one pair.
    fn start(&mut self, hw_ptr: u64, time_ns: i64) {
        let frame_ns = if self.updates == 0 {
            1e9 / self.rate
        } else {
            self.frame_ns
        };
        *self = DeviceClock {
            last_ptr: hw_ptr,
            frames: 0,
            origin_ns: time_ns,
            time_ns: 0.0,
            frame_ns,
            phase_ns: 0.0,
            settled_ns: 0.0,
            updates: 1,
            bandwidth_hz: BANDWIDTH_MAX_HZ,
            coarse: true,
            ..*self
        };
    }

    /// The first second after a (re)start: the frame duration measured directly from the
    /// first pair to this one once they are a second of device time apart, and the loop
    /// anchored at this pair, so that it starts within the timestamps' jitter over a second
    /// of the truth rather than a drift's whole error away.
    fn coarse_lock(&mut self, hw_ptr: u64, step: u64, elapsed: f64) {
        let frames = self.frames.wrapping_add(step);
        self.last_ptr = hw_ptr;
        self.frames = frames;
        self.updates += 1;
        self.phase_ns = elapsed - (self.time_ns + step as f64 * self.frame_ns);
        self.time_ns = elapsed;
        if frames as f64 >= self.rate {
            self.frame_ns = elapsed / frames as f64;
            self.phase_ns = 0.0;
            self.coarse = false;
        }
    }

    /// Narrows the bandwidth by a third after each two time constants of device time in
    /// which the phase stayed within 10 ms (locked, whatever the jitter), down to [`BANDWIDTH_MIN_HZ`].
    fn narrow(&mut self, step_ns: f64) {
        if magnitude(self.phase_ns) > 10_000_000.0 {
            self.settled_ns = 0.0;
            return;
        }
        self.settled_ns += step_ns;
        let time_constant_ns = 1e9 / (core::f64::consts::TAU * self.bandwidth_hz);
        if self.bandwidth_hz > BANDWIDTH_MIN_HZ && self.settled_ns > 2.0 * time_constant_ns {
            self.bandwidth_hz = (self.bandwidth_hz * (2.0 / 3.0)).max(BANDWIDTH_MIN_HZ);
            self.settled_ns = 0.0;
        }
    }

    /// The device's rate over its nominal rate (1.0001 for a device 100 ppm fast); 1.0 until
    /// the loop has seen two pairs.
    pub fn rate_ratio(&self) -> f64 {
        1e9 / (self.rate * self.frame_ns)
    }

    /// [`DeviceClock::rate_ratio`] as parts per million off the nominal rate (positive: the
    /// device is fast).
    pub fn ppm(&self) -> f64 {
        (self.rate_ratio() - 1.0) * 1e6
    }

    /// The device's estimated rate in frames per second of the system clock.
    pub fn rate(&self) -> f64 {
        1e9 / self.frame_ns
    }

    /// The phase: how much later than predicted the last pair came, in nanoseconds (the
    /// loop's error; its spread is the timestamps' jitter).
    pub fn phase_ns(&self) -> f64 {
        self.phase_ns
    }

    /// The loop bandwidth in force, in hertz (from [`BANDWIDTH_MAX_HZ`] down to
    /// [`BANDWIDTH_MIN_HZ`]).
    pub fn bandwidth_hz(&self) -> f64 {
        self.bandwidth_hz
    }

    /// Pairs taken since the loop (re)started.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The filtered position of the last pair and its filtered system time (nanoseconds):
    /// the point the estimate goes through. The position counts frames since the loop
    /// (re)started, without wrapping.
    pub fn anchor(&self) -> (u64, i64) {
        (self.frames, self.origin_ns.saturating_add(self.time_ns as i64))
    }

    /// The frames the device has moved between the last pair and the system time
    /// `time_ns` (negative before it), by the estimated rate: what to subtract from a
    /// snapshot's delay to get the delay at `time_ns`.
    pub fn frames_since(&self, time_ns: i64) -> f64 {
        let (_, anchor_ns) = self.anchor();
        time_ns.saturating_sub(anchor_ns) as f64 / self.frame_ns
    }
}

/// `|x|` (no `f64::abs` in `core` for the crate's minimum Rust).
fn magnitude(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

#[cfg(test)]
mod tests;
