//! The delay-locked loop against synthetic clocks: fast and slow devices, jitter, a
//! position that moves in steps (a timer-driven driver), the boundary wrap, jumps and
//! hostile input.

use proptest::prelude::*;

use super::*;
use crate::test_support::cases;

/// A deterministic uniform jitter in `-1.0..1.0` (xorshift).
struct Jitter(u64);

impl Jitter {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Feeds `seconds` of a device `ppm` fast at 48 kHz, read every `step` frames with a
/// timestamp off by up to `jitter_ns`, with the position seen only in steps of `quantum`
/// frames (as a driver moved by a timer reports it). Returns the clock.
fn run(
    ppm: f64,
    seconds: f64,
    step: u64,
    jitter_ns: f64,
    quantum: u64,
    boundary: u64,
    start: u64,
) -> DeviceClock {
    let rate = 48_000.0 * (1.0 + ppm * 1e-6);
    let mut clock = DeviceClock::new(48_000, boundary);
    let mut jitter = Jitter(0x9e37_79b9_7f4a_7c15);
    let total = (seconds * 48_000.0) as u64;
    let mut frames = 0;
    while frames < total {
        let seen = frames - frames % quantum;
        let time_ns = 1_000_000_000.0 + frames as f64 * 1e9 / rate + jitter.next() * jitter_ns;
        clock.update((start + seen) % boundary, time_ns as i64);
        frames += step;
    }
    clock
}

#[test]
fn it_finds_fast_and_slow_devices_within_a_ppm_in_ten_seconds() {
    for ppm in [-500.0, -100.0, 0.0, 100.0, 500.0] {
        let clock = run(ppm, 10.0, 1024, 0.0, 1, 1 << 40, 0);
        assert!(
            (clock.ppm() - ppm).abs() < 1.0,
            "{ppm} ppm: estimated {}",
            clock.ppm()
        );
        assert!(clock.phase_ns().abs() < 10_000.0, "phase {}", clock.phase_ns());
    }
}

#[test]
fn it_averages_jitter_away() {
    for ppm in [-500.0, -100.0, 100.0, 500.0] {
        // 20 µs of jitter (interrupt latency): within 2 ppm in 10 s.
        let clock = run(ppm, 10.0, 1024, 20_000.0, 1, 1 << 40, 0);
        assert!(
            (clock.ppm() - ppm).abs() < 2.0,
            "{ppm} ppm: estimated {}",
            clock.ppm()
        );
        // 0.2 ms (a loaded system): within 2 ppm in a minute, at the narrowest bandwidth.
        let clock = run(ppm, 60.0, 1024, 200_000.0, 1, 1 << 40, 0);
        assert!(
            (clock.ppm() - ppm).abs() < 2.0,
            "{ppm} ppm: estimated {}",
            clock.ppm()
        );
        assert_eq!(clock.bandwidth_hz(), BANDWIDTH_MIN_HZ, "narrowed");
    }
}

#[test]
fn a_position_moving_in_timer_steps_is_tracked() {
    // A driver moved by a 4 ms timer (250 Hz) read every 1000 frames at any moment: the
    // position seen lags by up to 192 frames, a phase noise of 4 ms. A minute averages it.
    for ppm in [-100.0, 100.0] {
        let clock = run(ppm, 60.0, 1000, 0.0, 192, 1 << 40, 0);
        assert!(
            (clock.ppm() - ppm).abs() < 5.0,
            "{ppm} ppm: estimated {}",
            clock.ppm()
        );
    }
}

#[test]
fn the_boundary_wrap_is_no_jump() {
    let boundary = 1024 << 10;
    let clock = run(250.0, 10.0, 1024, 0.0, 1, boundary, boundary - 48_000);
    assert!((clock.ppm() - 250.0).abs() < 1.0, "{}", clock.ppm());
    assert!(clock.updates() > 400, "no restart: {}", clock.updates());
}

#[test]
fn a_jump_restarts_the_loop_and_it_locks_again() {
    let mut clock = run(100.0, 5.0, 1024, 0.0, 1, 1 << 40, 0);
    let before = clock.updates();
    // The stream was prepared again: the pointer back at 0, two seconds later.
    clock.update(0, 8_000_000_000);
    assert_eq!(clock.updates(), 1, "restarted after {before}");
    assert_eq!(clock.anchor(), (0, 8_000_000_000));
    let rate = 48_000.0 * 1.0001;
    for i in 1..500u64 {
        let frames = i * 1024;
        clock.update(frames, 8_000_000_000 + (frames as f64 * 1e9 / rate) as i64);
    }
    assert!((clock.ppm() - 100.0).abs() < 1.0, "{}", clock.ppm());
}

#[test]
fn the_delay_is_carried_to_any_time() {
    let clock = run(0.0, 5.0, 480, 0.0, 1, 1 << 40, 0);
    let (frames, anchor_ns) = clock.anchor();
    assert!(frames > 0);
    // 10 ms after the anchor the device has moved 480 frames at 48 kHz.
    let moved = clock.frames_since(anchor_ns + 10_000_000);
    assert!((moved - 480.0).abs() < 0.01, "{moved}");
    assert!((clock.frames_since(anchor_ns - 10_000_000) + 480.0).abs() < 0.01);
    assert!((clock.rate() - 48_000.0).abs() < 0.01);
}

#[test]
fn hostile_input_gives_finite_estimates() {
    let mut clock = DeviceClock::new(0, 0);
    for (ptr, time) in [
        (0, i64::MIN),
        (u64::MAX, i64::MAX),
        (5, 0),
        (5, 0),
        (u64::MAX, i64::MIN),
        (1, 1),
        (2, 1),
        (3, -1),
    ] {
        clock.update(ptr, time);
        assert!(clock.ppm().is_finite() && clock.phase_ns().is_finite());
        assert!(clock.rate_ratio() > 0.0, "{}", clock.rate_ratio());
    }
    let mut clock = DeviceClock::new(48_000, 1 << 30);
    clock.update(0, 0);
    clock.update(0, 1_000_000);
    assert_eq!(clock.updates(), 1, "no progress, no update");
    assert_eq!(clock.rate_ratio(), 1.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256, 32), ..ProptestConfig::default() })]

    /// Any drift within ±1000 ppm read at any interval from 64 to 8192 frames, with up to
    /// 50 µs of jitter, is found within 5 ppm after 20 s.
    #[test]
    fn any_drift_is_found(ppm in -1000.0f64..1000.0, step in 64u64..8192, jitter in 0.0f64..50_000.0) {
        let clock = run(ppm, 20.0, step, jitter, 1, 1 << 40, 0);
        prop_assert!((clock.ppm() - ppm).abs() < 5.0, "{} ppm: estimated {}", ppm, clock.ppm());
    }
}
