//! `heard SCENARIO`: the guest half of the heard and capture scenarios of the real-driver
//! boards (`[audio]` in `boards/*.toml`). `cargo board test` runs it once per scenario, by
//! name, in one boot, and judges what the host recorded or what it printed
//! (`runner/src/audio/plan.rs`); `heard --list` names the scenarios. A scenario that fails
//! panics, so the job's exit status is not 0.
//!
//! The played scenarios are in `play.rs`, the captured ones in `capture.rs`.

mod capture;
mod play;

// The mixer setup the examples use, so that the card sounds the same for both.
#[path = "../../../../examples/common/card_mixer.rs"]
#[allow(dead_code)]
mod card_mixer;

// The runner's own analysis, so that the guest measures a capture as the host measures a
// recording.
#[path = "../../../../runner/src/audio/analysis.rs"]
#[allow(dead_code)]
mod analysis;

/// What the scenarios share: the run's devices and stream settings from the environment.
mod common {
    use alsa_direct::sample::FullScale;
    use alsa_direct::{Config, Format, Setup, TransportChoice};

    /// The playback device (`ALSA_DIRECT_PLAYBACK`).
    pub fn playback_device() -> String {
        std::env::var("ALSA_DIRECT_PLAYBACK").unwrap_or_else(|_| "hw:Loopback,0,0".into())
    }

    /// The capture device (`ALSA_DIRECT_CAPTURE`).
    pub fn capture_device() -> String {
        std::env::var("ALSA_DIRECT_CAPTURE").unwrap_or_else(|_| "hw:Loopback,1,0".into())
    }

    /// A config with the run's transport (`ALSA_DIRECT_TEST_TRANSPORT=sync-ptr` forces
    /// `SYNC_PTR`).
    pub fn config(format: Format, channels: u32, rate: u32, period: u32, periods: u32) -> Config {
        let transport = match std::env::var("ALSA_DIRECT_TEST_TRANSPORT").as_deref() {
            Ok("sync-ptr") => TransportChoice::ForceSyncPtr,
            _ => TransportChoice::Auto,
        };
        Config::new(format, channels, rate)
            .period_size(period)
            .periods(periods)
            .transport(transport)
    }

    /// Prints what the stream was set up with, for the console:
    /// `heard-setup format=F rate=R period=P periods=N transport=T`.
    pub fn print_setup(setup: &Setup) {
        let n = setup.negotiated;
        println!(
            "heard-setup format={} rate={} period={} periods={} transport={}",
            n.format, n.rate, n.period_size, n.periods, setup.transport
        );
    }

    /// A number from the environment, or `default`.
    pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// A sample type the tone is written as, from `f64` in -1.0..=1.0 through the crate's own
    /// full-scale conversion.
    pub trait TestSample: FullScale + Send {
        /// `v` (-1.0..=1.0) as a sample, through `f32`.
        fn from_unit(v: f64) -> Self {
            Self::from_f32(v as f32)
        }
    }

    impl<S: FullScale + Send> TestSample for S {}
}

/// The scenarios by name.
const SCENARIOS: &[(&str, fn())] = &[
    ("unmute", play::unmute),
    ("tone", play::tone),
    ("pause-resume", play::pause_resume),
    ("xrun", play::xrun),
    ("drain-mid-period", play::drain_mid_period),
    ("cycles", play::cycles),
    ("timer", play::timer),
    ("keep-running", play::keep_running),
    ("capture-unmute", capture::unmute),
    ("capture", capture::capture),
    ("capture-recorded-file", capture::recorded_file),
];

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    if name == "--list" {
        for (name, _) in SCENARIOS {
            println!("{name}");
        }
        return;
    }
    match SCENARIOS.iter().find(|(n, _)| *n == name) {
        Some((_, scenario)) => scenario(),
        None => {
            let names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
            eprintln!("usage: heard SCENARIO (one of {})", names.join(", "));
            std::process::exit(2);
        }
    }
}
