//! The kernel model held to the kernel (issue 22, docs/oracle.md "Model replay"): the named
//! scripts of the differential harness replayed on the crate over the kernel model
//! (`model.rs`), compared with the crate's trace of the same scripts on a real kernel
//! (`tests/oracle/*.trace`, recorded by `cargo board test qemu-arm64 -- oracle`).
//!
//! Time passes in the model only where the script sleeps, waits or drains; the positions are
//! compared within the tolerance the harness uses (a period and 20 ms), from the last step
//! that moves the application pointer to the hardware's. Where the model is known to differ
//! from the kernel, the difference is accepted by name ([`KNOWN`]) and the rest of that
//! script is not compared.

use std::boxed::Box;
use std::cell::RefCell;
use std::format;
use std::rc::Rc;
use std::string::String;
use std::vec::Vec;

use super::model::{KernelModel, ModelSetup, TestKernel, Truth};
use super::*;
use crate::abi;
use crate::error::{Errno, Error, Result};
use crate::params::Format;
use crate::params::Negotiated;
use crate::transport::TransportKind;

/// The crate's trace of the named scripts on qemu-arm64's kernel (Linux 6.1, snd-aloop,
/// `SYNC_PTR`), as the runner writes it (`target/oracle/BOARD-DEVICE@RUN.trace`).
const ARM64_LOOPBACK: &str = include_str!("../../tests/oracle/qemu-arm64-loopback.trace");

/// Frames per second of the recorded runs.
const RATE: u32 = 48_000;

/// One step and what the stream showed after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    script: String,
    step: usize,
    ret: i64,
    state: i64,
    avail: i64,
    appl: i64,
    hw: i64,
    delay: i64,
    delay_err: i64,
    op: String,
}

/// Parses a `.trace` file: `SCRIPT STEP RET STATE AVAIL APPL HW DELAY DELAY_ERR OP...`.
fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| -> i64 { words[i].parse().unwrap_or_else(|_| panic!("{l:?}: word {i}")) };
            Line {
                script: words[0].into(),
                step: n(1) as usize,
                ret: n(2),
                state: n(3),
                avail: n(4),
                appl: n(5),
                hw: n(6),
                delay: n(7),
                delay_err: n(8),
                op: words[9..].join(" "),
            }
        })
        .collect()
}

/// The model's truth, shared with the stream's kernel side.
type Shared = Rc<RefCell<Truth>>;

/// A stream over the model, as the harness's crate program opens it.
struct Replay {
    stream: Option<(MmapStream<i16, Playback>, Shared)>,
}

/// `-errno` for an error, as the harness's crate program reports it.
fn errno_of(error: &Error) -> i64 {
    -i64::from(match error {
        Error::Sys { errno: Errno(e), .. } => *e,
        Error::Xrun => 32,
        Error::Suspended => 86,
        Error::Disconnected => 19,
        Error::Timeout => 110,
        Error::BadState(_) => 77,
        _ => 22,
    })
}

fn ret<T: Into<i64>>(result: Result<T>) -> i64 {
    match result {
        Ok(v) => v.into(),
        Err(e) => errno_of(&e),
    }
}

/// Frames in `ms` milliseconds.
fn frames(ms: u64) -> u64 {
    ms * u64::from(RATE) / 1000
}

impl Replay {
    /// Opens over the model with the open step's values (the thresholds as the crate sets
    /// them), prepared, as after `MmapStream::open`.
    fn open(&mut self, values: &[u64]) -> i64 {
        let v = |i: usize| values.get(i).copied().unwrap_or(0) as u32;
        let (period, periods) = (v(0), v(1));
        let config = Config::new(Format::S16Le, 2, RATE)
            .period_size(period)
            .periods(periods)
            .avail_min(v(2))
            .start_threshold(v(3))
            .stop_threshold(v(4));
        let negotiated = Negotiated {
            format: Format::S16Le,
            channels: 2,
            rate: RATE,
            period_size: period,
            periods,
            buffer_size: period * periods,
        };
        // A config the crate refuses (e.g. `avail_min` not below the stop threshold) fails
        // the open, as `MmapStream::open` does on a real kernel.
        let sw = match sw_params::<Playback>(&config, &negotiated) {
            Ok(sw) => sw,
            Err(e) => return errno_of(&e),
        };
        let model = ModelSetup {
            capture: false,
            mapped: false,
            channels: 2,
            sample_bytes: 2,
            rate: RATE,
            period: u64::from(period),
            periods: u64::from(periods),
            boundary: u64::from(period * periods) << 20,
            start_threshold: sw.start_threshold,
            stop_threshold: sw.stop_threshold,
            avail_min: sw.avail_min,
            tick: u64::from(period),
        };
        let kernel = KernelModel::new(&model);
        let truth = kernel.truth.clone();
        let setup = Setup {
            negotiated,
            boundary: model.boundary,
            start_threshold: sw.start_threshold,
            stop_threshold: sw.stop_threshold,
            avail_min: sw.avail_min,
            transport: TransportKind::SyncPtr,
            can_pause: true,
            can_resume: false,
            msbits: 16,
            protocol: abi::SNDRV_PCM_VERSION,
            timeout_ms: timeout_ms(0, &negotiated),
            timestamp_clock: TimestampClock::Monotonic,
            wakeups: super::Wakeups::PeriodInterrupts,
        };
        // snd-aloop cannot resume: RESUME is ENOSYS there.
        truth.borrow_mut().can_resume = false;
        let opened = MmapStream::assemble(TestKernel::Model(Box::new(kernel)), setup, XrunPolicy::Fail)
            .and_then(|mut s| s.prepare().map(|()| s));
        match opened {
            Ok(stream) => {
                self.stream = Some((stream, truth));
                0
            }
            Err(e) => errno_of(&e),
        }
    }

    /// One step, as the harness's crate program (guest-tools/src/bin/oracle.rs) runs it.
    fn step(&mut self, op: &str, values: &[u64]) -> i64 {
        let arg = values.first().copied().unwrap_or(0);
        if op == "open" {
            return self.open(values);
        }
        let Some((stream, truth)) = self.stream.as_mut() else {
            return -77;
        };
        match op {
            "sleep" => {
                truth.borrow_mut().hardware(frames(arg));
                0
            }
            "prepare" => ret(stream.prepare().map(|()| 0)),
            "start" => ret(stream.start().map(|()| 0)),
            "drop" => ret(stream.stop().map(|()| 0)),
            "drain" => ret(stream.drain().map(|()| 0)),
            "reset" => ret(stream.reset().map(|()| 0)),
            "resume" => ret(stream.resume().map(|()| 0)),
            "recover" => {
                let fault = match stream.state() {
                    Ok(State::Suspended) => Error::Suspended,
                    _ => Error::Xrun,
                };
                ret(stream.recover(fault).map(|()| 0))
            }
            "status" => ret(stream.status().map(|_| 0)),
            "avail" => ret(stream.avail().map(|a| a as i64)),
            "delay" => ret(stream.delay()),
            "wait" => ret(stream.wait(Some(arg as u32)).map(i64::from)),
            "pause" => ret(stream.pause(arg != 0).map(|()| 0)),
            "mmap" => {
                match stream.state() {
                    Ok(State::Xrun) => return -32,
                    Ok(_) => {}
                    Err(e) => return errno_of(&e),
                }
                let area = stream.begin(arg as usize);
                let n = area.len() / 2;
                area.fill(0);
                ret(stream.commit(n).map(|()| n as i64))
            }
            "write" => {
                let mut samples = core::iter::repeat_n(0i16, 2 * arg as usize);
                ret(stream.write(&mut samples).map(|n| n as i64))
            }
            _ => -22,
        }
    }

    /// What the stream shows after a step: (state, avail, appl, hw, delay, delay errno).
    fn observe(&mut self) -> (i64, i64, i64, i64, i64, i64) {
        let Some((stream, _)) = self.stream.as_mut() else {
            return (-1, 0, 0, 0, 0, 0);
        };
        let (mut state, mut avail, mut appl, mut hw) = (-1, 0, 0, 0);
        if let Ok(status) = stream.status() {
            state = i64::from(state_number(status.state));
            avail = status.avail as i64;
            appl = status.appl_ptr as i64;
            hw = status.hw_ptr as i64;
        }
        let (delay, delay_err) = match stream.delay() {
            Ok(d) => (d, 0),
            Err(e) => (0, -errno_of(&e)),
        };
        (state, avail, appl, hw, delay, delay_err)
    }
}

/// The `SNDRV_PCM_STATE_*` number of a state.
fn state_number(state: State) -> i32 {
    match state {
        State::Open => abi::SNDRV_PCM_STATE_OPEN,
        State::Setup => abi::SNDRV_PCM_STATE_SETUP,
        State::Prepared => abi::SNDRV_PCM_STATE_PREPARED,
        State::Running => abi::SNDRV_PCM_STATE_RUNNING,
        State::Xrun => abi::SNDRV_PCM_STATE_XRUN,
        State::Draining => abi::SNDRV_PCM_STATE_DRAINING,
        State::Paused => abi::SNDRV_PCM_STATE_PAUSED,
        State::Suspended => abi::SNDRV_PCM_STATE_SUSPENDED,
        State::Disconnected => abi::SNDRV_PCM_STATE_DISCONNECTED,
    }
}

/// A way the model is known to differ from the kernel: its name and whether a step's real
/// and replayed lines show it.
struct Known {
    name: &'static str,
    matches: fn(&Line, &Line) -> bool,
}

/// The model's known divergences from the kernel that end a script's comparison (issue 22
/// item 2); none is seen in the recorded trace. Issue 22 names "prepare zeroes `hw_ptr` where
/// the kernel keeps it", but Linux 6.1 with snd-aloop zeroes both pointers on a prepare after
/// an xrun (`snd_pcm_lib_ioctl_reset` outside RUNNING), as the model does: the replay of
/// `xrun-recover` and `xrun-prepare-mid-period` holds the model to that.
const KNOWN: &[Known] = &[];

/// How one script compared: steps compared, and the known divergence or the difference that
/// ended it. Known divergences of one field that do not end the script go to `seen`
/// (`model-delay-always-answers`: the kernel's DELAY fails with EPIPE in an xrun and EBADFD
/// outside the streaming states, the model's always answers).
fn compare(
    real: &[Line],
    model: &[Line],
    tolerance: i64,
    seen: &mut Vec<&'static str>,
) -> (usize, Option<core::result::Result<&'static str, String>>) {
    let (mut base_r, mut base_m) = (0i64, 0i64);
    let mut steps = 0;
    for (r, m) in real.iter().zip(model) {
        let near = |a: i64, b: i64| (a - b).abs() <= tolerance;
        let realign = ["prepare", "reset", "drop", "drain", "recover", "resume"]
            .iter()
            .any(|o| r.op.starts_with(o))
            || r.state == 4;
        let mut diffs = Vec::new();
        let live = r.op == "avail" || r.op == "delay";
        if r.op == "delay" && r.ret < 0 && m.ret >= 0 {
            seen.push("model-delay-always-answers");
        } else if (live && ((r.ret < 0 || m.ret < 0) && r.ret != m.ret || !near(r.ret, m.ret)))
            || (!live && r.ret != m.ret)
        {
            diffs.push(format!("ret {} beside {}", r.ret, m.ret));
        }
        if r.state != m.state {
            diffs.push(format!("state {} beside {}", r.state, m.state));
        }
        // The model's DELAY always answers (known, `model-delay-always-answers`): where the
        // kernel's failed, the delay is not compared, and the script goes on.
        let delay_known = r.delay_err != 0 && m.delay_err == 0;
        if delay_known {
            seen.push("model-delay-always-answers");
        } else if r.delay_err != m.delay_err {
            diffs.push(format!("delay errno {} beside {}", r.delay_err, m.delay_err));
        }
        let (appl_r, appl_m) = (r.appl - base_r, m.appl - base_m);
        if (realign && !near(appl_r, appl_m)) || (!realign && appl_r != appl_m) {
            diffs.push(format!("appl_ptr {} beside {}", r.appl, m.appl));
        }
        if !near(r.hw - base_r, m.hw - base_m) {
            diffs.push(format!("hw_ptr {} beside {}", r.hw, m.hw));
        }
        if !near(r.avail, m.avail) {
            diffs.push(format!("avail {} beside {}", r.avail, m.avail));
        }
        if !delay_known && !near(r.delay, m.delay) {
            diffs.push(format!("delay {} beside {}", r.delay, m.delay));
        }
        if !diffs.is_empty() {
            let verdict = match KNOWN.iter().find(|k| (k.matches)(r, m)) {
                Some(known) => Ok(known.name),
                None => Err(format!("step {} `{}`: {}", r.step, r.op, diffs.join(", "))),
            };
            return (steps, Some(verdict));
        }
        steps += 1;
        if realign {
            (base_r, base_m) = (r.appl, m.appl);
        }
    }
    (steps, None)
}

/// Replays every script of `trace` on the model; returns (scripts, steps compared, known
/// divergences seen, differences).
fn replay(trace: &str) -> (usize, usize, Vec<String>, Vec<String>) {
    let real = parse(trace);
    let mut names: Vec<&str> = real.iter().map(|l| l.script.as_str()).collect();
    names.dedup();
    let (mut scripts, mut steps, mut known, mut differences) = (0, 0, Vec::new(), Vec::new());
    for name in names {
        let lines: Vec<Line> = real.iter().filter(|l| l.script == name).cloned().collect();
        if lines.iter().any(|l| l.op == "link" || l.op == "unlink") {
            // The model has no second stream to link with.
            continue;
        }
        let mut replay = Replay { stream: None };
        let mut tolerance = 0;
        let mut model = Vec::new();
        for line in &lines {
            let words: Vec<&str> = line.op.split_whitespace().collect();
            let values: Vec<u64> = words[1..].iter().map(|w| w.parse().unwrap_or(0)).collect();
            if words[0] == "open" {
                tolerance = values.first().copied().unwrap_or(0) as i64 + i64::from(RATE) / 50;
            }
            let ret = replay.step(words[0], &values);
            let (state, avail, appl, hw, delay, delay_err) = replay.observe();
            model.push(Line {
                ret,
                state,
                avail,
                appl,
                hw,
                delay,
                delay_err,
                ..line.clone()
            });
        }
        let mut seen = Vec::new();
        let (compared, verdict) = compare(&lines, &model, tolerance, &mut seen);
        seen.dedup();
        known.extend(seen.iter().map(|k| format!("{k} ({name})")));
        scripts += 1;
        steps += compared;
        match verdict {
            None => {}
            Some(Ok(name_of)) => known.push(format!("{name_of} ({name})")),
            Some(Err(what)) => differences.push(format!("{name}: {what}")),
        }
    }
    (scripts, steps, known, differences)
}

#[test]
fn the_model_replays_the_real_kernels_trace_but_for_its_known_divergences() {
    let (scripts, steps, known, differences) = replay(ARM64_LOOPBACK);
    std::println!("model replay: {scripts} scripts, {steps} steps compared, known: {known:?}");
    assert!(
        scripts >= 10 && steps >= 100,
        "{scripts} scripts, {steps} steps replayed"
    );
    assert!(
        differences.is_empty(),
        "the model differs from the kernel: {differences:#?}"
    );
}

#[test]
fn a_replay_difference_is_reported_with_its_step() {
    // The real kernel said RUNNING where the model says PREPARED: a write below the start
    // threshold does not start the stream.
    let trace = "s 0 0 2 1024 0 0 0 0 open 256 4 0 0 0\ns 1 256 3 768 256 0 256 0 write 256\n";
    let (scripts, steps, known, differences) = replay(trace);
    assert_eq!((scripts, steps, known.len()), (1, 1, 0));
    assert_eq!(differences.len(), 1);
    assert!(
        differences[0].contains("step 1 `write 256`: state 3 beside 2"),
        "{differences:?}"
    );
}
