//! [`Config`]: what to ask a stream for, and [`XrunPolicy`].

use crate::error::{ConfigError, Error, Result};
use crate::params::{self, Format, Formats, Matching, ParamMatching, Request};
use crate::pcm::{OpenMode, PcmDevice};
use crate::types::Param;

use super::TimestampClock;
use crate::transport::TransportChoice;

/// What the stream does on an xrun or a suspend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum XrunPolicy {
    /// Count it, recover (prepare, or resume after a suspend) and go on; the counters in
    /// [`PeriodInfo`](crate::PeriodInfo) and [`MmapStream::xruns`](crate::MmapStream::xruns)
    /// report it.
    ///
    /// Bounded: after [`MAX_RECOVERIES_WITHOUT_PERIOD`](crate::MAX_RECOVERIES_WITHOUT_PERIOD)
    /// recoveries in a row with no period handed to the callback in between (a device that
    /// fails again before each period), the period loop returns the fault instead of
    /// recovering forever. `run_until` also looks at its stop flag after each recovery.
    #[default]
    Recover,
    /// Count it and return [`Error::Xrun`] / [`Error::Suspended`]; call
    /// [`MmapStream::recover`](crate::MmapStream::recover) to go on.
    Fail,
}

/// How a stream should be set up. Zero in a threshold, a time or the buffer size means the
/// default.
///
/// [`Config::new`]'s defaults: 1024-frame periods, 4 periods per buffer (4096 frames), every
/// parameter matched exactly ([`Matching::Exact`]), playback starting once the buffer is full,
/// an xrun at an empty (playback) or full (capture) buffer, waking up every period, no
/// silence filling, the architecture's transport ([`TransportChoice::Auto`]), xruns recovered
/// ([`XrunPolicy::Recover`]), a wait timeout of four buffers (at least one second), no
/// fallback format, failing at once on a busy device and monotonic timestamps.
///
/// The period is set in frames ([`Config::period_size`]) or in microseconds
/// ([`Config::period_time_us`]); the buffer as a count of periods ([`Config::periods`]), in
/// frames ([`Config::buffer_size`]) or in microseconds ([`Config::buffer_time_us`]), the last
/// one set winning. Times are turned into frames at the negotiated rate. All but the period
/// in frames and the count of periods need the `flexible-buffer` feature (default).
///
/// ```
/// use alsa_direct::{Config, Format, Matching};
/// let config = Config::new(Format::S16Le, 2, 48_000)
///     .period_size(256)
///     .periods(4)
///     .matching(Matching::Nearest);
/// assert_eq!(config.period_size, 256);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Sample format; the stream's sample type must hold it.
    pub format: Format,
    /// Channels per frame.
    pub channels: u32,
    /// Frames per second.
    pub rate: u32,
    /// Frames per period: the slice handed to the callback.
    pub period_size: u32,
    /// Periods per buffer (at least 2).
    pub periods: u32,
    /// Microseconds per period (default 0: use `period_size`); turned into frames at the
    /// negotiated rate.
    #[cfg(feature = "flexible-buffer")]
    pub period_time_us: u32,
    /// Frames per buffer (default 0: `period_size * periods`, or `buffer_time_us`).
    #[cfg(feature = "flexible-buffer")]
    pub buffer_size: u32,
    /// Microseconds per buffer (default 0: unused); turned into frames at the negotiated rate.
    #[cfg(feature = "flexible-buffer")]
    pub buffer_time_us: u32,
    /// Exact values, or the nearest the device offers, per parameter (default: exact).
    pub matching: ParamMatching,
    /// Playback starts when this many frames are queued (default: the whole buffer).
    /// Capture ignores it and starts at once.
    pub start_threshold: u32,
    /// The stream stops with an xrun when this many frames are free (playback) or filled
    /// (capture) (default: the buffer size).
    pub stop_threshold: u32,
    /// Silence filling threshold for playback (default 0: off).
    pub silence_threshold: u32,
    /// Silence filling size (default 0).
    pub silence_size: u32,
    /// Wake up when this many frames are available (default: one period).
    pub avail_min: u32,
    /// Mapped pages or `SYNC_PTR`.
    pub transport: TransportChoice,
    /// What to do on an xrun or suspend.
    pub xrun_policy: XrunPolicy,
    /// How long a wait for a period may take before [`Error::Timeout`], in milliseconds
    /// (default 0: four buffer durations, at least one second).
    pub timeout_ms: u32,
    /// Formats to try after `format`, in order, when the device does not take the
    /// configuration with it (default: none); see [`Config::formats`].
    pub fallback_formats: Formats,
    /// What opening does when the device is in use (default: fail at once with `EBUSY`).
    pub open_mode: OpenMode,
    /// The clock of the status timestamps (default: monotonic).
    pub timestamp_clock: TimestampClock,
    /// Keep the stream running through xruns (default: off); see [`Config::keep_running`].
    /// When set, it replaces `stop_threshold`, `silence_threshold` and `silence_size`.
    /// Feature `keep-running` (default).
    #[cfg(feature = "keep-running")]
    pub keep_running: bool,
    /// Wake by timer, without period interrupts, where the driver allows (default: off;
    /// needs the `timer` feature); see [`Config::timer_scheduled`].
    pub timer_scheduled: bool,
    /// A timer-scheduled playback stream's target fill in frames (0: the buffer).
    pub target_fill: u32,
}

impl Config {
    /// `format`, `channels` and `rate`, with 1024-frame periods, 4 per buffer, exact matching
    /// and the defaults for the rest (listed on [`Config`]).
    pub const fn new(format: Format, channels: u32, rate: u32) -> Self {
        Config {
            format,
            channels,
            rate,
            period_size: 1024,
            periods: 4,
            #[cfg(feature = "flexible-buffer")]
            period_time_us: 0,
            #[cfg(feature = "flexible-buffer")]
            buffer_size: 0,
            #[cfg(feature = "flexible-buffer")]
            buffer_time_us: 0,
            matching: ParamMatching::all(Matching::Exact),
            start_threshold: 0,
            stop_threshold: 0,
            silence_threshold: 0,
            silence_size: 0,
            avail_min: 0,
            transport: TransportChoice::Auto,
            xrun_policy: XrunPolicy::Recover,
            timeout_ms: 0,
            fallback_formats: Formats::EMPTY,
            open_mode: OpenMode::FailIfBusy,
            timestamp_clock: TimestampClock::Monotonic,
            #[cfg(feature = "keep-running")]
            keep_running: false,
            timer_scheduled: false,
            target_fill: 0,
        }
    }
    /// Sets the frames per period (and forgets a period time).
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn period_size(mut self, frames: u32) -> Self {
        self.period_size = frames;
        #[cfg(feature = "flexible-buffer")]
        {
            self.period_time_us = 0;
        }
        self
    }
    /// Sets the period in microseconds (alsa-lib's `set_period_time`), turned into frames at
    /// the negotiated rate: 10 000 us at 48 kHz is 480 frames.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    #[cfg(feature = "flexible-buffer")]
    pub const fn period_time_us(mut self, us: u32) -> Self {
        self.period_time_us = us;
        self
    }
    /// Sets the periods per buffer (and forgets a buffer size or time).
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn periods(mut self, periods: u32) -> Self {
        self.periods = periods;
        #[cfg(feature = "flexible-buffer")]
        {
            self.buffer_size = 0;
            self.buffer_time_us = 0;
        }
        self
    }
    /// Sets the buffer size in frames (alsa-lib's `set_buffer_size`; forgets a buffer time):
    /// the periods are what fits in it.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    #[cfg(feature = "flexible-buffer")]
    pub const fn buffer_size(mut self, frames: u32) -> Self {
        self.buffer_size = frames;
        self.buffer_time_us = 0;
        self
    }
    /// Sets the buffer in microseconds (alsa-lib's `set_buffer_time`; forgets a buffer
    /// size), turned into frames at the negotiated rate.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    #[cfg(feature = "flexible-buffer")]
    pub const fn buffer_time_us(mut self, us: u32) -> Self {
        self.buffer_time_us = us;
        self.buffer_size = 0;
        self
    }
    /// Sets exact or nearest matching for every parameter.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn matching(mut self, matching: Matching) -> Self {
        self.matching = ParamMatching::all(matching);
        self
    }
    /// Sets exact or nearest matching for one parameter (alsa-lib's `set_rate` against
    /// `set_rate_near`): the period's size and time share one, and so do the periods and the
    /// buffer's size and time (see [`ParamMatching::of`]).
    ///
    /// ```
    /// use alsa_direct::{Config, Format, Matching, Param};
    /// // Any rate near 44.1 kHz, but exactly 2 channels and 256-frame periods.
    /// let config = Config::new(Format::S16Le, 2, 44_100)
    ///     .period_size(256)
    ///     .matching_for(Param::Rate, Matching::Nearest);
    /// assert_eq!(config.matching.of(Param::Rate), Some(Matching::Nearest));
    /// assert_eq!(config.matching.of(Param::PeriodSize), Some(Matching::Exact));
    /// ```
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn matching_for(mut self, param: Param, matching: Matching) -> Self {
        self.matching = self.matching.with(param, matching);
        self
    }
    /// Sets the transport.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn transport(mut self, transport: TransportChoice) -> Self {
        self.transport = transport;
        self
    }
    /// Sets the xrun policy.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn xrun_policy(mut self, policy: XrunPolicy) -> Self {
        self.xrun_policy = policy;
        self
    }
    /// Sets the playback start threshold in frames.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn start_threshold(mut self, frames: u32) -> Self {
        self.start_threshold = frames;
        self
    }
    /// Sets the wait timeout in milliseconds.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }
    /// Sets the wakeup threshold in frames for [`MmapStream::wait`](super::MmapStream::wait)
    /// (below a period wakes `begin`/`commit` loops earlier; `run` still waits for whole
    /// periods).
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn avail_min(mut self, frames: u32) -> Self {
        self.avail_min = frames;
        self
    }
    /// Sets what opening does when the device is in use.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn open_mode(mut self, mode: OpenMode) -> Self {
        self.open_mode = mode;
        self
    }
    /// Sets the clock of the status timestamps.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn timestamp_clock(mut self, clock: TimestampClock) -> Self {
        self.timestamp_clock = clock;
        self
    }
    /// Sets the stop threshold in frames.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn stop_threshold(mut self, frames: u32) -> Self {
        self.stop_threshold = frames;
        self
    }
    /// Sets playback silence filling: when fewer than `threshold` frames are queued, the
    /// kernel writes `size` frames of silence after them.
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn silence(mut self, threshold: u32, size: u32) -> Self {
        self.silence_threshold = threshold;
        self.silence_size = size;
        self
    }

    /// Keeps the stream running through xruns, the way JACK and PipeWire run playback: the
    /// stop threshold and the silence size become the ring's boundary and the silence
    /// threshold 0, so the kernel never stops the stream and writes silence over each part
    /// of the buffer just played. A late program is heard as a gap of silence, not as a stop
    /// and a restart (which pops an amplifier and restarts the I2S clock).
    ///
    /// The stream then finds its xruns from the positions (the hardware pointer passing the
    /// application pointer), counts each once and moves on past the hardware; see
    /// [`MmapStream::catch_up`](crate::MmapStream::catch_up). Capture keeps running too (an
    /// overrun loses the frames overwritten, counted the same way). The thresholds are set
    /// after `SW_PARAMS` told the boundary, which no `u32` threshold could hold;
    /// [`crate::Setup::keeps_running`] tells that the kernel took them. Feature
    /// `keep-running` (default).
    ///
    /// ```
    /// use alsa_direct::{Config, Format};
    /// let config = Config::new(Format::S16Le, 2, 48_000).keep_running();
    /// assert!(config.keep_running);
    /// ```
    #[cfg(feature = "keep-running")]
    pub const fn keep_running(mut self) -> Self {
        self.keep_running = true;
        self
    }

    /// Wakes the stream by its own timer instead of the period interrupt (feature `timer`),
    /// where the driver can turn its period interrupts off
    /// (`SNDRV_PCM_INFO_NO_PERIOD_WAKEUP`: snd-hda-intel),
    /// keeping `target_fill` frames queued for playback (0: the whole buffer; change it while
    /// running with `MmapStream::set_target_fill`).
    ///
    /// The stream sleeps until the hardware will have made the next period available at the
    /// nominal rate, from the position read at the last wakeup, then reads the position
    /// again: per period one sleep, one position update and the commit, and no interrupt.
    /// On drivers whose pointer moves in steps (`SNDRV_PCM_INFO_BATCH`) it keeps a period more
    /// queued. The callback API is the same. Where the driver cannot, the stream runs on
    /// period interrupts and [`crate::Setup::wakeups`] says so. A program with its own event
    /// loop ([`MmapStream::try_period`](crate::MmapStream::try_period)) must wake itself:
    /// the descriptor no longer wakes a poll at each period.
    ///
    /// ```
    /// use alsa_direct::{Config, Format};
    /// let config = Config::new(Format::S16Le, 2, 48_000).periods(16).timer_scheduled(480);
    /// assert!(config.timer_scheduled);
    /// assert_eq!(config.target_fill, 480);
    /// ```
    pub const fn timer_scheduled(mut self, target_fill: u32) -> Self {
        self.timer_scheduled = true;
        self.target_fill = target_fill;
        self
    }

    /// Sets the acceptable formats in order of preference ("S16, else S32"): the first
    /// becomes `format`, the others `fallback_formats` (up to [`params::MAX_FORMATS`] in
    /// all). The stream takes the first that its sample type holds and the device accepts
    /// with the rest of the configuration; [`crate::Setup::negotiated`] says which. To pick
    /// the sample type for the format the device will take, see [`Config::choose_format`].
    /// An empty list changes nothing.
    ///
    /// ```
    /// use alsa_direct::{Config, Format};
    /// let config = Config::new(Format::S16Le, 2, 48_000).formats(&[Format::S32Le, Format::S24Le]);
    /// assert_eq!(config.format, Format::S32Le);
    /// assert_eq!(config.preferred_formats().as_slice(), [Format::S32Le, Format::S24Le]);
    /// ```
    #[must_use = "the setter returns the new Config: assign it (`config = config.period_size(256)`)"]
    pub const fn formats(mut self, formats: &[Format]) -> Self {
        if let [first, rest @ ..] = formats {
            self.format = *first;
            self.fallback_formats = Formats::new(rest);
        }
        self
    }

    /// `format`, then `fallback_formats`: the order in which they are tried.
    pub fn preferred_formats(&self) -> Formats {
        self.fallback_formats
            .as_slice()
            .iter()
            .fold(Formats::new(&[self.format]), |list, f| list.with(*f))
    }

    /// The format a stream opened on `pcm` with this configuration would get, whatever its
    /// sample type: the first of [`Config::preferred_formats`] with which the device accepts
    /// the whole configuration. Only asks (`HW_REFINE`), sets nothing: open the stream with
    /// the sample type for the answer next, on the same device
    /// ([`crate::MmapStream::with_device`]) with `.formats(&[format])`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] before any system call; the negotiation's
    /// [`Error::UnsupportedFormat`], [`Error::Unsupported`] or [`Error::NoMmapAccess`] for the
    /// first format the device offers.
    pub fn choose_format(&self, pcm: &mut PcmDevice) -> Result<Format> {
        self.validate()?;
        let request = self.request();
        let (_, negotiated) = params::negotiate_formats(pcm, &request, self.preferred_formats().as_slice())?;
        Ok(negotiated.format)
    }

    /// The request to negotiate (the first format; see [`Config::preferred_formats`]).
    pub(super) fn request(&self) -> Request {
        Request {
            format: self.format,
            channels: self.channels,
            rate: self.rate,
            period_size: self.period_size,
            periods: self.periods,
            #[cfg(feature = "flexible-buffer")]
            period_time_us: self.period_time_us,
            #[cfg(feature = "flexible-buffer")]
            buffer_size: self.buffer_size,
            #[cfg(feature = "flexible-buffer")]
            buffer_time_us: self.buffer_time_us,
            matching: self.matching,
        }
    }

    /// Checks what can be checked without a device.
    pub(super) fn validate(&self) -> Result<()> {
        let invalid = |e| Err(Error::InvalidConfig(e));
        if self.channels == 0 {
            return invalid(ConfigError::ZeroChannels);
        }
        if self.rate == 0 {
            return invalid(ConfigError::ZeroRate);
        }
        #[cfg(feature = "flexible-buffer")]
        let (period_time_us, buffer_size, buffer_time_us) =
            (self.period_time_us, self.buffer_size, self.buffer_time_us);
        #[cfg(not(feature = "flexible-buffer"))]
        let (period_time_us, buffer_size, buffer_time_us) = (0, 0, 0);
        if self.period_size == 0 && period_time_us == 0 {
            return invalid(ConfigError::ZeroPeriodSize);
        }
        if self.periods < 2 && buffer_size == 0 && buffer_time_us == 0 {
            return invalid(ConfigError::TooFewPeriods);
        }
        // The buffer in frames when it is asked for in frames; given as a time, it is known
        // at the negotiated rate only (and the kernel checks the thresholds against it).
        let buffer = match (buffer_size, buffer_time_us, period_time_us) {
            (0, 0, 0) => match self.period_size.checked_mul(self.periods) {
                Some(frames) => frames,
                None => return invalid(ConfigError::BufferTooLarge),
            },
            (0, _, _) => return Ok(()),
            (frames, _, _) => frames,
        };
        if [self.start_threshold, self.avail_min].iter().any(|&t| t > buffer) {
            return invalid(ConfigError::ThresholdBeyondBuffer);
        }
        Ok(())
    }
}

impl Default for Config {
    /// `S16` native endian, stereo, 48 kHz.
    fn default() -> Self {
        Config::new(Format::S16, 2, 48_000)
    }
}

#[cfg(test)]
mod tests;
