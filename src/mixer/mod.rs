//! Mixer controls of a card: list the control elements, read their description, read and
//! write their values, and read their dB scale. No heap: names are `heapless` strings, values
//! travel in one fixed-size kernel record, the listing goes 32 ids at a time on the stack.
//!
//! ```no_run
//! use alsa_direct::mixer::{Channels, Mixer};
//!
//! let mixer = Mixer::open(0)?;
//! for id in mixer.elements() {
//!     let info = mixer.info(&id?)?;
//!     let _ = (info.id.name.as_str(), info.kind, info.count);
//! }
//! let volume = mixer.find("Master Playback Volume", 0)?;
//! mixer.set(&volume, Channels::All, 80i64)?;
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
//!
//! The module's files, one job each: `elem.rs` the element types and values, `handle.rs`
//! the [`Mixer`] handle and its calls, `events.rs` control events, `db.rs` the TLV parser
//! and the dB and percent conversions, `select.rs` control ids in text.

use crate::abi;

mod db;
mod elem;
mod events;
mod handle;
mod select;

pub use crate::types::ElemType;
pub use db::{
    db_of_value, parse_db_range, percent_of_value, value_of_db, value_of_percent, DbRange, DbRounding,
};
pub use elem::{Access, ChannelValue, Channels, ElemId, ElemInfo, Interface, Limits, Values};
pub use events::{Event, EventMask};
pub use handle::{Elements, Mixer, Tlv};
pub use select::ElemSelector;

/// Bytes of TLV data read per element (the kernel refuses a larger TLV with `ENOMEM`).
pub const TLV_BYTES: usize = 512;
/// The gain, in centi-dB, that means muted (`SNDRV_CTL_TLVD_DB_GAIN_MUTE`, -9999999): what
/// [`Mixer::read_db`] and [`db_of_value`] give for a muted value, and [`DbRange::min`] for a
/// linear scale that starts at silence.
pub const DB_MUTE: i32 = abi::SNDRV_CTL_TLVD_DB_GAIN_MUTE;

#[cfg(test)]
mod tests;
