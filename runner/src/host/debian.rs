//! Debian packages for the guests: resolving meta packages, downloading `.deb` files with
//! `apt-get download` and unpacking parts of them with `dpkg-deb` and `tar`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::host::exec;
use crate::progress::step;

/// Resolves a meta package (`linux-image-arm64:arm64`) to the versioned image package it depends
/// on (`linux-image-6.1.0-56-arm64`); a package with no such dependency resolves to itself.
/// `None` when apt does not know the package (its lists are missing or stale).
pub fn resolve_kernel(meta: &str, arch: &str, release: Option<&str>) -> Result<Option<String>> {
    Ok(apt_cache_depends(meta, arch, release)?
        .map(|text| kernel_dependency(&text).unwrap_or_else(|| meta.to_owned())))
}

/// `package:arch`, or `package:arch/release` for the version in that release. Without a
/// release apt picks its candidate, which for a guest-only suite (pinned at priority 1) is the
/// host suite's version when both have the package.
fn spec(package: &str, arch: &str, release: Option<&str>) -> String {
    match release {
        Some(release) => format!("{package}:{arch}/{release}"),
        None => format!("{package}:{arch}"),
    }
}

/// The output of `apt-cache depends package:arch` (the version in `release` when given),
/// `None` when apt does not know the package.
pub fn apt_cache_depends(package: &str, arch: &str, release: Option<&str>) -> Result<Option<String>> {
    let out = Command::new("apt-cache")
        .args(["depends", &spec(package, arch, release)])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .context("running apt-cache")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || !names_a_real_package(&text) {
        return Ok(None);
    }
    Ok(Some(text))
}

/// False for empty `apt-cache depends` output and for the `<package>` apt prints when it
/// knows the name only as virtual (e.g. the wanted suite's source is not configured).
fn names_a_real_package(text: &str) -> bool {
    let first = text.trim_start();
    !first.is_empty() && !first.starts_with('<')
}

/// The first `Depends: linux-image-...` line of `apt-cache depends` output, without `:arch`.
fn kernel_dependency(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let dep = line
            .trim()
            .trim_start_matches('|')
            .strip_prefix("Depends:")?
            .trim();
        let name = dep.split(':').next()?;
        name.starts_with("linux-image-").then(|| name.to_owned())
    })
}

/// Downloads `package:arch` (the version in `release` when given) into `dir` and returns the
/// `.deb` path.
pub fn download(package: &str, arch: &str, release: Option<&str>, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    step!("downloading {package}:{arch}");
    let mut cmd = Command::new("apt-get");
    cmd.current_dir(dir)
        .args(["download", "-q"])
        .arg(spec(package, arch, release));
    if crate::host::install::is_root() {
        // apt's download sandbox user cannot write into the cache; root downloads directly.
        cmd.args(["-o", "APT::Sandbox::User=root"]);
    }
    exec::run(&mut cmd)?;
    find_deb(dir, package, arch).with_context(|| {
        format!(
            "apt-get download left no {package}_*_{arch}.deb in {}",
            dir.display()
        )
    })
}

/// The newest `<package>_<version>_<arch>.deb` in `dir`.
pub fn find_deb(dir: &Path, package: &str, arch: &str) -> Option<PathBuf> {
    let prefix = format!("{package}_");
    let suffix = format!("_{arch}.deb");
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(&suffix)
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

/// Unpacks the members of `deb` matching the tar wildcard `patterns` (all when empty) into `dir`.
pub fn extract(deb: &Path, dir: &Path, patterns: &[String]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting dpkg-deb")?;
    let tar_input = dpkg.stdout.take().context("dpkg-deb stdout")?;
    let mut tar = Command::new("tar");
    tar.arg("-x").arg("-C").arg(dir).stdin(tar_input);
    if !patterns.is_empty() {
        tar.arg("--wildcards").args(patterns);
    }
    let tar_status = tar.status().context("starting tar")?;
    let dpkg_status = dpkg.wait()?;
    if !dpkg_status.success() || !tar_status.success() {
        bail!(
            "unpacking {} failed (dpkg-deb: {dpkg_status}, tar: {tar_status}; patterns {patterns:?})",
            deb.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_versioned_image() {
        let text = "linux-image-arm64:arm64\n  Depends: linux-image-6.1.0-56-arm64:arm64\n";
        assert_eq!(kernel_dependency(text).unwrap(), "linux-image-6.1.0-56-arm64");
        let text = "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n";
        assert_eq!(kernel_dependency(text).unwrap(), "linux-image-6.1.0-56-amd64");
        let text = "linux-image-6.1.0-56-amd64\n  Depends: kmod\n  Depends: <initramfs-tools>\n";
        assert_eq!(kernel_dependency(text), None);
    }

    #[test]
    fn a_name_apt_knows_only_as_virtual_is_not_a_package() {
        assert!(!names_a_real_package("<alsa-utils>\n"));
        assert!(!names_a_real_package("\n"));
        assert!(names_a_real_package("alsa-utils\n  Depends: libasound2t64\n"));
    }
}
