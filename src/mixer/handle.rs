//! The [`Mixer`] handle: a card's control device and the calls on its elements.

use core::ffi::{c_long, c_uint};
use core::fmt;

use heapless::String;
use rustix::fd::BorrowedFd;

use super::db::{
    db_of_value, parse_db_range, percent_of_value, value_of_db, value_of_percent, DbRange, DbRounding,
};
use super::elem::{long, Access, ChannelValue, Channels, ElemId, ElemInfo, Limits, Values};
use super::TLV_BYTES;
use crate::abi::{self, Plain, SndCtlElemId, SndCtlElemInfo};
use crate::device::{c_string, ControlDevice};
use crate::error::{Errno, Error, Result};
use crate::iec958::ChannelStatus;
use crate::ioctl;
use crate::sys;
use crate::types::ElemType;

/// Element ids fetched per `ELEM_LIST` call.
const LIST_BATCH: usize = 32;

/// A card's mixer: its control device and the calls on its control elements.
#[derive(Debug)]
pub struct Mixer {
    control: ControlDevice,
}

/// The control device's descriptor, to poll it for events in another event loop.
impl rustix::fd::AsFd for Mixer {
    fn as_fd(&self) -> BorrowedFd<'_> {
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

    pub(super) fn fd(&self) -> BorrowedFd<'_> {
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

    /// Channel `channel` of a control, as the type of its values: `i64` for integer and
    /// 64-bit integer controls, `bool` for boolean ones, `u32` (the item) for enumerated ones.
    ///
    /// ```no_run
    /// # use alsa_direct::mixer::Mixer;
    /// # let mixer = Mixer::open(0)?;
    /// let volume = mixer.find("Master Playback Volume", 0)?;
    /// let left: i64 = mixer.get(&volume, 0)?;
    /// let switch = mixer.find("Master Playback Switch", 0)?;
    /// let on = mixer.get::<bool>(&switch, 0)?;
    /// # let _ = (left, on);
    /// # Ok::<(), alsa_direct::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ControlChannel`] for a channel the control lacks, [`Error::ControlType`]
    /// for a control of another type; the errors of `ELEM_READ`.
    pub fn get<T: ChannelValue>(&self, info: &ElemInfo, channel: u32) -> Result<T> {
        info.check_channel(channel)?;
        T::get(&self.read(info)?, channel)
    }

    /// Sets one channel (`0`, `Some(0)`) or every channel (`Channels::All`, `None`) of a
    /// control to `value` (`i64`, `bool` or the item `u32`, as for [`Mixer::get`]), leaving
    /// the other channels as they are. A value out of range is refused before any write.
    ///
    /// ```no_run
    /// # use alsa_direct::mixer::{Channels, Mixer};
    /// # let mixer = Mixer::open(0)?;
    /// let volume = mixer.find("Master Playback Volume", 0)?;
    /// mixer.set(&volume, Channels::All, 80i64)?;
    /// mixer.set(&volume, 1, 70i64)?;
    /// let switch = mixer.find("Master Playback Switch", 0)?;
    /// mixer.set(&switch, Channels::All, true)?;
    /// # Ok::<(), alsa_direct::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ControlValue`] for a value out of range (or off the step),
    /// [`Error::ControlChannel`] for a channel the control lacks, [`Error::ControlType`]
    /// for a control of another type; the errors of `ELEM_READ` and `ELEM_WRITE` (`EPERM`
    /// for a read-only control).
    pub fn set<T: ChannelValue>(
        &self,
        info: &ElemInfo,
        channels: impl Into<Channels>,
        value: T,
    ) -> Result<()> {
        match channels.into() {
            Channels::One(channel) => self.update(info, |v| T::set(v, channel, value)),
            Channels::All => self.update(info, |v| (0..v.count).try_for_each(|c| T::set(v, c, value))),
        }
    }

    /// The channel status of an IEC958 control (`IEC958 Playback Default`: AES0 to AES3
    /// are its first four bytes).
    ///
    /// # Errors
    /// [`Error::ControlType`] for a control of another type; the errors of `ELEM_READ`.
    pub fn read_iec958(&self, info: &ElemInfo) -> Result<ChannelStatus> {
        self.read(info)?.iec958_status()
    }

    /// Sets the channel status of an IEC958 control, as `amixer cset name='IEC958 Playback
    /// Default' 0x04,0x82,0x00,0x02` or alsa-lib's `hdmi:` device (vc4-hdmi.conf) does;
    /// see [`ChannelStatus::hdmi_pcm`].
    ///
    /// # Errors
    /// [`Error::ControlType`] for a control of another type; the errors of `ELEM_WRITE`.
    pub fn write_iec958(&self, info: &ElemInfo, status: &ChannelStatus) -> Result<()> {
        self.update(info, |v| v.set_iec958_status(status))
    }

    /// Sets the first `bytes.len()` bytes of a bytes control (or of an IEC958 record),
    /// leaving the rest.
    ///
    /// # Errors
    /// Those of [`Values::set_bytes`] and of `ELEM_WRITE`.
    pub fn write_bytes(&self, info: &ElemInfo, bytes: &[u8]) -> Result<()> {
        self.update(info, |v| v.set_bytes(bytes))
    }

    /// Adds a user-space control to the card (`ELEM_ADD`, as alsa-lib's
    /// `snd_ctl_elem_add_integer`/`_boolean`/`_bytes`/`_iec958` do) and returns its
    /// description. `info` gives its id (`numid` ignored), type, count and, for integers, its
    /// limits; `access` 0 means read-write. The kernel keeps it until [`Mixer::remove_user_control`]
    /// or the card goes, also after this device is closed. Such controls are how a program
    /// (or alsa-lib's `softvol`) stores its own settings on a card, and how the tests try a
    /// type (IEC958, bytes) that no emulated card has.
    ///
    /// # Errors
    /// [`Error::ControlType`] for an enumerated control (its item names need a pointer this
    /// crate does not pass) or an unknown type; `ELEM_ADD`'s errors: `EBUSY` when an element
    /// of this id exists, `EINVAL` for a count the type does not take (IEC958: 1; bytes:
    /// up to 512), `ENOMEM` when the card's user-control space is full.
    pub fn add_user_control(&self, info: &ElemInfo) -> Result<ElemInfo> {
        let mut raw = SndCtlElemInfo::zeroed();
        raw.id = info.id.to_raw();
        raw.id.numid = 0;
        raw.type_ = info.kind.to_raw();
        raw.access = info.access.0;
        raw.count = info.count;
        match (info.kind, info.limits) {
            (ElemType::Integer, Limits::Integer { min, max, step }) => {
                let long = |v: i64| {
                    c_long::try_from(v).map_err(|_| Error::ControlValue {
                        value: v,
                        min: long(c_long::MIN),
                        max: long(c_long::MAX),
                    })
                };
                raw.value.set_integer(abi::SndCtlElemInfoInteger {
                    min: long(min)?,
                    max: long(max)?,
                    step: long(step)?,
                });
            }
            (ElemType::Integer64, Limits::Integer { min, max, step }) => {
                raw.value
                    .set_integer64(abi::SndCtlElemInfoInteger64 { min, max, step });
            }
            (ElemType::Boolean | ElemType::Bytes | ElemType::Iec958, _) => {}
            (found, _) => return Err(Error::ControlType { found }),
        }
        sys::update(self.fd(), ioctl::CTL_ELEM_ADD, &mut raw)?;
        self.info(&ElemId::from_raw(&raw.id))
    }

    /// Removes a user-space control (`ELEM_REMOVE`); the kernel refuses others with
    /// `EINVAL`.
    ///
    /// # Errors
    /// `ELEM_REMOVE`'s: `ENOENT` for no such element, `EINVAL` for one that is not a user
    /// control, `EBUSY` for one another process locked.
    pub fn remove_user_control(&self, id: &ElemId) -> Result<()> {
        let mut raw = id.to_raw();
        sys::update(self.fd(), ioctl::CTL_ELEM_REMOVE, &mut raw)
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
    /// dB; [`DB_MUTE`](super::DB_MUTE) when muted), from its TLV dB scale.
    /// [`Error::NoDbScale`] when it has none.
    pub fn read_db(&self, info: &ElemInfo, channel: u32) -> Result<i32> {
        let (min, max, tlv) = self.db_scale(info)?;
        let value = self.get::<i64>(info, channel)?;
        db_of_value(&tlv, min, max, value)?.ok_or(Error::NoDbScale)
    }

    /// Sets `channels` (one, or `Channels::All`/`None`: every one) of an integer control to the value
    /// whose gain is `db` centi-dB, rounded as `rounding` says (like `amixer set NAME -6dB`,
    /// with `db` -600); returns the value written.
    pub fn write_db(
        &self,
        info: &ElemInfo,
        channels: impl Into<Channels>,
        db: i32,
        rounding: DbRounding,
    ) -> Result<i64> {
        let (min, max, tlv) = self.db_scale(info)?;
        let value = value_of_db(&tlv, min, max, db, rounding)?.ok_or(Error::NoDbScale)?;
        self.set(info, channels, value)?;
        Ok(value)
    }

    /// Channel `channel` of an integer control as a percentage of its range, rounded (as
    /// `amixer` shows it).
    pub fn read_percent(&self, info: &ElemInfo, channel: u32) -> Result<u32> {
        let (min, max) = info
            .integer_range()
            .ok_or(Error::ControlType { found: info.kind })?;
        Ok(percent_of_value(min, max, self.get::<i64>(info, channel)?))
    }

    /// Sets `channels` (one, or `Channels::All`/`None`: every one) of an integer control to `percent`
    /// (0..=100) of its range (like `amixer set NAME 50%`); returns the value written.
    pub fn write_percent(&self, info: &ElemInfo, channels: impl Into<Channels>, percent: u32) -> Result<i64> {
        let Limits::Integer { min, max, step } = info.limits else {
            return Err(Error::ControlType { found: info.kind });
        };
        let value = value_of_percent(min, max, step, percent)?;
        self.set(info, channels, value)?;
        Ok(value)
    }
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
