//! `rt_sigaction` without a C library: the kernel's `struct sigaction` and, on x86, the
//! restorer that returns from a handler (shared with `firmware/`, which has no libc either).

use core::ffi::{c_int, c_ulong};

use syscalls::{syscall, Sysno};

use crate::error::{Errno, Error, Op, Result};

/// The kernel's `struct sigaction` (`asm-generic/signal.h` and the arch headers), not libc's.
#[repr(C)]
struct KernelSigaction {
    handler: unsafe extern "C" fn(c_int),
    flags: c_ulong,
    /// `SA_RESTORER` architectures only.
    #[cfg(not(target_arch = "riscv64"))]
    restorer: Option<unsafe extern "C" fn()>,
    /// 64 signals, as two 32-bit words (`unsigned long[2]` on 32-bit targets, one 64-bit
    /// word on 64-bit little-endian ones).
    mask: [u32; 2],
}

/// `SA_RESTART`: system calls interrupted by the handler are restarted where they can be.
const SA_RESTART: c_ulong = 0x1000_0000;
/// `SA_RESTORER`: `restorer` is set.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
const SA_RESTORER: c_ulong = 0x0400_0000;

// On x86_64 the kernel returns from a handler through the restorer the process gives it; on
// x86 it would take the vDSO's, given here too so as not to depend on a mapped vDSO (arm,
// aarch64 and riscv64 have a sigreturn trampoline in the vDSO or a kernel page).
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl alsa_direct_sigreturn",
    ".type alsa_direct_sigreturn, @function",
    "alsa_direct_sigreturn:",
    "mov eax, 15", // rt_sigreturn
    "syscall",
    "ud2",
);

// Without `SA_SIGINFO` the 32-bit kernel builds the old signal frame, which `sigreturn`
// (119) undoes once the signal number the handler was given is popped (glibc's `__restore`).
#[cfg(target_arch = "x86")]
core::arch::global_asm!(
    ".globl alsa_direct_sigreturn",
    ".type alsa_direct_sigreturn, @function",
    "alsa_direct_sigreturn:",
    "pop eax",
    "mov eax, 119", // sigreturn
    "int 0x80",
    "ud2",
);

#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
unsafe extern "C" {
    fn alsa_direct_sigreturn();
}

/// Whether [`install`] makes the system call here (it does; see `sys.rs` for where not).
#[cfg(test)]
pub(crate) const BUILT: bool = true;

/// Installs `handler` for `signal` with `SA_RESTART` (`rt_sigaction`).
///
/// # Safety
/// `handler` must only do async-signal-safe things (such as storing to an atomic).
pub(crate) unsafe fn install(signal: c_int, handler: unsafe extern "C" fn(c_int)) -> Result<()> {
    let action = KernelSigaction {
        handler,
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        flags: SA_RESTART | SA_RESTORER,
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
        flags: SA_RESTART,
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        restorer: Some(alsa_direct_sigreturn),
        #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
        restorer: None,
        mask: [0; 2],
    };
    // SAFETY: `action` is a valid kernel sigaction for the duration of the call; the old
    // action is not asked for (null); the mask size is the kernel's 8 bytes. The handler's
    // own contract is the caller's.
    unsafe {
        syscall!(
            Sysno::rt_sigaction,
            signal,
            &action as *const KernelSigaction,
            0usize,
            core::mem::size_of::<[u32; 2]>()
        )
    }
    .map(drop)
    .map_err(|e| Error::sys(Op::Signal, Errno(e.into_raw())))
}
