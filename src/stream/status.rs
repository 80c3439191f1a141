//! What a stream reports: [`State`], [`Setup`], [`Status`], [`PeriodInfo`], [`Timestamp`].

use crate::abi;
use crate::error::{Error, Result};
use crate::params::Negotiated;
use crate::transport::TransportKind;
pub use crate::types::State;

impl State {
    /// The state for a `SNDRV_PCM_STATE_*` number.
    pub(crate) fn from_raw(raw: i32) -> Result<State> {
        Ok(match raw {
            abi::SNDRV_PCM_STATE_OPEN => State::Open,
            abi::SNDRV_PCM_STATE_SETUP => State::Setup,
            abi::SNDRV_PCM_STATE_PREPARED => State::Prepared,
            abi::SNDRV_PCM_STATE_RUNNING => State::Running,
            abi::SNDRV_PCM_STATE_XRUN => State::Xrun,
            abi::SNDRV_PCM_STATE_DRAINING => State::Draining,
            abi::SNDRV_PCM_STATE_PAUSED => State::Paused,
            abi::SNDRV_PCM_STATE_SUSPENDED => State::Suspended,
            abi::SNDRV_PCM_STATE_DISCONNECTED => State::Disconnected,
            _ => return Err(Error::BadKernelValue),
        })
    }
}

/// What a stream was set up with: the negotiated values and the kernel's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Setup {
    /// Format, channels, rate, period size, periods and buffer size as the device accepted them.
    pub negotiated: Negotiated,
    /// Where `hw_ptr` and `appl_ptr` wrap.
    pub boundary: u64,
    /// Playback start threshold in frames.
    pub start_threshold: u64,
    /// Stop threshold in frames.
    pub stop_threshold: u64,
    /// Wakeup threshold in frames.
    pub avail_min: u64,
    /// The transport in use.
    pub transport: TransportKind,
    /// The device can pause.
    pub can_pause: bool,
    /// The device can resume after a suspend.
    pub can_resume: bool,
    /// Significant bits per sample (0 when the driver does not say).
    pub msbits: u32,
    /// The kernel's PCM protocol version.
    pub protocol: u32,
    /// The wait timeout in force, in milliseconds.
    pub timeout_ms: u32,
    /// The clock of the status timestamps.
    pub timestamp_clock: TimestampClock,
    /// How the stream is woken: period interrupts, or its own timer
    /// ([`Config::timer_scheduled`](crate::Config::timer_scheduled)), or period interrupts
    /// because the driver could not turn them off.
    pub wakeups: super::Wakeups,
}

/// One line, like `aplay -v`'s summary of the setup:
/// `S16_LE, 2 channels, 48000 Hz, period 256 frames (5333 us), buffer 1024 frames (4 periods,
/// 21333 us), start 1024, stop 1024, avail_min 256, SYNC_PTR`.
impl core::fmt::Display for Setup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}, start {}, stop {}, avail_min {}, {}",
            self.negotiated, self.start_threshold, self.stop_threshold, self.avail_min, self.transport
        )
    }
}

/// The clock of the kernel's status timestamps (`tstamp_type` of the software parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TimestampClock {
    /// `CLOCK_MONOTONIC` (the default).
    #[default]
    Monotonic,
    /// `CLOCK_MONOTONIC_RAW`: not slewed by NTP, for measuring the sound card's clock
    /// against the CPU's.
    MonotonicRaw,
    /// `CLOCK_REALTIME`, wall-clock time.
    Realtime,
}

impl TimestampClock {
    /// The `SNDRV_PCM_TSTAMP_TYPE_*` number.
    pub(crate) fn raw(self) -> u32 {
        match self {
            TimestampClock::Monotonic => abi::SNDRV_PCM_TSTAMP_TYPE_MONOTONIC,
            TimestampClock::MonotonicRaw => abi::SNDRV_PCM_TSTAMP_TYPE_MONOTONIC_RAW,
            TimestampClock::Realtime => abi::SNDRV_PCM_TSTAMP_TYPE_GETTIMEOFDAY,
        }
    }
}

/// A timestamp from the kernel: a time on the stream's [`TimestampClock`], or an audio
/// timestamp (time elapsed in the stream, from its frame count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timestamp {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: i64,
}

/// What the callback learns with each period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PeriodInfo {
    /// Frames in the slice.
    pub frames: usize,
    /// Channels per frame (the slice holds `frames * channels` samples).
    pub channels: usize,
    /// Frames handed to or from callbacks before this one, since the stream was opened.
    pub position: u64,
    /// The kernel's timestamp of its last status update, on [`Setup::timestamp_clock`].
    pub timestamp: Timestamp,
    /// The audio timestamp of that update: the time of the hardware position since the
    /// stream started (from the frame count at the rate, or the driver's link position where
    /// it reports one).
    pub audio_timestamp: Timestamp,
    /// Xruns so far.
    pub xruns: u32,
    /// The hardware pointer of the status update `timestamp` belongs to (wraps at the
    /// boundary): with `timestamp`, a pair for [`DeviceClock::update`](crate::DeviceClock::update).
    /// On the `SYNC_PTR` transport both come from one record; on mapped pages they are read
    /// from the live page once, and [`MmapStream::snapshot`](crate::MmapStream::snapshot)
    /// rereads it until two reads agree.
    pub hw_ptr: u64,
}

/// A snapshot of the stream's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Status {
    /// State.
    pub state: State,
    /// Hardware pointer (wraps at the boundary).
    pub hw_ptr: u64,
    /// Application pointer (wraps at the boundary).
    pub appl_ptr: u64,
    /// Frames free (playback) or filled (capture).
    pub avail: u64,
    /// Kernel timestamp of this status, on [`Setup::timestamp_clock`].
    pub timestamp: Timestamp,
    /// Audio timestamp of this status (see [`PeriodInfo::audio_timestamp`]).
    pub audio_timestamp: Timestamp,
}
