//! Mixer controls of a card: list the control elements, read their description, read and
//! write their values, and read their dB scale. No heap: names are `heapless` strings, values
//! travel in one fixed-size kernel record, the listing goes 32 ids at a time on the stack.
//!
//! ```no_run
//! use alsa_direct::mixer::Mixer;
//!
//! let mixer = Mixer::open(0)?;
//! for id in mixer.elements() {
//!     let info = mixer.info(&id?)?;
//!     let _ = (info.id.name.as_str(), info.kind, info.count);
//! }
//! let volume = mixer.find("Master Playback Volume", 0)?;
//! mixer.write_integer_all(&volume, 80)?;
//! if let Some(db) = mixer.db_range(&volume)? {
//!     let _ = (db.min, db.max); // centi-dB
//! }
//! # Ok::<(), alsa_direct::Error>(())
//! ```
//!
//! Levels can be read and set in dB ([`Mixer::read_db`], [`Mixer::write_db`]) and in percent
//! of the range ([`Mixer::read_percent`], [`Mixer::write_percent`]), and changes watched
//! with [`Mixer::subscribe`] and [`Mixer::wait_event`].
//!
//! The dB scale parser, [`parse_db_range`], and the conversions [`db_of_value`],
//! [`value_of_db`], [`value_of_percent`] and [`percent_of_value`] are pure functions.

use core::ffi::{c_long, c_uint};
use core::fmt;

use heapless::String;
use rustix::fd::BorrowedFd;

use crate::abi::{self, Plain, SndCtlElemId, SndCtlElemInfo, SndCtlElemValue};
use crate::device::{c_string, ControlDevice};
use crate::error::{Errno, Error, Op, Result};
use crate::ioctl;
use crate::sys;
pub use crate::types::ElemType;

/// Element ids fetched per `ELEM_LIST` call.
const LIST_BATCH: usize = 32;
/// Bytes of TLV data read per element (the kernel refuses a larger TLV with `ENOMEM`).
pub const TLV_BYTES: usize = 512;
/// How deep containers and dB ranges may nest in a TLV before it counts as malformed.
const MAX_TLV_DEPTH: u32 = 8;
/// The gain, in centi-dB, that means muted (`SNDRV_CTL_TLVD_DB_GAIN_MUTE`, -9999999): what
/// [`Mixer::read_db`] and [`db_of_value`] give for a muted value, and [`DbRange::min`] for a
/// linear scale that starts at silence.
pub const DB_MUTE: i32 = abi::SNDRV_CTL_TLVD_DB_GAIN_MUTE;

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
    fn from_raw(raw: &SndCtlElemId) -> Self {
        ElemId {
            numid: raw.numid,
            iface: Interface::from_raw(raw.iface),
            device: raw.device,
            subdevice: raw.subdevice,
            name: c_string(&raw.name),
            index: raw.index,
        }
    }

    fn to_raw(&self) -> SndCtlElemId {
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
    fn check_channel(&self, channel: u32) -> Result<()> {
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
    raw: SndCtlElemValue,
    kind: ElemType,
    count: u32,
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
fn long(v: c_long) -> i64 {
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
            let off_step = step > 0 && value.wrapping_sub(min) % step != 0;
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
    /// control.
    pub fn bytes(&self) -> Result<&[u8]> {
        let len = match self.kind {
            ElemType::Bytes => (self.count as usize).min(BYTE_VALUES),
            ElemType::Iec958 => core::mem::size_of::<abi::SndAesIec958>(),
            found => return Err(Error::ControlType { found }),
        };
        Ok(&self.raw.value.bytes()[..len])
    }
}

/// The dB range of a control, from its TLV data, in centi-dB (hundredths of a dB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DbRange {
    /// The gain at the smallest value, in centi-dB; [`DB_MUTE`] for a linear scale that
    /// starts at silence.
    pub min: i32,
    /// The gain at the largest value, in centi-dB.
    pub max: i32,
    /// The smallest value mutes rather than giving `min`.
    pub mute: bool,
}

/// Formats centi-dB as `-45.00`.
struct CentiDb(i32);

impl fmt::Display for CentiDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == abi::SNDRV_CTL_TLVD_DB_GAIN_MUTE {
            return f.write_str("-inf");
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for DbRange {
    /// `-45.00 dB .. -15.00 dB`, with `(mute at min)` when the smallest value mutes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} dB .. {} dB", CentiDb(self.min), CentiDb(self.max))?;
        if self.mute {
            f.write_str(" (mute at min)")?;
        }
        Ok(())
    }
}

/// A card's mixer: its control device and the calls on its control elements.
#[derive(Debug)]
pub struct Mixer {
    control: ControlDevice,
}

/// The control device's descriptor, to poll it for events in another event loop.
impl rustix::fd::AsFd for Mixer {
    fn as_fd(&self) -> rustix::fd::BorrowedFd<'_> {
        self.control.fd()
    }
}

impl From<ControlDevice> for Mixer {
    fn from(control: ControlDevice) -> Self {
        Mixer { control }
    }
}

impl Mixer {
    /// Opens the mixer of card `card` (`/dev/snd/controlC<card>`).
    pub fn open(card: u32) -> Result<Self> {
        ControlDevice::open(card).map(Mixer::from)
    }

    /// The control device underneath.
    pub fn control(&self) -> &ControlDevice {
        &self.control
    }

    /// Gives the control device back.
    pub fn into_control(self) -> ControlDevice {
        self.control
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.control.fd()
    }

    /// The number of control elements of the card.
    pub fn count(&self) -> Result<u32> {
        Ok(sys::elem_list(self.fd(), ioctl::CTL_ELEM_LIST, 0, &mut [])?.count)
    }

    /// The ids of the card's control elements, in the kernel's order (by `numid`), fetched
    /// 32 at a time.
    pub fn elements(&self) -> Elements<'_> {
        Elements {
            mixer: self,
            batch: [SndCtlElemId::zeroed(); LIST_BATCH],
            offset: 0,
            pos: 0,
            used: 0,
            done: false,
        }
    }

    /// The description of an element.
    pub fn info(&self, id: &ElemId) -> Result<ElemInfo> {
        let raw = self.raw_info(id, None)?;
        let kind = ElemType::from_raw(raw.type_);
        let limits = match kind {
            ElemType::Integer => {
                let v = raw.value.integer();
                Limits::Integer {
                    min: long(v.min),
                    max: long(v.max),
                    step: long(v.step),
                }
            }
            ElemType::Integer64 => {
                let v = raw.value.integer64();
                Limits::Integer {
                    min: v.min,
                    max: v.max,
                    step: v.step,
                }
            }
            ElemType::Enumerated => Limits::Enumerated {
                items: raw.value.enumerated().items,
            },
            _ => Limits::None,
        };
        Ok(ElemInfo {
            id: ElemId::from_raw(&raw.id),
            kind,
            access: Access(raw.access),
            count: raw.count,
            limits,
        })
    }

    fn raw_info(&self, id: &ElemId, item: Option<u32>) -> Result<SndCtlElemInfo> {
        let mut raw = SndCtlElemInfo::zeroed();
        raw.id = id.to_raw();
        if let Some(item) = item {
            raw.value.set_enumerated_item(item);
        }
        sys::update(self.fd(), ioctl::CTL_ELEM_INFO, &mut raw)?;
        Ok(raw)
    }

    /// The first element named `name` with index `index` (any interface, device and
    /// subdevice), or [`Error::NoSuchControl`].
    pub fn find(&self, name: &str, index: u32) -> Result<ElemInfo> {
        for id in self.elements() {
            let id = id?;
            if id.name == name && id.index == index {
                return self.info(&id);
            }
        }
        Err(Error::NoSuchControl)
    }

    /// The name of item `item` of an enumerated control.
    pub fn enum_item_name(&self, info: &ElemInfo, item: u32) -> Result<String<64>> {
        let items = info.enum_items().ok_or(Error::ControlType { found: info.kind })?;
        if item >= items {
            return Err(Error::ControlValue {
                value: item.into(),
                min: 0,
                max: i64::from(items) - 1,
            });
        }
        let raw = self.raw_info(&info.id, Some(item))?;
        Ok(c_string(&raw.value.enumerated().name))
    }

    /// The number of the item of an enumerated control named `name`, or
    /// [`Error::NoSuchControl`].
    pub fn enum_item_index(&self, info: &ElemInfo, name: &str) -> Result<u32> {
        let items = info.enum_items().ok_or(Error::ControlType { found: info.kind })?;
        for item in 0..items {
            if self.enum_item_name(info, item)? == name {
                return Ok(item);
            }
        }
        Err(Error::NoSuchControl)
    }

    /// All values of a control.
    pub fn read(&self, info: &ElemInfo) -> Result<Values> {
        let mut values = Values::new(info);
        sys::update(self.fd(), ioctl::CTL_ELEM_READ, &mut values.raw)?;
        Ok(values)
    }

    /// Writes all values of a control. A read-only control refuses with
    /// `Error::Sys { op: Op::ElemWrite, errno: EPERM }`.
    pub fn write(&self, values: &Values) -> Result<()> {
        let mut raw = values.raw;
        sys::update(self.fd(), ioctl::CTL_ELEM_WRITE, &mut raw)
    }

    /// Channel `channel` of an integer (or 64-bit integer) control.
    pub fn read_integer(&self, info: &ElemInfo, channel: u32) -> Result<i64> {
        info.check_channel(channel)?;
        self.read(info)?.integer(channel)
    }

    /// Sets channel `channel` of an integer control, leaving the others as they are. A value
    /// out of range is refused with [`Error::ControlValue`] before any write.
    pub fn write_integer(&self, info: &ElemInfo, channel: u32, value: i64) -> Result<()> {
        self.update(info, |v| v.set_integer(channel, value))
    }

    /// Sets every channel of an integer control to `value`.
    pub fn write_integer_all(&self, info: &ElemInfo, value: i64) -> Result<()> {
        self.update(info, |v| (0..v.count).try_for_each(|c| v.set_integer(c, value)))
    }

    /// Channel `channel` of a boolean control.
    pub fn read_boolean(&self, info: &ElemInfo, channel: u32) -> Result<bool> {
        info.check_channel(channel)?;
        self.read(info)?.boolean(channel)
    }

    /// Sets channel `channel` of a boolean control, leaving the others as they are.
    pub fn write_boolean(&self, info: &ElemInfo, channel: u32, on: bool) -> Result<()> {
        self.update(info, |v| v.set_boolean(channel, on))
    }

    /// Sets every channel of a boolean control.
    pub fn write_boolean_all(&self, info: &ElemInfo, on: bool) -> Result<()> {
        self.update(info, |v| (0..v.count).try_for_each(|c| v.set_boolean(c, on)))
    }

    /// The item selected on channel `channel` of an enumerated control.
    pub fn read_enumerated(&self, info: &ElemInfo, channel: u32) -> Result<u32> {
        info.check_channel(channel)?;
        self.read(info)?.enumerated(channel)
    }

    /// Selects `item` on channel `channel` of an enumerated control, leaving the others.
    pub fn write_enumerated(&self, info: &ElemInfo, channel: u32, item: u32) -> Result<()> {
        self.update(info, |v| v.set_enumerated(channel, item))
    }

    /// Selects `item` on every channel of an enumerated control.
    pub fn write_enumerated_all(&self, info: &ElemInfo, item: u32) -> Result<()> {
        self.update(info, |v| (0..v.count).try_for_each(|c| v.set_enumerated(c, item)))
    }

    /// Reads the values (when the control is readable), changes them and writes them back.
    fn update(&self, info: &ElemInfo, change: impl FnOnce(&mut Values) -> Result<()>) -> Result<()> {
        let mut values = if info.access.readable() {
            self.read(info)?
        } else {
            Values::new(info)
        };
        change(&mut values)?;
        self.write(&values)
    }

    /// The control's TLV data (`TLV_READ`), `Ok(None)` when it has none. The bytes are the
    /// top-level TLV item: type, length and payload, as native-endian 32-bit words.
    pub fn tlv(&self, info: &ElemInfo) -> Result<Option<Tlv>> {
        if !info.access.tlv_readable() {
            return Ok(None);
        }
        // The two words of the `snd_ctl_tlv` header, then `TLV_BYTES` of data.
        let mut record = [0 as c_uint; TLV_BYTES / 4 + 2];
        match sys::tlv_read(self.fd(), ioctl::CTL_TLV_READ, info.id.numid, &mut record) {
            Ok(()) => {}
            Err(Error::Sys { errno, .. }) if errno == Errno::NXIO => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut words = [0; TLV_BYTES / 4];
        words.copy_from_slice(&record[2..]);
        let len = (words[1] as usize).saturating_add(11) & !3;
        if len > TLV_BYTES {
            return Err(Error::BadTlv);
        }
        Ok(Some(Tlv { words, len: len / 4 }))
    }

    /// The dB range of an integer control from its TLV data, `Ok(None)` when the control
    /// declares no dB scale.
    pub fn db_range(&self, info: &ElemInfo) -> Result<Option<DbRange>> {
        let Some((min, max)) = info.integer_range() else {
            return Ok(None);
        };
        match self.tlv(info)? {
            Some(tlv) => parse_db_range(&tlv.bytes(), min, max),
            None => Ok(None),
        }
    }
}

impl Mixer {
    /// The limits and TLV bytes of an integer control with a dB scale.
    fn db_scale(&self, info: &ElemInfo) -> Result<(i64, i64, heapless::Vec<u8, TLV_BYTES>)> {
        let (min, max) = info
            .integer_range()
            .ok_or(Error::ControlType { found: info.kind })?;
        let tlv = self.tlv(info)?.ok_or(Error::NoDbScale)?;
        Ok((min, max, tlv.bytes()))
    }

    /// The gain of channel `channel` of an integer control, in centi-dB (hundredths of a
    /// dB; [`DB_MUTE`] when muted), from its TLV dB scale.
    /// [`Error::NoDbScale`] when it has none.
    pub fn read_db(&self, info: &ElemInfo, channel: u32) -> Result<i32> {
        let (min, max, tlv) = self.db_scale(info)?;
        let value = self.read_integer(info, channel)?;
        db_of_value(&tlv, min, max, value)?.ok_or(Error::NoDbScale)
    }

    /// Sets channel `channel` (`None`: every channel) of an integer control to the value
    /// whose gain is `db` centi-dB, rounded as `rounding` says (like `amixer set NAME -6dB`,
    /// with `db` -600); returns the value written.
    pub fn write_db(
        &self,
        info: &ElemInfo,
        channel: Option<u32>,
        db: i32,
        rounding: DbRounding,
    ) -> Result<i64> {
        let (min, max, tlv) = self.db_scale(info)?;
        let value = value_of_db(&tlv, min, max, db, rounding)?.ok_or(Error::NoDbScale)?;
        self.write_channels(info, channel, value)?;
        Ok(value)
    }

    /// Channel `channel` of an integer control as a percentage of its range, rounded (as
    /// `amixer` shows it).
    pub fn read_percent(&self, info: &ElemInfo, channel: u32) -> Result<u32> {
        let (min, max) = info
            .integer_range()
            .ok_or(Error::ControlType { found: info.kind })?;
        Ok(percent_of_value(min, max, self.read_integer(info, channel)?))
    }

    /// Sets channel `channel` (`None`: every channel) of an integer control to `percent`
    /// (0..=100) of its range (like `amixer set NAME 50%`); returns the value written.
    pub fn write_percent(&self, info: &ElemInfo, channel: Option<u32>, percent: u32) -> Result<i64> {
        let Limits::Integer { min, max, step } = info.limits else {
            return Err(Error::ControlType { found: info.kind });
        };
        let value = value_of_percent(min, max, step, percent)?;
        self.write_channels(info, channel, value)?;
        Ok(value)
    }

    fn write_channels(&self, info: &ElemInfo, channel: Option<u32>, value: i64) -> Result<()> {
        match channel {
            Some(c) => self.write_integer(info, c, value),
            None => self.write_integer_all(info, value),
        }
    }

    /// Asks the kernel to queue an [`Event`] for every change to the card's controls (or to
    /// stop, with `on` false). Events made by this same open control device are queued too.
    pub fn subscribe(&self, on: bool) -> Result<()> {
        let mut flag: core::ffi::c_int = on.into();
        sys::update(self.fd(), ioctl::CTL_SUBSCRIBE_EVENTS, &mut flag)
    }

    /// The next queued event, waiting for one as long as `timeout_ms` says (`None`: without
    /// limit, `Some(0)`: not at all); `Ok(None)` when none came. Needs [`Mixer::subscribe`].
    /// One `poll` and one `read` of one record, no allocation.
    pub fn wait_event(&self, timeout_ms: Option<u32>) -> Result<Option<Event>> {
        loop {
            if !sys::wait_readable(self.fd(), Op::PollEvent, timeout_ms)? {
                return Ok(None);
            }
            let raw: abi::SndCtlEvent =
                sys::read_record(self.fd(), Op::ReadEvent)?.ok_or(Error::BadKernelValue)?;
            if raw.type_ == abi::SNDRV_CTL_EVENT_ELEM {
                let elem = raw.data.elem();
                return Ok(Some(Event {
                    mask: EventMask(elem.mask),
                    id: ElemId::from_raw(&elem.id),
                }));
            }
            // Another event type (none is defined today): skip it.
        }
    }
}

/// What changed about a control (`SNDRV_CTL_EVENT_MASK_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EventMask(pub u32);

impl EventMask {
    /// The control was removed (the mask is all ones; the other tests are then meaningless).
    pub const fn removed(self) -> bool {
        self.0 == abi::SNDRV_CTL_EVENT_MASK_REMOVE
    }
    /// Its values changed.
    pub const fn value(self) -> bool {
        !self.removed() && self.0 & abi::SNDRV_CTL_EVENT_MASK_VALUE != 0
    }
    /// Its description (range, access...) changed.
    pub const fn info(self) -> bool {
        !self.removed() && self.0 & abi::SNDRV_CTL_EVENT_MASK_INFO != 0
    }
    /// It was added.
    pub const fn added(self) -> bool {
        !self.removed() && self.0 & abi::SNDRV_CTL_EVENT_MASK_ADD != 0
    }
    /// Its TLV data changed.
    pub const fn tlv(self) -> bool {
        !self.removed() && self.0 & abi::SNDRV_CTL_EVENT_MASK_TLV != 0
    }
}

impl fmt::Display for EventMask {
    /// `value`, `info,value`, `add`, `remove`...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.removed() {
            return f.write_str("remove");
        }
        let names = [
            (self.value(), "value"),
            (self.info(), "info"),
            (self.added(), "add"),
            (self.tlv(), "tlv"),
        ];
        let mut first = true;
        for (_, name) in names.iter().filter(|(on, _)| *on) {
            if !first {
                f.write_str(",")?;
            }
            f.write_str(name)?;
            first = false;
        }
        if first {
            write!(f, "{:#x}", self.0)?;
        }
        Ok(())
    }
}

/// A change to a control of the card (`snd_ctl_event` of type `SNDRV_CTL_EVENT_ELEM`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Event {
    /// What changed.
    pub mask: EventMask,
    /// Which control.
    pub id: ElemId,
}

/// A control's TLV data, as [`Mixer::tlv`] read it.
#[derive(Clone, Debug)]
pub struct Tlv {
    words: [u32; TLV_BYTES / 4],
    len: usize,
}

impl Tlv {
    /// The data as 32-bit words: type, length in bytes, payload.
    pub fn words(&self) -> &[u32] {
        &self.words[..self.len]
    }

    /// The data as native-endian bytes, what [`parse_db_range`] takes.
    pub fn bytes(&self) -> heapless::Vec<u8, TLV_BYTES> {
        self.words().iter().flat_map(|w| w.to_ne_bytes()).collect()
    }
}

/// The ids of a card's control elements. See [`Mixer::elements`].
pub struct Elements<'a> {
    mixer: &'a Mixer,
    batch: [SndCtlElemId; LIST_BATCH],
    offset: u32,
    pos: usize,
    used: usize,
    done: bool,
}

impl fmt::Debug for Elements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elements")
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl Iterator for Elements<'_> {
    type Item = Result<ElemId>;

    fn next(&mut self) -> Option<Result<ElemId>> {
        if self.pos == self.used {
            if self.done {
                return None;
            }
            let result = sys::elem_list(
                self.mixer.fd(),
                ioctl::CTL_ELEM_LIST,
                self.offset,
                &mut self.batch,
            );
            let list = match result {
                Ok(list) => list,
                Err(e) => {
                    self.done = true;
                    self.used = 0;
                    self.pos = 0;
                    return Some(Err(e));
                }
            };
            self.used = (list.used as usize).min(LIST_BATCH);
            self.pos = 0;
            self.offset = self.offset.saturating_add(self.used as u32);
            if self.used == 0 || self.offset >= list.count {
                self.done = true;
            }
            if self.used == 0 {
                return None;
            }
        }
        let id = ElemId::from_raw(&self.batch[self.pos]);
        self.pos += 1;
        Some(Ok(id))
    }
}

// ---------------------------------------------------------------------------------------------
// TLV parsing.

/// Word `i` of `bytes` (native endian), if present.
fn word(bytes: &[u8], i: usize) -> Result<u32> {
    let start = i.checked_mul(4).ok_or(Error::BadTlv)?;
    let chunk = bytes.get(start..start + 4).ok_or(Error::BadTlv)?;
    let mut w = [0u8; 4];
    w.copy_from_slice(chunk);
    Ok(u32::from_ne_bytes(w))
}

/// Splits one TLV item off the front of `bytes`: its type, its payload (the length rounded
/// up to whole words) and what follows it.
fn split_item(bytes: &[u8]) -> Result<(u32, &[u8], &[u8])> {
    let kind = word(bytes, 0)?;
    let len = word(bytes, 1)? as usize;
    let padded = len.checked_add(3).ok_or(Error::BadTlv)? & !3;
    let end = padded.checked_add(8).ok_or(Error::BadTlv)?;
    if end > bytes.len() {
        return Err(Error::BadTlv);
    }
    Ok((kind, &bytes[8..end], &bytes[end..]))
}

/// Whether a TLV item type describes dB.
fn is_db(kind: u32) -> bool {
    matches!(
        kind,
        abi::SNDRV_CTL_TLVT_CONTAINER
            | abi::SNDRV_CTL_TLVT_DB_SCALE
            | abi::SNDRV_CTL_TLVT_DB_LINEAR
            | abi::SNDRV_CTL_TLVT_DB_RANGE
            | abi::SNDRV_CTL_TLVT_DB_MINMAX
            | abi::SNDRV_CTL_TLVT_DB_MINMAX_MUTE
    )
}

/// The dB range a control's TLV data declares for its values `min..=max`, `Ok(None)` when it
/// declares none (a channel map, say).
///
/// `tlv` is the first TLV item (type, length in bytes, payload) as native-endian 32-bit words,
/// as [`Tlv::bytes`] gives it; bytes after that item are ignored. Understood: `DB_SCALE`
/// (minimum, step per value, mute at minimum), `DB_MINMAX`, `DB_MINMAX_MUTE`, `DB_LINEAR`,
/// `DB_RANGE` (the union of its sub-ranges) and `CONTAINER` (its first dB item), nested up to
/// 8 deep. Truncated or inconsistent data is [`Error::BadTlv`]; no input panics.
pub fn parse_db_range(tlv: &[u8], min: i64, max: i64) -> Result<Option<DbRange>> {
    let (kind, payload, _) = split_item(tlv)?;
    item_db_range(kind, payload, min, max, 0)
}

/// A value in centi-dB from a TLV word (a C `int`).
fn centi_db(w: u32) -> i32 {
    w as i32
}

fn item_db_range(kind: u32, payload: &[u8], min: i64, max: i64, depth: u32) -> Result<Option<DbRange>> {
    if depth > MAX_TLV_DEPTH {
        return Err(Error::BadTlv);
    }
    match kind {
        abi::SNDRV_CTL_TLVT_CONTAINER => {
            let mut rest = payload;
            while !rest.is_empty() {
                let (kind, inner, after) = split_item(rest)?;
                if is_db(kind) {
                    if let Some(range) = item_db_range(kind, inner, min, max, depth + 1)? {
                        return Ok(Some(range));
                    }
                }
                rest = after;
            }
            Ok(None)
        }
        abi::SNDRV_CTL_TLVT_DB_SCALE => {
            let low = centi_db(word(payload, 0)?);
            let bits = word(payload, 1)?;
            let step = i64::from(bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MASK);
            let span = max.checked_sub(min).filter(|s| *s >= 0).ok_or(Error::BadTlv)?;
            let high = step
                .checked_mul(span)
                .and_then(|d| d.checked_add(i64::from(low)))
                .and_then(|h| i32::try_from(h).ok())
                .ok_or(Error::BadTlv)?;
            Ok(Some(DbRange {
                min: low,
                max: high,
                mute: bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MUTE != 0,
            }))
        }
        abi::SNDRV_CTL_TLVT_DB_MINMAX
        | abi::SNDRV_CTL_TLVT_DB_MINMAX_MUTE
        | abi::SNDRV_CTL_TLVT_DB_LINEAR => {
            let low = centi_db(word(payload, 0)?);
            let high = centi_db(word(payload, 1)?);
            if low > high {
                return Err(Error::BadTlv);
            }
            let mute = kind == abi::SNDRV_CTL_TLVT_DB_MINMAX_MUTE
                || (kind == abi::SNDRV_CTL_TLVT_DB_LINEAR && low == abi::SNDRV_CTL_TLVD_DB_GAIN_MUTE);
            Ok(Some(DbRange {
                min: low,
                max: high,
                mute,
            }))
        }
        abi::SNDRV_CTL_TLVT_DB_RANGE => {
            // Items: <first value> <last value> <TLV item>, for consecutive value ranges. As
            // alsa-lib's `snd_tlv_get_dB_range`: the bounds are C ints, the last value is
            // clipped to the control's maximum, and the sub-range that reaches it is the last
            // one read.
            let mut rest = payload;
            let mut total: Option<(DbRange, i64)> = None;
            while !rest.is_empty() {
                let first = i64::from(centi_db(word(rest, 0)?));
                let last = i64::from(centi_db(word(rest, 1)?));
                if first > last {
                    return Err(Error::BadTlv);
                }
                let last = last.min(max);
                let (kind, inner, after) = split_item(&rest[8..])?;
                let range = item_db_range(kind, inner, first, last, depth + 1)?.ok_or(Error::BadTlv)?;
                total = Some(match total {
                    None => (range, first),
                    Some((t, lowest)) => {
                        let (mute, lowest) = if first < lowest {
                            (range.mute, first)
                        } else {
                            (t.mute, lowest)
                        };
                        (
                            DbRange {
                                min: t.min.min(range.min),
                                max: t.max.max(range.max),
                                mute,
                            },
                            lowest,
                        )
                    }
                });
                if last == max {
                    break;
                }
                rest = after;
            }
            total.map(|(range, _)| Some(range)).ok_or(Error::BadTlv)
        }
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// dB and percent levels.

/// Which value to take when no value of a control gives exactly the gain asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DbRounding {
    /// The loudest value at or below the gain (never louder than asked; alsa-lib's `dir -1`).
    #[default]
    Down,
    /// The quietest value at or above the gain (alsa-lib's `dir 1`).
    Up,
    /// The value whose gain is nearest (the quieter one on a tie).
    Nearest,
}

/// The gain of `value` of an integer control with values `min..=max`, in centi-dB, from its
/// TLV data (as [`parse_db_range`] takes it), as alsa-lib's `snd_tlv_convert_to_dB` computes
/// it; `Ok(None)` when the TLV declares no dB scale. A muted value gives
/// [`DB_MUTE`]. `value` is first clamped to `min..=max`.
pub fn db_of_value(tlv: &[u8], min: i64, max: i64, value: i64) -> Result<Option<i32>> {
    if min > max {
        return Err(Error::BadTlv);
    }
    let (kind, payload, _) = split_item(tlv)?;
    item_db_of(kind, payload, min, max, value.clamp(min, max), 0)
}

/// The value of an integer control with values `min..=max` that gives `db` (centi-dB),
/// rounded as `rounding` says among the values the TLV declares (found by bisection, so it
/// works for every scale type, `DB_RANGE` included). A gain below the quietest value gives
/// `min`, above the loudest `max`; `Ok(None)` when the TLV declares no dB scale.
pub fn value_of_db(tlv: &[u8], min: i64, max: i64, db: i32, rounding: DbRounding) -> Result<Option<i64>> {
    let gain = |v: i64| -> Result<i32> { db_of_value(tlv, min, max, v)?.ok_or(Error::BadTlv) };
    if db_of_value(tlv, min, max, min)?.is_none() {
        return Ok(None);
    }
    // The loudest value at or below `db` (or `min`).
    let (mut lo, mut hi) = (min, max);
    if gain(min)? > db {
        hi = min;
    }
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        if gain(mid)? <= db {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let down = lo;
    let down_gain = gain(down)?;
    if down_gain == db || down == max {
        return Ok(Some(down));
    }
    let up = if down_gain > db { down } else { down + 1 };
    Ok(Some(match rounding {
        DbRounding::Down => down,
        DbRounding::Up => up,
        DbRounding::Nearest => {
            let distance = |g: i32| (i64::from(g) - i64::from(db)).abs();
            if distance(gain(up)?) < distance(down_gain) {
                up
            } else {
                down
            }
        }
    }))
}

/// The value `percent` (0..=100) of the way from `min` to `max`, rounded to the nearest value
/// and snapped to `step` (0: any): how `amixer set NAME 50%` maps a percentage.
pub fn value_of_percent(min: i64, max: i64, step: i64, percent: u32) -> Result<i64> {
    if percent > 100 {
        return Err(Error::BadPercent(percent));
    }
    let range = i128::from(max) - i128::from(min);
    if range <= 0 {
        return Ok(min);
    }
    let offset = (range * i128::from(percent) + 50) / 100;
    let offset = match i128::from(step) {
        step if step > 1 => ((offset + step / 2) / step * step).min(range / step * step),
        _ => offset,
    };
    // `offset` is within `0..=range`, so the sum is within `min..=max`.
    Ok((i128::from(min) + offset) as i64)
}

/// Where `value` lies between `min` and `max`, in percent rounded to the nearest (as `amixer`
/// shows it); values outside the range are clamped.
pub fn percent_of_value(min: i64, max: i64, value: i64) -> u32 {
    let range = i128::from(max) - i128::from(min);
    if range <= 0 {
        return 0;
    }
    let offset = (i128::from(value.clamp(min, max)) - i128::from(min)) * 100;
    ((offset + range / 2) / range) as u32
}

fn item_db_of(kind: u32, payload: &[u8], min: i64, max: i64, value: i64, depth: u32) -> Result<Option<i32>> {
    if depth > MAX_TLV_DEPTH {
        return Err(Error::BadTlv);
    }
    let mute = abi::SNDRV_CTL_TLVD_DB_GAIN_MUTE;
    let to_i32 = |v: i64| i32::try_from(v).map_err(|_| Error::BadTlv);
    match kind {
        abi::SNDRV_CTL_TLVT_CONTAINER => {
            let mut rest = payload;
            while !rest.is_empty() {
                let (kind, inner, after) = split_item(rest)?;
                if is_db(kind) {
                    if let Some(db) = item_db_of(kind, inner, min, max, value, depth + 1)? {
                        return Ok(Some(db));
                    }
                }
                rest = after;
            }
            Ok(None)
        }
        abi::SNDRV_CTL_TLVT_DB_SCALE => {
            let low = i64::from(centi_db(word(payload, 0)?));
            let bits = word(payload, 1)?;
            if bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MUTE != 0 && value == min {
                return Ok(Some(mute));
            }
            let step = i64::from(bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MASK);
            let db = value
                .checked_sub(min)
                .and_then(|d| d.checked_mul(step))
                .and_then(|d| d.checked_add(low))
                .ok_or(Error::BadTlv)?;
            to_i32(db).map(Some)
        }
        abi::SNDRV_CTL_TLVT_DB_MINMAX | abi::SNDRV_CTL_TLVT_DB_MINMAX_MUTE => {
            let low = i64::from(centi_db(word(payload, 0)?));
            let high = i64::from(centi_db(word(payload, 1)?));
            if kind == abi::SNDRV_CTL_TLVT_DB_MINMAX_MUTE && value == min {
                return Ok(Some(mute));
            }
            if max == min {
                return to_i32(low).map(Some);
            }
            let db = i128::from(low)
                + (i128::from(high) - i128::from(low)) * (i128::from(value) - i128::from(min))
                    / (i128::from(max) - i128::from(min));
            i32::try_from(db).map(Some).map_err(|_| Error::BadTlv)
        }
        abi::SNDRV_CTL_TLVT_DB_LINEAR => {
            let low = centi_db(word(payload, 0)?);
            let high = centi_db(word(payload, 1)?);
            if value <= min || max <= min {
                return Ok(Some(low));
            }
            if value >= max {
                return Ok(Some(high));
            }
            let fraction = (value - min) as f64 / (max - min) as f64;
            let db = if low <= mute {
                100.0 * 20.0 * float::log10(fraction) + f64::from(high)
            } else {
                let lmin = float::pow10(f64::from(low) / 2000.0);
                let lmax = float::pow10(f64::from(high) / 2000.0);
                100.0 * 20.0 * float::log10((lmax - lmin) * fraction + lmin)
            };
            // Truncated toward zero, as alsa-lib's `(long)` cast does, after taking a value
            // within a millionth of a centi-dB of a whole one as that one (-1999.9999999 for
            // 20 log10(0.1) is -2000, as glibc's exact `log10` gives).
            let whole = if db >= 0.0 {
                (db + 0.5) as i64
            } else {
                (db - 0.5) as i64
            } as f64;
            let db = if (db - whole).abs() < 1e-6 { whole } else { db };
            Ok(Some(db as i32))
        }
        abi::SNDRV_CTL_TLVT_DB_RANGE => {
            let mut rest = payload;
            while !rest.is_empty() {
                // Signed bounds, as alsa-lib's `snd_tlv_convert_to_dB` reads them.
                let first = i64::from(centi_db(word(rest, 0)?));
                let last = i64::from(centi_db(word(rest, 1)?));
                let (kind, inner, after) = split_item(&rest[8..])?;
                if (first..=last).contains(&value) {
                    return item_db_of(kind, inner, first, last, value, depth + 1)?
                        .ok_or(Error::BadTlv)
                        .map(Some);
                }
                rest = after;
            }
            Err(Error::BadTlv)
        }
        _ => Ok(None),
    }
}

/// `log10` and `10^x` for `DB_LINEAR` scales, without `std` or `libm`: accurate to far better
/// than the 0.01 dB the kernel's scales resolve.
mod float {
    const LN_2: f64 = core::f64::consts::LN_2;
    const LN_10: f64 = core::f64::consts::LN_10;

    /// Natural logarithm of a positive, finite `x` (`-inf` for 0 and below).
    fn ln(x: f64) -> f64 {
        if x <= 0.0 || x.is_nan() {
            return f64::NEG_INFINITY;
        }
        // x = m * 2^e with m in [1, 2); subnormals are scaled up first.
        let (x, bias) = if x < f64::MIN_POSITIVE {
            (x * (1u64 << 54) as f64, -54)
        } else {
            (x, 0)
        };
        let bits = x.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i64 - 1023 + bias;
        let m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
        // ln(m) = 2 atanh(z), z = (m - 1) / (m + 1) in [0, 1/3).
        let z = (m - 1.0) / (m + 1.0);
        let z2 = z * z;
        let (mut term, mut sum, mut k) = (z, 0.0, 1.0);
        for _ in 0..40 {
            sum += term / k;
            term *= z2;
            k += 2.0;
        }
        2.0 * sum + e as f64 * LN_2
    }

    /// `e^x`, saturating to 0 and infinity.
    fn exp(x: f64) -> f64 {
        if x < -745.0 {
            return 0.0;
        }
        if x > 709.0 {
            return f64::INFINITY;
        }
        // x = n ln 2 + r with |r| <= ln 2 / 2.
        let q = x / LN_2;
        let n = if q >= 0.0 {
            (q + 0.5) as i64
        } else {
            (q - 0.5) as i64
        };
        let r = x - n as f64 * LN_2;
        let (mut term, mut sum) = (1.0, 1.0);
        for k in 1..30 {
            term *= r / k as f64;
            sum += term;
        }
        // 2^n in two steps, so that n down to -1074 stays representable.
        let half = n / 2;
        let scale = |p: i64| f64::from_bits(((p + 1023) as u64) << 52);
        sum * scale(half) * scale(n - half)
    }

    /// Base-10 logarithm.
    pub(super) fn log10(x: f64) -> f64 {
        ln(x) / LN_10
    }

    /// `10^x`.
    pub(super) fn pow10(x: f64) -> f64 {
        exp(x * LN_10)
    }
}

#[cfg(test)]
mod tests;
