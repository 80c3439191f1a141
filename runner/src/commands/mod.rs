//! The runner's subcommands, one module each, and what they share.

pub mod bench;
pub mod ci;
pub mod list;
pub mod run;
pub mod setup;
pub mod test;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use crate::audio::feed::Feed;
use crate::boards::Board;
use crate::guest_files::GuestFiles;
use crate::initramfs::{self, Job};
use crate::progress::step;
use crate::protocol::Marker;
use crate::qemu::{self, BootReport, BootSpec};
use crate::workspace::Workspace;

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

/// The clock a guest runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// qemu's instruction clock (`-icount shift=0,sleep=off`, single-threaded TCG, one CPU):
    /// guest time advances 1 ns per executed instruction and skips idle time. A host that is
    /// busy, or is itself a virtual machine that gets descheduled, only slows the guest down:
    /// it cannot lose time, so timings, xruns and CPU times do not depend on the host's load.
    /// One CPU because with several, taking turns in one host thread, a CPU's timer can go
    /// unserved for seconds (RCU stall warnings at boot, xruns). The default.
    Instruction,
    /// The host's clock, with the board's `[qemu] smp` CPUs (TCG with one host thread per
    /// vCPU, or KVM with `--kvm`): CPUs run in parallel, but a guest descheduled by its host for
    /// longer than a buffer loses audio without an xrun (`--real-clock`).
    Real,
}

/// Packs the jobs into an initramfs (`target/board-cache/boot/<board>-<purpose>-<pid>.cpio`,
/// private to this process and removed afterwards) and boots it; a board with sound hardware
/// records what it plays to `recording`.
pub fn boot_jobs(
    ws: &Workspace,
    board: &Board,
    files: &GuestFiles,
    jobs: &[Job],
    opts: &BootOptions,
    purpose: &str,
    recording: Option<&Path>,
) -> Result<BootReport> {
    boot_jobs_fed(ws, board, files, jobs, opts, purpose, recording, None)
}

/// [`boot_jobs`], with `feed` played to the capture input of a board with `[audio] capture`.
#[allow(clippy::too_many_arguments)]
pub fn boot_jobs_fed(
    ws: &Workspace,
    board: &Board,
    files: &GuestFiles,
    jobs: &[Job],
    opts: &BootOptions,
    purpose: &str,
    recording: Option<&Path>,
    feed: Option<&Feed>,
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
        recording,
        feed,
    });
    let _ = std::fs::remove_file(&initrd);
    report
}
