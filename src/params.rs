//! Hardware parameters: formats, masks and intervals, what a device can do (`HW_REFINE`), and
//! the negotiation of a configuration before `HW_PARAMS`.
//!
//! The negotiation is written against the [`Refine`] trait, so it is pure logic that can be
//! tested on the host with any model of a device; [`crate::MmapStream`] drives it with the
//! kernel's `SNDRV_PCM_IOCTL_HW_REFINE`.

use core::fmt;

use crate::abi::{self, Plain, SndInterval, SndPcmHwParams};
use crate::error::{ConfigError, Error, Result};
pub use crate::types::{Format, Param};

impl core::str::FromStr for Format {
    type Err = Error;

    /// See [`Format::from_name`].
    fn from_str(name: &str) -> Result<Format> {
        Format::from_name(name).ok_or(Error::UnknownFormatName)
    }
}

/// An inclusive range of values a parameter may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Range {
    /// Smallest value (open bounds are turned into the next integer).
    pub min: u32,
    /// Largest value.
    pub max: u32,
}

/// A `snd_pcm_hw_params` record: the configuration space being narrowed down.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HwParams {
    raw: SndPcmHwParams,
}

impl HwParams {
    /// Every value allowed (tinyalsa's `param_init`): the starting point of a refine.
    pub(crate) fn any() -> Self {
        let mut raw = SndPcmHwParams::zeroed();
        for mask in &mut raw.masks {
            mask.bits = [u32::MAX; 8];
        }
        for interval in &mut raw.intervals {
            *interval = SndInterval {
                min: 0,
                max: u32::MAX,
                flags: 0,
            };
        }
        raw.rmask = u32::MAX;
        raw.info = u32::MAX;
        HwParams { raw }
    }

    /// The raw record, for the ioctl.
    pub(crate) fn raw_mut(&mut self) -> &mut SndPcmHwParams {
        &mut self.raw
    }

    fn interval(&self, param: Param) -> &SndInterval {
        &self.raw.intervals[param.index() - abi::SNDRV_PCM_HW_PARAM_FIRST_INTERVAL]
    }

    fn interval_mut(&mut self, param: Param) -> &mut SndInterval {
        &mut self.raw.intervals[param.index() - abi::SNDRV_PCM_HW_PARAM_FIRST_INTERVAL]
    }

    /// The values `param` may still take, or `None` when the interval is empty.
    pub(crate) fn range(&self, param: Param) -> Option<Range> {
        let i = self.interval(param);
        let min = if i.flags & abi::INTERVAL_OPENMIN != 0 {
            i.min.checked_add(1)?
        } else {
            i.min
        };
        let max = if i.flags & abi::INTERVAL_OPENMAX != 0 {
            // `[min, 0)` is empty.
            i.max.checked_sub(1)?
        } else {
            i.max
        };
        if i.flags & abi::INTERVAL_EMPTY != 0 || min > max {
            return None;
        }
        Some(Range { min, max })
    }

    /// The value of `param` once it has been narrowed to one value.
    pub(crate) fn value(&self, param: Param) -> Option<u32> {
        self.range(param).filter(|r| r.min == r.max).map(|r| r.min)
    }

    /// Restricts `param` to `min..=max` (integers only) and asks for it to be refined.
    pub(crate) fn set_range(&mut self, param: Param, min: u32, max: u32) {
        *self.interval_mut(param) = SndInterval {
            min,
            max,
            flags: abi::INTERVAL_INTEGER,
        };
        self.raw.rmask |= 1 << param.index();
    }

    /// Restricts `param` to exactly `value`.
    pub(crate) fn set(&mut self, param: Param, value: u32) {
        self.set_range(param, value, value);
    }

    fn mask_bits(&self, index: usize) -> &[u32; 8] {
        &self.raw.masks[index - abi::SNDRV_PCM_HW_PARAM_FIRST_MASK].bits
    }

    fn set_mask(&mut self, index: usize, bit: u32) {
        let mut bits = [0u32; 8];
        bits[(bit / 32) as usize] = 1 << (bit % 32);
        self.raw.masks[index - abi::SNDRV_PCM_HW_PARAM_FIRST_MASK].bits = bits;
        self.raw.rmask |= 1 << index;
    }

    fn mask_has(&self, index: usize, bit: u32) -> bool {
        self.mask_bits(index)[(bit / 32) as usize] & (1 << (bit % 32)) != 0
    }

    /// Restricts the access type to memory-mapped interleaved, the only one this crate uses.
    pub(crate) fn set_mmap_interleaved(&mut self) {
        self.set_mask(
            abi::SNDRV_PCM_HW_PARAM_ACCESS,
            abi::SNDRV_PCM_ACCESS_MMAP_INTERLEAVED,
        );
        self.set_mask(abi::SNDRV_PCM_HW_PARAM_SUBFORMAT, abi::SNDRV_PCM_SUBFORMAT_STD);
    }

    /// Whether memory-mapped interleaved access is still allowed.
    pub(crate) fn allows_mmap_interleaved(&self) -> bool {
        self.mask_has(
            abi::SNDRV_PCM_HW_PARAM_ACCESS,
            abi::SNDRV_PCM_ACCESS_MMAP_INTERLEAVED,
        )
    }

    /// Restricts the format to `format`.
    pub(crate) fn set_format(&mut self, format: Format) {
        self.set_mask(abi::SNDRV_PCM_HW_PARAM_FORMAT, format.to_raw());
    }

    /// Whether `format` is still allowed.
    pub(crate) fn allows_format(&self, format: Format) -> bool {
        self.mask_has(abi::SNDRV_PCM_HW_PARAM_FORMAT, format.to_raw())
    }

    /// The `SNDRV_PCM_INFO_*` flags the kernel reported.
    pub(crate) fn info(&self) -> u32 {
        self.raw.info
    }

    #[cfg(any(feature = "timer", test))]
    /// Asks for no period interrupts (`SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP`) where the
    /// refined parameters offer it (`SNDRV_PCM_INFO_NO_PERIOD_WAKEUP`); whether they do.
    pub(crate) fn request_no_period_wakeup(&mut self) -> bool {
        let offered = self.raw.info & abi::SNDRV_PCM_INFO_NO_PERIOD_WAKEUP != 0;
        if offered {
            self.raw.flags |= abi::SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP;
        }
        offered
    }

    /// The device can pause (`SNDRV_PCM_INFO_PAUSE`).
    pub(crate) fn can_pause(&self) -> bool {
        self.raw.info & abi::SNDRV_PCM_INFO_PAUSE != 0
    }

    /// The device can resume after a suspend (`SNDRV_PCM_INFO_RESUME`).
    pub(crate) fn can_resume(&self) -> bool {
        self.raw.info & abi::SNDRV_PCM_INFO_RESUME != 0
    }

    /// The driver must see every application pointer update (`SNDRV_PCM_INFO_SYNC_APPLPTR`),
    /// so the control page cannot be mapped.
    pub(crate) fn syncs_appl_ptr(&self) -> bool {
        self.raw.info & abi::SNDRV_PCM_INFO_SYNC_APPLPTR != 0
    }

    /// The significant bits per sample the kernel reported (0 when unknown).
    pub(crate) fn msbits(&self) -> u32 {
        self.raw.msbits
    }

    /// Marks every parameter as to be refined again (before `HW_PARAMS`).
    pub(crate) fn request_all(&mut self) {
        self.raw.rmask = u32::MAX;
    }
}

/// Something that can narrow a [`HwParams`] down to what a device supports: the kernel's
/// `HW_REFINE`, or a model of a device in tests.
pub(crate) trait Refine {
    /// Narrows `params` in place; fails when nothing in it is supported.
    fn refine(&mut self, params: &mut HwParams) -> Result<()>;
}

/// How to treat a value the device does not offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Matching {
    /// Fail with [`Error::Unsupported`].
    #[default]
    Exact,
    /// Take the nearest value the device offers (the lower one on a tie) and report it.
    Nearest,
}

/// What to ask the device for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Request {
    /// Sample format (always exact).
    pub(crate) format: Format,
    /// Channels per frame.
    pub(crate) channels: u32,
    /// Frames per second.
    pub(crate) rate: u32,
    /// Frames per period (unless `period_time_us` is set).
    pub(crate) period_size: u32,
    /// Periods per buffer (unless `buffer_size` or `buffer_time_us` is set).
    pub(crate) periods: u32,
    /// Microseconds per period, turned into frames at the chosen rate (0: use `period_size`).
    #[cfg(feature = "flexible-buffer")]
    pub(crate) period_time_us: u32,
    /// Frames per buffer (0: `periods` periods, or `buffer_time_us`).
    #[cfg(feature = "flexible-buffer")]
    pub(crate) buffer_size: u32,
    /// Microseconds per buffer, turned into frames at the chosen rate (0: unused).
    #[cfg(feature = "flexible-buffer")]
    pub(crate) buffer_time_us: u32,
    /// Exact or nearest, for each parameter.
    pub(crate) matching: ParamMatching,
}

impl Request {
    /// `format`, `channels`, `rate` and `periods` periods of `period_size` frames, all
    /// matched by `matching`.
    #[cfg(test)]
    pub(crate) fn new(
        format: Format,
        channels: u32,
        rate: u32,
        period_size: u32,
        periods: u32,
        matching: Matching,
    ) -> Self {
        Request {
            format,
            channels,
            rate,
            period_size,
            periods,
            #[cfg(feature = "flexible-buffer")]
            period_time_us: 0,
            #[cfg(feature = "flexible-buffer")]
            buffer_size: 0,
            #[cfg(feature = "flexible-buffer")]
            buffer_time_us: 0,
            matching: ParamMatching::all(matching),
        }
    }
}

impl Request {
    /// The buffer in frames when it is asked for by size or time (at `rate`), `None` when
    /// it is asked for as a count of periods.
    #[cfg(feature = "flexible-buffer")]
    fn buffer_frames(&self, rate: u32) -> Option<u32> {
        match (self.buffer_size, self.buffer_time_us) {
            (0, 0) => None,
            (0, us) => Some(frames_of_time(us, rate)),
            (frames, _) => Some(frames),
        }
    }

    /// Without the `flexible-buffer` feature the buffer is always a count of periods.
    #[cfg(not(feature = "flexible-buffer"))]
    fn buffer_frames(&self, _rate: u32) -> Option<u32> {
        None
    }

    /// The period in frames: `period_size`, or `period_time_us` at `rate` when it is set.
    fn period_frames(&self, rate: u32) -> u32 {
        #[cfg(feature = "flexible-buffer")]
        if self.period_time_us != 0 {
            return frames_of_time(self.period_time_us, rate);
        }
        let _ = rate;
        self.period_size
    }
}

/// Exact or nearest, chosen per parameter (alsa-lib's `snd_pcm_hw_params_set_*` against
/// `set_*_near`, alsa-rs's `ValueOr`). See [`crate::Config::matching_for`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParamMatching {
    /// Channels per frame.
    pub channels: Matching,
    /// The rate.
    pub rate: Matching,
    /// The period, in frames or microseconds.
    pub period: Matching,
    /// The buffer, as a count of periods, in frames or in microseconds.
    pub buffer: Matching,
}

impl ParamMatching {
    /// `matching` for every parameter.
    pub const fn all(matching: Matching) -> Self {
        ParamMatching {
            channels: matching,
            rate: matching,
            period: matching,
            buffer: matching,
        }
    }

    /// The matching of `param`: [`Param::PeriodSize`], [`Param::PeriodTime`] and
    /// [`Param::PeriodBytes`] share the period's, [`Param::Periods`] and the buffer's size,
    /// time and bytes the buffer's; `None` for the parameters that are not negotiated by
    /// value (sample and frame bits follow from the format and channels).
    pub const fn of(&self, param: Param) -> Option<Matching> {
        match param {
            Param::Channels => Some(self.channels),
            Param::Rate => Some(self.rate),
            Param::PeriodSize | Param::PeriodTime | Param::PeriodBytes => Some(self.period),
            Param::Periods | Param::BufferSize | Param::BufferTime | Param::BufferBytes => Some(self.buffer),
            Param::SampleBits | Param::FrameBits => None,
        }
    }

    /// The same, with `param`'s matching (and that of the parameters sharing it, see
    /// [`ParamMatching::of`]) set to `matching`; unchanged for sample and frame bits.
    #[must_use = "returns the new matchings"]
    pub const fn with(mut self, param: Param, matching: Matching) -> Self {
        match param {
            Param::Channels => self.channels = matching,
            Param::Rate => self.rate = matching,
            Param::PeriodSize | Param::PeriodTime | Param::PeriodBytes => self.period = matching,
            Param::Periods | Param::BufferSize | Param::BufferTime | Param::BufferBytes => {
                self.buffer = matching
            }
            Param::SampleBits | Param::FrameBits => {}
        }
        self
    }
}

/// Frames in `us` microseconds at `rate`, rounded to the nearest, at least 1 and at most
/// `u32::MAX`.
#[inline(never)]
#[cfg(feature = "flexible-buffer")]
pub(crate) fn frames_of_time(us: u32, rate: u32) -> u32 {
    let frames = (u64::from(us) * u64::from(rate) + 500_000) / 1_000_000;
    u32::try_from(frames).unwrap_or(u32::MAX).max(1)
}

/// Microseconds in `frames` at `rate`, rounded to the nearest (0 at rate 0).
fn time_of_frames(frames: u32, rate: u32) -> u32 {
    if rate == 0 {
        return 0;
    }
    let us = (u64::from(frames) * 1_000_000 + u64::from(rate) / 2) / u64::from(rate);
    u32::try_from(us).unwrap_or(u32::MAX)
}

/// The values the device accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Negotiated {
    /// Sample format.
    pub format: Format,
    /// Channels per frame.
    pub channels: u32,
    /// Frames per second.
    pub rate: u32,
    /// Frames per period.
    pub period_size: u32,
    /// Periods per buffer.
    pub periods: u32,
    /// Frames per buffer.
    pub buffer_size: u32,
}

impl Negotiated {
    /// Microseconds per period, rounded to the nearest.
    pub fn period_time_us(&self) -> u32 {
        time_of_frames(self.period_size, self.rate)
    }

    /// Microseconds per buffer, rounded to the nearest.
    pub fn buffer_time_us(&self) -> u32 {
        time_of_frames(self.buffer_size, self.rate)
    }
}

/// One line, as `aplay -v` would sum it up:
/// `S16_LE, 2 channels, 48000 Hz, period 256 frames (5333 us), buffer 1024 frames (4 periods, 21333 us)`.
impl fmt::Display for Negotiated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {} channel{}, {} Hz, period {} frames ({} us), buffer {} frames ({} periods, {} us)",
            self.format,
            self.channels,
            if self.channels == 1 { "" } else { "s" },
            self.rate,
            self.period_size,
            self.period_time_us(),
            self.buffer_size,
            self.periods,
            self.buffer_time_us()
        )
    }
}

/// Narrows `params` to the request, one parameter at a time (access, format, channels, rate,
/// period size, then periods or the buffer size), like alsa-lib's `set_*`/`set_*_near` calls
/// in that order; a time is turned into frames at the rate chosen. Returns the fully determined parameters for `HW_PARAMS` with the
/// values chosen.
pub(crate) fn negotiate(dev: &mut impl Refine, request: &Request) -> Result<(HwParams, Negotiated)> {
    let mut params = HwParams::any();
    params.set_mmap_interleaved();
    if dev.refine(&mut params).is_err() || !params.allows_mmap_interleaved() {
        return Err(Error::NoMmapAccess);
    }
    let mut with_format = params;
    with_format.set_format(request.format);
    if dev.refine(&mut with_format).is_err() {
        return Err(Error::UnsupportedFormat {
            format: request.format,
        });
    }
    params = with_format;
    let m = request.matching;
    // Channels, rate, period, then the periods or the buffer size, in one loop (one inlined
    // `choose` is less code in a firmware build than one call per parameter).
    let mut chosen = [0u32; 4];
    // The buffer asked for in frames or time (at the rate chosen), computed once.
    let mut buffer_frames = None;
    for step in 0..chosen.len() {
        let rate = chosen[1];
        let (param, wanted, matching) = match step {
            0 => (Param::Channels, request.channels, m.channels),
            1 => (Param::Rate, request.rate, m.rate),
            2 => (Param::PeriodSize, request.period_frames(rate), m.period),
            _ => {
                buffer_frames = request.buffer_frames(rate);
                match buffer_frames {
                    None => (Param::Periods, request.periods, m.buffer),
                    Some(frames) => (Param::BufferSize, frames, m.buffer),
                }
            }
        };
        chosen[step] = choose(dev, &mut params, param, wanted, matching)?;
    }
    let [channels, rate, period_size, last] = chosen;
    let (periods, buffer_size) = match buffer_frames {
        None => (
            last,
            params
                .value(Param::BufferSize)
                .or_else(|| period_size.checked_mul(last))
                .ok_or(Error::BadKernelValue)?,
        ),
        // The kernel derives the periods from the two sizes; a driver that allows a buffer
        // of a fractional number of periods leaves them a range: fix the whole number, as
        // the period loop works in whole periods.
        Some(_) => match params.value(Param::Periods) {
            Some(periods) => (periods, last),
            None => {
                let whole = last.checked_div(period_size).ok_or(Error::BadKernelValue)?;
                if !try_fix(dev, &mut params, Param::Periods, whole) {
                    return Err(Error::BadKernelValue);
                }
                (whole, last)
            }
        },
    };
    params.request_all();
    Ok((
        params,
        Negotiated {
            format: request.format,
            channels,
            rate,
            period_size,
            periods,
            buffer_size,
        },
    ))
}

/// Fixes `param` to `wanted` or, with [`Matching::Nearest`], to the nearest value the device
/// accepts; returns the value fixed.
fn choose(
    dev: &mut impl Refine,
    params: &mut HwParams,
    param: Param,
    wanted: u32,
    matching: Matching,
) -> Result<u32> {
    let offered = params.range(param).unwrap_or(Range { min: 0, max: 0 });
    if try_fix(dev, params, param, wanted) {
        return Ok(wanted);
    }
    let unsupported = Error::Unsupported {
        param,
        requested: wanted,
        min: offered.min,
        max: offered.max,
    };
    if matching == Matching::Exact {
        return Err(unsupported);
    }
    // The nearest value at or below, and at or above, as the device sees them. A refine may
    // answer outside the range asked (`Refine` is the caller's too): distances are taken
    // either way.
    let below = narrowed(dev, params, param, 0, wanted).map(|r| r.max);
    let above = narrowed(dev, params, param, wanted, u32::MAX).map(|r| r.min);
    let mut candidates = match (below, above) {
        (Some(b), Some(a)) if wanted.abs_diff(b) <= wanted.abs_diff(a) => [Some(b), Some(a)],
        (Some(b), Some(a)) => [Some(a), Some(b)],
        (b, a) => [b.or(a), None],
    };
    for value in candidates.iter_mut().filter_map(|c| c.take()) {
        if try_fix(dev, params, param, value) {
            return Ok(value);
        }
    }
    Err(unsupported)
}

/// Refines a copy of `params` with `param` in `min..=max`; the narrowed range on success.
fn narrowed(dev: &mut impl Refine, params: &HwParams, param: Param, min: u32, max: u32) -> Option<Range> {
    let mut trial = *params;
    trial.set_range(param, min, max);
    dev.refine(&mut trial).ok()?;
    trial.range(param)
}

/// Fixes `param` to `value` if the device accepts it, keeping the refined result.
fn try_fix(dev: &mut impl Refine, params: &mut HwParams, param: Param, value: u32) -> bool {
    let mut trial = *params;
    trial.set(param, value);
    if dev.refine(&mut trial).is_ok() && trial.value(param) == Some(value) {
        *params = trial;
        true
    } else {
        false
    }
}

/// What a device can do: the refined "any" configuration with mmap interleaved access.
/// `Display` prints it like tinyalsa's `pcm_params_to_string`.
#[derive(Clone, Copy, Debug)]
pub struct Capabilities {
    params: HwParams,
}

impl Capabilities {
    /// Asks `dev` what it can do with mmap interleaved access.
    pub(crate) fn query(dev: &mut impl Refine) -> Result<Self> {
        let mut params = HwParams::any();
        params.set_mmap_interleaved();
        dev.refine(&mut params).map_err(|_| Error::NoMmapAccess)?;
        Ok(Capabilities { params })
    }

    /// The formats offered (those this crate knows).
    pub fn formats(&self) -> impl Iterator<Item = Format> + '_ {
        Format::ALL.into_iter().filter(|f| self.params.allows_format(*f))
    }

    /// Whether `format` is offered.
    pub fn supports_format(&self, format: Format) -> bool {
        self.params.allows_format(format)
    }

    /// The range offered for `param`.
    pub fn range(&self, param: Param) -> Option<Range> {
        self.params.range(param)
    }

    /// Whether the device can pause (`SNDRV_PCM_INFO_PAUSE`).
    pub fn can_pause(&self) -> bool {
        self.params.info() & abi::SNDRV_PCM_INFO_PAUSE != 0
    }

    /// The raw `SNDRV_PCM_INFO_*` bits the driver reported (`snd_pcm_hw_params::info`).
    pub fn info_bits(&self) -> u32 {
        self.params.info()
    }

    /// The names of the `SNDRV_PCM_INFO_*` flags set (without the prefix, e.g. `BATCH`,
    /// `SYNC_APPLPTR`, `NO_PERIOD_WAKEUP`), in bit order; bits without a name are left out.
    pub fn info_flags(&self) -> impl Iterator<Item = &'static str> + '_ {
        INFO_FLAGS
            .iter()
            .filter(|(bit, _)| self.params.info() & bit != 0)
            .map(|&(_, name)| name)
    }
}

/// The `SNDRV_PCM_INFO_*` flags by name, in bit order (`HAS_LINK_ATIME` is also the old
/// `HAS_WALL_CLOCK`).
const INFO_FLAGS: [(u32, &str); 22] = [
    (abi::SNDRV_PCM_INFO_MMAP, "MMAP"),
    (abi::SNDRV_PCM_INFO_MMAP_VALID, "MMAP_VALID"),
    (abi::SNDRV_PCM_INFO_DOUBLE, "DOUBLE"),
    (abi::SNDRV_PCM_INFO_BATCH, "BATCH"),
    (abi::SNDRV_PCM_INFO_SYNC_APPLPTR, "SYNC_APPLPTR"),
    (abi::SNDRV_PCM_INFO_INTERLEAVED, "INTERLEAVED"),
    (abi::SNDRV_PCM_INFO_NONINTERLEAVED, "NONINTERLEAVED"),
    (abi::SNDRV_PCM_INFO_COMPLEX, "COMPLEX"),
    (abi::SNDRV_PCM_INFO_BLOCK_TRANSFER, "BLOCK_TRANSFER"),
    (abi::SNDRV_PCM_INFO_OVERRANGE, "OVERRANGE"),
    (abi::SNDRV_PCM_INFO_RESUME, "RESUME"),
    (abi::SNDRV_PCM_INFO_PAUSE, "PAUSE"),
    (abi::SNDRV_PCM_INFO_HALF_DUPLEX, "HALF_DUPLEX"),
    (abi::SNDRV_PCM_INFO_JOINT_DUPLEX, "JOINT_DUPLEX"),
    (abi::SNDRV_PCM_INFO_SYNC_START, "SYNC_START"),
    (abi::SNDRV_PCM_INFO_NO_PERIOD_WAKEUP, "NO_PERIOD_WAKEUP"),
    (abi::SNDRV_PCM_INFO_HAS_LINK_ATIME, "HAS_LINK_ATIME"),
    (
        abi::SNDRV_PCM_INFO_HAS_LINK_ABSOLUTE_ATIME,
        "HAS_LINK_ABSOLUTE_ATIME",
    ),
    (
        abi::SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME,
        "HAS_LINK_ESTIMATED_ATIME",
    ),
    (
        abi::SNDRV_PCM_INFO_HAS_LINK_SYNCHRONIZED_ATIME,
        "HAS_LINK_SYNCHRONIZED_ATIME",
    ),
    (abi::SNDRV_PCM_INFO_EXPLICIT_SYNC, "EXPLICIT_SYNC"),
    (abi::SNDRV_PCM_INFO_NO_REWINDS, "NO_REWINDS"),
];

#[cfg(feature = "defmt")]
impl defmt::Format for Capabilities {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "formats:");
        for format in self.formats() {
            defmt::write!(f, " {}", format);
        }
        for param in Param::ALL {
            match self.range(param) {
                Some(r) => defmt::write!(f, ", {=str} {=u32}..={=u32}", param.name(), r.min, r.max),
                None => defmt::write!(f, ", {=str} none", param.name()),
            }
        }
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("access: MMAP_INTERLEAVED\nformats:")?;
        for format in self.formats() {
            write!(f, " {format}")?;
        }
        f.write_str("\n")?;
        for param in Param::ALL {
            match self.range(param) {
                Some(r) => writeln!(f, "{:>22}: min={:<10} max={}", param.name(), r.min, r.max)?,
                None => writeln!(f, "{:>22}: none", param.name())?,
            }
        }
        Ok(())
    }
}

/// The most formats a [`Formats`] list holds.
pub const MAX_FORMATS: usize = 8;

/// Sample formats in order of preference, at most [`MAX_FORMATS`], without duplicates: fixed
/// in size and `Copy`, to sit in a [`crate::Config`].
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Formats {
    list: [Format; MAX_FORMATS],
    len: u8,
}

impl Formats {
    /// No format.
    pub const EMPTY: Formats = Formats {
        list: [Format::S8; MAX_FORMATS],
        len: 0,
    };

    /// The first [`MAX_FORMATS`] distinct formats of `formats`, in their order (later
    /// duplicates are dropped).
    pub const fn new(formats: &[Format]) -> Self {
        let mut list = Formats::EMPTY;
        let mut i = 0;
        while i < formats.len() {
            list = list.with(formats[i]);
            i += 1;
        }
        list
    }

    /// `format` added at the end, unless it is already in the list or the list is full.
    pub const fn with(mut self, format: Format) -> Self {
        let mut i = 0;
        while i < self.len as usize {
            if self.list[i].to_raw() == format.to_raw() {
                return self;
            }
            i += 1;
        }
        if (self.len as usize) < MAX_FORMATS {
            self.list[self.len as usize] = format;
            self.len += 1;
        }
        self
    }

    /// The formats, most preferred first.
    pub fn as_slice(&self) -> &[Format] {
        &self.list[..self.len as usize]
    }

    /// The number of formats.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there is none.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The formats for which `keep` holds, in the same order.
    pub fn filter(&self, keep: impl Fn(Format) -> bool) -> Self {
        self.as_slice()
            .iter()
            .filter(|f| keep(**f))
            .fold(Formats::EMPTY, |list, f| list.with(*f))
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::EMPTY
    }
}

impl fmt::Debug for Formats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// [`negotiate`] with each of `formats` in turn (`request.format` is ignored), most preferred
/// first: the first format with which the whole configuration can be negotiated wins, and
/// [`Negotiated::format`] says which. When none can, the error is that of the first format
/// the device offers (why the rest of the configuration failed with it), or
/// [`Error::UnsupportedFormat`] for the first format when the device offers none of them.
pub(crate) fn negotiate_formats(
    dev: &mut impl Refine,
    request: &Request,
    formats: &[Format],
) -> Result<(HwParams, Negotiated)> {
    let mut failure: Option<Error> = None;
    for &format in formats {
        match negotiate(dev, &Request { format, ..*request }) {
            Ok(done) => return Ok(done),
            Err(e) => {
                let offered = !matches!(e, Error::UnsupportedFormat { .. });
                match failure {
                    None => failure = Some(e),
                    Some(Error::UnsupportedFormat { .. }) if offered => failure = Some(e),
                    Some(_) => {}
                }
            }
        }
    }
    Err(failure.unwrap_or(Error::InvalidConfig(ConfigError::NoFormat)))
}

#[cfg(test)]
mod tests;
