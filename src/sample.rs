//! The [`Sample`] trait: which Rust type holds which sample format in DMA memory.

use crate::iec958::Iec958Subframe;
use crate::params::Format;

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

/// Whether `S` holds `format`: one of its [`Sample::FORMATS`], of the same size.
pub(crate) fn holds<S: Sample>(format: Format) -> bool {
    S::FORMATS.contains(&format) && core::mem::size_of::<S>() == format.bytes()
}

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
