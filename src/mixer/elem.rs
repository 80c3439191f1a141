//! Control elements: their identity, access, limits and description, and their values.

use core::ffi::{c_long, c_uint};
use core::fmt;

use heapless::String;

use crate::abi::{self, Plain, SndCtlElemId, SndCtlElemValue};
use crate::device::c_string;
use crate::error::{Error, Result};
use crate::iec958::ChannelStatus;
use crate::types::ElemType;

/// The interface a control element belongs to (`SNDRV_CTL_ELEM_IFACE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Interface {
    /// A global control of the card.
    Card,
    /// A hardware-dependent device.
    Hwdep,
    /// The mixer proper.
    Mixer,
    /// A PCM device (`device`/`subdevice` say which).
    Pcm,
    /// A raw MIDI device.
    Rawmidi,
    /// A timer.
    Timer,
    /// A sequencer client.
    Sequencer,
    /// A number this crate does not know.
    Other(i32),
}

impl Interface {
    fn from_raw(raw: i32) -> Self {
        match raw {
            abi::SNDRV_CTL_ELEM_IFACE_CARD => Interface::Card,
            abi::SNDRV_CTL_ELEM_IFACE_HWDEP => Interface::Hwdep,
            abi::SNDRV_CTL_ELEM_IFACE_MIXER => Interface::Mixer,
            abi::SNDRV_CTL_ELEM_IFACE_PCM => Interface::Pcm,
            abi::SNDRV_CTL_ELEM_IFACE_RAWMIDI => Interface::Rawmidi,
            abi::SNDRV_CTL_ELEM_IFACE_TIMER => Interface::Timer,
            abi::SNDRV_CTL_ELEM_IFACE_SEQUENCER => Interface::Sequencer,
            other => Interface::Other(other),
        }
    }

    fn to_raw(self) -> i32 {
        match self {
            Interface::Card => abi::SNDRV_CTL_ELEM_IFACE_CARD,
            Interface::Hwdep => abi::SNDRV_CTL_ELEM_IFACE_HWDEP,
            Interface::Mixer => abi::SNDRV_CTL_ELEM_IFACE_MIXER,
            Interface::Pcm => abi::SNDRV_CTL_ELEM_IFACE_PCM,
            Interface::Rawmidi => abi::SNDRV_CTL_ELEM_IFACE_RAWMIDI,
            Interface::Timer => abi::SNDRV_CTL_ELEM_IFACE_TIMER,
            Interface::Sequencer => abi::SNDRV_CTL_ELEM_IFACE_SEQUENCER,
            Interface::Other(raw) => raw,
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interface::Card => f.write_str("CARD"),
            Interface::Hwdep => f.write_str("HWDEP"),
            Interface::Mixer => f.write_str("MIXER"),
            Interface::Pcm => f.write_str("PCM"),
            Interface::Rawmidi => f.write_str("RAWMIDI"),
            Interface::Timer => f.write_str("TIMER"),
            Interface::Sequencer => f.write_str("SEQUENCER"),
            Interface::Other(raw) => write!(f, "IFACE{raw}"),
        }
    }
}

/// A control element's identity. The kernel finds an element by `numid` when it is not zero,
/// otherwise by interface, device, subdevice, name and index.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ElemId {
    /// The card-wide number of the element (1 and up).
    pub numid: u32,
    /// The interface.
    pub iface: Interface,
    /// The device (for PCM controls, the PCM device).
    pub device: u32,
    /// The subdevice.
    pub subdevice: u32,
    /// The name, such as `Master Playback Volume`.
    pub name: String<{ abi::SNDRV_CTL_ELEM_ID_NAME_MAXLEN }>,
    /// Tells apart elements of the same name.
    pub index: u32,
}

impl ElemId {
    pub(super) fn from_raw(raw: &SndCtlElemId) -> Self {
        ElemId {
            numid: raw.numid,
            iface: Interface::from_raw(raw.iface),
            device: raw.device,
            subdevice: raw.subdevice,
            name: c_string(&raw.name),
            index: raw.index,
        }
    }

    pub(super) fn to_raw(&self) -> SndCtlElemId {
        let mut name = [0u8; abi::SNDRV_CTL_ELEM_ID_NAME_MAXLEN];
        let len = self.name.len().min(name.len() - 1);
        name[..len].copy_from_slice(&self.name.as_bytes()[..len]);
        SndCtlElemId {
            numid: self.numid,
            iface: self.iface.to_raw(),
            device: self.device,
            subdevice: self.subdevice,
            name,
            index: self.index,
        }
    }
}

/// The access bits of a control (`SNDRV_CTL_ELEM_ACCESS_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Access(pub u32);

impl Access {
    /// The values can be read.
    pub const fn readable(self) -> bool {
        self.0 & abi::SNDRV_CTL_ELEM_ACCESS_READ != 0
    }
    /// The values can be written.
    pub const fn writable(self) -> bool {
        self.0 & abi::SNDRV_CTL_ELEM_ACCESS_WRITE != 0
    }
    /// The values may change without notice (a meter, a status).
    pub const fn volatile(self) -> bool {
        self.0 & abi::SNDRV_CTL_ELEM_ACCESS_VOLATILE != 0
    }
    /// TLV data (a dB scale) can be read.
    pub const fn tlv_readable(self) -> bool {
        self.0 & abi::SNDRV_CTL_ELEM_ACCESS_TLV_READ != 0
    }
    /// The control currently does nothing.
    pub const fn inactive(self) -> bool {
        self.0 & abi::SNDRV_CTL_ELEM_ACCESS_INACTIVE != 0
    }
    /// Another process holds the write lock.
    pub const fn locked(self) -> bool {
        self.0 & abi::SNDRV_CTL_ELEM_ACCESS_LOCK != 0
    }
}

/// The range of a control's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Limits {
    /// Integers (also 64-bit ones) from `min` to `max` inclusive, in steps of `step` from `min`
    /// (`step` 0: any value).
    Integer {
        /// The smallest value.
        min: i64,
        /// The largest value.
        max: i64,
        /// The step, 0 for any.
        step: i64,
    },
    /// Items `0..items` of an enumerated control.
    Enumerated {
        /// The number of items.
        items: u32,
    },
    /// Booleans, bytes, IEC958: no range.
    None,
}

/// A control's description (`ELEM_INFO`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ElemInfo {
    /// The element's identity, with `numid` filled in.
    pub id: ElemId,
    /// The type of its values.
    pub kind: ElemType,
    /// What may be done with it.
    pub access: Access,
    /// The number of values (channels).
    pub count: u32,
    /// The range of the values.
    pub limits: Limits,
}

impl ElemInfo {
    /// The range of an integer control, `(min, max)`.
    pub fn integer_range(&self) -> Option<(i64, i64)> {
        match self.limits {
            Limits::Integer { min, max, .. } => Some((min, max)),
            _ => None,
        }
    }

    /// The number of items of an enumerated control.
    pub fn enum_items(&self) -> Option<u32> {
        match self.limits {
            Limits::Enumerated { items } => Some(items),
            _ => None,
        }
    }

    /// Checks that `channel` is one of the control's values.
    pub(super) fn check_channel(&self, channel: u32) -> Result<()> {
        if channel < self.count {
            Ok(())
        } else {
            Err(Error::ControlChannel {
                channel,
                count: self.count,
            })
        }
    }
}

/// The values of one control, as `ELEM_READ` returns them and `ELEM_WRITE` takes them.
/// Get and set them by channel (value index) with the accessors of the control's type.
#[derive(Clone)]
pub struct Values {
    pub(super) raw: SndCtlElemValue,
    kind: ElemType,
    pub(super) count: u32,
    limits: Limits,
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Values")
            .field("kind", &self.kind)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// A C `long` as `i64`, whatever its width on this target.
#[allow(clippy::useless_conversion)] // A no-op on 64-bit targets, a widening on 32-bit ones.
pub(super) fn long(v: c_long) -> i64 {
    i64::from(v)
}

/// Values per `snd_ctl_elem_value` of each width.
const LONG_VALUES: u32 = 128;
const LONG64_VALUES: u32 = 64;
const BYTE_VALUES: usize = 512;

impl Values {
    /// Zeroed values for the control `info`, addressed to it.
    pub fn new(info: &ElemInfo) -> Self {
        let mut raw = SndCtlElemValue::zeroed();
        raw.id = info.id.to_raw();
        Values {
            raw,
            kind: info.kind,
            count: info.count,
            limits: info.limits,
        }
    }

    /// The type of the values.
    pub fn kind(&self) -> ElemType {
        self.kind
    }

    /// The number of values.
    pub fn count(&self) -> u32 {
        self.count
    }

    fn check(&self, channel: u32, kinds: &[ElemType]) -> Result<usize> {
        if !kinds.contains(&self.kind) {
            return Err(Error::ControlType { found: self.kind });
        }
        let capacity = if self.kind == ElemType::Integer64 {
            LONG64_VALUES
        } else {
            LONG_VALUES
        };
        if channel >= self.count || channel >= capacity {
            return Err(Error::ControlChannel {
                channel,
                count: self.count,
            });
        }
        Ok(channel as usize)
    }

    /// The value of channel `channel` of an integer or 64-bit integer control.
    pub fn integer(&self, channel: u32) -> Result<i64> {
        let i = self.check(channel, &[ElemType::Integer, ElemType::Integer64])?;
        Ok(if self.kind == ElemType::Integer64 {
            self.raw.value.integer64()[i]
        } else {
            long(self.raw.value.integer()[i])
        })
    }

    /// Sets channel `channel` of an integer or 64-bit integer control, checking the range
    /// and step.
    pub fn set_integer(&mut self, channel: u32, value: i64) -> Result<()> {
        let i = self.check(channel, &[ElemType::Integer, ElemType::Integer64])?;
        if let Limits::Integer { min, max, step } = self.limits {
            let off_step = step > 0 && (i128::from(value) - i128::from(min)) % i128::from(step) != 0;
            if value < min || value > max || off_step {
                return Err(Error::ControlValue { value, min, max });
            }
        }
        if self.kind == ElemType::Integer64 {
            self.raw.value.integer64_mut()[i] = value;
        } else {
            let long = c_long::try_from(value).map_err(|_| Error::ControlValue {
                value,
                min: long(c_long::MIN),
                max: long(c_long::MAX),
            })?;
            self.raw.value.integer_mut()[i] = long;
        }
        Ok(())
    }

    /// The value of channel `channel` of a boolean control.
    pub fn boolean(&self, channel: u32) -> Result<bool> {
        let i = self.check(channel, &[ElemType::Boolean])?;
        Ok(self.raw.value.integer()[i] != 0)
    }

    /// Sets channel `channel` of a boolean control.
    pub fn set_boolean(&mut self, channel: u32, on: bool) -> Result<()> {
        let i = self.check(channel, &[ElemType::Boolean])?;
        self.raw.value.integer_mut()[i] = c_long::from(on);
        Ok(())
    }

    /// The item selected on channel `channel` of an enumerated control.
    pub fn enumerated(&self, channel: u32) -> Result<u32> {
        let i = self.check(channel, &[ElemType::Enumerated])?;
        Ok(self.raw.value.enumerated()[i])
    }

    /// Selects `item` on channel `channel` of an enumerated control.
    pub fn set_enumerated(&mut self, channel: u32, item: u32) -> Result<()> {
        let i = self.check(channel, &[ElemType::Enumerated])?;
        if let Limits::Enumerated { items } = self.limits {
            if item >= items {
                return Err(Error::ControlValue {
                    value: item.into(),
                    min: 0,
                    max: i64::from(items) - 1,
                });
            }
        }
        self.raw.value.enumerated_mut()[i] = item as c_uint;
        Ok(())
    }

    /// The bytes of a bytes control (`count` of them), or the IEC958 record of an IEC958
    /// control (`struct snd_aes_iec958`: 24 bytes of channel status, 147 of subcode, a pad
    /// byte and 4 of `dig_subframe`).
    ///
    /// # Errors
    /// [`Error::ControlType`] for a control of another type.
    pub fn bytes(&self) -> Result<&[u8]> {
        let len = self.bytes_len()?;
        Ok(&self.raw.value.bytes()[..len])
    }

    fn bytes_len(&self) -> Result<usize> {
        match self.kind {
            ElemType::Bytes => Ok((self.count as usize).min(BYTE_VALUES)),
            ElemType::Iec958 => Ok(core::mem::size_of::<abi::SndAesIec958>()),
            found => Err(Error::ControlType { found }),
        }
    }

    /// Sets the first `bytes.len()` bytes of a bytes control, or of the IEC958 record of an
    /// IEC958 control (see [`Values::bytes`]), leaving the rest.
    ///
    /// # Errors
    /// [`Error::ControlType`] for a control of another type, [`Error::ControlChannel`] for
    /// more bytes than the control holds.
    pub fn set_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let len = self.bytes_len()?;
        if bytes.len() > len {
            return Err(Error::ControlChannel {
                channel: bytes.len() as u32,
                count: len as u32,
            });
        }
        self.raw.value.bytes_mut()[..bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    /// The channel status of an IEC958 control (its AES0 to AES23 bytes: `IEC958 Playback
    /// Default`, or a mask such as `IEC958 Playback Con Mask`).
    ///
    /// # Errors
    /// [`Error::ControlType`] for a control of another type.
    pub fn iec958_status(&self) -> Result<ChannelStatus> {
        if self.kind != ElemType::Iec958 {
            return Err(Error::ControlType { found: self.kind });
        }
        let mut status = [0u8; 24];
        status.copy_from_slice(&self.raw.value.bytes()[..24]);
        Ok(ChannelStatus(status))
    }

    /// Sets the channel status of an IEC958 control (the subcode and `dig_subframe` stay).
    ///
    /// # Errors
    /// [`Error::ControlType`] for a control of another type.
    pub fn set_iec958_status(&mut self, status: &ChannelStatus) -> Result<()> {
        if self.kind != ElemType::Iec958 {
            return Err(Error::ControlType { found: self.kind });
        }
        self.set_bytes(&status.0)
    }
}

/// Which channels of a control [`Mixer::set`](super::Mixer::set) (and `write_db`,
/// `write_percent`) change: one (`0`, `Some(0)`) or all (`Channels::All`, `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Channels {
    /// This channel (value index) alone.
    One(u32),
    /// Every channel of the control.
    All,
}

impl From<u32> for Channels {
    fn from(channel: u32) -> Self {
        Channels::One(channel)
    }
}

impl From<Option<u32>> for Channels {
    /// `None` is every channel.
    fn from(channel: Option<u32>) -> Self {
        channel.map_or(Channels::All, Channels::One)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for bool {}
    impl Sealed for u32 {}
}

/// The type of one channel's value, as [`Mixer::get`](super::Mixer::get) and
/// [`Mixer::set`](super::Mixer::set) move it: `i64` for integer and 64-bit integer
/// controls, `bool` for boolean ones, `u32` (the item's number) for enumerated ones. Sealed:
/// these three are all.
pub trait ChannelValue: Copy + sealed::Sealed {
    /// Channel `channel` of `values`.
    ///
    /// # Errors
    /// [`Error::ControlType`] for values of another type, [`Error::ControlChannel`] for a
    /// channel they lack.
    fn get(values: &Values, channel: u32) -> Result<Self>;
    /// Sets channel `channel` of `values`, checking the control's range.
    ///
    /// # Errors
    /// As [`ChannelValue::get`], and [`Error::ControlValue`] for a value out of range.
    fn set(values: &mut Values, channel: u32, value: Self) -> Result<()>;
}

impl ChannelValue for i64 {
    fn get(values: &Values, channel: u32) -> Result<Self> {
        values.integer(channel)
    }
    fn set(values: &mut Values, channel: u32, value: Self) -> Result<()> {
        values.set_integer(channel, value)
    }
}

impl ChannelValue for bool {
    fn get(values: &Values, channel: u32) -> Result<Self> {
        values.boolean(channel)
    }
    fn set(values: &mut Values, channel: u32, value: Self) -> Result<()> {
        values.set_boolean(channel, value)
    }
}

impl ChannelValue for u32 {
    fn get(values: &Values, channel: u32) -> Result<Self> {
        values.enumerated(channel)
    }
    fn set(values: &mut Values, channel: u32, value: Self) -> Result<()> {
        values.set_enumerated(channel, value)
    }
}
