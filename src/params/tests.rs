//! `params::negotiate` and `Capabilities` against a pure model of a device that refines
//! `HwParams` the way the kernel's `HW_REFINE` does, for the parameters negotiation uses.

use std::borrow::ToOwned;
use std::string::ToString;
use std::vec::Vec;
use std::{format, vec};

use crate::abi;
use crate::params::{negotiate, HwParams, Refine, Request};
use crate::{Capabilities, Errno, Error, Format, Matching, Op, Param, ParamMatching, Range};
use proptest::prelude::*;

use crate::test_support::cases;

const EINVAL: Error = Error::Sys {
    op: Op::HwRefine,
    errno: Errno::INVAL,
};

/// The rates a device offers.
#[derive(Clone, Debug)]
enum Rates {
    /// Any rate in `min..=max`.
    Continuous(u32, u32),
    /// Only these (sorted, distinct), like a codec clocked for 44100 and 48000.
    Discrete(Vec<u32>),
}

impl Rates {
    /// The smallest interval holding the offered rates within `r`, like the kernel's
    /// `snd_interval_list`.
    fn narrow(&self, r: Range) -> Option<(u64, u64)> {
        match self {
            Rates::Continuous(lo, hi) => intersect(r, (*lo, *hi)),
            Rates::Discrete(list) => {
                let mut inside = list.iter().filter(|&&x| r.min <= x && x <= r.max);
                let first = *inside.next()?;
                let last = inside.next_back().copied().unwrap_or(first);
                Some((u64::from(first), u64::from(last)))
            }
        }
    }

    fn contains(&self, rate: u32) -> bool {
        match self {
            Rates::Continuous(lo, hi) => (*lo..=*hi).contains(&rate),
            Rates::Discrete(list) => list.contains(&rate),
        }
    }

    fn bounds(&self) -> (u32, u32) {
        match self {
            Rates::Continuous(lo, hi) => (*lo, *hi),
            Rates::Discrete(list) => (list[0], list[list.len() - 1]),
        }
    }

    /// The offered rate nearest to `wanted`, the lower one on a tie.
    fn nearest(&self, wanted: u32) -> u32 {
        match self {
            Rates::Continuous(lo, hi) => wanted.clamp(*lo, *hi),
            Rates::Discrete(list) => *list.iter().min_by_key(|&&r| (r.abs_diff(wanted), r)).unwrap(),
        }
    }
}

/// A device: what it offers, and a `refine` that narrows like `HW_REFINE`.
#[derive(Clone, Debug)]
struct Model {
    formats: Vec<Format>,
    mmap: bool,
    channels: (u32, u32),
    rates: Rates,
    period_size: (u32, u32),
    periods: (u32, u32),
    /// Largest `period_size * periods`.
    max_buffer: u32,
    /// Write intervals back with open bounds (`(min - 1, max + 1)`, same integers).
    open_bounds: bool,
    pause: bool,
    refines: usize,
}

fn intersect(r: Range, (lo, hi): (u32, u32)) -> Option<(u64, u64)> {
    let min = r.min.max(lo);
    let max = r.max.min(hi);
    (min <= max).then_some((u64::from(min), u64::from(max)))
}

fn mask_of(bits: impl IntoIterator<Item = u32>) -> [u32; 8] {
    let mut mask = [0u32; 8];
    for bit in bits {
        mask[(bit / 32) as usize] |= 1 << (bit % 32);
    }
    mask
}

fn and_mask(raw: &mut abi::SndPcmHwParams, index: usize, allowed: [u32; 8]) -> Option<()> {
    let bits = &mut raw.masks[index - abi::SNDRV_PCM_HW_PARAM_FIRST_MASK].bits;
    for (b, a) in bits.iter_mut().zip(allowed) {
        *b &= a;
    }
    bits.iter().any(|&b| b != 0).then_some(())
}

fn interval(raw: &mut abi::SndPcmHwParams, param: Param) -> &mut abi::SndInterval {
    &mut raw.intervals[param.index() - abi::SNDRV_PCM_HW_PARAM_FIRST_INTERVAL]
}

impl Model {
    /// A codec offering S16 and S32 (native), 1..=2 channels, 44100 and 48000 only, periods of
    /// 32..=4096 frames, 2..=16 periods, at most 16384 frames of buffer.
    fn codec() -> Self {
        Model {
            formats: vec![Format::S16, Format::S32],
            mmap: true,
            channels: (1, 2),
            rates: Rates::Discrete(vec![44100, 48000]),
            period_size: (32, 4096),
            periods: (2, 16),
            max_buffer: 16384,
            open_bounds: false,
            pause: true,
            refines: 0,
        }
    }

    fn feasible(&self) -> bool {
        u64::from(self.period_size.0) * u64::from(self.periods.0) <= u64::from(self.max_buffer)
    }

    /// Largest period size that still fits the buffer with the fewest periods.
    fn period_size_max(&self) -> u32 {
        self.period_size.1.min(self.max_buffer / self.periods.0)
    }

    /// Largest number of periods of `period_size` frames that fits the buffer.
    fn periods_max(&self, period_size: u32) -> u32 {
        self.periods.1.min(self.max_buffer / period_size)
    }

    fn try_refine(&self, params: &mut HwParams) -> Option<()> {
        let channels = intersect(params.range(Param::Channels)?, self.channels)?;
        let rate = self.rates.narrow(params.range(Param::Rate)?)?;
        let (mut ps, mut pe) = (
            intersect(params.range(Param::PeriodSize)?, self.period_size)?,
            intersect(params.range(Param::Periods)?, self.periods)?,
        );
        let mut buf = intersect(params.range(Param::BufferSize)?, (0, self.max_buffer))?;
        // buffer_size = period_size * periods, propagated to a fixed point like the kernel's
        // rules on the three intervals.
        loop {
            let before = (ps, pe, buf);
            buf = (buf.0.max(ps.0 * pe.0), buf.1.min(ps.1 * pe.1));
            if let Some(most) = buf.1.checked_div(pe.0) {
                ps.1 = ps.1.min(most);
            }
            if pe.1 > 0 {
                ps.0 = ps.0.max(buf.0.div_ceil(pe.1));
            }
            if let Some(most) = buf.1.checked_div(ps.0) {
                pe.1 = pe.1.min(most);
            }
            if ps.1 > 0 {
                pe.0 = pe.0.max(buf.0.div_ceil(ps.1));
            }
            if ps.0 > ps.1 || pe.0 > pe.1 || buf.0 > buf.1 {
                return None;
            }
            if (ps, pe, buf) == before {
                break;
            }
        }

        let open = self.open_bounds;
        let raw = params.raw_mut();
        let access = if self.mmap {
            abi::SNDRV_PCM_ACCESS_MMAP_INTERLEAVED
        } else {
            3 // SNDRV_PCM_ACCESS_RW_INTERLEAVED
        };
        and_mask(raw, abi::SNDRV_PCM_HW_PARAM_ACCESS, mask_of([access]))?;
        and_mask(
            raw,
            abi::SNDRV_PCM_HW_PARAM_FORMAT,
            mask_of(self.formats.iter().map(|f| f.to_raw())),
        )?;
        and_mask(
            raw,
            abi::SNDRV_PCM_HW_PARAM_SUBFORMAT,
            mask_of([abi::SNDRV_PCM_SUBFORMAT_STD]),
        )?;
        for (param, (min, max)) in [
            (Param::Channels, channels),
            (Param::Rate, rate),
            (Param::PeriodSize, ps),
            (Param::Periods, pe),
            (Param::BufferSize, buf),
        ] {
            let (min, max) = (min as u32, max as u32);
            *interval(raw, param) = if open && min > 0 && max < u32::MAX {
                abi::SndInterval {
                    min: min - 1,
                    max: max + 1,
                    flags: abi::INTERVAL_OPENMIN | abi::INTERVAL_OPENMAX | abi::INTERVAL_INTEGER,
                }
            } else {
                abi::SndInterval {
                    min,
                    max,
                    flags: abi::INTERVAL_INTEGER,
                }
            };
        }
        raw.info = if self.pause { abi::SNDRV_PCM_INFO_PAUSE } else { 0 };
        raw.rmask = 0;
        Some(())
    }
}

impl Refine for Model {
    fn refine(&mut self, params: &mut HwParams) -> crate::Result<()> {
        self.refines += 1;
        let mut trial = *params;
        self.try_refine(&mut trial).ok_or(EINVAL)?;
        *params = trial;
        Ok(())
    }
}

fn formats_allowed(hw: &HwParams) -> Vec<Format> {
    Format::ALL.into_iter().filter(|f| hw.allows_format(*f)).collect()
}

#[test]
fn exact_match_succeeds() {
    let mut dev = Model::codec();
    let (hw, got) = negotiate(
        &mut dev,
        &Request::new(Format::S16, 2, 48000, 256, 4, Matching::Exact),
    )
    .unwrap();
    assert_eq!(got.format, Format::S16);
    assert_eq!(
        (
            got.channels,
            got.rate,
            got.period_size,
            got.periods,
            got.buffer_size
        ),
        (2, 48000, 256, 4, 1024)
    );
    assert_eq!(hw.value(Param::Channels), Some(2));
    assert_eq!(hw.value(Param::Rate), Some(48000));
    assert_eq!(hw.value(Param::PeriodSize), Some(256));
    assert_eq!(hw.value(Param::Periods), Some(4));
    assert_eq!(hw.value(Param::BufferSize), Some(1024));
    assert!(hw.allows_mmap_interleaved());
    assert_eq!(formats_allowed(&hw), [Format::S16]);
}

#[test]
fn exact_match_with_open_bounds() {
    let mut dev = Model {
        open_bounds: true,
        ..Model::codec()
    };
    let (hw, got) = negotiate(
        &mut dev,
        &Request::new(Format::S32, 1, 44100, 4096, 4, Matching::Exact),
    )
    .unwrap();
    assert_eq!(
        (
            got.channels,
            got.rate,
            got.period_size,
            got.periods,
            got.buffer_size
        ),
        (1, 44100, 4096, 4, 16384)
    );
    assert_eq!(hw.value(Param::BufferSize), Some(16384));
}

#[test]
fn exact_fails_naming_the_param_and_the_offer() {
    let mut dev = Model::codec();
    let unsupported = |param, requested, min, max| Error::Unsupported {
        param,
        requested,
        min,
        max,
    };
    let cases = [
        (
            Request::new(Format::S16, 6, 48000, 256, 4, Matching::Exact),
            unsupported(Param::Channels, 6, 1, 2),
        ),
        (
            Request::new(Format::S16, 0, 48000, 256, 4, Matching::Exact),
            unsupported(Param::Channels, 0, 1, 2),
        ),
        (
            Request::new(Format::S16, 2, 44000, 256, 4, Matching::Exact),
            unsupported(Param::Rate, 44000, 44100, 48000),
        ),
        (
            Request::new(Format::S16, 2, 46000, 256, 4, Matching::Exact),
            unsupported(Param::Rate, 46000, 44100, 48000),
        ),
        (
            Request::new(Format::S16, 2, 96000, 256, 4, Matching::Exact),
            unsupported(Param::Rate, 96000, 44100, 48000),
        ),
        (
            Request::new(Format::S16, 2, 48000, 16, 4, Matching::Exact),
            unsupported(Param::PeriodSize, 16, 32, 4096),
        ),
        // 16384 / 2 periods at least = 8192 frames, but the driver caps periods at 4096.
        (
            Request::new(Format::S16, 2, 48000, 5000, 2, Matching::Exact),
            unsupported(Param::PeriodSize, 5000, 32, 4096),
        ),
        (
            Request::new(Format::S16, 2, 48000, 256, 1, Matching::Exact),
            unsupported(Param::Periods, 1, 2, 16),
        ),
        (
            Request::new(Format::S16, 2, 48000, 256, 17, Matching::Exact),
            unsupported(Param::Periods, 17, 2, 16),
        ),
        // 4096 * 8 > 16384: the periods left are 2..=4.
        (
            Request::new(Format::S16, 2, 48000, 4096, 8, Matching::Exact),
            unsupported(Param::Periods, 8, 2, 4),
        ),
    ];
    for (req, expected) in cases {
        assert_eq!(negotiate(&mut dev, &req).unwrap_err(), expected, "{req:?}");
    }
}

#[test]
fn nearest_rate_on_a_discrete_codec() {
    let mut dev = Model::codec();
    for (wanted, expected) in [
        (0, 44100),
        (8000, 44100),
        (44000, 44100),
        (44100, 44100),
        (46000, 44100),
        (46050, 44100), // a tie: the lower one
        (46051, 48000),
        (47000, 48000),
        (48000, 48000),
        (96000, 48000),
        (u32::MAX, 48000),
    ] {
        let (hw, got) = negotiate(
            &mut dev,
            &Request::new(Format::S16, 2, wanted, 256, 4, Matching::Nearest),
        )
        .unwrap();
        assert_eq!(got.rate, expected, "wanted {wanted}");
        assert_eq!(hw.value(Param::Rate), Some(expected));
    }
}

#[test]
fn nearest_tie_takes_the_lower_value() {
    let mut dev = Model {
        rates: Rates::Discrete(vec![8000, 16000, 32000]),
        ..Model::codec()
    };
    let rate = |dev: &mut Model, wanted| {
        negotiate(
            dev,
            &Request::new(Format::S16, 2, wanted, 256, 4, Matching::Nearest),
        )
        .unwrap()
        .1
        .rate
    };
    assert_eq!(rate(&mut dev, 12000), 8000);
    assert_eq!(rate(&mut dev, 24000), 16000);
    assert_eq!(rate(&mut dev, 24001), 32000);
}

#[test]
fn nearest_clamps_channels_period_and_periods() {
    let mut dev = Model::codec();
    let (_, got) = negotiate(
        &mut dev,
        &Request::new(Format::S16, 8, 48000, 10_000, 64, Matching::Nearest),
    )
    .unwrap();
    // Period capped by the driver at 4096, then periods by the 16384-frame buffer.
    assert_eq!(
        (
            got.channels,
            got.rate,
            got.period_size,
            got.periods,
            got.buffer_size
        ),
        (2, 48000, 4096, 4, 16384)
    );
    let (_, got) = negotiate(
        &mut dev,
        &Request::new(Format::S16, 0, 48000, 1, 0, Matching::Nearest),
    )
    .unwrap();
    assert_eq!(
        (got.channels, got.period_size, got.periods, got.buffer_size),
        (1, 32, 2, 64)
    );
}

/// A period larger than the buffer limit is an error in exact mode, a smaller period in
/// nearest mode, and never a panic or an overflow.
#[test]
fn period_beyond_the_buffer_limit() {
    let mut dev = Model {
        period_size: (1, u32::MAX),
        periods: (2, u32::MAX),
        max_buffer: 4096,
        ..Model::codec()
    };
    assert_eq!(
        negotiate(
            &mut dev,
            &Request::new(Format::S16, 2, 48000, 4096, 2, Matching::Exact)
        )
        .unwrap_err(),
        Error::Unsupported {
            param: Param::PeriodSize,
            requested: 4096,
            min: 1,
            max: 2048
        }
    );
    for (period_size, periods) in [(u32::MAX, u32::MAX), (1 << 31, 4), (4096, 2), (2048, u32::MAX)] {
        let exact = negotiate(
            &mut dev,
            &Request::new(Format::S16, 2, 48000, period_size, periods, Matching::Exact),
        );
        assert!(
            matches!(
                exact,
                Err(Error::Unsupported {
                    param: Param::PeriodSize | Param::Periods,
                    ..
                })
            ),
            "{exact:?}"
        );
        let (_, got) = negotiate(
            &mut dev,
            &Request::new(Format::S16, 2, 48000, period_size, periods, Matching::Nearest),
        )
        .unwrap();
        assert!(got.buffer_size <= 4096, "{got:?}");
        assert_eq!(got.buffer_size, got.period_size * got.periods);
    }
    // A device whose buffer cannot even hold a period of the size asked.
    let mut dev = Model {
        period_size: (1024, 8192),
        periods: (2, 4),
        max_buffer: 2048,
        ..Model::codec()
    };
    let err = negotiate(
        &mut dev,
        &Request::new(Format::S16, 2, 48000, 8192, 2, Matching::Exact),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::Unsupported {
            param: Param::PeriodSize,
            requested: 8192,
            min: 1024,
            max: 1024
        }
    );
    let (_, got) = negotiate(
        &mut dev,
        &Request::new(Format::S16, 2, 48000, 8192, 2, Matching::Nearest),
    )
    .unwrap();
    assert_eq!((got.period_size, got.periods, got.buffer_size), (1024, 2, 2048));
}

#[test]
fn unsupported_format() {
    let mut dev = Model::codec();
    for matching in [Matching::Exact, Matching::Nearest] {
        assert_eq!(
            negotiate(
                &mut dev,
                &Request::new(Format::S24_3Le, 2, 48000, 256, 4, matching)
            )
            .unwrap_err(),
            Error::UnsupportedFormat {
                format: Format::S24_3Le
            }
        );
    }
}

#[test]
fn no_mmap_access() {
    let mut dev = Model {
        mmap: false,
        ..Model::codec()
    };
    for matching in [Matching::Exact, Matching::Nearest] {
        assert_eq!(
            negotiate(&mut dev, &Request::new(Format::S16, 2, 48000, 256, 4, matching)).unwrap_err(),
            Error::NoMmapAccess
        );
    }
    assert_eq!(Capabilities::query(&mut dev).unwrap_err(), Error::NoMmapAccess);
}

/// A device whose ranges promise a value it then refuses on its own (the kernel's interval
/// rules are relaxations and can do that): nearest falls back to the other neighbour.
#[test]
fn nearest_falls_back_when_the_closest_is_refused() {
    struct Quirky(Model);
    impl Refine for Quirky {
        fn refine(&mut self, params: &mut HwParams) -> crate::Result<()> {
            if params.value(Param::Rate) == Some(44100) {
                return Err(EINVAL);
            }
            self.0.refine(params)
        }
    }
    let mut dev = Quirky(Model::codec());
    let req = Request::new(Format::S16, 2, 45000, 256, 4, Matching::Nearest);
    assert_eq!(negotiate(&mut dev, &req).unwrap().1.rate, 48000);
    let req = Request {
        matching: ParamMatching::all(Matching::Exact),
        ..req
    };
    assert_eq!(
        negotiate(&mut dev, &req).unwrap_err(),
        Error::Unsupported {
            param: Param::Rate,
            requested: 45000,
            min: 44100,
            max: 48000
        }
    );
}

/// A `Refine` (public: callers can write their own) that answers a range outside the one
/// asked: nearest negotiation measures distances either way instead of underflowing.
#[test]
fn nearest_survives_a_refine_answering_outside_the_range_asked() {
    struct Liar(Model);
    impl Refine for Liar {
        fn refine(&mut self, params: &mut HwParams) -> crate::Result<()> {
            // Asked "what is at or below `max`", it answers a range above `max`.
            match params.range(Param::Rate) {
                Some(asked) if asked.min == 0 && asked.max < u32::MAX => {
                    params.set_range(Param::Rate, asked.max + 1000, asked.max + 2000);
                    Ok(())
                }
                _ => self.0.refine(params),
            }
        }
    }
    let mut dev = Liar(Model::codec());
    for rate in [8_000, 45_000, 96_000] {
        let req = Request::new(Format::S16, 2, rate, 256, 4, Matching::Nearest);
        // No panic: the refused candidates end in an error naming the rate.
        let result = negotiate(&mut dev, &req);
        assert!(
            matches!(
                result,
                Err(Error::Unsupported {
                    param: Param::Rate,
                    ..
                }) | Ok(_)
            ),
            "{result:?}"
        );
    }
}

#[test]
fn capabilities_report_and_display() {
    let mut dev = Model {
        formats: vec![Format::S16Le, Format::S32Le, Format::S24_3Be],
        channels: (1, 8),
        rates: Rates::Continuous(8000, 192_000),
        ..Model::codec()
    };
    let caps = Capabilities::query(&mut dev).unwrap();
    assert_eq!(
        caps.formats().collect::<Vec<_>>(),
        [Format::S16Le, Format::S32Le, Format::S24_3Be]
    );
    assert!(caps.supports_format(Format::S16Le));
    assert!(!caps.supports_format(Format::FloatLe));
    assert_eq!(caps.range(Param::Channels), Some(Range { min: 1, max: 8 }));
    assert_eq!(
        caps.range(Param::Rate),
        Some(Range {
            min: 8000,
            max: 192_000
        })
    );
    assert_eq!(caps.range(Param::PeriodSize), Some(Range { min: 32, max: 4096 }));
    assert_eq!(caps.range(Param::Periods), Some(Range { min: 2, max: 16 }));
    assert_eq!(caps.range(Param::BufferSize), Some(Range { min: 64, max: 16384 }));
    assert!(caps.can_pause());

    let text = caps.to_string();
    assert!(text.contains("MMAP_INTERLEAVED"), "{text}");
    assert!(text.contains("formats: S16_LE S32_LE S24_3BE\n"), "{text}");
    assert!(!text.contains("FLOAT"), "{text}");
    for param in Param::ALL {
        assert!(text.contains(param.name()), "{} missing in\n{text}", param.name());
    }
    let line = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap()
            .to_owned()
    };
    assert!(
        line("rate:").contains("min=8000") && line("rate:").contains("max=192000"),
        "{text}"
    );
    assert!(
        line("channels:").contains("min=1") && line("channels:").contains("max=8"),
        "{text}"
    );
    assert!(
        line("periods:").contains("min=2") && line("periods:").contains("max=16"),
        "{text}"
    );

    // Open bounds read back as the same integers.
    let mut dev = Model {
        open_bounds: true,
        pause: false,
        ..dev
    };
    let caps = Capabilities::query(&mut dev).unwrap();
    assert_eq!(
        caps.range(Param::Rate),
        Some(Range {
            min: 8000,
            max: 192_000
        })
    );
    assert!(!caps.can_pause());
    assert!(caps.to_string().contains("min=8000"));
}

#[test]
fn hw_params_range_reads_interval_flags() {
    let set = |min, max, flags| {
        let mut hw = HwParams::any();
        hw.raw_mut().intervals[Param::Rate.index() - abi::SNDRV_PCM_HW_PARAM_FIRST_INTERVAL] =
            abi::SndInterval { min, max, flags };
        hw.range(Param::Rate)
    };
    let r = |min, max| Some(Range { min, max });
    assert_eq!(set(10, 20, 0), r(10, 20));
    assert_eq!(set(10, 20, abi::INTERVAL_OPENMIN), r(11, 20));
    assert_eq!(set(10, 20, abi::INTERVAL_OPENMAX), r(10, 19));
    assert_eq!(
        set(10, 20, abi::INTERVAL_OPENMIN | abi::INTERVAL_OPENMAX),
        r(11, 19)
    );
    assert_eq!(set(10, 11, abi::INTERVAL_OPENMIN | abi::INTERVAL_OPENMAX), None);
    assert_eq!(set(10, 10, abi::INTERVAL_OPENMIN), None);
    assert_eq!(set(10, 10, abi::INTERVAL_OPENMAX), None);
    assert_eq!(set(10, 20, abi::INTERVAL_EMPTY), None);
    assert_eq!(set(20, 10, 0), None);
    assert_eq!(set(u32::MAX, u32::MAX, abi::INTERVAL_OPENMIN), None);
    assert_eq!(set(0, u32::MAX, abi::INTERVAL_OPENMAX), r(0, u32::MAX - 1));
    // (x, 0) and [0, 0) are empty too.
    assert_eq!(set(0, 0, abi::INTERVAL_OPENMAX), None);
    assert_eq!(set(0, 0, abi::INTERVAL_OPENMIN | abi::INTERVAL_OPENMAX), None);
    assert_eq!(set(0, 0, 0), r(0, 0));

    let mut hw = HwParams::any();
    hw.set(Param::Channels, 2);
    assert_eq!(hw.value(Param::Channels), Some(2));
    hw.set_range(Param::Channels, 1, 2);
    assert_eq!(hw.value(Param::Channels), None);
    assert_eq!(hw.range(Param::Channels), r(1, 2));
}

// Arbitrary models and requests.

const COMMON_RATES: [u32; 12] = [
    8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176_400, 192_000, 384_000,
];

fn rates() -> impl Strategy<Value = Rates> {
    prop_oneof![
        (4000..=48_000u32, 0..=400_000u32).prop_map(|(lo, span)| Rates::Continuous(lo, lo + span)),
        (1u32..=u32::MAX).prop_map(|r| Rates::Continuous(r, r)),
        prop::sample::subsequence(COMMON_RATES.to_vec(), 1..=COMMON_RATES.len()).prop_map(Rates::Discrete),
    ]
}

fn bounded(lo_max: u32, span_max: u32) -> impl Strategy<Value = (u32, u32)> {
    prop_oneof![
        4 => (1..=lo_max, 0..=span_max).prop_map(|(lo, span)| (lo, lo.saturating_add(span))),
        1 => (1..=lo_max).prop_map(|lo| (lo, u32::MAX)),
    ]
}

prop_compose! {
    fn model()(
        formats in prop::sample::subsequence(Format::ALL.to_vec(), 1..=Format::ALL.len()),
        mmap in prop::bool::weighted(0.9),
        channels in bounded(8, 64),
        rates in rates(),
        period_size in bounded(8192, 1 << 16),
        periods in bounded(8, 64),
        extra in prop_oneof![0..=(1u32 << 20), Just(u32::MAX)],
        open_bounds in any::<bool>(),
        pause in any::<bool>(),
        broken in prop::bool::weighted(0.1),
    ) -> Model {
        // Able to hold the smallest configuration, as a real device is, except for a few
        // broken ones.
        let least = period_size.0 * periods.0;
        let max_buffer = if broken { least / 2 } else { least.saturating_add(extra) };
        Model {
            formats,
            mmap,
            channels,
            rates,
            period_size,
            periods,
            max_buffer,
            open_bounds,
            pause,
            refines: 0,
        }
    }
}

fn value(typical: std::ops::RangeInclusive<u32>) -> impl Strategy<Value = u32> {
    prop_oneof![3 => typical, 1 => any::<u32>(), 1 => Just(0u32), 1 => Just(u32::MAX)]
}

fn arbitrary_request(model: &Model) -> impl Strategy<Value = Request> {
    let offered_rate = match &model.rates {
        Rates::Continuous(lo, hi) => (*lo..=*hi).boxed(),
        Rates::Discrete(list) => prop::sample::select(list.clone()).boxed(),
    };
    let mine = model.formats.clone();
    (
        prop_oneof![
            prop::sample::select(Format::ALL.to_vec()),
            prop::sample::select(mine)
        ],
        value(0..=16),
        prop_oneof![
            value(0..=400_000),
            offered_rate,
            prop::sample::select(COMMON_RATES.to_vec())
        ],
        value(0..=70_000),
        value(0..=70),
        prop_oneof![Just(Matching::Exact), Just(Matching::Nearest)],
    )
        .prop_map(|(format, channels, rate, period_size, periods, matching)| {
            Request::new(format, channels, rate, period_size, periods, matching)
        })
}

/// A request the model supports exactly, often.
fn fitting_request(model: &Model) -> impl Strategy<Value = Request> {
    let rate = match &model.rates {
        Rates::Continuous(lo, hi) => (*lo..=*hi).boxed(),
        Rates::Discrete(list) => prop::sample::select(list.clone()).boxed(),
    };
    let m = model.clone();
    (
        prop::sample::select(model.formats.clone()),
        model.channels.0..=model.channels.1,
        rate,
        model.period_size.0..=model.period_size_max(),
        any::<prop::sample::Index>(),
        prop_oneof![Just(Matching::Exact), Just(Matching::Nearest)],
    )
        .prop_map(move |(format, channels, rate, period_size, pick, matching)| {
            let (lo, hi) = (m.periods.0, m.periods_max(period_size));
            let periods = lo + pick.index((hi - lo) as usize + 1) as u32;
            Request::new(format, channels, rate, period_size, periods, matching)
        })
}

fn model_and_request() -> impl Strategy<Value = (Model, Request)> {
    model()
        .prop_filter("a device that can hold its smallest buffer", Model::feasible)
        .prop_flat_map(|m| {
            let requests = prop_oneof![arbitrary_request(&m), fitting_request(&m)];
            (Just(m), requests)
        })
}

/// What negotiation must yield for `req` on `m`, worked out from the model's sets directly.
fn expected(m: &Model, req: &Request) -> crate::Result<(u32, u32, u32, u32)> {
    if !m.mmap {
        return Err(Error::NoMmapAccess);
    }
    if !m.formats.contains(&req.format) {
        return Err(Error::UnsupportedFormat { format: req.format });
    }
    let unsupported = |param, requested, (min, max): (u32, u32)| Error::Unsupported {
        param,
        requested,
        min,
        max,
    };
    let exact = req.matching.rate == Matching::Exact;
    let channels = req.channels.clamp(m.channels.0, m.channels.1);
    if exact && channels != req.channels {
        return Err(unsupported(Param::Channels, req.channels, m.channels));
    }
    let rate = m.rates.nearest(req.rate);
    if exact && !m.rates.contains(req.rate) {
        return Err(unsupported(Param::Rate, req.rate, m.rates.bounds()));
    }
    let period_offer = (m.period_size.0, m.period_size_max());
    let period_size = req.period_size.clamp(period_offer.0, period_offer.1);
    if exact && period_size != req.period_size {
        return Err(unsupported(Param::PeriodSize, req.period_size, period_offer));
    }
    let periods_offer = (m.periods.0, m.periods_max(period_size));
    let periods = req.periods.clamp(periods_offer.0, periods_offer.1);
    if exact && periods != req.periods {
        return Err(unsupported(Param::Periods, req.periods, periods_offer));
    }
    Ok((channels, rate, period_size, periods))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1024, 64)))]

    #[test]
    fn negotiate_agrees_with_the_model((mut m, req) in model_and_request()) {
        let want = expected(&m, &req);
        let got = negotiate(&mut m, &req);
        match (&want, &got) {
            (Ok((channels, rate, period_size, periods)), Ok((hw, n))) => {
                prop_assert_eq!(n.format, req.format);
                prop_assert_eq!(
                    (n.channels, n.rate, n.period_size, n.periods),
                    (*channels, *rate, *period_size, *periods)
                );
                // Inside what the model supports.
                prop_assert!(m.formats.contains(&n.format));
                prop_assert!((m.channels.0..=m.channels.1).contains(&n.channels));
                prop_assert!(m.rates.contains(n.rate));
                prop_assert!((m.period_size.0..=m.period_size.1).contains(&n.period_size));
                prop_assert!((m.periods.0..=m.periods.1).contains(&n.periods));
                prop_assert_eq!(u64::from(n.buffer_size), u64::from(n.period_size) * u64::from(n.periods));
                prop_assert!(n.buffer_size <= m.max_buffer);
                if req.matching.rate == Matching::Exact {
                    prop_assert_eq!(
                        (n.channels, n.rate, n.period_size, n.periods),
                        (req.channels, req.rate, req.period_size, req.periods)
                    );
                }
                // The parameters handed to HW_PARAMS are fully determined.
                prop_assert_eq!(hw.value(Param::Channels), Some(n.channels));
                prop_assert_eq!(hw.value(Param::Rate), Some(n.rate));
                prop_assert_eq!(hw.value(Param::PeriodSize), Some(n.period_size));
                prop_assert_eq!(hw.value(Param::Periods), Some(n.periods));
                prop_assert_eq!(hw.value(Param::BufferSize), Some(n.buffer_size));
                prop_assert_eq!(formats_allowed(hw), vec![req.format]);
                prop_assert!(hw.allows_mmap_interleaved());
            }
            _ => prop_assert_eq!(want.map(|_| ()), got.map(|_| ()), "model {:?} request {:?}", m, req),
        }
    }

    #[test]
    fn negotiate_never_panics_on_any_model(
        (mut m, req) in model().prop_flat_map(|m| { let r = arbitrary_request(&m); (Just(m), r) })
    ) {
        // Infeasible models too: an error (or a success inside the sets), never a panic.
        if let Ok((_, n)) = negotiate(&mut m, &req) {
            prop_assert!(m.rates.contains(n.rate));
            prop_assert_eq!(u64::from(n.buffer_size), u64::from(n.period_size) * u64::from(n.periods));
            prop_assert!(n.buffer_size <= m.max_buffer);
        }
        // Capabilities never panics either, and lists what the model offers.
        if let Ok(caps) = Capabilities::query(&mut m) {
            prop_assert_eq!(caps.formats().collect::<Vec<_>>(), Format::ALL.into_iter().filter(|f| m.formats.contains(f)).collect::<Vec<_>>());
            let text = caps.to_string();
            prop_assert!(text.contains("rate"));
        }
    }
}

// A list of acceptable formats.

mod formats {
    use super::*;
    use crate::params::{negotiate_formats, Formats, MAX_FORMATS};
    use crate::{Config, ConfigError};

    /// The codec, but S16 only in stereo (a DAC whose 6-channel mode needs 32-bit slots).
    struct StereoS16(Model);

    impl Refine for StereoS16 {
        fn refine(&mut self, params: &mut HwParams) -> crate::Result<()> {
            let only_s16 = params.allows_format(Format::S16) && !params.allows_format(Format::S32);
            if only_s16 {
                let r = params.range(Param::Channels).ok_or(EINVAL)?;
                if r.min > 2 {
                    return Err(EINVAL);
                }
                params.set_range(Param::Channels, r.min, r.max.min(2));
            }
            self.0.refine(params)
        }
    }

    fn six_channel_dac() -> StereoS16 {
        StereoS16(Model {
            channels: (1, 8),
            ..Model::codec()
        })
    }

    #[test]
    fn the_first_format_the_device_takes_wins() {
        let mut dev = Model::codec();
        let req = Request::new(Format::S8, 2, 48_000, 256, 4, Matching::Exact);
        let (_, got) =
            negotiate_formats(&mut dev, &req, &[Format::S24_3Le, Format::S32, Format::S16]).unwrap();
        assert_eq!(got.format, Format::S32);
        let (_, got) = negotiate_formats(&mut dev, &req, &[Format::S16, Format::S32]).unwrap();
        assert_eq!(got.format, Format::S16);
        assert_eq!((got.channels, got.rate, got.period_size), (2, 48_000, 256));
    }

    #[test]
    fn a_format_offered_but_not_with_the_rest_falls_through() {
        let mut dev = six_channel_dac();
        let req = Request::new(Format::S8, 6, 48_000, 256, 4, Matching::Exact);
        let (_, got) = negotiate_formats(&mut dev, &req, &[Format::S16, Format::S32]).unwrap();
        assert_eq!(got.format, Format::S32, "S16 cannot do 6 channels");
        assert_eq!(got.channels, 6);
        // With S16 the only one offered, its own failure is the error (not "S24_3LE is not
        // offered").
        let err = negotiate_formats(&mut dev, &req, &[Format::S24_3Le, Format::S16]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unsupported {
                    param: Param::Channels,
                    requested: 6,
                    ..
                }
            ),
            "{err:?}"
        );
        // In stereo, S16 first is taken.
        let req = Request::new(Format::S8, 2, 48_000, 256, 4, Matching::Exact);
        let (_, got) = negotiate_formats(&mut dev, &req, &[Format::S16, Format::S32]).unwrap();
        assert_eq!(got.format, Format::S16);
    }

    #[test]
    fn none_offered_or_none_given() {
        let mut dev = Model::codec();
        let req = Request::new(Format::S16, 2, 48_000, 256, 4, Matching::Exact);
        assert_eq!(
            negotiate_formats(&mut dev, &req, &[Format::S24_3Le, Format::FloatLe]).unwrap_err(),
            Error::UnsupportedFormat {
                format: Format::S24_3Le
            }
        );
        assert_eq!(
            negotiate_formats(&mut dev, &req, &[]).unwrap_err(),
            Error::InvalidConfig(ConfigError::NoFormat)
        );
    }

    #[test]
    fn format_lists_keep_order_drop_duplicates_and_hold_eight() {
        let list = Formats::new(&[Format::S16Le, Format::S32Le, Format::S16Le, Format::S24Le]);
        assert_eq!(list.as_slice(), [Format::S16Le, Format::S32Le, Format::S24Le]);
        assert_eq!(
            list.filter(|f| f.bytes() == 4).as_slice(),
            [Format::S32Le, Format::S24Le]
        );
        let all = Formats::new(&Format::ALL);
        assert_eq!(all.len(), MAX_FORMATS);
        assert_eq!(all.as_slice(), &Format::ALL[..MAX_FORMATS]);
        assert!(Formats::new(&[]).is_empty());
        assert_eq!(format!("{list:?}"), "[S16Le, S32Le, S24Le]");

        let config = Config::new(Format::S16Le, 2, 48_000);
        assert_eq!(config.preferred_formats().as_slice(), [Format::S16Le]);
        let config = config.formats(&[Format::S32Le, Format::S16Le, Format::S32Le]);
        assert_eq!(config.format, Format::S32Le);
        assert_eq!(
            config.preferred_formats().as_slice(),
            [Format::S32Le, Format::S16Le]
        );
        assert_eq!(config.formats(&[]), config, "an empty list changes nothing");
    }
}

/// A device that offers everything and reports `info` as its `SNDRV_PCM_INFO_*` bits.
struct InfoOnly(u32);

impl Refine for InfoOnly {
    fn refine(&mut self, params: &mut HwParams) -> crate::Result<()> {
        params.raw_mut().info = self.0;
        Ok(())
    }
}

#[test]
fn info_flags_are_named_in_bit_order_and_unknown_bits_are_left_out() {
    let bits = abi::SNDRV_PCM_INFO_NO_REWINDS
        | abi::SNDRV_PCM_INFO_MMAP
        | abi::SNDRV_PCM_INFO_BATCH
        | abi::SNDRV_PCM_INFO_SYNC_APPLPTR
        | abi::SNDRV_PCM_INFO_HAS_LINK_ATIME
        | 0x8000_0000;
    let caps = Capabilities::query(&mut InfoOnly(bits)).unwrap();
    assert_eq!(caps.info_bits(), bits);
    assert_eq!(
        caps.info_flags().collect::<Vec<_>>(),
        ["MMAP", "BATCH", "SYNC_APPLPTR", "HAS_LINK_ATIME", "NO_REWINDS"]
    );
    assert!(!caps.can_pause());
    let none = Capabilities::query(&mut InfoOnly(0)).unwrap();
    assert_eq!(none.info_flags().count(), 0);
}

/// A request with the buffer or the period given another way than a count of frames/periods.
fn with(req: Request, f: impl FnOnce(&mut Request)) -> Request {
    let mut req = req;
    f(&mut req);
    req
}

#[cfg(feature = "flexible-buffer")]
#[test]
fn buffer_size_in_frames_fixes_the_periods() {
    let mut dev = Model::codec();
    let req = with(
        Request::new(Format::S16, 2, 48000, 256, 2, Matching::Exact),
        |r| r.buffer_size = 2048,
    );
    let got = negotiate(&mut dev, &req).unwrap().1;
    assert_eq!((got.period_size, got.periods, got.buffer_size), (256, 8, 2048));
}

#[test]
fn buffer_size_exact_or_nearest() {
    let mut dev = Model::codec();
    let req = with(
        Request::new(Format::S16, 2, 48000, 256, 2, Matching::Exact),
        |r| r.buffer_size = 1000,
    );
    assert!(matches!(
        negotiate(&mut dev, &req),
        Err(Error::Unsupported {
            param: Param::BufferSize,
            requested: 1000,
            ..
        })
    ));
    let req = with(req, |r| {
        r.matching = ParamMatching::all(Matching::Exact).with(Param::BufferSize, Matching::Nearest)
    });
    let got = negotiate(&mut dev, &req).unwrap().1;
    assert_eq!((got.periods, got.buffer_size), (4, 1024));
}

#[cfg(feature = "flexible-buffer")]
#[test]
fn times_become_frames_at_the_chosen_rate() {
    let mut dev = Model::codec();
    // 10 ms periods and a 40 ms buffer at 48 kHz: 480 and 1920 frames.
    let req = with(Request::new(Format::S16, 2, 48000, 1, 2, Matching::Exact), |r| {
        r.period_time_us = 10_000;
        r.buffer_time_us = 40_000;
    });
    let got = negotiate(&mut dev, &req).unwrap().1;
    assert_eq!((got.period_size, got.periods, got.buffer_size), (480, 4, 1920));
    assert_eq!((got.period_time_us(), got.buffer_time_us()), (10_000, 40_000));
    // At the nearest rate to 47 kHz the codec offers (48 kHz), the same times.
    let req = with(req, |r| {
        r.rate = 47_000;
        r.matching = r.matching.with(Param::Rate, Matching::Nearest);
    });
    let got = negotiate(&mut dev, &req).unwrap().1;
    assert_eq!((got.rate, got.period_size, got.buffer_size), (48000, 480, 1920));
}

#[test]
fn matching_is_per_parameter() {
    let mut dev = Model::codec();
    // The rate may move, the period may not: 5000 frames is beyond the codec's 4096.
    let m = ParamMatching::all(Matching::Exact).with(Param::Rate, Matching::Nearest);
    let req = with(
        Request::new(Format::S16, 2, 47000, 5000, 2, Matching::Exact),
        |r| r.matching = m,
    );
    assert!(matches!(
        negotiate(&mut dev, &req),
        Err(Error::Unsupported {
            param: Param::PeriodSize,
            requested: 5000,
            ..
        })
    ));
    let req = with(req, |r| r.period_size = 256);
    assert_eq!(negotiate(&mut dev, &req).unwrap().1.rate, 48000);
    // And the other way round: the exact rate is refused even though the period may move.
    let m = ParamMatching::all(Matching::Nearest).with(Param::Rate, Matching::Exact);
    let req = with(req, |r| r.matching = m);
    assert!(matches!(
        negotiate(&mut dev, &req),
        Err(Error::Unsupported {
            param: Param::Rate,
            ..
        })
    ));
    assert_eq!(m.of(Param::PeriodTime), Some(Matching::Nearest));
    assert_eq!(m.of(Param::SampleBits), None);
}

#[test]
fn negotiated_prints_in_one_line() {
    let mut dev = Model::codec();
    let got = negotiate(
        &mut dev,
        &Request::new(Format::S16Le, 2, 48000, 256, 4, Matching::Exact),
    )
    .unwrap()
    .1;
    assert_eq!(
        got.to_string(),
        "S16_LE, 2 channels, 48000 Hz, period 256 frames (5333 us), buffer 1024 frames (4 periods, 21333 us)"
    );
}
