//! `cargo board setup`: installs what is missing on the host and fetches the guests' files.

use anyhow::Result;

use crate::boards::{Board, Debian};
use crate::guest_image::guest_files;
use crate::host::install::{self, Host};
use crate::host::workspace::Workspace;
use crate::progress::step;
use crate::targets::Target;

/// Installs the packages and rustup targets needed to build for and boot `boards`, plus what
/// `cargo test --target <t>` on the host needs for each of `host_test_targets`; makes the
/// guest packages of boards not cached yet reachable by apt (one `apt-get update` for all).
pub fn prepare_host(
    ws: &Workspace,
    host: &mut Host,
    boards: &[&Board],
    host_test_targets: &[Target],
) -> Result<()> {
    let to_fetch: Vec<&Debian> = boards
        .iter()
        .filter(|b| !guest_files::is_cached(b, &ws.cache_dir()))
        .filter_map(|b| b.debian.as_ref())
        .collect();
    host.ensure_guest_sources(&to_fetch)?;
    let mut needs = Vec::new();
    let mut targets: Vec<&str> = host_test_targets.iter().map(|t| t.triple).collect();
    for board in boards {
        needs.extend(install::needs_for_board(board)?);
        targets.extend(board.runs.iter().map(|r| board.run_target(r)));
    }
    for target in host_test_targets {
        needs.extend(install::needs_for_host_tests(target));
    }
    host.ensure_packages(&needs)?;
    targets.sort_unstable();
    targets.dedup();
    install::ensure_rust_targets(targets)
}

/// `cargo board setup [BOARD...]`: everything `test` needs, fetched now.
pub fn setup(ws: &Workspace, host: &mut Host, boards: &[&Board], host_test_targets: &[Target]) -> Result<()> {
    prepare_host(ws, host, boards, host_test_targets)?;
    for board in boards {
        let files = guest_files::prepare(board, &ws.cache_dir(), host)?;
        step!(
            "{}: kernel {} ({}), {} module(s), busybox {}",
            board.name,
            files.release,
            files.kernel.display(),
            files.modules.len(),
            files.busybox.display()
        );
        if board.standin.is_some() {
            let dropbear = crate::remote::dropbear::prepare(board, &ws.cache_dir(), host)?;
            step!(
                "{}: dropbear and its libraries, {} file(s)",
                board.name,
                dropbear.len()
            );
        }
    }
    Ok(())
}
