//! [`Format`]: the sample formats, their kernel numbers, names and sizes.

use core::fmt;

use crate::abi;

/// A sample format (`SNDRV_PCM_FORMAT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Format {
    /// Signed 8 bit.
    S8,
    /// Unsigned 8 bit.
    U8,
    /// Signed 16 bit, little endian.
    S16Le,
    /// Signed 16 bit, big endian.
    S16Be,
    /// Signed 24 bit in the low bits of 32, little endian.
    S24Le,
    /// Signed 24 bit in the low bits of 32, big endian.
    S24Be,
    /// Signed 32 bit, little endian.
    S32Le,
    /// Signed 32 bit, big endian.
    S32Be,
    /// 32-bit IEEE 754 float, little endian, range -1.0..=1.0.
    FloatLe,
    /// 32-bit IEEE 754 float, big endian, range -1.0..=1.0.
    FloatBe,
    /// IEC958 (S/PDIF, HDMI) subframes in 32 bits, little endian: what the Raspberry Pi's
    /// HDMI outputs take. Build them with [`crate::iec958::Encoder`].
    Iec958SubframeLe,
    /// IEC958 subframes in 32 bits, big endian.
    Iec958SubframeBe,
    /// Signed 24 bit packed in 3 bytes, little endian.
    S24_3Le,
    /// Signed 24 bit packed in 3 bytes, big endian.
    S24_3Be,
}

impl Format {
    /// Every format this crate knows, in `SNDRV_PCM_FORMAT_*` order.
    pub const ALL: [Format; 14] = [
        Format::S8,
        Format::U8,
        Format::S16Le,
        Format::S16Be,
        Format::S24Le,
        Format::S24Be,
        Format::S32Le,
        Format::S32Be,
        Format::FloatLe,
        Format::FloatBe,
        Format::Iec958SubframeLe,
        Format::Iec958SubframeBe,
        Format::S24_3Le,
        Format::S24_3Be,
    ];
    /// Signed 16 bit in the target's byte order.
    pub const S16: Format = if cfg!(target_endian = "little") {
        Format::S16Le
    } else {
        Format::S16Be
    };
    /// Signed 24 bit in 32, in the target's byte order.
    pub const S24: Format = if cfg!(target_endian = "little") {
        Format::S24Le
    } else {
        Format::S24Be
    };
    /// Signed 32 bit in the target's byte order.
    pub const S32: Format = if cfg!(target_endian = "little") {
        Format::S32Le
    } else {
        Format::S32Be
    };
    /// Float in the target's byte order.
    pub const FLOAT: Format = if cfg!(target_endian = "little") {
        Format::FloatLe
    } else {
        Format::FloatBe
    };
    /// IEC958 subframes in the target's byte order.
    pub const IEC958_SUBFRAME: Format = if cfg!(target_endian = "little") {
        Format::Iec958SubframeLe
    } else {
        Format::Iec958SubframeBe
    };

    /// The kernel's `SNDRV_PCM_FORMAT_*` number.
    pub const fn to_raw(self) -> u32 {
        match self {
            Format::S8 => abi::SNDRV_PCM_FORMAT_S8,
            Format::U8 => abi::SNDRV_PCM_FORMAT_U8,
            Format::S16Le => abi::SNDRV_PCM_FORMAT_S16_LE,
            Format::S16Be => abi::SNDRV_PCM_FORMAT_S16_BE,
            Format::S24Le => abi::SNDRV_PCM_FORMAT_S24_LE,
            Format::S24Be => abi::SNDRV_PCM_FORMAT_S24_BE,
            Format::S32Le => abi::SNDRV_PCM_FORMAT_S32_LE,
            Format::S32Be => abi::SNDRV_PCM_FORMAT_S32_BE,
            Format::FloatLe => abi::SNDRV_PCM_FORMAT_FLOAT_LE,
            Format::FloatBe => abi::SNDRV_PCM_FORMAT_FLOAT_BE,
            Format::Iec958SubframeLe => abi::SNDRV_PCM_FORMAT_IEC958_SUBFRAME_LE,
            Format::Iec958SubframeBe => abi::SNDRV_PCM_FORMAT_IEC958_SUBFRAME_BE,
            Format::S24_3Le => abi::SNDRV_PCM_FORMAT_S24_3LE,
            Format::S24_3Be => abi::SNDRV_PCM_FORMAT_S24_3BE,
        }
    }

    /// The format for a `SNDRV_PCM_FORMAT_*` number, if this crate knows it.
    pub fn from_raw(raw: u32) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.to_raw() == raw)
    }

    /// Bytes one sample takes in memory.
    pub const fn bytes(self) -> usize {
        match self {
            Format::S8 | Format::U8 => 1,
            Format::S16Le | Format::S16Be => 2,
            Format::S24_3Le | Format::S24_3Be => 3,
            _ => 4,
        }
    }

    /// The name alsa-lib and the kernel use (`S16_LE`...).
    pub const fn name(self) -> &'static str {
        match self {
            Format::S8 => "S8",
            Format::U8 => "U8",
            Format::S16Le => "S16_LE",
            Format::S16Be => "S16_BE",
            Format::S24Le => "S24_LE",
            Format::S24Be => "S24_BE",
            Format::S32Le => "S32_LE",
            Format::S32Be => "S32_BE",
            Format::FloatLe => "FLOAT_LE",
            Format::FloatBe => "FLOAT_BE",
            Format::Iec958SubframeLe => "IEC958_SUBFRAME_LE",
            Format::Iec958SubframeBe => "IEC958_SUBFRAME_BE",
            Format::S24_3Le => "S24_3LE",
            Format::S24_3Be => "S24_3BE",
        }
    }

    /// The format with this name (`S16_LE`, case-insensitive; `S16` means native endian).
    pub fn from_name(name: &str) -> Option<Format> {
        let native = [
            ("S16", Format::S16),
            ("S24", Format::S24),
            ("S32", Format::S32),
            ("FLOAT", Format::FLOAT),
            ("IEC958_SUBFRAME", Format::IEC958_SUBFRAME),
        ];
        Format::ALL
            .into_iter()
            .map(|f| (f.name(), f))
            .chain(native)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| f)
    }

    /// The Rust sample type that holds this format, by name (for error messages and docs).
    pub const fn sample_type(self) -> &'static str {
        match self {
            Format::S8 => "i8",
            Format::U8 => "u8",
            Format::S16Le | Format::S16Be if matches!(self, Format::S16) => "i16",
            Format::S16Le | Format::S16Be => "Swapped<i16>",
            Format::S24Le | Format::S24Be | Format::S32Le | Format::S32Be
                if matches!(self, Format::S24 | Format::S32) =>
            {
                "i32"
            }
            Format::S24Le | Format::S24Be | Format::S32Le | Format::S32Be => "Swapped<i32>",
            Format::FloatLe | Format::FloatBe if matches!(self, Format::FLOAT) => "f32",
            Format::FloatLe | Format::FloatBe => "Swapped<f32>",
            Format::Iec958SubframeLe | Format::Iec958SubframeBe
                if matches!(self, Format::IEC958_SUBFRAME) =>
            {
                "Iec958Subframe"
            }
            Format::Iec958SubframeLe | Format::Iec958SubframeBe => "Swapped<Iec958Subframe>",
            Format::S24_3Le => "Packed24Le",
            Format::S24_3Be => "Packed24Be",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
