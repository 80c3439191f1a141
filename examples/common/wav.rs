//! WAV (RIFF WAVE) files for the examples: the sample format of a file and a writer.
//!
//! The formats a WAV file holds and their ALSA names: PCM 8-bit (unsigned, `U8`), 16-bit
//! (`S16_LE`), 24-bit packed in 3 bytes (`S24_3LE`), 32-bit (`S32_LE`) and IEEE float 32-bit
//! (`FLOAT_LE`), 1 to 8 interleaved channels. 16-bit PCM with 1 or 2 channels is written with
//! the classic 16-byte `fmt ` chunk (the canonical 44-byte header); everything else with
//! `WAVE_FORMAT_EXTENSIBLE` as the format requires, float with its `fact` chunk.
//!
//! The reader is `wav_read.rs`.

use std::io::{self, Seek, SeekFrom, Write};

use alsa_direct::sample::{self, Sample};
use alsa_direct::Format;

/// `WAVE_FORMAT_PCM`.
pub const TAG_PCM: u16 = 1;
/// `WAVE_FORMAT_IEEE_FLOAT`.
pub const TAG_FLOAT: u16 = 3;
/// `WAVE_FORMAT_EXTENSIBLE`: the real tag is the first two bytes of the sub-format GUID.
pub const TAG_EXTENSIBLE: u16 = 0xfffe;
/// Bytes 2..16 of the `KSDATAFORMAT_SUBTYPE_PCM` and `_IEEE_FLOAT` GUIDs (bytes 0..2 are the
/// format tag, little endian).
pub const SUBFORMAT_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
/// The most channels the examples handle.
pub const MAX_CHANNELS: u32 = 8;

/// What the samples of a WAV file are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavSpec {
    /// `U8`, `S16_LE`, `S24_3LE`, `S32_LE` or `FLOAT_LE`.
    pub format: Format,
    /// Interleaved channels, 1 to [`MAX_CHANNELS`].
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
}

impl WavSpec {
    /// A spec, if a WAV file can hold it.
    pub fn new(format: Format, channels: u32, rate: u32) -> Result<WavSpec, String> {
        if !matches!(
            format,
            Format::U8 | Format::S16Le | Format::S24_3Le | Format::S32Le | Format::FloatLe
        ) {
            return Err(format!(
                "a WAV file holds U8, S16_LE, S24_3LE, S32_LE or FLOAT_LE samples, not {format}"
            ));
        }
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(format!("{channels} channels: 1 to {MAX_CHANNELS} are supported"));
        }
        if rate == 0 {
            return Err("a rate of 0 Hz".into());
        }
        Ok(WavSpec {
            format,
            channels: channels as u16,
            rate,
        })
    }

    /// Bytes per frame (the `fmt ` chunk's block align).
    pub fn frame_bytes(&self) -> usize {
        self.format.bytes() * usize::from(self.channels)
    }

    /// Seconds of `frames` frames.
    pub fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / f64::from(self.rate)
    }

    /// The header for `data_bytes` bytes of samples: `RIFF`, `fmt `, `fact` (the frame count)
    /// for float, and the `data` chunk's header.
    fn header(&self, data_bytes: u32) -> Vec<u8> {
        let bits = (self.format.bytes() * 8) as u16;
        let float = self.format == Format::FloatLe;
        let tag = if float { TAG_FLOAT } else { TAG_PCM };
        let extensible = self.channels > 2 || bits > 16;
        let frame = self.frame_bytes() as u32;
        let mut fmt = Vec::with_capacity(40);
        fmt.extend((if extensible { TAG_EXTENSIBLE } else { tag }).to_le_bytes());
        fmt.extend(self.channels.to_le_bytes());
        fmt.extend(self.rate.to_le_bytes());
        fmt.extend((self.rate * frame).to_le_bytes());
        fmt.extend((frame as u16).to_le_bytes());
        fmt.extend(bits.to_le_bytes());
        if extensible {
            fmt.extend(22u16.to_le_bytes()); // cbSize
            fmt.extend(bits.to_le_bytes()); // valid bits per sample
            let mask: u32 = match self.channels {
                1 => 0x4, // front centre
                2 => 0x3, // front left, front right
                _ => 0,   // no speaker assignment
            };
            fmt.extend(mask.to_le_bytes());
            fmt.extend(tag.to_le_bytes());
            fmt.extend(SUBFORMAT_TAIL);
        }
        let mut h = Vec::with_capacity(80);
        h.extend(b"RIFF");
        h.extend([0; 4]); // patched below
        h.extend(b"WAVE");
        h.extend(b"fmt ");
        h.extend((fmt.len() as u32).to_le_bytes());
        h.extend(fmt);
        if float {
            h.extend(b"fact");
            h.extend(4u32.to_le_bytes());
            h.extend((data_bytes / frame).to_le_bytes());
        }
        h.extend(b"data");
        h.extend(data_bytes.to_le_bytes());
        // RIFF size: everything after the size field, including the data and its pad byte.
        let riff = (h.len() as u32 - 8) + data_bytes + (data_bytes & 1);
        h[4..8].copy_from_slice(&riff.to_le_bytes());
        h
    }
}

/// Writes a WAV file: the header first with sizes of 0, the samples, then the sizes patched
/// in [`WavWriter::finish`].
#[derive(Debug)]
pub struct WavWriter<W: Write + Seek> {
    out: W,
    spec: WavSpec,
    data_bytes: u64,
}

impl<W: Write + Seek> WavWriter<W> {
    /// Starts a file of `spec` on `out`.
    pub fn new(mut out: W, spec: WavSpec) -> io::Result<Self> {
        out.write_all(&spec.header(0))?;
        Ok(WavWriter {
            out,
            spec,
            data_bytes: 0,
        })
    }

    /// Appends interleaved samples; `S` must hold the file's format (`u8` for `U8`, `i16` for
    /// `S16_LE`, `Packed24Le` for `S24_3LE`, `i32` for `S32_LE`, `f32` for `FLOAT_LE`, on a
    /// little-endian machine).
    pub fn write_samples<S: Sample>(&mut self, samples: &[S]) -> io::Result<()> {
        if !sample::holds::<S>(self.spec.format) {
            return Err(io::Error::other(format!(
                "{} does not hold {}",
                std::any::type_name::<S>(),
                self.spec.format
            )));
        }
        // `S` holds the file's format (checked above): its bytes are the format's, in file order.
        let bytes = sample::as_bytes(samples);
        let total = self.data_bytes + bytes.len() as u64;
        if total + 80 > u64::from(u32::MAX) {
            return Err(io::Error::other("a WAV file holds at most 4 GiB"));
        }
        self.out.write_all(bytes)?;
        self.data_bytes = total;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.data_bytes / self.spec.frame_bytes() as u64
    }

    /// Pads the data to an even size, writes the final sizes into the header and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        if self.data_bytes % 2 == 1 {
            self.out.write_all(&[0])?;
        }
        let header = self.spec.header(self.data_bytes as u32);
        self.out.seek(SeekFrom::Start(0))?;
        self.out.write_all(&header)?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use alsa_direct::Packed24Le;

    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn s16_stereo_is_the_canonical_44_byte_header() {
        let spec = WavSpec::new(Format::S16Le, 2, 48_000).unwrap();
        let mut w = WavWriter::new(Cursor::new(Vec::new()), spec).unwrap();
        w.write_samples(&[1i16, -1, 0x1234, -0x1234]).unwrap();
        assert_eq!(w.frames(), 2);
        let b = w.finish().unwrap().into_inner();
        assert_eq!(b.len(), 44 + 8);
        assert_eq!(&b[0..4], b"RIFF");
        assert_eq!(u32_at(&b, 4), 36 + 8);
        assert_eq!(&b[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(&b, 16), 16);
        assert_eq!(u16_at(&b, 20), TAG_PCM);
        assert_eq!(u16_at(&b, 22), 2);
        assert_eq!(u32_at(&b, 24), 48_000);
        assert_eq!(u32_at(&b, 28), 48_000 * 4);
        assert_eq!(u16_at(&b, 32), 4);
        assert_eq!(u16_at(&b, 34), 16);
        assert_eq!(&b[36..40], b"data");
        assert_eq!(u32_at(&b, 40), 8);
        assert_eq!(&b[44..], &[1, 0, 0xff, 0xff, 0x34, 0x12, 0xcc, 0xed]);
    }

    #[test]
    fn float_is_extensible_with_fact() {
        let spec = WavSpec::new(Format::FloatLe, 1, 8_000).unwrap();
        let mut w = WavWriter::new(Cursor::new(Vec::new()), spec).unwrap();
        w.write_samples(&[0.5f32, -0.25, 1.0]).unwrap();
        let b = w.finish().unwrap().into_inner();
        assert_eq!(u32_at(&b, 16), 40);
        assert_eq!(u16_at(&b, 20), TAG_EXTENSIBLE);
        assert_eq!(u16_at(&b, 34), 32);
        assert_eq!(u16_at(&b, 36), 22);
        assert_eq!(u16_at(&b, 38), 32);
        assert_eq!(u32_at(&b, 40), 0x4);
        assert_eq!(u16_at(&b, 44), TAG_FLOAT);
        assert_eq!(&b[46..60], &SUBFORMAT_TAIL);
        assert_eq!(&b[60..64], b"fact");
        assert_eq!(u32_at(&b, 68), 3);
        assert_eq!(&b[72..76], b"data");
        assert_eq!(u32_at(&b, 76), 12);
        assert_eq!(u32_at(&b, 4) as usize, b.len() - 8);
        assert_eq!(&b[80..84], &0.5f32.to_le_bytes());
    }

    #[test]
    fn odd_data_is_padded_and_counted_in_riff_only() {
        let spec = WavSpec::new(Format::S24_3Le, 1, 44_100).unwrap();
        let mut w = WavWriter::new(Cursor::new(Vec::new()), spec).unwrap();
        w.write_samples(&[Packed24Le::new(-2)]).unwrap();
        let b = w.finish().unwrap().into_inner();
        let data = b.windows(4).position(|w| w == b"data").unwrap();
        assert_eq!(u32_at(&b, data + 4), 3);
        assert_eq!(&b[data + 8..], &[0xfe, 0xff, 0xff, 0]);
        assert_eq!(u32_at(&b, 4) as usize, b.len() - 8);
    }

    #[test]
    fn rejects_what_wav_cannot_hold_and_wrong_sample_types() {
        assert!(WavSpec::new(Format::S16Be, 2, 48_000).is_err());
        assert!(WavSpec::new(Format::S24Le, 2, 48_000).is_err());
        assert!(WavSpec::new(Format::S16Le, 9, 48_000).is_err());
        assert!(WavSpec::new(Format::S16Le, 0, 48_000).is_err());
        let spec = WavSpec::new(Format::S32Le, 2, 48_000).unwrap();
        let mut w = WavWriter::new(Cursor::new(Vec::new()), spec).unwrap();
        assert!(w.write_samples(&[0f32; 2]).is_err());
    }
}
