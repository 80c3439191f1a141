//! The dB scale of a control: its TLV data parsed (as alsa-lib's `src/control/tlv.c` reads
//! it), and levels converted between values, dB and percent. Pure functions, no I/O.

use core::fmt;

use crate::abi;
use crate::error::{Error, Result};

/// How deep containers and dB ranges may nest in a TLV before it counts as malformed.
const MAX_TLV_DEPTH: u32 = 8;

/// The dB range of a control, from its TLV data, in centi-dB (hundredths of a dB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DbRange {
    /// The gain at the smallest value, in centi-dB; [`DB_MUTE`](super::DB_MUTE) for a linear scale that
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
/// as [`Tlv::bytes`](super::Tlv::bytes) gives it; bytes after that item are ignored. Understood: `DB_SCALE`
/// (minimum, step per value, mute at minimum), `DB_MINMAX`, `DB_MINMAX_MUTE`, `DB_LINEAR`,
/// `DB_RANGE` (the union of its sub-ranges) and `CONTAINER` (its first dB item), nested up to
/// 8 deep. Truncated or inconsistent data is [`Error::BadTlv`]; no input panics.
pub fn parse_db_range(tlv: &[u8], min: i64, max: i64) -> Result<Option<DbRange>> {
    let (kind, payload, _) = split_item(tlv)?;
    item_db_range(kind, payload, min, max, 0)
}

/// The first of the dB items of a container's `payload`, in order, for which `f` (given its
/// type and payload) finds something.
fn first_db_item<T>(payload: &[u8], mut f: impl FnMut(u32, &[u8]) -> Result<Option<T>>) -> Result<Option<T>> {
    let mut rest = payload;
    while !rest.is_empty() {
        let (kind, inner, after) = split_item(rest)?;
        if is_db(kind) {
            if let Some(found) = f(kind, inner)? {
                return Ok(Some(found));
            }
        }
        rest = after;
    }
    Ok(None)
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
        abi::SNDRV_CTL_TLVT_CONTAINER => first_db_item(payload, |kind, inner| {
            item_db_range(kind, inner, min, max, depth + 1)
        }),
        abi::SNDRV_CTL_TLVT_DB_SCALE => {
            let low = centi_db(word(payload, 0)?);
            let bits = word(payload, 1)?;
            let step = i128::from(bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MASK);
            // In i128: a 64-bit control may span all of i64, and step times span fits.
            let span = i128::from(max) - i128::from(min);
            if span < 0 {
                return Err(Error::BadTlv);
            }
            let high = i32::try_from(step * span + i128::from(low)).map_err(|_| Error::BadTlv)?;
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
/// [`DB_MUTE`](super::DB_MUTE). `value` is first clamped to `min..=max`.
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
        // Half the span in i128 (it may exceed i64), which lands within `lo..=hi`.
        let mid = (i128::from(lo) + (i128::from(hi) - i128::from(lo) + 1) / 2) as i64;
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
        abi::SNDRV_CTL_TLVT_CONTAINER => first_db_item(payload, |kind, inner| {
            item_db_of(kind, inner, min, max, value, depth + 1)
        }),
        abi::SNDRV_CTL_TLVT_DB_SCALE => {
            let low = i64::from(centi_db(word(payload, 0)?));
            let bits = word(payload, 1)?;
            if bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MUTE != 0 && value == min {
                return Ok(Some(mute));
            }
            let step = i128::from(bits & abi::SNDRV_CTL_TLVD_DB_SCALE_MASK);
            // In i128, so that no range of a 64-bit control overflows.
            let db = (i128::from(value) - i128::from(min)) * step + i128::from(low);
            i32::try_from(db).map(Some).map_err(|_| Error::BadTlv)
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
            // The differences in i128: a 64-bit control may span all of i64.
            let fraction =
                (i128::from(value) - i128::from(min)) as f64 / (i128::from(max) - i128::from(min)) as f64;
            if low <= mute {
                // alsa-lib: `(long)(100.0 * 20.0 * log10(val)) + maxdb`, truncated before
                // the maximum is added.
                let db = truncate(100.0 * 20.0 * libm::log10(fraction)) + i64::from(high);
                return to_i32(db).map(Some);
            }
            let lmin = libm::pow(10.0, f64::from(low) / 2000.0);
            let lmax = libm::pow(10.0, f64::from(high) / 2000.0);
            let db = truncate(100.0 * 20.0 * libm::log10((lmax - lmin) * fraction + lmin));
            to_i32(db).map(Some)
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

/// Truncates toward zero, as alsa-lib's `(long)` cast does, after taking a value within a
/// millionth of a centi-dB of a whole one as that one (-1999.9999999 for 20 log10(0.1) is
/// -2000, as glibc's exact `log10` gives).
fn truncate(db: f64) -> i64 {
    let whole = if db >= 0.0 {
        (db + 0.5) as i64
    } else {
        (db - 0.5) as i64
    } as f64;
    let db = if (db - whole).abs() < 1e-6 { whole } else { db };
    db as i64
}
