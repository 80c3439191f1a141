//! `cargo board ci`: the project's whole test command (what `.ci/run` runs).
//!
//! Steps, stopping at the first failure: prepare the host; `cargo fmt --check`; the runner's own
//! tests; clippy on the workspace; the documentation (`cargo doc` with warnings as errors); for
//! each target, the host tests (`cargo test`, cross targets under qemu-user) and `cargo clippy
//! --all-features -D warnings`; the `std` feature's descriptor types; the firmware
//! (`firmware/`) tested on the host, linted for each emulated board's target and held to its
//! size budget there; the declared `rust-version`, built with Debian's Rust of that version
//! (see [`crate::host::msrv`]); then `cargo board test` on every emulated board, and on each again
//! with the kernel of [`SECOND_SUITE`].

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

/// The Debian suite whose kernel CI tests every emulated board on a second time, beside the
/// board's own: trixie's Linux 6.12 (PCM protocol 2.0.18) beside bookworm's 6.1 (2.0.15).
pub const SECOND_SUITE: &str = "trixie";

/// The heard scenarios a real-driver board plays again on [`SECOND_SUITE`]'s kernel (all of
/// them on its own suite): the driver's start, steady state, pause and recovery, at a small
/// and a large period, in a fifth of the boots.
pub const SECOND_SUITE_SCENARIOS: &[&str] =
    &["tone-p256", "tone-p4096", "pause-resume", "xrun", "keep-running"];

/// The boards CI tests: every emulated board (the SSH stand-in `qemu-arm64-ssh` tested and
/// probed over SSH, as `--host` does a real board), then each whose own suite is not
/// [`SECOND_SUITE`] and is no stand-in again on that suite (named `BOARD-trixie`; a real-driver board's runs
/// there play only [`SECOND_SUITE_SCENARIOS`] and those their own args pick).
pub fn boards(all: &[Board]) -> Result<Vec<Board>> {
    let own = boards::select(all, &[])?;
    let mut chosen: Vec<Board> = own.iter().map(|&b| b.clone()).collect();
    // A stand-in is tested over SSH on its own suite only: its point is the SSH path.
    for board in own.into_iter().filter(|b| b.standin.is_none()) {
        let mut second = boards::with_suite(board, SECOND_SUITE)?;
        if second.name != board.name {
            if second.audio.is_some() {
                for run in &mut second.runs {
                    if run.args.is_empty() {
                        run.args = SECOND_SUITE_SCENARIOS.iter().map(|s| s.to_string()).collect();
                    }
                }
            }
            chosen.push(second);
        }
    }
    Ok(chosen)
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

/// Runs the steps in order into `summary`; false at the first failure.
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

    for s in host_steps() {
        let started = Instant::now();
        step!("=== ci: {} {} ===", s.group, s.name);
        let mut cmd = exec::cargo();
        cmd.current_dir(&ws.root)
            .args(&s.args)
            .envs(s.env.iter().copied());
        let result = exec::run(&mut cmd);
        let line = format!("cargo {}", s.args.join(" "));
        match result {
            Ok(()) => summary.add(&s.group, &s.name, true, line, started.elapsed()),
            Err(err) => {
                step!("ci: FAILED: {err:#} (after {})", secs(started.elapsed()));
                summary.add(&s.group, &s.name, false, line, started.elapsed());
                return false;
            }
        }
    }

    for target in TARGETS.iter().filter(|t| t.firmware == Firmware::LintedAndSized) {
        let target = target.triple;
        let started = Instant::now();
        step!("=== ci: {target} firmware-size ===");
        match firmware_budget(ws, target) {
            Ok(line) => {
                step!("{line}");
                summary.add(target, "firmware-size", true, line, started.elapsed());
            }
            Err(err) => {
                step!("ci: FAILED: {err:#}");
                summary.add(
                    target,
                    "firmware-size",
                    false,
                    format!("{err:#}"),
                    started.elapsed(),
                );
                return false;
            }
        }
    }

    let started = Instant::now();
    step!("=== ci: host msrv ===");
    match msrv(ws) {
        Ok(line) => summary.add("host", "msrv", true, line, started.elapsed()),
        Err(err) => {
            step!(
                "ci: FAILED: rust-version: {err:#} (after {})",
                secs(started.elapsed())
            );
            summary.add("host", "msrv", false, format!("{err:#}"), started.elapsed());
            return false;
        }
    }

    step!("=== ci: board tests ===");
    match test::test(ws, host, boards, opts, &[]) {
        Ok(boards_summary) => {
            let ok = boards_summary.all_passed();
            summary.extend(boards_summary);
            ok
        }
        Err(err) => {
            step!("ci: FAILED: board tests: {err:#}");
            summary.add("boards", "test", false, format!("{err:#}"), Default::default());
            false
        }
    }
}

/// Builds the library as a dependency with Debian's Rust of the declared `rust-version`;
/// returns the summary line.
pub fn msrv(ws: &Workspace) -> Result<String> {
    let version = msrv::declared_rust_version(&ws.root.join("Cargo.toml"))?;
    let toolchain = msrv::toolchain(&ws.cache_dir(), &version)?;
    for mut cmd in msrv::check_commands(&toolchain, &ws.cache_dir(), &ws.root, &version)? {
        exec::run(&mut cmd)?;
    }
    Ok(format!(
        "rust-version {version}: {} builds alsa-direct as a dependency, without features and with std, defmt, embedded-hal",
        toolchain.version_line
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn ci_tests_each_board_on_its_own_suite_and_on_trixie_once() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let all = boards::load_all(&dir).unwrap();
        let chosen = boards(&all).unwrap();
        let names: Vec<&str> = chosen.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "qemu-arm64",
                "qemu-arm64-hda",
                "qemu-arm64-ssh",
                "qemu-arm64-usb",
                "qemu-armv7",
                "qemu-armv7-usb",
                "qemu-riscv64",
                "qemu-riscv64-hda",
                "qemu-x86_64",
                "qemu-x86_64-ac97",
                "qemu-x86_64-hda",
                "qemu-arm64-trixie",
                "qemu-arm64-hda-trixie",
                "qemu-arm64-usb-trixie",
                "qemu-armv7-trixie",
                "qemu-armv7-usb-trixie",
                "qemu-x86_64-trixie",
                "qemu-x86_64-ac97-trixie",
                "qemu-x86_64-hda-trixie",
            ]
        );
        // A real-driver board plays its full set on its own kernel, a few on trixie's.
        let hda = |name: &str| {
            chosen.iter().find(|b| b.name == name).unwrap().runs[0]
                .args
                .clone()
        };
        assert!(hda("qemu-arm64-hda").is_empty());
        assert_eq!(hda("qemu-arm64-hda-trixie"), SECOND_SUITE_SCENARIOS);
    }
}
