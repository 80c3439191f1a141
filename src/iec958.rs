//! IEC 60958 (S/PDIF, HDMI audio) subframes: the `IEC958_SUBFRAME_LE`/`_BE` formats that the
//! Raspberry Pi 4 and 5 HDMI outputs (vc4-hdmi) take, and an encoder from PCM samples to them
//! that does what alsa-lib's `iec958` plugin does.
//!
//! A subframe is one 32-bit word per channel per frame, laid out as ALSA defines it:
//!
//! | bits | meaning |
//! |---|---|
//! | 0-3 | preamble code (`Z` block start, `X` first channel, `Y` other channels) |
//! | 4-27 | the audio sample, most significant bit at 27 (a 16-bit sample in 12-27) |
//! | 28 | V, validity (0: valid) |
//! | 29 | U, user data (0) |
//! | 30 | C, one bit of the 192-bit channel status block per frame |
//! | 31 | P, parity: bits 4 to 31 hold an even number of ones |
//!
//! The channel status ([`ChannelStatus`]) is sent one bit per frame over a block of 192
//! frames; the first frame of a block carries the `Z` preamble on its first channel.
//!
//! ```
//! use alsa_direct::iec958::{ChannelStatus, Encoder, Iec958Subframe};
//!
//! let status = ChannelStatus::consumer_pcm(48_000, 16);
//! let mut encoder = Encoder::new(2, status);
//! let pcm: [i16; 4] = [0x1234, -1, 0, 0]; // two stereo frames
//! let mut out = [Iec958Subframe::default(); 4];
//! assert_eq!(encoder.encode_i16(&pcm, &mut out), 2);
//! assert_eq!(out[0].0, 0x8123_4008); // P=1, sample 0x1234 in bits 12-27, preamble Z
//! assert_eq!(encoder.frame_in_block(), 2);
//! ```
//!
//! # References
//! - IEC 60958-1 and -3 (consumer channel status).
//! - alsa-lib `src/pcm/pcm_iec958.c` and `include/sound/asoundef.h` (`IEC958_AES*`).

/// One IEC958 subframe, in the target's byte order (`Format::IEC958_SUBFRAME`). For the other
/// byte order use `Swapped<Iec958Subframe>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(transparent)]
pub struct Iec958Subframe(pub u32);

/// Bit 28 of a subframe: validity (set: the sample is not valid).
pub const VALIDITY: u32 = 1 << 28;
/// Bit 29 of a subframe: user data.
pub const USER: u32 = 1 << 29;
/// Bit 30 of a subframe: this frame's channel status bit.
pub const CHANNEL_STATUS: u32 = 1 << 30;
/// Bit 31 of a subframe: parity.
pub const PARITY: u32 = 1 << 31;
/// Bits 4-27 of a subframe: the audio sample.
pub const AUDIO: u32 = 0x0fff_fff0;
/// Bits 0-3 of a subframe: the preamble code.
pub const PREAMBLE: u32 = 0xf;
/// Frames per channel status block.
pub const BLOCK_FRAMES: u32 = 192;

impl Iec958Subframe {
    /// The audio sample, most significant bit first in an `i32` (as `S32`): bits 4-27 moved
    /// up to 8-31, the low 8 bits zero (alsa-lib's `iec958_to_s32`).
    pub const fn sample(self) -> i32 {
        ((self.0 & AUDIO) << 4) as i32
    }
    /// The preamble code (bits 0-3).
    pub const fn preamble(self) -> u8 {
        (self.0 & PREAMBLE) as u8
    }
    /// The channel status bit (bit 30).
    pub const fn channel_status(self) -> bool {
        self.0 & CHANNEL_STATUS != 0
    }
    /// The validity bit (bit 28); set means "not valid".
    pub const fn validity(self) -> bool {
        self.0 & VALIDITY != 0
    }
    /// The user data bit (bit 29).
    pub const fn user(self) -> bool {
        self.0 & USER != 0
    }
    /// Whether bits 4 to 31 hold an even number of ones, as IEC 60958 requires.
    pub const fn parity_ok(self) -> bool {
        (self.0 >> 4).count_ones() % 2 == 0
    }
}

/// The preamble codes the driver turns into the Z (B), X (M) and Y (W) patterns on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Preambles {
    /// The first channel of the first frame of a block (`Z`, or `B`).
    pub z: u8,
    /// The first channel of the other frames (`X`, or `M`).
    pub x: u8,
    /// Every other channel (`Y`, or `W`).
    pub y: u8,
}

impl Preambles {
    /// alsa-lib's defaults (`Z` 0x08, `X` 0x02, `Y` 0x04), which vc4-hdmi uses.
    pub const ALSA: Preambles = Preambles {
        z: 0x08,
        x: 0x02,
        y: 0x04,
    };
}

impl Default for Preambles {
    fn default() -> Self {
        Preambles::ALSA
    }
}

/// The 192-bit (24-byte) channel status block, byte `n` bit `k` (least significant first)
/// being status bit `8n + k`: the layout of `snd_aes_iec958.status` and of the
/// `IEC958 Playback Default` control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChannelStatus(pub [u8; 24]);

/// `IEC958_AES0_PROFESSIONAL`: bit 0, professional (set) or consumer (clear) use.
pub const AES0_PROFESSIONAL: u8 = 1 << 0;
/// `IEC958_AES0_NONAUDIO`: bit 1, data (set) or linear PCM (clear).
pub const AES0_NONAUDIO: u8 = 1 << 1;
/// `IEC958_AES0_CON_NOT_COPYRIGHT`: bit 2, copying permitted.
pub const AES0_CON_NOT_COPYRIGHT: u8 = 1 << 2;
/// `IEC958_AES1_CON_PCM_CODER`: category code "PCM encoder/decoder" (digital/digital converters).
pub const AES1_CON_PCM_CODER: u8 = 0x02;
/// `IEC958_AES1_CON_ORIGINAL`: bit 15, the L (generation) bit.
pub const AES1_CON_ORIGINAL: u8 = 1 << 7;
/// `IEC958_AES3_CON_FS`: bits 24-27, the sampling frequency.
pub const AES3_CON_FS: u8 = 0x0f;
/// `IEC958_AES3_CON_FS_NOTID`: sampling frequency not indicated.
pub const AES3_CON_FS_NOTID: u8 = 0x01;
/// `IEC958_AES4_CON_MAX_WORDLEN_24`: bit 32, maximum word length 24 (clear: 20).
pub const AES4_CON_MAX_WORDLEN_24: u8 = 1 << 0;
/// `IEC958_AES4_CON_WORDLEN`: bits 33-35, the word length.
pub const AES4_CON_WORDLEN: u8 = 0x0e;
/// `IEC958_AES4_CON_WORDLEN_20_16`: 16 bits (maximum 20) or 20 bits (maximum 24).
pub const AES4_CON_WORDLEN_20_16: u8 = 1 << 1;
/// `IEC958_AES4_CON_WORDLEN_22_18`: 18 bits (maximum 20) or 22 bits (maximum 24).
pub const AES4_CON_WORDLEN_22_18: u8 = 2 << 1;
/// `IEC958_AES4_CON_WORDLEN_24_20`: 20 bits (maximum 20) or 24 bits (maximum 24).
pub const AES4_CON_WORDLEN_24_20: u8 = 5 << 1;

impl ChannelStatus {
    /// alsa-lib's `iec958` plugin default: consumer, linear PCM, copyright asserted, no
    /// pre-emphasis, category "PCM encoder" with the L bit set, sampling frequency and word
    /// length not indicated.
    pub const ALSA_DEFAULT: ChannelStatus = {
        let mut bytes = [0u8; 24];
        bytes[1] = AES1_CON_ORIGINAL | AES1_CON_PCM_CODER;
        bytes[3] = AES3_CON_FS_NOTID;
        ChannelStatus(bytes)
    };

    /// The consumer linear-PCM status alsa-lib's `iec958` plugin sends for `rate` and
    /// `bits` per sample ([`ChannelStatus::ALSA_DEFAULT`] with the sampling frequency and the
    /// word length filled in as its `hw_params` does).
    pub const fn consumer_pcm(rate: u32, bits: u32) -> Self {
        ChannelStatus::ALSA_DEFAULT.with_rate(rate).with_word_length(bits)
    }

    /// The status alsa-lib's `hdmi:` device gives the Raspberry Pi's HDMI outputs
    /// (`cards/vc4-hdmi.conf`): AES0 0x04 (consumer, linear PCM, copying permitted, no
    /// pre-emphasis), AES1 0x82 (category PCM encoder, original), AES2 0x00 (source and
    /// channel unspecified), AES3 the sampling frequency of `rate` (the `iec958` plugin fills
    /// it in), the rest zero.
    pub const fn hdmi_pcm(rate: u32) -> Self {
        let mut bytes = [0u8; 24];
        bytes[0] = AES0_CON_NOT_COPYRIGHT;
        bytes[1] = AES1_CON_ORIGINAL | AES1_CON_PCM_CODER;
        ChannelStatus(bytes).with_rate(rate)
    }

    /// Sets the sampling frequency code (bits 24-27): 22.05, 24, 32, 44.1, 48, 88.2, 96,
    /// 176.4, 192 and 768 kHz have one; other rates say "not indicated".
    pub const fn with_rate(mut self, rate: u32) -> Self {
        let fs: u8 = match rate {
            22_050 => 0x04,
            24_000 => 0x06,
            32_000 => 0x03,
            44_100 => 0x00,
            48_000 => 0x02,
            88_200 => 0x08,
            96_000 => 0x0a,
            176_400 => 0x0c,
            192_000 => 0x0e,
            768_000 => 0x09,
            _ => AES3_CON_FS_NOTID,
        };
        self.0[3] = (self.0[3] & !AES3_CON_FS) | fs;
        self
    }

    /// Sets the word length (bits 32-35) for `bits` significant bits per sample: 16, 18, 20
    /// and 24 have a code, 32 is sent as 24 (as alsa-lib does), others as "not indicated".
    pub const fn with_word_length(mut self, bits: u32) -> Self {
        let ws = match bits {
            16 => AES4_CON_WORDLEN_20_16,
            18 => AES4_CON_WORDLEN_22_18,
            20 => AES4_CON_WORDLEN_20_16 | AES4_CON_MAX_WORDLEN_24,
            24 | 32 => AES4_CON_WORDLEN_24_20 | AES4_CON_MAX_WORDLEN_24,
            _ => 0,
        };
        self.0[4] = (self.0[4] & !(AES4_CON_MAX_WORDLEN_24 | AES4_CON_WORDLEN)) | ws;
        self
    }

    /// Sets or clears "copying permitted" (bit 2; vc4-hdmi's alsa-lib configuration sets it).
    pub const fn with_copy_permitted(mut self, permitted: bool) -> Self {
        if permitted {
            self.0[0] |= AES0_CON_NOT_COPYRIGHT;
        } else {
            self.0[0] &= !AES0_CON_NOT_COPYRIGHT;
        }
        self
    }

    /// Status bit `n` (0..192) of the block; `false` past the end.
    pub const fn bit(&self, n: u32) -> bool {
        if n >= BLOCK_FRAMES {
            return false;
        }
        self.0[(n / 8) as usize] & (1 << (n % 8)) != 0
    }
}

/// Turns interleaved PCM frames into IEC958 subframes, keeping the position in the 192-frame
/// channel status block across calls, like alsa-lib's `iec958` plugin: the sample's top 24
/// bits go to bits 4-27, V and U are 0, C is the status bit of the frame, P makes bits 4-31
/// even, and channel 0 gets preamble `Z` on the block's first frame and `X` on the others,
/// every other channel `Y`.
///
/// Not done: alsa-lib's `hdmi_mode` (8-channel compressed HBR streams).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Encoder {
    status: ChannelStatus,
    preambles: Preambles,
    channels: usize,
    frame: u32,
}

impl Encoder {
    /// An encoder for `channels` channels (at least 1) sending `status`, at the start of a
    /// block, with alsa-lib's preamble codes.
    pub const fn new(channels: usize, status: ChannelStatus) -> Self {
        Encoder {
            status,
            preambles: Preambles::ALSA,
            channels: if channels == 0 { 1 } else { channels },
            frame: 0,
        }
    }

    /// Uses other preamble codes.
    pub const fn preambles(mut self, preambles: Preambles) -> Self {
        self.preambles = preambles;
        self
    }

    /// The channel status being sent.
    pub const fn status(&self) -> &ChannelStatus {
        &self.status
    }

    /// Channels per frame.
    pub const fn channels(&self) -> usize {
        self.channels
    }

    /// The next frame's position in the status block (0..192).
    pub const fn frame_in_block(&self) -> u32 {
        self.frame
    }

    /// Starts a new block with the next frame. Call it when the stream is prepared again
    /// (after an xrun or a suspend is recovered: `PeriodInfo::xruns` or the suspend count
    /// went up), as alsa-lib's `iec958` plugin does in its `init`: the receiver has lost
    /// the stream and locks again on the `Z` preamble of the first frame played.
    pub fn reset(&mut self) {
        self.frame = 0;
    }

    /// The subframe of `sample` (most significant bit at 31, as `S32`) on `channel` of the
    /// current frame, without moving to the next frame.
    pub const fn subframe(&self, sample: i32, channel: usize) -> Iec958Subframe {
        let mut word = ((sample as u32) >> 4) & AUDIO;
        if self.status.bit(self.frame) {
            word |= CHANNEL_STATUS;
        }
        if (word >> 4).count_ones() % 2 == 1 {
            word |= PARITY;
        }
        let preamble = if channel != 0 {
            self.preambles.y
        } else if self.frame == 0 {
            self.preambles.z
        } else {
            self.preambles.x
        };
        Iec958Subframe(word | (preamble as u32 & PREAMBLE))
    }

    /// Encodes whole frames of `S32`-aligned samples (`i32`, most significant bit first; an
    /// `S24` value in the low 24 bits must be shifted up by 8 first) from `input` into
    /// `output`; returns the frames encoded: as many whole frames as both slices hold.
    pub fn encode_i32(&mut self, input: &[i32], output: &mut [Iec958Subframe]) -> usize {
        self.encode(input, output, |s| s)
    }

    /// Encodes whole frames of 16-bit samples; see [`Encoder::encode_i32`].
    pub fn encode_i16(&mut self, input: &[i16], output: &mut [Iec958Subframe]) -> usize {
        self.encode(input, output, |s| i32::from(s) << 16)
    }

    /// Fills whole frames of `output` in place (a period of DMA memory, say) with the
    /// samples `next` gives: called once per subframe with its channel, it returns the sample
    /// `S32`-aligned (most significant bit at 31). No second buffer, no allocation. Returns
    /// the frames filled (a partial frame at the end is left as it is).
    pub fn fill(&mut self, output: &mut [Iec958Subframe], mut next: impl FnMut(usize) -> i32) -> usize {
        let mut frames = 0;
        for frame in output.chunks_exact_mut(self.channels) {
            for (channel, out) in frame.iter_mut().enumerate() {
                *out = self.subframe(next(channel), channel);
            }
            self.frame = (self.frame + 1) % BLOCK_FRAMES;
            frames += 1;
        }
        frames
    }

    /// Encodes whole frames of samples that `to_s32` turns into `S32`-aligned `i32`s.
    pub fn encode<T: Copy>(
        &mut self,
        input: &[T],
        output: &mut [Iec958Subframe],
        to_s32: impl Fn(T) -> i32,
    ) -> usize {
        let frames = (input.len() / self.channels).min(output.len() / self.channels);
        let samples = frames * self.channels;
        let frames_in = input[..samples].chunks_exact(self.channels);
        let frames_out = output[..samples].chunks_exact_mut(self.channels);
        for (frame_in, frame_out) in frames_in.zip(frames_out) {
            for (channel, (sample, out)) in frame_in.iter().zip(frame_out).enumerate() {
                *out = self.subframe(to_s32(*sample), channel);
            }
            self.frame = (self.frame + 1) % BLOCK_FRAMES;
        }
        frames
    }
}
