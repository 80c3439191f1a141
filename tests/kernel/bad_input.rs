//! Bad input gets a typed error with a message that says what to do, never a panic or a hang.

use alsa_direct::{
    ConfigError, Direction, Errno, Error, Format, Matching, MmapStream, Op, Param, PcmDevice, Playback,
};

use crate::common;

fn open_playback(device: &str, config: &alsa_direct::Config) -> Result<MmapStream<i16, Playback>, Error> {
    MmapStream::open(device, config).map_err(Error::from)
}

fn s16(channels: u32, rate: u32) -> alsa_direct::Config {
    common::config(Format::S16Le, channels, rate, 256, 4)
}

#[test]
fn missing_device_node() {
    let err = open_playback("hw:0,7", &s16(2, 48_000)).unwrap_err();
    assert_eq!(
        err,
        Error::Sys {
            op: Op::OpenPcm,
            errno: Errno::NOENT
        }
    );
    assert!(err.to_string().contains("ls /dev/snd"), "{err}");
}

#[test]
fn unknown_card_name() {
    let err = open_playback("hw:NoSuchCard,0", &s16(2, 48_000)).unwrap_err();
    assert_eq!(err, Error::UnknownCard);
}

#[test]
fn plugin_names_are_refused() {
    let err = open_playback("plughw:0,0", &s16(2, 48_000)).unwrap_err();
    assert_eq!(err, Error::PluginDevice);
    assert!(err.to_string().contains("hw:"), "{err}");
}

#[test]
fn busy_device() {
    let device = common::playback_device();
    let _first = open_playback(&device, &s16(2, 48_000)).unwrap();
    let err = open_playback(&device, &s16(2, 48_000)).unwrap_err();
    assert_eq!(
        err,
        Error::Sys {
            op: Op::OpenPcm,
            errno: Errno::BUSY
        }
    );
    assert!(err.to_string().contains("in use"), "{err}");
}

#[test]
fn wrong_direction() {
    let err = PcmDevice::open_path("/dev/snd/pcmC0D0c", Direction::Playback).unwrap_err();
    assert_eq!(err, Error::WrongDirection);
}

#[test]
fn format_the_card_lacks() {
    let mut pcm = PcmDevice::open(&common::playback_device().parse().unwrap(), Direction::Playback).unwrap();
    let caps = pcm.capabilities().unwrap();
    drop(pcm);
    let missing = [Format::U8, Format::S8]
        .into_iter()
        .find(|f| !caps.supports_format(*f))
        .expect("snd-aloop offers neither U8 nor S8");
    let config = common::config(missing, 2, 48_000, 256, 4);
    let device = common::playback_device();
    let err = match missing {
        Format::U8 => MmapStream::<u8, Playback>::open(&device, &config).map(drop),
        _ => MmapStream::<i8, Playback>::open(&device, &config).map(drop),
    }
    .unwrap_err();
    assert_eq!(err, Error::UnsupportedFormat { format: missing });
}

#[test]
fn rate_the_card_lacks_exact_and_nearest() {
    let err = open_playback(&common::playback_device(), &s16(2, 4_000)).unwrap_err();
    let Error::Unsupported {
        param: Param::Rate,
        requested: 4_000,
        min,
        ..
    } = err
    else {
        panic!("unexpected {err:?}");
    };
    assert!(min > 4_000);
    let nearest = open_playback(
        &common::playback_device(),
        &s16(2, 4_000).matching(Matching::Nearest),
    )
    .unwrap();
    assert_eq!(
        nearest.setup().negotiated.rate,
        min,
        "nearest picks the lowest rate offered"
    );
}

#[test]
fn channels_the_card_lacks_exact_and_nearest() {
    let err = open_playback(&common::playback_device(), &s16(1000, 48_000)).unwrap_err();
    let Error::Unsupported {
        param: Param::Channels,
        requested: 1000,
        max,
        ..
    } = err
    else {
        panic!("unexpected {err:?}");
    };
    let nearest = open_playback(
        &common::playback_device(),
        &s16(1000, 48_000).matching(Matching::Nearest),
    )
    .unwrap();
    assert_eq!(nearest.setup().negotiated.channels, max);
}

#[test]
fn period_larger_than_the_buffer() {
    let err = open_playback(&common::playback_device(), &s16(2, 48_000).periods(1)).unwrap_err();
    assert_eq!(err, Error::InvalidConfig(ConfigError::TooFewPeriods));
    let huge = s16(2, 48_000).period_size(1 << 24);
    let err = open_playback(&common::playback_device(), &huge).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                param: Param::PeriodSize,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn zero_channels_and_periods() {
    let err = open_playback(&common::playback_device(), &s16(0, 48_000)).unwrap_err();
    assert_eq!(err, Error::InvalidConfig(ConfigError::ZeroChannels));
    let err = open_playback(&common::playback_device(), &s16(2, 48_000).periods(0)).unwrap_err();
    assert_eq!(err, Error::InvalidConfig(ConfigError::TooFewPeriods));
}

#[test]
fn sample_type_mismatch() {
    let config = common::config(Format::FloatLe, 2, 48_000, 256, 4);
    let err = open_playback(&common::playback_device(), &config).unwrap_err();
    assert_eq!(
        err,
        Error::FormatMismatch {
            format: Format::FloatLe
        }
    );
}
