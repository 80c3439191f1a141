//! The crate's one error type.
//!
//! Every error names what failed and, where the kernel refused something, the errno it
//! returned. Its `Display` text says what to do next.

use core::fmt;

mod context;

pub use crate::ioctl::Op;
use crate::types::{ElemType, Format, Param, State};
pub(crate) use context::Tried;
pub use context::{DeviceContext, DeviceError};

/// An errno returned by the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    /// `EPERM`: also what a write to a read-only control gets.
    pub const PERM: Errno = Errno(1);
    /// `ENOENT`
    pub const NOENT: Errno = Errno(2);
    /// `EINTR`
    pub const INTR: Errno = Errno(4);
    /// `ENXIO`
    pub const NXIO: Errno = Errno(6);
    /// `EAGAIN`
    pub const AGAIN: Errno = Errno(11);
    /// `ENOMEM`
    pub const NOMEM: Errno = Errno(12);
    /// `EACCES`
    pub const ACCES: Errno = Errno(13);
    /// `EBUSY`
    pub const BUSY: Errno = Errno(16);
    /// `ENODEV`
    pub const NODEV: Errno = Errno(19);
    /// `EINVAL`
    pub const INVAL: Errno = Errno(22);
    /// `ENOTTY`
    pub const NOTTY: Errno = Errno(25);
    /// `ENOSYS`: the call is not available (see [`crate::realtime`]).
    pub const NOSYS: Errno = Errno(38);
    /// `EPIPE`: the stream is in an xrun.
    pub const PIPE: Errno = Errno(32);
    /// `EBADFD`: the stream is in the wrong state for the call.
    pub const BADFD: Errno = Errno(77);
    /// `ESTRPIPE`: the stream is suspended.
    pub const STRPIPE: Errno = Errno(86);

    /// The symbolic name of the errnos this crate meets, `None` for others.
    pub const fn name(self) -> Option<&'static str> {
        // A search of a table rather than a `match`: the match's jump table over 1..=110 and
        // its arms are twice the size, which counts in the firmware tone's budget.
        let mut i = 0;
        while i < ERRNO_NAMES.len() {
            if ERRNO_NAMES[i].0 == self.0 {
                return Some(ERRNO_NAMES[i].1);
            }
            i += 1;
        }
        None
    }
}

/// The errnos [`Errno::name`] knows, with their names.
const ERRNO_NAMES: [(i32, &str); 19] = [
    (1, "EPERM"),
    (2, "ENOENT"),
    (4, "EINTR"),
    (5, "EIO"),
    (6, "ENXIO"),
    (9, "EBADF"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (14, "EFAULT"),
    (16, "EBUSY"),
    (19, "ENODEV"),
    (22, "EINVAL"),
    (25, "ENOTTY"),
    (32, "EPIPE"),
    (38, "ENOSYS"),
    (77, "EBADFD"),
    (86, "ESTRPIPE"),
    (110, "ETIMEDOUT"),
];

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Self {
        Errno(e.raw_os_error())
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Errno {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self.name() {
            Some(name) => defmt::write!(f, "{=str} ({=i32})", name, self.0),
            None => defmt::write!(f, "errno {=i32}", self.0),
        }
    }
}

/// Everything that can go wrong, from a bad device name to an xrun.
///
/// Its `Debug` is its `Display` text, so that `fn main() -> Result<(), Error>` prints what
/// failed and what to do rather than the variant. Opening and setting up a stream return a
/// [`DeviceError`], which also names the device.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A system call failed.
    Sys {
        /// What was being done.
        op: Op,
        /// What the kernel said.
        errno: Errno,
    },
    /// The device name could not be parsed.
    BadDeviceName,
    /// The name is a valid ALSA name, but for an alsa-lib plugin (`plughw:`, `default`...)
    /// that only alsa-lib can provide.
    PluginDevice,
    /// No card has this id (the `Loopback` of `hw:Loopback,0`).
    UnknownCard,
    /// The name is a device node path (`/dev/snd/pcmC0D0p`), which
    /// [`crate::PcmDevice::open_path`] opens, not an ALSA name.
    NodePath,
    /// The device speaks an older PCM protocol than this crate needs.
    ProtocolTooOld {
        /// The version the device reported (`SNDRV_PROTOCOL_VERSION` encoding).
        version: u32,
    },
    /// The device node is for the other direction.
    WrongDirection,
    /// A configuration value is out of range before the device was even asked.
    InvalidConfig(ConfigError),
    /// The sample type does not match the configured format.
    FormatMismatch {
        /// The configured format.
        format: Format,
    },
    /// The device cannot do the requested value (exact matching), or nothing near it.
    Unsupported {
        /// Which parameter.
        param: Param,
        /// What was asked for.
        requested: u32,
        /// The smallest value the device offers given the earlier choices.
        min: u32,
        /// The largest value the device offers given the earlier choices.
        max: u32,
    },
    /// A format name that is not one of [`Format::name`]'s (`S16_LE`, `FLOAT`...).
    UnknownFormatName,
    /// The device does not offer this sample format.
    UnsupportedFormat {
        /// The format asked for.
        format: Format,
    },
    /// The device does not offer memory-mapped interleaved access.
    NoMmapAccess,
    /// The kernel's channel layout of the DMA buffer is not plain interleaved.
    UnexpectedChannelLayout,
    /// The kernel reported a value this crate does not understand (a state number or a
    /// buffer position out of range).
    BadKernelValue,
    /// An xrun (playback underrun or capture overrun) with the `Fail` policy.
    Xrun,
    /// The stream was suspended (system sleep) with the `Fail` policy.
    Suspended,
    /// The device was unplugged or its driver unbound: a call on the open stream or control
    /// got `ENODEV`, or the stream's state is `DISCONNECTED`. Nothing recovers it: drop the
    /// stream and open the device again once it is back. [`Error::errno`] gives `ENODEV`.
    Disconnected,
    /// A wait for a period ran out: the device stopped delivering.
    Timeout,
    /// The call does not fit the stream's state.
    BadState(State),
    /// A commit of more frames than `begin` handed out.
    CommitTooLarge,
    /// The driver forbids moving the application pointer back (`SNDRV_PCM_INFO_NO_REWINDS`:
    /// SOF, Qualcomm q6asm/q6apm): a rewind was asked for.
    NoRewinds,
    /// An amplifier enable or mute pin could not be set (see the `amp` module, feature
    /// `embedded-hal`).
    AmplifierPin,
    /// No control element of the card has this name (and index).
    NoSuchControl,
    /// The control holds another type of value than the call reads or writes.
    ControlType {
        /// The control's type.
        found: ElemType,
    },
    /// A value outside the control's range (or off its step), refused before the write.
    ControlValue {
        /// The value asked for.
        value: i64,
        /// The smallest value the control takes.
        min: i64,
        /// The largest value the control takes.
        max: i64,
    },
    /// A channel (value index) the control does not have.
    ControlChannel {
        /// The channel asked for.
        channel: u32,
        /// The control's number of values.
        count: u32,
    },
    /// The control's TLV data (its dB scale) is truncated or malformed.
    BadTlv,
    /// The control declares no dB scale, so it cannot be read or set in dB.
    NoDbScale,
    /// A percentage above 100.
    BadPercent(u32),
    /// A control id in text (`Master Playback Volume,index=1`, `numid=3`) that could not be
    /// parsed; see `mixer::ElemSelector::parse`.
    BadControlId,
    /// A stream adopted with [`crate::MmapStream::adopt`] is not set up as the caller said.
    AdoptedMismatch {
        /// The parameter found to differ ([`Param::Channels`], [`Param::FrameBits`] for the
        /// sample width, [`Param::BufferSize`]).
        param: Param,
        /// The value the caller gave.
        claimed: u32,
        /// The kernel's value, when it can be read back (`u32::MAX` when it cannot).
        kernel: u32,
    },
}

/// A configuration value rejected before any system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// Zero channels.
    ZeroChannels,
    /// Zero rate.
    ZeroRate,
    /// Zero frames per period.
    ZeroPeriodSize,
    /// Fewer than two periods per buffer.
    TooFewPeriods,
    /// A threshold or `avail_min` larger than the buffer.
    ThresholdBeyondBuffer,
    /// `period_size * periods` does not fit the kernel's frame counter.
    BufferTooLarge,
    /// An empty list of formats to negotiate.
    NoFormat,
    /// `avail_min` not below the stop threshold (by default the buffer): every wakeup would
    /// come with the stream already stopped by an xrun.
    AvailMinNotBelowStopThreshold,
}

/// The crate's result type.
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// Shorthand for a failed system call.
    pub(crate) fn sys(op: Op, errno: impl Into<Errno>) -> Self {
        Error::Sys {
            op,
            errno: errno.into(),
        }
    }

    /// A failed call on an open device node (an ioctl, a read): `ENODEV` is
    /// [`Error::Disconnected`], since after a card's disconnect (`snd_card_disconnect`) every
    /// call on its open descriptors answers it; other errnos are [`Error::Sys`].
    pub(crate) fn on_device(op: Op, errno: impl Into<Errno>) -> Self {
        let errno = errno.into();
        if errno == Errno::NODEV {
            return Error::Disconnected;
        }
        Error::Sys { op, errno }
    }

    /// The errno, for a failed system call; `ENODEV` for [`Error::Disconnected`], which is
    /// what the kernel answers on a disconnected device.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Sys { errno, .. } => Some(*errno),
            Error::Disconnected => Some(Errno::NODEV),
            _ => None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::ZeroChannels => "zero channels: ask for at least 1",
            ConfigError::ZeroRate => "zero rate: ask for a sample rate such as 48000",
            ConfigError::ZeroPeriodSize => "zero frames per period: ask for at least 1 (256 is usual)",
            ConfigError::TooFewPeriods => {
                "fewer than 2 periods per buffer: ask for 2 or more (4 is usual)"
            }
            ConfigError::ThresholdBeyondBuffer => {
                "a threshold or avail_min is larger than the buffer (period_size * periods): lower it or grow the buffer"
            }
            ConfigError::BufferTooLarge => {
                "period_size * periods overflows: ask for a smaller buffer"
            }
            ConfigError::NoFormat => "no format to negotiate: give at least one",
            ConfigError::AvailMinNotBelowStopThreshold => {
                "avail_min is not below the stop threshold (the buffer by default): lower it"
            }
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Sys { op, errno } => {
                write!(f, "{} failed: {errno}", op.name())?;
                match (*op, *errno) {
                    (Op::OpenPcm | Op::OpenControl, Errno::NOENT) => f.write_str(
                        "; no such device node: check the card and device numbers with `ls /dev/snd` (pcmC<card>D<device>p/c) or `cat /proc/asound/pcm`, and that the driver is loaded",
                    ),
                    (Op::OpenPcm | Op::OpenControl, Errno::ACCES) => f.write_str(
                        "; permission denied: run as a member of the `audio` group or fix the node's permissions",
                    ),
                    (Op::OpenPcm, Errno::BUSY) => f.write_str(
                        "; the device is in use by another stream: close it, or open another subdevice",
                    ),
                    (Op::HwParams, Errno::INVAL) => f.write_str(
                        "; the driver refused in HW_PARAMS what it had accepted in HW_REFINE. Some drivers do (i.MX fsl-sai with 44.1 kHz-family rates when its clock is set up for 48 kHz, and other codecs whose clock tree is checked only then): try another rate, or another period or buffer size",
                    ),
                    (Op::MapBuffer, _) => f.write_str(
                        "; the driver may not support mmap of its buffer; this crate needs mmap access",
                    ),
                    (Op::ElemWrite, Errno::PERM) => f.write_str(
                        "; the control is read-only: check its access (`Mixer::info`, or `amixer contents`)",
                    ),
                    (Op::ElemWrite, Errno::BUSY) => f.write_str(
                        "; another process has locked the control: wait for it to unlock it",
                    ),
                    (Op::ElemInfo | Op::ElemRead | Op::ElemWrite | Op::TlvRead, Errno::NOENT) => f.write_str(
                        "; no such control element (removed?): list the controls again (`Mixer::elements`, or `amixer controls`)",
                    ),
                    (Op::ElemAdd, Errno::BUSY) => f.write_str(
                        "; the card has an element of this name and index already: remove it or pick another index",
                    ),
                    (Op::ElemRemove, Errno::INVAL) => f.write_str(
                        "; only user controls (made with Mixer::add_user_control) can be removed",
                    ),
                    (Op::TlvRead, Errno::NXIO) => f.write_str("; the control has no TLV (dB) data"),
                    (Op::SetScheduler, Errno::PERM) => f.write_str(
                        "; realtime scheduling needs CAP_SYS_NICE (root) or an RLIMIT_RTPRIO of at least the priority (ulimit -r)",
                    ),
                    (Op::LockMemory, Errno::PERM | Errno::NOMEM) => f.write_str(
                        "; locking memory needs CAP_IPC_LOCK (root) or a larger RLIMIT_MEMLOCK (ulimit -l)",
                    ),
                    (Op::ReadEvent, Errno::BADFD) => f.write_str(
                        "; the control device is not subscribed to events: call Mixer::subscribe first",
                    ),
                    (_, Errno::NODEV) => f.write_str(
                        "; no device behind the node (unplugged?): open it again once the device is back (`ls /dev/snd`)",
                    ),
                    _ => Ok(()),
                }
            }
            Error::BadDeviceName => f.write_str(
                "bad device name: use hw:CARD,DEVICE[,SUBDEVICE] with CARD a number or a card id, e.g. hw:0,0 or hw:Loopback,1,0",
            ),
            Error::PluginDevice => f.write_str(
                "this is an alsa-lib plugin name; alsa-direct opens hardware devices only: use hw:CARD,DEVICE and a format the card supports",
            ),
            Error::UnknownCard => f.write_str(
                "no card has this id: list the cards with `cat /proc/asound/cards` (the id is the word in brackets)",
            ),
            Error::NodePath => f.write_str(
                "this is a device node path, not an ALSA name: open it with PcmDevice::open_path and set it up with MmapStream::with_device, or name it hw:CARD,DEVICE (pcmC0D0p is hw:0,0)",
            ),
            Error::ProtocolTooOld { version } => write!(
                f,
                "the device speaks PCM protocol {}.{}.{}; alsa-direct needs 2.0.12 or newer: update the kernel",
                version >> 16,
                (version >> 8) & 0xff,
                version & 0xff
            ),
            Error::WrongDirection => f.write_str(
                "the device node is for the other direction: open a playback stream on a ...p node and a capture stream on a ...c node",
            ),
            Error::InvalidConfig(e) => write!(f, "invalid configuration: {e}"),
            Error::FormatMismatch { format } => write!(
                f,
                "the stream's sample type does not hold {format}: use {} samples (MmapStream::<{}, _>), or ask for a format the sample type holds (Format::sample_type names it for each format)",
                format.sample_type(),
                format.sample_type()
            ),
            Error::Unsupported {
                param,
                requested,
                min,
                max,
            } => write!(
                f,
                "the device does not support {param} {requested} (it offers {min}..={max}): pick a value in range, or use Matching::Nearest"
            ),
            Error::UnknownFormatName => f.write_str(
                "unknown format name: use U8, S8, S16_LE, S16_BE, S24_LE, S24_BE, S32_LE, S32_BE, FLOAT_LE, FLOAT_BE, IEC958_SUBFRAME_LE, IEC958_SUBFRAME_BE, S24_3LE or S24_3BE (S16, S24, S32, FLOAT and IEC958_SUBFRAME mean this machine's byte order)",
            ),
            Error::UnsupportedFormat { format } => write!(
                f,
                "the device does not offer {format}: pick one it lists (`PcmDevice::capabilities` prints them)"
            ),
            Error::NoMmapAccess => f.write_str(
                "the device does not offer mmap interleaved access, which alsa-direct needs: use another device",
            ),
            Error::UnexpectedChannelLayout => f.write_str(
                "the DMA buffer is not plain interleaved frames: this driver needs alsa-lib's plugins",
            ),
            Error::BadKernelValue => f.write_str(
                "the kernel reported a state or position out of range: please report this with your kernel version",
            ),
            Error::Xrun => f.write_str(
                "xrun (playback underrun or capture overrun): the callback was too slow; call recover() or use XrunPolicy::Recover, and use larger periods",
            ),
            Error::Suspended => {
                f.write_str("the stream was suspended: call recover() to resume or prepare it")
            }
            Error::Disconnected => f.write_str(
                "the device was disconnected (unplugged, or its driver unbound): drop the stream (retrying or recovering cannot help), and open the device again once it is back (`ls /dev/snd`)",
            ),
            Error::Timeout => f.write_str(
                "no period arrived within the wait timeout: the device stopped delivering (a stopped clock, a paused loopback peer?)",
            ),
            Error::BadState(state) => write!(f, "the call does not fit the stream state {state:?}"),
            Error::CommitTooLarge => {
                f.write_str("commit of more frames than begin() handed out")
            }
            Error::NoRewinds => f.write_str("the driver forbids rewinds (SNDRV_PCM_INFO_NO_REWINDS)"),
            Error::AmplifierPin => f.write_str(
                "the amplifier enable/mute pin could not be set: check the GPIO (its line number, that it is an output and that no other driver or process holds it)",
            ),
            Error::NoSuchControl => f.write_str(
                "no control of the card has this name and index: list the controls (`Mixer::elements`, or `amixer controls`; names are case-sensitive)",
            ),
            Error::ControlType { found } => write!(
                f,
                "the control holds {found} values, not the type asked for: read and write it with the calls for its type"
            ),
            Error::ControlValue { value, min, max } => write!(
                f,
                "value {value} is outside the control's range {min}..={max} (or off its step): pick a value in range"
            ),
            Error::ControlChannel { channel, count } => write!(
                f,
                "the control has {count} values; there is no channel {channel}: use 0..{count}"
            ),
            Error::BadTlv => f.write_str(
                "the control's TLV (dB scale) data is truncated or malformed: the driver declares a bad scale; use the raw values",
            ),
            Error::NoDbScale => f.write_str(
                "the control declares no dB scale: set it by raw value or percent instead",
            ),
            Error::BadPercent(p) => write!(f, "{p}% is more than 100%: give 0 to 100"),
            Error::BadControlId => f.write_str(
                "bad control id: give `NAME`, `NAME,index=N` or `numid=N` (docs/mixer.md)",
            ),
            Error::AdoptedMismatch { param, claimed, kernel } => {
                write!(f, "the adopted stream's {param} is not {claimed} as given")?;
                if *kernel != u32::MAX {
                    write!(f, " but {kernel}")?;
                }
                f.write_str(
                    ": pass the values its HW_PARAMS set (with alsa-lib, snd_pcm_hw_params_get_format, _channels, _rate, _period_size and _buffer_size)",
                )
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(all(test, feature = "device-context"))]
mod tests;
