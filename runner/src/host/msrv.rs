//! The crate's declared `rust-version`, checked with a real compiler of that version: Debian's
//! own Rust (trixie's `rustc` is 1.85; bookworm's `rustc-web` had 1.85 before it moved on), so
//! what is tested is what a user building on a Debian board gets.
//!
//! The packages are not installed: `apt-get download` fetches the compiler, cargo, the standard
//! library and the shared libraries they need that the host lacks (LLVM, ...), and they are
//! unpacked into `~/.cache/alsa-direct/board-cache/rust-<version>/root/`, run from there with
//! `LD_LIBRARY_PATH`. Nothing on the host changes, and no root is needed.
//!
//! The check itself builds a scratch crate that depends on alsa-direct by path, with a fresh
//! lock file, as a user's project would: dependencies resolve to their newest semver-compatible
//! versions (cargo 1.85 does not pick versions by `rust-version` unless asked), once without
//! features and once with every feature a user can turn on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::host::exec;
use crate::progress::step;

/// `Cargo.toml`, as far as this module reads it.
#[derive(Deserialize)]
struct Manifest {
    /// `[package]`.
    package: Package,
}

/// `[package]`.
#[derive(Deserialize)]
struct Package {
    /// `rust-version`.
    #[serde(rename = "rust-version")]
    rust_version: String,
}

/// The `rust-version` declared in the manifest at `path`.
pub fn declared_rust_version(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let manifest: Manifest = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(manifest.package.rust_version)
}

/// `major.minor` of a version (`1.85` of `1.85.0`).
fn major_minor(version: &str) -> &str {
    let mut dots = version.match_indices('.');
    match dots.nth(1) {
        Some((at, _)) => &version[..at],
        None => version,
    }
}

/// The upstream version of a Debian version: `1.85.0` of `1.85.0+dfsg3-1~deb12u3` (and of
/// `1:1.85.0-2`).
fn upstream(debian_version: &str) -> &str {
    let no_epoch = debian_version.split_once(':').map_or(debian_version, |(_, v)| v);
    no_epoch.split(['+', '-', '~']).next().unwrap_or(no_epoch)
}

/// The versions `apt-cache madison` lists, in its order (newest first).
fn madison_versions(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.split('|').nth(1))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// The packages named in the `Depends:` lines of `apt-cache depends` output, without `:arch`:
/// of alternatives (`|Depends: gcc` then `Depends: clang`) only the first, and no virtual
/// package (`<libc-dev>`).
fn depended_packages(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_alternatives = false;
    for line in text.lines().map(str::trim) {
        let (alternative, rest) = match line.strip_prefix('|') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let Some(name) = rest.strip_prefix("Depends:").map(str::trim) else {
            continue;
        };
        let first = !in_alternatives;
        in_alternatives = alternative;
        if first && !name.starts_with('<') {
            names.insert(name.split(':').next().unwrap_or(name).to_owned());
        }
    }
    names
}

/// A set of Debian packages that make up one Rust toolchain.
struct Family {
    /// The compiler (`rustc-web`, `rustc`).
    rustc: &'static str,
    /// Cargo.
    cargo: &'static str,
    /// The runtime of the compiler, with the version in its name (`libstd-rust-web-1.85`).
    libstd_prefix: &'static str,
    /// The standard library for the host target.
    libstd_dev: &'static str,
}

/// Debian's Rust packages, tried in order: bookworm's `rustc-web` (bookworm's `rustc` is 1.63),
/// then trixie's and later suites' `rustc`.
const FAMILIES: &[Family] = &[
    Family {
        rustc: "rustc-web",
        cargo: "cargo-web",
        libstd_prefix: "libstd-rust-web-",
        libstd_dev: "libstd-rust-web-dev",
    },
    Family {
        rustc: "rustc",
        cargo: "cargo",
        libstd_prefix: "libstd-rust-",
        libstd_dev: "libstd-rust-dev",
    },
];

/// A Rust toolchain unpacked from Debian packages.
pub struct Toolchain {
    /// The unpacked file system (`usr/bin/cargo`, ...).
    root: PathBuf,
    /// The private `CARGO_HOME` (registry cache of this toolchain's cargo).
    cargo_home: PathBuf,
    /// `rustc -V`, for reports.
    pub version_line: String,
}

impl Toolchain {
    /// `root`'s cargo, with its rustc and rustdoc, and the unpacked shared libraries.
    pub fn cargo(&self) -> Command {
        let usr = self.root.join("usr");
        let mut path = vec![usr.join("bin")];
        path.extend(
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        let mut cmd = Command::new(usr.join("bin/cargo"));
        cmd.env("PATH", std::env::join_paths(path).unwrap_or_default())
            .env("LD_LIBRARY_PATH", library_path(&self.root))
            .env("RUSTC", usr.join("bin/rustc"))
            .env("RUSTDOC", usr.join("bin/rustdoc"))
            .env("CARGO_HOME", &self.cargo_home)
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR");
        cmd
    }
}

/// The library directories of an unpacked root, for `LD_LIBRARY_PATH`.
fn library_path(root: &Path) -> std::ffi::OsString {
    let triplet = debian_multiarch();
    let dirs = [
        root.join("usr/lib").join(&triplet),
        root.join("lib").join(&triplet),
        root.join("usr/lib"),
    ];
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The host's multiarch triplet (`x86_64-linux-gnu`).
fn debian_multiarch() -> String {
    exec::output(Command::new("dpkg-architecture").arg("-qDEB_HOST_MULTIARCH"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| format!("{}-linux-gnu", std::env::consts::ARCH))
}

/// Debian's Rust `version` (`1.85`), unpacked under `cache/rust-<version>/` (fetched on the
/// first call).
pub fn toolchain(cache: &Path, version: &str) -> Result<Toolchain> {
    let wanted = major_minor(version);
    let dir = cache.join(format!("rust-{wanted}"));
    let root = dir.join("root");
    let toolchain = |version_line| Toolchain {
        root: root.clone(),
        cargo_home: dir.join("cargo-home"),
        version_line,
    };
    let ready = dir.join("ready");
    if let Ok(line) = std::fs::read_to_string(&ready) {
        if root.join("usr/bin/cargo").is_file() {
            return Ok(toolchain(line.trim().to_owned()));
        }
    }
    let (family, debian_version) = find_packages(wanted)?;
    step!(
        "rust {wanted}: Debian's {} {debian_version} (downloaded and unpacked into {}, not installed)",
        family.rustc,
        root.display()
    );
    let debs = dir.join("debs");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&debs).with_context(|| format!("creating {}", debs.display()))?;
    let libstd = format!("{}{wanted}", family.libstd_prefix);
    let own = [family.rustc, family.cargo, libstd.as_str(), family.libstd_dev];
    let pinned: Vec<String> = own.iter().map(|p| format!("{p}={debian_version}")).collect();
    let mut to_fetch = pinned.clone();
    to_fetch.extend(missing_libraries(&pinned)?);
    download(&debs, &to_fetch)?;
    for entry in std::fs::read_dir(&debs)?.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "deb") {
            crate::host::debian::extract(&path, &root, &[])?;
        }
    }
    let cargo = toolchain(String::new());
    let rustc = exec::output(
        Command::new(root.join("usr/bin/rustc"))
            .arg("-V")
            .env("LD_LIBRARY_PATH", library_path(&root)),
    )
    .context("the unpacked rustc does not run (a shared library missing from the download?)")?;
    let cargo_version = exec::output(cargo.cargo().arg("-V")).context("the unpacked cargo does not run")?;
    let rustc = rustc.trim().to_owned();
    if !rustc.starts_with(&format!("rustc {wanted}.")) {
        bail!(
            "Debian's {} {debian_version} says {rustc:?}, not {wanted}",
            family.rustc
        );
    }
    step!("rust {wanted}: {rustc}, {}", cargo_version.trim());
    std::fs::write(&ready, format!("{rustc}\n"))?;
    Ok(toolchain(rustc))
}

/// The first family whose four packages all have a version `wanted.*` in apt's lists, and that
/// Debian version.
fn find_packages(wanted: &str) -> Result<(&'static Family, String)> {
    for family in FAMILIES {
        let libstd = format!("{}{wanted}", family.libstd_prefix);
        let Some(version) = versions(family.rustc)?
            .into_iter()
            .find(|v| major_minor(upstream(v)) == wanted)
        else {
            continue;
        };
        let mut all = true;
        for package in [family.cargo, libstd.as_str(), family.libstd_dev] {
            all &= versions(package)?.contains(&version);
        }
        if all {
            return Ok((family, version));
        }
    }
    bail!(
        "apt knows no Debian Rust {wanted} (rustc-web, or rustc) for this host; \
         `apt-cache madison rustc-web rustc` shows what there is (Debian bookworm and trixie have 1.85)"
    )
}

/// `apt-cache madison package` versions (none when apt does not know it).
fn versions(package: &str) -> Result<Vec<String>> {
    let out = Command::new("apt-cache")
        .args(["madison", package])
        .output()
        .context("running apt-cache")?;
    Ok(madison_versions(&String::from_utf8_lossy(&out.stdout)))
}

/// The shared library packages (`lib*`) the pinned packages need, directly or through other
/// such libraries, that the host has not installed.
fn missing_libraries(pinned: &[String]) -> Result<Vec<String>> {
    let installed = installed_packages();
    let mut seen: BTreeSet<String> = pinned
        .iter()
        .map(|p| p.split('=').next().unwrap_or(p).to_owned())
        .collect();
    let mut missing = Vec::new();
    let mut frontier = pinned.to_vec();
    while !frontier.is_empty() {
        let text = exec::output(Command::new("apt-cache").arg("depends").args(&frontier))?;
        frontier = depended_packages(&text)
            .into_iter()
            .filter(|p| p.starts_with("lib") && !installed.contains(p) && seen.insert(p.clone()))
            .collect();
        missing.extend(frontier.iter().cloned());
    }
    Ok(missing)
}

/// Names of the installed packages (without `:arch`).
fn installed_packages() -> BTreeSet<String> {
    exec::output(Command::new("dpkg-query").args(["-W", "-f=${Package} ${db:Status-Abbrev}\n"]))
        .map(|text| {
            text.lines()
                .filter_map(|line| {
                    let (name, status) = line.split_once(' ')?;
                    status
                        .starts_with("ii")
                        .then(|| name.split(':').next().unwrap_or(name).to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `apt-get download` of `packages` (`name` or `name=version`) into `dir`.
fn download(dir: &Path, packages: &[String]) -> Result<()> {
    let mut cmd = Command::new("apt-get");
    cmd.current_dir(dir).args(["download", "-q"]).args(packages);
    if crate::host::install::is_root() {
        // apt's download sandbox user cannot write into the cache; root downloads directly.
        cmd.args(["-o", "APT::Sandbox::User=root"]);
    }
    exec::run(&mut cmd)
}

/// Writes the scratch crate that depends on the checkout at `root` like a user's project, and
/// returns its directory.
fn user_crate(dir: &Path, root: &Path) -> Result<PathBuf> {
    let krate = dir.join("user");
    std::fs::create_dir_all(krate.join("src"))?;
    let manifest = format!(
        "# Written by alsa-direct's board runner (runner/src/host/msrv.rs): a project that uses the crate.\n\
         [package]\nname = \"msrv-user\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nalsa-direct = {{ path = {:?}, default-features = false }}\n\n\
         [features]\nall = [\"alsa-direct/std\", \"alsa-direct/defmt\", \"alsa-direct/embedded-hal\"]\n\n\
         # Its own workspace, not the checkout's (it lives under the checkout's target/).\n\
         [workspace]\n",
        root.display().to_string()
    );
    std::fs::write(krate.join("Cargo.toml"), manifest)?;
    std::fs::write(
        krate.join("src/lib.rs"),
        "//! Uses alsa-direct as a dependency.\npub use alsa_direct;\n",
    )?;
    // A fresh resolution every time: the newest dependencies a user would get today.
    let _ = std::fs::remove_file(krate.join("Cargo.lock"));
    Ok(krate)
}

/// The commands of the check: the scratch crate built without features, then with all of
/// them, by `toolchain`'s cargo.
pub fn check_commands(
    toolchain: &Toolchain,
    cache: &Path,
    root: &Path,
    version: &str,
) -> Result<Vec<Command>> {
    let dir = cache.join(format!("rust-{}", major_minor(version)));
    let krate = user_crate(&dir, root)?;
    let mut commands = Vec::new();
    for features in [None, Some("all")] {
        let mut cmd = toolchain.cargo();
        cmd.current_dir(&krate).arg("build");
        if let Some(features) = features {
            cmd.args(["--features", features]);
        }
        commands.push(cmd);
    }
    Ok(commands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_debian_versions() {
        assert_eq!(upstream("1.85.0+dfsg3-1~deb12u3"), "1.85.0");
        assert_eq!(upstream("1:1.85.1-2"), "1.85.1");
        assert_eq!(major_minor("1.85.0"), "1.85");
        assert_eq!(major_minor("1.85"), "1.85");
        let madison = " rustc-web | 1.96.0+dfsg1-1~deb12u2 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n \
                        rustc-web | 1.85.0+dfsg3-1~deb12u3 | http://deb.debian.org/debian bookworm/main amd64 Packages\n";
        let versions = madison_versions(madison);
        assert_eq!(versions, ["1.96.0+dfsg1-1~deb12u2", "1.85.0+dfsg3-1~deb12u3"]);
        let chosen = versions.iter().find(|v| major_minor(upstream(v)) == "1.85");
        assert_eq!(chosen.map(String::as_str), Some("1.85.0+dfsg3-1~deb12u3"));
    }

    #[test]
    fn takes_the_first_of_alternatives_and_no_virtual_package() {
        let text = "cargo-web\n  Depends: libc6\n  Depends: libllvm19\n |Depends: gcc\n |Depends: clang\n  \
                    Depends: c-compiler\n  Depends: <libc-dev>\n    libc6-dev\n  Depends: binutils\n\
                    libllvm19\n  Depends: libffi8:amd64\n";
        let names: Vec<String> = depended_packages(text).into_iter().collect();
        assert_eq!(names, ["binutils", "gcc", "libc6", "libffi8", "libllvm19"]);
    }

    #[test]
    fn the_crate_declares_a_rust_version() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let version = declared_rust_version(&manifest).unwrap();
        assert!(version.starts_with("1."), "{version}");
    }
}
