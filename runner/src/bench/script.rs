//! What `cargo board bench` measures in a guest, and the shell script that measures it.
//!
//! Every measurement runs under `/bench/bench exec` (guest-tools/src/bin/bench.rs), which prints one
//! `BENCH-EXEC` line (exit status, user and system CPU time, wall time, xruns, and with
//! `--trace` the system calls by kind); the script prints `BENCH-CASE <id>` before each, so
//! that [`crate::bench::report`] can attribute the lines. Every run streams a whole number of
//! buffers at every period size (a multiple of [`FRAME_QUANTUM`] frames), so that the
//! difference of two runs of different lengths is exactly the steady state: set-up, drain and
//! exit cancel out. Case ids:
//! - `cpu<frames>/<tool>/<period>`: untraced, at two lengths (CPU time, xruns),
//! - `trace<frames>/<tool>/<period>`: traced, at two lengths (system calls),
//! - `hog/<tool>/<period>`: untraced, the long length, beside one busy loop per guest CPU;
//!   period sizes ascending until the first run without an xrun, among [`HOG_PERIODS`] those
//!   the device takes exactly (`floor --setup-only`; printed as `BENCH-INFO hog_periods=..`).

use std::fmt::Write;

/// A program streaming S16_LE stereo 48 kHz to the board's playback device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tool {
    /// Id in case names and JSON.
    pub key: &'static str,
    /// Name in the tables.
    pub label: &'static str,
}

/// alsa-direct with the arch's own transport.
pub const DIRECT: Tool = Tool {
    key: "direct",
    label: "alsa-direct",
};
/// alsa-direct with `TransportChoice::ForceSyncPtr`.
pub const DIRECT_SYNC_PTR: Tool = Tool {
    key: "direct-sync-ptr",
    label: "alsa-direct (forced SYNC_PTR)",
};
/// The floor: guest-tools/floor/floor.c, the least a program can do per period (waits and
/// syncs once, writes nothing), with the arch's own transport.
pub const FLOOR: Tool = Tool {
    key: "floor",
    label: "floor (C, no samples)",
};
/// The floor with `SYNC_PTR` where the arch maps the status by default.
pub const FLOOR_SYNC_PTR: Tool = Tool {
    key: "floor-sync-ptr",
    label: "floor (C, no samples, forced SYNC_PTR)",
};
/// `aplay -M` (alsa-lib, mmap).
pub const APLAY_MMAP: Tool = Tool {
    key: "aplay-mmap",
    label: "aplay -M",
};
/// `aplay` (alsa-lib, read/write).
pub const APLAY_RW: Tool = Tool {
    key: "aplay-rw",
    label: "aplay",
};

/// On x86, the environment that makes glibc's `memset`/`memcpy` use vector loops instead of
/// `rep stosb`/`rep movsb` for blocks under 1 MiB, in every program measured. The instruction
/// clock counts each iteration of a `rep`-prefixed string instruction as one instruction: a
/// 4 KiB `rep stosb` (glibc's choice above 2 KiB on a CPU with ERMS) would count 4096, about
/// 40% of alsa-direct's whole period at 1024 frames, though a real core clears 4 KiB in about
/// a hundred cycles either way.
pub const X86_STRING_TUNABLES: &str =
    "glibc.cpu.x86_rep_stosb_threshold=1048576:glibc.cpu.x86_rep_movsb_threshold=1048576";

/// Period sizes measured for system calls and CPU.
pub const PERIODS: [u32; 3] = [64, 256, 1024];
/// Period sizes tried, ascending, for the smallest stable one beside the CPU hog.
pub const HOG_PERIODS: [u32; 7] = [16, 32, 64, 128, 256, 512, 1024];

/// Timer mode beside period mode: the latencies measured, in frames at 48 kHz (10.7 and
/// 85.3 ms). Timer mode keeps this many frames queued in a buffer of [`TIMER_PERIODS`] x
/// [`TIMER_PERIOD`] frames; the period-mode programs play 4 periods of a quarter of it.
/// (snd-hda-intel allows 32 periods at most, and the crate's target fill is at least two
/// periods, so with a buffer of 8192 frames 512 is the lowest target. qemu's HDA codec
/// fetches about 1800 frames ahead of what it plays: on it 512 underruns, in either mode.)
pub const TIMER_LATENCIES: [u32; 2] = [512, 4096];
/// The timer-mode stream's period (its fill granularity).
pub const TIMER_PERIOD: u32 = 256;
/// The timer-mode stream's periods: a buffer of 8192 frames.
pub const TIMER_PERIODS: u32 = 32;

/// A program in the timer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerTool {
    /// Id in case names and JSON.
    pub key: &'static str,
    /// Name in the tables.
    pub label: &'static str,
}

/// The programs of the timer comparison, in table order.
pub const TIMER_TOOLS: [TimerTool; 4] = [
    TimerTool {
        key: "direct-timer",
        label: "alsa-direct, timer mode (8192-frame buffer)",
    },
    TimerTool {
        key: "direct-period",
        label: "alsa-direct, period mode",
    },
    TimerTool {
        key: "aplay-mmap",
        label: "aplay -M (alsa-lib, period mode)",
    },
    TimerTool {
        key: "floor",
        label: "floor (C, no samples, period mode)",
    },
];

/// The shell command that streams `frames` frames with the timer comparison's `tool` at
/// `latency` frames on the device in `$DEVICE`.
pub fn timer_command(tool: TimerTool, latency: u32, frames: u64) -> String {
    let period = latency / 4;
    match tool.key {
        "direct-timer" => format!(
            "{BENCH_BINARY} play --device $DEVICE --period {TIMER_PERIOD} --periods {TIMER_PERIODS} --timer {latency} --frames {frames}"
        ),
        "direct-period" => format!("{BENCH_BINARY} play --device $DEVICE --period {period} --periods 4 --frames {frames}"),
        "floor" => format!("{FLOOR_BINARY} --device $DEVICE --period {period} --frames {frames}"),
        _ => format!(
            "/usr/bin/aplay -M -D $DEVICE -f S16_LE -c 2 -r {RATE} --period-size={period} --buffer-size={latency} -s {frames} -t raw /dev/zero"
        ),
    }
}

/// Sample rate of every run.
pub const RATE: u64 = 48_000;
/// Every run length is a multiple of this many frames: whole buffers (4 periods) at every
/// period size measured.
pub const FRAME_QUANTUM: u64 = 4096;

/// What to measure in one guest.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The tools (the forced SYNC_PTR only where the arch maps the status by default).
    pub tools: Vec<Tool>,
    /// The board's playback device (`hw:CARD,DEV[,SUB]`; a numeric card is named by its id in
    /// the guest).
    pub device: String,
    /// The nominal length of the long untraced and hog runs, in seconds.
    pub seconds: u64,
    /// The two untraced lengths in frames (the second longer).
    pub cpu_frames: (u64, u64),
    /// The two traced lengths in frames (the second longer).
    pub trace_frames: (u64, u64),
    /// `/lib/<triple>` of the guest's Debian architecture.
    pub multiarch: String,
    /// Set [`X86_STRING_TUNABLES`] in the guest (x86 targets).
    pub x86_tunables: bool,
    /// Only the timer comparison (`cargo board bench --timer-only`).
    pub timer_only: bool,
}

/// `seconds` of audio rounded up to whole [`FRAME_QUANTUM`]s.
fn frames_for(seconds: f64) -> u64 {
    let frames = (seconds * RATE as f64).ceil() as u64;
    frames.div_ceil(FRAME_QUANTUM).max(1) * FRAME_QUANTUM
}

impl Plan {
    /// The plan for a target, playback device and run length.
    pub fn new(target: &str, device: &str, seconds: u64, multiarch: &str) -> Plan {
        let mut tools = vec![DIRECT];
        if target.starts_with("x86_64") {
            tools.push(DIRECT_SYNC_PTR);
        }
        tools.push(FLOOR);
        if target.starts_with("x86_64") {
            tools.push(FLOOR_SYNC_PTR);
        }
        tools.extend([APLAY_MMAP, APLAY_RW]);
        let seconds = seconds.max(1);
        let long = frames_for(seconds as f64);
        let trace = frames_for(seconds.min(4) as f64 / 2.0);
        Plan {
            tools,
            device: device.to_owned(),
            seconds,
            cpu_frames: (frames_for(seconds as f64 / 2.0).min(long / 2), long),
            trace_frames: (trace, 2 * trace),
            multiarch: multiarch.to_owned(),
            x86_tunables: target.starts_with("x86_64") || target.starts_with("i686"),
            timer_only: false,
        }
    }

    /// The time limit of one run in seconds: ten times the longest run's audio and half a
    /// minute more, so that a program stuck on a stalled device fails its case instead of
    /// holding the whole bench until the boot's time limit.
    pub fn run_limit_secs(&self) -> u64 {
        10 * self.cpu_frames.1.div_ceil(RATE) + 30
    }

    /// A generous upper bound of the guest's running time in seconds (the audio time; on the
    /// instruction clock the idle time is skipped, the busy loop's is not).
    pub fn estimate_secs(&self) -> u64 {
        let audio = |frames: u64| frames.div_ceil(RATE);
        let (c1, c2) = self.cpu_frames;
        let (t1, t2) = self.trace_frames;
        let per_tool = PERIODS.len() as u64 * (audio(c1) + audio(c2) + 3 * (audio(t1) + audio(t2)))
            + HOG_PERIODS.len() as u64 * (3 * audio(c2) + 2);
        let timer = (TIMER_LATENCIES.len() * TIMER_TOOLS.len()) as u64 * (audio(c2) + 2);
        if self.timer_only {
            return 180 + 2 * timer;
        }
        180 + 2 * per_tool * self.tools.len() as u64 + 2 * timer
    }
}

/// The guest path of the bench binary.
pub const BENCH_BINARY: &str = "/bench/bench";
/// The guest path of the floor program.
pub const FLOOR_BINARY: &str = "/bench/floor";

/// The shell command that streams `frames` frames with `tool` at `period` frames (a number or
/// a shell variable such as `$p`) on the device in `$DEVICE`.
pub fn command(tool: Tool, period: &str, frames: u64) -> String {
    let stream = format!("--device $DEVICE --period {period} --frames {frames}");
    match tool.key {
        "direct" => format!("{BENCH_BINARY} play {stream}"),
        "direct-sync-ptr" => format!("{BENCH_BINARY} play {stream} --sync-ptr"),
        "floor" => format!("{FLOOR_BINARY} {stream}"),
        "floor-sync-ptr" => format!("{FLOOR_BINARY} {stream} --sync-ptr"),
        key => format!(
            "/usr/bin/aplay{} -D $DEVICE -f S16_LE -c 2 -r {RATE} --period-size={period} --buffer-size=$((4*{period})) -s {frames} -t raw /dev/zero",
            if key == "aplay-mmap" { " -M" } else { "" }
        ),
    }
}

/// Frames of the warm-up stream (1 s), at [`WARM_UP_PERIOD`] x 4.
pub const WARM_UP_FRAMES: u64 = 49_152;
/// The warm-up stream's period: a buffer of 4096 frames, longer than what qemu's HDA and AC97
/// underrun at in the first stream after boot.
pub const WARM_UP_PERIOD: u32 = 1024;

/// The guest script.
pub fn render(plan: &Plan) -> String {
    let mut s = String::new();
    let lib = &plan.multiarch;
    let _ = write!(
        s,
        r#"#!/bin/sh
# Generated by alsa-direct-board (runner/src/bench/script.rs): `cargo board bench`.
export LD_LIBRARY_PATH=/lib/{lib}:/usr/lib/{lib}
B={BENCH_BINARY}
# Every measured run under bench exec, each with its own time limit.
RUN="$B exec --limit {limit}"
NCPU=$(grep -c ^processor /proc/cpuinfo)
echo "BENCH-INFO cpus=$NCPU"
/usr/bin/aplay -l || echo "BENCH-ERROR aplay -l failed"
# The board's device, its card by id: hw:0,0 -> hw:Intel,0.
DEVICE={device}
CARD=${{DEVICE#hw:}}
CARD=${{CARD%%,*}}
case $CARD in
  [0-9]*) DEVICE="hw:$(cat /proc/asound/card$CARD/id)${{DEVICE#hw:$CARD}}" ;;
esac
echo "BENCH-INFO device=$DEVICE"
echo 'BENCH-CASE warm-up'
$RUN -- {warm_up}
"#,
        device = plan.device,
        limit = plan.run_limit_secs(),
        warm_up = command(DIRECT, &WARM_UP_PERIOD.to_string(), WARM_UP_FRAMES),
    );
    if plan.x86_tunables {
        let _ = writeln!(s, "export GLIBC_TUNABLES={X86_STRING_TUNABLES}");
    }
    let tools: &[Tool] = if plan.timer_only { &[] } else { &plan.tools };
    for tool in tools {
        for period in PERIODS {
            let runs = [
                ("cpu", "", plan.cpu_frames.0),
                ("cpu", "", plan.cpu_frames.1),
                ("trace", "--trace ", plan.trace_frames.0),
                ("trace", "--trace ", plan.trace_frames.1),
            ];
            for (kind, flag, frames) in runs {
                let _ = writeln!(s, "echo 'BENCH-CASE {kind}{frames}/{}/{period}'", tool.key);
                let _ = writeln!(s, "$RUN {flag}-- {}", command(*tool, &period.to_string(), frames));
            }
        }
    }
    // Timer mode beside period mode at the same latency: one untraced long run each.
    for latency in TIMER_LATENCIES {
        for tool in TIMER_TOOLS {
            let _ = writeln!(s, "echo 'BENCH-CASE timer/{}/{latency}'", tool.key);
            let _ = writeln!(s, "$RUN -- {}", timer_command(tool, latency, plan.cpu_frames.1));
        }
    }
    if plan.timer_only {
        s.push_str("echo BENCH-DONE\n");
        return s;
    }
    s.push_str(
        r#"HOGS=
i=0
while [ $i -lt $NCPU ]; do $B hog & HOGS="$HOGS $!"; i=$((i+1)); done
echo "BENCH-INFO hogs=$NCPU"
"#,
    );
    let list: Vec<String> = HOG_PERIODS.iter().map(u32::to_string).collect();
    let _ = writeln!(
        s,
        "OFFERED=\nfor p in {}; do\n  if {FLOOR_BINARY} --device $DEVICE --period $p --setup-only 2>/dev/null; then OFFERED=\"$OFFERED $p\"; fi\ndone\necho \"BENCH-INFO hog_periods=$(echo $OFFERED | tr ' ' ,)\"",
        list.join(" "),
    );
    for tool in &plan.tools {
        let _ = writeln!(
            s,
            "for p in $OFFERED; do\n  echo \"BENCH-CASE hog/{}/$p\"\n  if $RUN -- {}; then break; fi\ndone",
            tool.key,
            command(*tool, "$p", plan.cpu_frames.1)
        );
    }
    s.push_str("kill $HOGS\nwait\necho BENCH-DONE\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_runs_every_case() {
        let plan = Plan::new("x86_64-unknown-linux-gnu", "hw:0,0", 10, "x86_64-linux-gnu");
        assert_eq!(
            plan.tools,
            vec![
                DIRECT,
                DIRECT_SYNC_PTR,
                FLOOR,
                FLOOR_SYNC_PTR,
                APLAY_MMAP,
                APLAY_RW
            ]
        );
        assert_eq!(plan.cpu_frames, (241_664, 483_328));
        assert_eq!(plan.trace_frames, (98_304, 196_608));
        let script = render(&plan);
        assert!(script.contains("\nDEVICE=hw:0,0\n"), "{script}");
        // 483,328 frames are 11 s at 48 kHz: each run may take 140 s.
        assert!(script.contains("\nRUN=\"$B exec --limit 140\"\n"), "{script}");
        assert!(script.contains(
            "echo 'BENCH-CASE warm-up'\n$RUN -- /bench/bench play --device $DEVICE --period 1024 --frames 49152\n"
        ));
        assert!(script.contains("echo 'BENCH-CASE cpu241664/direct-sync-ptr/64'\n$RUN -- /bench/bench play --device $DEVICE --period 64 --frames 241664 --sync-ptr\n"));
        assert!(script.contains("echo 'BENCH-CASE trace98304/floor-sync-ptr/256'\n$RUN --trace -- /bench/floor --device $DEVICE --period 256 --frames 98304 --sync-ptr\n"));
        assert!(script.contains("echo 'BENCH-CASE trace196608/aplay-mmap/1024'\n$RUN --trace -- /usr/bin/aplay -M -D $DEVICE -f S16_LE -c 2 -r 48000 --period-size=1024 --buffer-size=$((4*1024)) -s 196608 -t raw /dev/zero\n"));
        assert!(script.contains("echo 'BENCH-CASE timer/direct-timer/512'\n$RUN -- /bench/bench play --device $DEVICE --period 256 --periods 32 --timer 512 --frames 483328\n"), "{script}");
        assert!(script.contains("echo 'BENCH-CASE timer/aplay-mmap/4096'\n$RUN -- /usr/bin/aplay -M -D $DEVICE -f S16_LE -c 2 -r 48000 --period-size=1024 --buffer-size=4096 -s 483328 -t raw /dev/zero\n"));
        assert!(script.contains("echo 'BENCH-CASE timer/floor/512'\n$RUN -- /bench/floor --device $DEVICE --period 128 --frames 483328\n"));
        assert!(script.contains("for p in 16 32 64 128 256 512 1024; do\n  if /bench/floor --device $DEVICE --period $p --setup-only 2>/dev/null; then OFFERED=\"$OFFERED $p\"; fi\ndone\n"));
        assert!(script.contains("for p in $OFFERED; do\n  echo \"BENCH-CASE hog/floor/$p\"\n"));
        assert!(script.ends_with("echo BENCH-DONE\n"));
        assert!(script.contains("\nexport GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=1048576:"));
        let only = render(&Plan {
            timer_only: true,
            ..plan.clone()
        });
        assert!(only.contains("BENCH-CASE timer/floor/4096") && only.ends_with("echo BENCH-DONE\n"));
        assert!(
            !only.contains("BENCH-CASE cpu") && !only.contains("hog"),
            "{only}"
        );
        let arm = Plan::new(
            "aarch64-unknown-linux-gnu",
            "hw:Loopback,0,0",
            2,
            "aarch64-linux-gnu",
        );
        assert_eq!(arm.tools, vec![DIRECT, FLOOR, APLAY_MMAP, APLAY_RW]);
        assert_eq!(arm.trace_frames, (49_152, 98_304));
        assert!(!render(&arm).contains("GLIBC_TUNABLES"));
    }

    /// The script's device lines, run by the host's `sh` with a stand-in for `/proc/asound`.
    fn resolved_device(device: &str) -> String {
        let plan = Plan::new("aarch64-unknown-linux-gnu", device, 1, "aarch64-linux-gnu");
        let script = render(&plan);
        let start = script.find("DEVICE=").expect("a DEVICE line");
        let end = script
            .find("echo \"BENCH-INFO device")
            .expect("the device's info line");
        let dir = std::env::temp_dir().join(format!("bench-script-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("card0")).unwrap();
        std::fs::write(dir.join("card0/id"), "Intel\n").unwrap();
        let lines = script[start..end].replace("/proc/asound", &dir.display().to_string());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{lines}echo \"$DEVICE\""))
            .output()
            .expect("running sh");
        let _ = std::fs::remove_dir_all(&dir);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    #[test]
    fn a_numeric_card_is_named_by_its_id() {
        assert_eq!(resolved_device("hw:0,0"), "hw:Intel,0");
        assert_eq!(resolved_device("hw:0,0,1"), "hw:Intel,0,1");
        assert_eq!(resolved_device("hw:Loopback,0,0"), "hw:Loopback,0,0");
    }

    #[test]
    fn run_lengths_are_whole_buffers_at_every_period() {
        for seconds in [1, 2, 3, 10, 60] {
            let plan = Plan::new(
                "aarch64-unknown-linux-gnu",
                "hw:0,0",
                seconds,
                "aarch64-linux-gnu",
            );
            let (c1, c2) = plan.cpu_frames;
            let (t1, t2) = plan.trace_frames;
            assert!(c1 < c2 && t1 < t2, "{seconds}: {plan:?}");
            assert!(c2 >= seconds * RATE, "{seconds}: {plan:?}");
            for frames in [c1, c2, t1, t2] {
                for period in HOG_PERIODS.iter().chain(&PERIODS) {
                    assert_eq!(frames % (4 * u64::from(*period)), 0, "{frames} at {period}");
                }
            }
        }
    }
}
