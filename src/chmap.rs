//! Channel maps: which speaker each channel of a PCM stream feeds, through the control
//! device's `Playback Channel Map` / `Capture Channel Map` controls (interface PCM, the PCM's
//! device number, one element per subdevice as its index).
//!
//! The control's TLV data lists the maps the device can take (each fixed, freely permutable
//! or permutable in pairs); its integer values are the map of the running stream, and
//! drivers that allow it (HDMI, USB audio) take a new map by a write while the stream is set
//! up. Drivers without channel maps (snd-aloop, snd-dummy) have no such control.
//!
//! ```no_run
//! use alsa_direct::mixer::Mixer;
//! use alsa_direct::Direction;
//!
//! let mixer = Mixer::open(0)?;
//! if let Some(control) = mixer.chmap_control(0, 0, Direction::Playback)? {
//!     let maps = mixer.chmaps::<256>(&control)?;
//!     for map in maps.iter() {
//!         let map = map?;
//!         let _ = (map.kind, map.positions()); // e.g. Fixed, [FL, FR]
//!     }
//!     let _current = mixer.current_chmap(&control)?;
//! }
//! # Ok::<(), alsa_direct::Error>(())
//! ```
//!
//! # References
//! - `include/uapi/sound/asound.h` (`SNDRV_CHMAP_*`), `include/uapi/sound/tlv.h`
//!   (`SNDRV_CTL_TLVT_CHMAP_*`), `snd_pcm_add_chmap_ctls` in `sound/core/pcm_lib.c`.

use core::ffi::c_uint;
use core::fmt;

use heapless::{String, Vec};

use crate::abi;
use crate::error::{Errno, Error, Result};
use crate::ioctl;
use crate::mixer::{ElemId, ElemInfo, Interface, Mixer};
use crate::sys;
use crate::types::Direction;

/// The most channels a [`Chmap`] holds.
pub const MAX_CHANNELS: usize = 32;

/// Where one channel goes (`SNDRV_CHMAP_*` with its flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Position(pub u32);

/// The short names alsa-lib uses, by `SNDRV_CHMAP_*` number: one for each position the
/// header names, `SNDRV_CHMAP_UNKNOWN` (0) to `SNDRV_CHMAP_LAST`.
const NAMES: [&str; abi::SNDRV_CHMAP_LAST as usize + 1] = [
    "UNKNOWN", "NA", "MONO", "FL", "FR", "RL", "RR", "FC", "LFE", "SL", "SR", "RC", "FLC", "FRC", "RLC",
    "RRC", "FLW", "FRW", "FLH", "FCH", "FRH", "TC", "TFL", "TFR", "TFC", "TRL", "TRR", "TRC", "TFLC", "TFRC",
    "TSL", "TSR", "LLFE", "RLFE", "BC", "BLC", "BRC",
];

impl Position {
    /// Unspecified.
    pub const UNKNOWN: Position = Position(abi::SNDRV_CHMAP_UNKNOWN);
    /// Not used.
    pub const NA: Position = Position(abi::SNDRV_CHMAP_NA);
    /// Mono.
    pub const MONO: Position = Position(abi::SNDRV_CHMAP_MONO);
    /// Front left.
    pub const FL: Position = Position(abi::SNDRV_CHMAP_FL);
    /// Front right.
    pub const FR: Position = Position(abi::SNDRV_CHMAP_FR);
    /// Rear left.
    pub const RL: Position = Position(abi::SNDRV_CHMAP_RL);
    /// Rear right.
    pub const RR: Position = Position(abi::SNDRV_CHMAP_RR);
    /// Front centre.
    pub const FC: Position = Position(abi::SNDRV_CHMAP_FC);
    /// Low frequency effects.
    pub const LFE: Position = Position(abi::SNDRV_CHMAP_LFE);
    /// Side left.
    pub const SL: Position = Position(abi::SNDRV_CHMAP_SL);
    /// Side right.
    pub const SR: Position = Position(abi::SNDRV_CHMAP_SR);
    /// Rear centre.
    pub const RC: Position = Position(abi::SNDRV_CHMAP_RC);

    /// The position without its flags.
    pub const fn position(self) -> u32 {
        self.0 & abi::SNDRV_CHMAP_POSITION_MASK
    }

    /// The channel is phase-inverted (`SNDRV_CHMAP_PHASE_INVERSE`).
    pub const fn phase_inverse(self) -> bool {
        self.0 & abi::SNDRV_CHMAP_PHASE_INVERSE != 0
    }

    /// The number is the driver's own, not a `SNDRV_CHMAP_*` (`SNDRV_CHMAP_DRIVER_SPEC`).
    pub const fn driver_specific(self) -> bool {
        self.0 & abi::SNDRV_CHMAP_DRIVER_SPEC != 0
    }

    /// The short name (`FL`, `LFE`...), `None` for a driver-specific or unknown number.
    pub fn name(self) -> Option<&'static str> {
        if self.driver_specific() {
            return None;
        }
        NAMES.get(self.position() as usize).copied()
    }

    /// The position with this short name (case-insensitive), without flags.
    pub fn from_name(name: &str) -> Option<Position> {
        NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .map(|i| Position(i as u32))
    }

    /// A position from alsa-lib's text form, as [`Position`]'s `Display` writes it: a short
    /// name (`FL`, any case), `Ch<n>` for a number without a name, a bare number (decimal,
    /// `0x` hex or `0` octal, as C's `strtoul`) for a driver-specific one, each followed by
    /// `[INV]` when phase-inverted. `None` for anything else.
    pub fn parse(text: &str) -> Option<Position> {
        let (token, inverse) = match text.strip_suffix("[INV]") {
            Some(token) => (token, abi::SNDRV_CHMAP_PHASE_INVERSE),
            None => (text, 0),
        };
        parse_token(token).map(|p| Position(p | inverse))
    }
}

/// One alphanumeric token of alsa-lib's `str_to_chmap`, without the `[INV]` suffix.
fn parse_token(token: &str) -> Option<u32> {
    let number = |digits: &str| -> Option<u32> {
        let (digits, radix) = match digits.as_bytes() {
            [b'0', b'x' | b'X', _, ..] => (&digits[2..], 16),
            [b'0', _, ..] => (&digits[1..], 8),
            _ => (digits, 10),
        };
        u32::from_str_radix(digits, radix)
            .ok()
            .filter(|n| *n <= abi::SNDRV_CHMAP_POSITION_MASK)
    };
    let bytes = token.as_bytes();
    match bytes {
        [b'0'..=b'9', ..] => number(token).map(|n| n | abi::SNDRV_CHMAP_DRIVER_SPEC),
        [b'c' | b'C', b'h' | b'H', b'0'..=b'9', ..] => number(&token[2..]),
        _ => Position::from_name(token).map(|p| p.0),
    }
}

impl fmt::Display for Position {
    /// alsa-lib's form (`snd_pcm_chmap_print`): `FL`, `FL[INV]` when phase-inverted, the
    /// bare number (`5`) for a driver-specific one, `Ch40` for a number without a name.
    /// [`Position::parse`] reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name)?,
            None if self.driver_specific() => write!(f, "{}", self.position())?,
            None => write!(f, "Ch{}", self.position())?,
        }
        if self.phase_inverse() {
            f.write_str("[INV]")?;
        }
        Ok(())
    }
}

/// How the channels of a map may be arranged (the TLV item type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ChmapKind {
    /// Exactly this order (`SNDRV_CTL_TLVT_CHMAP_FIXED`).
    Fixed,
    /// Any order of these positions (`SNDRV_CTL_TLVT_CHMAP_VAR`).
    Variable,
    /// Any order of these pairs (`SNDRV_CTL_TLVT_CHMAP_PAIRED`).
    Paired,
    /// The current map of a stream (read from the control's values).
    Current,
}

/// One channel map: a position per channel.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Chmap {
    /// Fixed, permutable, or a stream's current map.
    pub kind: ChmapKind,
    positions: Vec<Position, MAX_CHANNELS>,
}

impl Chmap {
    /// A map of `positions` (at most [`MAX_CHANNELS`]), to set with [`Mixer::set_chmap`].
    ///
    /// # Errors
    /// [`Error::ControlChannel`] for more than [`MAX_CHANNELS`] positions.
    pub fn new(positions: &[Position]) -> Result<Self> {
        let positions = Vec::from_slice(positions).map_err(|_| Error::ControlChannel {
            channel: positions.len() as u32,
            count: MAX_CHANNELS as u32,
        })?;
        Ok(Chmap {
            kind: ChmapKind::Current,
            positions,
        })
    }

    /// The positions, channel 0 first.
    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// The number of channels.
    pub fn channels(&self) -> usize {
        self.positions.len()
    }

    /// A map from alsa-lib's text form (`snd_pcm_chmap_parse_string`): positions as
    /// [`Position::parse`] reads them, separated by anything not a letter or digit (`FL FR`,
    /// `fl,fr,lfe`, `FL FR[INV]`). A leading `var:` or `paired:`, which `Display` writes for
    /// permutable maps, sets the kind. `None` for an unknown name, an empty map or more than
    /// [`MAX_CHANNELS`] positions.
    pub fn parse(text: &str) -> Option<Chmap> {
        let (kind, mut rest) = if let Some(rest) = text.strip_prefix("var:") {
            (ChmapKind::Variable, rest)
        } else if let Some(rest) = text.strip_prefix("paired:") {
            (ChmapKind::Paired, rest)
        } else {
            (ChmapKind::Current, text)
        };
        let mut positions = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
            if rest.is_empty() {
                break;
            }
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let (token, after) = rest.split_at(end);
            let (inverse, after) = match after.strip_prefix("[INV]") {
                Some(after) => (abi::SNDRV_CHMAP_PHASE_INVERSE, after),
                None => (0, after),
            };
            positions.push(Position(parse_token(token)? | inverse)).ok()?;
            rest = after;
        }
        if positions.is_empty() {
            return None;
        }
        Some(Chmap { kind, positions })
    }
}

impl fmt::Display for Chmap {
    /// `FL FR`, prefixed `var:` or `paired:` for permutable maps.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ChmapKind::Variable => f.write_str("var: ")?,
            ChmapKind::Paired => f.write_str("paired: ")?,
            ChmapKind::Fixed | ChmapKind::Current => {}
        }
        for (i, p) in self.positions.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// The maps a channel map control's TLV data offers: an iterator over `tlv`, the control's
/// TLV as native-endian 32-bit words (a `CONTAINER` of `CHMAP_*` items, or one such item).
/// Items of other types are skipped; truncated data ends the iteration with
/// [`Error::BadTlv`] (never a panic).
pub(crate) fn parse_chmaps(tlv: &[u32]) -> ChmapIter<'_> {
    let rest = match tlv {
        [abi::SNDRV_CTL_TLVT_CONTAINER, len, rest @ ..] => {
            let words = (*len as usize).div_ceil(4);
            match rest.get(..words) {
                Some(items) => Ok(items),
                None => Err(Error::BadTlv),
            }
        }
        _ => Ok(tlv),
    };
    ChmapIter { rest }
}

/// An iterator over the maps of a channel map TLV; see [`Chmaps::iter`].
#[derive(Clone, Debug)]
pub struct ChmapIter<'a> {
    rest: core::result::Result<&'a [u32], Error>,
}

impl Iterator for ChmapIter<'_> {
    type Item = Result<Chmap>;

    fn next(&mut self) -> Option<Result<Chmap>> {
        loop {
            let rest = match self.rest {
                Ok([]) => return None,
                Ok(rest) => rest,
                Err(e) => {
                    self.rest = Ok(&[]);
                    return Some(Err(e));
                }
            };
            let (kind, len) = match rest {
                [kind, len, ..] => (*kind, *len as usize),
                _ => {
                    self.rest = Ok(&[]);
                    return Some(Err(Error::BadTlv));
                }
            };
            let words = len.div_ceil(4);
            let Some(payload) = rest.get(2..2 + words) else {
                self.rest = Ok(&[]);
                return Some(Err(Error::BadTlv));
            };
            self.rest = Ok(&rest[2 + words..]);
            let kind = match kind {
                abi::SNDRV_CTL_TLVT_CHMAP_FIXED => ChmapKind::Fixed,
                abi::SNDRV_CTL_TLVT_CHMAP_VAR => ChmapKind::Variable,
                abi::SNDRV_CTL_TLVT_CHMAP_PAIRED => ChmapKind::Paired,
                _ => continue,
            };
            // The length counts whole channels only.
            let mut positions = Vec::new();
            for &p in &payload[..len / 4] {
                if positions.push(Position(p)).is_err() {
                    return Some(Err(Error::BadTlv));
                }
            }
            return Some(Ok(Chmap { kind, positions }));
        }
    }
}

/// A channel map control's TLV data, as [`Mixer::chmaps`] read it into `WORDS` 32-bit words
/// (two of them the ioctl's header).
#[derive(Clone, Debug)]
pub struct Chmaps<const WORDS: usize> {
    buf: [u32; WORDS],
    len: usize,
}

impl<const WORDS: usize> Chmaps<WORDS> {
    /// The raw TLV words (type, length, payload).
    pub fn words(&self) -> &[u32] {
        &self.buf[2..2 + self.len]
    }

    /// The maps offered.
    pub fn iter(&self) -> ChmapIter<'_> {
        parse_chmaps(self.words())
    }
}

impl Mixer {
    /// The channel map control of PCM `device`, subdevice `subdevice`, playback or capture,
    /// `Ok(None)` when the driver has none.
    ///
    /// # Errors
    /// The [`Error::Sys`] of the control's `ELEM_INFO` other than `ENOENT` (no map control,
    /// `Ok(None)`).
    pub fn chmap_control(
        &self,
        device: u32,
        subdevice: u32,
        direction: Direction,
    ) -> Result<Option<ElemInfo>> {
        let name = match direction {
            Direction::Playback => "Playback Channel Map",
            Direction::Capture => "Capture Channel Map",
        };
        let mut id = ElemId {
            numid: 0,
            iface: Interface::Pcm,
            device,
            subdevice: 0,
            name: String::new(),
            index: subdevice,
        };
        // The name fits: both are shorter than the 44 bytes of an element name.
        let _ = id.name.push_str(name);
        match self.info(&id) {
            Ok(info) => Ok(Some(info)),
            Err(Error::Sys { errno, .. }) if errno == Errno::NOENT => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The maps a channel map control offers, read into `WORDS` words (the kernel refuses a
    /// buffer too small for all of them with `ENOMEM`: HDMI codecs list dozens of maps, so
    /// 256 or more is a good size).
    ///
    /// # Errors
    /// [`Error::Sys`] with `TLV_READ` (`ENOMEM` when `WORDS` is too small), [`Error::BadTlv`] for
    /// malformed maps.
    pub fn chmaps<const WORDS: usize>(&self, info: &ElemInfo) -> Result<Chmaps<WORDS>> {
        // Two words of `snd_ctl_tlv` header, then the data.
        let mut buf = [0 as c_uint; WORDS];
        if WORDS < 4 {
            return Err(Error::BadTlv);
        }
        sys::tlv_read(self.control().fd(), ioctl::CTL_TLV_READ, info.id.numid, &mut buf)?;
        let len = 2 + (buf[3] as usize).div_ceil(4);
        if len > WORDS - 2 {
            return Err(Error::BadTlv);
        }
        Ok(Chmaps { buf, len })
    }

    /// The current map of a stream: the control's values up to the last known position
    /// (empty when the stream is not set up).
    ///
    /// # Errors
    /// The [`Error::Sys`] of `ELEM_READ`, [`Error::ControlType`] for a control that is not a map.
    pub fn current_chmap(&self, info: &ElemInfo) -> Result<Chmap> {
        let values = self.read(info)?;
        let mut positions: Vec<Position, MAX_CHANNELS> = Vec::new();
        for c in 0..info.count.min(MAX_CHANNELS as u32) {
            let v = values.integer(c)?;
            let _ = positions.push(Position(u32::try_from(v).map_err(|_| Error::BadKernelValue)?));
        }
        while positions.last() == Some(&Position::UNKNOWN) {
            positions.pop();
        }
        Ok(Chmap {
            kind: ChmapKind::Current,
            positions,
        })
    }

    /// Sets the map of a stream (a driver takes it while the stream is set up, and refuses a
    /// map it does not offer with `EINVAL`; a read-only map control refuses with `EPERM`).
    ///
    /// # Errors
    /// [`Error::ControlChannel`] for a map longer than the control; the [`Error::Sys`] of
    /// `ELEM_WRITE` (`EINVAL` for a map the driver does not offer, `EPERM` for a read-only control,
    /// `EBADFD` outside the setup states).
    pub fn set_chmap(&self, info: &ElemInfo, map: &Chmap) -> Result<()> {
        if map.channels() > info.count as usize {
            return Err(Error::ControlChannel {
                channel: map.channels() as u32,
                count: info.count,
            });
        }
        let mut values = crate::mixer::Values::new(info);
        for c in 0..info.count {
            let p = map.positions().get(c as usize).map_or(0, |p| p.0);
            values.set_integer(c, i64::from(p))?;
        }
        self.write(&values)
    }
}

#[cfg(test)]
mod tests;
