//! Realtime scheduling for the period loop: `SCHED_FIFO` with all memory locked.
//!
//! A firmware-like player wants its period loop to run before every normal task and never to
//! wait for a page fault. [`enter`] locks the process's memory (`mlockall(MCL_CURRENT |
//! MCL_FUTURE)`: what is mapped now and what is mapped later, the DMA buffer of a stream
//! opened afterwards included) and then moves the calling thread to `SCHED_FIFO` at the given
//! priority. Call it before opening the stream, from the thread that runs the period loop.
//!
//! ```no_run
//! use alsa_direct::{realtime, Error, Errno};
//!
//! match realtime::enter(50) {
//!     Ok(()) => {}
//!     // No privilege: play with normal scheduling, or stop; the caller chooses.
//!     Err(e) if e.errno() == Some(Errno::PERM) => eprintln!("warning: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), Error>(())
//! ```
//!
//! # Privilege
//! Root (`CAP_SYS_NICE` and `CAP_IPC_LOCK`) may do both. Another user needs an
//! `RLIMIT_RTPRIO` of at least the priority (`ulimit -r`, `LimitRTPRIO=` in a systemd unit,
//! `@audio - rtprio 95` in `limits.conf`) and an `RLIMIT_MEMLOCK` that holds the process
//! (`ulimit -l`; Linux's default of 8 MiB holds a firmware build). Without them [`enter`]
//! fails with `EPERM` (or `ENOMEM` for the memory limit) and changes nothing: the process
//! keeps its memory unlocked and its normal scheduling.
//!
//! # Why a raw system call
//! rustix has `mlockall` but no `sched_setscheduler`, and this crate uses no C library, so the
//! scheduling call is made directly (the `syscalls` crate, one `unsafe` block). Its inline
//! assembly needs nightly on PowerPC, MIPS and s390x: there [`enter`] fails with `ENOSYS`.
//!
//! # References
//! - [sched_setscheduler(2)](https://man7.org/linux/man-pages/man2/sched_setscheduler.2.html)
//! - [mlockall(2)](https://man7.org/linux/man-pages/man2/mlockall.2.html)
//! - [sched(7)](https://man7.org/linux/man-pages/man7/sched.7.html)

use rustix::mm::{mlockall, munlockall, MlockAllFlags};

use crate::error::{Error, Op, Result};

/// Locks all memory of the process and moves the calling thread to `SCHED_FIFO` at
/// `priority` (1 to 99; higher runs first).
///
/// On failure nothing is changed: a failed scheduling change unlocks the memory again.
///
/// # Errors
/// [`Error::Sys`] with [`Op::LockMemory`] or [`Op::SetScheduler`]: `EPERM` without the
/// privilege (see the module documentation), `ENOMEM` over `RLIMIT_MEMLOCK`, `EINVAL` for a
/// priority out of range, `ENOSYS` where the call is not built in.
pub fn enter(priority: u32) -> Result<()> {
    mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE).map_err(|e| Error::sys(Op::LockMemory, e))?;
    crate::sys::sched::set_fifo(priority).inspect_err(|_| {
        let _ = munlockall();
    })
}
