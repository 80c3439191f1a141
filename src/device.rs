//! Device names (`hw:0,0`, `hw:Loopback,1,0`) and the control device that resolves card ids.

use core::ffi::{c_int, CStr};

use heapless::String;
use rustix::fd::{AsFd, OwnedFd};

use crate::abi::{self, Plain, SndPcmInfo};
use crate::error::{DeviceContext, Errno, Error, Op, Result};
use crate::ioctl;
use crate::sys;
use crate::types::Direction;

/// Longest card id the kernel allows, plus its terminating zero.
const CARD_ID_LEN: usize = 16;
/// Cards the kernel numbers (`SNDRV_CARDS`).
const MAX_CARDS: u32 = 32;

/// A card, by number or by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Card {
    /// `hw:0,...`
    Index(u32),
    /// `hw:Loopback,...`: the card's id, as in `/proc/asound/cards`.
    Id(String<CARD_ID_LEN>),
}

#[cfg(feature = "defmt")]
impl defmt::Format for Card {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Card::Index(i) => defmt::write!(f, "{=u32}", i),
            Card::Id(id) => defmt::write!(f, "{=str}", id.as_str()),
        }
    }
}

/// A hardware PCM device: `hw:CARD,DEVICE[,SUBDEVICE]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceName {
    /// The card.
    pub card: Card,
    /// The PCM device on the card.
    pub device: u32,
    /// A subdevice, or `None` for the first free one.
    pub subdevice: Option<u32>,
}

impl DeviceName {
    /// `hw:card,device`.
    pub const fn hw(card: u32, device: u32) -> Self {
        DeviceName {
            card: Card::Index(card),
            device,
            subdevice: None,
        }
    }

    /// Parses `hw:CARD[,DEVICE[,SUBDEVICE]]`, with CARD a number or a card id, and the
    /// `hw:CARD=x,DEV=y,SUBDEV=z` form. Names of alsa-lib plugins (`plughw:`, `default`, ...)
    /// are refused with [`Error::PluginDevice`], node paths (`/dev/snd/pcmC0D0p`) with
    /// [`Error::NodePath`].
    ///
    /// # Errors
    /// [`Error::BadDeviceName`], [`Error::PluginDevice`] or [`Error::NodePath`] as above.
    pub fn parse(name: &str) -> Result<Self> {
        // Byte loops rather than `str::split`, `chars` and `str::parse`: the same result
        // without their searchers, UTF-8 decoding and generic number parsing (a firmware
        // build, see `firmware/`, links this in).
        if name.starts_with("/dev/") {
            return Err(Error::NodePath);
        }
        let Some(rest) = name.strip_prefix("hw:") else {
            // A non-ASCII character is neither alphanumeric nor `_`, and all its bytes are
            // above 0x7f: checking bytes is checking characters here.
            let plugin = name.bytes().any(|b| b == b':')
                || name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            return Err(if plugin && !name.is_empty() {
                Error::PluginDevice
            } else {
                Error::BadDeviceName
            });
        };
        // Every way a `hw:` name can be wrong is `BadDeviceName`: the parts say only whether
        // they are well formed, and the error is made once, here.
        parse_hw(rest).ok_or(Error::BadDeviceName)
    }

    /// Notes in `context` what an error on this device names (see [`DeviceContext`]): the
    /// card (number or id), device, subdevice and direction.
    pub(crate) fn note(&self, context: &mut DeviceContext, direction: Direction) {
        let card = match &self.card {
            Card::Index(i) => Some(*i),
            Card::Id(id) => {
                context.set_card_id(id);
                None
            }
        };
        context.set_node(card, self.device, self.subdevice, direction);
    }

    /// The card number, looking the id up through the control devices when needed.
    ///
    /// # Errors
    /// [`Error::UnknownCard`] when no card has the id; the [`Error::Sys`] of a control
    /// device that could not be opened or read while looking.
    pub fn card_index(&self) -> Result<u32> {
        match &self.card {
            Card::Index(i) => Ok(*i),
            Card::Id(id) => find_card(id),
        }
    }
}

impl core::str::FromStr for DeviceName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        DeviceName::parse(s)
    }
}

/// `s` before the first `separator` (an ASCII byte) and what follows it, if there is one.
fn split_at_byte(s: &str, separator: u8) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == separator) {
        // An ASCII byte is a character of its own, so both ends are character boundaries.
        Some(at) => (s.get(..at).unwrap_or(""), s.get(at + 1..)),
        None => (s, None),
    }
}

/// `CARD[,DEVICE[,SUBDEVICE]]`, each field optionally with its `KEY=`; `None` if malformed.
fn parse_hw(rest: &str) -> Option<DeviceName> {
    let (card, rest) = split_at_byte(rest, b',');
    let card = parse_card(field(card, "CARD")?)?;
    let (device, rest) = match rest {
        Some(rest) => {
            let (part, rest) = split_at_byte(rest, b',');
            (parse_number(field(part, "DEV")?)?, rest)
        }
        None => (0, None),
    };
    let subdevice = match rest {
        // A fourth field (another `,`) is refused.
        Some(rest) => match split_at_byte(rest, b',') {
            (part, None) => Some(parse_number(field(part, "SUBDEV")?)?),
            (_, Some(_)) => return None,
        },
        None => None,
    };
    Some(DeviceName {
        card,
        device,
        subdevice,
    })
}

/// Strips an optional `KEY=` from a name field, which must not be empty.
fn field<'a>(part: &'a str, key: &str) -> Option<&'a str> {
    let value = match split_at_byte(part, b'=') {
        (k, Some(v)) if k.eq_ignore_ascii_case(key) => v,
        (_, Some(_)) => return None,
        (_, None) => part,
    };
    (!value.is_empty()).then_some(value)
}

/// A decimal of one to nine digits (so it fits a `u32`).
fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    let mut n = 0u32;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

/// A card number, or a card id (letters, digits, `_` and `-`, shorter than 16 bytes).
fn parse_card(s: &str) -> Option<Card> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return parse_number(s).map(Card::Index);
    }
    let valid = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let mut id = String::new();
    if !valid || id.push_str(s).is_err() || s.len() >= CARD_ID_LEN {
        return None;
    }
    Some(Card::Id(id))
}

/// A `/dev/snd/...` path, built without the heap: the longest, `/dev/snd/pcmC<u32>D<u32>c`,
/// is 15 fixed bytes and two numbers of up to 10 digits (35 bytes).
pub(crate) type DevicePath = String<40>;

/// Opens the node at a path built here (`/dev/snd/...`), handing the system call the path
/// with its terminating NUL: as a `&str` rustix would copy it to add one and search it for
/// another, code a firmware build (see `firmware/`) links in for nothing else.
pub(crate) fn open_node(path: &DevicePath, op: Op, wait_if_busy: bool) -> Result<OwnedFd> {
    let mut bytes = [0u8; 41];
    // The path's bytes up to any NUL (there is none: it is ASCII text and decimal digits).
    let mut len = 0;
    for (slot, b) in bytes.iter_mut().zip(path.bytes().take_while(|&b| b != 0)) {
        *slot = b;
        len += 1;
    }
    let with_nul = bytes.get(..=len).ok_or(Error::BadKernelValue)?;
    // SAFETY: `with_nul` ends in a zero (`len` is at most 40 and `bytes[len]` was not
    // written) and has no zero before it (the copy stopped before any).
    let path = unsafe { CStr::from_bytes_with_nul_unchecked(with_nul) };
    sys::open_device(path, op, wait_if_busy)
}

/// `/dev/snd/pcmC<card>D<device><p|c>`.
pub(crate) fn pcm_path(card: u32, device: u32, direction: Direction) -> DevicePath {
    // Fits: see `DevicePath`.
    let mut path = DevicePath::new();
    let _ = path.push_str("/dev/snd/pcmC");
    push_decimal(&mut path, card);
    let _ = path.push('D');
    push_decimal(&mut path, device);
    let _ = path.push(match direction {
        Direction::Playback => 'p',
        Direction::Capture => 'c',
    });
    path
}

/// `/dev/snd/controlC<card>`.
fn control_path(card: u32) -> DevicePath {
    let mut path = DevicePath::new();
    let _ = path.push_str("/dev/snd/controlC");
    push_decimal(&mut path, card);
    path
}

/// Appends `n` in decimal. Paths are built without `core::fmt`, whose formatting code would
/// be most of what a firmware build links in for them (see `firmware/`).
fn push_decimal(path: &mut DevicePath, n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        let _ = path.push(char::from(d));
    }
}

/// The control device's descriptor (as [`ControlDevice::fd`]).
impl AsFd for ControlDevice {
    fn as_fd(&self) -> rustix::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// What the kernel says about an open PCM (`SNDRV_PCM_IOCTL_INFO`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PcmInfo {
    /// Card number.
    pub card: u32,
    /// Device number.
    pub device: u32,
    /// Subdevice number.
    pub subdevice: u32,
    /// Playback or capture.
    pub direction: Direction,
    /// Device id.
    pub id: String<64>,
    /// Device name.
    pub name: String<80>,
    /// Subdevice name.
    pub subname: String<32>,
    /// Subdevices on the device.
    pub subdevices_count: u32,
    /// Of which free.
    pub subdevices_avail: u32,
}

impl PcmInfo {
    pub(crate) fn from_raw(raw: &SndPcmInfo) -> Self {
        PcmInfo {
            card: raw.card as u32,
            device: raw.device,
            subdevice: raw.subdevice,
            direction: if raw.stream == abi::SNDRV_PCM_STREAM_CAPTURE {
                Direction::Capture
            } else {
                Direction::Playback
            },
            id: c_string(&raw.id),
            name: c_string(&raw.name),
            subname: c_string(&raw.subname),
            subdevices_count: raw.subdevices_count,
            subdevices_avail: raw.subdevices_avail,
        }
    }
}

/// The identity of a card, from its control device.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CardInfo {
    /// Card number.
    pub index: u32,
    /// Id (`Loopback`), as used in `hw:Loopback,0`.
    pub id: String<CARD_ID_LEN>,
    /// Driver name.
    pub driver: String<16>,
    /// Short name.
    pub name: String<32>,
    /// Long name.
    pub long_name: String<80>,
}

/// A card's control device (`/dev/snd/controlC<n>`).
#[derive(Debug)]
pub struct ControlDevice {
    fd: OwnedFd,
    index: u32,
}

impl ControlDevice {
    /// Opens the control device of card `index`.
    ///
    /// # Errors
    /// [`Error::Sys`] with [`Op::OpenControl`] (`ENOENT`: no such card, `EACCES`: not in the
    /// `audio` group).
    pub fn open(index: u32) -> Result<Self> {
        let path = control_path(index);
        let fd = open_node(&path, Op::OpenControl, false)?;
        Ok(ControlDevice { fd, index })
    }

    /// The open control device, for ioctls this crate does not wrap.
    pub fn fd(&self) -> rustix::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The card's number.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The card's number, id and names.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_CTL_IOCTL_CARD_INFO`.
    pub fn card_info(&self) -> Result<CardInfo> {
        let raw = sys::get(self.fd.as_fd(), ioctl::CTL_CARD_INFO)?;
        Ok(CardInfo {
            index: self.index,
            id: c_string(&raw.id),
            driver: c_string(&raw.driver),
            name: c_string(&raw.name),
            long_name: c_string(&raw.longname),
        })
    }

    /// Asks that this process's next open of a PCM on the card take `subdevice`
    /// (`-1`: any). Holds while this control device stays open.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE`.
    pub fn prefer_subdevice(&self, subdevice: Option<u32>) -> Result<()> {
        let value: c_int = subdevice.map_or(-1, |s| s as c_int);
        sys::set(self.fd.as_fd(), ioctl::CTL_PCM_PREFER_SUBDEVICE, value)?;
        Ok(())
    }
}

impl ControlDevice {
    /// The PCM device numbers of the card, in increasing order (`PCM_NEXT_DEVICE`).
    pub fn pcm_devices(&self) -> PcmDevices<'_> {
        PcmDevices {
            control: self,
            last: -1,
            done: false,
        }
    }

    /// What the kernel says about a PCM stream of the card (what `aplay -l` shows), without
    /// opening it. `Ok(None)` when the device has no stream in that direction.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_CTL_IOCTL_PCM_INFO` other than `ENOENT`/`ENXIO` (no such
    /// device: `Ok(None)`).
    pub fn pcm_info(&self, device: u32, subdevice: u32, direction: Direction) -> Result<Option<PcmInfo>> {
        let mut raw = SndPcmInfo::zeroed();
        raw.device = device;
        raw.subdevice = subdevice;
        raw.stream = match direction {
            Direction::Playback => abi::SNDRV_PCM_STREAM_PLAYBACK,
            Direction::Capture => abi::SNDRV_PCM_STREAM_CAPTURE,
        };
        match sys::update(self.fd.as_fd(), ioctl::CTL_PCM_INFO, &mut raw) {
            Ok(()) => Ok(Some(PcmInfo::from_raw(&raw))),
            Err(Error::Sys { errno, .. }) if errno == Errno::NOENT || errno == Errno::NXIO => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The PCM device numbers of a card. See [`ControlDevice::pcm_devices`].
#[derive(Debug)]
pub struct PcmDevices<'a> {
    control: &'a ControlDevice,
    last: c_int,
    done: bool,
}

impl Iterator for PcmDevices<'_> {
    type Item = Result<u32>;

    fn next(&mut self) -> Option<Result<u32>> {
        if self.done {
            return None;
        }
        let mut device = self.last;
        let result = sys::update(self.control.fd.as_fd(), ioctl::CTL_PCM_NEXT_DEVICE, &mut device);
        match result {
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
            // -1: no more devices; a number not above the last one would loop forever.
            Ok(_) if device < 0 || device <= self.last => {
                self.done = true;
                None
            }
            Ok(_) => {
                self.last = device;
                Some(Ok(device as u32))
            }
        }
    }
}

/// The numbers of the cards present (those with a control device node).
pub fn cards() -> impl Iterator<Item = u32> {
    (0..MAX_CARDS).filter(|&index| open_node(&control_path(index), Op::OpenControl, false).is_ok())
}

/// A zero-terminated C string from a kernel record, cut to fit `N` and to valid UTF-8.
pub(crate) fn c_string<const N: usize>(bytes: &[u8]) -> String<N> {
    let mut out = String::new();
    // Cut where a whole character ends, then copy once (not character by character: this
    // is generic over `N`, so its body is repeated for every size).
    let _ = out.push_str(c_text(bytes, N));
    out
}

/// The valid UTF-8 text before the first NUL of `bytes`, cut to at most `max` bytes at a
/// character boundary.
fn c_text(bytes: &[u8], max: usize) -> &str {
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = match core::str::from_utf8(&bytes[..len]) {
        Ok(t) => t,
        Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    };
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// The number of the card whose id is `id`.
fn find_card(id: &str) -> Result<u32> {
    for index in 0..MAX_CARDS {
        let control = match ControlDevice::open(index) {
            Ok(c) => c,
            Err(Error::Sys { errno, .. })
                if errno == Errno::NOENT || errno == Errno::NXIO || errno == Errno::NODEV =>
            {
                continue
            }
            Err(e) => return Err(e),
        };
        if control.card_info()?.id == id {
            return Ok(index);
        }
    }
    Err(Error::UnknownCard)
}

#[cfg(test)]
mod tests;
