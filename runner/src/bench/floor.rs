//! The bench's floor program (`guest-tools/floor/floor.c`): built on the host by the target's
//! C compiler ([`crate::targets`]), static, into `target/bench/floor-<target>`, and packed into
//! the guest as [`crate::bench::script::FLOOR_BINARY`].

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::host::exec;
use crate::progress::step;
use crate::targets;

/// The floor's C source, relative to the workspace root.
const SOURCE: &str = "guest-tools/floor/floor.c";

/// Builds the floor for `target` into `out_dir` and returns the binary. Warnings are errors;
/// `_TIME_BITS=64` gives 32-bit targets the header's y2038-safe records (kernels 5.6 and later).
pub fn build(root: &Path, target: &str, out_dir: &Path) -> Result<PathBuf> {
    let gcc = targets::by_triple(target)?.c_compiler;
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
