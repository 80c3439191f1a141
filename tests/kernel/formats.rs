//! A list of acceptable formats on the loopback: the first the device (and the sample type)
//! can take wins, `Config::choose_format` tells the caller which before the stream exists,
//! and IEC958 subframes (not offered by snd-aloop: checked, and said so).

use alsa_direct::{
    Capabilities, Config, DeviceName, Direction, Error, Format, MmapStream, Packed24Le, PcmDevice, Playback,
};

use crate::common;

fn playback_pcm() -> PcmDevice {
    let name = DeviceName::parse(&common::playback_device()).unwrap();
    PcmDevice::open(&name, Direction::Playback).unwrap()
}

fn capabilities() -> Capabilities {
    playback_pcm().capabilities().unwrap()
}

fn first_offered(caps: &Capabilities, list: &[Format]) -> Format {
    *list
        .iter()
        .find(|f| caps.supports_format(**f))
        .unwrap_or_else(|| panic!("none of {list:?} offered"))
}

fn config() -> Config {
    common::config(Format::S16, 2, 48_000, 1024, 4)
}

#[test]
fn formats_choose_format_takes_the_first_the_device_offers() {
    let caps = capabilities();
    let offered: Vec<Format> = caps.formats().collect();
    eprintln!("playback offers {offered:?}");
    // snd-aloop (Linux 6.1) offers S16, S24, S32, FLOAT and S24_3 in both byte orders, not
    // IEC958 subframes nor U8.
    let list = [
        Format::IEC958_SUBFRAME,
        Format::U8,
        Format::S24_3Le,
        Format::S32,
        Format::S16,
    ];
    let expected = first_offered(&caps, &list);
    let mut pcm = playback_pcm();
    let chosen = config().formats(&list).choose_format(&mut pcm).unwrap();
    eprintln!("from {list:?}: {chosen} ({})", chosen.sample_type());
    assert_eq!(chosen, expected);
    // Refine only: the same device then sets up a stream of the type for the chosen format.
    let config = config().formats(&[chosen]);
    let negotiated = match chosen {
        Format::S24 | Format::S32 => {
            MmapStream::<i32, Playback>::with_device(pcm, &config)
                .unwrap()
                .setup()
                .negotiated
        }
        Format::S16 => {
            MmapStream::<i16, Playback>::with_device(pcm, &config)
                .unwrap()
                .setup()
                .negotiated
        }
        Format::S24_3Le => {
            MmapStream::<Packed24Le, Playback>::with_device(pcm, &config)
                .unwrap()
                .setup()
                .negotiated
        }
        other => panic!("no sample type in this test for {other}"),
    };
    assert_eq!(negotiated.format, chosen);
}

#[test]
fn formats_the_sample_type_skips_what_it_cannot_hold() {
    let caps = capabilities();
    // i32 holds S24 and S32: the stream takes the first of them the device offers.
    let config32 = config().formats(&[Format::S16, Format::S24, Format::S32]);
    let stream = MmapStream::<i32, Playback>::open(&common::playback_device(), &config32).unwrap();
    let expected = first_offered(&caps, &[Format::S24, Format::S32]);
    assert_eq!(stream.setup().negotiated.format, expected);
    drop(stream);
    // i16 holds only S16.
    let stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config32).unwrap();
    assert_eq!(stream.setup().negotiated.format, Format::S16);
    drop(stream);
    // Nothing the type holds: refused before the device is opened.
    let none = config().formats(&[Format::S32, Format::FLOAT]);
    assert_eq!(
        MmapStream::<i16, Playback>::open(&common::playback_device(), &none).unwrap_err(),
        Error::FormatMismatch { format: Format::S32 }
    );
    // Nothing the device offers: the first format's refusal.
    let unoffered = config().formats(&[Format::S24_3Le, Format::S16]);
    if !caps.supports_format(Format::S24_3Le) {
        let mut pcm = playback_pcm();
        assert_eq!(
            config().formats(&[Format::S24_3Le]).choose_format(&mut pcm),
            Err(Error::UnsupportedFormat {
                format: Format::S24_3Le
            })
        );
        assert_eq!(unoffered.choose_format(&mut pcm), Ok(Format::S16));
    }
}

#[test]
fn formats_iec958_subframes_where_offered() {
    let caps = capabilities();
    if !caps.supports_format(Format::IEC958_SUBFRAME) {
        eprintln!(
            "skipped: {} does not offer {} (snd-aloop and snd-dummy have no IEC958 format; vc4-hdmi and i.MX8's fsl_xcvr do)",
            common::playback_device(),
            Format::IEC958_SUBFRAME
        );
        return;
    }
    let stream = MmapStream::<alsa_direct::Iec958Subframe, Playback>::open(
        &common::playback_device(),
        &config().formats(&[Format::IEC958_SUBFRAME]),
    )
    .unwrap();
    assert_eq!(stream.setup().negotiated.format, Format::IEC958_SUBFRAME);
}
