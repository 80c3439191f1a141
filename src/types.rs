//! The plain types every layer names, the error type included: sample formats, hardware
//! parameters, stream directions and states, control value types. Definitions only: what they
//! do lives with the layer they belong to (`params`, `stream`, `mixer`), which re-exports them.

/// A sample format (`SNDRV_PCM_FORMAT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Format {
    /// Signed 8 bit.
    S8,
    /// Unsigned 8 bit.
    U8,
    /// Signed 16 bit, little endian.
    S16Le,
    /// Signed 16 bit, big endian.
    S16Be,
    /// Signed 24 bit in the low bits of 32, little endian.
    S24Le,
    /// Signed 24 bit in the low bits of 32, big endian.
    S24Be,
    /// Signed 32 bit, little endian.
    S32Le,
    /// Signed 32 bit, big endian.
    S32Be,
    /// 32-bit IEEE 754 float, little endian, range -1.0..=1.0.
    FloatLe,
    /// 32-bit IEEE 754 float, big endian, range -1.0..=1.0.
    FloatBe,
    /// IEC958 (S/PDIF, HDMI) subframes in 32 bits, little endian: what the Raspberry Pi's
    /// HDMI outputs take. Build them with [`crate::iec958::Encoder`].
    Iec958SubframeLe,
    /// IEC958 subframes in 32 bits, big endian.
    Iec958SubframeBe,
    /// Signed 24 bit packed in 3 bytes, little endian.
    S24_3Le,
    /// Signed 24 bit packed in 3 bytes, big endian.
    S24_3Be,
}

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

/// The state of a PCM stream (`SNDRV_PCM_STATE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum State {
    /// Open, not configured.
    Open,
    /// Configured, not prepared.
    Setup,
    /// Ready to start.
    Prepared,
    /// Running.
    Running,
    /// Stopped by an underrun (playback) or overrun (capture).
    Xrun,
    /// Playing out what is queued, then stopping.
    Draining,
    /// Paused.
    Paused,
    /// Suspended by a system sleep.
    Suspended,
    /// The device is gone.
    Disconnected,
}

/// The type of a control's values (`SNDRV_CTL_ELEM_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ElemType {
    /// On/off switches.
    Boolean,
    /// Integers in `long` (32 bits on 32-bit targets).
    Integer,
    /// 64-bit integers.
    Integer64,
    /// Items of a list of names (read with [`Mixer::enum_item_name`](crate::mixer::Mixer::enum_item_name)).
    Enumerated,
    /// Raw bytes.
    Bytes,
    /// An IEC958 (S/PDIF) channel status record.
    Iec958,
    /// `SNDRV_CTL_ELEM_TYPE_NONE` or a number this crate does not know.
    Other(i32),
}

/// The direction of a PCM stream (`SNDRV_PCM_STREAM_*`): which node a device name opens, which
/// streams a listing shows, which channel map a control is for. A stream carries it as a type,
/// [`Playback`](crate::Playback) or [`Capture`](crate::Capture); see
/// [`StreamDirection::DIRECTION`](crate::StreamDirection::DIRECTION).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Direction {
    /// The application writes, the hardware reads (`SNDRV_PCM_STREAM_PLAYBACK`, node suffix `p`).
    Playback,
    /// The hardware writes, the application reads (`SNDRV_PCM_STREAM_CAPTURE`, node suffix `c`).
    Capture,
}
