//! The TLV dB-range parser on hand-built TLV data: every dB item type, containers, ranges,
//! nesting, and truncated or garbage input (an error, never a panic).

use alsa_direct::abi::*;
use alsa_direct::mixer::{parse_db_range, DbRange};
use alsa_direct::Error;
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
