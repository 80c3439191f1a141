//! The IEC958 subframe encoder against bit patterns worked out by hand from IEC 60958-1/-3
//! (subframe time slots, consumer channel status) and alsa-lib's `iec958` plugin (which maps
//! time slots 4-31 to bits 4-31 of ALSA's `IEC958_SUBFRAME` word and codes the preambles in
//! bits 0-3 as Z 0x08, X 0x02, Y 0x04).

use alsa_direct::iec958::{ChannelStatus, Encoder, Iec958Subframe, Preambles, BLOCK_FRAMES};
use alsa_direct::{Format, Sample, Swapped};
use proptest::prelude::*;

/// The 24 status bytes of a block, gathered back from the C bit of channel 0 of 192 frames.
fn status_of(block: &[Iec958Subframe], channels: usize) -> [u8; 24] {
    let mut bytes = [0u8; 24];
    for (n, frame) in block.chunks_exact(channels).take(192).enumerate() {
        if frame[0].channel_status() {
            bytes[n / 8] |= 1 << (n % 8);
        }
    }
    bytes
}

/// Consumer status bytes 0-4 as IEC 60958-3 spells them for alsa-lib's default: byte 0 all
/// zero (consumer, linear PCM, copyright, no pre-emphasis, mode 0); byte 1 the category code
/// 0000_0010 (bits 8-14: "PCM encoder/decoder", digital/digital converter group) with the L
/// bit 15 set: 0x82; byte 2 source and channel number unspecified: 0.
#[test]
fn consumer_status_bytes_for_48k_and_44k1_and_word_lengths() {
    // Bits 24-27, sampling frequency: 48 kHz is 0100 (bit 25 set when read as bits 24..27
    // of byte 3 least significant first: 0x02); 44.1 kHz 0000; 32 kHz 1100 -> 0x03.
    // Bits 32-35, word length: bit 32 = maximum 24 bits; bits 33-35 = 100 -> 16 bits of a
    // 20-bit maximum (0x02), 101 with bit 32 -> 24 bits of a 24-bit maximum (0x0b).
    let s = ChannelStatus::consumer_pcm(48_000, 16);
    assert_eq!(&s.0[..5], &[0x00, 0x82, 0x00, 0x02, 0x02]);
    assert!(s.0[5..].iter().all(|&b| b == 0));
    let s = ChannelStatus::consumer_pcm(44_100, 24);
    assert_eq!(&s.0[..5], &[0x00, 0x82, 0x00, 0x00, 0x0b]);
    let s = ChannelStatus::consumer_pcm(32_000, 20);
    assert_eq!(&s.0[..5], &[0x00, 0x82, 0x00, 0x03, 0x03]);
    // 32-bit samples are announced as 24 bits (alsa-lib does the same); odd sizes and rates
    // are "not indicated".
    assert_eq!(ChannelStatus::consumer_pcm(96_000, 32).0[3..5], [0x0a, 0x0b]);
    assert_eq!(ChannelStatus::consumer_pcm(12_345, 8).0[3..5], [0x01, 0x00]);
    // vc4-hdmi's alsa-lib configuration: AES0 0x04 (copying permitted).
    assert_eq!(
        ChannelStatus::consumer_pcm(48_000, 16)
            .with_copy_permitted(true)
            .0[0],
        0x04
    );
    // The bits by number: consumer (0), PCM (1), L bit (15), 48 kHz (25), 16 bits (33).
    let s = ChannelStatus::consumer_pcm(48_000, 16);
    let set: Vec<u32> = (0..192).filter(|&n| s.bit(n)).collect();
    assert_eq!(set, [9, 15, 25, 33]);
    assert!(!s.bit(192));
}

#[test]
fn first_frame_of_a_block_worked_by_hand() {
    let mut enc = Encoder::new(2, ChannelStatus::consumer_pcm(48_000, 16));
    let mut out = [Iec958Subframe::default(); 4];
    // Frame 0: left 0x1234, right -1 (0xffff). Frame 1: silence.
    assert_eq!(enc.encode_i16(&[0x1234, -1, 0, 0], &mut out), 2);
    // 0x1234 in slots 12-27: 0x0123_4000; its ones: 1+1+2+1 = 5, odd -> P set;
    // status bit 0 is 0; block start on channel 0 -> Z (0x8).
    assert_eq!(out[0].0, 0x8123_4008);
    // 0xffff in slots 12-27: 0x0fff_f000, 16 ones, even -> P clear; channel 1 -> Y (0x4).
    assert_eq!(out[1].0, 0x0fff_f004);
    // Frame 1: silence, status bit 1 is 0; X (0x2) on channel 0, Y on channel 1.
    assert_eq!(out[2].0, 0x0000_0002);
    assert_eq!(out[3].0, 0x0000_0004);
    // The largest 24-bit value in S32, 0x7fff_ff00 -> slots 4-26 (23 ones, odd: P set), the
    // sign bit in slot 27 clear.
    let mut enc = Encoder::new(1, ChannelStatus::consumer_pcm(48_000, 24));
    let mut one = [Iec958Subframe::default(); 1];
    enc.encode_i32(&[0x7fff_ff00], &mut one);
    assert_eq!(one[0].0, 0x87ff_fff8);
    // The smallest, 0x8000_0000: slot 27 alone, odd: P set.
    enc.encode_i32(&[i32::MIN], &mut one);
    assert_eq!(one[0].0, 0x8800_0002);
    // The lowest 8 bits of an S32 sample do not fit and are dropped.
    enc.reset();
    enc.encode_i32(&[0x0000_00ff], &mut one);
    assert_eq!(one[0].0, 0x0000_0008);
}

#[test]
fn channel_status_bit_and_parity_of_frame_9_at_48k() {
    // Frame 9 carries status bit 9 (= 1, the category code): C set. With silence the C bit
    // is the only one in slots 4-30, so P is set to make the count even.
    let mut enc = Encoder::new(2, ChannelStatus::consumer_pcm(48_000, 16));
    let mut out = [Iec958Subframe::default(); 20];
    enc.encode_i16(&[0i16; 20], &mut out);
    assert_eq!(out[18].0, 0xc000_0002, "frame 9 channel 0: P, C, X");
    assert_eq!(out[19].0, 0xc000_0004, "frame 9 channel 1: P, C, Y");
    assert_eq!(out[16].0, 0x0000_0002, "frame 8: no status bit");
}

#[test]
fn a_block_carries_the_status_and_the_next_block_starts_with_z() {
    for (rate, bits) in [(48_000, 16), (44_100, 16), (48_000, 24), (44_100, 24)] {
        let status = ChannelStatus::consumer_pcm(rate, bits);
        let mut enc = Encoder::new(2, status);
        // Encode 1.5 blocks in uneven pieces.
        let pcm: Vec<i16> = (0..2 * 288).map(|i| (i * 97) as i16).collect();
        let mut out = vec![Iec958Subframe::default(); pcm.len()];
        let mut done = 0;
        for piece in [7, 100, 1, 180] {
            let n = enc.encode_i16(&pcm[2 * done..2 * (done + piece)], &mut out[2 * done..]);
            assert_eq!(n, piece);
            done += n;
        }
        assert_eq!(enc.frame_in_block(), done as u32 % BLOCK_FRAMES);
        assert_eq!(status_of(&out, 2), status.0, "{rate} {bits}");
        for (i, s) in out[..2 * done].iter().enumerate() {
            let (frame, channel) = (i / 2, i % 2);
            let expected = match (channel, frame % 192) {
                (1, _) => 0x4,
                (0, 0) => 0x8,
                _ => 0x2,
            };
            assert_eq!(s.preamble(), expected, "frame {frame} channel {channel}");
            assert!(s.parity_ok(), "frame {frame} channel {channel}: {:#010x}", s.0);
            assert!(!s.validity() && !s.user());
            assert_eq!(s.sample(), i32::from(pcm[i]) << 16);
            // Both channels carry the same status bit.
            assert_eq!(s.channel_status(), status.bit(frame as u32 % 192));
        }
    }
}

#[test]
fn whole_frames_only_and_other_preambles() {
    let mut enc = Encoder::new(3, ChannelStatus::ALSA_DEFAULT).preambles(Preambles { z: 3, x: 1, y: 2 });
    let mut out = [Iec958Subframe(0xdead_beef); 8];
    // 8 samples in, room for 8: two whole frames of 3, the rest untouched.
    assert_eq!(enc.encode_i16(&[0; 8], &mut out), 2);
    let preambles: Vec<u8> = out[..6].iter().map(|s| s.preamble()).collect();
    assert_eq!(preambles, [3, 2, 2, 1, 2, 2]);
    assert_eq!(out[6].0, 0xdead_beef);
    assert_eq!(enc.encode_i16(&[0; 2], &mut out), 0);
    assert_eq!(enc.frame_in_block(), 2);
}

#[test]
fn sample_types_hold_the_subframe_formats() {
    assert_eq!(<Iec958Subframe as Sample>::FORMATS, [Format::IEC958_SUBFRAME]);
    let word = Iec958Subframe(0x8123_4008);
    let swapped = Swapped::<Iec958Subframe>::new(word);
    assert_eq!(swapped.get(), word);
    let bytes = swapped.get().0.swap_bytes().to_ne_bytes();
    if cfg!(target_endian = "little") {
        assert_eq!(bytes, [0x81, 0x23, 0x40, 0x08]);
        assert_eq!(Format::IEC958_SUBFRAME, Format::Iec958SubframeLe);
    } else {
        assert_eq!(bytes, [0x08, 0x40, 0x23, 0x81]);
    }
    assert_eq!(Format::Iec958SubframeLe.name(), "IEC958_SUBFRAME_LE");
    assert_eq!(Format::Iec958SubframeBe.to_raw(), 19);
    assert_eq!(Format::Iec958SubframeLe.bytes(), 4);
}

proptest! {
    /// Every subframe has even parity over bits 4-31, the sample's top 24 bits in 4-27, and V
    /// and U clear, for any samples and channel counts.
    #[test]
    fn parity_is_even_and_samples_survive(
        channels in 1usize..9,
        samples in prop::collection::vec(any::<i32>(), 0..400),
        start in 0usize..192,
    ) {
        let mut enc = Encoder::new(channels, ChannelStatus::consumer_pcm(48_000, 24));
        let mut skip = vec![Iec958Subframe::default(); start * channels];
        enc.encode_i32(&vec![0; start * channels], &mut skip);
        let mut out = vec![Iec958Subframe::default(); samples.len()];
        let frames = enc.encode_i32(&samples, &mut out);
        prop_assert_eq!(frames, samples.len() / channels);
        for (i, s) in out[..frames * channels].iter().enumerate() {
            prop_assert!(s.parity_ok());
            prop_assert_eq!(s.sample(), samples[i] & !0xff);
            prop_assert!(!s.validity() && !s.user());
        }
        prop_assert_eq!(enc.frame_in_block() as usize, (start + frames) % 192);
    }
}

/// alsa-lib's `cards/vc4-hdmi.conf` gives AES0=0x04, AES1=0x82, AES2=0x00 and the `iec958`
/// plugin fills AES3 with the rate.
#[test]
fn hdmi_status_like_vc4_hdmi_conf() {
    let s = ChannelStatus::hdmi_pcm(48_000);
    assert_eq!(s.0[..4], [0x04, 0x82, 0x00, 0x02]);
    assert!(s.0[4..].iter().all(|b| *b == 0));
    assert_eq!(ChannelStatus::hdmi_pcm(44_100).0[3], 0x00);
    assert_eq!(ChannelStatus::hdmi_pcm(96_000).0[3], 0x0a);
    assert_eq!(ChannelStatus::hdmi_pcm(12_345).0[3], 0x01, "not indicated");
    // Consumer (bit 0 clear), linear PCM (bit 1 clear).
    assert_eq!(s.0[0] & 0x03, 0);
}

/// `fill` writes in place what `encode` writes from a buffer.
#[test]
fn fill_in_place_is_encode() {
    let status = ChannelStatus::hdmi_pcm(48_000);
    let pcm: Vec<i32> = (0..2 * 500).map(|i| i * 0x01_0203).collect();
    let mut by_encode = vec![Iec958Subframe::default(); pcm.len()];
    let mut enc = Encoder::new(2, status);
    assert_eq!(enc.encode_i32(&pcm, &mut by_encode), 500);
    let mut by_fill = vec![Iec958Subframe(0xdead_beef); pcm.len() + 1];
    let mut enc2 = Encoder::new(2, status);
    let mut i = 0;
    // In period-sized pieces, one odd subframe left over at the end.
    let mut filled = 0;
    for period in by_fill.chunks_mut(64) {
        filled += enc2.fill(period, |_| {
            i += 1;
            pcm[i - 1]
        });
    }
    assert_eq!(filled, 500);
    assert_eq!(by_fill[..pcm.len()], by_encode[..]);
    assert_eq!(by_fill[pcm.len()].0, 0xdead_beef, "a partial frame is left alone");
    assert_eq!(enc2.frame_in_block(), enc.frame_in_block());
}

/// What a receiver sees across an xrun: the period loop resets the encoder when the xrun
/// count goes up (alsa-lib's plugin does it on prepare), so the first frame played after the
/// restart starts a block with Z and the channel status bits follow from there.
#[test]
fn the_block_restarts_after_an_xrun() {
    let status = ChannelStatus::hdmi_pcm(48_000);
    let mut enc = Encoder::new(2, status);
    let mut seen_xruns = 0;
    let period = 100;
    let mut played = Vec::new();
    for (n, xruns) in [0, 0, 0, 1, 1, 1, 1].into_iter().enumerate() {
        if xruns > seen_xruns {
            seen_xruns = xruns;
            enc.reset();
            played.clear(); // what was played before the xrun is gone for the receiver
        }
        let mut out = vec![Iec958Subframe::default(); 2 * period];
        enc.fill(&mut out, |c| (n * 1000 + c) as i32);
        played.extend(out);
    }
    // 400 frames since the restart: two whole blocks' status and Z at 0 and 192.
    assert_eq!(status_of(&played, 2), status.0);
    assert_eq!(status_of(&played[2 * 192..], 2), status.0);
    for (frame, s) in played.chunks_exact(2).enumerate() {
        let z = frame % 192 == 0;
        assert_eq!(s[0].preamble() == 0x8, z, "frame {frame}");
    }
}
