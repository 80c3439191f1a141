//! Reading WAV (RIFF WAVE) files for the examples: the header into a [`WavSpec`], then the
//! samples. Needs `wav.rs` as the module `wav`.
//!
//! Reads `WAVE_FORMAT_PCM` (8, 16, 24 and 32 bits), `WAVE_FORMAT_IEEE_FLOAT` (32 bits) and
//! `WAVE_FORMAT_EXTENSIBLE` with either sub-format; chunks other than `fmt ` and `data`
//! (`LIST`, `fact`, ...) are skipped. A `data` size of `0xffffffff` (a writer that could not
//! seek back) means "up to the end of the file".

use std::io::{self, Read};

use alsa_direct::sample::{self, Sample};
use alsa_direct::Format;

use crate::wav::{WavSpec, SUBFORMAT_TAIL, TAG_EXTENSIBLE, TAG_FLOAT, TAG_PCM};

/// A WAV file positioned at its samples.
#[derive(Debug)]
pub struct WavReader<R: Read> {
    input: R,
    spec: WavSpec,
    /// Bytes of samples left, `None` up to the end of the file.
    remaining: Option<u64>,
    /// Bytes of samples in the file, when the header says.
    data_bytes: Option<u64>,
}

/// Reads a little-endian `u16` at `at`.
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Reads a little-endian `u32` at `at`.
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The spec of a `fmt ` chunk's body.
fn parse_fmt(fmt: &[u8]) -> Result<WavSpec, String> {
    if fmt.len() < 16 {
        return Err(format!("a {}-byte fmt chunk (16 at least)", fmt.len()));
    }
    let mut tag = u16_at(fmt, 0);
    let channels = u16_at(fmt, 2);
    let rate = u32_at(fmt, 4);
    let block_align = u16_at(fmt, 12);
    let bits = u16_at(fmt, 14);
    if tag == TAG_EXTENSIBLE {
        if fmt.len() < 40 || u16_at(fmt, 16) < 22 {
            return Err("a WAVE_FORMAT_EXTENSIBLE fmt chunk without its extension".into());
        }
        if fmt[26..40] != SUBFORMAT_TAIL {
            return Err("a WAVE_FORMAT_EXTENSIBLE sub-format other than PCM or IEEE float".into());
        }
        tag = u16_at(fmt, 24);
    }
    let format = match (tag, bits) {
        (TAG_PCM, 8) => Format::U8,
        (TAG_PCM, 16) => Format::S16Le,
        (TAG_PCM, 24) => Format::S24_3Le,
        (TAG_PCM, 32) => Format::S32Le,
        (TAG_FLOAT, 32) => Format::FloatLe,
        (TAG_PCM, _) => return Err(format!("{bits}-bit PCM (8, 16, 24 and 32 are supported)")),
        (TAG_FLOAT, _) => return Err(format!("{bits}-bit float (32 is supported)")),
        _ => {
            return Err(format!(
                "format tag {tag:#06x} (PCM and IEEE float are supported)"
            ))
        }
    };
    let spec = WavSpec::new(format, u32::from(channels), rate)?;
    if usize::from(block_align) != spec.frame_bytes() {
        return Err(format!(
            "block align {block_align} for {channels} channels of {bits} bits"
        ));
    }
    Ok(spec)
}

impl<R: Read> WavReader<R> {
    /// Reads the header, up to the start of the samples.
    pub fn new(mut input: R) -> Result<Self, String> {
        let io = |e: io::Error| format!("reading the header: {e}");
        let mut riff = [0u8; 12];
        input.read_exact(&mut riff).map_err(io)?;
        if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
            return Err("not a WAV file (no RIFF WAVE header)".into());
        }
        let mut spec = None;
        loop {
            let mut chunk = [0u8; 8];
            if let Err(e) = input.read_exact(&mut chunk) {
                return Err(if e.kind() == io::ErrorKind::UnexpectedEof {
                    "no data chunk".into()
                } else {
                    io(e)
                });
            }
            let size = u32_at(&chunk, 4);
            match &chunk[0..4] {
                b"fmt " => {
                    let mut body = vec![0u8; size as usize];
                    input.read_exact(&mut body).map_err(io)?;
                    spec = Some(parse_fmt(&body)?);
                    if size % 2 == 1 {
                        input.read_exact(&mut [0]).map_err(io)?;
                    }
                }
                b"data" => {
                    let spec = spec.ok_or("the data chunk comes before the fmt chunk")?;
                    let data_bytes = (size != u32::MAX).then_some(u64::from(size));
                    return Ok(WavReader {
                        input,
                        spec,
                        remaining: data_bytes,
                        data_bytes,
                    });
                }
                _ => {
                    let skip = u64::from(size) + u64::from(size % 2);
                    let skipped = io::copy(&mut (&mut input).take(skip), &mut io::sink()).map_err(io)?;
                    if skipped != skip {
                        return Err("no data chunk".into());
                    }
                }
            }
        }
    }

    /// The samples' format, channels and rate.
    pub fn spec(&self) -> WavSpec {
        self.spec
    }

    /// Frames in the file, when its header says.
    pub fn frames(&self) -> Option<u64> {
        self.data_bytes.map(|b| b / self.spec.frame_bytes() as u64)
    }

    /// Reads sample bytes into `buf` until it is full or the samples end; returns the bytes
    /// read.
    pub fn read_bytes(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = match self.remaining {
            Some(left) => buf.len().min(usize::try_from(left).unwrap_or(usize::MAX)),
            None => buf.len(),
        };
        let mut got = 0;
        while got < want {
            match self.input.read(&mut buf[got..want]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if let Some(left) = &mut self.remaining {
            *left -= got as u64;
        }
        Ok(got)
    }

    /// Reads interleaved samples into `out` until it is full or the samples end; returns the
    /// samples read (whole frames; a trailing partial frame is dropped). `S` must hold the
    /// file's format, as for [`crate::wav::WavWriter::write_samples`].
    pub fn read_samples<S: Sample>(&mut self, out: &mut [S]) -> io::Result<usize> {
        if !sample::holds::<S>(self.spec.format) {
            return Err(io::Error::other(format!(
                "{} does not hold {}",
                std::any::type_name::<S>(),
                self.spec.format
            )));
        }
        // `S` holds the file's format (checked above): the file's bytes are its samples in
        // memory order.
        let bytes = sample::as_bytes_mut(out);
        let got = self.read_bytes(bytes)?;
        let frame = self.spec.frame_bytes();
        Ok(got / frame * frame / size_of::<S>())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use alsa_direct::Packed24Le;

    use super::*;
    use crate::wav::WavWriter;

    fn written<S: Sample>(format: Format, channels: u32, samples: &[S]) -> Vec<u8> {
        let spec = WavSpec::new(format, channels, 44_100).unwrap();
        let mut w = WavWriter::new(Cursor::new(Vec::new()), spec).unwrap();
        w.write_samples(samples).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn round_trip<S: Sample + PartialEq + std::fmt::Debug>(format: Format, channels: u32, samples: &[S]) {
        let file = written(format, channels, samples);
        let mut r = WavReader::new(Cursor::new(file)).unwrap();
        assert_eq!(r.spec(), WavSpec::new(format, channels, 44_100).unwrap());
        assert_eq!(r.frames(), Some((samples.len() / channels as usize) as u64));
        let mut back = vec![S::SILENCE; samples.len() + 8];
        let n = r.read_samples(&mut back).unwrap();
        assert_eq!(&back[..n], samples);
        assert_eq!(r.read_samples(&mut back).unwrap(), 0);
    }

    #[test]
    fn every_format_round_trips() {
        round_trip(Format::U8, 1, &[0u8, 0x80, 0xff]);
        round_trip(Format::S16Le, 2, &[1i16, -2, i16::MIN, i16::MAX]);
        round_trip(
            Format::S24_3Le,
            3,
            &[
                Packed24Le::new(-8_388_608),
                Packed24Le::new(1),
                Packed24Le::new(8_388_607),
            ],
        );
        round_trip(Format::S32Le, 8, &[7i32; 16]);
        round_trip(Format::FloatLe, 2, &[0.5f32, -1.0, 0.0, 0.25]);
    }

    #[test]
    fn skips_other_chunks_and_reads_the_plain_float_tag() {
        let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
        file.extend(b"LIST\x03\0\0\0abc\0");
        file.extend(b"fmt \x12\0\0\0");
        file.extend(TAG_FLOAT.to_le_bytes());
        file.extend(1u16.to_le_bytes());
        file.extend(8000u32.to_le_bytes());
        file.extend(32000u32.to_le_bytes());
        file.extend(4u16.to_le_bytes());
        file.extend(32u16.to_le_bytes());
        file.extend(0u16.to_le_bytes());
        file.extend(b"fact\x04\0\0\0\x01\0\0\0");
        file.extend(b"data\xff\xff\xff\xff");
        file.extend(0.75f32.to_le_bytes());
        file.extend([1, 2]); // a truncated frame
        let mut r = WavReader::new(Cursor::new(file)).unwrap();
        assert_eq!(r.spec(), WavSpec::new(Format::FloatLe, 1, 8000).unwrap());
        assert_eq!(r.frames(), None);
        let mut out = [0f32; 4];
        assert_eq!(r.read_samples(&mut out).unwrap(), 1);
        assert_eq!(out[0], 0.75);
    }

    #[test]
    fn stops_at_the_data_size_and_rejects_what_it_cannot_play() {
        let mut file = written(Format::S16Le, 1, &[1i16, 2, 3]);
        file.extend(b"LIST\x02\0\0\0zz");
        let mut r = WavReader::new(Cursor::new(file)).unwrap();
        let mut out = [0i16; 8];
        assert_eq!(r.read_samples(&mut out).unwrap(), 3);
        assert!(r.read_samples(&mut [0f32; 2]).is_err());

        assert!(WavReader::new(Cursor::new(b"RIFX\0\0\0\0WAVE".to_vec())).is_err());
        let mut pcm12 = written(Format::S16Le, 1, &[0i16]);
        pcm12[34] = 12;
        assert!(WavReader::new(Cursor::new(pcm12))
            .err()
            .unwrap()
            .contains("12-bit"));
        let no_data = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0";
        assert_eq!(
            WavReader::new(Cursor::new(no_data.to_vec())).err().unwrap(),
            "no data chunk"
        );
    }
}
