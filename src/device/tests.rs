//! Unit tests of `device`.

use super::*;

#[test]
fn the_longest_paths_keep_their_direction_letter() {
    assert_eq!(
        pcm_path(u32::MAX, u32::MAX, Direction::Capture).as_str(),
        "/dev/snd/pcmC4294967295D4294967295c"
    );
    assert_eq!(
        pcm_path(999_999_999, 999_999_999, Direction::Playback).as_str(),
        "/dev/snd/pcmC999999999D999999999p"
    );
    assert_eq!(pcm_path(0, 0, Direction::Playback).as_str(), "/dev/snd/pcmC0D0p");
    assert_eq!(pcm_path(12, 3, Direction::Capture).as_str(), "/dev/snd/pcmC12D3c");
    assert_eq!(control_path(7).as_str(), "/dev/snd/controlC7");
}

#[test]
fn c_strings_stop_at_nul_and_are_cut_at_a_character() {
    assert_eq!(c_string::<8>(b"Loopback\0xyz").as_str(), "Loopback");
    assert_eq!(c_string::<4>(b"Loopback").as_str(), "Loop");
    assert_eq!(c_string::<8>(b"ab\xc3\xa9\0").as_str(), "ab\u{e9}");
    assert_eq!(c_string::<3>(b"ab\xc3\xa9").as_str(), "ab");
    assert_eq!(c_string::<8>(b"ok\xffbad").as_str(), "ok");
}
