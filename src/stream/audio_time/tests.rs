//! Decoding `STATUS_EXT`'s report, and the request it sends.

use super::*;
use crate::error::Error;

/// The kernel's packing (`snd_pcm_pack_audio_tstamp_report`): the request stays in the low
/// 16 bits, the report (valid, actual type, accuracy reported) goes above them.
fn report(requested: AudioTimestampType, valid: bool, actual: u32, accuracy: bool) -> u32 {
    let report = u32::from(valid) | (actual << 1) | (u32::from(accuracy) << 5);
    requested.raw() | (report << 16)
}

fn answer(data: u32, accuracy: u32) -> SndPcmStatus64 {
    SndPcmStatus64 {
        state: abi::SNDRV_PCM_STATE_RUNNING,
        audio_tstamp_data: data,
        audio_tstamp_accuracy: accuracy,
        audio_tstamp: SndTimespec64 {
            tv_sec: 2,
            tv_nsec: 5,
        },
        tstamp: SndTimespec64 {
            tv_sec: 100,
            tv_nsec: 7,
        },
        hw_ptr: 4096,
        delay: 1024,
        ..Default::default()
    }
}

#[test]
fn an_hda_link_report_gives_its_type_and_accuracy() {
    // valid, actual type LINK (2), accuracy reported: 42 ns.
    let data = report(AudioTimestampType::Link, true, 2, true);
    let time = decode(&answer(data, 42), AudioTimestampType::Link).unwrap();
    assert_eq!(time.actual, Some(AudioTimestampType::Link));
    assert_eq!(time.accuracy_ns, Some(42));
    assert_eq!(time.audio_timestamp, Timestamp { sec: 2, nsec: 5 });
    assert_eq!(time.timestamp, Timestamp { sec: 100, nsec: 7 });
    assert_eq!(
        (time.hw_ptr, time.delay, time.state),
        (4096, 1024, State::Running)
    );
}

#[test]
fn an_unsupported_type_comes_back_as_the_default_without_accuracy() {
    let data = report(AudioTimestampType::LinkAbsolute, true, 1, false);
    let time = decode(&answer(data, 99), AudioTimestampType::LinkAbsolute).unwrap();
    assert_eq!(time.requested, AudioTimestampType::LinkAbsolute);
    assert_eq!(time.actual, Some(AudioTimestampType::Default));
    assert_eq!(time.accuracy_ns, None);
}

#[test]
fn no_report_and_bad_values() {
    // Only the request, echoed: no report (the low bits are not one).
    for kind in AudioTimestampType::ALL {
        let time = decode(&answer(kind.raw(), 42), kind).unwrap();
        assert_eq!((time.actual, time.accuracy_ns), (None, None), "{kind:?}");
    }
    // A type number the kernel does not define.
    let data = report(AudioTimestampType::Link, true, 9, false);
    assert_eq!(
        decode(&answer(data, 0), AudioTimestampType::Link).unwrap().actual,
        None
    );
    let mut bad = answer(report(AudioTimestampType::Default, true, 1, false), 0);
    bad.state = 42;
    assert_eq!(
        decode(&bad, AudioTimestampType::Default),
        Err(Error::BadKernelValue)
    );
    // A 32-bit `tv_nsec` with whatever the padding holds above it.
    let mut padded = answer(report(AudioTimestampType::Default, true, 1, false), 0);
    padded.audio_tstamp.tv_nsec = (0x7fff_ffff << 32) | 123;
    assert_eq!(
        decode(&padded, AudioTimestampType::Default)
            .unwrap()
            .audio_timestamp
            .nsec,
        123
    );
}

/// A driver without its own audio time (the loopback) leaves the actual type at 0, the
/// kernel's `COMPAT`: the position-derived default.
#[test]
fn a_driver_without_audio_time_reports_the_default() {
    let data = report(AudioTimestampType::Default, true, 0, false);
    let time = decode(&answer(data, 0), AudioTimestampType::Default).unwrap();
    assert_eq!(time.actual, Some(AudioTimestampType::Default));
    assert_eq!(time.accuracy_ns, None);
}

#[test]
fn the_types_round_trip_and_name_their_flags() {
    for kind in AudioTimestampType::ALL {
        assert_eq!(AudioTimestampType::from_raw(kind.raw()), Some(kind));
    }
    assert_eq!(AudioTimestampType::Default.info_flag(), 0);
    assert_eq!(
        AudioTimestampType::Link.info_flag(),
        abi::SNDRV_PCM_INFO_HAS_LINK_ATIME
    );
}
