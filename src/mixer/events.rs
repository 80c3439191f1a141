//! Control events: what changed about which control, and the calls that watch them.

use core::fmt;

use super::elem::ElemId;
use super::Mixer;
use crate::abi;
use crate::error::{Error, Op, Result};
use crate::ioctl;
use crate::sys;

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

impl Mixer {
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
