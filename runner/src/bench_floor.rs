//! The bench's floor program (`guest-tools/floor/floor.c`): built on the host by the target's
//! cross gcc, static, into `target/bench/floor-<target>`, and packed into the guest as
//! [`crate::bench_script::FLOOR_BINARY`].

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::exec;
use crate::progress::step;

/// The floor's C source, relative to the workspace root.
const SOURCE: &str = "guest-tools/floor/floor.c";

/// The cross gcc of a Rust target (the Debian packages `cargo board setup` installs).
pub fn gcc(target: &str) -> Option<&'static str> {
    Some(match target.split('-').next()? {
        "x86_64" => "x86_64-linux-gnu-gcc",
        "i686" => "i686-linux-gnu-gcc",
        "aarch64" => "aarch64-linux-gnu-gcc",
        "armv7" => "arm-linux-gnueabihf-gcc",
        "riscv64gc" | "riscv64" => "riscv64-linux-gnu-gcc",
        "powerpc64le" => "powerpc64le-linux-gnu-gcc",
        _ => return None,
    })
}

/// Builds the floor for `target` into `out_dir` and returns the binary. Warnings are errors;
/// `_TIME_BITS=64` gives 32-bit targets the header's y2038-safe records (kernels 5.6 and later).
pub fn build(root: &Path, target: &str, out_dir: &Path) -> Result<PathBuf> {
    let Some(gcc) = gcc(target) else {
        bail!("no cross gcc known for {target}: add it to runner/src/bench_floor.rs");
    };
    if exec::which(gcc).is_none() {
        bail!("{gcc} not found: run `cargo board setup` (it installs the cross compilers)");
    }
    let binary = out_dir.join(format!("floor-{target}"));
    exec::run(
        Command::new(gcc)
            .args(["-static", "-O2", "-Wall", "-Wextra", "-Werror"])
            .args(["-D_FILE_OFFSET_BITS=64", "-D_TIME_BITS=64", "-o"])
            .arg(&binary)
            .arg(root.join(SOURCE)),
    )
    .with_context(|| format!("building the floor ({SOURCE}) with {gcc}"))?;
    step!("floor for {target}: {}", binary.display());
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emulated_board_has_a_cross_gcc() {
        let boards_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let boards = crate::boards::load_all(&boards_dir).expect("the boards load");
        let emulated: Vec<_> = boards
            .iter()
            .filter(|b| b.kind == crate::boards::Kind::Emulated)
            .collect();
        assert!(emulated.len() >= 4, "{} emulated boards", emulated.len());
        for board in emulated {
            assert!(gcc(&board.target).is_some(), "{}: {}", board.name, board.target);
        }
        assert_eq!(gcc("thumbv7em-none-eabihf"), None);
    }
}
