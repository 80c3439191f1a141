//! [`Param`]: the hardware parameters that are intervals, their kernel indices and names.

use core::fmt;

use crate::abi;

/// A hardware parameter that is an interval of integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Param {
    /// Bits per sample in memory.
    SampleBits,
    /// Bits per frame in memory.
    FrameBits,
    /// Channels per frame.
    Channels,
    /// Frames per second.
    Rate,
    /// Microseconds per period.
    PeriodTime,
    /// Frames per period.
    PeriodSize,
    /// Bytes per period.
    PeriodBytes,
    /// Periods per buffer.
    Periods,
    /// Microseconds per buffer.
    BufferTime,
    /// Frames per buffer.
    BufferSize,
    /// Bytes per buffer.
    BufferBytes,
}

impl Param {
    /// Every interval parameter, in kernel order.
    pub const ALL: [Param; 11] = [
        Param::SampleBits,
        Param::FrameBits,
        Param::Channels,
        Param::Rate,
        Param::PeriodTime,
        Param::PeriodSize,
        Param::PeriodBytes,
        Param::Periods,
        Param::BufferTime,
        Param::BufferSize,
        Param::BufferBytes,
    ];

    /// `SNDRV_PCM_HW_PARAM_*` index.
    pub(crate) const fn index(self) -> usize {
        match self {
            Param::SampleBits => abi::SNDRV_PCM_HW_PARAM_SAMPLE_BITS,
            Param::FrameBits => abi::SNDRV_PCM_HW_PARAM_FRAME_BITS,
            Param::Channels => abi::SNDRV_PCM_HW_PARAM_CHANNELS,
            Param::Rate => abi::SNDRV_PCM_HW_PARAM_RATE,
            Param::PeriodTime => abi::SNDRV_PCM_HW_PARAM_PERIOD_TIME,
            Param::PeriodSize => abi::SNDRV_PCM_HW_PARAM_PERIOD_SIZE,
            Param::PeriodBytes => abi::SNDRV_PCM_HW_PARAM_PERIOD_BYTES,
            Param::Periods => abi::SNDRV_PCM_HW_PARAM_PERIODS,
            Param::BufferTime => abi::SNDRV_PCM_HW_PARAM_BUFFER_TIME,
            Param::BufferSize => abi::SNDRV_PCM_HW_PARAM_BUFFER_SIZE,
            Param::BufferBytes => abi::SNDRV_PCM_HW_PARAM_BUFFER_BYTES,
        }
    }

    /// Lower-case name, as in tinyalsa's dump.
    pub const fn name(self) -> &'static str {
        match self {
            Param::SampleBits => "sample bits",
            Param::FrameBits => "frame bits",
            Param::Channels => "channels",
            Param::Rate => "rate",
            Param::PeriodTime => "period time (us)",
            Param::PeriodSize => "period size (frames)",
            Param::PeriodBytes => "period bytes",
            Param::Periods => "periods",
            Param::BufferTime => "buffer time (us)",
            Param::BufferSize => "buffer size (frames)",
            Param::BufferBytes => "buffer bytes",
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
