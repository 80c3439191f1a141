//! The guest's kernel, modules and busybox for an emulated board, fetched once from Debian and
//! cached under `~/.cache/alsa-direct/board-cache/<suite>-<arch>/`.
//!
//! Layout of a cache directory:
//! - `debs/`: the downloaded `.deb` files (kept, so more modules can be unpacked later),
//! - `kernel/`: the kernel image and config, `modules.order`, `modules.builtin` and the sound
//!   modules (other modules are unpacked when a sound module depends on them),
//! - `kernel.package`: name of the kernel `.deb` in `debs/` (written once unpacked),
//! - `busybox/` and `busybox.package`: the same for busybox.
//!
//! Delete a cache directory to pick up a newer kernel.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::boards::{Board, Debian};
use crate::guest_image::modules::{modinfo_depends, Load, ModuleIndex};
use crate::host::debian;
use crate::host::exec;
use crate::host::install::Host;
use crate::progress::step;

/// A module ready to copy into the initramfs.
#[derive(Debug, Clone)]
pub struct ModuleFile {
    /// The `insmod` to run.
    pub load: Load,
    /// The file on the host (maybe `.xz` / `.zst` compressed).
    pub host_path: PathBuf,
}

/// Everything the guest needs from Debian.
#[derive(Debug, Clone)]
pub struct GuestFiles {
    /// Kernel image for qemu's `-kernel`.
    pub kernel: PathBuf,
    /// Kernel release, e.g. `6.1.0-56-arm64`.
    pub release: String,
    /// Static busybox binary.
    pub busybox: PathBuf,
    /// Modules in load order.
    pub modules: Vec<ModuleFile>,
}

/// The cache directory of a board's guest files.
fn cache_dir(debian: &Debian, cache_root: &Path) -> PathBuf {
    cache_root.join(format!("{}-{}", debian.suite, debian.arch))
}

/// True when the board's kernel and busybox are unpacked in the cache (nothing to download).
pub fn is_cached(board: &Board, cache_root: &Path) -> bool {
    let Ok((debian, _)) = board.emulation() else {
        return true;
    };
    let cache = cache_dir(debian, cache_root);
    ["kernel", "busybox"].iter().all(|what| {
        cache.join(what).is_dir()
            && std::fs::read_to_string(cache.join(format!("{what}.package")))
                .is_ok_and(|deb| cache.join("debs").join(deb.trim()).exists())
    })
}

/// Fetches (first time) or finds (later) the board's guest files.
pub fn prepare(board: &Board, cache_root: &Path, host: &mut Host) -> Result<GuestFiles> {
    let (debian, _) = board.emulation()?;
    let cache = cache_dir(debian, cache_root);
    let _lock = lock(&cache)?;
    let release = host.guest_release(debian);
    let kernel_dir = cache.join("kernel");
    let kernel_deb = ensure_package(
        &cache,
        "kernel",
        debian,
        host,
        |host| {
            if let Some(package) = debian::resolve_kernel(&debian.kernel_package, &debian.arch, release)? {
                return Ok(package);
            }
            host.update_once_for(debian)?;
            debian::resolve_kernel(&debian.kernel_package, &debian.arch, release)?.with_context(|| {
                format!(
                    "apt knows no {}:{} (suite {}); is its source configured?",
                    debian.kernel_package, debian.arch, debian.suite
                )
            })
        },
        &[
            "./boot/vmlinu*".into(),
            "./boot/config-*".into(),
            "*/modules.order".into(),
            "*/modules.builtin".into(),
            "*/kernel/sound/*".into(),
        ],
    )?;
    let kernel = find_kernel_image(&kernel_dir.join("boot"), &debian.kernel_image)?;
    let (modules_dir, release) = find_modules_dir(&kernel_dir)?;
    let index = ModuleIndex::parse(
        &read(&modules_dir.join("modules.order"))?,
        &std::fs::read_to_string(modules_dir.join("modules.builtin")).unwrap_or_default(),
    );
    let in_deb = modules_dir
        .strip_prefix(&kernel_dir)
        .unwrap_or(&modules_dir)
        .to_owned();
    let unpacked = UnpackedModules {
        deb: &kernel_deb,
        kernel_dir: &kernel_dir,
        modules_dir: &modules_dir,
        in_deb: &in_deb,
    };
    unpacked.unpack_with_dependencies(&index, &debian.modules)?;
    let loads = index.resolve(&debian.modules, |path| {
        let file = match module_file(&modules_dir, path) {
            Some(file) => file,
            None => {
                step!("unpacking {path} from {}", kernel_deb.display());
                let pattern = format!("./{}/{path}*", in_deb.display());
                debian::extract(&kernel_deb, &kernel_dir, &[pattern])?;
                module_file(&modules_dir, path)
                    .with_context(|| format!("{path} is not in {}", kernel_deb.display()))?
            }
        };
        Ok(modinfo_depends(&module_bytes(&file)?))
    })?;
    let modules = loads
        .into_iter()
        .map(|load| {
            let host_path = module_file(&modules_dir, &load.path)
                .with_context(|| format!("{} vanished from {}", load.path, modules_dir.display()))?;
            Ok(ModuleFile { host_path, load })
        })
        .collect::<Result<Vec<_>>>()?;

    let busybox_dir = cache.join("busybox");
    ensure_package(
        &cache,
        "busybox",
        debian,
        host,
        |_| Ok(debian.busybox_package.clone()),
        &[],
    )?;
    let busybox = ["bin/busybox", "usr/bin/busybox"]
        .iter()
        .map(|p| busybox_dir.join(p))
        .find(|p| p.exists())
        .with_context(|| format!("no bin/busybox in {}", busybox_dir.display()))?;

    Ok(GuestFiles {
        kernel,
        release,
        busybox,
        modules,
    })
}

/// Locks the cache directory against other runners (held until the returned file drops).
fn lock(cache: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    let path = cache.join(".lock");
    let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    if file.try_lock().is_err() {
        step!("waiting for another runner to finish with {}", cache.display());
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
    }
    Ok(file)
}

/// Makes sure `<cache>/<what>/` holds the unpacked package and returns its `.deb`.
///
/// The stamp `<cache>/<what>.package` names the `.deb`; when it is missing the package is
/// resolved (`resolve`, which may update apt's lists), downloaded and unpacked.
fn ensure_package(
    cache: &Path,
    what: &str,
    debian: &Debian,
    host: &mut Host,
    resolve: impl Fn(&mut Host) -> Result<String>,
    patterns: &[String],
) -> Result<PathBuf> {
    let stamp = cache.join(format!("{what}.package"));
    let debs = cache.join("debs");
    let dir = cache.join(what);
    if let Ok(name) = std::fs::read_to_string(&stamp) {
        let deb = debs.join(name.trim());
        if deb.exists() && dir.exists() {
            return Ok(deb);
        }
    }
    let first_try = resolve_and_download(debian, host, &resolve, &debs);
    let deb = match first_try {
        Ok(deb) => deb,
        Err(err) => {
            step!("{err:#}; updating apt's lists and trying again");
            host.update_once_for(debian)?;
            resolve_and_download(debian, host, &resolve, &debs)?
        }
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    step!("unpacking {}", deb.display());
    debian::extract(&deb, &dir, patterns)?;
    let name = deb
        .file_name()
        .context("deb file name")?
        .to_string_lossy()
        .into_owned();
    std::fs::write(&stamp, name).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(deb)
}

/// Resolves the package and downloads it unless its `.deb` is already in `debs`.
fn resolve_and_download(
    debian: &Debian,
    host: &mut Host,
    resolve: &impl Fn(&mut Host) -> Result<String>,
    debs: &Path,
) -> Result<PathBuf> {
    let package = resolve(host)?;
    if let Some(deb) = debian::find_deb(debs, &package, &debian.arch) {
        return Ok(deb);
    }
    debian::download(&package, &debian.arch, host.guest_release(debian), debs)
}

/// The newest `boot/<prefix>-*` file.
fn find_kernel_image(boot: &Path, prefix: &str) -> Result<PathBuf> {
    let wanted = format!("{prefix}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(boot)
        .with_context(|| format!("reading {}", boot.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&wanted))
        })
        .collect();
    found.sort();
    found
        .pop()
        .with_context(|| format!("no {wanted}* in {}", boot.display()))
}

/// The modules of a kernel package unpacked so far.
struct UnpackedModules<'a> {
    /// The kernel package.
    deb: &'a Path,
    /// Where it is unpacked.
    kernel_dir: &'a Path,
    /// The modules directory in `kernel_dir`.
    modules_dir: &'a Path,
    /// The modules directory inside the package.
    in_deb: &'a Path,
}

impl UnpackedModules<'_> {
    /// Unpacks the board's modules (`"name param=value ..."` entries) and, level by level, the
    /// dependencies they name: one pass over the package per level rather than one per module
    /// (each pass decompresses the whole package).
    fn unpack_with_dependencies(&self, index: &ModuleIndex, entries: &[String]) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        let mut level: Vec<String> = entries
            .iter()
            .filter_map(|e| e.split_whitespace().next())
            .map(|name| name.replace('_', "-"))
            .collect();
        while !level.is_empty() {
            let paths: Vec<&str> = level
                .iter()
                .filter(|name| seen.insert((*name).clone()))
                .filter_map(|name| index.path_of(name))
                .collect();
            let missing: Vec<String> = paths
                .iter()
                .filter(|path| module_file(self.modules_dir, path).is_none())
                .map(|path| format!("./{}/{path}*", self.in_deb.display()))
                .collect();
            if !missing.is_empty() {
                step!(
                    "unpacking {} module(s) from {}",
                    missing.len(),
                    self.deb.display()
                );
                debian::extract(self.deb, self.kernel_dir, &missing)?;
            }
            let mut next = Vec::new();
            for path in paths {
                if let Some(file) = module_file(self.modules_dir, path) {
                    next.extend(modinfo_depends(&module_bytes(&file)?));
                }
            }
            level = next;
        }
        Ok(())
    }
}

/// The module file for a `modules.order` path: as is, or compressed.
fn module_file(modules_dir: &Path, path: &str) -> Option<PathBuf> {
    ["", ".xz", ".zst", ".gz"]
        .iter()
        .map(|ext| modules_dir.join(format!("{path}{ext}")))
        .find(|p| p.exists())
}

/// A module file's contents, decompressed (`.ko.xz`, `.ko.zst`, `.ko.gz`) for busybox `insmod`.
pub fn module_bytes(path: &Path) -> Result<Vec<u8>> {
    let name = path.to_string_lossy();
    let tool = if name.ends_with(".xz") {
        "xz"
    } else if name.ends_with(".zst") {
        "zstd"
    } else if name.ends_with(".gz") {
        "gzip"
    } else {
        return std::fs::read(path).with_context(|| format!("reading {name}"));
    };
    let mut cmd = Command::new(tool);
    cmd.arg("-dc").arg(path);
    let out = cmd
        .output()
        .with_context(|| format!("running {}", exec::display(&cmd)))?;
    if !out.status.success() {
        bail!(
            "`{}` failed: {}",
            exec::display(&cmd),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// `lib/modules/<release>` or `usr/lib/modules/<release>` under the unpacked kernel.
fn find_modules_dir(kernel_dir: &Path) -> Result<(PathBuf, String)> {
    for base in ["lib/modules", "usr/lib/modules"] {
        let Ok(entries) = std::fs::read_dir(kernel_dir.join(base)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().join("modules.order").exists() {
                let release = entry.file_name().to_string_lossy().into_owned();
                return Ok((entry.path(), release));
            }
        }
    }
    bail!("no modules.order under {}", kernel_dir.display())
}

/// Reads a text file, naming it in the error.
fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}
