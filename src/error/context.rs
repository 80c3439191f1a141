//! [`DeviceError`]: an [`Error`] with the device it concerns ([`DeviceContext`]), what
//! opening and setting up a stream return.
//!
//! Fixed in size like the rest of the crate: the name as given is kept up to
//! [`DeviceContext::NAME_LEN`] bytes, the card id up to the kernel's 15.

use core::fmt;

use super::{Errno, Error, Op};
use crate::types::{Direction, Format};

/// Which device an error concerns: the name as given, the card id that was looked up, the
/// card and device numbers (so the node, `/dev/snd/pcmC<card>D<device><p|c>`), and for a
/// refused `HW_PARAMS` the parameters tried.
///
/// Each part is there when it was known at the failure: a name that does not parse has only
/// the name, a card id that no card has has no card number. Without the default feature
/// `device-context` (a build counting its bytes), it is always empty.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DeviceContext {
    /// What is known. Without the feature `device-context` the context is empty and zero-sized,
    /// and a size-bound build (`firmware/`) links none of the code that fills it.
    #[cfg(feature = "device-context")]
    kept: Kept,
}

/// The parts of a [`DeviceContext`] (never made without the feature `device-context`).
#[cfg_attr(not(feature = "device-context"), allow(dead_code))]
#[derive(Clone, Default, PartialEq, Eq)]
struct Kept {
    given: Text<{ DeviceContext::NAME_LEN }>,
    card_id: Text<16>,
    card: Option<u32>,
    device: Option<u32>,
    subdevice: Option<u32>,
    direction: Option<Direction>,
    tried: Option<Tried>,
}

/// Up to `N` bytes of UTF-8 text, cut at a character boundary; no heap.
#[cfg_attr(not(feature = "device-context"), allow(dead_code))]
#[derive(Clone, Copy, PartialEq, Eq)]
struct Text<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Text {
            bytes: [0; N],
            len: 0,
        }
    }
}

#[cfg_attr(not(feature = "device-context"), allow(dead_code))]
impl<const N: usize> Text<N> {
    /// `text`, or its first `N` bytes (fewer, at a character boundary) followed by `...`
    /// when `mark_cut` and it is longer.
    fn new(text: &str, mark_cut: bool) -> Self {
        let mut t = Text::default();
        let fits = text.len() <= N;
        let mut end = if fits {
            text.len()
        } else if mark_cut {
            N - 3
        } else {
            N
        };
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let kept = &text.as_bytes()[..end];
        t.bytes[..end].copy_from_slice(kept);
        t.len = end as u8;
        if !fits && mark_cut {
            t.bytes[end..end + 3].copy_from_slice(b"...");
            t.len += 3;
        }
        t
    }

    fn as_str(&self) -> Option<&str> {
        let bytes = self.bytes.get(..usize::from(self.len))?;
        // Always valid: whole characters of a `&str`, then ASCII.
        core::str::from_utf8(bytes).ok().filter(|s| !s.is_empty())
    }
}

/// The parameters a refused `HW_PARAMS` was given.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tried {
    pub(crate) format: Format,
    pub(crate) channels: u32,
    pub(crate) rate: u32,
    pub(crate) period_size: u32,
    pub(crate) buffer_size: u32,
}

impl DeviceContext {
    /// The longest device name kept as given; a longer one is cut (at a character) and shown
    /// with `...`.
    pub const NAME_LEN: usize = 40;

    /// What is known, when the context is kept.
    fn kept(&self) -> Option<&Kept> {
        #[cfg(feature = "device-context")]
        return Some(&self.kept);
        #[cfg(not(feature = "device-context"))]
        return None;
    }

    /// What is known, to fill in, when the context is kept.
    fn kept_mut(&mut self) -> Option<&mut Kept> {
        #[cfg(feature = "device-context")]
        return Some(&mut self.kept);
        #[cfg(not(feature = "device-context"))]
        return None;
    }

    /// The context of a device named `name` (as given by the caller).
    pub(crate) fn given(name: &str) -> Self {
        #[cfg(feature = "device-context")]
        return DeviceContext {
            kept: Kept {
                given: Text::new(name, true),
                ..Kept::default()
            },
        };
        #[cfg(not(feature = "device-context"))]
        {
            let _ = name;
            DeviceContext::default()
        }
    }

    /// Notes the card id that was looked up (cut to 16 bytes; the kernel's are shorter).
    pub(crate) fn set_card_id(&mut self, id: &str) {
        #[cfg(feature = "device-context")]
        {
            self.kept.card_id = Text::new(id, false);
        }
        #[cfg(not(feature = "device-context"))]
        let _ = id;
    }

    /// Notes the card, device and subdevice numbers and the direction known.
    pub(crate) fn set_node(
        &mut self,
        card: Option<u32>,
        device: u32,
        subdevice: Option<u32>,
        direction: Direction,
    ) {
        if let Some(k) = self.kept_mut() {
            k.card = card.or(k.card);
            k.device = Some(device);
            k.subdevice = subdevice.or(k.subdevice);
            k.direction = Some(direction);
        }
    }

    /// Notes the parameters given to a refused `HW_PARAMS`.
    pub(crate) fn set_tried(&mut self, tried: Tried) {
        if let Some(k) = self.kept_mut() {
            k.tried = Some(tried);
        }
    }

    /// The device name as the caller gave it (`hw:vc4hdmi0,0`), if it was given as text.
    pub fn name(&self) -> Option<&str> {
        self.kept().and_then(|k| k.given.as_str())
    }

    /// The card id that was looked up (`vc4hdmi0` in `hw:vc4hdmi0,0`).
    pub fn card_id(&self) -> Option<&str> {
        self.kept().and_then(|k| k.card_id.as_str())
    }

    /// The card number, when known (given, or found for the card id).
    pub fn card(&self) -> Option<u32> {
        self.kept().and_then(|k| k.card)
    }

    /// The PCM device number on the card, when known.
    pub fn device(&self) -> Option<u32> {
        self.kept().and_then(|k| k.device)
    }

    /// Playback or capture, when known.
    pub fn direction(&self) -> Option<Direction> {
        self.kept().and_then(|k| k.direction)
    }

    /// The subdevice number, when known.
    fn subdevice(&self) -> Option<u32> {
        self.kept().and_then(|k| k.subdevice)
    }

    /// The parameters of a refused `HW_PARAMS`.
    fn tried(&self) -> Option<Tried> {
        self.kept().and_then(|k| k.tried)
    }

    /// Whether nothing is known (an error from a call that names no device).
    pub fn is_empty(&self) -> bool {
        *self == DeviceContext::default()
    }
}

/// `hw:vc4hdmi0,0 (card id vc4hdmi0, card 1, /dev/snd/pcmC1D0p)`: the name as given (or
/// as parsed), then what was looked up.
impl fmt::Display for DeviceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), self.card_id(), self.card(), self.device()) {
            (Some(name), ..) => f.write_str(name)?,
            (None, Some(id), _, Some(device)) => write!(f, "hw:{id},{device}")?,
            (None, None, Some(card), Some(device)) => write!(f, "hw:{card},{device}")?,
            _ => f.write_str("the device")?,
        }
        if let (None, Some(sub)) = (self.name(), self.subdevice()) {
            write!(f, ",{sub}")?;
        }
        let mut open = false;
        let mut part = |f: &mut fmt::Formatter<'_>| {
            f.write_str(if core::mem::replace(&mut open, true) {
                ", "
            } else {
                " ("
            })
        };
        if let Some(id) = self.card_id() {
            part(f)?;
            write!(f, "card id {id}")?;
            if let Some(card) = self.card() {
                write!(f, " = card {card}")?;
            }
        }
        if let (Some(card), Some(device), Some(direction)) = (self.card(), self.device(), self.direction()) {
            part(f)?;
            let letter = match direction {
                Direction::Playback => 'p',
                Direction::Capture => 'c',
            };
            write!(f, "/dev/snd/pcmC{card}D{device}{letter}")?;
        }
        if open {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DeviceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An [`Error`] with the device it concerns: what opening and setting up a stream
/// ([`crate::MmapStream::open`], [`crate::PcmDevice::open`]...) return.
///
/// Its `Display` (and its `Debug`, so that `fn main() -> Result<(), DeviceError>` prints the
/// same text) names the device, then says what failed and what to do:
///
/// ```text
/// hw:vc4hdmi0,0 (card id vc4hdmi0): no card has this id: list the cards with ...
/// ```
///
/// It converts into an [`Error`] (dropping the device) for `?` in functions returning
/// [`crate::Result`], and an [`Error`] converts into it (with no device) for `?` in
/// functions returning `Result<_, DeviceError>`.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceError {
    error: Error,
    device: DeviceContext,
}

impl DeviceError {
    /// `error` on `device`.
    pub(crate) fn new(error: Error, device: DeviceContext) -> Self {
        DeviceError { error, device }
    }

    /// The error.
    pub fn error(&self) -> Error {
        self.error
    }

    /// The device it concerns.
    pub fn device(&self) -> &DeviceContext {
        &self.device
    }
}

/// Compares the error alone, whatever the device.
impl PartialEq<Error> for DeviceError {
    fn eq(&self, other: &Error) -> bool {
        self.error == *other
    }
}

impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Error {
        e.error
    }
}

impl From<Error> for DeviceError {
    fn from(error: Error) -> DeviceError {
        DeviceError {
            error,
            device: DeviceContext::default(),
        }
    }
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.device.is_empty() {
            write!(f, "{}: ", self.device)?;
        }
        fmt::Display::fmt(&self.error, f)?;
        if let (
            Some(t),
            Error::Sys {
                op: Op::HwParams,
                errno: Errno::INVAL,
            },
        ) = (self.device.tried(), self.error)
        {
            write!(
                f,
                " (tried {}, {} channels, {} Hz, period {} frames, buffer {} frames)",
                t.format, t.channels, t.rate, t.period_size, t.buffer_size
            )?;
        }
        Ok(())
    }
}

impl fmt::Debug for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for DeviceError {
    fn format(&self, f: defmt::Formatter<'_>) {
        match (self.device.name(), self.device.card(), self.device.device()) {
            (Some(name), ..) => defmt::write!(f, "{=str}: {}", name, self.error),
            (None, Some(card), Some(device)) => {
                defmt::write!(f, "hw:{=u32},{=u32}: {}", card, device, self.error)
            }
            _ => defmt::write!(f, "{}", self.error),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DeviceError {}
