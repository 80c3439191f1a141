//! The bridge example (`examples/bridge.rs`) across two loopback cables on different clocks.

use std::process::Command;

use alsa_direct::mixer::{ElemInfo, Mixer};

use crate::examples::example;
use crate::mixer::card;

/// The loopback's "PCM Rate Shift 100000" control of device 1, `subdevice`: the cable from
/// playback `hw:Loopback,0,<subdevice>` to capture `hw:Loopback,1,<subdevice>`.
fn rate_shift(mixer: &Mixer, subdevice: u32) -> ElemInfo {
    let id = mixer
        .elements()
        .map(|id| id.unwrap())
        .find(|id| id.name == "PCM Rate Shift 100000" && id.device == 1 && id.subdevice == subdevice)
        .expect("the loopback's rate shift control");
    mixer.info(&id).unwrap()
}

/// Sets the first value of an integer control.
fn write(mixer: &Mixer, control: &ElemInfo, value: i64) {
    let mut values = mixer.read(control).unwrap();
    values.set_integer(0, value).unwrap();
    mixer.write(&values).unwrap();
}

/// Puts a rate shift control back to nominal when dropped.
struct Nominal<'a>(&'a Mixer, ElemInfo);

impl Drop for Nominal<'_> {
    fn drop(&mut self) {
        let mut values = self.0.read(&self.1).unwrap();
        let _ = values.set_integer(0, 100_000);
        let _ = self.0.write(&values);
    }
}

/// The capture cable runs 500 ppm fast (its control at 99950); the bridge copies it to the
/// other cable for 20 s of audio (`ALSA_DIRECT_BRIDGE_SECONDS`: `cargo board soak` bridges
/// 600 s on the loopback boards). Its device clock finds the capture's rate within 5 ppm,
/// it drives the playback cable's control to the same value (within one step of 10 ppm),
/// and the queue between the two stays within a period of its target after the first 5 s,
/// with no frame dropped or missing and no xrun.
#[test]
fn bridge_keeps_its_queue_bounded_across_two_clocks() {
    let mixer = Mixer::open(card("Loopback").expect("a card with id Loopback")).unwrap();
    let source = rate_shift(&mixer, 0);
    let _nominal = (
        Nominal(&mixer, source.clone()),
        Nominal(&mixer, rate_shift(&mixer, 1)),
    );
    let shift = 99_950i64;
    write(&mixer, &source, shift);
    let expected_ppm = (100_000.0 / shift as f64 - 1.0) * 1e6;
    let out = Command::new(example("bridge"))
        .args(["-C", "hw:Loopback,1,0", "-P", "hw:Loopback,0,1", "-d"])
        .arg(std::env::var("ALSA_DIRECT_BRIDGE_SECONDS").unwrap_or_else(|_| "20".into()))
        .output()
        .expect("run the bridge example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "bridge failed: {:?}", out.status);
    let result = stdout
        .lines()
        .find_map(|l| l.strip_prefix("bridge-result "))
        .expect("a bridge-result line");
    let field = |key: &str| -> f64 {
        result
            .split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {result}"))
    };
    let (period, target) = (field("period"), field("target"));
    println!("figure - bridge: {result}, expected capture {expected_ppm:+.2} ppm");
    if let Ok(job) = std::env::var("ALSA_DIRECT_SOAK_JOB") {
        println!("soak: {job}: {result}, expected capture {expected_ppm:+.2} ppm");
    }
    assert!(
        (field("capture_ppm") - expected_ppm).abs() <= 5.0,
        "capture clock {} ppm, expected {expected_ppm:+.2}",
        field("capture_ppm")
    );
    assert!(
        (field("shift") - shift as f64).abs() <= 1.0,
        "the playback cable driven to {}, the capture's is {shift}",
        field("shift")
    );
    assert!(
        field("queue_min") >= target - period && field("queue_max") <= target + period,
        "queue {}..{} frames, target {target} ± {period}",
        field("queue_min"),
        field("queue_max")
    );
    for key in ["underruns", "overruns", "xruns"] {
        assert_eq!(field(key), 0.0, "{key}");
    }
}
