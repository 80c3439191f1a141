//! `cargo board ci`: the project's whole test command (what `.ci/run` runs).
//!
//! First the host is prepared (packages, targets, kernels). Then two parts run side by side,
//! each stopping at its own first failure:
//! - the host part: `cargo fmt --check`; the runner's own tests; clippy on the workspace; the
//!   documentation (`cargo doc` with warnings as errors); for each target, the host tests
//!   (`cargo test`, cross targets under qemu-user) and `cargo clippy --all-features -D
//!   warnings`; the `std` feature's descriptor types; the firmware (`firmware/`) tested on the
//!   host, linted for each emulated board's target and held to its size budget there; the
//!   declared `rust-version`, built with Debian's Rust of that version (see
//!   [`crate::host::msrv`]). Their output goes to `target/ci-logs/`; a failure prints the end
//!   of its log.
//! - the board part: `cargo board test` on the boards whose files have a `[ci]` section, on each
//!   Debian suite's kernel it names ([`boards`]).
//!
//! The guests run on qemu's instruction clock, so a busy host slows them down but does not
//! change what they see.

use std::time::Instant;

use anyhow::Result;

use crate::boards::{self, Board};
use crate::boot::BootOptions;
use crate::commands::summary::Summary;
use crate::commands::{setup, test};
use crate::guest_image::cargo_build;
use crate::host::exec;
use crate::host::install::{self, Host};
use crate::host::msrv;
use crate::host::workspace::Workspace;
use crate::progress::{secs, step};
use crate::targets::{Firmware, HOST, TARGETS};

/// The heard scenarios a real-driver board plays on a suite of its `[ci] suites` other than its
/// own (all of them on its own suite): the driver's start, steady state, pause and recovery, at a
/// small and a large period, in a fifth of the boots.
pub const OTHER_SUITE_SCENARIOS: &[&str] =
    &["tone-p256", "tone-p4096", "pause-resume", "xrun", "keep-running"];

/// The boards CI tests, as the board files' `[ci] suites` say: first every board on its own
/// suite, then each on the other suites it names (the board of [`boards::with_suite`], named
/// `BOARD-SUITE`; a real-driver board's runs there play only [`OTHER_SUITE_SCENARIOS`] and
/// those their own args pick).
pub fn boards(all: &[Board]) -> Result<Vec<Board>> {
    let tested: Vec<(&Board, &[String])> = all
        .iter()
        .filter_map(|b| b.ci.as_ref().map(|ci| (b, ci.suites.as_slice())))
        .collect();
    let is_own = |board: &Board, suite: &str| board.debian.as_ref().is_some_and(|d| d.suite == suite);
    let mut chosen: Vec<Board> = tested
        .iter()
        .filter(|(board, suites)| suites.iter().any(|s| is_own(board, s)))
        .map(|(board, _)| (*board).clone())
        .collect();
    for (board, suites) in &tested {
        for suite in suites.iter().filter(|s| !is_own(board, s)) {
            let mut other = boards::with_suite(board, suite)?;
            if other.audio.is_some() {
                for run in &mut other.runs {
                    if run.args.is_empty() {
                        run.args = OTHER_SUITE_SCENARIOS.iter().map(|s| s.to_string()).collect();
                    }
                }
            }
            chosen.push(other);
        }
    }
    Ok(chosen)
}

/// One line per board run of `boards` (`cargo board ci --list`): the board, its Debian suite,
/// the run, its target, environment and arguments.
pub fn jobs(boards: &[Board]) -> Vec<String> {
    let mut lines = Vec::new();
    for board in boards {
        let suite = board.debian.as_ref().map_or("-", |d| d.suite.as_str());
        let how = if board.standin.is_some() {
            " (over ssh)"
        } else {
            ""
        };
        for run in &board.runs {
            let env: Vec<String> = board
                .guest_env(run)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            lines.push(format!(
                "{} {suite}{how} run {} {} env [{}] args [{}]",
                board.name,
                run.name,
                board.run_target(run),
                env.join(" "),
                run.args.join(" ")
            ));
        }
    }
    lines
}

/// Builds the firmware for `target` and checks its stripped size against
/// [`cargo_build::FIRMWARE_BUDGET`]; returns the summary detail.
fn firmware_budget(ws: &Workspace, target: &str) -> Result<String> {
    let binary = cargo_build::firmware(&ws.root, target)?;
    let size = std::fs::metadata(&binary)?.len();
    let line = format!(
        "{}: {size} bytes stripped, budget {} bytes",
        cargo_build::FIRMWARE,
        cargo_build::FIRMWARE_BUDGET
    );
    if size >= cargo_build::FIRMWARE_BUDGET {
        anyhow::bail!("{line}: over budget ({})", binary.display());
    }
    Ok(line)
}

/// One cargo invocation of the host part.
struct Step {
    /// Summary group (a target triple, or `host`).
    group: String,
    /// Step name within the group.
    name: String,
    /// Arguments after `cargo`.
    args: Vec<String>,
    /// Extra environment.
    env: Vec<(&'static str, &'static str)>,
}

impl Step {
    /// A step running `cargo <args>`.
    fn new(group: &str, name: &str, args: &[&str]) -> Step {
        Step {
            group: group.into(),
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
        }
    }

    /// Adds an environment variable for the step.
    fn env(mut self, key: &'static str, value: &'static str) -> Step {
        self.env.push((key, value));
        self
    }
}

/// The cargo commands of the host part, in order.
fn host_steps() -> Vec<Step> {
    let mut steps = vec![
        Step::new("host", "fmt", &["fmt", "--all", "--check"]),
        Step::new(
            "host",
            "runner-tests",
            &["test", "--package", "alsa-direct-board"],
        ),
        Step::new(
            "host",
            "clippy-workspace",
            &[
                "clippy",
                "--workspace",
                "--exclude",
                "alsa-direct-firmware",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
        // What docs.rs builds (every feature), with broken links as errors.
        Step::new("host", "doc", &["doc", "--no-deps", "--all-features"]).env("RUSTDOCFLAGS", "-D warnings"),
        // The guest tools' own tests (the ptrace tracer, on the host's kernel).
        Step::new(
            "host",
            "guest-tools-tests",
            &["test", "--package", "alsa-direct-guest-tools"],
        ),
        // `fd()` and `from_fd` with std's descriptor types.
        Step::new(
            "host",
            "std-fd",
            &["test", "--features", "std", "--test", "std_fd"],
        ),
    ];
    // The firmware's library (arguments, log lines, the sine) is tested and linted on the host.
    steps.push(Step::new(
        "host",
        "firmware-tests",
        &["test", "--package", "alsa-direct-firmware"],
    ));
    steps.push(Step::new(
        "host",
        "firmware-clippy-tests",
        &[
            "clippy",
            "--package",
            "alsa-direct-firmware",
            "--lib",
            "--tests",
            "--",
            "-D",
            "warnings",
        ],
    ));
    // The firmware builds only with its profile (a no_std binary cannot unwind, and the dev
    // profile unwinds), for the emulated boards' targets (its `_start` is per architecture).
    for target in TARGETS.iter().filter(|t| t.firmware != Firmware::NotBuilt) {
        let target = target.triple;
        steps.push(Step::new(
            target,
            "firmware-clippy",
            &[
                "clippy",
                "--package",
                "alsa-direct-firmware",
                "--profile",
                "firmware",
                "--target",
                target,
                "--",
                "-D",
                "warnings",
            ],
        ));
    }
    for target in TARGETS {
        let target = target.triple;
        // The ABI layout test skips where the target's gcc is missing, but not here: the
        // setup installs every cross gcc, so a missing one is a failure.
        if target == HOST.triple {
            steps.push(Step::new(target, "test", &["test"]).env("ALSA_DIRECT_REQUIRE_ABI_CHECK", "1"));
        } else {
            // Doctests get no `target.<t>.rustflags`: link them statically too, or qemu-user
            // (and the host, for i686) would need the target's dynamic loader.
            steps.push(
                Step::new(target, "test", &["test", "--target", target])
                    .env("RUSTDOCFLAGS", "-C target-feature=+crt-static")
                    .env("ALSA_DIRECT_REQUIRE_ABI_CHECK", "1"),
            );
            steps.push(Step::new(
                target,
                "clippy",
                &[
                    "clippy",
                    "--target",
                    target,
                    "--all-features",
                    "--",
                    "-D",
                    "warnings",
                ],
            ));
        }
    }
    steps
}

/// Runs everything; returns true when all passed.
pub fn ci(ws: &Workspace, host: &mut Host, boards: &[&Board], opts: &BootOptions) -> Result<bool> {
    let mut summary = Summary::default();
    let passed = run_steps(ws, host, boards, opts, &mut summary);
    println!();
    if passed {
        println!("cargo board ci: all passed");
    } else {
        println!("cargo board ci: FAILED (see the first FAILED line above)");
    }
    // The count line closes the output, for whoever reads the last lines.
    summary.print("cargo board ci summary", "ci");
    Ok(passed)
}

/// Prepares the host, then runs the host part (cargo on the host) beside the board tests
/// (one qemu at a time, on one core): the two share the machine rather than wait for each
/// other. Each part stops at its own first failure. Returns true when all passed.
fn run_steps(
    ws: &Workspace,
    host: &mut Host,
    boards: &[&Board],
    opts: &BootOptions,
    summary: &mut Summary,
) -> bool {
    let started = Instant::now();
    step!("=== ci: preparing the host ===");
    let prepared = setup::setup(ws, host, boards, TARGETS)
        .and_then(|()| install::ensure_rust_components(&["clippy", "rustfmt"]));
    if let Err(err) = prepared {
        step!("ci: FAILED preparing the host: {err:#}");
        summary.add("host", "setup", false, format!("{err:#}"), started.elapsed());
        return false;
    }
    summary.add(
        "host",
        "setup",
        true,
        "packages, targets, kernels",
        started.elapsed(),
    );
    step!(
        "=== ci: the host steps (output in {}) beside the board tests ===",
        logs_dir(ws).display()
    );
    let (host_part, board_part) = std::thread::scope(|scope| {
        let host_part = scope.spawn(|| host_part(ws));
        let board_part = board_part(ws, host, boards, opts);
        let host_part = host_part.join().unwrap_or_else(|_| {
            let mut failed = Summary::default();
            failed.add(
                "host",
                "steps",
                false,
                "the host part panicked",
                Default::default(),
            );
            failed
        });
        (host_part, board_part)
    });
    summary.extend(host_part);
    summary.extend(board_part);
    summary.all_passed()
}

/// Where the host steps' output goes: `target/ci-logs/<group>-<step>.log`.
fn logs_dir(ws: &Workspace) -> std::path::PathBuf {
    ws.target_dir.join("ci-logs")
}

/// The host part: the cargo steps, the firmware's size, the declared `rust-version`, in order,
/// up to the first failure. The cargo steps build in `target/ci-host/`, so that they do not
/// wait for the board tests' builds (cargo locks its target directory).
fn host_part(ws: &Workspace) -> Summary {
    let mut summary = Summary::default();
    let host_target_dir = ws.target_dir.join("ci-host");
    for s in host_steps() {
        let started = Instant::now();
        let mut cmd = exec::cargo();
        cmd.current_dir(&ws.root)
            .args(&s.args)
            .envs(s.env.iter().copied())
            .env("CARGO_TARGET_DIR", &host_target_dir);
        let log = logs_dir(ws).join(format!("{}-{}.log", s.group, s.name));
        let result = exec::run_logged(&mut cmd, &log);
        let line = format!("cargo {}", s.args.join(" "));
        if !note(&mut summary, &s.group, &s.name, result.map(|()| line), started) {
            return summary;
        }
    }
    for target in TARGETS.iter().filter(|t| t.firmware == Firmware::LintedAndSized) {
        let started = Instant::now();
        let result = firmware_budget(ws, target.triple);
        if !note(&mut summary, target.triple, "firmware-size", result, started) {
            return summary;
        }
    }
    let started = Instant::now();
    let result = msrv(ws, Some(&logs_dir(ws).join("host-msrv")));
    note(&mut summary, "host", "msrv", result, started);
    summary
}

/// Prints and adds the row of a host step that began at `started`; true when it passed.
fn note(summary: &mut Summary, group: &str, name: &str, result: Result<String>, started: Instant) -> bool {
    let took = started.elapsed();
    match result {
        Ok(line) => {
            step!("ci: {group} {name}: passed in {} ({line})", secs(took));
            summary.add(group, name, true, line, took);
            true
        }
        Err(err) => {
            step!("ci: FAILED: {group} {name} after {}: {err:#}", secs(took));
            let first_line = format!("{err:#}").lines().next().unwrap_or_default().to_owned();
            summary.add(group, name, false, first_line, took);
            false
        }
    }
}

/// The board tests, as `cargo board test` runs them.
fn board_part(ws: &Workspace, host: &mut Host, boards: &[&Board], opts: &BootOptions) -> Summary {
    step!("=== ci: board tests ===");
    test::test(ws, host, boards, opts, &[]).unwrap_or_else(|err| {
        step!("ci: FAILED: board tests: {err:#}");
        let mut failed = Summary::default();
        failed.add("boards", "test", false, format!("{err:#}"), Default::default());
        failed
    })
}

/// Builds the library as a dependency with Debian's Rust of the declared `rust-version`;
/// returns the summary line.
/// With `log`, the builds' output goes there (`<log>.1.log`, `<log>.2.log`, ...) instead of the
/// terminal.
pub fn msrv(ws: &Workspace, log: Option<&std::path::Path>) -> Result<String> {
    let version = msrv::declared_rust_version(&ws.root.join("Cargo.toml"))?;
    let toolchain = msrv::toolchain(&ws.cache_dir(), &version)?;
    let commands = msrv::check_commands(&toolchain, &ws.cache_dir(), &ws.root, &version)?;
    for (i, mut cmd) in commands.into_iter().enumerate() {
        match log {
            Some(log) => exec::run_logged(&mut cmd, &log.with_extension(format!("{}.log", i + 1)))?,
            None => exec::run(&mut cmd)?,
        }
    }
    Ok(format!(
        "rust-version {version}: {} builds alsa-direct as a dependency, without features and with std, defmt, embedded-hal",
        toolchain.version_line
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::Kind;
    use std::path::Path;

    #[test]
    fn the_firmware_is_linted_and_sized_for_every_emulated_boards_target() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let all = boards::load_all(&dir).unwrap();
        for board in boards::select(&all, &[]).unwrap() {
            for run in &board.runs {
                let target = crate::targets::by_triple(board.run_target(run)).unwrap();
                assert_ne!(
                    target.firmware,
                    Firmware::NotBuilt,
                    "{}: {}",
                    board.name,
                    target.triple
                );
            }
        }
        let steps = host_steps();
        for target in TARGETS {
            let linted = steps
                .iter()
                .any(|s| s.group == target.triple && s.name == "firmware-clippy");
            assert_eq!(linted, target.firmware != Firmware::NotBuilt, "{}", target.triple);
        }
        let workspace = steps.iter().find(|s| s.name == "clippy-workspace").unwrap();
        assert!(workspace
            .args
            .windows(2)
            .any(|w| w == ["--exclude", "alsa-direct-firmware"]));
    }

    #[test]
    fn ci_tests_each_board_file_on_the_suites_it_names() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let all = boards::load_all(&dir).unwrap();
        let chosen = boards(&all).unwrap();
        let mut names: Vec<&str> = chosen.iter().map(|b| b.name.as_str()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a board twice: {names:?}");
        let mut expected = 0;
        for board in all.iter().filter(|b| b.kind == Kind::Emulated) {
            // Every emulated board as it is, and the stand-in over SSH only there.
            let own = &board.debian.as_ref().unwrap().suite;
            let suites = &board
                .ci
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no [ci]", board.name))
                .suites;
            assert!(suites.contains(own), "{}", board.name);
            if board.standin.is_some() {
                assert_eq!(suites, std::slice::from_ref(own));
            }
            expected += suites.len();
        }
        assert_eq!(count, expected);
        assert!(all.iter().all(|b| b.kind == Kind::Emulated || b.ci.is_none()));
        // Every board on its own suite comes first.
        let first_other = chosen.iter().position(|b| b.base_name.is_some()).unwrap();
        assert!(chosen[first_other..].iter().all(|b| b.base_name.is_some()));
        // A real-driver board plays its full set on its own kernel, a few on another's.
        let args = |name: &str| {
            chosen.iter().find(|b| b.name == name).unwrap().runs[0]
                .args
                .clone()
        };
        assert!(args("qemu-arm64-hda").is_empty());
        assert_eq!(args("qemu-arm64-hda-trixie"), OTHER_SUITE_SCENARIOS);
    }
}
