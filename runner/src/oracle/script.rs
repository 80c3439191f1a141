//! The scripts of the differential harness: steps, the named scripts of issue 22's cases, and
//! a generator of scripts whose outcome does not depend on when the hardware moves.
//!
//! A script file is text, one `script NAME` line before each script and one step a line (the
//! format `guest-tools/oracle/oracle.c` and `guest-tools/src/bin/oracle.rs` read).

use std::fmt;

use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};

/// One step of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Open the device and configure it (0: the crate's default for a threshold).
    Open {
        /// Frames per period.
        period: u32,
        /// Periods per buffer.
        periods: u32,
        /// `avail_min`.
        avail_min: u32,
        /// Start threshold.
        start: u32,
        /// Stop threshold.
        stop: u32,
    },
    /// `snd_pcm_prepare` / `prepare`.
    Prepare,
    /// `snd_pcm_start` / `start`.
    Start,
    /// `snd_pcm_mmap_begin`, fill, `snd_pcm_mmap_commit` of up to n frames / `begin`, `commit`.
    Mmap(u32),
    /// `snd_pcm_mmap_writei` without blocking / `write` of n frames.
    Write(u32),
    /// `snd_pcm_wait` / `wait` with a timeout in ms.
    Wait(u32),
    /// `snd_pcm_avail` / `avail`.
    Avail,
    /// `snd_pcm_delay` / `delay`.
    Delay,
    /// `snd_pcm_status` / `status`.
    Status,
    /// `snd_pcm_pause` / `pause`.
    Pause(bool),
    /// `snd_pcm_drain` / `drain`.
    Drain,
    /// `snd_pcm_drop` / `stop`.
    Drop,
    /// `snd_pcm_reset` / `reset`.
    Reset,
    /// `snd_pcm_resume` / `resume`.
    Resume,
    /// `snd_pcm_recover` / `recover` with the fault the state shows.
    Recover,
    /// Sleep n ms (the program is late).
    Sleep(u32),
    /// Open the second device with the same configuration and link it.
    Link,
    /// Unlink and close the second device.
    Unlink,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Open {
                period,
                periods,
                avail_min,
                start,
                stop,
            } => write!(f, "open {period} {periods} {avail_min} {start} {stop}"),
            Step::Prepare => f.write_str("prepare"),
            Step::Start => f.write_str("start"),
            Step::Mmap(n) => write!(f, "mmap {n}"),
            Step::Write(n) => write!(f, "write {n}"),
            Step::Wait(ms) => write!(f, "wait {ms}"),
            Step::Avail => f.write_str("avail"),
            Step::Delay => f.write_str("delay"),
            Step::Status => f.write_str("status"),
            Step::Pause(on) => write!(f, "pause {}", u8::from(*on)),
            Step::Drain => f.write_str("drain"),
            Step::Drop => f.write_str("drop"),
            Step::Reset => f.write_str("reset"),
            Step::Resume => f.write_str("resume"),
            Step::Recover => f.write_str("recover"),
            Step::Sleep(ms) => write!(f, "sleep {ms}"),
            Step::Link => f.write_str("link"),
            Step::Unlink => f.write_str("unlink"),
        }
    }
}

/// A named list of steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Name (no spaces).
    pub name: String,
    /// The steps, the first an [`Step::Open`].
    pub steps: Vec<Step>,
}

/// What the scripts may use on a device.
#[derive(Debug, Clone, Copy)]
pub struct Device {
    /// Frames per second.
    pub rate: u32,
    /// The period the named scripts use.
    pub period: u32,
    /// A second playback device to link with.
    pub can_link: bool,
    /// The driver pauses (`SNDRV_PCM_INFO_PAUSE`; snd-dummy does not). Where it does not,
    /// `pause` fails with ENOSYS and the stream runs on, so no script relies on a pause.
    pub can_pause: bool,
}

impl Device {
    /// Frames in `ms` milliseconds.
    fn frames(&self, ms: u32) -> u32 {
        (u64::from(self.rate) * u64::from(ms) / 1000) as u32
    }

    /// Milliseconds of `frames` frames, rounded up.
    fn ms(&self, frames: u32) -> u32 {
        (u64::from(frames) * 1000).div_ceil(u64::from(self.rate)) as u32
    }
}

/// The whole file the guest programs read.
pub fn render(scripts: &[Script]) -> String {
    let mut text = String::new();
    for script in scripts {
        text.push_str(&format!("script {}\n", script.name));
        for step in &script.steps {
            text.push_str(&format!("{step}\n"));
        }
    }
    text
}

/// The named scripts: issue 22's cases on `device`, with 4 periods of `device.period`.
pub fn named(device: &Device) -> Vec<Script> {
    use Step::*;
    let p = device.period;
    let buffer = 4 * p;
    let open_with = |avail_min: u32, start: u32| Open {
        period: p,
        periods: 4,
        avail_min,
        start,
        stop: 0,
    };
    let open = open_with(0, 0);
    let period_ms = device.ms(p);
    // Long enough to run the buffer dry and be noticed, at a period interrupt.
    let starve = device.ms(buffer) + 3 * period_ms + 40;
    let mut scripts = vec![
        (
            "write-start-drain",
            vec![
                open,
                Prepare,
                Write(buffer),
                Status,
                Sleep(period_ms),
                Avail,
                Delay,
                Write(p / 2),
                Drain,
                Status,
            ],
        ),
        (
            "mmap-partial-period-drain",
            vec![open, Prepare, Mmap(p), Mmap(p / 2), Start, Drain, Status],
        ),
        (
            "mmap-start-threshold",
            vec![
                open_with(0, 2 * p),
                Prepare,
                Mmap(p),
                Status,
                Mmap(p),
                Status,
                Sleep(period_ms / 2),
                Drop,
            ],
        ),
        (
            "pause-release",
            vec![
                open,
                Prepare,
                Write(buffer),
                Sleep(period_ms),
                Pause(true),
                Sleep(2 * period_ms),
                Avail,
                Pause(false),
                Delay,
                Drop,
            ],
        ),
        (
            "xrun-recover",
            vec![
                open,
                Prepare,
                Write(buffer),
                Sleep(starve),
                Status,
                Avail,
                Delay,
                Recover,
                Avail,
                Write(buffer),
                Drop,
            ],
        ),
        (
            "xrun-prepare-mid-period",
            vec![
                open,
                Prepare,
                Write(buffer),
                Sleep(starve),
                Prepare,
                Avail,
                Delay,
                Write(2 * p),
                Start,
                Sleep(period_ms / 2),
                Drop,
            ],
        ),
        (
            // Reset while running races the next pointer move (avail reaches the stop
            // threshold): reset while paused, then queue again. Not where the device cannot
            // pause (snd-dummy): its `pause 1` fails and the reset is one of a running stream.
            "reset-paused",
            vec![
                open,
                Prepare,
                Write(buffer),
                Sleep(period_ms),
                Pause(true),
                Reset,
                Avail,
                Delay,
                Write(buffer),
                Pause(false),
                Sleep(period_ms),
                Drop,
            ],
        ),
        (
            "resume-not-suspended",
            vec![open, Prepare, Write(buffer), Resume, Status, Drop],
        ),
        (
            "avail-min-buffer",
            vec![
                open_with(buffer, 0),
                Prepare,
                Write(buffer),
                Wait(4 * device.ms(buffer) + 200),
                Drop,
            ],
        ),
        (
            "wait-prepared-and-running",
            vec![
                open,
                Prepare,
                Write(2 * p),
                Wait(30),
                Write(2 * p),
                Wait(2 * device.ms(buffer) + 200),
                Write(p),
                Drop,
            ],
        ),
        (
            "wrong-states",
            vec![
                open,
                Start,
                Pause(true),
                Pause(false),
                Reset,
                Drain,
                Pause(true),
                Reset,
                Drop,
                Drop,
                Prepare,
                Wait(10),
                Drop,
            ],
        ),
        (
            "write-in-setup",
            vec![open, Drop, Write(p), Mmap(p), Avail, Delay, Prepare, Write(p)],
        ),
        (
            "write-in-xrun",
            vec![
                open,
                Prepare,
                Write(buffer),
                Sleep(starve),
                Write(p),
                Mmap(p),
                Recover,
                Write(p),
            ],
        ),
        (
            "avail-min-below-period",
            vec![
                open_with(p / 2, 0),
                Prepare,
                Write(buffer - p / 2 - p / 4),
                Wait(30),
                Drop,
            ],
        ),
        (
            "drop-prepare-cycles",
            vec![
                open,
                Prepare,
                Write(buffer),
                Sleep(period_ms),
                Drop,
                Status,
                Prepare,
                Write(buffer),
                Sleep(period_ms),
                Drop,
                Prepare,
                Mmap(p),
                Mmap(p),
                Start,
                Drain,
            ],
        ),
    ];
    if !device.can_pause {
        scripts.retain(|(name, _)| *name != "reset-paused");
    }
    if device.can_link {
        scripts.push((
            "link-start-drop",
            vec![
                open,
                Link,
                Prepare,
                Write(buffer),
                Status,
                Sleep(period_ms),
                Drop,
                Status,
                Unlink,
                Prepare,
                Drop,
            ],
        ));
    }
    scripts
        .into_iter()
        .map(|(name, steps)| Script {
            name: name.to_owned(),
            steps,
        })
        .collect()
}

/// What the generator knows of a stream between steps: the state and the frames queued, as a
/// range, since the hardware moves at its own pace.
#[derive(Debug, Clone, Copy)]
struct Model {
    /// 0 setup, 1 prepared, 2 running, 3 paused, 4 xrun.
    state: u8,
    /// Fewest frames queued.
    queued_lo: u32,
    /// Most frames queued.
    queued_hi: u32,
    /// The application pointer's offset in the buffer is known (no xrun moved it to an
    /// unknown hardware position), so `mmap` hands out a known number of frames.
    offset: Option<u32>,
    /// The start threshold.
    start: u32,
    /// avail_min.
    avail_min: u32,
    /// Frames per buffer.
    buffer: u32,
}

/// The generator's state: Set up, not prepared (after drop or drain).
const SETUP: u8 = 0;
/// The generator's state: Prepared.
const PREPARED: u8 = 1;
/// The generator's state: Running.
const RUNNING: u8 = 2;
/// The generator's state: Paused.
const PAUSED: u8 = 3;
/// The generator's state: In an xrun.
const XRUN: u8 = 4;

impl Model {
    /// After frames are queued (exactly `n`).
    fn queue(&mut self, n: u32) {
        self.queued_lo += n;
        self.queued_hi += n;
        self.offset = self.offset.map(|o| (o + n) % self.buffer);
        if self.state == PREPARED && self.queued_lo >= self.start {
            self.state = RUNNING;
        }
    }

    /// After `lo..=hi` frames of time pass.
    fn elapse(&mut self, lo: u32, hi: u32) {
        if self.state == RUNNING {
            self.queued_lo = self.queued_lo.saturating_sub(hi);
            self.queued_hi = self.queued_hi.saturating_sub(lo);
            if self.queued_hi == 0 {
                self.state = XRUN;
                self.offset = None;
            }
        }
    }

    /// The stream is in a state whose every outcome is known: not on the edge of an xrun.
    fn determined(&self, margin: u32) -> bool {
        self.state != RUNNING || self.queued_lo > margin
    }

    /// The hardware pointer's offset in the buffer, when it is known: in PREPARED with the
    /// application pointer's offset known, it is that less the frames queued.
    fn hw_offset(&self) -> Option<u32> {
        let offset = self.offset?;
        (self.state == PREPARED && self.queued_lo == self.queued_hi)
            .then(|| (offset + self.buffer - self.queued_lo % self.buffer) % self.buffer)
    }

    /// The pointers are where prepare, reset or drop leaves them.
    fn emptied(&mut self, state: u8) {
        self.state = state;
        self.queued_lo = 0;
        self.queued_hi = 0;
    }
}

/// `count` scripts from `seed` on `device`: random configurations and steps, each chosen only
/// when its outcome does not depend on how far the hardware moved (see docs/oracle.md).
pub fn generated(device: &Device, seed: u64, count: usize) -> Vec<Script> {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    (0..count)
        .map(|i| Script {
            name: format!("gen-{seed}-{i}"),
            steps: generate_one(device, &mut rng),
        })
        .collect()
}

/// One generated script.
fn generate_one(device: &Device, rng: &mut TestRng) -> Vec<Step> {
    let period = [device.period / 2, device.period, device.period * 2][rng.random_range(0..3usize)].max(64);
    let periods = rng.random_range(2..=4u32);
    let buffer = period * periods;
    // avail_min below the period is a named difference (alsa-lib raises it to the period).
    let avail_min = [0, period, buffer - period][rng.random_range(0..3usize)];
    let start = [0, period, buffer / 2][rng.random_range(0..3usize)];
    let mut steps = vec![Step::Open {
        period,
        periods,
        avail_min,
        start,
        stop: 0,
    }];
    let mut m = Model {
        state: PREPARED,
        queued_lo: 0,
        queued_hi: 0,
        offset: Some(0),
        start: if start == 0 { buffer } else { start },
        avail_min: if avail_min == 0 { period } else { avail_min },
        buffer,
    };
    // How far the hardware may be off between the two programs and the generator's guess:
    // the pointer moves a period at a time on some drivers, plus 10 ms.
    let slack = period + device.frames(10);
    // The time one step without a sleep may take (a few system calls, or an open).
    let step_time = device.frames(3);
    let len = rng.random_range(6..=18usize);
    let mut tries = 0;
    while steps.len() < len && tries < 200 {
        tries += 1;
        let mut next = m;
        let step = match rng.random_range(0..14u32) {
            0 | 1 => {
                let free_lo = buffer.saturating_sub(m.queued_hi);
                if free_lo == 0 || !matches!(m.state, PREPARED | RUNNING | PAUSED) {
                    continue;
                }
                let n = rng.random_range(1..=free_lo);
                next.queue(n);
                Step::Write(n)
            }
            2 => {
                let Some(offset) = m.offset else { continue };
                let free_lo = buffer.saturating_sub(m.queued_hi).min(buffer - offset);
                if free_lo == 0 || !matches!(m.state, PREPARED | RUNNING | PAUSED) {
                    continue;
                }
                let n = rng.random_range(1..=free_lo);
                next.queue(n);
                Step::Mmap(n)
            }
            3 => {
                if m.state != RUNNING {
                    continue;
                }
                // Late, but not too late (or far too late: an xrun).
                let ms = if rng.random_bool(0.3) {
                    device.ms(buffer) + 3 * device.ms(period) + 40
                } else {
                    rng.random_range(1..=device.ms(buffer))
                };
                let frames = device.frames(ms);
                next.elapse(frames.saturating_sub(slack), frames + slack);
                Step::Sleep(ms)
            }
            4 => Step::Avail,
            5 => Step::Delay,
            6 => Step::Status,
            7 => match m.state {
                _ if !device.can_pause => continue,
                RUNNING => {
                    next.state = PAUSED;
                    Step::Pause(true)
                }
                PAUSED => {
                    next.state = RUNNING;
                    Step::Pause(false)
                }
                _ => continue,
            },
            8 => {
                if m.state == PREPARED && m.queued_lo > 0 {
                    next.state = RUNNING;
                } else if m.state != PREPARED {
                    // Start outside PREPARED fails the same way on both sides.
                } else {
                    // Nothing queued: an immediate xrun on some kernels; skip.
                    continue;
                }
                Step::Start
            }
            9 => {
                next.emptied(SETUP);
                next.offset = None;
                if rng.random_bool(0.5) {
                    Step::Drop
                } else if m.state == PAUSED {
                    continue;
                } else {
                    Step::Drain
                }
            }
            10 => {
                if m.state == SETUP || m.state == XRUN || m.state == PREPARED {
                    // The application pointer moves to the hardware's: known only where
                    // the hardware has not moved since the offset was known.
                    next.offset = m.hw_offset();
                    next.emptied(PREPARED);
                    if rng.random_bool(0.5) || m.state != XRUN {
                        Step::Prepare
                    } else {
                        Step::Recover
                    }
                } else {
                    continue;
                }
            }
            11 => {
                // Reset while running leaves avail at the stop threshold: an xrun at the
                // next pointer move, a race. Reset while paused zeroes the kernel's hw_ptr
                // (snd_pcm_lib_ioctl_reset, outside RUNNING) while the driver keeps its DMA
                // position: at the release the pointer jumps there, by a driver-specific
                // amount (the named script `reset-paused` covers it).
                if m.state != PREPARED {
                    continue;
                }
                // Reset moves the application pointer to the hardware's.
                next.offset = m.hw_offset();
                next.queued_lo = 0;
                next.queued_hi = 0;
                Step::Reset
            }
            12 => {
                if m.state == RUNNING {
                    // Until avail_min is free: about the time of the frames above it.
                    let target = buffer.saturating_sub(m.avail_min);
                    if target <= slack + step_time {
                        continue;
                    }
                    next.queued_hi = m.queued_hi.min(target);
                    next.queued_lo = target.saturating_sub(slack).min(m.queued_lo);
                    Step::Wait(4 * device.ms(buffer) + 200)
                } else if m.state == PREPARED {
                    Step::Wait(rng.random_range(1..=30))
                } else {
                    continue;
                }
            }
            _ => {
                if m.state == SETUP {
                    continue;
                }
                // Sleep while not running: nothing moves.
                if m.state == RUNNING {
                    continue;
                }
                Step::Sleep(rng.random_range(1..=20))
            }
        };
        next.elapse(0, step_time);
        if !next.determined(slack) {
            continue;
        }
        m = next;
        steps.push(step);
    }
    steps.push(Step::Drop);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: Device = Device {
        rate: 48_000,
        period: 256,
        can_link: true,
        can_pause: true,
    };

    #[test]
    fn steps_print_as_the_guest_programs_read_them() {
        let script = Script {
            name: "x".into(),
            steps: vec![
                Step::Open {
                    period: 256,
                    periods: 4,
                    avail_min: 0,
                    start: 512,
                    stop: 0,
                },
                Step::Mmap(100),
                Step::Pause(true),
                Step::Wait(20),
            ],
        };
        assert_eq!(
            render(&[script]),
            "script x\nopen 256 4 0 512 0\nmmap 100\npause 1\nwait 20\n"
        );
    }

    #[test]
    fn the_named_scripts_open_first_and_link_only_where_they_can() {
        let scripts = named(&LOOPBACK);
        assert!(scripts.iter().all(|s| matches!(s.steps[0], Step::Open { .. })));
        assert!(scripts.iter().any(|s| s.steps.contains(&Step::Link)));
        let single = named(&Device {
            can_link: false,
            ..LOOPBACK
        });
        assert!(single.iter().all(|s| !s.steps.contains(&Step::Link)));
    }

    #[test]
    fn a_device_that_cannot_pause_gets_no_pause_to_rely_on() {
        let dummy = Device {
            can_pause: false,
            ..LOOPBACK
        };
        assert!(named(&dummy).iter().all(|s| s.name != "reset-paused"));
        assert!(named(&LOOPBACK).iter().any(|s| s.name == "reset-paused"));
        for script in generated(&dummy, 3, 200) {
            assert!(
                !script.steps.iter().any(|s| matches!(s, Step::Pause(_))),
                "{script:?}"
            );
        }
    }

    #[test]
    fn generated_scripts_reset_only_a_prepared_stream() {
        let mut resets = 0;
        for script in generated(&LOOPBACK, 5, 300) {
            let mut paused = false;
            for step in &script.steps {
                match step {
                    Step::Pause(on) => paused = *on,
                    Step::Drop | Step::Drain | Step::Prepare | Step::Recover => paused = false,
                    Step::Reset => {
                        assert!(!paused, "reset while paused: {script:?}");
                        resets += 1;
                    }
                    _ => {}
                }
            }
        }
        assert!(resets > 0, "no reset generated at all");
    }

    #[test]
    fn generation_is_repeatable_and_never_writes_beyond_the_buffer() {
        assert_eq!(generated(&LOOPBACK, 7, 20), generated(&LOOPBACK, 7, 20));
        assert_ne!(generated(&LOOPBACK, 7, 5), generated(&LOOPBACK, 8, 5));
        for script in generated(&LOOPBACK, 1, 200) {
            let Step::Open { period, periods, .. } = script.steps[0] else {
                panic!("{script:?}")
            };
            assert!(script.steps.len() >= 2 && script.steps.last() == Some(&Step::Drop));
            for step in &script.steps {
                if let Step::Write(n) | Step::Mmap(n) = step {
                    assert!(*n >= 1 && *n <= period * periods, "{script:?}");
                }
            }
        }
    }
}
