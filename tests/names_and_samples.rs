//! Device names, formats and the sample types.

use std::mem::size_of;

use alsa_direct::{Card, DeviceName, Error, Format, Iec958Subframe, Packed24Be, Packed24Le, Sample, Swapped};
use proptest::prelude::*;

#[path = "../src/test_support.rs"]
mod test_support;
use test_support::cases;

fn id(s: &str) -> Card {
    Card::Id(heapless::String::try_from(s).unwrap())
}

fn name(card: Card, device: u32, subdevice: Option<u32>) -> DeviceName {
    DeviceName {
        card,
        device,
        subdevice,
    }
}

// Device names.

#[test]
fn parses_hw_names() {
    let cases = [
        ("hw:0,0", name(Card::Index(0), 0, None)),
        ("hw:1", name(Card::Index(1), 0, None)),
        ("hw:2,3", name(Card::Index(2), 3, None)),
        ("hw:0,0,0", name(Card::Index(0), 0, Some(0))),
        ("hw:007,010", name(Card::Index(7), 10, None)),
        (
            "hw:999999999,999999999,999999999",
            name(Card::Index(999_999_999), 999_999_999, Some(999_999_999)),
        ),
        ("hw:Loopback", name(id("Loopback"), 0, None)),
        ("hw:Loopback,1,0", name(id("Loopback"), 1, Some(0))),
        (
            "hw:CARD=Loopback,DEV=1,SUBDEV=2",
            name(id("Loopback"), 1, Some(2)),
        ),
        ("hw:card=Loopback,dev=1", name(id("Loopback"), 1, None)),
        ("hw:CARD=0,DEV=1", name(Card::Index(0), 1, None)),
        ("hw:CARD=PCH,1", name(id("PCH"), 1, None)),
        ("hw:sof-hda_dsp,0", name(id("sof-hda_dsp"), 0, None)),
        // 15 bytes: the longest id the kernel's 16-byte field holds.
        ("hw:ABCDEFGHIJKLMNO,2", name(id("ABCDEFGHIJKLMNO"), 2, None)),
    ];
    for (text, expected) in cases {
        assert_eq!(DeviceName::parse(text), Ok(expected.clone()), "{text}");
        assert_eq!(text.parse::<DeviceName>(), Ok(expected), "{text}");
    }
    assert_eq!(DeviceName::parse("hw:0,0"), Ok(DeviceName::hw(0, 0)));
}

#[test]
fn refuses_plugin_names() {
    for text in [
        "plughw:0,0",
        "plughw:Loopback,1",
        "default",
        "sysdefault",
        "pulse",
        "dmix",
        "dmix:CARD=0",
        "default:CARD=PCH",
        "hw",
        "HW:0,0",
    ] {
        assert_eq!(DeviceName::parse(text), Err(Error::PluginDevice), "{text}");
    }
}

#[test]
fn refuses_bad_names() {
    let too_long = format!("hw:{}", "A".repeat(16));
    let much_too_long = format!("hw:{},0", "Loopback".repeat(8));
    for text in [
        "",
        "hw:",
        "hw:,",
        "hw:,0",
        "hw:0,",
        "hw:0,,0",
        "hw:0,x",
        "hw:0,0,x",
        "hw:0,-1",
        "hw:0,0,0,0",
        "hw:0,0,",
        "hw:1234567890",
        "hw:0,1234567890",
        "hw:0,4294967296",
        "hw:0,0,4294967296",
        "hw:+1",
        "hw: 0",
        "hw:0 ,0",
        "hw:Loop back",
        "hw:Loopbäck",
        "hw:DEV=1",
        "hw:CARD=",
        "hw:CARD=0,SUBDEV=1",
        "hw:0,DEV=",
        "hw:0,0,DEV=1",
        "hw:=0",
        "hw:0,1=1",
        "hw:0.0",
        "hw:0;0",
        too_long.as_str(),
        much_too_long.as_str(),
    ] {
        assert_eq!(DeviceName::parse(text), Err(Error::BadDeviceName), "{text:?}");
    }
    // A node path is told apart: it points to `PcmDevice::open_path`.
    for path in ["/dev/snd/pcmC0D0p", "/dev/snd/controlC0"] {
        assert_eq!(DeviceName::parse(path), Err(Error::NodePath), "{path:?}");
    }
}

/// `hw:-1` is not a negative card number, but it is a well-formed card id: the kernel accepts
/// `-` and `_` in ids written to `/sys/class/sound/cardN/id`, and alsa-lib also looks `-1` up as
/// an id. So it parses, and `card_index` then reports `UnknownCard` when no card has it.
#[test]
fn minus_one_is_a_card_id() {
    assert_eq!(DeviceName::parse("hw:-1"), Ok(name(id("-1"), 0, None)));
    assert_eq!(DeviceName::parse("hw:-1,0"), Ok(name(id("-1"), 0, None)));
    // A device or subdevice number has no such reading.
    assert_eq!(DeviceName::parse("hw:0,-1"), Err(Error::BadDeviceName));
    assert_eq!(DeviceName::parse("hw:0,0,-1"), Err(Error::BadDeviceName));
}

fn format_name(n: &DeviceName, keys: bool) -> String {
    let card = match &n.card {
        Card::Index(i) => i.to_string(),
        Card::Id(id) => id.to_string(),
    };
    let (c, d, s) = if keys {
        ("CARD=", "DEV=", "SUBDEV=")
    } else {
        ("", "", "")
    };
    let mut text = format!("hw:{c}{card},{d}{}", n.device);
    if let Some(sub) = n.subdevice {
        text += &format!(",{s}{sub}");
    }
    text
}

fn valid_name() -> impl Strategy<Value = DeviceName> {
    let number = prop_oneof![0..=40u32, 0..=999_999_999u32];
    let card = prop_oneof![
        number.clone().prop_map(Card::Index),
        "[A-Za-z_-][A-Za-z0-9_-]{0,14}".prop_map(|s| id(&s)),
    ];
    (card, number.clone(), prop::option::of(number)).prop_map(|(card, device, subdevice)| DeviceName {
        card,
        device,
        subdevice,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1024, 64)))]

    #[test]
    fn parse_never_panics(text in prop_oneof![
        any::<String>(),
        "(hw|plughw|HW|)(:)?[0-9A-Za-z,=_ -]{0,40}",
        "hw:(CARD=|card=|DEV=)?[0-9A-Za-zé]{0,20}(,(DEV=|SUBDEV=)?[-+0-9x]{0,12}){0,4}",
    ]) {
        match DeviceName::parse(&text) {
            Ok(n) => {
                prop_assert!(text.starts_with("hw:"));
                if let Card::Id(id) = &n.card {
                    prop_assert!(!id.is_empty() && id.len() < 16);
                    prop_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
                    prop_assert!(!id.bytes().all(|b| b.is_ascii_digit()));
                }
            }
            Err(Error::NodePath) => prop_assert!(text.starts_with("/dev/")),
            Err(e) => prop_assert!(e == Error::BadDeviceName || e == Error::PluginDevice, "{:?}", e),
        }
    }

    #[test]
    fn formatted_names_round_trip(n in valid_name(), keys in any::<bool>()) {
        let text = format_name(&n, keys);
        prop_assert_eq!(DeviceName::parse(&text), Ok(n.clone()), "{}", text);
        if n.subdevice.is_none() && n.device == 0 {
            // `hw:CARD` alone means device 0.
            let short = text.split(',').next().unwrap();
            prop_assert_eq!(DeviceName::parse(short), Ok(n), "{}", short);
        }
    }
}

// Formats.

#[test]
fn format_raw_numbers_round_trip() {
    for f in Format::ALL {
        assert_eq!(Format::from_raw(f.to_raw()), Some(f), "{f:?}");
    }
    // The kernel's numbers (include/uapi/sound/asound.h).
    let raw: Vec<u32> = Format::ALL.iter().map(|f| f.to_raw()).collect();
    assert_eq!(raw, [0, 1, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 32, 33]);
    for unknown in [4, 5, 8, 9, 12, 13, 16, 17, 20, 31, 34, 49, 52, 255, 256, u32::MAX] {
        assert_eq!(Format::from_raw(unknown), None, "{unknown}");
    }
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(Format::from_name(f.name()), Some(f), "{f:?}");
        assert_eq!(
            Format::from_name(&f.name().to_ascii_lowercase()),
            Some(f),
            "{f:?}"
        );
        assert_eq!(f.to_string(), f.name());
    }
    assert_eq!(Format::from_name("S16"), Some(Format::S16));
    assert_eq!(Format::from_name("s24"), Some(Format::S24));
    assert_eq!(Format::from_name("S32"), Some(Format::S32));
    assert_eq!(Format::from_name("FLOAT"), Some(Format::FLOAT));
    assert_eq!(
        Format::from_name("iec958_subframe"),
        Some(Format::IEC958_SUBFRAME)
    );
    for bad in ["", "S16LE", "S24_3", "U16_LE", "FLOAT64_LE", " S16_LE"] {
        assert_eq!(Format::from_name(bad), None, "{bad:?}");
    }
}

#[test]
fn format_sizes_and_native_aliases() {
    let bytes: Vec<usize> = Format::ALL.iter().map(|f| f.bytes()).collect();
    assert_eq!(bytes, [1, 1, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3]);
    if cfg!(target_endian = "little") {
        assert_eq!(
            [Format::S16, Format::S24, Format::S32, Format::FLOAT],
            [Format::S16Le, Format::S24Le, Format::S32Le, Format::FloatLe]
        );
    } else {
        assert_eq!(
            [Format::S16, Format::S24, Format::S32, Format::FLOAT],
            [Format::S16Be, Format::S24Be, Format::S32Be, Format::FloatBe]
        );
    }
}

/// `Format::sample_type` names the type whose `Sample::FORMATS` holds the format, and that
/// type is as large as one sample.
#[test]
fn sample_types_cover_every_format_once() {
    fn check<T: Sample>(type_name: &str, seen: &mut Vec<Format>) {
        assert!(!T::FORMATS.is_empty(), "{type_name}");
        for f in T::FORMATS {
            assert_eq!(f.sample_type(), type_name, "{f:?}");
            assert_eq!(size_of::<T>(), f.bytes(), "{f:?}");
            assert!(!seen.contains(f), "{f:?} held by two types");
            seen.push(*f);
        }
    }
    let mut seen = Vec::new();
    check::<u8>("u8", &mut seen);
    check::<i8>("i8", &mut seen);
    check::<i16>("i16", &mut seen);
    check::<i32>("i32", &mut seen);
    check::<f32>("f32", &mut seen);
    check::<Swapped<i16>>("Swapped<i16>", &mut seen);
    check::<Swapped<i32>>("Swapped<i32>", &mut seen);
    check::<Swapped<f32>>("Swapped<f32>", &mut seen);
    check::<Packed24Le>("Packed24Le", &mut seen);
    check::<Packed24Be>("Packed24Be", &mut seen);
    check::<Iec958Subframe>("Iec958Subframe", &mut seen);
    check::<Swapped<Iec958Subframe>>("Swapped<Iec958Subframe>", &mut seen);
    seen.sort_by_key(|f| f.to_raw());
    assert_eq!(seen, Format::ALL);
}

// Sample types.

#[test]
fn native_sample_formats_and_silence() {
    assert!(<i32 as Sample>::FORMATS.contains(&Format::S32));
    assert!(<i32 as Sample>::FORMATS.contains(&Format::S24));
    assert_eq!(<i16 as Sample>::FORMATS, [Format::S16]);
    assert_eq!(<f32 as Sample>::FORMATS, [Format::FLOAT]);
    assert_eq!(<u8 as Sample>::SILENCE, 0x80);
    assert_eq!(<u8 as Sample>::FORMATS, [Format::U8]);
    assert_eq!(<i8 as Sample>::SILENCE, 0);
    assert_eq!(<i16 as Sample>::SILENCE, 0);
    assert_eq!(<i32 as Sample>::SILENCE, 0);
    assert_eq!(<f32 as Sample>::SILENCE, 0.0);
    assert_eq!(<Swapped<i16> as Sample>::SILENCE.get(), 0);
    assert_eq!(<Swapped<i32> as Sample>::SILENCE.get(), 0);
    assert_eq!(<Swapped<f32> as Sample>::SILENCE.get(), 0.0);
    assert_eq!(<Packed24Le as Sample>::SILENCE.get(), 0);
    assert_eq!(<Packed24Be as Sample>::SILENCE.get(), 0);
    let foreign = |le, be| if cfg!(target_endian = "little") { be } else { le };
    assert_eq!(
        <Swapped<i16> as Sample>::FORMATS,
        [foreign(Format::S16Le, Format::S16Be)]
    );
    assert!(<Swapped<i32> as Sample>::FORMATS.contains(&foreign(Format::S32Le, Format::S32Be)));
    assert!(<Swapped<i32> as Sample>::FORMATS.contains(&foreign(Format::S24Le, Format::S24Be)));
    assert_eq!(
        <Swapped<f32> as Sample>::FORMATS,
        [foreign(Format::FloatLe, Format::FloatBe)]
    );
}

/// The bytes of a sample as they sit in DMA memory (N must be its size).
fn bytes_of<T: Sample, const N: usize>(x: T) -> [u8; N] {
    alsa_direct::sample::as_bytes(&[x])
        .try_into()
        .expect("N is the sample's size")
}

/// The bytes of `value` in the byte order opposite to the target's.
macro_rules! foreign_bytes {
    ($v:expr) => {
        if cfg!(target_endian = "little") {
            $v.to_be_bytes()
        } else {
            $v.to_le_bytes()
        }
    };
}

#[test]
fn swapped_i16_every_value() {
    for x in i16::MIN..=i16::MAX {
        let s = Swapped::<i16>::new(x);
        assert_eq!(s.get(), x);
        assert_eq!(bytes_of::<_, 2>(s), foreign_bytes!(x));
    }
    // S16_BE on a little-endian target (or S16_LE on a big-endian one).
    assert_eq!(
        bytes_of::<_, 2>(Swapped::<i16>::new(0x1234)),
        foreign_bytes!(0x1234i16)
    );
}

#[test]
fn packed24_extremes() {
    for (v, le) in [
        (0, [0, 0, 0]),
        (1, [1, 0, 0]),
        (-1, [0xff, 0xff, 0xff]),
        (0x12_3456, [0x56, 0x34, 0x12]),
        (0x7f_ffff, [0xff, 0xff, 0x7f]),
        (-0x80_0000, [0, 0, 0x80]),
    ] {
        assert_eq!(Packed24Le::new(v).0, le, "{v:#x}");
        assert_eq!(Packed24Le::new(v).get(), v, "{v:#x}");
        let be = [le[2], le[1], le[0]];
        assert_eq!(Packed24Be::new(v).0, be, "{v:#x}");
        assert_eq!(Packed24Be::new(v).get(), v, "{v:#x}");
    }
    // Bits above the low 24 are dropped, and the result sign-extended from bit 23.
    assert_eq!(Packed24Le::new(0x80_0000).get(), -0x80_0000);
    assert_eq!(Packed24Be::new(0x80_0000).get(), -0x80_0000);
    assert_eq!(Packed24Le::new(i32::MAX).get(), -1);
    assert_eq!(Packed24Be::new(i32::MIN).get(), 0);
}

const I24_MIN: i32 = -(1 << 23);
const I24_MAX: i32 = (1 << 23) - 1;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1024, 64)))]

    #[test]
    fn swapped_round_trips(x16 in any::<i16>(), x32 in any::<i32>(), bits in any::<u32>()) {
        prop_assert_eq!(Swapped::<i16>::new(x16).get(), x16);
        prop_assert_eq!(Swapped::<i32>::new(x32).get(), x32);
        prop_assert_eq!(bytes_of::<_, 4>(Swapped::<i32>::new(x32)), foreign_bytes!(x32));
        // Floats by bit pattern, NaN payloads included.
        let f = f32::from_bits(bits);
        prop_assert_eq!(Swapped::<f32>::new(f).get().to_bits(), bits);
        prop_assert_eq!(bytes_of::<_, 4>(Swapped::<f32>::new(f)), foreign_bytes!(bits));
    }

    #[test]
    fn packed24_round_trips(v in prop_oneof![
        I24_MIN..=I24_MAX,
        (0..=8i32).prop_map(|d| I24_MAX - d),
        (0..=8i32).prop_map(|d| I24_MIN + d),
        -8..=8i32,
    ]) {
        let le = Packed24Le::new(v);
        prop_assert_eq!(le.get(), v);
        prop_assert_eq!(le.0, [v.to_le_bytes()[0], v.to_le_bytes()[1], v.to_le_bytes()[2]]);
        prop_assert_eq!(bytes_of::<_, 3>(le), le.0);
        let be = Packed24Be::new(v);
        prop_assert_eq!(be.get(), v);
        prop_assert_eq!(be.0, [v.to_be_bytes()[1], v.to_be_bytes()[2], v.to_be_bytes()[3]]);
        prop_assert_eq!(bytes_of::<_, 3>(be), be.0);
    }

    #[test]
    fn packed24_keeps_the_low_24_bits(v in any::<i32>(), bytes in any::<[u8; 3]>()) {
        let low = (v << 8) >> 8;
        prop_assert_eq!(Packed24Le::new(v).get(), low);
        prop_assert_eq!(Packed24Be::new(v).get(), low);
        // Every 3-byte pattern reads as a 24-bit value that packs back to the same bytes.
        let x = Packed24Le(bytes).get();
        prop_assert!((I24_MIN..=I24_MAX).contains(&x));
        prop_assert_eq!(Packed24Le::new(x).0, bytes);
        let x = Packed24Be(bytes).get();
        prop_assert!((I24_MIN..=I24_MAX).contains(&x));
        prop_assert_eq!(Packed24Be::new(x).0, bytes);
    }
}
