//! alsa-lib for the benchmarks: Debian's `aplay` (alsa-utils), `libasound`, the C library and
//! alsa-lib's configuration (`/usr/share/alsa`), fetched once per guest architecture and cached
//! under `~/.cache/alsa-direct/board-cache/<suite>-<arch>/alsa/`.
//!
//! Only what `aplay` loads is unpacked (it needs `libasound.so.2`, `libm` and `libc`; check
//! with `readelf -d usr/bin/aplay`). Files under `usr/lib/` and `usr/lib64/` are also placed
//! under `lib/` and `lib64/`, as the merged-`/usr` layout of newer suites expects (the dynamic
//! loader's path is `/lib/...`, or `/lib64/...` on amd64).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::boards::{Board, Debian};
use crate::host::debian;
use crate::host::install::Host;
use crate::progress::step;
use crate::targets;

/// A file for the guest: absolute guest path and the host file.
pub type GuestFile = (String, PathBuf);

/// The Debian multiarch triple of a Debian architecture (`/lib/<triple>/`).
pub fn multiarch(arch: &str) -> &'static str {
    targets::by_debian_arch(arch).map_or("unknown-linux-gnu", |t| t.multiarch)
}

/// Fetches (first time) or finds (later) aplay and its libraries for the board; returns the
/// files to place in the guest.
pub fn prepare(board: &Board, cache_root: &Path, host: &mut Host) -> Result<Vec<GuestFile>> {
    let (debian, _) = board.emulation()?;
    let cache = cache_root.join(format!("{}-{}", debian.suite, debian.arch));
    let dir = cache.join("alsa");
    let stamp = cache.join("alsa.unpacked");
    if !stamp.exists() {
        fetch(debian, &cache, &dir, host)?;
        std::fs::write(&stamp, "").with_context(|| format!("writing {}", stamp.display()))?;
    }
    let files = tree(&dir)?;
    if !files.iter().any(|(g, _)| g == "/usr/bin/aplay") {
        bail!("no usr/bin/aplay in {}", dir.display());
    }
    Ok(files)
}

/// Every file under the unpacked packages in `dir` as (guest path, host file), with those
/// under `usr/lib*/` also under `lib*/` (the merged-`/usr` layout the dynamic loader's path
/// expects).
pub fn tree(dir: &Path) -> Result<Vec<GuestFile>> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    let mut extra = Vec::new();
    for (guest, host_file) in &files {
        let Some(alias) = guest.strip_prefix("/usr").filter(|rest| rest.starts_with("/lib")) else {
            continue;
        };
        if !files.iter().any(|(g, _)| g == alias) {
            extra.push((alias.to_owned(), host_file.clone()));
        }
    }
    files.extend(extra);
    Ok(files)
}

/// Downloads alsa-utils, its libasound and libc packages and libasound2-data, and unpacks the
/// parts aplay needs into `dir`.
fn fetch(debian: &Debian, cache: &Path, dir: &Path, host: &mut Host) -> Result<()> {
    let debs = cache.join("debs");
    let arch = &debian.arch;
    let release = host.guest_release(debian);
    let depends = match apt_depends("alsa-utils", arch, release)? {
        Some(d) => d,
        None => {
            host.update_once_for(debian)?;
            apt_depends("alsa-utils", arch, release)?
                .with_context(|| format!("apt knows no alsa-utils:{arch}"))?
        }
    };
    let libasound = depends
        .iter()
        .find(|d| d.starts_with("libasound2"))
        .context("alsa-utils does not depend on libasound2")?
        .clone();
    let wanted: [(&str, &str, &[&str]); 4] = [
        ("alsa-utils", arch, &["./usr/bin/aplay"]),
        (&libasound, arch, &["./usr/lib/*"]),
        (
            "libc6",
            arch,
            &["./lib/*", "./usr/lib/*", "./lib64/*", "./usr/lib64/*"],
        ),
        ("libasound2-data", "all", &["./usr/share/alsa/*"]),
    ];
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    for (package, arch, patterns) in wanted {
        let deb = host.guest_deb(debian, package, arch, &debs)?;
        step!("unpacking {} for the benchmarks", deb.display());
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        // A pattern that matches nothing (e.g. ./lib64 outside amd64) fails tar; try one by one.
        for pattern in patterns {
            let _ = debian::extract(&deb, dir, std::slice::from_ref(&pattern));
        }
    }
    Ok(())
}

/// `apt-cache depends package:arch` (the version in `release` when given) as package names
/// without `:arch` (None when apt does not know the package).
fn apt_depends(package: &str, arch: &str, release: Option<&str>) -> Result<Option<Vec<String>>> {
    let Some(text) = debian::apt_cache_depends(package, arch, release)? else {
        return Ok(None);
    };
    Ok(Some(
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("Depends:"))
            .map(|d| {
                d.trim()
                    .trim_start_matches('<')
                    .split([':', '>'])
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect(),
    ))
}

/// Every file and symlink under `dir` as (guest path, host file), symlinks resolved inside
/// `root` (absolute links point into the guest's tree, not the host's).
fn collect(root: &Path, dir: &Path, files: &mut Vec<GuestFile>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        let guest = format!("/{}", path.strip_prefix(root)?.display());
        if meta.is_dir() {
            collect(root, &path, files)?;
        } else if meta.file_type().is_symlink() {
            if let Some(target) = resolve_in(root, &path) {
                files.push((guest, target));
            }
        } else {
            files.push((guest, path));
        }
    }
    Ok(())
}

/// Follows the symlink `link` with absolute targets taken relative to `root`; None when it
/// ends outside the unpacked files.
fn resolve_in(root: &Path, link: &Path) -> Option<PathBuf> {
    let mut current = link.to_path_buf();
    for _ in 0..16 {
        let meta = std::fs::symlink_metadata(&current).ok()?;
        if !meta.file_type().is_symlink() {
            return meta.is_file().then_some(current);
        }
        let target = std::fs::read_link(&current).ok()?;
        current = if target.is_absolute() {
            root.join(target.strip_prefix("/").ok()?)
        } else {
            current.parent()?.join(target)
        };
    }
    None
}
