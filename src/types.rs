//! The plain types every layer names, the error type included: sample formats, hardware
//! parameters, stream directions and states, control value types. [`Format`], [`Param`] and
//! [`ElemType`] come with what they are (kernel numbers, names, sizes), which `error`, `sample`
//! and `params` use; what the others do lives with the layer they belong to (`stream`), which
//! re-exports them.

use core::fmt;

use crate::abi;

mod format;
mod param;

pub use format::Format;
pub use param::Param;

/// The state of a PCM stream (`SNDRV_PCM_STATE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
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

impl ElemType {
    /// The type for a `SNDRV_CTL_ELEM_TYPE_*` number.
    pub(crate) fn from_raw(raw: i32) -> Self {
        match raw {
            abi::SNDRV_CTL_ELEM_TYPE_BOOLEAN => ElemType::Boolean,
            abi::SNDRV_CTL_ELEM_TYPE_INTEGER => ElemType::Integer,
            abi::SNDRV_CTL_ELEM_TYPE_INTEGER64 => ElemType::Integer64,
            abi::SNDRV_CTL_ELEM_TYPE_ENUMERATED => ElemType::Enumerated,
            abi::SNDRV_CTL_ELEM_TYPE_BYTES => ElemType::Bytes,
            abi::SNDRV_CTL_ELEM_TYPE_IEC958 => ElemType::Iec958,
            other => ElemType::Other(other),
        }
    }

    /// The `SNDRV_CTL_ELEM_TYPE_*` number.
    pub(crate) fn to_raw(self) -> i32 {
        match self {
            ElemType::Boolean => abi::SNDRV_CTL_ELEM_TYPE_BOOLEAN,
            ElemType::Integer => abi::SNDRV_CTL_ELEM_TYPE_INTEGER,
            ElemType::Integer64 => abi::SNDRV_CTL_ELEM_TYPE_INTEGER64,
            ElemType::Enumerated => abi::SNDRV_CTL_ELEM_TYPE_ENUMERATED,
            ElemType::Bytes => abi::SNDRV_CTL_ELEM_TYPE_BYTES,
            ElemType::Iec958 => abi::SNDRV_CTL_ELEM_TYPE_IEC958,
            ElemType::Other(raw) => raw,
        }
    }
}

impl fmt::Display for ElemType {
    /// The short names tinymix prints: `BOOL`, `INT`, `INT64`, `ENUM`, `BYTE`, `IEC958`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElemType::Boolean => f.write_str("BOOL"),
            ElemType::Integer => f.write_str("INT"),
            ElemType::Integer64 => f.write_str("INT64"),
            ElemType::Enumerated => f.write_str("ENUM"),
            ElemType::Bytes => f.write_str("BYTE"),
            ElemType::Iec958 => f.write_str("IEC958"),
            ElemType::Other(raw) => write!(f, "TYPE{raw}"),
        }
    }
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
