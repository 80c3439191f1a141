//! The resume sequence after a suspend, as control logic over two operations, so that it can
//! be tested on the host against a model of the kernel (the emulated boards cannot suspend
//! their sound card).

use crate::error::{Errno, Error, Result};

/// RESUME attempts while the device answers `EAGAIN` (still waking up), 10 ms apart.
pub(crate) const RESUME_ATTEMPTS: u32 = 100;

/// How a suspended stream came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// RESUME worked: the stream goes on where it was.
    Resumed,
    /// The driver cannot resume (or never woke up): the stream was prepared again.
    Prepared,
}

/// Runs `resume` (the RESUME ioctl) until it succeeds, retrying after `wait` while it answers
/// `EAGAIN`; falls back to `prepare` when it fails otherwise (`ENOSYS`: the driver cannot
/// resume) or keeps answering `EAGAIN`. Errors of `prepare` are returned.
pub(crate) fn resume_or_prepare(
    mut resume: impl FnMut() -> Result<()>,
    prepare: impl FnOnce() -> Result<()>,
    mut wait: impl FnMut(),
) -> Result<Resumed> {
    for _ in 0..RESUME_ATTEMPTS {
        match resume() {
            Ok(()) => return Ok(Resumed::Resumed),
            Err(Error::Sys { errno, .. }) if errno == Errno::AGAIN => wait(),
            Err(_) => break,
        }
    }
    prepare().map(|()| Resumed::Prepared)
}

#[cfg(test)]
mod tests;
