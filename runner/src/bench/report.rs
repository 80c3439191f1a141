//! `cargo board bench` results: the guest's `BENCH-*` console lines checked (a program that
//! failed to run is an error naming it, with what it printed) and turned into per-period
//! figures, markdown tables (with the ratios to `aplay -M` and to the floor), JSON, and the
//! section of docs/benchmarks.md.

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::bench::script::{
    Plan, TimerTool, Tool, APLAY_MMAP, FLOOR, FLOOR_SYNC_PTR, HOG_PERIODS, PERIODS, RATE, TIMER_LATENCIES,
    TIMER_TOOLS, X86_STRING_TUNABLES,
};

/// One measurement: the fields of its `BENCH-EXEC` line and of the `BENCH-PLAY` line of
/// alsa-direct's own output.
#[derive(Debug, Default, Clone)]
pub struct Case {
    /// `key=value` fields of `BENCH-EXEC` (without `syscalls`).
    pub exec: BTreeMap<String, String>,
    /// System calls by name (traced runs).
    pub syscalls: BTreeMap<String, u64>,
    /// `key=value` fields of `BENCH-PLAY`.
    pub play: BTreeMap<String, String>,
    /// The first lines the command printed (`bench exec` echoes them as `  | ...`).
    pub output: Vec<String>,
}

impl Case {
    /// A numeric `BENCH-EXEC` field.
    fn num(&self, key: &str) -> Option<u64> {
        self.exec.get(key)?.parse().ok()
    }

    /// True when the command exited 0.
    fn ok(&self) -> bool {
        self.num("status") == Some(0)
    }
}

/// Splits `key=value` words.
fn fields(text: &str) -> BTreeMap<String, String> {
    text.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The cases by id, and `BENCH-INFO` fields, from the console lines.
pub fn parse(console: &[String]) -> (BTreeMap<String, Case>, BTreeMap<String, String>) {
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    let mut info = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in console {
        if let Some(rest) = line.split_once("BENCH-CASE ").map(|(_, r)| r.trim()) {
            current = Some(rest.to_owned());
            cases.entry(rest.to_owned()).or_default();
        } else if let Some((_, rest)) = line.split_once("BENCH-INFO ") {
            info.extend(fields(rest));
        } else if let (Some((_, rest)), Some(id)) = (line.split_once("BENCH-EXEC "), &current) {
            let case = cases.entry(id.clone()).or_default();
            let mut f = fields(rest);
            if let Some(list) = f.remove("syscalls") {
                for item in list.split(',') {
                    if let Some((name, n)) = item.split_once(':') {
                        case.syscalls.insert(name.to_owned(), n.parse().unwrap_or(0));
                    }
                }
            }
            case.exec = f;
        } else if let (Some((_, printed)), Some(id)) = (line.split_once("  | "), &current) {
            let case = cases.entry(id.clone()).or_default();
            case.output.push(printed.to_owned());
            if let Some((_, rest)) = printed.split_once("BENCH-PLAY ") {
                let mut play = fields(rest);
                if let Some((_, transport)) = rest.split_once("transport=") {
                    // The transport's name may have spaces ("mmap status/control"); it comes last.
                    play.insert("transport".into(), transport.trim().to_owned());
                }
                case.play = play;
            }
        }
    }
    (cases, info)
}

/// The ids of the cases `plan` measures at every period (the warm-up first), in the script's
/// order: the CPU and trace runs of each program at each period.
fn measured_case_ids(plan: &Plan) -> Vec<String> {
    let (c1, c2) = plan.cpu_frames;
    let (t1, t2) = plan.trace_frames;
    let mut ids = vec!["warm-up".to_owned()];
    for tool in &plan.tools {
        for period in PERIODS {
            for kind in [
                format!("cpu{c1}"),
                format!("cpu{c2}"),
                format!("trace{t1}"),
                format!("trace{t2}"),
            ] {
                ids.push(format!("{kind}/{}/{period}", tool.key));
            }
        }
    }
    ids
}

/// Checks that every program ran: each case the plan asks for is there with its
/// `BENCH-EXEC` line, and none failed (an exit status other than 0; beside the hog, one that
/// failed without an xrun). The error names the program, the case and what it printed.
pub fn check_ran(plan: &Plan, cases: &BTreeMap<String, Case>) -> Result<()> {
    let expected = measured_case_ids(plan);
    if let Some(missing) = expected.iter().find(|id| !cases.contains_key(*id)) {
        bail!("the guest stopped before case {missing}: see the console above");
    }
    for tool in &plan.tools {
        let prefix = format!("hog/{}/", tool.key);
        if !cases.keys().any(|id| id.starts_with(&prefix)) {
            bail!(
                "no run of {} beside the busy loop: the guest stopped before them, or the device takes none of the periods {HOG_PERIODS:?} exactly (see BENCH-INFO hog_periods in the console)",
                tool.label
            );
        }
    }
    for (id, case) in cases {
        let tool = id.split('/').nth(1).unwrap_or("direct");
        let label = plan
            .tools
            .iter()
            .find(|t| t.key == tool)
            .map_or("alsa-direct (warm-up)", |t| t.label);
        let printed = || {
            let lines: Vec<String> = case.output.iter().map(|l| format!("  | {l}")).collect();
            if lines.is_empty() {
                "it printed nothing".to_owned()
            } else {
                format!("it printed:\n{}", lines.join("\n"))
            }
        };
        if case.exec.is_empty() {
            bail!(
                "{label} did not finish in case {id} (no BENCH-EXEC line); {}",
                printed()
            );
        }
        let unstable_beside_the_hog = id.starts_with("hog/") && case.num("xruns").unwrap_or(0) > 0;
        if !case.ok() && !unstable_beside_the_hog {
            bail!(
                "{label} failed to run in case {id} (exit status {}); {}",
                case.exec.get("status").map_or("?", String::as_str),
                printed()
            );
        }
    }
    Ok(())
}

/// One tool at one period size.
#[derive(Debug, Clone)]
pub struct Row {
    /// The tool.
    pub tool: Tool,
    /// Period size in frames.
    pub period: u32,
    /// alsa-direct's transport (`mapped`, `SYNC_PTR`, ...) or alsa-lib's access.
    pub transport: String,
    /// Steady-state system calls per period, by kind (sorted by count).
    pub by_kind: Vec<(String, f64)>,
    /// Their sum.
    pub syscalls: Option<f64>,
    /// Xruns in the traced runs (the counts then include recovery).
    pub traced_xruns: u64,
    /// CPU (user + system) in milliseconds per second of audio in the steady state: the
    /// difference of the two untraced runs.
    pub cpu_ms_per_s: Option<f64>,
    /// CPU per second of audio of the long untraced run as a whole (set-up included).
    pub whole_run_ms_per_s: Option<f64>,
    /// Xruns in the untraced runs.
    pub xruns: Option<u64>,
}

/// One tool's smallest stable period beside the hog.
#[derive(Debug, Clone)]
pub struct HogResult {
    /// The tool.
    pub tool: Tool,
    /// Smallest period that ran without an xrun (None: none of those tried).
    pub min_period: Option<u32>,
    /// Period sizes tried and their xruns (None: the command failed, e.g. aplay's write error).
    pub tried: Vec<(u32, Option<u64>)>,
}

/// One program at one latency in the timer comparison (one long untraced run), per second
/// of audio.
#[derive(Debug, Clone)]
pub struct TimerRow {
    /// The program.
    pub tool: TimerTool,
    /// Frames queued (timer mode) or in the buffer (period mode).
    pub latency: u32,
    /// How alsa-direct's stream was woken (`Timer`, `PeriodInterrupts`, the fallback), or `-`.
    pub wakeups: String,
    /// Sound card interrupts (None: none listed for the card, or the run failed).
    pub irqs_per_s: Option<f64>,
    /// The program's voluntary context switches: the times it slept and was woken.
    pub wakeups_per_s: Option<f64>,
    /// CPU (user + system) in milliseconds, the whole run (set-up and drain included).
    pub cpu_ms_per_s: Option<f64>,
    /// Xruns (None: the run failed).
    pub xruns: Option<u64>,
}

/// The timer comparison's rows from the cases `timer/<tool>/<latency>`, each run
/// `frames` long.
fn timer_rows(cases: &BTreeMap<String, Case>, frames: u64) -> Vec<TimerRow> {
    let audio_s = frames as f64 / RATE as f64;
    let mut rows = Vec::new();
    for latency in TIMER_LATENCIES {
        for tool in TIMER_TOOLS {
            // Exit status 3: the program ran but had xruns (`bench exec`); shown with them.
            let case = cases
                .get(&format!("timer/{}/{latency}", tool.key))
                .filter(|c| c.ok() || c.num("status") == Some(3));
            let per_s = |key: &str| Some(case?.num(key)? as f64 / audio_s);
            rows.push(TimerRow {
                tool,
                latency,
                wakeups: case
                    .and_then(|c| c.play.get("wakeups").cloned())
                    .unwrap_or_else(|| "-".into()),
                irqs_per_s: per_s("irqs"),
                wakeups_per_s: per_s("nvcsw"),
                cpu_ms_per_s: case
                    .and_then(|c| Some((c.num("user_us")? + c.num("sys_us")?) as f64 / 1000.0 / audio_s)),
                xruns: case.and_then(|c| c.num("xruns")),
            });
        }
    }
    rows
}

/// A board's results.
#[derive(Debug, Clone)]
pub struct BoardResult {
    /// Board name.
    pub board: String,
    /// Rust target.
    pub target: String,
    /// Kernel release and accelerator.
    pub kernel: String,
    /// Guest CPUs (= busy loops beside the hog runs).
    pub cpus: String,
    /// The device every program played on, its card named by id (`hw:Intel,0`).
    pub device: String,
    /// Nominal seconds of the long runs.
    pub seconds: u64,
    /// The untraced lengths in frames.
    pub cpu_frames: (u64, u64),
    /// The traced lengths in frames.
    pub trace_frames: (u64, u64),
    /// Per tool and period.
    pub rows: Vec<Row>,
    /// Per tool.
    pub hog: Vec<HogResult>,
    /// Timer mode beside period mode, per latency and program.
    pub timer: Vec<TimerRow>,
    /// Stripped size of the static `tone` example (bytes), or why it is missing.
    pub tone_size: Result<u64, String>,
    /// Stripped size of the firmware `fw-tone` (no std, no libc; bytes), or why it is
    /// missing; set by the caller after [`evaluate`].
    pub firmware_size: Result<u64, String>,
}

/// Computes a board's figures from its cases.
pub fn evaluate(
    plan: &Plan,
    cases: &BTreeMap<String, Case>,
    info: &BTreeMap<String, String>,
    board: &str,
    target: &str,
    kernel: String,
    tone_size: Result<u64, String>,
) -> BoardResult {
    let (c1, c2) = plan.cpu_frames;
    let (t1, t2) = plan.trace_frames;
    let mut rows = Vec::new();
    for tool in &plan.tools {
        for period in PERIODS {
            let get = |kind: &str| cases.get(&format!("{kind}/{}/{period}", tool.key));
            let (cpu_short, cpu_long) = (get(&format!("cpu{c1}")), get(&format!("cpu{c2}")));
            let (short, long) = (get(&format!("trace{t1}")), get(&format!("trace{t2}")));
            let transport = cpu_long
                .and_then(|c| c.play.get("transport").cloned())
                .unwrap_or_else(|| match tool.key {
                    "aplay-mmap" => "alsa-lib, mmap".into(),
                    "aplay-rw" => "alsa-lib, read/write".into(),
                    "floor-sync-ptr" => "SYNC_PTR".into(),
                    _ => "-".into(),
                });
            let mut by_kind = Vec::new();
            let mut syscalls = None;
            let mut traced_xruns = 0;
            if let (Some(a), Some(b)) = (short, long) {
                if a.ok() && b.ok() {
                    let periods = (t2 - t1) as f64 / f64::from(period);
                    let mut total = 0.0;
                    for (name, n) in &b.syscalls {
                        let diff = *n as f64 - a.syscalls.get(name).copied().unwrap_or(0) as f64;
                        let per = (diff / periods).max(0.0);
                        total += per;
                        if per >= 0.005 {
                            by_kind.push((name.clone(), per));
                        }
                    }
                    by_kind.sort_by(|x, y| y.1.total_cmp(&x.1));
                    syscalls = Some(total);
                }
                traced_xruns = a.num("xruns").unwrap_or(0) + b.num("xruns").unwrap_or(0);
            }
            let cpu_us = |case: Option<&Case>| {
                let case = case.filter(|c| c.ok())?;
                Some((case.num("user_us")? + case.num("sys_us")?) as f64)
            };
            let audio_s = |frames: u64| frames as f64 / RATE as f64;
            let (short_us, long_us) = (cpu_us(cpu_short), cpu_us(cpu_long));
            rows.push(Row {
                tool: *tool,
                period,
                transport,
                by_kind,
                syscalls,
                traced_xruns,
                cpu_ms_per_s: short_us
                    .zip(long_us)
                    .map(|(a, b)| ((b - a) / 1000.0 / audio_s(c2 - c1)).max(0.0)),
                whole_run_ms_per_s: long_us.map(|b| b / 1000.0 / audio_s(c2)),
                xruns: cpu_short
                    .zip(cpu_long)
                    .and_then(|(a, b)| Some(a.num("xruns")? + b.num("xruns")?)),
            });
        }
    }
    let hog = plan
        .tools
        .iter()
        .map(|tool| {
            let tried: Vec<(u32, Option<u64>)> = HOG_PERIODS
                .iter()
                .filter_map(|p| {
                    let case = cases.get(&format!("hog/{}/{p}", tool.key))?;
                    let xruns = case.num("xruns").filter(|x| case.ok() || *x > 0);
                    Some((*p, xruns))
                })
                .collect();
            let min_period = HOG_PERIODS.iter().copied().find(|p| {
                cases
                    .get(&format!("hog/{}/{p}", tool.key))
                    .is_some_and(|c| c.ok() && c.num("xruns") == Some(0))
            });
            HogResult {
                tool: *tool,
                min_period,
                tried,
            }
        })
        .collect();
    BoardResult {
        board: board.to_owned(),
        target: target.to_owned(),
        kernel,
        cpus: info.get("cpus").cloned().unwrap_or_else(|| "?".into()),
        device: info.get("device").cloned().unwrap_or_else(|| plan.device.clone()),
        seconds: plan.seconds,
        cpu_frames: plan.cpu_frames,
        trace_frames: plan.trace_frames,
        rows,
        hog,
        timer: timer_rows(cases, plan.cpu_frames.1),
        tone_size,
        firmware_size: Err("not measured".into()),
    }
}

/// `x` with `digits` decimals, or `-`.
fn opt(x: Option<f64>, digits: usize) -> String {
    x.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "-".into())
}

impl BoardResult {
    /// The `aplay -M` row at `period`.
    fn aplay_mmap(&self, period: u32) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.tool == APLAY_MMAP && r.period == period)
    }

    /// The floor row at `period` to compare `row` with: the floor on the same transport.
    fn floor_for(&self, row: &Row) -> Option<&Row> {
        let floor =
            if row.transport.starts_with("SYNC_PTR") && self.rows.iter().any(|r| r.tool == FLOOR_SYNC_PTR) {
                FLOOR_SYNC_PTR
            } else {
                FLOOR
            };
        self.rows
            .iter()
            .find(|r| r.tool == floor && r.period == row.period)
    }

    /// The markdown heading of this board.
    pub fn heading(&self) -> String {
        format!(
            "### {} ({}, `{}`, kernel {}, {} CPU(s))\n",
            self.board, self.target, self.device, self.kernel, self.cpus
        )
    }

    /// The heading and tables of this board.
    #[cfg(test)]
    pub fn markdown(&self) -> String {
        format!("{}\n{}", self.heading(), self.tables())
    }

    /// The tables of this board and its targets.
    pub fn tables(&self) -> String {
        let mut s = String::new();
        s.push_str("| period | program | transport | syscalls / period (steady state) | by kind | CPU ms per s of audio (steady state) | CPU vs aplay -M | CPU vs the floor | CPU ms per s, whole run | xruns |\n");
        s.push_str("|---:|---|---|---:|---|---:|---:|---:|---:|---:|\n");
        for row in &self.rows {
            let kinds: Vec<String> = row.by_kind.iter().map(|(k, n)| format!("{k} {n:.2}")).collect();
            let ratio = match (
                self.aplay_mmap(row.period).and_then(|r| r.cpu_ms_per_s),
                row.cpu_ms_per_s,
            ) {
                (Some(a), Some(b)) if row.tool != APLAY_MMAP && b > 0.0 => format!("{:.1}x less", a / b),
                _ => "-".into(),
            };
            let over_floor = match (self.floor_for(row).and_then(|f| f.cpu_ms_per_s), row.cpu_ms_per_s) {
                (Some(f), Some(c)) if !row.tool.key.starts_with("floor") && f > 0.0 => {
                    format!("{:.2}x", c / f)
                }
                _ => "-".into(),
            };
            let traced = if row.traced_xruns > 0 {
                format!(" (not steady: {} xrun(s) while traced)", row.traced_xruns)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {}{traced} | {} | {} | {ratio} | {over_floor} | {} | {} |",
                row.period,
                row.tool.label,
                row.transport,
                opt(row.syscalls, 2),
                kinds.join(", "),
                opt(row.cpu_ms_per_s, 2),
                opt(row.whole_run_ms_per_s, 2),
                row.xruns.map(|x| x.to_string()).unwrap_or_else(|| "-".into()),
            );
        }
        let aplay_min = self
            .hog
            .iter()
            .find(|h| h.tool == APLAY_MMAP)
            .and_then(|h| h.min_period);
        let _ = writeln!(
            s,
            "\n| program | smallest period without xrun for {} s beside {} busy loop(s) | vs aplay -M | tried (period: xruns) |\n|---|---:|---:|---|",
            self.seconds, self.cpus
        );
        for h in &self.hog {
            let ratio = match (aplay_min, h.min_period) {
                (Some(a), Some(b)) if h.tool != APLAY_MMAP => {
                    format!("{:.1}x smaller", f64::from(a) / f64::from(b))
                }
                (None, Some(_)) if h.tool != APLAY_MMAP => "aplay -M had none".into(),
                _ => "-".into(),
            };
            let tried: Vec<String> = h
                .tried
                .iter()
                .map(|(p, x)| {
                    format!(
                        "{p}: {}",
                        x.map(|x| x.to_string()).unwrap_or_else(|| "failed".into())
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "| {} | {} | {ratio} | {} |",
                h.tool.label,
                h.min_period
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "none ≤ 1024".into()),
                tried.join(", ")
            );
        }
        let _ = writeln!(s, "\n{}", self.timer_table());
        let _ = writeln!(s, "\n{}", self.targets());
        s
    }

    /// The timer comparison's table: timer mode beside period mode at the same latency.
    pub fn timer_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| latency (frames) | program | woken by | sound card interrupts / s | wakeups / s | CPU ms per s of audio (whole run) | CPU vs the floor | xruns |\n|---:|---|---|---:|---:|---:|---:|---:|"
        );
        for row in &self.timer {
            let floor = self
                .timer
                .iter()
                .find(|r| r.tool.key == "floor" && r.latency == row.latency)
                .and_then(|r| r.cpu_ms_per_s);
            let over_floor = match (floor, row.cpu_ms_per_s) {
                (Some(f), Some(c)) if row.tool.key != "floor" && f > 0.0 => format!("{:.2}x", c / f),
                _ => "-".into(),
            };
            let _ = writeln!(
                s,
                "| {} ({:.1} ms) | {} | {} | {} | {} | {} | {over_floor} | {} |",
                row.latency,
                f64::from(row.latency) * 1000.0 / RATE as f64,
                row.tool.label,
                row.wakeups,
                opt(row.irqs_per_s, 1),
                opt(row.wakeups_per_s, 1),
                opt(row.cpu_ms_per_s, 2),
                row.xruns
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| "failed".into()),
            );
        }
        s
    }

    /// The targets of the issue, each with the measured value.
    fn targets(&self) -> String {
        let mut out = Vec::new();
        let worst = |pred: &dyn Fn(&Row) -> bool| {
            self.rows
                .iter()
                .filter(|r| pred(r) && r.traced_xruns == 0)
                .filter_map(|r| r.syscalls)
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
        };
        let is_direct = |r: &Row| r.tool.key.starts_with("direct");
        let paths: [(&str, f64, bool); 2] = [("SYNC_PTR path", 2.0, true), ("mapped path", 1.0, false)];
        for (name, limit, sync_ptr) in paths {
            let on_path = |r: &Row| {
                is_direct(r) && r.transport != "-" && r.transport.starts_with("SYNC_PTR") == sync_ptr
            };
            if !self.rows.iter().any(on_path) {
                continue;
            }
            out.push(match worst(&on_path) {
                Some(w) => format!(
                    "{name} ≤ {limit} syscalls/period: worst {w:.2} (traced runs without xrun) {}",
                    mark(w <= limit)
                ),
                None => format!(
                    "{name} ≤ {limit} syscalls/period: not established (every traced run had xruns: the guest was too slow under ptrace)"
                ),
            });
        }
        let cpu_ratios: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| is_direct(r))
            .filter_map(|r| Some(self.aplay_mmap(r.period)?.cpu_ms_per_s? / r.cpu_ms_per_s?))
            .collect();
        if let Some(min) = cpu_ratios.iter().copied().reduce(f64::min) {
            out.push(format!(
                "CPU ≥ 2x less than aplay -M: worst {min:.1}x {}",
                mark(min >= 2.0)
            ));
        }
        let over_floor: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| is_direct(r))
            .filter_map(|r| Some(r.cpu_ms_per_s? / self.floor_for(r)?.cpu_ms_per_s?))
            .collect();
        if let (Some(least), Some(most)) = (
            over_floor.iter().copied().reduce(f64::min),
            over_floor.iter().copied().reduce(f64::max),
        ) {
            out.push(format!(
                "alsa-direct's CPU over the floor's (a C loop that only waits and syncs, no samples): {least:.2}x to {most:.2}x"
            ));
        }
        let aplay_min = self
            .hog
            .iter()
            .find(|h| h.tool == APLAY_MMAP)
            .and_then(|h| h.min_period);
        if let (Some(a), Some(d)) = (
            aplay_min,
            self.hog
                .iter()
                .find(|h| h.tool.key == "direct")
                .and_then(|h| h.min_period),
        ) {
            let r = f64::from(a) / f64::from(d);
            out.push(format!(
                "smallest stable period ≥ 2x smaller than aplay -M: {r:.1}x {}",
                mark(r >= 2.0)
            ));
        }
        match &self.tone_size {
            Ok(n) => out.push(format!(
                "stripped static `tone` ({}): {n} bytes ({:.0} KiB)",
                self.target,
                *n as f64 / 1024.0
            )),
            Err(why) => out.push(format!(
                "stripped static `tone` ({}): not measured ({why})",
                self.target
            )),
        }
        match &self.firmware_size {
            Ok(n) => out.push(format!(
                "stripped static `fw-tone`, the firmware build with no std and no libc ({}): {n} bytes ({:.1} KiB), budget {} KiB {}",
                self.target,
                *n as f64 / 1024.0,
                crate::guest_image::cargo_build::FIRMWARE_BUDGET / 1024,
                mark(*n < crate::guest_image::cargo_build::FIRMWARE_BUDGET)
            )),
            Err(why) => out.push(format!(
                "stripped static `fw-tone` ({}): not measured ({why})",
                self.target
            )),
        }
        out.iter().map(|l| format!("- {l}\n")).collect()
    }

    /// The JSON form (every figure).
    pub fn json(&self) -> Value {
        json!({
            "board": self.board,
            "target": self.target,
            "kernel": self.kernel,
            "cpus": self.cpus,
            "device": self.device,
            "seconds": self.seconds,
            "cpu_frames": [self.cpu_frames.0, self.cpu_frames.1],
            "trace_frames": [self.trace_frames.0, self.trace_frames.1],
            "rows": self.rows.iter().map(|r| json!({
                "program": r.tool.label,
                "key": r.tool.key,
                "period": r.period,
                "transport": r.transport,
                "syscalls_per_period": r.syscalls,
                "syscalls_per_period_by_kind": r.by_kind.iter().map(|(k, n)| (k.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "traced_xruns": r.traced_xruns,
                "cpu_ms_per_s_steady": r.cpu_ms_per_s,
                "cpu_ms_per_s_whole_run": r.whole_run_ms_per_s,
                "xruns": r.xruns,
            })).collect::<Vec<_>>(),
            "hog": self.hog.iter().map(|h| json!({
                "program": h.tool.label,
                "key": h.tool.key,
                "min_period": h.min_period,
                "tried": h.tried.iter().map(|(p, x)| json!({"period": p, "xruns": x})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "timer": self.timer.iter().map(|r| json!({
                "program": r.tool.label,
                "key": r.tool.key,
                "latency_frames": r.latency,
                "woken_by": r.wakeups,
                "irqs_per_s": r.irqs_per_s,
                "wakeups_per_s": r.wakeups_per_s,
                "cpu_ms_per_s_whole_run": r.cpu_ms_per_s,
                "xruns": r.xruns,
            })).collect::<Vec<_>>(),
            "tone_stripped_bytes": self.tone_size.as_ref().ok(),
            "firmware_stripped_bytes": self.firmware_size.as_ref().ok(),
        })
    }
}

/// One line per board and alsa-direct transport over the saved JSON results (see
/// [`BoardResult::json`]): the figures the targets are about, each beside aplay -M's.
pub fn summary(boards: &[Value]) -> String {
    let mut s = String::from(
        "Targets: at most 2 system calls per period on the `SYNC_PTR` path and 1 on the mapped \
path; CPU per second of audio and the smallest stable period at least 2x better than \
`aplay -M`. Every board's tables follow below.\n\n\
| board | kernel | alsa-direct | syscalls / period, worst (aplay -M; floor) | CPU vs aplay -M at 64 / 256 / 1024 | CPU over the floor at 64 / 256 / 1024 | smallest stable period beside a hog: alsa-direct / aplay -M | stripped `tone` / `fw-tone` |\n\
|---|---|---|---:|---|---|---|---:|\n",
    );
    for board in boards {
        let rows = board["rows"].as_array().map(Vec::as_slice).unwrap_or_default();
        let hog = board["hog"].as_array().map(Vec::as_slice).unwrap_or_default();
        let of = |key: &'static str| rows.iter().filter(move |r| r["key"] == key);
        let worst_syscalls = |key: &'static str| {
            of(key)
                .filter(|r| r["traced_xruns"] == 0)
                .filter_map(|r| r["syscalls_per_period"].as_f64())
                .reduce(f64::max)
                .map_or("-".into(), |w| format!("{w:.2}"))
        };
        let min_period = |key: &str| {
            hog.iter()
                .find(|h| h["key"] == key)
                .and_then(|h| h["min_period"].as_u64())
                .map_or("none ≤ 1024".into(), |p| p.to_string())
        };
        let kernel = board["kernel"].as_str().unwrap_or("");
        let kernel = kernel.split(',').next().unwrap_or(kernel);
        for (key, floor) in [("direct", FLOOR.key), ("direct-sync-ptr", FLOOR_SYNC_PTR.key)] {
            let Some(first) = of(key).next() else {
                continue;
            };
            let ratios = |over: &str, under: &str| -> Vec<String> {
                PERIODS
                    .iter()
                    .map(|&period| {
                        let cpu = |k: &str| {
                            rows.iter()
                                .find(|r| r["key"] == k && r["period"] == period)
                                .and_then(|r| r["cpu_ms_per_s_steady"].as_f64())
                        };
                        match (cpu(over), cpu(under)) {
                            (Some(a), Some(d)) if d > 0.0 => format!("{:.2}x", a / d),
                            _ => "-".into(),
                        }
                    })
                    .collect()
            };
            let _ = writeln!(
                s,
                "| {} | {kernel} | {} | {} ({}; {}) | {} | {} | {} / {} | {} |",
                board["board"].as_str().unwrap_or("?"),
                match (first["transport"].as_str().unwrap_or("?"), key) {
                    (transport, "direct-sync-ptr") => format!("{transport} (forced)"),
                    (transport, _) => transport.to_owned(),
                },
                worst_syscalls(key),
                worst_syscalls(APLAY_MMAP.key),
                worst_syscalls(floor),
                ratios(APLAY_MMAP.key, key).join(" / "),
                ratios(key, floor).join(" / "),
                min_period(key),
                min_period(APLAY_MMAP.key),
                format_args!(
                    "{} / {}",
                    board["tone_stripped_bytes"]
                        .as_u64()
                        .map_or("-".into(), |n| format!("{n} B")),
                    board["firmware_stripped_bytes"]
                        .as_u64()
                        .map_or("-".into(), |n| format!("{n} B")),
                ),
            );
        }
    }
    s
}

/// ✓ or ✗.
fn mark(ok: bool) -> &'static str {
    if ok {
        "✓"
    } else {
        "✗ (target missed)"
    }
}

/// How the figures are measured (printed under the tables).
pub fn method(cpu_frames: (u64, u64), trace_frames: (u64, u64)) -> String {
    let (c1, c2) = cpu_frames;
    let (t1, t2) = trace_frames;
    format!(
        "S16_LE, stereo, {RATE} Hz, 4 periods per buffer, on each board's own playback device \
(in its heading: `hw:Loopback,0,0`, snd-aloop, on the loopback boards; the real card, by its \
id, on the real-driver boards); alsa-direct is `guest-tools/src/bin/bench.rs` (silence, then \
drain), alsa-lib is Debian's `aplay -t raw /dev/zero` (`-M`: mmap) in the same guest. The \
floor is `guest-tools/floor/floor.c`, static C with raw ioctls: the same set-up, then per \
period only a `poll` and one sync (`SYNC_PTR`, or on x86 the mapped status and control \
pages, like alsa-direct; `--sync-ptr` forces `SYNC_PTR`), moving the pointer on without \
writing a sample: the least a program can do, so alsa-direct's CPU over the floor's is what \
its period loop and filling the period with silence cost. A 1 s stream at 1024 x 4 plays \
first, unmeasured (qemu's HDA and AC97 underrun in the first stream after boot when its \
buffer is short). A program that fails to run (a non-zero exit; beside the busy loop, one \
without an xrun) fails the bench with what it printed.\n\n\
The guest runs one CPU on qemu's instruction clock (`-icount shift=0,sleep=off`): guest time \
advances 1 ns per executed instruction and skips idle time, so every figure is reproducible \
whatever the host's load. A CPU millisecond here is a million instructions executed by the \
program and by the kernel on its behalf; it is not the time of a real core (caches and memory \
are not modelled), so compare the ratios. Every run streams a whole number of buffers at every \
period size. The instruction clock counts each iteration of an x86 `rep`-prefixed string \
instruction as one instruction, so on x86 guests every program runs with \
`GLIBC_TUNABLES={X86_STRING_TUNABLES}`: glibc's `memset`/`memcpy` use vector loops instead of \
`rep stosb`/`rep movsb` (a 4 KiB `rep stosb` would count 4096). The kernel's own string copies \
(aplay's read of `/dev/zero`) are still counted per iteration.\n\n\
- System calls: counted with ptrace (`bench exec --trace`) in runs of {t1} and {t2} frames; \
the difference divided by the periods between them is the steady state (set-up, drain and exit \
cancel out; vDSO clock reads are not system calls).\n\
- CPU: user + system time (`wait4` rusage) of untraced runs of {c1} and {c2} frames; their \
difference per second of audio is the steady state, the long run's total per second of audio \
is the whole run (set-up included).\n\
- Smallest stable period: sizes 16..1024 tried in ascending order, {c2} frames each, beside \
one busy loop per guest CPU, until one runs without an xrun; only the sizes the device takes \
exactly (the floor's `HW_PARAMS` is asked first: qemu's HDA takes 32 and up, its USB audio \
64 and up, AC97 and snd-aloop 16 and up). One run per size, so the edge is noisy: a program \
can keep a size in one run and miss it by one xrun in the next.\n\
- The floor waits once per period. On snd-aloop a wakeup at 64 and 256 frames often finds \
two periods free: alsa-direct then fills both after one wait (`epoll_pwait` below 1 per \
period), while the floor's second `poll` returns at once, so there alsa-direct can cost less \
than the floor. On the real drivers every period brings its own interrupt and wakeup.\n\
- snd-aloop moves its pointer on the kernel's 250 Hz jiffies timer: a buffer shorter than a \
4 ms tick (4 x 32 frames) cannot be kept filled by any program, and at 64 frames per period it \
advances about one period per tick, so a 64-frame run lasts about 3x its audio time whatever \
the program.\n\
- Beside the busy loop the scheduler decides who keeps up: on Linux 6.1 (CFS) every program \
keeps a 64-frame period; on 6.12 (EEVDF: qemu-riscv64 and the `-trixie` boards, the same \
boards with Debian trixie's kernel and aplay, `cargo board bench BOARD --suite trixie`) the \
programs that spend more CPU per period need longer periods.\n"
    )
}

/// Replaces the `## Benchmarks` section of `readme` (up to the next `## ` heading) with
/// `section`, or appends it at the end.
pub fn replace_readme_section(readme: &str, section: &str) -> String {
    let heading = "## Benchmarks\n";
    let start = if readme.starts_with(heading) {
        Some(0)
    } else {
        readme.find(&format!("\n{heading}")).map(|i| i + 1)
    };
    match start {
        Some(start) => {
            let after = start + heading.len();
            let end = readme[after..]
                .find("\n## ")
                .map(|i| after + i + 1)
                .unwrap_or(readme.len());
            format!("{}{section}{}", &readme[..start], &readme[end..])
        }
        None => {
            let sep = if readme.ends_with('\n') { "\n" } else { "\n\n" };
            format!("{readme}{sep}{section}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::script::DIRECT;

    #[test]
    fn readme_section_is_replaced_or_appended() {
        let r = "# x\n\n## A\na\n";
        let once = replace_readme_section(r, "## Benchmarks\nold\n");
        assert_eq!(once, "# x\n\n## A\na\n\n## Benchmarks\nold\n");
        let twice = replace_readme_section(&once, "## Benchmarks\nnew\n");
        assert_eq!(twice, "# x\n\n## A\na\n\n## Benchmarks\nnew\n");
        let middle = "# x\n\n## Benchmarks\nold\n\n## B\nb\n";
        assert_eq!(
            replace_readme_section(middle, "## Benchmarks\nnew\n\n"),
            "# x\n\n## Benchmarks\nnew\n\n## B\nb\n"
        );
    }

    #[test]
    fn steady_state_is_the_difference_of_two_runs() {
        let plan = Plan::new(
            "aarch64-unknown-linux-gnu",
            "hw:Loopback,0,0",
            10,
            "aarch64-linux-gnu",
        );
        let ((c1, c2), (t1, t2)) = (plan.cpu_frames, plan.trace_frames);
        let mut lines = vec!["BENCH-INFO cpus=1".to_owned()];
        for (frames, ioctls, polls) in [(t1, t1 / 64 + 40, t1 / 64), (t2, t2 / 64 + 40, t2 / 64)] {
            lines.push(format!("BENCH-CASE trace{frames}/direct/64"));
            lines.push(format!(
                "  | BENCH-PLAY frames={frames} periods=1 xruns=0 period=64 transport=SYNC_PTR"
            ));
            lines.push(format!(
                "BENCH-EXEC status=0 user_us=1 sys_us=1 wall_us=1 xruns=0 syscalls=ioctl:{ioctls},ppoll:{polls},mmap:9"
            ));
        }
        // 50 ms of set-up, then 3 ms per second of audio; the floor 1.5 ms.
        for (tool, per_s) in [("direct", 3_000), ("floor", 1_500)] {
            for frames in [c1, c2] {
                let us = 50_000 + frames * per_s / RATE;
                lines.push(format!("BENCH-CASE cpu{frames}/{tool}/64"));
                lines.push(format!(
                    "  | BENCH-PLAY frames={frames} periods=1 xruns=0 period=64 transport=SYNC_PTR"
                ));
                lines.push(format!(
                    "BENCH-EXEC status=0 user_us={} sys_us={} wall_us=1 xruns=0",
                    us / 4,
                    us - us / 4
                ));
            }
        }
        lines.push("BENCH-CASE hog/direct/16".into());
        lines.push("BENCH-EXEC status=3 user_us=1 sys_us=1 wall_us=1 xruns=4".into());
        lines.push("BENCH-CASE hog/direct/32".into());
        lines.push("BENCH-EXEC status=0 user_us=1 sys_us=1 wall_us=1 xruns=0".into());
        let (cases, info) = parse(&lines);
        let result = evaluate(&plan, &cases, &info, "b", "t", "k".into(), Ok(1000));
        let row = result
            .rows
            .iter()
            .find(|r| r.tool == DIRECT && r.period == 64)
            .unwrap();
        assert_eq!(row.syscalls, Some(2.0));
        assert_eq!(row.transport, "SYNC_PTR");
        let steady = row.cpu_ms_per_s.unwrap();
        assert!((steady - 3.0).abs() < 0.01, "{steady}");
        let whole = row.whole_run_ms_per_s.unwrap();
        assert!((whole - (50.0 + 3.0 * c2 as f64 / 48_000.0) / (c2 as f64 / 48_000.0)).abs() < 0.01);
        assert_eq!(row.xruns, Some(0));
        assert!(
            result.markdown().contains(
                "| 64 | alsa-direct | SYNC_PTR | 2.00 | ioctl 1.00, ppoll 1.00 | 3.00 | - | 2.00x |"
            ),
            "{}",
            result.markdown()
        );
        assert!(result
            .markdown()
            .contains("alsa-direct's CPU over the floor's (a C loop that only waits and syncs, no samples): 2.00x to 2.00x"));
        assert_eq!(result.hog[0].min_period, Some(32));
        assert_eq!(result.hog[0].tried, vec![(16, Some(4)), (32, Some(0))]);
        let mut sized = result.clone();
        sized.firmware_size = Ok(26_064);
        assert!(
            sized.markdown().contains(
                "stripped static `fw-tone`, the firmware build with no std and no libc (t): 26064 bytes (25.5 KiB), budget 32 KiB ✓"
            ),
            "{}",
            sized.markdown()
        );
        assert_eq!(sized.json()["firmware_stripped_bytes"], json!(26_064));
        lines.push("BENCH-CASE hog/aplay-rw/16".into());
        lines.push("BENCH-EXEC status=1 user_us=1 sys_us=1 wall_us=1 xruns=0".into());
        let (cases, info) = parse(&lines);
        let result = evaluate(&plan, &cases, &info, "b", "t", "k".into(), Ok(1000));
        let aplay_rw = result.hog.iter().find(|h| h.tool.key == "aplay-rw").unwrap();
        assert_eq!(aplay_rw.tried, vec![(16, None)]);
        assert_eq!(aplay_rw.min_period, None);
        let md = result.markdown();
        assert!(
            md.contains("SYNC_PTR path ≤ 2 syscalls/period: worst 2.00 (traced runs without xrun) ✓")
                && !md.contains("mapped path"),
            "{md}"
        );
        assert!(
            method(result.cpu_frames, result.trace_frames).contains(&format!("runs of {c1} and {c2} frames"))
        );
        assert_eq!(result.json()["rows"][0]["syscalls_per_period"], json!(2.0));
    }

    #[test]
    fn summary_compares_each_transport_with_aplay_mmap() {
        let row = |key: &str, period: u32, syscalls: f64, cpu: f64, traced_xruns: u32| {
            json!({"key": key, "period": period, "transport": if key == "aplay-mmap" { "alsa-lib, mmap" } else { "SYNC_PTR" },
                   "syscalls_per_period": syscalls, "traced_xruns": traced_xruns, "cpu_ms_per_s_steady": cpu})
        };
        let mut rows = Vec::new();
        for (period, cpu) in [(64, 4.0), (256, 1.0), (1024, 0.5)] {
            rows.push(row("direct", period, 1.5, cpu, 0));
            rows.push(row("floor", period, 2.0, cpu / 2.0, 0));
            rows.push(row("aplay-mmap", period, 7.0, cpu * 3.0, 0));
        }
        // A traced run with xruns does not count towards the worst.
        rows.push(row("direct", 16, 9.0, 1.0, 5));
        let board = json!({
            "board": "qemu-x", "kernel": "6.12.1-arm64, qemu TCG", "rows": rows,
            "hog": [{"key": "direct", "min_period": 64}, {"key": "aplay-mmap", "min_period": null}],
            "tone_stripped_bytes": 1000, "firmware_stripped_bytes": 500,
        });
        let table = summary(&[board]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert_eq!(
            lines[4],
            "| qemu-x | 6.12.1-arm64 | SYNC_PTR | 1.50 (7.00; 2.00) | 3.00x / 3.00x / 3.00x | 2.00x / 2.00x / 2.00x | 64 / none ≤ 1024 | 1000 B / 500 B |"
        );
    }

    /// Console lines for every case of `plan` in the script's order, each run fine, with `failing` (a case id) exiting
    /// with `status` and `xruns`, and printing `printed`.
    fn every_case(plan: &Plan, failing: &str, status: u32, xruns: u32, printed: &str) -> Vec<String> {
        let mut ids = measured_case_ids(plan);
        // Beside the busy loop last, as the script runs them.
        ids.extend(plan.tools.iter().map(|tool| format!("hog/{}/16", tool.key)));
        let mut lines = Vec::new();
        for id in ids {
            lines.push(format!("BENCH-CASE {id}"));
            let (status, xruns) = if id == failing { (status, xruns) } else { (0, 0) };
            if id == failing {
                lines.push(format!("  | {printed}"));
            }
            lines.push(format!(
                "BENCH-EXEC status={status} user_us=1 sys_us=1 wall_us=1 xruns={xruns}"
            ));
        }
        lines
    }

    #[test]
    fn a_program_that_fails_to_run_fails_the_bench_with_what_it_printed() {
        let plan = Plan::new("aarch64-unknown-linux-gnu", "hw:0,0", 2, "aarch64-linux-gnu");
        let (cases, _) = parse(&every_case(&plan, "", 0, 0, ""));
        assert!(check_ran(&plan, &cases).is_ok());
        let failing = format!("cpu{}/aplay-mmap/64", plan.cpu_frames.0);
        let printed = "aplay: main:831: audio open error: No such file or directory";
        let (cases, _) = parse(&every_case(&plan, &failing, 1, 0, printed));
        let err = check_ran(&plan, &cases).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("aplay -M failed to run in case {failing} (exit status 1); it printed:\n  | {printed}")
        );
        // An xrun does not make a measured run's failure acceptable, but beside the busy loop
        // an exit after an underrun is an unstable period, not a failure to run.
        let (cases, _) = parse(&every_case(&plan, &failing, 1, 2, printed));
        assert!(check_ran(&plan, &cases).is_err());
        let (cases, _) = parse(&every_case(&plan, "hog/aplay-rw/16", 1, 2, "underrun!!!"));
        assert!(check_ran(&plan, &cases).is_ok());
        let (cases, _) = parse(&every_case(&plan, "hog/floor/16", 1, 0, "floor: HW_PARAMS"));
        let err = check_ran(&plan, &cases).unwrap_err().to_string();
        assert!(
            err.starts_with("floor (C, no samples) failed to run in case hog/floor/16"),
            "{err}"
        );
        let mut cut = every_case(&plan, "", 0, 0, "");
        cut.truncate(cut.len() - 2);
        let (cases, _) = parse(&cut);
        let err = check_ran(&plan, &cases).unwrap_err().to_string();
        assert!(err.starts_with("no run of aplay beside the busy loop"), "{err}");
    }

    /// The timer comparison per second of audio: interrupts and wakeups from `BENCH-EXEC`,
    /// the wakeup mode from alsa-direct's `BENCH-PLAY`; a failed run shows as failed.
    #[test]
    fn timer_rows_are_per_second_of_audio() {
        let frames = 480_000;
        let lines: Vec<String> = [
            "BENCH-CASE timer/direct-timer/512",
            "  | BENCH-PLAY frames=480000 periods=1875 xruns=0 period=256 wakeups=Timer transport=mmap status/control",
            "BENCH-EXEC status=0 user_us=20000 sys_us=30000 wall_us=1 xruns=0 nvcsw=1880 irqs=3",
            "BENCH-CASE timer/direct-period/512",
            "BENCH-EXEC status=0 user_us=40000 sys_us=60000 wall_us=1 xruns=0 nvcsw=3750 irqs=3750",
            "BENCH-CASE timer/floor/512",
            "BENCH-EXEC status=0 user_us=25000 sys_us=25000 wall_us=1 xruns=0 nvcsw=3750",
            "BENCH-CASE timer/aplay-mmap/512",
            "BENCH-EXEC status=1 user_us=1 sys_us=1 wall_us=1 xruns=0 nvcsw=1",
        ]
        .map(String::from)
        .to_vec();
        let (cases, _) = parse(&lines);
        let rows = timer_rows(&cases, frames);
        assert_eq!(rows.len(), TIMER_LATENCIES.len() * TIMER_TOOLS.len());
        let timer = &rows[0];
        assert_eq!((timer.tool.key, timer.latency), ("direct-timer", 512));
        assert_eq!(timer.wakeups, "Timer");
        assert_eq!(timer.irqs_per_s, Some(0.3));
        assert_eq!(timer.wakeups_per_s, Some(188.0));
        assert_eq!(timer.cpu_ms_per_s, Some(5.0));
        assert_eq!(timer.xruns, Some(0));
        let period = &rows[1];
        assert_eq!(
            (period.irqs_per_s, period.cpu_ms_per_s),
            (Some(375.0), Some(10.0))
        );
        assert_eq!(rows[3].tool.key, "floor");
        assert_eq!(rows[3].irqs_per_s, None, "no interrupts listed");
        assert_eq!((rows[2].xruns, rows[2].cpu_ms_per_s), (None, None), "failed");
    }
}
