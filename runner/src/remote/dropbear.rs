//! The emulated stand-in's SSH server: Debian's `dropbear-bin` for the guest's architecture
//! and the libraries it loads (`libc6`, `libcrypt1`, `libtomcrypt1` with `libgmp10`,
//! `libtommath1`, `zlib1g`), fetched once and cached under `~/.cache/alsa-direct/board-cache/<suite>-<arch>/dropbear/`
//! like the benchmarks' aplay (see [`crate::bench::files`]).

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::bench::files::{self as bench_files, GuestFile};
use crate::boards::Board;
use crate::host::debian;
use crate::host::install::Host;
use crate::progress::step;

/// The packages and what of each the guest needs.
const PACKAGES: [(&str, &[&str]); 7] = [
    ("dropbear-bin", &["./usr/sbin/dropbear", "./usr/bin/dropbearkey"]),
    ("libc6", &["./lib/*", "./usr/lib/*", "./lib64/*", "./usr/lib64/*"]),
    ("libcrypt1", &["./lib/*", "./usr/lib/*"]),
    ("libtomcrypt1", &["./usr/lib/*"]),
    ("libtommath1", &["./usr/lib/*"]),
    ("libgmp10", &["./usr/lib/*"]),
    ("zlib1g", &["./lib/*", "./usr/lib/*"]),
];

/// Fetches (first time) or finds (later) dropbear and its libraries for the board's guest;
/// returns the files to place in it.
///
/// # Errors
/// When a package cannot be downloaded or has no dropbear.
pub fn prepare(board: &Board, cache_root: &Path, host: &mut Host) -> Result<Vec<GuestFile>> {
    let (debian, _) = board.emulation()?;
    let cache = cache_root.join(format!("{}-{}", debian.suite, debian.arch));
    let dir = cache.join("dropbear");
    // The stamp names the packages: a changed list unpacks again.
    let stamp = cache.join("dropbear.unpacked");
    let wanted: Vec<&str> = PACKAGES.iter().map(|(p, _)| *p).collect();
    let wanted = wanted.join(" ");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let debs = cache.join("debs");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        for (package, patterns) in PACKAGES {
            let deb = host.guest_deb(debian, package, &debian.arch, &debs)?;
            step!("unpacking {} for the SSH stand-in", deb.display());
            // A pattern that matches nothing (./lib64 outside amd64) fails tar: one at a time.
            for pattern in patterns {
                let _ = debian::extract(&deb, &dir, &[(*pattern).to_owned()]);
            }
        }
        std::fs::write(&stamp, &wanted).with_context(|| format!("writing {}", stamp.display()))?;
    }
    let mut files = bench_files::tree(&dir)?;
    // The C library's character set converters (20 MiB): dropbear loads none.
    files.retain(|(guest, _)| !guest.contains("/gconv/"));
    for wanted in ["/usr/sbin/dropbear", "/usr/bin/dropbearkey"] {
        if !files.iter().any(|(g, _)| g == wanted) {
            bail!("no {wanted} in {}", dir.display());
        }
    }
    Ok(files)
}
