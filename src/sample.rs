//! Sample types: the [`Sample`] trait (which Rust type holds which sample format in DMA
//! memory), whether a type holds a format ([`holds`]), a slice of samples as its bytes
//! ([`as_bytes`], [`as_bytes_mut`]), and full-scale conversion ([`FullScale`]).
//!
//! ```
//! use alsa_direct::sample::{self, FullScale};
//! use alsa_direct::{Format, Packed24Le};
//!
//! // A WAV file's S24_3LE data is `Packed24Le` samples, byte for byte.
//! assert!(sample::holds::<Packed24Le>(Format::S24_3Le));
//! let samples = [Packed24Le::from_f32(0.5), Packed24Le::from_f32(-1.0)];
//! assert_eq!(sample::as_bytes(&samples), [0x00, 0x00, 0x40, 0x01, 0x00, 0x80]);
//! assert_eq!(samples[0].to_full_i32(), 0x4000_0000);
//! ```

use crate::iec958::Iec958Subframe;
use crate::types::Format;

/// A Rust type that is one sample of one or more formats, as laid out in DMA memory.
///
/// The stream checks at setup that its configured format is one of [`Sample::FORMATS`], so a
/// mismatch is an error before any audio moves.
///
/// | type | formats |
/// |---|---|
/// | `u8` | `U8` |
/// | `i8` | `S8` |
/// | `i16` | `S16` in the target's byte order |
/// | `i32` | `S32` and `S24` (in the low 24 bits) in the target's byte order |
/// | `f32` | `FLOAT` in the target's byte order |
/// | [`Swapped<i16>`], [`Swapped<i32>`], [`Swapped<f32>`] | the same in the other byte order |
/// | [`Packed24Le`], [`Packed24Be`] | `S24_3LE`, `S24_3BE` |
/// | [`Iec958Subframe`], [`Swapped<Iec958Subframe>`] | `IEC958_SUBFRAME` in the target's / the other byte order |
///
/// # Safety
/// Every bit pattern of `size_of::<Self>()` bytes must be a valid `Self` (the kernel and the
/// hardware write the memory), `Self` must have no padding, and its size must be the format's
/// [`Format::bytes`].
pub unsafe trait Sample: Copy + 'static {
    /// The formats this type holds.
    const FORMATS: &'static [Format];
    /// The value of silence (the middle of the range: 0, or 0x80 for `u8`).
    const SILENCE: Self;
}

// SAFETY: every byte is a valid u8, size 1 as U8.
unsafe impl Sample for u8 {
    const FORMATS: &'static [Format] = &[Format::U8];
    const SILENCE: Self = 0x80;
}

// SAFETY: every byte is a valid i8, size 1 as S8.
unsafe impl Sample for i8 {
    const FORMATS: &'static [Format] = &[Format::S8];
    const SILENCE: Self = 0;
}

// SAFETY: every 2 bytes are a valid i16, size 2 as S16.
unsafe impl Sample for i16 {
    const FORMATS: &'static [Format] = &[Format::S16];
    const SILENCE: Self = 0;
}

// SAFETY: every 4 bytes are a valid i32, size 4 as S32 and S24.
unsafe impl Sample for i32 {
    const FORMATS: &'static [Format] = &[Format::S32, Format::S24];
    const SILENCE: Self = 0;
}

// SAFETY: every 4 bytes are a valid f32 (possibly NaN), size 4 as FLOAT.
unsafe impl Sample for f32 {
    const FORMATS: &'static [Format] = &[Format::FLOAT];
    const SILENCE: Self = 0.0;
}

/// Whether `S` holds `format`: `format` is one of its [`Sample::FORMATS`] and one sample of
/// it is as large as `S`. What a stream checks at setup, and what code that copies a format's
/// bytes into `S` values (a WAV reader, say) checks first.
pub fn holds<S: Sample>(format: Format) -> bool {
    S::FORMATS.contains(&format) && core::mem::size_of::<S>() == format.bytes()
}

/// The bytes of `samples`, in memory order: for a type that [`holds`] a format, the format's
/// bytes (what a file of that format stores, what DMA memory holds).
pub fn as_bytes<S: Sample>(samples: &[S]) -> &[u8] {
    // SAFETY: `Sample` types have no padding (the trait's contract), so the slice's
    // `size_of_val(samples)` bytes are all initialised; `u8` has alignment 1, and the borrow
    // keeps the samples alive and unchanged for the returned lifetime.
    unsafe { core::slice::from_raw_parts(samples.as_ptr().cast::<u8>(), core::mem::size_of_val(samples)) }
}

/// The bytes of `samples`, in memory order, to be written: any bytes written are valid
/// samples (for a type that [`holds`] a format, a read of that format's bytes fills it).
pub fn as_bytes_mut<S: Sample>(samples: &mut [S]) -> &mut [u8] {
    // SAFETY: `Sample` types have no padding and every bit pattern is a valid value (the
    // trait's contract), so the memory may be read and written as arbitrary bytes; the
    // exclusive borrow is handed on for the returned lifetime.
    unsafe {
        core::slice::from_raw_parts_mut(samples.as_mut_ptr().cast::<u8>(), core::mem::size_of_val(samples))
    }
}

/// A linear PCM sample type and its full scale: conversion from and to `f32` (-1.0..=1.0 is
/// full scale) and to and from a full-scale `i32` (the sample's bits at the top, the rest
/// zero: what mixing or converting between widths works in).
///
/// `i32` is taken as `S32`: an `S24` sample in the low bits of an `i32` reads 256 times too
/// small (convert through [`Packed24Le`] and [`Packed24Le::get`] for S24 values).
///
/// ```
/// use alsa_direct::sample::FullScale;
///
/// assert_eq!(i16::from_f32(1.0), i16::MAX);
/// assert_eq!(i16::from_f32(-1.0), -i16::MAX);
/// assert_eq!(i16::from_f32(0.25), 8192);
/// assert_eq!(u8::from_f32(0.0), 0x80);
/// assert_eq!(i16::MIN.to_f32(), -1.0);
/// assert_eq!(i16::from_full_i32(0x4000_0000), 0x4000);
/// assert_eq!((-2i16).to_full_i32(), -2 << 16);
/// ```
pub trait FullScale: Sample {
    /// `x` as a sample: `x` times the type's largest value, rounded to the nearest (halves
    /// away from zero), saturating outside -1.0..=1.0 (so 1.0 and -1.0 give the largest value
    /// and its negation), NaN as silence. `f32` is `x` unchanged.
    fn from_f32(x: f32) -> Self;
    /// The sample as a fraction of full scale: the sample over 2^(bits - 1), so the lowest
    /// value is -1.0, silence 0.0 and the largest 1 - 2^-(bits - 1), just under 1.0, for 8, 16
    /// and 24 bits. An `f32` holds 24 significant bits, so 32-bit samples (`i32`,
    /// `Swapped<i32>`) are rounded to them: their 64 largest values (`i32::MAX - 63` and up)
    /// give 1.0. (This divides by one more than [`FullScale::from_f32`] multiplies by, as
    /// libsndfile does: a value taken through both may move by one step.) `f32` is the
    /// sample unchanged.
    fn to_f32(self) -> f32;
    /// The sample as a full-scale `i32`: its bits at the top (`f32`: times 2^31, saturating,
    /// NaN as 0).
    fn to_full_i32(self) -> i32;
    /// The top bits of a full-scale `i32` as a sample (the lower bits are dropped).
    fn from_full_i32(full: i32) -> Self;
}

/// `x * max` rounded to the nearest integer (halves away from zero), within `-max..=max`;
/// NaN is 0. Exact for every `x` and `max`: the product is formed in integers from `x`'s
/// significand and exponent, so the one rounding is the one asked for. (In floating point,
/// `x * max` or a `+ 0.5` before truncating can round a value just under a half step up to
/// the half: 16-bit samples came out one step too large for 16,384 inputs that way, 32-bit
/// ones even in `f64`.)
fn scaled(x: f32, max: i32) -> i32 {
    if x.is_nan() {
        return 0;
    }
    let bits = x.to_bits();
    let magnitude_bits = bits & !SIGN_BIT;
    let magnitude = if magnitude_bits >= 1.0f32.to_bits() {
        // 1.0 and beyond, infinity included: saturated.
        max
    } else {
        rounded_fraction(magnitude_bits, max.unsigned_abs()) as i32
    };
    if bits & SIGN_BIT != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// The sign bit of an `f32`.
const SIGN_BIT: u32 = 1 << 31;

/// `f * max` rounded to the nearest integer (halves up), for the `f32` `f` whose bits are
/// `bits`, in `0.0..1.0` (so the result is at most `max`).
fn rounded_fraction(bits: u32, max: u32) -> u32 {
    let biased_exponent = bits >> 23;
    let fraction = bits & 0x7f_ffff;
    // f = significand / 2^shift; subnormals have no implicit bit and the smallest exponent.
    // Below 1.0 the biased exponent is at most 126, so `shift` is at least 24.
    let (significand, shift) = if biased_exponent == 0 {
        (fraction, 149)
    } else {
        (fraction | 0x80_0000, 150 - biased_exponent)
    };
    // Below 2^24 * 2^31 = 2^55: exact in a u64.
    let product = u64::from(significand) * u64::from(max);
    // `f * max` in half steps, rounded down: twice the whole part, plus one when the rest is
    // a half or more (0 when the shift is 64 or more, as `product` is then under a half).
    let halves = product.checked_shr(shift - 1).unwrap_or(0);
    ((halves + 1) >> 1) as u32
}

/// The largest `S24` value.
const MAX_24: i32 = 0x7f_ffff;

/// 2^31, the full scale of `i32` as a float.
const FULL_I32: f32 = 2_147_483_648.0;

impl FullScale for u8 {
    fn from_f32(x: f32) -> Self {
        (scaled(x, 127) + 128) as u8
    }
    fn to_f32(self) -> f32 {
        (f32::from(self) - 128.0) / 128.0
    }
    fn to_full_i32(self) -> i32 {
        (i32::from(self) - 128) << 24
    }
    fn from_full_i32(full: i32) -> Self {
        ((full >> 24) + 128) as u8
    }
}

impl FullScale for i8 {
    fn from_f32(x: f32) -> Self {
        scaled(x, i32::from(i8::MAX)) as i8
    }
    fn to_f32(self) -> f32 {
        f32::from(self) / 128.0
    }
    fn to_full_i32(self) -> i32 {
        i32::from(self) << 24
    }
    fn from_full_i32(full: i32) -> Self {
        (full >> 24) as i8
    }
}

impl FullScale for i16 {
    fn from_f32(x: f32) -> Self {
        scaled(x, i32::from(i16::MAX)) as i16
    }
    fn to_f32(self) -> f32 {
        f32::from(self) / 32_768.0
    }
    fn to_full_i32(self) -> i32 {
        i32::from(self) << 16
    }
    fn from_full_i32(full: i32) -> Self {
        (full >> 16) as i16
    }
}

impl FullScale for i32 {
    fn from_f32(x: f32) -> Self {
        scaled(x, i32::MAX)
    }
    fn to_f32(self) -> f32 {
        self as f32 / FULL_I32
    }
    fn to_full_i32(self) -> i32 {
        self
    }
    fn from_full_i32(full: i32) -> Self {
        full
    }
}

impl FullScale for f32 {
    fn from_f32(x: f32) -> Self {
        x
    }
    fn to_f32(self) -> f32 {
        self
    }
    fn to_full_i32(self) -> i32 {
        // `as` saturates and maps NaN to 0; in f64 so that 1.0 - 2^-24 keeps its low bits.
        (f64::from(self) * f64::from(FULL_I32)) as i32
    }
    fn from_full_i32(full: i32) -> Self {
        full as f32 / FULL_I32
    }
}

impl FullScale for Packed24Le {
    fn from_f32(x: f32) -> Self {
        Packed24Le::new(scaled(x, MAX_24))
    }
    fn to_f32(self) -> f32 {
        self.get() as f32 / 8_388_608.0
    }
    fn to_full_i32(self) -> i32 {
        self.get() << 8
    }
    fn from_full_i32(full: i32) -> Self {
        Packed24Le::new(full >> 8)
    }
}

impl FullScale for Packed24Be {
    fn from_f32(x: f32) -> Self {
        Packed24Be::new(scaled(x, MAX_24))
    }
    fn to_f32(self) -> f32 {
        self.get() as f32 / 8_388_608.0
    }
    fn to_full_i32(self) -> i32 {
        self.get() << 8
    }
    fn from_full_i32(full: i32) -> Self {
        Packed24Be::new(full >> 8)
    }
}

/// [`FullScale`] for `Swapped<T>` through `T`'s.
macro_rules! full_scale_swapped {
    ($($t:ty),*) => {$(
        impl FullScale for Swapped<$t> {
            fn from_f32(x: f32) -> Self {
                Swapped::<$t>::new(<$t>::from_f32(x))
            }
            fn to_f32(self) -> f32 {
                self.get().to_f32()
            }
            fn to_full_i32(self) -> i32 {
                self.get().to_full_i32()
            }
            fn from_full_i32(full: i32) -> Self {
                Swapped::<$t>::new(<$t>::from_full_i32(full))
            }
        }
    )*};
}

full_scale_swapped!(i16, i32, f32);

/// A sample stored in the byte order opposite to the target's (`S16_BE` on a little-endian
/// board, for instance). [`Swapped::new`] stores a value, [`Swapped::get`] reads it back.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(transparent)]
pub struct Swapped<T>(T);

impl Swapped<i16> {
    /// Stores `value` in the opposite byte order.
    pub const fn new(value: i16) -> Self {
        Swapped(value.swap_bytes())
    }
    /// The value, in the target's byte order.
    pub const fn get(self) -> i16 {
        self.0.swap_bytes()
    }
}

impl Swapped<i32> {
    /// Stores `value` in the opposite byte order.
    pub const fn new(value: i32) -> Self {
        Swapped(value.swap_bytes())
    }
    /// The value, in the target's byte order.
    pub const fn get(self) -> i32 {
        self.0.swap_bytes()
    }
}

impl Swapped<f32> {
    /// Stores `value` in the opposite byte order.
    pub const fn new(value: f32) -> Self {
        Swapped(f32::from_bits(value.to_bits().swap_bytes()))
    }
    /// The value, in the target's byte order.
    pub const fn get(self) -> f32 {
        f32::from_bits(self.0.to_bits().swap_bytes())
    }
}

impl Swapped<Iec958Subframe> {
    /// Stores `value` in the opposite byte order.
    pub const fn new(value: Iec958Subframe) -> Self {
        Swapped(Iec958Subframe(value.0.swap_bytes()))
    }
    /// The value, in the target's byte order.
    pub const fn get(self) -> Iec958Subframe {
        Iec958Subframe(self.0 .0.swap_bytes())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Swapped<Iec958Subframe> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=u32:#010x}", self.get().0);
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Swapped<i16> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=i16}", self.get());
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Swapped<i32> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=i32}", self.get());
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Swapped<f32> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=f32}", self.get());
    }
}

/// The formats of the other byte order than the target's.
const fn foreign(little: Format, big: Format) -> Format {
    if cfg!(target_endian = "little") {
        big
    } else {
        little
    }
}

// SAFETY: a transparent i16, valid for every bit pattern, size 2 as S16.
unsafe impl Sample for Swapped<i16> {
    const FORMATS: &'static [Format] = &[foreign(Format::S16Le, Format::S16Be)];
    const SILENCE: Self = Swapped(0);
}

// SAFETY: a transparent i32, valid for every bit pattern, size 4 as S32 and S24.
unsafe impl Sample for Swapped<i32> {
    const FORMATS: &'static [Format] = &[
        foreign(Format::S32Le, Format::S32Be),
        foreign(Format::S24Le, Format::S24Be),
    ];
    const SILENCE: Self = Swapped(0);
}

// SAFETY: a transparent f32, valid for every bit pattern, size 4 as FLOAT.
unsafe impl Sample for Swapped<f32> {
    const FORMATS: &'static [Format] = &[foreign(Format::FloatLe, Format::FloatBe)];
    const SILENCE: Self = Swapped(0.0);
}

/// A signed 24-bit sample packed in 3 little-endian bytes (`S24_3LE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct Packed24Le(pub [u8; 3]);

impl Packed24Le {
    /// Packs the low 24 bits of `value`.
    pub const fn new(value: i32) -> Self {
        let b = value.to_le_bytes();
        Packed24Le([b[0], b[1], b[2]])
    }
    /// The sign-extended value.
    pub const fn get(self) -> i32 {
        let [a, b, c] = self.0;
        i32::from_le_bytes([a, b, c, if c & 0x80 != 0 { 0xff } else { 0 }])
    }
}

/// A signed 24-bit sample packed in 3 big-endian bytes (`S24_3BE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct Packed24Be(pub [u8; 3]);

impl Packed24Be {
    /// Packs the low 24 bits of `value`.
    pub const fn new(value: i32) -> Self {
        let b = value.to_be_bytes();
        Packed24Be([b[1], b[2], b[3]])
    }
    /// The sign-extended value.
    pub const fn get(self) -> i32 {
        let [a, b, c] = self.0;
        i32::from_be_bytes([if a & 0x80 != 0 { 0xff } else { 0 }, a, b, c])
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Packed24Le {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=i32}", self.get());
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Packed24Be {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=i32}", self.get());
    }
}

// SAFETY: 3 plain bytes, alignment 1, no padding, size 3 as S24_3LE.
unsafe impl Sample for Packed24Le {
    const FORMATS: &'static [Format] = &[Format::S24_3Le];
    const SILENCE: Self = Packed24Le([0; 3]);
}

// SAFETY: 3 plain bytes, alignment 1, no padding, size 3 as S24_3BE.
unsafe impl Sample for Packed24Be {
    const FORMATS: &'static [Format] = &[Format::S24_3Be];
    const SILENCE: Self = Packed24Be([0; 3]);
}

// SAFETY: a transparent u32, valid for every bit pattern, no padding, size 4 as IEC958_SUBFRAME.
unsafe impl Sample for Iec958Subframe {
    const FORMATS: &'static [Format] = &[Format::IEC958_SUBFRAME];
    const SILENCE: Self = Iec958Subframe(0);
}

// SAFETY: a transparent `Iec958Subframe`, valid for every bit pattern, size 4.
unsafe impl Sample for Swapped<Iec958Subframe> {
    const FORMATS: &'static [Format] = &[foreign(Format::Iec958SubframeLe, Format::Iec958SubframeBe)];
    const SILENCE: Self = Swapped(Iec958Subframe(0));
}

#[cfg(test)]
mod tests;
