//! Booting a board under qemu: the settings, and a boot of an initramfs packed with jobs.

pub mod clock;
pub mod feed;
pub mod qemu;
pub mod qmp;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use clock::Clock;
use qemu::{BootReport, BootSpec};

use crate::boards::Board;
use crate::guest_image::guest_files::GuestFiles;
use crate::guest_image::initramfs;
use crate::guest_image::job::Job;
use crate::guest_image::protocol::Marker;
use crate::host::workspace::Workspace;
use crate::progress::step;
use feed::Feed;
use qmp::Hotplug;

/// Settings for booting boards.
#[derive(Debug, Clone)]
pub struct BootOptions {
    /// Time limit per boot.
    pub timeout: Duration,
    /// Use KVM where the board allows it and `/dev/kvm` opens (off by default: on the nested
    /// virtual machines this project runs on, `/dev/kvm` opens but KVM guests hang).
    pub allow_kvm: bool,
    /// Print `/var/log/messages` after every job.
    pub dump_syslog: bool,
    /// The clock the guest runs on.
    pub clock: Clock,
}

/// The host's side of a board's sound hardware in one boot.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostAudio<'a> {
    /// Where qemu records what the card plays (a board with `[audio]`).
    pub recording: Option<&'a Path>,
    /// The signal played to the card's capture input (a board with `[audio] capture`).
    pub feed: Option<&'a Feed>,
    /// A QMP socket and the console lines that unplug and plug the card (`cargo board soak`).
    pub hotplug: Option<&'a Hotplug>,
}

/// Packs the jobs into an initramfs (`~/.cache/alsa-direct/board-cache/boot/<board>-<purpose>-<pid>.cpio`,
/// private to this process and removed afterwards) and boots it, with `audio` on the host's
/// side of the board's sound hardware.
pub fn boot_jobs(
    ws: &Workspace,
    board: &Board,
    files: &GuestFiles,
    jobs: &[Job],
    opts: &BootOptions,
    purpose: &str,
    audio: HostAudio,
) -> Result<BootReport> {
    let marker = Marker::new();
    let initrd: PathBuf =
        ws.cache_dir()
            .join("boot")
            .join(format!("{}-{purpose}-{}.cpio", board.name, std::process::id()));
    let wait_for = board.audio.as_ref().and_then(|a| a.wait_for.as_deref());
    let size = initramfs::build(&initrd, files, jobs, &marker, wait_for)?;
    step!(
        "{}: initramfs {} ({:.1} MiB, {} module(s), {} job(s))",
        board.name,
        initrd.display(),
        size as f64 / (1024.0 * 1024.0),
        files.modules.len(),
        jobs.len()
    );
    let report = qemu::boot(&BootSpec {
        board,
        kernel: &files.kernel,
        initrd: &initrd,
        marker: &marker,
        timeout: opts.timeout,
        allow_kvm: opts.allow_kvm,
        clock: opts.clock,
        recording: audio.recording,
        feed: audio.feed,
        hotplug: audio.hotplug,
    });
    let _ = std::fs::remove_file(&initrd);
    report
}
