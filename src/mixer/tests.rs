//! The TLV dB-range parser on hand-built TLV data: every dB item type, containers, ranges,
//! nesting, and truncated or garbage input (an error, never a panic).

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use crate::abi::*;
use crate::mixer::{parse_db_range, DbRange};
use crate::Error;
use proptest::prelude::*;

/// Native-endian bytes of TLV words, as the kernel hands them over.
fn bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// One TLV item: type, length in bytes, payload.
fn item(kind: u32, payload: &[u32]) -> Vec<u32> {
    let mut v = vec![kind, (payload.len() * 4) as u32];
    v.extend_from_slice(payload);
    v
}

/// `SNDRV_CTL_TLVD_DB_SCALE_ITEM(min, step, mute)`.
fn db_scale(min: i32, step: u32, mute: bool) -> Vec<u32> {
    let bits = (step & SNDRV_CTL_TLVD_DB_SCALE_MASK) | if mute { SNDRV_CTL_TLVD_DB_SCALE_MUTE } else { 0 };
    item(SNDRV_CTL_TLVT_DB_SCALE, &[min as u32, bits])
}

fn parse(words: &[u32], min: i64, max: i64) -> Result<Option<DbRange>, Error> {
    parse_db_range(&bytes(words), min, max)
}

fn range(min: i32, max: i32, mute: bool) -> Option<DbRange> {
    Some(DbRange { min, max, mute })
}

#[test]
fn db_scale_of_snd_dummy() {
    // snd-dummy: DECLARE_TLV_DB_SCALE(db_scale_dummy, -4500, 30, 0), values 0..=100.
    let tlv = db_scale(-4500, 30, false);
    assert_eq!(parse(&tlv, 0, 100), Ok(range(-4500, -1500, false)));
    assert_eq!(
        parse(&tlv, 0, 100).unwrap().unwrap().to_string(),
        "-45.00 dB .. -15.00 dB"
    );
}

#[test]
fn db_scale_with_mute_and_offset_range() {
    let tlv = db_scale(-6350, 50, true);
    assert_eq!(parse(&tlv, 1, 128), Ok(range(-6350, 0, true)));
    assert_eq!(
        parse(&tlv, 1, 128).unwrap().unwrap().to_string(),
        "-63.50 dB .. 0.00 dB (mute at min)"
    );
}

#[test]
fn minmax_minmax_mute_and_linear() {
    let minmax = item(SNDRV_CTL_TLVT_DB_MINMAX, &[-9000i32 as u32, 600]);
    assert_eq!(parse(&minmax, 0, 255), Ok(range(-9000, 600, false)));
    let mute = item(SNDRV_CTL_TLVT_DB_MINMAX_MUTE, &[-9000i32 as u32, 0]);
    assert_eq!(parse(&mute, 0, 255), Ok(range(-9000, 0, true)));
    let linear = item(SNDRV_CTL_TLVT_DB_LINEAR, &[SNDRV_CTL_TLVD_DB_GAIN_MUTE as u32, 0]);
    assert_eq!(
        parse(&linear, 0, 65535),
        Ok(range(SNDRV_CTL_TLVD_DB_GAIN_MUTE, 0, true))
    );
    assert_eq!(
        parse(&linear, 0, 65535).unwrap().unwrap().to_string(),
        "-inf dB .. 0.00 dB (mute at min)"
    );
    let linear = item(SNDRV_CTL_TLVT_DB_LINEAR, &[-1200i32 as u32, 1200]);
    assert_eq!(parse(&linear, 0, 100), Ok(range(-1200, 1200, false)));
}

#[test]
fn db_range_joins_its_sub_ranges() {
    // Like many codecs: 0..=1 mute and -70 dB, 2..=63 a -65 dB + 1 dB scale.
    let mut payload = vec![0, 1];
    payload.extend(db_scale(-7000, 500, true));
    payload.extend([2, 63]);
    payload.extend(db_scale(-6500, 100, false));
    let tlv = item(SNDRV_CTL_TLVT_DB_RANGE, &payload);
    // -7000 + 500 * 1 = -6500; -6500 + 100 * 61 = -400.
    assert_eq!(parse(&tlv, 0, 63), Ok(range(-7000, -400, true)));
}

/// `DB_RANGE` sub-ranges as alsa-lib's `snd_tlv_get_dB_range` reads them: C ints, the last
/// value clipped to the control's maximum, reading stops at the sub-range that reaches it.
#[test]
fn db_range_follows_alsa_lib() {
    // A control of 0..=10 whose TLV describes 0..10 and 11..20: only the first sub-range
    // applies (alsa-lib: -10 .. 0 dB).
    let mut payload = vec![0, 10];
    payload.extend(db_scale(-1000, 100, false));
    payload.extend([11, 20]);
    payload.extend(db_scale(0, 100, false));
    let tlv = item(SNDRV_CTL_TLVT_DB_RANGE, &payload);
    assert_eq!(parse(&tlv, 0, 10), Ok(range(-1000, 0, false)));
    // The first sub-range overlapping the maximum is clipped: 0..=5 of a 0..10 scale.
    assert_eq!(parse(&tlv, 0, 5), Ok(range(-1000, -500, false)));
    // The whole TLV applies to a control of 0..=20.
    assert_eq!(parse(&tlv, 0, 20), Ok(range(-1000, 900, false)));

    // Negative control values (a control of -20..=0), sub-ranges -20..-11 and -10..0.
    let mut payload = vec![-20i32 as u32, -11i32 as u32];
    payload.extend(db_scale(-2000, 100, true));
    payload.extend([-10i32 as u32, 0]);
    payload.extend(db_scale(-1000, 100, false));
    let tlv = item(SNDRV_CTL_TLVT_DB_RANGE, &payload);
    assert_eq!(parse(&tlv, -20, 0), Ok(range(-2000, 0, true)));
}

#[test]
fn minmax_with_min_above_max_is_an_error() {
    let reversed = item(SNDRV_CTL_TLVT_DB_MINMAX, &[600, -9000i32 as u32]);
    assert_eq!(parse(&reversed, 0, 255), Err(Error::BadTlv));
    let reversed = item(SNDRV_CTL_TLVT_DB_MINMAX_MUTE, &[1, 0]);
    assert_eq!(parse(&reversed, 0, 255), Err(Error::BadTlv));
}

#[test]
fn container_gives_its_first_db_item() {
    // A channel map first (not dB), then a range nested in the container.
    let chmap = item(0x101, &[3, 4]);
    let mut range_payload = vec![0, 10];
    range_payload.extend(item(SNDRV_CTL_TLVT_DB_MINMAX, &[-1000i32 as u32, 0]));
    let db = item(SNDRV_CTL_TLVT_DB_RANGE, &range_payload);
    let mut payload = chmap.clone();
    payload.extend(&db);
    payload.extend(db_scale(0, 1, false));
    let tlv = item(SNDRV_CTL_TLVT_CONTAINER, &payload);
    assert_eq!(parse(&tlv, 0, 10), Ok(range(-1000, 0, false)));
    // A container of a container.
    let outer = item(SNDRV_CTL_TLVT_CONTAINER, &tlv);
    assert_eq!(parse(&outer, 0, 10), Ok(range(-1000, 0, false)));
    // No dB item at all: no range, and no error.
    assert_eq!(parse(&item(SNDRV_CTL_TLVT_CONTAINER, &chmap), 0, 10), Ok(None));
    assert_eq!(parse(&chmap, 0, 10), Ok(None));
}

#[test]
fn bytes_after_the_item_are_ignored() {
    let mut tlv = db_scale(-4500, 30, false);
    tlv.extend([0xdead_beef, 7, 7]);
    assert_eq!(parse(&tlv, 0, 100), Ok(range(-4500, -1500, false)));
}

#[test]
fn truncated_and_garbage_input_is_an_error() {
    let good = db_scale(-4500, 30, false);
    let all = bytes(&good);
    for len in 0..all.len() {
        assert_eq!(
            parse_db_range(&all[..len], 0, 100),
            Err(Error::BadTlv),
            "{len} bytes"
        );
    }
    // A length beyond the data.
    assert_eq!(
        parse(&[SNDRV_CTL_TLVT_DB_SCALE, 400, 0, 0], 0, 1),
        Err(Error::BadTlv)
    );
    assert_eq!(
        parse(&[SNDRV_CTL_TLVT_DB_SCALE, u32::MAX, 0, 0], 0, 1),
        Err(Error::BadTlv)
    );
    // An item too short for its type.
    assert_eq!(
        parse(&item(SNDRV_CTL_TLVT_DB_MINMAX, &[5]), 0, 1),
        Err(Error::BadTlv)
    );
    // A range with a truncated entry, an empty range, a reversed one, a non-dB sub-item.
    assert_eq!(
        parse(&item(SNDRV_CTL_TLVT_DB_RANGE, &[0, 1]), 0, 1),
        Err(Error::BadTlv)
    );
    assert_eq!(
        parse(&item(SNDRV_CTL_TLVT_DB_RANGE, &[]), 0, 1),
        Err(Error::BadTlv)
    );
    let mut reversed = vec![5, 1];
    reversed.extend(db_scale(0, 1, false));
    assert_eq!(
        parse(&item(SNDRV_CTL_TLVT_DB_RANGE, &reversed), 0, 5),
        Err(Error::BadTlv)
    );
    let mut chmap = vec![0, 1];
    chmap.extend(item(0x101, &[1]));
    assert_eq!(
        parse(&item(SNDRV_CTL_TLVT_DB_RANGE, &chmap), 0, 1),
        Err(Error::BadTlv)
    );
    // A scale whose top overflows, and a value range upside down.
    assert_eq!(
        parse(&db_scale(i32::MAX - 1, 0xffff, false), 0, 100),
        Err(Error::BadTlv)
    );
    assert_eq!(parse(&good, 100, 0), Err(Error::BadTlv));
    assert_eq!(parse(&good, i64::MIN, i64::MAX), Err(Error::BadTlv));
}

#[test]
fn nesting_too_deep_is_an_error() {
    let mut tlv = db_scale(0, 1, false);
    for _ in 0..100 {
        tlv = item(SNDRV_CTL_TLVT_CONTAINER, &tlv);
    }
    assert_eq!(parse(&tlv, 0, 1), Err(Error::BadTlv));
    let mut tlv = db_scale(0, 1, false);
    for _ in 0..4 {
        tlv = item(SNDRV_CTL_TLVT_CONTAINER, &tlv);
    }
    assert_eq!(parse(&tlv, 0, 1), Ok(range(0, 1, false)));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600), min: i64, max: i64) {
        let _ = parse_db_range(&data, min, max);
    }

    #[test]
    fn arbitrary_words_with_db_types_never_panic(
        words in proptest::collection::vec(prop_oneof![0u32..8, 0u32..64, any::<u32>()], 0..64),
        min in -1000i64..1000,
        span in 0i64..1000,
    ) {
        let _ = parse(&words, min, min + span);
    }
}

// dB and percent levels.

mod levels {
    use super::*;
    use crate::mixer::{db_of_value, percent_of_value, value_of_db, value_of_percent, DbRounding};

    const MUTE: i32 = SNDRV_CTL_TLVD_DB_GAIN_MUTE;

    fn db(words: &[u32], min: i64, max: i64, value: i64) -> i32 {
        db_of_value(&bytes(words), min, max, value).unwrap().unwrap()
    }

    fn value(words: &[u32], min: i64, max: i64, centi_db: i32, r: DbRounding) -> i64 {
        value_of_db(&bytes(words), min, max, centi_db, r)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn db_scale_both_ways() {
        // snd-dummy's volume: -45 dB + 0.3 dB per step, 0..=100.
        let tlv = db_scale(-4500, 30, false);
        assert_eq!(db(&tlv, 0, 100, 0), -4500);
        assert_eq!(db(&tlv, 0, 100, 50), -3000);
        assert_eq!(db(&tlv, 0, 100, 100), -1500);
        assert_eq!(db(&tlv, 0, 100, 1000), -1500, "clamped to max");
        assert_eq!(value(&tlv, 0, 100, -3000, DbRounding::Down), 50);
        // -30.10 dB lies between 49 (-30.30) and 50 (-30.00).
        assert_eq!(value(&tlv, 0, 100, -3010, DbRounding::Down), 49);
        assert_eq!(value(&tlv, 0, 100, -3010, DbRounding::Up), 50);
        assert_eq!(value(&tlv, 0, 100, -3010, DbRounding::Nearest), 50);
        assert_eq!(value(&tlv, 0, 100, -3025, DbRounding::Nearest), 49);
        // -15 dB tie-free; -6 dB is louder than the loudest value, -60 dB quieter than the
        // quietest: clamped.
        assert_eq!(value(&tlv, 0, 100, -600, DbRounding::Down), 100);
        assert_eq!(value(&tlv, 0, 100, -6000, DbRounding::Up), 0);
        assert_eq!(value(&tlv, 0, 100, -6000, DbRounding::Down), 0);
    }

    #[test]
    fn db_scale_with_mute_like_hda() {
        // -63.5 dB + 0.5 dB per step, 0 mutes, 0..=127.
        let tlv = db_scale(-6350, 50, true);
        assert_eq!(db(&tlv, 0, 127, 0), MUTE);
        assert_eq!(db(&tlv, 0, 127, 1), -6300);
        assert_eq!(db(&tlv, 0, 127, 127), 0);
        // `amixer set Master -6dB`.
        assert_eq!(value(&tlv, 0, 127, -600, DbRounding::Down), 115);
        assert_eq!(value(&tlv, 0, 127, MUTE, DbRounding::Down), 0);
        assert_eq!(
            value(&tlv, 0, 127, -7000, DbRounding::Down),
            0,
            "below -63 dB: mute"
        );
        assert_eq!(value(&tlv, 0, 127, -7000, DbRounding::Up), 1);
    }

    #[test]
    fn minmax_and_minmax_mute() {
        let tlv = item(SNDRV_CTL_TLVT_DB_MINMAX, &[-9000i32 as u32, 600]);
        // -90 dB + 96 dB * 128 / 255 = -41.82 dB (truncated like alsa-lib).
        assert_eq!(db(&tlv, 0, 255, 128), -4182);
        assert_eq!(db(&tlv, 0, 255, 0), -9000);
        assert_eq!(db(&tlv, 0, 255, 255), 600);
        assert_eq!(value(&tlv, 0, 255, -4182, DbRounding::Down), 128);
        assert_eq!(value(&tlv, 0, 255, 0, DbRounding::Nearest), 239);
        let tlv = item(SNDRV_CTL_TLVT_DB_MINMAX_MUTE, &[-9000i32 as u32, 600]);
        assert_eq!(db(&tlv, 0, 255, 0), MUTE);
        assert_eq!(
            db(&tlv, 5, 5, 5),
            MUTE,
            "a one-value range mutes at its only value"
        );
    }

    #[test]
    fn db_range_picks_the_sub_range() {
        // 0..=4: -40 dB + 5 dB per step; 5..=10: -15 dB + 3 dB per step.
        let mut tlv = vec![0, 4];
        tlv.extend(db_scale(-4000, 500, false));
        tlv.extend([5, 10]);
        tlv.extend(db_scale(-1500, 300, false));
        let tlv = item(SNDRV_CTL_TLVT_DB_RANGE, &tlv);
        assert_eq!(db(&tlv, 0, 10, 2), -3000);
        assert_eq!(db(&tlv, 0, 10, 7), -900);
        assert_eq!(value(&tlv, 0, 10, -1700, DbRounding::Down), 4);
        assert_eq!(value(&tlv, 0, 10, -1700, DbRounding::Up), 5);
        assert_eq!(value(&tlv, 0, 10, -1700, DbRounding::Nearest), 5);
        // A value in no sub-range is malformed data.
        assert_eq!(db_of_value(&bytes(&tlv), 0, 11, 11), Err(Error::BadTlv));
    }

    #[test]
    fn db_linear_with_and_without_mute() {
        // From silence to 0 dB: half the amplitude is -6.02 dB.
        let tlv = item(SNDRV_CTL_TLVT_DB_LINEAR, &[MUTE as u32, 0]);
        assert_eq!(db(&tlv, 0, 100, 0), MUTE);
        assert_eq!(db(&tlv, 0, 100, 50), -602);
        assert_eq!(db(&tlv, 0, 100, 10), -2000);
        assert_eq!(db(&tlv, 0, 100, 100), 0);
        assert_eq!(value(&tlv, 0, 100, -602, DbRounding::Down), 50);
        assert_eq!(value(&tlv, 0, 100, -600, DbRounding::Up), 51);
        // From -40 dB (0.01) to 0 dB: 0.505 is -5.93 dB.
        let tlv = item(SNDRV_CTL_TLVT_DB_LINEAR, &[-4000i32 as u32, 0]);
        assert_eq!(db(&tlv, 0, 100, 50), -593);
        assert_eq!(db(&tlv, 0, 100, 0), -4000);
        // 6 dB of gain at the top: 10^(6/20) = 1.995.
        let tlv = item(SNDRV_CTL_TLVT_DB_LINEAR, &[MUTE as u32, 600]);
        assert_eq!(
            db(&tlv, 0, 1000, 501),
            0,
            "(0.501 * 1.995 = 0.99956): -0.0038 dB truncates to 0"
        );
    }

    #[test]
    fn db_linear_with_mute_truncates_before_adding_the_max_like_alsa_lib() {
        // alsa-lib: `(long)(100.0 * 20.0 * log10(val)) + maxdb`. The expected figures are
        // what libasound.so.2's `snd_tlv_convert_to_dB` returned for these values (a host C
        // program linked to it).
        let cases = [
            (600, 1000, 501, 0),
            (200, 1000, 700, -109),
            (300, 1000, 500, -302),
            (0, 100, 50, -602),
            (0, 100, 10, -2000),
            (100, 1000, 890, -1),
            (250, 1000, 751, 2),
            (1200, 255, 200, 989),
            (5, 1000, 999, 5),
        ];
        for (top, max, v, expected) in cases {
            let tlv = item(SNDRV_CTL_TLVT_DB_LINEAR, &[MUTE as u32, top as u32]);
            assert_eq!(db(&tlv, 0, max, v), expected, "top {top}, 0..={max}, value {v}");
        }
    }

    #[test]
    fn wide_ranges_neither_panic_nor_wrap() {
        // INTEGER64 and user controls may span the whole of i64.
        let (lo, hi) = (i64::MIN, i64::MAX);
        let linear = item(SNDRV_CTL_TLVT_DB_LINEAR, &[MUTE as u32, 0]);
        assert_eq!(db(&linear, lo, hi, lo), MUTE);
        assert_eq!(db(&linear, lo, hi, hi), 0);
        assert_eq!(db(&linear, lo, hi, 0), -602, "the middle is half the amplitude");
        let linear = item(SNDRV_CTL_TLVT_DB_LINEAR, &[-4000i32 as u32, 0]);
        assert_eq!(db(&linear, lo, hi, 0), -593);
        let minmax = item(SNDRV_CTL_TLVT_DB_MINMAX, &[-9000i32 as u32, 600]);
        assert_eq!(db(&minmax, lo, hi, 0), -4200);
        assert_eq!(db(&minmax, lo, hi, hi), 600);
        let scale = db_scale(-4500, 0, true);
        assert_eq!(db(&scale, lo, hi, 5), -4500, "a step of 0 spans any range");
        assert_eq!(parse(&scale, lo, hi), Ok(range(-4500, -4500, true)));
        // A scale whose top does not fit a C int is an error, not a wrapped number.
        let scale = db_scale(-4500, 1, false);
        assert_eq!(db_of_value(&bytes(&scale), lo, hi, hi), Err(Error::BadTlv));
        assert_eq!(parse(&scale, lo, hi), Err(Error::BadTlv));
        // The search for a value bisects the whole range.
        for tlv in [&minmax, &linear] {
            for r in [DbRounding::Down, DbRounding::Up, DbRounding::Nearest] {
                assert_eq!(value(tlv, lo, hi, -10_000, r), lo);
                assert_eq!(value(tlv, lo, hi, 10_000, r), hi);
                let v = value(tlv, lo, hi, -3000, r);
                let g = db(tlv, lo, hi, v);
                assert!((-3010..=-2990).contains(&g), "{r:?}: {v} gives {g}");
            }
        }
        assert_eq!(value(&minmax, lo, hi, 600, DbRounding::Down), hi);
        assert_eq!(percent_of_value(lo, hi, 0), 50);
    }

    proptest! {
        /// Any range, any value, any scale: an answer or an error, never a panic.
        #[test]
        fn any_range_never_panics(
            kind in prop_oneof![Just(SNDRV_CTL_TLVT_DB_SCALE), Just(SNDRV_CTL_TLVT_DB_MINMAX),
                Just(SNDRV_CTL_TLVT_DB_MINMAX_MUTE), Just(SNDRV_CTL_TLVT_DB_LINEAR)],
            a: u32, b: u32, min: i64, max: i64, v: i64, target: i32,
        ) {
            let tlv = bytes(&item(kind, &[a, b]));
            let _ = db_of_value(&tlv, min, max, v);
            let _ = parse_db_range(&tlv, min, max);
            for r in [DbRounding::Down, DbRounding::Up, DbRounding::Nearest] {
                let _ = value_of_db(&tlv, min, max, target, r);
            }
        }
    }

    #[test]
    fn no_db_scale_is_none() {
        let chmap = item(SNDRV_CTL_TLVT_CHMAP_FIXED, &[3, 4]);
        assert_eq!(db_of_value(&bytes(&chmap), 0, 36, 3), Ok(None));
        assert_eq!(value_of_db(&bytes(&chmap), 0, 36, 0, DbRounding::Down), Ok(None));
        assert_eq!(db_of_value(&[1, 2, 3], 0, 1, 0), Err(Error::BadTlv));
    }

    #[test]
    fn percent_like_amixer() {
        assert_eq!(value_of_percent(0, 100, 0, 50), Ok(50));
        assert_eq!(value_of_percent(0, 87, 0, 50), Ok(44), "43.5 rounds up");
        assert_eq!(value_of_percent(80_000, 120_000, 0, 25), Ok(90_000));
        assert_eq!(value_of_percent(-10, 10, 0, 0), Ok(-10));
        assert_eq!(value_of_percent(-10, 10, 0, 100), Ok(10));
        assert_eq!(value_of_percent(0, 100, 10, 47), Ok(50), "snapped to the step");
        assert_eq!(value_of_percent(0, 100, 10, 44), Ok(40));
        assert_eq!(value_of_percent(0, 95, 10, 100), Ok(90), "the last step in range");
        assert_eq!(value_of_percent(5, 5, 0, 70), Ok(5));
        assert_eq!(value_of_percent(0, 100, 0, 101), Err(Error::BadPercent(101)));
        assert_eq!(value_of_percent(i64::MIN, i64::MAX, 0, 100), Ok(i64::MAX));
        assert_eq!(percent_of_value(0, 87, 44), 51);
        assert_eq!(percent_of_value(0, 100, 200), 100);
        assert_eq!(percent_of_value(80_000, 120_000, 100_000), 50);
        assert_eq!(percent_of_value(3, 3, 3), 0);
    }

    proptest! {
        #[test]
        fn percent_round_trips(min in -1_000_000i64..1_000_000, span in 100i64..1_000_000, pct in 0u32..=100) {
            let v = value_of_percent(min, min + span, 0, pct).unwrap();
            prop_assert!((min..=min + span).contains(&v));
            prop_assert_eq!(percent_of_value(min, min + span, v), pct);
        }

        /// Down never gives more than asked, Up never less (unless clamped at an end), and
        /// Nearest is one of the two.
        #[test]
        fn rounding_brackets_the_gain(
            low in -10_000i32..0, step in 1u32..200, mute: bool, max in 1i64..300, target in -12_000i32..3000,
        ) {
            let tlv = bytes(&db_scale(low, step, mute));
            let gain = |v| db_of_value(&tlv, 0, max, v).unwrap().unwrap();
            let down = value_of_db(&tlv, 0, max, target, DbRounding::Down).unwrap().unwrap();
            let up = value_of_db(&tlv, 0, max, target, DbRounding::Up).unwrap().unwrap();
            let near = value_of_db(&tlv, 0, max, target, DbRounding::Nearest).unwrap().unwrap();
            prop_assert!(gain(down) <= target || down == 0);
            prop_assert!(down == max || gain(down + 1) > target);
            prop_assert!(gain(up) >= target || up == max);
            prop_assert!(up == 0 || gain(up - 1) < target);
            prop_assert!(near == down || near == up);
            // Every value's own gain (mute included) maps back to it.
            for v in 0..=max {
                prop_assert_eq!(value_of_db(&tlv, 0, max, gain(v), DbRounding::Down).unwrap(), Some(v));
            }
        }
    }
}

#[test]
fn the_step_check_spans_all_of_i64() {
    use crate::mixer::{Access, ElemId, ElemInfo, Interface, Limits, Values};
    use crate::types::ElemType;
    let info = ElemInfo {
        id: ElemId {
            numid: 1,
            iface: Interface::Mixer,
            device: 0,
            subdevice: 0,
            name: heapless::String::new(),
            index: 0,
        },
        kind: ElemType::Integer64,
        access: Access(SNDRV_CTL_ELEM_ACCESS_READ | SNDRV_CTL_ELEM_ACCESS_WRITE),
        count: 1,
        limits: Limits::Integer {
            min: i64::MIN,
            max: i64::MAX,
            step: 3,
        },
    };
    let mut values = Values::new(&info);
    // 1 - i64::MIN = 2^63 + 1, a multiple of 3 (a wrapped subtraction says it is not).
    assert_eq!(values.set_integer(0, 1), Ok(()));
    assert_eq!(values.integer(0), Ok(1));
    assert!(values.set_integer(0, 2).is_err());
}

/// Control ids in text, as amixer takes and prints them.
mod selector {
    use std::string::ToString;

    use crate::mixer::{ElemId, ElemSelector, Interface};
    use crate::Error;

    fn id(numid: u32, iface: Interface, name: &str, index: u32, device: u32, subdevice: u32) -> ElemId {
        ElemId {
            numid,
            iface,
            device,
            subdevice,
            name: heapless::String::try_from(name).unwrap(),
            index,
        }
    }

    #[test]
    fn name_and_index_like_amixer() {
        let master0 = id(5, Interface::Mixer, "Master Playback Volume", 0, 0, 0);
        let master10 = id(40, Interface::Mixer, "Master Playback Volume", 10, 0, 0);
        for text in [
            "Master Playback Volume,index=10",
            "'Master Playback Volume',10",
            "Master Playback Volume,10",
            "name='Master Playback Volume',index=10",
            "iface=MIXER,name=\"Master Playback Volume\",index=10",
            " NAME=Master Playback Volume,Index=10",
            "numid=40",
        ] {
            let s = ElemSelector::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(s.matches(&master10), "{text}: {s:?}");
            assert!(!s.matches(&master0), "{text}");
        }
        let plain = ElemSelector::parse("Master Playback Volume").unwrap();
        assert!(plain.matches(&master0) && !plain.matches(&master10));
        // A name with a comma needs quotes.
        let s = ElemSelector::parse("'Mic, Rear Boost',index=1").unwrap();
        assert_eq!(s.name.as_deref(), Some("Mic, Rear Boost"));
        assert_eq!(s.index, 1);
    }

    #[test]
    fn device_subdevice_and_interface_narrow_the_match() {
        // snd-aloop: one name, told apart by device and subdevice.
        let a = id(1, Interface::Pcm, "PCM Notify", 0, 1, 7);
        let b = id(2, Interface::Pcm, "PCM Notify", 0, 0, 0);
        let s = ElemSelector::parse("iface=PCM,name='PCM Notify',device=1,subdevice=7").unwrap();
        assert!(s.matches(&a) && !s.matches(&b));
        let s = ElemSelector::parse("iface=MIXER,name='PCM Notify'").unwrap();
        assert!(!s.matches(&b), "another interface");
        let s = ElemSelector::parse("PCM Notify").unwrap();
        assert!(s.matches(&a) && s.matches(&b), "unspecified fields match any");
    }

    #[test]
    fn the_listed_form_parses_back() {
        let e = id(40, Interface::Pcm, "IEC958 Playback Default", 10, 1, 2);
        let text = e.to_string();
        assert_eq!(
            text,
            "numid=40,iface=PCM,name='IEC958 Playback Default',index=10,device=1,subdevice=2"
        );
        assert!(ElemSelector::parse(&text).unwrap().matches(&e));
        let s = ElemSelector::parse("iface=PCM,name='IEC958 Playback Default',index=10,device=1,subdevice=2")
            .unwrap();
        assert!(s.matches(&ElemId {
            numid: 0,
            ..e.clone()
        }));
        assert_eq!(ElemSelector::parse(&s.to_string()), Ok(s));
        assert_eq!(
            id(3, Interface::Mixer, "Master Playback Switch", 0, 0, 0).to_string(),
            "numid=3,iface=MIXER,name='Master Playback Switch'"
        );
    }

    #[test]
    fn bad_ids_are_errors() {
        for text in [
            "",
            "   ",
            "numid=0",
            "numid=x",
            "Master,index=x",
            "Master,index=-1",
            "Master,ten",
            "'Master",
            "'Master' Volume",
            "iface=SPEAKER,name=Master",
            "index=3",
            "Master,,index=1",
            "name=",
            "this name is far too long for an element id, at over 44 bytes",
        ] {
            assert_eq!(ElemSelector::parse(text), Err(Error::BadControlId), "{text:?}");
        }
    }
}
