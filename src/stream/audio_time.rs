//! Audio timestamps of a chosen type (`SNDRV_PCM_IOCTL_STATUS_EXT`): the driver's link
//! counter (HDA's wall clock), where it has one, beside the system time of the same moment.

use super::kernel::Kernel;
use super::{MmapStream, State, StreamDirection, Timestamp};
use crate::abi::{self, SndPcmStatus64, SndTimespec64};
use crate::error::Result;
use crate::sample::Sample;

/// The kind of audio timestamp to ask the driver for (`SNDRV_PCM_AUDIO_TSTAMP_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AudioTimestampType {
    /// The time of the hardware pointer at the nominal rate (every driver).
    Default,
    /// The link's own counter (HDA's wall clock, 24 MHz), reset when the stream starts
    /// (`SNDRV_PCM_INFO_HAS_LINK_ATIME`).
    Link,
    /// The link's counter, not reset at start (`SNDRV_PCM_INFO_HAS_LINK_ABSOLUTE_ATIME`).
    LinkAbsolute,
    /// The link time estimated indirectly (`SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME`).
    LinkEstimated,
    /// The link time synchronized with the system time (Intel's ART,
    /// `SNDRV_PCM_INFO_HAS_LINK_SYNCHRONIZED_ATIME`).
    LinkSynchronized,
}

impl AudioTimestampType {
    /// Every type, in the kernel's order.
    pub const ALL: [AudioTimestampType; 5] = [
        AudioTimestampType::Default,
        AudioTimestampType::Link,
        AudioTimestampType::LinkAbsolute,
        AudioTimestampType::LinkEstimated,
        AudioTimestampType::LinkSynchronized,
    ];

    /// The `SNDRV_PCM_AUDIO_TSTAMP_TYPE_*` number.
    fn raw(self) -> u32 {
        match self {
            AudioTimestampType::Default => abi::SNDRV_PCM_AUDIO_TSTAMP_TYPE_DEFAULT,
            AudioTimestampType::Link => abi::SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK,
            AudioTimestampType::LinkAbsolute => abi::SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ABSOLUTE,
            AudioTimestampType::LinkEstimated => abi::SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ESTIMATED,
            AudioTimestampType::LinkSynchronized => abi::SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_SYNCHRONIZED,
        }
    }

    /// The type for a `SNDRV_PCM_AUDIO_TSTAMP_TYPE_*` number.
    fn from_raw(raw: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.raw() == raw)
    }

    /// The `SNDRV_PCM_INFO_HAS_*_ATIME` flag that announces it (none for the default).
    fn info_flag(self) -> u32 {
        match self {
            AudioTimestampType::Default => 0,
            AudioTimestampType::Link => abi::SNDRV_PCM_INFO_HAS_LINK_ATIME,
            AudioTimestampType::LinkAbsolute => abi::SNDRV_PCM_INFO_HAS_LINK_ABSOLUTE_ATIME,
            AudioTimestampType::LinkEstimated => abi::SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME,
            AudioTimestampType::LinkSynchronized => abi::SNDRV_PCM_INFO_HAS_LINK_SYNCHRONIZED_ATIME,
        }
    }
}

/// What `STATUS_EXT` answered: the audio timestamp of the type the driver used, and the
/// system time and position of the same status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AudioTime {
    /// The type asked for.
    pub requested: AudioTimestampType,
    /// The type the driver used: the requested one where it supports it, the default
    /// otherwise; `None` when the kernel gave no report (a stream not running).
    pub actual: Option<AudioTimestampType>,
    /// The driver's accuracy in nanoseconds, where it reports one (HDA's link: 42 ns).
    pub accuracy_ns: Option<u32>,
    /// The audio timestamp.
    pub audio_timestamp: Timestamp,
    /// The system time of the status, on [`Setup::timestamp_clock`](crate::Setup::timestamp_clock).
    pub timestamp: Timestamp,
    /// When the driver took its position, where it says (else zero).
    pub driver_timestamp: Timestamp,
    /// The state.
    pub state: State,
    /// The hardware pointer of the status.
    pub hw_ptr: u64,
    /// The kernel's delay (frames between the application pointer and what is heard now).
    pub delay: i64,
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Whether the driver announces audio timestamps of `kind` (its
    /// `SNDRV_PCM_INFO_HAS_*_ATIME` flag; the default type always). HDA announces
    /// [`AudioTimestampType::Link`] for playback only.
    pub fn offers_audio_timestamp(&self, kind: AudioTimestampType) -> bool {
        self.info_flags & kind.info_flag() == kind.info_flag()
    }

    /// Asks for the status with an audio timestamp of `kind` (`SNDRV_PCM_IOCTL_STATUS_EXT`,
    /// one ioctl; the kernel asks the driver for its position first). A type the driver does
    /// not support comes back as [`AudioTimestampType::Default`] in [`AudioTime::actual`].
    ///
    /// # Errors
    /// The kernel's refusal: `ENOTTY` from a kernel without 64-bit-time `STATUS_EXT` (before
    /// 5.6 on 32-bit targets); [`Error::BadKernelValue`](crate::Error::BadKernelValue) for a state out of range.
    pub fn audio_time(&mut self, kind: AudioTimestampType) -> Result<AudioTime> {
        let status = self.kernel.pcm().status_ext(kind.raw())?;
        decode(&status, kind)
    }
}

/// The answer in `status` to a request for `requested`.
// `Sframes` is `i64` on 64-bit targets, `i32` on 32-bit ones.
#[allow(clippy::useless_conversion)]
fn decode(status: &SndPcmStatus64, requested: AudioTimestampType) -> Result<AudioTime> {
    // The kernel keeps the request in the low 16 bits and packs its report above them
    // (`snd_pcm_pack_audio_tstamp_report`): valid (bit 0), the actual type (bits 1-4),
    // whether the accuracy is reported (bit 5).
    let report = status.audio_tstamp_data >> 16;
    let valid = report & 1 != 0;
    let time = |t: &SndTimespec64| Timestamp {
        sec: t.tv_sec,
        nsec: t.tv_nsec & 0xffff_ffff,
    };
    Ok(AudioTime {
        requested,
        actual: if valid {
            match (report >> 1) & 0xf {
                // A driver without its own audio time (no `get_time_info`) leaves the type
                // at 0 (`COMPAT`): the time derived from the position, the default.
                0 => Some(AudioTimestampType::Default),
                raw => AudioTimestampType::from_raw(raw),
            }
        } else {
            None
        },
        accuracy_ns: (valid && report & (1 << 5) != 0).then_some(status.audio_tstamp_accuracy),
        audio_timestamp: time(&status.audio_tstamp),
        timestamp: time(&status.tstamp),
        driver_timestamp: time(&status.driver_tstamp),
        state: State::from_raw(status.state)?,
        hw_ptr: abi::uframes_to_u64(status.hw_ptr),
        delay: i64::from(status.delay),
    })
}

#[cfg(test)]
mod tests;
