//! `cargo board bench [BOARD...] [--seconds N]`: system calls, CPU and the smallest stable period
//! of alsa-direct beside alsa-lib's `aplay` and the C floor in the same guest, on the board's
//! own playback device (the loopback card, or a real-driver board's card), plus the stripped sizes of the
//! static `tone` example and of the firmware `fw-tone`; prints the tables, writes them to
//! `target/bench/` (markdown and JSON) and replaces the "Benchmarks" section of
//! `docs/benchmarks.md` (linked from the README).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::bench::files as bench_files;
use crate::bench::floor as bench_floor;
use crate::bench::report::{self as bench_report, BoardResult};
use crate::bench::script::{self as bench_script, Plan, BENCH_BINARY, FLOOR_BINARY};
use crate::boards::Board;
use crate::boot::clock::Clock;
use crate::boot::{boot_jobs, BootOptions, HostAudio};
use crate::commands::setup;
use crate::guest_image::cargo_build;
use crate::guest_image::guest_files;
use crate::guest_image::job::{Job, Syslog};
use crate::host::exec;
use crate::host::install::Host;
use crate::host::workspace::Workspace;
use crate::progress::{secs, step};

/// Benchmarks every board in `boards` (one guest at a time) and writes the report; returns
/// whether every board produced results.
pub fn bench(
    ws: &Workspace,
    host: &mut Host,
    boards: &[&Board],
    opts: &BootOptions,
    seconds: u64,
) -> Result<bool> {
    setup::prepare_host(ws, host, boards, &[])?;
    let out_dir = out_dir(ws);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let boards_dir = out_dir.join("boards");
    std::fs::create_dir_all(&boards_dir).with_context(|| format!("creating {}", boards_dir.display()))?;
    let mut measured = 0;
    let mut all_ok = true;
    for board in boards {
        step!("=== {}: benchmark, {seconds} s per run ===", board.name);
        match bench_board(ws, host, board, opts, seconds, &out_dir, false) {
            Ok(result) => {
                let md = format!(
                    "{}\n`cargo board bench --seconds {seconds} {}` on {}.\n\n{}",
                    result.heading(),
                    board.invocation(),
                    today(),
                    result.tables()
                );
                print!("{md}");
                let base = boards_dir.join(&result.board);
                std::fs::write(base.with_extension("md"), &md)
                    .with_context(|| format!("writing {}.md", base.display()))?;
                std::fs::write(
                    base.with_extension("json"),
                    serde_json::to_string_pretty(&result.json())?,
                )
                .with_context(|| format!("writing {}.json", base.display()))?;
                measured += 1;
            }
            Err(err) => {
                step!("{}: benchmark FAILED: {err:#}", board.name);
                all_ok = false;
            }
        }
    }
    if measured == 0 {
        return Ok(false);
    }
    write_report(ws, seconds)?;
    Ok(all_ok)
}

/// The timer comparison alone (`--timer-only`) on every board in `boards`: prints each
/// board's table and writes it to `target/bench/timer/BOARD.md`; returns whether every
/// board produced results.
pub fn bench_timer(
    ws: &Workspace,
    host: &mut Host,
    boards: &[&Board],
    opts: &BootOptions,
    seconds: u64,
) -> Result<bool> {
    setup::prepare_host(ws, host, boards, &[])?;
    let out_dir = out_dir(ws);
    let timer_dir = out_dir.join("timer");
    std::fs::create_dir_all(&timer_dir).with_context(|| format!("creating {}", timer_dir.display()))?;
    let mut all_ok = true;
    for board in boards {
        step!(
            "=== {}: timer mode beside period mode, {seconds} s per run ===",
            board.name
        );
        match bench_board(ws, host, board, opts, seconds, &out_dir, true) {
            Ok(result) => {
                let md = format!(
                    "{}\n`cargo board bench --timer-only --seconds {seconds} {}` on {}.\n\n{}",
                    result.heading(),
                    board.invocation(),
                    today(),
                    result.timer_table()
                );
                print!("{md}");
                let path = timer_dir.join(format!("{}.md", result.board));
                std::fs::write(&path, &md).with_context(|| format!("writing {}", path.display()))?;
            }
            Err(err) => {
                step!("{}: timer benchmark FAILED: {err:#}", board.name);
                all_ok = false;
            }
        }
    }
    Ok(all_ok)
}

/// Writes `target/bench/bench.{md,json}` and the "Benchmarks" section of `docs/benchmarks.md` from every
/// board measured so far (this run or an earlier one, each with its own date).
pub fn write_report(ws: &Workspace, seconds: u64) -> Result<()> {
    let out_dir = out_dir(ws);
    let boards_dir = out_dir.join("boards");
    let mut tables = String::new();
    let mut boards_json = Vec::new();
    for (name, md) in saved_boards(&boards_dir, "md")? {
        tables.push_str(&md);
        tables.push('\n');
        let json = boards_dir.join(format!("{name}.json"));
        let text = std::fs::read_to_string(&json).with_context(|| format!("reading {}", json.display()))?;
        boards_json.push(serde_json::from_str::<serde_json::Value>(&text)?);
    }
    let Some(first) = boards_json.first() else {
        anyhow::bail!(
            "no benchmark results in {}: run `cargo board bench` first",
            boards_dir.display()
        );
    };
    let frames = |key: &str| {
        (
            first[key][0].as_u64().unwrap_or(0),
            first[key][1].as_u64().unwrap_or(0),
        )
    };
    let section = format!(
        "## Benchmarks\n\n{}\n{}\n{tables}",
        bench_report::summary(&boards_json),
        bench_report::method(frames("cpu_frames"), frames("trace_frames"))
    );
    let md = out_dir.join("bench.md");
    std::fs::write(&md, &section).with_context(|| format!("writing {}", md.display()))?;
    let json = out_dir.join("bench.json");
    let value = serde_json::json!({ "seconds": seconds, "boards": boards_json });
    std::fs::write(&json, serde_json::to_string_pretty(&value)?)
        .with_context(|| format!("writing {}", json.display()))?;
    // The README links the benchmarks; they live in docs/benchmarks.md.
    let readme_path = ws.root.join("docs").join("benchmarks.md");
    let readme = std::fs::read_to_string(&readme_path)
        .with_context(|| format!("reading {}", readme_path.display()))?;
    std::fs::write(
        &readme_path,
        bench_report::replace_readme_section(&readme, &section),
    )
    .with_context(|| format!("writing {}", readme_path.display()))?;
    step!(
        "wrote {}, {} and the Benchmarks section of {}",
        md.display(),
        json.display(),
        readme_path.display()
    );
    Ok(())
}

/// `target/bench`: the report, and each board's saved results under `boards/`.
fn out_dir(ws: &Workspace) -> PathBuf {
    ws.root.join("target").join("bench")
}

/// The `(board, contents)` of the `*.<ext>` files in `dir`, by board name.
fn saved_boards(dir: &Path, ext: &str) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == ext) {
            if let Some(name) = path.file_stem().and_then(|n| n.to_str()) {
                found.push((name.to_owned(), std::fs::read_to_string(&path)?));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Builds, boots and measures one board.
fn bench_board(
    ws: &Workspace,
    host: &mut Host,
    board: &Board,
    opts: &BootOptions,
    seconds: u64,
    out_dir: &Path,
    timer_only: bool,
) -> Result<BoardResult> {
    let (debian, _) = board.emulation()?;
    let target = board.target.as_str();
    let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
    let alsa = bench_files::prepare(board, &ws.cache_dir(), host)?;
    let bench = cargo_build::guest_tool(&ws.root, target, "bench")?;
    let floor = bench_floor::build(&ws.root, target, out_dir)?;
    let tone_size = tone_size(ws, target, &debian.arch, out_dir).map_err(|e| format!("{e:#}"));
    let plan = Plan {
        timer_only,
        ..Plan::new(
            target,
            &board.devices.playback,
            seconds,
            bench_files::multiarch(&debian.arch),
        )
    };
    let script = out_dir.join(format!("run-{}.sh", board.name));
    std::fs::write(&script, bench_script::render(&plan))
        .with_context(|| format!("writing {}", script.display()))?;
    let mut job_files: Vec<(String, PathBuf)> =
        vec![(BENCH_BINARY.into(), bench), (FLOOR_BINARY.into(), floor)];
    job_files.extend(alsa);
    let job = Job {
        name: "bench".into(),
        guest_path: "/bench/run.sh".into(),
        host_binary: script,
        args: Vec::new(),
        env: board.guest_env(&board.runs[0]),
        syslog: Syslog::dump_or(opts.dump_syslog, Syslog::Off),
        files: job_files,
        stderr: None,
    };
    let estimate = Duration::from_secs(plan.estimate_secs());
    let mut opts = opts.clone();
    if opts.clock != Clock::Instruction {
        step!(
            "{}: benchmarks always run on the instruction clock (--real-clock and --kvm ignored)",
            board.name
        );
    }
    opts.clock = Clock::Instruction;
    if opts.timeout < estimate {
        step!(
            "{}: time limit raised to {} for the benchmark",
            board.name,
            secs(estimate)
        );
        opts.timeout = estimate;
    }
    let report = boot_jobs(ws, board, &files, &[job], &opts, "bench", HostAudio::default())?;
    if let Some(why) = report.boot_failure() {
        anyhow::bail!("{why}");
    }
    let (cases, info) = bench_report::parse(&report.console);
    if cases.is_empty() {
        anyhow::bail!("the guest printed no BENCH-CASE line");
    }
    if !timer_only {
        bench_report::check_ran(&plan, &cases)?;
    }
    let kernel = format!(
        "{}, qemu {}",
        if report.release.is_empty() {
            &files.release
        } else {
            &report.release
        },
        report.engine
    );
    let mut result = bench_report::evaluate(&plan, &cases, &info, &board.name, target, kernel, tone_size);
    result.firmware_size = cargo_build::firmware(&ws.root, target)
        .and_then(|binary| Ok(std::fs::metadata(binary)?.len()))
        .map_err(|e| format!("{e:#}"));
    Ok(result)
}

/// Builds the static `tone` example for `target`, strips a copy into `out_dir` and returns its
/// size in bytes.
fn tone_size(ws: &Workspace, target: &str, arch: &str, out_dir: &Path) -> Result<u64> {
    let binary = cargo_build::example(&ws.root, target, "tone", "std")?;
    let stripped = out_dir.join(format!("tone-{target}"));
    let gnu = format!("{}-strip", bench_files::multiarch(arch));
    let native = target.starts_with(std::env::consts::ARCH);
    let tool = [gnu.as_str(), "llvm-strip"]
        .into_iter()
        .chain(native.then_some("strip"))
        .find_map(exec::which)
        .with_context(|| format!("no {gnu} or llvm-strip"))?;
    exec::run(Command::new(&tool).arg("-o").arg(&stripped).arg(&binary))?;
    let size = std::fs::metadata(&stripped)?.len();
    step!("tone for {target}: {} bytes stripped ({})", size, tool.display());
    Ok(size)
}

/// Today's date (UTC), e.g. `2026-11-21`.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
