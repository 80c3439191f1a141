//! Building the guest binaries with cargo: the kernel integration tests and examples, static, in
//! release mode, for a target; the executable's path comes from cargo's JSON messages.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::host::exec;
use crate::progress::step;
use crate::targets;

/// The library package the binaries belong to.
const PACKAGE: &str = "alsa-direct";

/// The part of a cargo JSON message the runner reads.
#[derive(Deserialize)]
struct Message {
    /// Message kind, e.g. `compiler-artifact`.
    reason: String,
    /// The linked executable of an artifact that has one.
    executable: Option<PathBuf>,
    /// The cargo target the artifact was built from.
    target: Option<ArtifactTarget>,
}

#[derive(Deserialize)]
/// The cargo target (test, example, ...) of an artifact.
struct ArtifactTarget {
    /// Target name, e.g. `kernel` or `tone`.
    name: String,
    /// Target kinds, e.g. `["test"]` or `["example"]`.
    kind: Vec<String>,
}

/// Builds `tests/kernel` (`--features kernel-tests`) for `target` and returns the test binary.
pub fn kernel_tests(root: &Path, target: &str) -> Result<PathBuf> {
    let mut cmd = cargo(root, target);
    cmd.args(["test", "--release", "--package", PACKAGE, "--target", target])
        .args(["--features", "kernel-tests", "--test", "kernel", "--no-run"]);
    build(cmd, "test", "kernel")
}

/// Builds example `name` with `features` for `target` and returns its binary.
pub fn example(root: &Path, target: &str, name: &str, features: &str) -> Result<PathBuf> {
    let mut cmd = cargo(root, target);
    cmd.args(["build", "--release", "--package", PACKAGE, "--target", target])
        .args(["--example", name, "--features", features]);
    build(cmd, "example", name)
}

/// Builds every example with `features` for `target` and returns their names and binaries.
pub fn examples(root: &Path, target: &str, features: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut cmd = cargo(root, target);
    cmd.args(["build", "--release", "--package", PACKAGE, "--target", target])
        .args(["--examples", "--features", features]);
    build_all(cmd, "example")
}

/// The guest tools' package (`guest-tools/`: the bench's guest half, the system call tracer).
const GUEST_TOOLS_PACKAGE: &str = "alsa-direct-guest-tools";

/// Builds the guest tool binary `name` (e.g. `bench`) for `target` and returns it.
pub fn guest_tool(root: &Path, target: &str, name: &str) -> Result<PathBuf> {
    let mut cmd = cargo(root, target);
    cmd.args([
        "build",
        "--release",
        "--package",
        GUEST_TOOLS_PACKAGE,
        "--target",
        target,
    ])
    .args(["--bin", name]);
    build(cmd, "bin", name)
}

/// The firmware package (`firmware/`): `#![no_std]`, no libc, its own `_start`.
const FIRMWARE_PACKAGE: &str = "alsa-direct-firmware";

/// The firmware tone generator's binary name, shipped beside the examples.
pub const FIRMWARE: &str = "fw-tone";

/// The firmware's size budget: its stripped binary stays under 32 KiB on every emulated
/// board's target (checked by `cargo board ci`, shown by `cargo board bench`).
pub const FIRMWARE_BUDGET: u64 = 32 * 1024;

/// The cargo profile the firmware is built with (release, optimized for size, stripped).
const FIRMWARE_PROFILE: &str = "firmware";

/// Builds the firmware tone generator for `target` (`--profile firmware`) and returns its
/// binary, stripped and static.
pub fn firmware(root: &Path, target: &str) -> Result<PathBuf> {
    let mut cmd = cargo(root, target);
    cmd.args([
        "build",
        "--package",
        FIRMWARE_PACKAGE,
        "--profile",
        FIRMWARE_PROFILE,
    ])
    .args(["--target", target, "--bin", FIRMWARE]);
    build(cmd, "bin", FIRMWARE)
}

/// A cargo command in `root` that links `target` statically.
fn cargo(root: &Path, target: &str) -> Command {
    let mut cmd = exec::cargo();
    cmd.current_dir(root);
    if target == targets::HOST.triple {
        // The cross targets get crt-static from .cargo/config.toml; the host target does not.
        cmd.env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C target-feature=+crt-static",
        );
    }
    cmd
}

/// Runs the build and picks the executable of the artifact of `kind` named `name`.
fn build(cmd: Command, kind: &str, name: &str) -> Result<PathBuf> {
    build_all(cmd, kind)?
        .into_iter()
        .find(|(found, _)| found == name)
        .map(|(_, exe)| exe)
        .with_context(|| format!("cargo built no {kind} executable named {name}"))
}

/// Runs the build and returns the name and executable of every artifact of `kind`, checking
/// that each is statically linked.
fn build_all(mut cmd: Command, kind: &str) -> Result<Vec<(String, PathBuf)>> {
    cmd.arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .stdin(Stdio::null());
    step!("$ {}", exec::display(&cmd));
    let mut child = cmd.spawn().context("starting cargo")?;
    let stdout = child.stdout.take().context("cargo stdout")?;
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let Ok(msg) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        if msg.reason != "compiler-artifact" {
            continue;
        }
        let Some(target) = msg.target else { continue };
        if let (Some(exe), true) = (msg.executable, target.kind.iter().any(|k| k == kind)) {
            found.retain(|(name, _)| *name != target.name);
            found.push((target.name, exe));
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{}` failed ({status})", exec::display(&cmd));
    }
    for (_, exe) in &found {
        if is_dynamic(exe)? {
            bail!(
                "{} is dynamically linked; the guest has no C library (is crt-static set for this target?)",
                exe.display()
            );
        }
    }
    Ok(found)
}

/// True when an ELF file has a `PT_INTERP` program header (needs a dynamic loader).
pub fn is_dynamic(path: &Path) -> Result<bool> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(elf_has_interp(&bytes))
}

/// True when the ELF image `b` has a `PT_INTERP` program header.
fn elf_has_interp(b: &[u8]) -> bool {
    if b.len() < 64 || &b[..4] != b"\x7fELF" {
        return false;
    }
    let is64 = b[4] == 2;
    let le = b[5] == 1;
    let rd = |off: usize, len: usize| -> Option<u64> {
        let s = b.get(off..off + len)?;
        let mut v = 0u64;
        for i in 0..len {
            let byte = if le { s[len - 1 - i] } else { s[i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    let (phoff, phentsize, phnum) = if is64 {
        (rd(0x20, 8), rd(0x36, 2), rd(0x38, 2))
    } else {
        (rd(0x1c, 4), rd(0x2a, 2), rd(0x2c, 2))
    };
    let (Some(phoff), Some(phentsize), Some(phnum)) = (phoff, phentsize, phnum) else {
        return false;
    };
    (0..phnum).any(|i| {
        let at = (phoff + i * phentsize) as usize;
        rd(at, 4) == Some(3) // PT_INTERP
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_runner_itself_is_dynamic_and_garbage_is_not() {
        let me = std::env::current_exe().unwrap();
        // Test binaries are built without crt-static on the host.
        assert!(is_dynamic(&me).unwrap());
        assert!(!elf_has_interp(b"not an elf"));
    }
}
