//! The channel map TLV parser on hand-built data shaped like the kernel's
//! `pcm_chmap_ctl_tlv` output: a `CONTAINER` of `CHMAP_FIXED`/`VAR`/`PAIRED` items, each a
//! list of `SNDRV_CHMAP_*` positions.

use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use crate::abi::*;
use crate::chmap::{parse_chmaps, Chmap, ChmapKind, Position, MAX_CHANNELS};
use crate::Error;
use proptest::prelude::*;

fn item(kind: u32, payload: &[u32]) -> Vec<u32> {
    let mut v = vec![kind, (payload.len() * 4) as u32];
    v.extend_from_slice(payload);
    v
}

fn container(items: &[Vec<u32>]) -> Vec<u32> {
    item(SNDRV_CTL_TLVT_CONTAINER, &items.concat())
}

fn maps(tlv: &[u32]) -> Vec<Result<(ChmapKind, Vec<u32>), Error>> {
    parse_chmaps(tlv)
        .map(|m| m.map(|m| (m.kind, m.positions().iter().map(|p| p.0).collect())))
        .collect()
}

const FL: u32 = SNDRV_CHMAP_FL;
const FR: u32 = SNDRV_CHMAP_FR;
const FC: u32 = SNDRV_CHMAP_FC;
const LFE: u32 = SNDRV_CHMAP_LFE;
const RL: u32 = SNDRV_CHMAP_RL;
const RR: u32 = SNDRV_CHMAP_RR;
const SL: u32 = SNDRV_CHMAP_SL;
const SR: u32 = SNDRV_CHMAP_SR;

#[test]
fn the_kernels_standard_maps() {
    // `snd_pcm_std_chmaps` (what HDA analog outputs offer), as the kernel's TLV callback
    // lays them out.
    let std_maps: [&[u32]; 5] = [
        &[SNDRV_CHMAP_MONO],
        &[FL, FR],
        &[FL, FR, RL, RR],
        &[FL, FR, RL, RR, FC, LFE],
        &[FL, FR, RL, RR, FC, LFE, SL, SR],
    ];
    let items: Vec<Vec<u32>> = std_maps
        .iter()
        .map(|m| item(SNDRV_CTL_TLVT_CHMAP_FIXED, m))
        .collect();
    let tlv = container(&items);
    let parsed = maps(&tlv);
    assert_eq!(parsed.len(), 5);
    for (got, want) in parsed.iter().zip(std_maps) {
        assert_eq!(got, &Ok((ChmapKind::Fixed, want.to_vec())));
    }
    let printed: Vec<String> = parse_chmaps(&tlv).map(|m| m.unwrap().to_string()).collect();
    assert_eq!(
        printed,
        [
            "MONO",
            "FL FR",
            "FL FR RL RR",
            "FL FR RL RR FC LFE",
            "FL FR RL RR FC LFE SL SR"
        ]
    );
}

#[test]
fn variable_and_paired_maps_and_other_items() {
    let tlv = container(&[
        item(SNDRV_CTL_TLVT_CHMAP_VAR, &[FL, FR, FC]),
        item(SNDRV_CTL_TLVT_DB_SCALE, &[0, 0]),
        item(SNDRV_CTL_TLVT_CHMAP_PAIRED, &[FL, FR, RL, RR]),
    ]);
    assert_eq!(
        maps(&tlv),
        [
            Ok((ChmapKind::Variable, vec![FL, FR, FC])),
            Ok((ChmapKind::Paired, vec![FL, FR, RL, RR]))
        ]
    );
    let printed: Vec<String> = parse_chmaps(&tlv).map(|m| m.unwrap().to_string()).collect();
    assert_eq!(printed, ["var: FL FR FC", "paired: FL FR RL RR"]);
    // One item without a container.
    assert_eq!(
        maps(&item(SNDRV_CTL_TLVT_CHMAP_FIXED, &[FL, FR])),
        [Ok((ChmapKind::Fixed, vec![FL, FR]))]
    );
    // An empty container, and no data at all.
    assert!(maps(&container(&[])).is_empty());
    assert!(maps(&[]).is_empty());
}

#[test]
fn truncated_data_is_an_error_not_a_panic() {
    let good = container(&[item(SNDRV_CTL_TLVT_CHMAP_FIXED, &[FL, FR])]);
    for cut in 1..good.len() {
        let parsed = maps(&good[..cut]);
        assert!(
            parsed.iter().any(|m| m.is_err()) || parsed.is_empty(),
            "cut at {cut}: {parsed:?}"
        );
    }
    // An item claiming more than is there, inside a correct container.
    let mut tlv = container(&[item(SNDRV_CTL_TLVT_CHMAP_FIXED, &[FL, FR])]);
    tlv[3] = 64;
    assert_eq!(maps(&tlv), [Err(Error::BadTlv)]);
    // A length that is not whole words counts whole channels only.
    let mut odd = item(SNDRV_CTL_TLVT_CHMAP_FIXED, &[FL, FR]);
    odd[1] = 7;
    assert_eq!(maps(&odd), [Ok((ChmapKind::Fixed, vec![FL]))]);
    // More channels than a Chmap holds.
    let wide = item(SNDRV_CTL_TLVT_CHMAP_FIXED, &[FL; MAX_CHANNELS + 1]);
    assert_eq!(maps(&wide), [Err(Error::BadTlv)]);
}

#[test]
fn positions_names_and_flags() {
    assert_eq!(Position(FL).name(), Some("FL"));
    assert_eq!(Position(SNDRV_CHMAP_LAST).name(), Some("BRC"));
    assert_eq!(Position(SNDRV_CHMAP_LAST + 1).name(), None);
    assert_eq!(Position::from_name("lfe"), Some(Position::LFE));
    assert_eq!(Position::from_name("XX"), None);
    let inverted = Position(FR | SNDRV_CHMAP_PHASE_INVERSE);
    assert!(inverted.phase_inverse() && !inverted.driver_specific());
    assert_eq!(inverted.position(), FR);
    assert_eq!(inverted.to_string(), "FR[INV]");
    let driver = Position(5 | SNDRV_CHMAP_DRIVER_SPEC);
    assert!(driver.driver_specific());
    assert_eq!(driver.name(), None);
    assert_eq!(driver.to_string(), "5");
    let map = Chmap::parse("FL, fr  LFE").unwrap();
    assert_eq!(map.positions(), [Position::FL, Position::FR, Position::LFE]);
    assert_eq!(map.to_string(), "FL FR LFE");
    assert_eq!(Chmap::parse("FL XX"), None);
    assert_eq!(
        Chmap::new(&[Position::FL; MAX_CHANNELS]).unwrap().channels(),
        MAX_CHANNELS
    );
    assert!(Chmap::new(&[Position::FL; MAX_CHANNELS + 1]).is_err());
}

#[test]
fn text_form_is_alsa_libs_both_ways() {
    // snd_pcm_chmap_print: names, `[INV]` after a phase-inverted one, the number alone for a
    // driver-specific one, `Ch<n>` for a number without a name.
    let map = Chmap::new(&[
        Position::FL,
        Position(FR | SNDRV_CHMAP_PHASE_INVERSE),
        Position(5 | SNDRV_CHMAP_DRIVER_SPEC),
        Position(7 | SNDRV_CHMAP_DRIVER_SPEC | SNDRV_CHMAP_PHASE_INVERSE),
        Position(SNDRV_CHMAP_LAST + 3),
    ])
    .unwrap();
    let text = map.to_string();
    assert_eq!(text, "FL FR[INV] 5 7[INV] Ch39");
    assert_eq!(Chmap::parse(&text), Some(map));
    // snd_pcm_chmap_parse_string: any non-alphanumeric separators, names in any case,
    // `ch<n>`, numbers in C's bases.
    let parsed = Chmap::parse("fl,FR[INV];  ch3 0x10[INV]").unwrap();
    assert_eq!(
        parsed.positions(),
        [
            Position::FL,
            Position(FR | SNDRV_CHMAP_PHASE_INVERSE),
            Position(3),
            Position(0x10 | SNDRV_CHMAP_DRIVER_SPEC | SNDRV_CHMAP_PHASE_INVERSE),
        ]
    );
    assert_eq!(
        Position::parse("RR[INV]"),
        Some(Position(RR | SNDRV_CHMAP_PHASE_INVERSE))
    );
    assert_eq!(Position::parse("RR[INV"), None);
    assert_eq!(Position::parse("0x10000"), None, "too big for a position");
    assert_eq!(Position::parse(""), None);
    assert_eq!(Chmap::parse(""), None);
    assert_eq!(
        Chmap::parse("FL -FR"),
        Some(Chmap::new(&[Position::FL, Position::FR]).unwrap())
    );
    // Permutable maps print a prefix, which parses back too.
    let var = Chmap {
        kind: ChmapKind::Variable,
        ..Chmap::new(&[Position::FL, Position::FR]).unwrap()
    };
    assert_eq!(var.to_string(), "var: FL FR");
    assert_eq!(Chmap::parse("var: FL FR"), Some(var));
}

proptest! {
    /// Any map prints as text that parses back to it.
    #[test]
    fn any_map_round_trips(raw in prop::collection::vec(
        (0u32..=0xffff, any::<bool>(), any::<bool>()), 1..MAX_CHANNELS)) {
        let positions: Vec<Position> = raw
            .iter()
            .map(|&(p, inv, drv)| {
                Position(p
                    | if inv { SNDRV_CHMAP_PHASE_INVERSE } else { 0 }
                    | if drv { SNDRV_CHMAP_DRIVER_SPEC } else { 0 })
            })
            .collect();
        let map = Chmap::new(&positions).unwrap();
        prop_assert_eq!(Chmap::parse(&map.to_string()), Some(map));
    }

    /// Any words: the iterator ends, never panics, and yields at most one error, last.
    #[test]
    fn garbage_never_panics(words in prop::collection::vec(prop_oneof![
        0u32..8, Just(SNDRV_CTL_TLVT_CHMAP_FIXED), Just(SNDRV_CTL_TLVT_CHMAP_VAR), any::<u32>()
    ], 0..40)) {
        let parsed = maps(&words);
        prop_assert!(parsed.len() <= words.len());
        if let Some(i) = parsed.iter().position(|m| m.is_err()) {
            prop_assert_eq!(i, parsed.len() - 1);
        }
    }
}
