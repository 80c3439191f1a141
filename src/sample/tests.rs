//! `holds`, the byte views and full-scale conversion.

use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::test_support::cases;

#[test]
fn holds_needs_the_format_and_its_size() {
    assert!(holds::<i16>(Format::S16));
    assert!(holds::<i32>(Format::S32));
    assert!(holds::<i32>(Format::S24));
    assert!(holds::<Packed24Le>(Format::S24_3Le));
    assert!(holds::<Swapped<f32>>(foreign(Format::FloatLe, Format::FloatBe)));
    assert!(!holds::<i16>(Format::S32));
    assert!(!holds::<i32>(Format::S24_3Le), "S24_3 is 3 bytes, not an i32");
    assert!(!holds::<Packed24Le>(Format::S24_3Be));
    assert!(!holds::<i16>(foreign(Format::S16Le, Format::S16Be)));
    // Every format is held by exactly the types that list it.
    for format in Format::ALL {
        let holders = [
            holds::<u8>(format),
            holds::<i8>(format),
            holds::<i16>(format),
            holds::<i32>(format),
            holds::<f32>(format),
            holds::<Swapped<i16>>(format),
            holds::<Swapped<i32>>(format),
            holds::<Swapped<f32>>(format),
            holds::<Packed24Le>(format),
            holds::<Packed24Be>(format),
            holds::<Iec958Subframe>(format),
            holds::<Swapped<Iec958Subframe>>(format),
        ];
        assert_eq!(holders.iter().filter(|h| **h).count(), 1, "{format:?}");
    }
}

#[test]
fn byte_views_are_the_memory_in_order() {
    let samples = [0x0102i16, -2];
    let expected: Vec<u8> = samples.iter().flat_map(|s| s.to_ne_bytes()).collect();
    assert_eq!(as_bytes(&samples), expected);
    assert_eq!(as_bytes(&[Packed24Be::new(0x123456)]), [0x12, 0x34, 0x56]);
    assert_eq!(as_bytes::<i32>(&[]), [0u8; 0]);

    let mut out = [0i32; 2];
    as_bytes_mut(&mut out).copy_from_slice(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(out, [i32::from_le_bytes([1, 0, 0, 0]), -1]);
    let mut packed = [Packed24Le::default(); 2];
    assert_eq!(as_bytes_mut(&mut packed).len(), 6);
    as_bytes_mut(&mut packed)[3..].copy_from_slice(&[0xff, 0xff, 0x7f]);
    assert_eq!(packed[1].get(), 0x7f_ffff);
}

#[test]
fn from_f32_scales_rounds_and_saturates() {
    assert_eq!(i16::from_f32(1.0), i16::MAX);
    assert_eq!(i16::from_f32(-1.0), -i16::MAX);
    assert_eq!(i16::from_f32(0.5), 16_384, "16383.5 rounds away from zero");
    assert_eq!(i16::from_f32(-0.5), -16_384);
    assert_eq!(i16::from_f32(0.75 / 32_767.0), 1, "0.75 rounds up");
    assert_eq!(i16::from_f32(0.25 / 32_767.0), 0, "0.25 rounds down");
    assert_eq!(i16::from_f32(2.0), i16::MAX);
    assert_eq!(i16::from_f32(f32::NEG_INFINITY), -i16::MAX);
    assert_eq!(i16::from_f32(f32::NAN), 0);
    assert_eq!(u8::from_f32(0.0), 0x80);
    assert_eq!(u8::from_f32(1.0), 0xff);
    assert_eq!(u8::from_f32(-1.0), 0x01);
    assert_eq!(u8::from_f32(f32::NAN), 0x80);
    assert_eq!(i8::from_f32(-1.0), -i8::MAX);
    assert_eq!(i8::from_f32(1.0), i8::MAX);
    assert_eq!(i32::from_f32(1.0), i32::MAX);
    assert_eq!(i32::from_f32(-1.0), -i32::MAX);
    assert_eq!(i32::from_f32(0.25), 0x2000_0000);
    assert_eq!(Packed24Le::from_f32(1.0).get(), 0x7f_ffff);
    assert_eq!(Packed24Be::from_f32(-1.0).get(), -0x7f_ffff);
    assert_eq!(Packed24Le::from_f32(0.5).get(), 0x40_0000);
    assert_eq!(f32::from_f32(1.5), 1.5, "float samples are not clipped");
    assert_eq!(Swapped::<i16>::from_f32(1.0).get(), i16::MAX);
    assert_eq!(Swapped::<i32>::from_f32(-1.0).get(), -i32::MAX);
    assert_eq!(Swapped::<f32>::from_f32(0.25).get(), 0.25);
}

/// An integer [`FullScale`] type, as the rounding tests see it.
struct IntegerType {
    name: &'static str,
    /// Its largest value, what 1.0 gives.
    max: i32,
    /// `from_f32`, as the signed sample value (`u8` less its offset of 128).
    from_f32: fn(f32) -> i32,
}

/// Every integer [`FullScale`] type.
const INTEGER_TYPES: [IntegerType; 8] = [
    IntegerType {
        name: "u8",
        max: 127,
        from_f32: |x| i32::from(u8::from_f32(x)) - 128,
    },
    IntegerType {
        name: "i8",
        max: 127,
        from_f32: |x| i32::from(i8::from_f32(x)),
    },
    IntegerType {
        name: "i16",
        max: 32_767,
        from_f32: |x| i32::from(i16::from_f32(x)),
    },
    IntegerType {
        name: "Swapped<i16>",
        max: 32_767,
        from_f32: |x| i32::from(Swapped::<i16>::from_f32(x).get()),
    },
    IntegerType {
        name: "i32",
        max: i32::MAX,
        from_f32: i32::from_f32,
    },
    IntegerType {
        name: "Swapped<i32>",
        max: i32::MAX,
        from_f32: |x| Swapped::<i32>::from_f32(x).get(),
    },
    IntegerType {
        name: "Packed24Le",
        max: MAX_24,
        from_f32: |x| Packed24Le::from_f32(x).get(),
    },
    IntegerType {
        name: "Packed24Be",
        max: MAX_24,
        from_f32: |x| Packed24Be::from_f32(x).get(),
    },
];

/// Whether `got` is `x * max` rounded to the nearest, halves away from zero, within
/// `-max..=max`, NaN as 0: checked exactly, in integers (every `f32` of magnitude 2^-60 and
/// more is a whole multiple of 2^-84, and such a multiple times `max` fits an `i128`).
fn is_rounded_product(x: f32, max: i32, got: i32) -> bool {
    if x.is_nan() {
        return got == 0;
    }
    if x.abs() >= 1.0 {
        return got == if x > 0.0 { max } else { -max };
    }
    if x.abs() < 2f32.powi(-60) {
        // Under 2^-29 even for the largest `max`: far below half a step.
        return got == 0;
    }
    let scale = 2f64.powi(84);
    let exact = (f64::from(x) * scale) as i128 * i128::from(max);
    let got_scaled = i128::from(got) * (1 << 84);
    let twice_error = 2 * (exact - got_scaled).abs();
    twice_error < 1 << 84 || (twice_error == 1 << 84 && got_scaled.abs() > exact.abs())
}

/// `x` and the three `f32` values either side of it.
fn around(x: f32) -> impl Iterator<Item = f32> {
    (-3i32..=3).map(move |d| f32::from_bits(x.to_bits().wrapping_add_signed(d)))
}

/// Inputs where rounding goes wrong first: just under, at and just over the half steps (of
/// the smallest values, the middle and the largest), at and beyond ±1.0, the smallest
/// magnitudes, zeroes, infinities and NaNs.
fn edge_inputs(max: i32) -> Vec<f32> {
    let max = f64::from(max);
    let steps = [
        0.0,
        1.0,
        2.0,
        3.0,
        100.0,
        (max / 2.0).floor(),
        max - 2.0,
        max - 1.0,
    ];
    let mut inputs: Vec<f32> = steps
        .iter()
        .flat_map(|k| around(((k + 0.5) / max) as f32))
        .chain(around(1.0))
        .chain(around(0.5 + 2f32.powi(-24)))
        .chain([
            0.0,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            2.0,
            1e30,
            f32::MAX,
            f32::INFINITY,
        ])
        .collect();
    let negated: Vec<f32> = inputs.iter().map(|x| -x).collect();
    inputs.extend(negated);
    inputs.extend([
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7f80_0001),
        f32::from_bits(0xffc0_1234),
    ]);
    inputs
}

#[test]
fn from_f32_rounds_the_exact_product_at_the_edges() {
    for t in INTEGER_TYPES {
        for x in edge_inputs(t.max) {
            let got = (t.from_f32)(x);
            assert!(
                is_rounded_product(x, t.max, got),
                "{}::from_f32({x:e}) = {got}",
                t.name
            );
        }
    }
    // Each of these was rounded up a step by `+ 0.5` in floating point (`f32` for 8 and 16
    // bits, `f64` for 32): just under a half step, each rounds down.
    assert_eq!(
        i8::from_f32(f32::from_bits(998_310_404)),
        0,
        "{:e}",
        f32::from_bits(998_310_404)
    );
    assert_eq!(i16::from_f32(f32::from_bits(931_135_744)), 0);
    assert_eq!(u8::from_f32(f32::from_bits(998_310_404)), 0x80);
    assert_eq!(i32::from_f32(0.5 + 2f32.powi(-24)), 1_073_741_951);
    assert_eq!(i32::from_f32(-0.5 - 2f32.powi(-24)), -1_073_741_951);
    // Floats are not scaled: every value, NaN included, comes back bit for bit.
    for x in edge_inputs(1) {
        assert_eq!(f32::from_f32(x).to_bits(), x.to_bits());
        assert_eq!(Swapped::<f32>::from_f32(x).get().to_bits(), x.to_bits());
    }
}

#[test]
fn to_f32_of_the_largest_value() {
    // Just under 1.0 up to 24 bits: exactly 1 - 2^-(bits - 1).
    assert_eq!(0xffu8.to_f32(), 1.0 - 2f32.powi(-7));
    assert_eq!(i8::MAX.to_f32(), 1.0 - 2f32.powi(-7));
    assert_eq!(i16::MAX.to_f32(), 1.0 - 2f32.powi(-15));
    assert_eq!(Swapped::<i16>::new(i16::MAX).to_f32(), 1.0 - 2f32.powi(-15));
    assert_eq!(Packed24Le::new(MAX_24).to_f32(), 1.0 - 2f32.powi(-23));
    assert_eq!(Packed24Be::new(MAX_24).to_f32(), 1.0 - 2f32.powi(-23));
    // 32 bits round to the 24 an `f32` holds: the 64 largest values are 1.0.
    assert_eq!(i32::MAX.to_f32(), 1.0);
    assert_eq!(Swapped::<i32>::new(i32::MAX).to_f32(), 1.0);
    assert_eq!((i32::MAX - 63).to_f32(), 1.0);
    assert_eq!((i32::MAX - 64).to_f32(), 1.0 - 2f32.powi(-24));
}

#[test]
fn to_f32_is_the_fraction_of_full_scale() {
    assert_eq!(i16::MIN.to_f32(), -1.0);
    assert_eq!(16_384i16.to_f32(), 0.5);
    assert_eq!(0x80u8.to_f32(), 0.0);
    assert_eq!(0u8.to_f32(), -1.0);
    assert_eq!(i8::MIN.to_f32(), -1.0);
    assert_eq!(i32::MIN.to_f32(), -1.0);
    assert_eq!(Packed24Le::new(-0x80_0000).to_f32(), -1.0);
    assert_eq!(Packed24Be::new(0x40_0000).to_f32(), 0.5);
    assert_eq!(Swapped::<i16>::new(-16_384).to_f32(), -0.5);
}

#[test]
fn full_i32_puts_the_bits_at_the_top() {
    assert_eq!(0x80u8.to_full_i32(), 0);
    assert_eq!(0x00u8.to_full_i32(), i32::MIN);
    assert_eq!(0xc0u8.to_full_i32(), 0x4000_0000);
    assert_eq!((-2i8).to_full_i32(), -2 << 24);
    assert_eq!((-2i16).to_full_i32(), -2 << 16);
    assert_eq!(Packed24Le::new(-3).to_full_i32(), -3 << 8);
    assert_eq!(Packed24Be::new(0x7f_ffff).to_full_i32(), 0x7fff_ff00);
    assert_eq!(i32::MIN.to_full_i32(), i32::MIN);
    assert_eq!(0.5f32.to_full_i32(), 1 << 30);
    assert_eq!((-1.0f32).to_full_i32(), i32::MIN);
    assert_eq!(2.0f32.to_full_i32(), i32::MAX);
    assert_eq!(f32::NAN.to_full_i32(), 0);
    assert_eq!(i16::from_full_i32(i32::MAX), i16::MAX);
    assert_eq!(i16::from_full_i32(0x1234_5678), 0x1234);
    assert_eq!(u8::from_full_i32(i32::MIN), 0);
    assert_eq!(u8::from_full_i32(0), 0x80);
    assert_eq!(Packed24Le::from_full_i32(0x1234_5678).get(), 0x12_3456);
    assert_eq!(f32::from_full_i32(1 << 30), 0.5);
}

/// `to_full_i32` then `from_full_i32` gives the sample back, for every type.
fn full_round_trip<S: FullScale + PartialEq + core::fmt::Debug>(s: S) {
    assert_eq!(S::from_full_i32(s.to_full_i32()), s);
}

/// `from_f32(to_f32(s))` is `s` or a step away from it (`step`: one step as a full-scale
/// `i32`), and exactly `s` at silence and in the middle of the range.
fn f32_round_trip<S: FullScale + PartialEq + core::fmt::Debug>(s: S, step: i64) {
    let back = S::from_f32(s.to_f32());
    let moved = (i64::from(back.to_full_i32()) - i64::from(s.to_full_i32())).abs();
    assert!(moved <= step, "{s:?} -> {back:?}");
    if (s.to_full_i32() as i64).abs() < 1 << 29 {
        assert_eq!(back, s);
    }
}

#[test]
fn every_8_and_16_bit_value_round_trips() {
    for v in 0..=u8::MAX {
        full_round_trip(v);
        f32_round_trip(v, 1 << 24);
    }
    for v in i8::MIN..=i8::MAX {
        full_round_trip(v);
        f32_round_trip(v, 1 << 24);
    }
    for v in i16::MIN..=i16::MAX {
        full_round_trip(v);
        f32_round_trip(v, 1 << 16);
        f32_round_trip(Swapped::<i16>::new(v), 1 << 16);
        full_round_trip(Swapped::<i16>::new(v));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(4096, 256)))]

    #[test]
    fn from_f32_rounds_the_exact_product(bits in any::<u32>()) {
        let x = f32::from_bits(bits);
        for t in INTEGER_TYPES {
            let got = (t.from_f32)(x);
            prop_assert!(is_rounded_product(x, t.max, got), "{}::from_f32({:e}) = {}", t.name, x, got);
        }
    }

    #[test]
    fn from_f32_rounds_the_exact_product_near_full_scale(x in -1.0f32..=1.0) {
        for t in INTEGER_TYPES {
            let got = (t.from_f32)(x);
            prop_assert!(is_rounded_product(x, t.max, got), "{}::from_f32({:e}) = {}", t.name, x, got);
        }
    }

    #[test]
    fn to_f32_stays_within_full_scale(v in any::<i32>()) {
        for y in [v.to_f32(), Swapped::<i32>::new(v).to_f32(), Packed24Le::new(v).to_f32(), (v as i16).to_f32(), (v as i8).to_f32(), (v as u8).to_f32()] {
            prop_assert!((-1.0..=1.0).contains(&y), "{}", y);
        }
    }

    #[test]
    fn wide_values_round_trip(v in any::<i32>(), bits in any::<u32>()) {
        full_round_trip(v);
        full_round_trip(Swapped::<i32>::new(v));
        full_round_trip(Packed24Le::new(v));
        full_round_trip(Packed24Be::new(v));
        f32_round_trip(Packed24Le::new(v), 1 << 8);
        f32_round_trip(Packed24Be::new(v), 1 << 8);
        let x = f32::from_bits(bits);
        if x.is_finite() && x.abs() <= 1.0 {
            // `f32` keeps 24 bits: its full-scale i32 is the value to within 2^-24 of full scale.
            let back = f32::from_full_i32(x.to_full_i32());
            prop_assert!((back - x).abs() <= 1.0 / 16_777_216.0, "{x} -> {back}");
        }
    }

    #[test]
    fn from_f32_stays_within_full_scale(x in any::<f32>()) {
        prop_assert!(i16::from_f32(x) >= -i16::MAX);
        prop_assert!(i32::from_f32(x) >= -i32::MAX);
        let packed = Packed24Le::from_f32(x).get();
        prop_assert!(packed.abs() <= 0x7f_ffff);
        prop_assert!(u8::from_f32(x) >= 1);
        if x.is_finite() && x.abs() <= 1.0 {
            // Within half a step of the exact value.
            let exact = f64::from(x) * f64::from(i16::MAX);
            prop_assert!((f64::from(i16::from_f32(x)) - exact).abs() <= 0.5 + 1e-9);
            let exact = f64::from(x) * f64::from(0x7f_ffff);
            prop_assert!((f64::from(packed) - exact).abs() <= 0.5);
            let exact = f64::from(x) * f64::from(i32::MAX);
            prop_assert!((f64::from(i32::from_f32(x)) - exact).abs() <= 0.5);
        }
        if x.is_nan() {
            prop_assert_eq!(i16::from_f32(x), 0);
            prop_assert_eq!(u8::from_f32(x), 0x80);
        }
    }
}
