//! `sched_setscheduler` without a C library (rustix has no wrapper for it).

use crate::error::{Errno, Error, Op, Result};

/// `SCHED_FIFO` (`include/uapi/linux/sched.h`).
const SCHED_FIFO: i32 = 1;

/// `struct sched_param`.
#[repr(C)]
struct SchedParam {
    sched_priority: i32,
}

/// Moves the calling thread to `SCHED_FIFO` at `priority`.
pub(crate) fn set_fifo(priority: u32) -> Result<()> {
    let param = SchedParam {
        sched_priority: i32::try_from(priority).map_err(|_| Error::sys(Op::SetScheduler, Errno::INVAL))?,
    };
    // SAFETY: sched_setscheduler(pid 0 = the calling thread, policy, param) only reads the one
    // `struct sched_param` that `param` is, which lives across the call.
    unsafe {
        syscalls::syscall!(
            syscalls::Sysno::sched_setscheduler,
            0,
            SCHED_FIFO,
            &param as *const SchedParam
        )
    }
    .map(drop)
    .map_err(|e| Error::sys(Op::SetScheduler, Errno(e.into_raw())))
}
