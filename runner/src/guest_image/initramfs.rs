//! Assembles the guest's initramfs: busybox, the generated `/init`, the sound modules
//! (decompressed) and the binaries to run, as one uncompressed `newc` cpio archive.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};

use crate::guest_image::cpio::CpioWriter;
use crate::guest_image::guest_files::{self, GuestFiles};
use crate::guest_image::init_script::{self, GuestModule};
use crate::guest_image::job::Job;
use crate::guest_image::protocol::Marker;

/// Writes the initramfs to `out` and returns its size in bytes; its `/init` waits for the
/// device node `wait_for` after loading the modules.
pub fn build(
    out: &Path,
    files: &GuestFiles,
    jobs: &[Job],
    marker: &Marker,
    wait_for: Option<&str>,
) -> Result<u64> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut cpio = CpioWriter::new(BufWriter::new(file));
    let mut dirs = DirTracker::default();

    for dir in [
        "bin",
        "sbin",
        "dev",
        "proc",
        "sys",
        "tmp",
        "run",
        "root",
        "etc",
        "var/log",
        "lib/modules",
    ] {
        dirs.ensure(&mut cpio, dir)?;
    }
    cpio.char_device("dev/console", 0o600, 5, 1)?;
    cpio.char_device("dev/null", 0o666, 1, 3)?;
    cpio.file("bin/busybox", 0o755, &read(&files.busybox)?)?;
    cpio.symlink("bin/sh", "busybox")?;
    cpio.file("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n")?;
    cpio.file("etc/group", 0o644, b"root:x:0:\naudio:x:29:\n")?;

    let mut modules = Vec::new();
    for module in &files.modules {
        let guest = format!("lib/modules/{}.ko", module.load.name);
        cpio.file(&guest, 0o644, &guest_files::module_bytes(&module.host_path)?)?;
        modules.push(GuestModule {
            name: module.load.name.clone(),
            path: format!("/{guest}"),
            params: module.load.params.clone(),
        });
    }

    let mut placed = BTreeMap::new();
    let binaries = jobs.iter().flat_map(|job| {
        std::iter::once((&job.guest_path, &job.host_binary))
            .chain(job.files.iter().map(|(guest, host)| (guest, host)))
    });
    for (guest_path, host_binary) in binaries {
        let guest = guest_path.trim_start_matches('/').to_owned();
        if placed.insert(guest.clone(), host_binary.clone()).is_some() {
            continue;
        }
        if let Some((parent, _)) = guest.rsplit_once('/') {
            dirs.ensure(&mut cpio, parent)?;
        }
        cpio.file(&guest, 0o755, &read(host_binary)?)?;
    }

    let init = init_script::render(marker, &modules, wait_for, jobs);
    cpio.file("init", 0o755, init.as_bytes())?;
    let (_, size) = cpio.finish()?;
    Ok(size)
}

/// Adds each directory once, parents first.
#[derive(Default)]
struct DirTracker(std::collections::BTreeSet<String>);

impl DirTracker {
    /// Adds `dir` and its parents unless added already.
    fn ensure<W: std::io::Write>(&mut self, cpio: &mut CpioWriter<W>, dir: &str) -> Result<()> {
        let mut path = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            if self.0.insert(path.clone()) {
                let perm = if path == "tmp" { 0o1777 } else { 0o755 };
                cpio.dir(&path, perm)?;
            }
        }
        Ok(())
    }
}

/// Reads a file, naming it in the error.
fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}
