//! The host's half of the differential harness: reads the trace lines both guest programs print
//! and compares them step by step (docs/oracle.md).

use std::collections::BTreeMap;

use serde::Deserialize;

/// One `ORACLE {...}` line: a step and what the stream showed after it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Line {
    /// `alsa-lib` or `crate`.
    #[serde(rename = "impl")]
    pub implementation: String,
    /// Which run printed it (the job's tag: device and run).
    pub tag: String,
    /// Script name.
    pub script: String,
    /// Step number in the script.
    pub step: usize,
    /// The step as written in the script.
    pub op: String,
    /// The step's value, or -errno.
    pub ret: i64,
    /// `SNDRV_PCM_STATE_*` after the step (-1: no stream open).
    pub state: i64,
    /// Frames available after the step.
    pub avail: i64,
    /// Application pointer after the step.
    pub appl: i64,
    /// Hardware pointer after the step.
    pub hw: i64,
    /// `SNDRV_PCM_IOCTL_DELAY`'s value (0 when it failed).
    pub delay: i64,
    /// `SNDRV_PCM_IOCTL_DELAY`'s errno (0 when it succeeded).
    pub delay_err: i64,
}

/// The trace lines of `console`: (tag, implementation) → script → lines in step order.
pub type Traces = BTreeMap<(String, String), BTreeMap<String, Vec<Line>>>;

/// Collects the `ORACLE {...}` lines of a boot's console; lines that do not parse are
/// returned as errors.
pub fn parse(console: &[String]) -> (Traces, Vec<String>) {
    let mut traces = Traces::new();
    let mut bad = Vec::new();
    for line in console {
        let Some(json) = line.trim().strip_prefix("ORACLE ") else {
            continue;
        };
        match serde_json::from_str::<Line>(json) {
            Ok(parsed) => traces
                .entry((parsed.tag.clone(), parsed.implementation.clone()))
                .or_default()
                .entry(parsed.script.clone())
                .or_default()
                .push(parsed),
            Err(err) => bad.push(format!("{err}: {line}")),
        }
    }
    (traces, bad)
}

/// Trace lines as text, one a line: `SCRIPT STEP RET STATE AVAIL APPL HW DELAY DELAY_ERR OP`
/// (the model replay's fixtures, `tests/oracle/*.trace`).
pub fn trace_text<'a>(lines: impl Iterator<Item = &'a Line>) -> String {
    lines
        .map(|l| {
            format!(
                "{} {} {} {} {} {} {} {} {} {}\n",
                l.script, l.step, l.ret, l.state, l.avail, l.appl, l.hw, l.delay, l.delay_err, l.op
            )
        })
        .collect()
}

/// A difference the project knows of, accepted by name: the rest of the script after it is
/// not compared (the two streams are no longer in the same place).
pub struct Named {
    /// The name docs/oracle.md and the README's robustness table give it.
    pub name: &'static str,
    /// Why it is accepted.
    pub kind: Kind,
    /// Whether the difference at this step is this one: the script name, its open step's
    /// values (period, periods, avail_min, start, stop) and the two lines.
    pub matches: fn(&str, &[u32], &Line, &Line) -> bool,
}

/// Why a named difference is accepted. A difference the harness finds gets a name only
/// once explained: fixed in the crate (and so gone), or intended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Explained and accepted (docs/robustness.md): the crate means to differ, or the
    /// difference is the device's timing, which either program may meet, and the crate
    /// gives the kernel's answer.
    Intended,
}

/// The named differences (docs/oracle.md "Named differences").
pub const NAMED: &[Named] = &[
    // `avail_min` not below the stop threshold (here the buffer) makes every wait end in an
    // xrun: the crate refuses such a config at open (`ConfigError::AvailMinNotBelowStopThreshold`,
    // EINVAL), alsa-lib accepts it.
    Named {
        name: "avail-min-buffer",
        kind: Kind::Intended,
        matches: |script, _, a, c| script == "avail-min-buffer" && a.op.starts_with("open") && c.ret == -22,
    },
    // alsa-lib raises `avail_min` to the period (snd_pcm_sw_params_set_avail_min); the crate
    // wakes at the `avail_min` asked for.
    Named {
        name: "avail-min-below-period",
        kind: Kind::Intended,
        matches: |_, open, a, c| {
            let (period, avail_min) = (
                open.first().copied().unwrap_or(0),
                open.get(2).copied().unwrap_or(0),
            );
            a.op.starts_with("wait") && avail_min != 0 && avail_min < period && a.ret == 0 && c.ret == 1
        },
    },
    // snd-intel8x0 under qemu (qemu-x86_64-ac97): the release restarts qemu's bus master
    // at the next buffer descriptor (hw/audio/ac97.c, `nabm_writeb` on `PO_CR` with
    // `CR_RPBM`: `civ = piv; piv++; fetch_bd`), skipping the rest of the paused period
    // without an interrupt. Until the emulated DMA has moved past the paused position, the
    // driver's pointer (`snd_intel8x0_pcm_pointer`: `position + fragsize1 - PICB`, with
    // `position` not yet moved) is the start of the paused period, behind the kernel's
    // `hw_ptr`; `snd_pcm_update_hw_ptr0` (pcm_lib.c) takes a pointer below `hw_ptr` for a
    // wrap (`hw_base += buffer_size`), so `hw_ptr` leaps a buffer ahead and the stream is in
    // an xrun with avail beyond the buffer. The trace lines differ when the pause landed at
    // another place on each side (only a pause after the period start leaps), or when both
    // leapt: alsa-lib's `snd_pcm_status` gives the state sampled before the pointer update
    // its own ioctl makes (`snd_pcm_status64`), RUNNING, where the crate's `status()` syncs
    // first and reads XRUN.
    Named {
        name: "xrun-after-pause-release",
        kind: Kind::Intended,
        matches: |_, open, a, c| {
            let buffer = buffer_of(open);
            a.op == "pause 0"
                && ((a.state == 3 && c.state == 4 && c.avail > buffer)
                    || (a.state == 4 && c.state == 3 && a.avail > buffer))
        },
    },
    // A `drain` of a running playback stream with nothing queued (an underrun the kernel
    // has not declared yet). The crate, like alsa-lib since 1.2.9 (`snd_pcm_hw_drain`),
    // first sets the drain's silence with `SW_PARAMS`; `snd_pcm_sw_params` (pcm_native.c)
    // runs `snd_pcm_update_state` on a running stream, which finds avail at the stop
    // threshold, declares the xrun and fails with EPIPE: the drain is `Error::Xrun`. The
    // boards' bookworm alsa-lib (1.2.8) sends only `DRAIN`, which moves the running stream
    // to DRAINING and on to SETUP at the next pointer update: 0.
    Named {
        name: "drain-of-an-empty-running-stream",
        kind: Kind::Intended,
        matches: |_, open, a, c| {
            a.op == "drain"
                && (a.ret, a.state) == (0, 1)
                && (c.ret, c.state) == (-32, 4)
                && c.avail >= buffer_of(open)
        },
    },
    // `reset` of a paused stream zeroes the kernel's `hw_ptr` (`snd_pcm_lib_ioctl_reset`,
    // pcm_lib.c: not `snd_pcm_running`, so `hw_ptr = 0`) while the driver keeps its DMA
    // position; at the release the next pointer update moves `hw_ptr` to that position
    // (a jump the driver decides), and a position read a little behind the one before it
    // (HDA under qemu reports in 1 ms chunks) is taken for a wrap by `snd_pcm_update_hw_ptr0`
    // (`new_hw_ptr < old_hw_ptr`: `hw_base += buffer_size`): the stream is in an xrun. Seen
    // on qemu-riscv64-hda on either side (alsa-lib's run as well as the crate's), only after
    // the release. (snd-dummy cannot pause, so the script is not run there.)
    Named {
        name: "reset-paused-xrun",
        kind: Kind::Intended,
        matches: |script, _, a, c| {
            script == "reset-paused" && a.step >= RESET_PAUSED_RELEASE_STEP && in_xrun(a) != in_xrun(c)
        },
    },
    // The kernel's `snd_pcm_drain` (pcm_native.c) gives up after max(100 ms, 1.1 buffers) of
    // no pointer move ("playback drain timeout (DMA or IRQ trouble?)"), stops the stream in
    // SETUP and returns EIO. snd-usb-audio on qemu-armv7-usb (emulated isochronous endpoint
    // under a slow TCG guest) sometimes stops moving after drop/prepare cycles
    // (`drop-prepare-cycles`: `hw_ptr` still after a period of sleep); whichever program
    // drains then gets EIO (both did in one run, alsa-lib alone in another). The crate
    // passes the kernel's EIO on (`Error::Sys`), the right answer: the frames were not played.
    Named {
        name: "usb-drain-eio",
        kind: Kind::Intended,
        matches: |_, _, a, c| {
            let timed_out = |l: &Line| (l.ret, l.state) == (-5, 1);
            a.op == "drain" && ((timed_out(a) && c.ret == 0) || (a.ret == 0 && timed_out(c)))
        },
    },
];

/// The name of a sleep over which one side's card kept no time (see [`stood_still`]).
pub const CARD_STOOD_STILL: &str = "card-stood-still";

/// Whether `line`, a `sleep` step that follows `before`, shows a card that kept no time: the
/// stream running before and after, and the kernel's `hw_ptr` (both programs read it with
/// `STATUS`, which syncs it) moved less than the sleep's frames minus `tolerance`, with the
/// kernel's own `DELAY` (synced again) not below the queue that pointer leaves, less the
/// tolerance: a program that reported a stale pointer is not taken for a card that stood
/// still. The generator's scripts assume the hardware moves at its rate; snd-usb-audio on a
/// slow TCG guest (qemu-armv7-usb) sometimes stops moving for a while, on either side, and
/// the two streams are then no longer comparable.
fn stood_still(before: &Line, line: &Line, frames_per_ms: i64, tolerance: i64) -> bool {
    let Some(ms) = line
        .op
        .strip_prefix("sleep ")
        .and_then(|ms| ms.trim().parse::<i64>().ok())
    else {
        return false;
    };
    let confirmed = line.delay_err == 0 && line.delay >= line.appl - line.hw - tolerance;
    before.state == 3 && line.state == 3 && confirmed && line.hw - before.hw < ms * frames_per_ms - tolerance
}

/// The step of the named script `reset-paused` that releases the pause
/// (`script::named`; checked by a test).
const RESET_PAUSED_RELEASE_STEP: usize = 9;

/// Frames in the buffer of a script's open step (period × periods).
fn buffer_of(open: &[u32]) -> i64 {
    i64::from(open.first().copied().unwrap_or(0)) * i64::from(open.get(1).copied().unwrap_or(0))
}

/// Whether a line shows the stream in an xrun: the state, the step's EPIPE or the delay's.
fn in_xrun(l: &Line) -> bool {
    l.state == 4 || l.ret == -32 || l.delay_err == 32
}

/// How one script compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step agreed.
    Same,
    /// A named difference (name, why accepted) at a step; the steps after it were not
    /// compared.
    Named(&'static str, Kind, usize),
    /// A difference nobody named: what and where.
    Differs(String),
}

/// The outcome of comparing one script's two traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Steps compared.
    pub steps: usize,
    /// The verdict.
    pub verdict: Verdict,
}

/// Steps that move the application pointer to the hardware pointer (or may): after them the
/// positions are compared from where each stream now is.
fn realigns(op: &str) -> bool {
    [
        "prepare", "reset", "drop", "drain", "recover", "resume", "start", "link",
    ]
    .iter()
    .any(|o| op.starts_with(o))
}

/// Steps whose value is a position read while the hardware moves.
fn live_value(op: &str) -> bool {
    op == "avail" || op == "delay"
}

/// Compares one script's lines from alsa-lib (`alsa`) and the crate (`ours`): exact for the
/// step, its value, the state, the delay's errno and the application pointer; within
/// `tolerance` frames for the hardware pointer, avail and delay (and the values of `avail`
/// and `delay` steps), the positions taken from the last realignment (see [`realigns`]).
/// A difference at a sleep over which either card kept no time ([`stood_still`], at
/// `frames_per_ms`) is named [`CARD_STOOD_STILL`].
pub fn compare(script: &str, alsa: &[Line], ours: &[Line], tolerance: i64, frames_per_ms: i64) -> Outcome {
    let mut steps = 0;
    let open: Vec<u32> = alsa
        .first()
        .map(|l| {
            l.op.split_whitespace()
                .skip(1)
                .filter_map(|w| w.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let (mut base_a, mut base_c) = (0i64, 0i64);
    let mut before: Option<(&Line, &Line)> = None;
    for (a, c) in alsa.iter().zip(ours) {
        let mut diffs = Vec::new();
        if a.op != c.op || a.step != c.step {
            diffs.push(format!("step {:?} beside {:?}", a.op, c.op));
        }
        let near = |x: i64, y: i64| (x - y).abs() <= tolerance;
        if live_value(&a.op) {
            if (a.ret < 0 || c.ret < 0) && a.ret != c.ret || !near(a.ret, c.ret) {
                diffs.push(format!("ret {} beside {}", a.ret, c.ret));
            }
        } else if a.ret != c.ret {
            diffs.push(format!("ret {} beside {}", a.ret, c.ret));
        }
        if a.state != c.state {
            diffs.push(format!("state {} beside {}", a.state, c.state));
        }
        if a.delay_err != c.delay_err {
            diffs.push(format!("delay errno {} beside {}", a.delay_err, c.delay_err));
        }
        let realign = realigns(&a.op) || a.state == 4;
        let (appl_a, appl_c) = (a.appl - base_a, c.appl - base_c);
        if realign {
            if !near(appl_a, appl_c) {
                diffs.push(format!("appl_ptr {} beside {} (+/-{tolerance})", a.appl, c.appl));
            }
        } else if appl_a != appl_c {
            diffs.push(format!(
                "appl_ptr {} beside {} (from {base_a} and {base_c})",
                a.appl, c.appl
            ));
        }
        if !near(a.hw - base_a, c.hw - base_c) {
            diffs.push(format!("hw_ptr {} beside {} (+/-{tolerance})", a.hw, c.hw));
        }
        if !near(a.avail, c.avail) {
            diffs.push(format!("avail {} beside {} (+/-{tolerance})", a.avail, c.avail));
        }
        if !near(a.delay, c.delay) {
            diffs.push(format!("delay {} beside {} (+/-{tolerance})", a.delay, c.delay));
        }
        if !diffs.is_empty() {
            let still = |(ba, bc): (&Line, &Line)| {
                stood_still(ba, a, frames_per_ms, tolerance) || stood_still(bc, c, frames_per_ms, tolerance)
            };
            if before.is_some_and(still) {
                return Outcome {
                    steps,
                    verdict: Verdict::Named(CARD_STOOD_STILL, Kind::Intended, a.step),
                };
            }
            if let Some(named) = NAMED.iter().find(|n| (n.matches)(script, &open, a, c)) {
                return Outcome {
                    steps,
                    verdict: Verdict::Named(named.name, named.kind, a.step),
                };
            }
            return Outcome {
                steps,
                verdict: Verdict::Differs(format!("step {} `{}`: {}", a.step, a.op, diffs.join(", "))),
            };
        }
        steps += 1;
        if realign {
            (base_a, base_c) = (a.appl, c.appl);
        }
        before = Some((a, c));
    }
    if alsa.len() != ours.len() {
        return Outcome {
            steps,
            verdict: Verdict::Differs(format!(
                "{} steps from alsa-lib, {} from the crate",
                alsa.len(),
                ours.len()
            )),
        };
    }
    Outcome {
        steps,
        verdict: Verdict::Same,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(implementation: &str, step: usize, op: &str, ret: i64, state: i64, appl: i64, hw: i64) -> Line {
        Line {
            implementation: implementation.into(),
            tag: "t".into(),
            script: "s".into(),
            step,
            op: op.into(),
            ret,
            state,
            avail: 1024 - (appl - hw),
            appl,
            hw,
            delay: appl - hw,
            delay_err: 0,
        }
    }

    #[test]
    fn lines_parse_from_the_console_by_tag_and_implementation() {
        let console = vec![
            "boot noise".to_owned(),
            r#"ORACLE {"impl":"alsa-lib","tag":"hw:0,0","script":"a","step":0,"op":"open 256 4 0 0 0","ret":0,"state":2,"avail":1024,"appl":0,"hw":0,"delay":0,"delay_err":0}"#.to_owned(),
            "ORACLE {broken".to_owned(),
        ];
        let (traces, bad) = parse(&console);
        assert_eq!(bad.len(), 1);
        let lines = &traces[&("hw:0,0".to_owned(), "alsa-lib".to_owned())]["a"];
        assert_eq!((lines[0].op.as_str(), lines[0].state), ("open 256 4 0 0 0", 2));
    }

    #[test]
    fn hardware_positions_may_differ_by_the_tolerance_and_the_rest_may_not() {
        let a = vec![line("a", 0, "write 1024", 1024, 3, 1024, 100)];
        let near = vec![line("c", 0, "write 1024", 1024, 3, 1024, 150)];
        assert_eq!(compare("s", &a, &near, 64, 48).verdict, Verdict::Same);
        let far = vec![line("c", 0, "write 1024", 1024, 3, 1024, 300)];
        assert!(
            matches!(compare("s", &a, &far, 64, 48).verdict, Verdict::Differs(w) if w.contains("hw_ptr"))
        );
        let state = vec![line("c", 0, "write 1024", 1024, 2, 1024, 100)];
        assert!(
            matches!(compare("s", &a, &state, 64, 48).verdict, Verdict::Differs(w) if w.contains("state 3 beside 2"))
        );
        let appl = vec![line("c", 0, "write 1024", 1024, 3, 1023, 100)];
        assert!(
            matches!(compare("s", &a, &appl, 64, 48).verdict, Verdict::Differs(w) if w.contains("appl_ptr"))
        );
        let shorter: Vec<Line> = Vec::new();
        assert!(matches!(
            compare("s", &a, &shorter, 64, 48).verdict,
            Verdict::Differs(_)
        ));
    }

    #[test]
    fn positions_count_from_the_last_realignment() {
        // An xrun left the hardware pointers 40 frames apart; prepare moved appl_ptr there.
        let a = vec![
            line("a", 0, "prepare", 0, 2, 2000, 2000),
            line("a", 1, "write 256", 256, 2, 2256, 2000),
        ];
        let c = vec![
            line("c", 0, "prepare", 0, 2, 2040, 2040),
            line("c", 1, "write 256", 256, 2, 2296, 2040),
        ];
        assert_eq!(
            compare("s", &a, &c, 64, 48),
            Outcome {
                steps: 2,
                verdict: Verdict::Same
            }
        );
        let c_wrong = vec![c[0].clone(), line("c", 1, "write 256", 256, 2, 2297, 2040)];
        assert!(matches!(
            compare("s", &a, &c_wrong, 64, 48).verdict,
            Verdict::Differs(_)
        ));
    }

    #[test]
    fn a_named_difference_ends_the_comparison_by_name() {
        let a = vec![
            line("a", 0, "pause 0", 0, 3, 1024, 100),
            line("a", 1, "status", 0, 3, 1024, 100),
        ];
        let c = vec![
            line("c", 0, "pause 0", 0, 4, 1024, 100),
            line("c", 1, "status", 0, 4, 1024, 100),
        ];
        assert_eq!(
            compare("s", &a, &c, 64, 48),
            Outcome {
                steps: 0,
                verdict: Verdict::Named("xrun-after-pause-release", Kind::Intended, 0)
            }
        );
    }

    #[test]
    fn a_sleep_over_which_a_card_kept_no_time_is_named_and_nothing_else() {
        // qemu-armv7-usb: 149 ms at 48 kHz from hw_ptr 864; alsa-lib's card moved and ran
        // dry, the crate's stood still (the kernel's STATUS on both sides).
        let a = vec![
            line("a", 0, "start", -77, 3, 1902, 864),
            line("a", 1, "sleep 149", 0, 4, 1902, 1056),
        ];
        let still = vec![
            line("c", 0, "start", -77, 3, 1902, 864),
            line("c", 1, "sleep 149", 0, 3, 1902, 864),
        ];
        assert_eq!(
            compare("s", &a, &still, 1984, 48).verdict,
            Verdict::Named(CARD_STOOD_STILL, Kind::Intended, 1)
        );
        assert_eq!(
            compare("s", &still, &a, 1984, 48).verdict,
            Verdict::Named(CARD_STOOD_STILL, Kind::Intended, 1)
        );
        // A pointer the kernel's own DELAY contradicts (a stale read) is a plain difference.
        let mut stale = still.clone();
        stale[1].delay = 1902 - 864 - 149 * 48;
        assert!(matches!(
            compare("s", &a, &stale, 1984, 48).verdict,
            Verdict::Differs(_)
        ));
        // A card that moved its time's worth and stayed running is a plain difference.
        let moved = vec![
            line("c", 0, "start", -77, 3, 1902, 864),
            line("c", 1, "sleep 149", 0, 3, 1902, 864 + 149 * 48),
        ];
        assert!(matches!(
            compare("s", &a, &moved, 1984, 48).verdict,
            Verdict::Differs(_)
        ));
        // So is a difference at a step that is not a sleep.
        let a_status = vec![a[0].clone(), line("a", 1, "status", 0, 4, 1902, 1056)];
        let c_status = vec![still[0].clone(), line("c", 1, "status", 0, 3, 1902, 864)];
        assert!(matches!(
            compare("s", &a_status, &c_status, 1984, 48).verdict,
            Verdict::Differs(_)
        ));
    }

    fn named_at(script: &str, open: &[u32], a: &Line, c: &Line) -> Option<&'static str> {
        NAMED
            .iter()
            .find(|n| (n.matches)(script, open, a, c))
            .map(|n| n.name)
    }

    #[test]
    fn the_release_step_of_reset_paused_is_the_scripts() {
        let device = crate::oracle::script::Device {
            rate: 48_000,
            period: 256,
            can_link: false,
            can_pause: true,
        };
        let scripts = crate::oracle::script::named(&device);
        let script = scripts.iter().find(|s| s.name == "reset-paused").unwrap();
        assert_eq!(
            script.steps[RESET_PAUSED_RELEASE_STEP],
            crate::oracle::script::Step::Pause(false)
        );
    }

    #[test]
    fn the_explained_races_match_either_side_and_nothing_else() {
        let open = [256, 4, 0, 0, 0];
        // reset-paused: an xrun after the release on either side; not before it.
        let run = line("a", 10, "sleep 6", 0, 3, 1024, 900);
        let xrun = line("c", 10, "sleep 6", 0, 4, 1024, 5000);
        assert_eq!(
            named_at("reset-paused", &open, &run, &xrun),
            Some("reset-paused-xrun")
        );
        assert_eq!(
            named_at("reset-paused", &open, &xrun, &run),
            Some("reset-paused-xrun")
        );
        let early = line("c", 5, "reset", 0, 4, 1024, 5000);
        let early_a = line("a", 5, "reset", 0, 6, 0, 0);
        assert_eq!(named_at("reset-paused", &open, &early_a, &early), None);
        assert_eq!(named_at("pause-release", &open, &run, &xrun), None);
        // usb-drain-eio: the kernel's drain timeout (EIO, SETUP) on either side.
        let eio = line("a", 14, "drain", -5, 1, 2048, 864);
        let drained = line("c", 14, "drain", 0, 1, 2048, 2048);
        assert_eq!(named_at("s", &open, &eio, &drained), Some("usb-drain-eio"));
        assert_eq!(named_at("s", &open, &drained, &eio), Some("usb-drain-eio"));
        let eio_running = line("a", 14, "drain", -5, 3, 2048, 864);
        assert_eq!(named_at("s", &open, &eio_running, &drained), None);
        // drain-of-an-empty-running-stream: alsa-lib 1.2.8 in SETUP, the crate's xrun with
        // nothing queued; not the other way round.
        let setup = line("a", 9, "drain", 0, 1, 1024, 1024);
        let mut empty = line("c", 9, "drain", -32, 4, 1024, 2048);
        empty.avail = 2048;
        assert_eq!(
            named_at("s", &open, &setup, &empty),
            Some("drain-of-an-empty-running-stream")
        );
        assert_eq!(named_at("s", &open, &empty, &setup), None);
        // xrun-after-pause-release: avail beyond the buffer (the misread wrap), either side.
        let released = line("a", 7, "pause 0", 0, 3, 1024, 100);
        let mut leapt = line("c", 7, "pause 0", 0, 4, 1024, 4196);
        leapt.avail = 4196;
        assert_eq!(
            named_at("s", &open, &released, &leapt),
            Some("xrun-after-pause-release")
        );
        assert_eq!(
            named_at("s", &open, &leapt, &released),
            Some("xrun-after-pause-release")
        );
        let mut at_threshold = leapt.clone();
        at_threshold.avail = 1024;
        assert_eq!(named_at("s", &open, &released, &at_threshold), None);
    }
}
