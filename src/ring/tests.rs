//! Property tests of `crate::ring` against a reference model in `i128` modular arithmetic,
//! over the boundaries the kernel actually picks (and small ones, for wrap coverage).

use std::format;
use std::vec::Vec;

use crate::ring;
use proptest::prelude::*;

use crate::test_support::cases;

/// `LONG_MAX` of the target: the kernel's frame counters are `unsigned long`, and it keeps
/// `boundary + buffer_size` within a signed `long`.
#[cfg(target_pointer_width = "64")]
const LONG_MAX: u64 = i64::MAX as u64;
#[cfg(target_pointer_width = "32")]
const LONG_MAX: u64 = i32::MAX as u64;

/// Largest buffer size drawn (the kernel has no such limit, but real buffers are far smaller).
const MAX_BUFFER: u64 = 1 << 20;

/// The boundary the kernel picks in `snd_pcm_hw_params`:
/// `while (boundary * 2 <= LONG_MAX - buffer_size) boundary *= 2;`
fn kernel_boundary(buffer_size: u64) -> u64 {
    let mut boundary = buffer_size;
    while boundary * 2 <= LONG_MAX - buffer_size {
        boundary *= 2;
    }
    boundary
}

// The reference model: plain modular arithmetic in i128, no case analysis.

fn modulo(x: i128, m: u64) -> u64 {
    x.rem_euclid(i128::from(m)) as u64
}

fn model_playback_avail(hw: u64, appl: u64, buffer: u64, boundary: u64) -> u64 {
    modulo(i128::from(hw) + i128::from(buffer) - i128::from(appl), boundary)
}

fn model_capture_avail(hw: u64, appl: u64, boundary: u64) -> u64 {
    modulo(i128::from(hw) - i128::from(appl), boundary)
}

fn model_playback_queued(hw: u64, appl: u64, buffer: u64, boundary: u64) -> u64 {
    let queued = i128::from(buffer) - i128::from(model_playback_avail(hw, appl, buffer, boundary));
    queued.max(0) as u64
}

fn model_advance(ptr: u64, frames: u64, boundary: u64) -> u64 {
    modulo(i128::from(ptr) + i128::from(frames), boundary)
}

fn model_offset(ptr: u64, buffer: u64) -> u64 {
    modulo(i128::from(ptr), buffer)
}

fn model_contiguous(ptr: u64, avail: u64, buffer: u64) -> u64 {
    let to_end = i128::from(buffer) - i128::from(model_offset(ptr, buffer));
    i128::from(avail).min(to_end) as u64
}

fn model_to_period_boundary(ptr: u64, period: u64) -> u64 {
    modulo(-i128::from(ptr), period)
}

/// alsa-rs's `direct::pcm::MmapIO::commit`:
/// `let mut z = self.appl_ptr() + v; if z + v >= self.boundary() { z -= self.boundary() };`
fn alsa_rs_commit(appl: u64, v: u64, boundary: u64) -> i128 {
    let mut z = i128::from(appl) + i128::from(v);
    if z + i128::from(v) >= i128::from(boundary) {
        z -= i128::from(boundary);
    }
    z
}

// Strategies.

/// A buffer size in `1..=2^20`, biased towards the small and the power-of-two sizes.
fn buffer_size() -> impl Strategy<Value = u64> {
    prop_oneof![
        1..=MAX_BUFFER,
        1..=64u64,
        (0..=20u32).prop_map(|k| 1u64 << k),
        (0..=20u32).prop_map(|k| (1u64 << k) * 3 / 2 + 1),
    ]
}

/// `(buffer_size, boundary)`: mostly the kernel's boundary, otherwise `buffer_size * 2^k` for
/// any `k` that fits, with small `k` (including `boundary == buffer_size`) often.
fn geometry() -> impl Strategy<Value = (u64, u64)> {
    buffer_size().prop_flat_map(|buffer| {
        let top = kernel_boundary(buffer);
        let max_k = (top / buffer).trailing_zeros();
        prop_oneof![
            3 => Just((buffer, top)),
            1 => (0..=max_k).prop_map(move |k| (buffer, buffer << k)),
            2 => (0..=3u32).prop_map(move |k| (buffer, buffer << k)),
        ]
    })
}

/// A pointer below `boundary`: anywhere, within a few frames of the boundary or of zero, or
/// near a multiple of `buffer`.
fn pointer(buffer: u64, boundary: u64) -> impl Strategy<Value = u64> {
    let last = boundary - 1;
    prop_oneof![
        2 => 0..boundary,
        2 => (0..=16u64).prop_map(move |d| last - d.min(last)),
        1 => (0..=16u64).prop_map(move |d| d.min(last)),
        1 => (0..boundary / buffer, 0..=4u64, any::<bool>()).prop_map(move |(n, d, below)| {
            let base = n * buffer;
            let p = if below { base.saturating_sub(d) } else { base + d };
            p.min(last)
        }),
    ]
}

/// A frame count in `0..=limit`, often near its ends.
fn frames(limit: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        0..=limit,
        (0..=8u64).prop_map(move |d| limit - d.min(limit)),
        (0..=8u64).prop_map(move |d| d.min(limit)),
    ]
}

#[derive(Clone)]
struct Case {
    buffer: u64,
    boundary: u64,
    hw: u64,
    appl: u64,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "buffer={} boundary={} (boundary-hw={}, boundary-appl={}) hw={} appl={}",
            self.buffer,
            self.boundary,
            self.boundary - self.hw,
            self.boundary - self.appl,
            self.hw,
            self.appl
        )
    }
}

fn case() -> impl Strategy<Value = Case> {
    geometry().prop_flat_map(|(buffer, boundary)| {
        (pointer(buffer, boundary), pointer(buffer, boundary)).prop_map(move |(hw, appl)| Case {
            buffer,
            boundary,
            hw,
            appl,
        })
    })
}

/// A pair of pointers the way a running stream has them: `appl` at most `2 * buffer` frames
/// from `hw`, either way, wrapped.
fn close_case() -> impl Strategy<Value = Case> {
    geometry().prop_flat_map(|(buffer, boundary)| {
        let span = (2 * buffer).min(boundary);
        (pointer(buffer, boundary), frames(span), any::<bool>()).prop_map(move |(hw, d, ahead)| {
            let d = d % boundary;
            let appl = if ahead {
                model_advance(hw, d, boundary)
            } else {
                model_advance(hw, boundary - d, boundary)
            };
            Case {
                buffer,
                boundary,
                hw,
                appl,
            }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1024, 64)))]

    #[test]
    fn kernel_boundary_is_a_large_multiple(buffer in buffer_size()) {
        let boundary = kernel_boundary(buffer);
        prop_assert_eq!(boundary % buffer, 0);
        prop_assert!((boundary / buffer).is_power_of_two());
        prop_assert!(boundary + buffer <= LONG_MAX);
        prop_assert!(2 * boundary > LONG_MAX - buffer);
    }

    #[test]
    fn playback_avail_matches_model(c in case()) {
        prop_assert_eq!(
            ring::playback_avail(c.hw, c.appl, c.buffer, c.boundary),
            model_playback_avail(c.hw, c.appl, c.buffer, c.boundary),
            "{:?}", c
        );
    }

    #[test]
    fn playback_avail_matches_model_running(c in close_case()) {
        prop_assert_eq!(
            ring::playback_avail(c.hw, c.appl, c.buffer, c.boundary),
            model_playback_avail(c.hw, c.appl, c.buffer, c.boundary),
            "{:?}", c
        );
    }

    #[test]
    fn capture_avail_matches_model(c in case()) {
        prop_assert_eq!(
            ring::capture_avail(c.hw, c.appl, c.boundary),
            model_capture_avail(c.hw, c.appl, c.boundary),
            "{:?}", c
        );
    }

    #[test]
    fn capture_avail_matches_model_running(c in close_case()) {
        prop_assert_eq!(
            ring::capture_avail(c.hw, c.appl, c.boundary),
            model_capture_avail(c.hw, c.appl, c.boundary),
            "{:?}", c
        );
    }

    #[test]
    fn playback_queued_matches_model(c in prop_oneof![case(), close_case()]) {
        prop_assert_eq!(
            ring::playback_queued(c.hw, c.appl, c.buffer, c.boundary),
            model_playback_queued(c.hw, c.appl, c.buffer, c.boundary),
            "{:?}", c
        );
    }

    #[test]
    fn advance_matches_model(
        (c, n) in case().prop_flat_map(|c| { let b = c.boundary; (Just(c), frames(b)) })
    ) {
        prop_assert_eq!(
            ring::advance(c.appl, n, c.boundary),
            model_advance(c.appl, n, c.boundary),
            "{:?} n={}", c, n
        );
        prop_assert!(ring::advance(c.appl, n, c.boundary) < c.boundary);
    }

    #[test]
    fn offset_matches_model(c in case()) {
        prop_assert_eq!(ring::offset(c.appl, c.buffer), model_offset(c.appl, c.buffer));
        prop_assert_eq!(ring::offset(c.hw, c.buffer), model_offset(c.hw, c.buffer));
        prop_assert!(ring::offset(c.appl, c.buffer) < c.buffer);
    }

    #[test]
    fn contiguous_matches_model(
        (c, avail) in case().prop_flat_map(|c| { let b = c.boundary; (Just(c), frames(b)) })
    ) {
        let got = ring::contiguous(c.appl, avail, c.buffer);
        prop_assert_eq!(got, model_contiguous(c.appl, avail, c.buffer), "{:?} avail={}", c, avail);
        // Never past the end of the DMA buffer.
        prop_assert!(ring::offset(c.appl, c.buffer) + got <= c.buffer);
    }

    #[test]
    fn to_period_boundary_matches_model(
        (c, period) in case().prop_flat_map(|c| {
            let b = c.buffer;
            (Just(c), prop_oneof![1..=b, (0..=20u32).prop_map(|k| 1u64 << k), 1..=MAX_BUFFER])
        })
    ) {
        let got = ring::to_period_boundary(c.appl, period);
        prop_assert_eq!(got, model_to_period_boundary(c.appl, period), "{:?} period={}", c, period);
        prop_assert!(got < period);
        prop_assert_eq!((u128::from(c.appl) + u128::from(got)) % u128::from(period), 0);
    }

    /// A playback stream with `queued` frames in flight (appl ahead of hw, wrapped): avail and
    /// queued are each other's complement (except for the empty buffer when `boundary ==
    /// buffer_size`, which reads as full; the kernel never picks such a boundary).
    #[test]
    fn playback_queued_and_avail_complement(
        (buffer, boundary, hw, queued) in geometry().prop_flat_map(|(buffer, boundary)| {
            (Just(buffer), Just(boundary), pointer(buffer, boundary), frames(buffer))
        })
    ) {
        let appl = ring::advance(hw, queued, boundary);
        if buffer - queued < boundary {
            prop_assert_eq!(ring::playback_avail(hw, appl, buffer, boundary), buffer - queued);
            prop_assert_eq!(ring::playback_queued(hw, appl, buffer, boundary), queued);
        } else {
            prop_assert_eq!(ring::playback_avail(hw, appl, buffer, boundary), 0);
        }
    }

    /// Committing `n <= avail` frames lowers avail by `n`, for both directions.
    #[test]
    fn commit_consumes_avail(
        (c, pick) in close_case().prop_flat_map(|c| (Just(c), any::<prop::sample::Index>()))
    ) {
        let avail = ring::playback_avail(c.hw, c.appl, c.buffer, c.boundary);
        let n = pick.index(avail as usize + 1) as u64;
        let appl = ring::advance(c.appl, n, c.boundary);
        prop_assert_eq!(ring::playback_avail(c.hw, appl, c.buffer, c.boundary), avail - n, "{:?} n={}", c, n);

        let avail = ring::capture_avail(c.hw, c.appl, c.boundary);
        let n = pick.index(avail as usize + 1) as u64;
        let appl = ring::advance(c.appl, n, c.boundary);
        prop_assert_eq!(ring::capture_avail(c.hw, appl, c.boundary), avail - n, "{:?} n={}", c, n);
    }

    /// The hardware moving by `n < boundary` frames shows up as exactly `n` more captured frames.
    #[test]
    fn capture_avail_measures_hw_motion(
        (c, n) in case().prop_flat_map(|c| { let b = c.boundary - 1; (Just(c), frames(b)) })
    ) {
        let hw = ring::advance(c.appl, n, c.boundary);
        prop_assert_eq!(ring::capture_avail(hw, c.appl, c.boundary), n);
    }

    /// `ring::advance` always agrees with the model; alsa-rs's commit disagrees exactly when
    /// `boundary - 2v <= appl < boundary - v` (it wraps as soon as `appl + 2v` reaches the
    /// boundary instead of `appl + v`), and then yields `appl + v - boundary`, a negative
    /// pointer.
    #[test]
    fn alsa_rs_commit_wraps_too_early(
        (boundary, appl, v) in geometry().prop_flat_map(|(buffer, boundary)| {
            frames(buffer).prop_flat_map(move |v| {
                let last = boundary - 1;
                let appl = prop_oneof![
                    pointer(buffer, boundary),
                    // Around the window [boundary - 2v, boundary - v).
                    (0..=2 * v + 2).prop_map(move |d| last - d.min(last)),
                ];
                (Just(boundary), appl, Just(v))
            })
        })
    ) {
        let model = model_advance(appl, v, boundary);
        prop_assert_eq!(ring::advance(appl, v, boundary), model);

        let alsa_rs = alsa_rs_commit(appl, v, boundary);
        let (appl_i, v_i, b_i) = (i128::from(appl), i128::from(v), i128::from(boundary));
        let in_window = b_i - 2 * v_i <= appl_i && appl_i < b_i - v_i;
        prop_assert_eq!(alsa_rs != i128::from(model), in_window, "appl={} v={} boundary={}", appl, v, boundary);
        if in_window {
            prop_assert_eq!(alsa_rs, i128::from(model) - b_i);
            prop_assert!(alsa_rs < 0);
        }
    }
}

/// Boundaries exercised by the explicit cases: the kernel's for a few buffer sizes, and small
/// ones.
fn explicit_geometries() -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for buffer in [1, 2, 3, 64, 256, 1000, 1024, 4096, 6000, 44100, 65536, MAX_BUFFER] {
        out.push((buffer, kernel_boundary(buffer)));
        out.push((buffer, buffer));
        out.push((buffer, buffer * 4));
    }
    out
}

#[test]
fn kernel_boundary_known_values() {
    #[cfg(target_pointer_width = "64")]
    {
        assert_eq!(kernel_boundary(1024), 1 << 62);
        assert_eq!(kernel_boundary(1), 1 << 62);
        assert_eq!(kernel_boundary(6000), 6000 << 50);
    }
    #[cfg(target_pointer_width = "32")]
    {
        assert_eq!(kernel_boundary(1024), 1 << 30);
        assert_eq!(kernel_boundary(1), 1 << 30);
        assert_eq!(kernel_boundary(6000), 6000 << 18);
    }
}

#[test]
fn advance_wraps_at_boundary() {
    for (buffer, b) in explicit_geometries() {
        let ctx = format!("buffer={buffer} boundary={b}");
        assert_eq!(ring::advance(b - 1, 1, b), 0, "{ctx}");
        assert_eq!(ring::advance(b - 1, 0, b), b - 1, "{ctx}");
        assert_eq!(ring::advance(0, b, b), 0, "{ctx}");
        assert_eq!(ring::advance(b - 1, b, b), b - 1, "{ctx}");
        assert_eq!(ring::advance(0, b - 1, b), b - 1, "{ctx}");
        if b > 16 {
            assert_eq!(ring::advance(b - 10, 6, b), b - 4, "{ctx}");
            assert_eq!(ring::advance(b - 10, 9, b), b - 1, "{ctx}");
            assert_eq!(ring::advance(b - 10, 10, b), 0, "{ctx}");
            assert_eq!(ring::advance(b - 10, 16, b), 6, "{ctx}");
        }
    }
}

#[test]
fn avail_across_the_wrap() {
    for (buffer, b) in explicit_geometries() {
        let ctx = format!("buffer={buffer} boundary={b}");
        for queued in [0, 1, buffer / 2, buffer - 1, buffer] {
            if buffer - queued >= b || queued >= b {
                // boundary == buffer_size: an empty (or full) buffer is ambiguous (model agrees).
                continue;
            }
            // hw just below the boundary, appl wrapped past it.
            for hw in [b - 1, b - 1 - (b - 1).min(3), b - 1 - (b - 1).min(buffer)] {
                let appl = ring::advance(hw, queued, b);
                assert_eq!(
                    ring::playback_avail(hw, appl, buffer, b),
                    buffer - queued,
                    "{ctx} hw={hw} queued={queued}"
                );
                assert_eq!(
                    ring::playback_queued(hw, appl, buffer, b),
                    queued,
                    "{ctx} hw={hw} queued={queued}"
                );
                // Capture: hw ahead of appl by `queued`, wrapped.
                assert_eq!(
                    ring::capture_avail(appl, hw, b),
                    queued,
                    "{ctx} hw={hw} queued={queued}"
                );
            }
        }
        if b >= 4 * buffer && b > buffer + 16 {
            // An underrun: hw ran 7 frames past the last written frame, across the wrap.
            let appl = b - 3;
            let hw = ring::advance(appl, 7, b);
            assert_eq!(hw, 4);
            assert_eq!(ring::playback_avail(hw, appl, buffer, b), buffer + 7, "{ctx}");
            assert_eq!(ring::playback_queued(hw, appl, buffer, b), 0, "{ctx}");
            // An overrun: capture hw more than a buffer ahead, across the wrap.
            let hw = ring::advance(appl, buffer + 5, b);
            assert_eq!(ring::capture_avail(hw, appl, b), buffer + 5, "{ctx}");
        }
    }
}

#[test]
fn contiguous_and_offset_at_the_wrap() {
    for (buffer, b) in explicit_geometries() {
        let ctx = format!("buffer={buffer} boundary={b}");
        // The boundary is a multiple of the buffer, so the last counter value is the last
        // frame of the DMA buffer and the next one (0) its first.
        assert_eq!(ring::offset(b - 1, buffer), buffer - 1, "{ctx}");
        assert_eq!(ring::offset(ring::advance(b - 1, 1, b), buffer), 0, "{ctx}");
        assert_eq!(ring::contiguous(b - 1, buffer, buffer), 1, "{ctx}");
        assert_eq!(ring::contiguous(b - 1, 0, buffer), 0, "{ctx}");
        assert_eq!(ring::contiguous(0, buffer, buffer), buffer, "{ctx}");
        assert_eq!(ring::contiguous(0, buffer + 7, buffer), buffer, "{ctx}");
        assert_eq!(ring::to_period_boundary(b - 1, buffer), 1 % buffer, "{ctx}");
        assert_eq!(ring::to_period_boundary(0, buffer), 0, "{ctx}");
        assert_eq!(ring::to_period_boundary(b - buffer, buffer), 0, "{ctx}");
    }
}

/// alsa-rs's `MmapIO::commit` wraps when `appl + 2v` reaches the boundary rather than
/// `appl + v`, so a commit that ends just short of the boundary produces a negative pointer.
#[test]
fn alsa_rs_commit_is_wrong_near_the_boundary() {
    for (buffer, b) in explicit_geometries() {
        if b <= 16 {
            continue;
        }
        let ctx = format!("buffer={buffer} boundary={b}");
        let (appl, v) = (b - 10, 6);
        assert_eq!(ring::advance(appl, v, b), b - 4, "{ctx}");
        assert_eq!(model_advance(appl, v, b), b - 4, "{ctx}");
        assert_eq!(alsa_rs_commit(appl, v, b), -4, "{ctx}");
        // Outside the window both agree: no wrap yet, and a real wrap.
        assert_eq!(alsa_rs_commit(b - 20, 6, b), i128::from(b - 14), "{ctx}");
        assert_eq!(alsa_rs_commit(b - 4, 6, b), 2, "{ctx}");
        assert_eq!(ring::advance(b - 4, 6, b), 2, "{ctx}");
    }
}

/// Every `(appl, v)` for small boundaries: the exact set where alsa-rs's commit is wrong.
#[test]
fn alsa_rs_commit_exhaustive_small_boundaries() {
    for (buffer, b) in [(1u64, 1u64), (1, 8), (4, 4), (4, 32), (3, 48), (6, 24)] {
        let mut wrong = 0;
        for appl in 0..b {
            for v in 0..=b {
                let model = model_advance(appl, v, b);
                assert_eq!(
                    ring::advance(appl, v, b),
                    model,
                    "buffer={buffer} b={b} appl={appl} v={v}"
                );
                let in_window = b < appl + 2 * v + 1 && appl + v < b;
                let alsa_rs = alsa_rs_commit(appl, v, b);
                assert_eq!(alsa_rs != i128::from(model), in_window, "b={b} appl={appl} v={v}");
                wrong += usize::from(in_window);
            }
        }
        // For each appl the wrong v are ceil((b - appl) / 2) ..= b - appl - 1.
        let expected: u64 = (0..b).map(|appl| (b - appl) - (b - appl).div_ceil(2)).sum();
        assert_eq!(wrong as u64, expected, "b={b}");
    }
}
