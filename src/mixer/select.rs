//! Control ids in text, as `amixer` takes and prints them: `Master Playback Volume`,
//! `Master Playback Volume,index=10` (or amixer's simple `'Master Playback Volume',10`), and the
//! fields of alsa-lib's `snd_ctl_ascii_elem_id_parse`: `numid=3`,
//! `iface=MIXER,name='Master Playback Volume',index=10,device=0,subdevice=0`.

use core::fmt;

use heapless::String;

use super::{ElemId, ElemInfo, Interface, Mixer};
use crate::abi;
use crate::error::{Error, Result};

/// Which control a text names: the fields given, the others left open (any interface, device
/// and subdevice; index 0). See [`ElemSelector::parse`] and [`Mixer::lookup`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ElemSelector {
    /// The element's number: when given, it alone selects.
    pub numid: Option<u32>,
    /// The interface, any when `None`.
    pub iface: Option<Interface>,
    /// The device, any when `None`.
    pub device: Option<u32>,
    /// The subdevice, any when `None`.
    pub subdevice: Option<u32>,
    /// The name.
    pub name: Option<String<{ abi::SNDRV_CTL_ELEM_ID_NAME_MAXLEN }>>,
    /// The index that tells apart elements of the same name (HDA's `Master Playback Volume`
    /// 0 and 10).
    pub index: u32,
}

impl ElemSelector {
    /// Reads a control id in amixer's forms, fields separated by commas:
    /// - a name first, bare or quoted (`Master Playback Volume`, `'Master Playback Volume'`);
    ///   a bare number after it is the index (amixer's `'Master',1`);
    /// - `numid=N`, `iface=CARD|HWDEP|MIXER|PCM|RAWMIDI|TIMER|SEQUENCER`, `name=...` (bare up
    ///   to the next comma, or in `'` or `"` quotes), `index=N`, `device=N`, `subdevice=N`,
    ///   keys in any case, as `amixer cset` takes them and [`ElemId`]'s `Display` writes them.
    ///
    /// # Errors
    /// [`Error::BadControlId`] for text that is none of these, a name longer than 43 bytes,
    /// a number that is not one, or neither a name nor a number.
    pub fn parse(text: &str) -> Result<Self> {
        let mut selector = ElemSelector::default();
        let mut rest = text.trim_start();
        let mut field = 0;
        while !rest.is_empty() || field == 0 {
            let (key, value) = match key_of(rest) {
                Some((key, value)) => (Some(key), value),
                None => (None, rest),
            };
            let bare_name = key.is_none() && field == 0;
            let after = match key {
                Some("name") => name_of(&mut selector, value)?,
                None if bare_name => name_of(&mut selector, value)?,
                None => {
                    // A bare number after a bare name: amixer's `'Master',1`.
                    let (n, after) = number_field(value)?;
                    selector.index = n;
                    after
                }
                Some(key) => {
                    let (text, after) = value.split_once(',').unwrap_or((value, ""));
                    let number = || text.trim_end().parse::<u32>().map_err(|_| Error::BadControlId);
                    match key {
                        "numid" => {
                            selector.numid =
                                Some(number().ok().filter(|n| *n > 0).ok_or(Error::BadControlId)?)
                        }
                        "index" => selector.index = number()?,
                        "device" => selector.device = Some(number()?),
                        "subdevice" => selector.subdevice = Some(number()?),
                        _ => selector.iface = Some(iface(text.trim_end())?),
                    }
                    after
                }
            };
            rest = after;
            field += 1;
        }
        if selector.numid.is_none() && selector.name.is_none() {
            return Err(Error::BadControlId);
        }
        Ok(selector)
    }

    /// Whether the element `id` is the one selected: by `numid` when given, else by name,
    /// index and the interface, device and subdevice given.
    pub fn matches(&self, id: &ElemId) -> bool {
        if let Some(numid) = self.numid {
            return id.numid == numid;
        }
        self.name.as_ref().is_some_and(|n| *n == id.name)
            && id.index == self.index
            && self.iface.is_none_or(|i| i == id.iface)
            && self.device.is_none_or(|d| d == id.device)
            && self.subdevice.is_none_or(|s| s == id.subdevice)
    }
}

/// Sets the selector's name from a name field; returns the text after it.
fn name_of<'a>(selector: &mut ElemSelector, field: &'a str) -> Result<&'a str> {
    let (name, after) = name_field(field)?;
    let mut s = String::new();
    s.push_str(name).map_err(|_| Error::BadControlId)?;
    selector.name = Some(s);
    Ok(after)
}

/// Splits `key=` (a known key, any case) off the front of a field, as the lowercase key and
/// what follows the `=`.
fn key_of(field: &str) -> Option<(&'static str, &str)> {
    const KEYS: [&str; 6] = ["numid", "iface", "name", "index", "device", "subdevice"];
    let (key, value) = field.split_once('=')?;
    KEYS.iter()
        .find(|k| k.eq_ignore_ascii_case(key.trim()))
        .map(|k| (*k, value))
}

/// A name, quoted (`'...'`, `"..."`) or bare up to the next comma; returns it and the text
/// after its comma.
fn name_field(text: &str) -> Result<(&str, &str)> {
    let (name, after) = match text.as_bytes().first() {
        Some(&q @ (b'\'' | b'"')) => {
            let end = text[1..].find(q as char).ok_or(Error::BadControlId)? + 1;
            let after = text[end + 1..].trim_start();
            let after = match after.strip_prefix(',') {
                Some(after) => after,
                None if after.is_empty() => after,
                None => return Err(Error::BadControlId),
            };
            (&text[1..end], after)
        }
        _ => text.split_once(',').unwrap_or((text, "")),
    };
    if name.is_empty() {
        return Err(Error::BadControlId);
    }
    Ok((name, after.trim_start()))
}

/// A bare number up to the next comma, and the text after it.
fn number_field(text: &str) -> Result<(u32, &str)> {
    let (n, after) = text.split_once(',').unwrap_or((text, ""));
    let n = n.trim().parse().map_err(|_| Error::BadControlId)?;
    Ok((n, after.trim_start()))
}

/// The interface named `name` (any case), as `iface=` takes it.
fn iface(name: &str) -> Result<Interface> {
    const NAMES: [(&str, Interface); 7] = [
        ("CARD", Interface::Card),
        ("HWDEP", Interface::Hwdep),
        ("MIXER", Interface::Mixer),
        ("PCM", Interface::Pcm),
        ("RAWMIDI", Interface::Rawmidi),
        ("TIMER", Interface::Timer),
        ("SEQUENCER", Interface::Sequencer),
    ];
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, i)| *i)
        .ok_or(Error::BadControlId)
}

impl fmt::Display for ElemSelector {
    /// amixer's fields: `numid=3` or `name='Master Playback Volume',index=10` with the
    /// interface, device and subdevice when given; [`ElemSelector::parse`] reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(numid) = self.numid {
            write!(f, "numid={numid}")?;
            sep = ",";
        }
        if let Some(iface) = self.iface {
            write!(f, "{sep}iface={iface}")?;
            sep = ",";
        }
        if let Some(name) = &self.name {
            let quote = if name.contains('\'') { '"' } else { '\'' };
            write!(f, "{sep}name={quote}{name}{quote}")?;
        }
        if self.index != 0 {
            write!(f, ",index={}", self.index)?;
        }
        if let Some(device) = self.device {
            write!(f, ",device={device}")?;
        }
        if let Some(subdevice) = self.subdevice {
            write!(f, ",subdevice={subdevice}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ElemId {
    /// alsa-lib's `snd_ctl_ascii_elem_id_get`, as `amixer controls` lists an element:
    /// `numid=3,iface=MIXER,name='Master Playback Volume',index=10`, with `device=` and
    /// `subdevice=` when not 0.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.numid > 0 {
            write!(f, "numid={},", self.numid)?;
        }
        write!(f, "iface={},name='{}'", self.iface, self.name)?;
        for (key, value) in [
            ("index", self.index),
            ("device", self.device),
            ("subdevice", self.subdevice),
        ] {
            if value != 0 {
                write!(f, ",{key}={value}")?;
            }
        }
        Ok(())
    }
}

impl Mixer {
    /// The element `selector` names, or [`Error::NoSuchControl`].
    ///
    /// # Errors
    /// [`Error::NoSuchControl`] when no element matches; the errors of listing the
    /// elements and of `ELEM_INFO`.
    pub fn select(&self, selector: &ElemSelector) -> Result<ElemInfo> {
        for id in self.elements() {
            let id = id?;
            if selector.matches(&id) {
                return self.info(&id);
            }
        }
        Err(Error::NoSuchControl)
    }

    /// The element a text names in amixer's forms (`Master Playback Volume,index=10`,
    /// `numid=3`...; see [`ElemSelector::parse`]).
    ///
    /// # Errors
    /// [`Error::BadControlId`] for text that is no control id, and those of
    /// [`Mixer::select`].
    pub fn lookup(&self, text: &str) -> Result<ElemInfo> {
        self.select(&ElemSelector::parse(text)?)
    }
}
