//! Program start and exit without a C library: `_start` for each architecture, the signal
//! handler installation (`rt_sigaction`, with the restorer x86 needs) and `exit_group`.
//!
//! Why not a crate: origin (0.26.2, the newest) is the crate made for this, but it does not
//! build against rustix 1.1.5 or later, which this workspace locks: rustix renamed the
//! `runtime` module that origin calls, on purpose, so that only origin's next release uses
//! it. Its fully static, position-independent mode also needs nightly. What a single-threaded
//! program needs from it is this file: a dozen instructions per architecture.

use core::arch::global_asm;

use syscalls::{syscall, Sysno};

// `_start`: the kernel enters with the stack pointer at `argc`, followed by `argv[]`, NULL,
// `envp[]`, NULL and the auxiliary vector. Each version clears the frame pointer and link
// register (the end of the call chain for debuggers), aligns the stack for the ABI and calls
// `entry` with the initial stack pointer; `entry` never returns.
#[cfg(target_arch = "x86_64")]
global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[cfg(target_arch = "x86")]
global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    "xor ebp, ebp",
    "mov eax, esp",
    // 16-byte aligned at the call: the argument is pushed onto 12 bytes of padding.
    "and esp, -16",
    "sub esp, 12",
    "push eax",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[cfg(target_arch = "aarch64")]
global_asm!(
    ".globl _start",
    ".type _start, %function",
    "_start:",
    "mov x29, xzr",
    "mov x30, xzr",
    "mov x0, sp",
    "bl {entry}",
    "brk #0",
    entry = sym entry,
);

#[cfg(target_arch = "arm")]
global_asm!(
    ".globl _start",
    ".type _start, %function",
    "_start:",
    "mov fp, #0",
    "mov lr, #0",
    "mov r0, sp",
    "bic sp, sp, #15",
    "bl {entry}",
    "udf #16",
    entry = sym entry,
);

#[cfg(target_arch = "riscv64")]
global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    // The linker may relax accesses to small data into gp-relative ones.
    ".option push",
    ".option norelax",
    "lla gp, __global_pointer$",
    ".option pop",
    "mv fp, zero",
    "mv ra, zero",
    "mv a0, sp",
    "andi sp, sp, -16",
    "call {entry}",
    "unimp",
    entry = sym entry,
);

#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv64"
)))]
compile_error!("fw-tone has a _start for x86_64, x86, aarch64, arm and riscv64 only");

/// Reads `argc`, `argv` and `envp` off the initial stack, runs `main` and exits with its status.
///
/// # Safety
/// Only `_start` calls this, with the stack pointer the kernel started the process with.
unsafe extern "C" fn entry(stack: *const usize) -> ! {
    // SAFETY: the kernel's initial stack: `argc`, then `argc` argument pointers and a null,
    // then the environment pointers and a null.
    let (argc, argv, envp) = unsafe {
        let argc = *stack;
        let argv = stack.add(1).cast::<*const u8>();
        (argc, argv, argv.add(argc + 1))
    };
    // SAFETY: those arrays and strings live until the process exits.
    let status = unsafe { crate::main(argc, argv, envp) };
    exit(status)
}

/// Ends the process with `status` (`exit_group`).
pub fn exit(status: i32) -> ! {
    loop {
        // SAFETY: exit_group takes no pointers and does not return.
        let _ = unsafe { syscall!(Sysno::exit_group, status) };
    }
}

// The unwind tables of 32-bit ARM (`.ARM.exidx`, `.ARM.extab`) name the EHABI personality
// routines, which libgcc would provide; nothing unwinds here, so they only have to exist.
/// EHABI personality routine 0: never called (the firmware aborts on panic).
#[cfg(target_arch = "arm")]
#[unsafe(no_mangle)]
extern "C" fn __aeabi_unwind_cpp_pr0() -> ! {
    exit(134)
}

/// EHABI personality routine 1: never called.
#[cfg(target_arch = "arm")]
#[unsafe(no_mangle)]
extern "C" fn __aeabi_unwind_cpp_pr1() -> ! {
    exit(134)
}

/// EHABI personality routine 2: never called.
#[cfg(target_arch = "arm")]
#[unsafe(no_mangle)]
extern "C" fn __aeabi_unwind_cpp_pr2() -> ! {
    exit(134)
}

/// The Rust personality routine that compiler_builtins' ARM unwind tables name: never called.
#[cfg(target_arch = "arm")]
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() -> ! {
    exit(134)
}

/// The kernel's `struct sigaction` (`asm-generic/signal.h`), not libc's.
#[repr(C)]
struct KernelSigaction {
    handler: unsafe extern "C" fn(core::ffi::c_int),
    flags: core::ffi::c_ulong,
    #[cfg(not(target_arch = "riscv64"))]
    restorer: Option<unsafe extern "C" fn()>,
    /// 64 signals, as two 32-bit words (`unsigned long[2]` on 32-bit targets, one 64-bit
    /// word on 64-bit little-endian ones).
    mask: [u32; 2],
}

/// `SA_RESTART`: system calls interrupted by the handler are restarted where they can be.
const SA_RESTART: core::ffi::c_ulong = 0x1000_0000;
/// `SA_RESTORER`: `restorer` is set.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
const SA_RESTORER: core::ffi::c_ulong = 0x0400_0000;

// On x86_64 the kernel returns from a handler through the restorer the process gives it; on
// x86 it would take the vDSO's, given here too so as not to depend on a mapped vDSO (arm,
// aarch64 and riscv64 have a sigreturn trampoline in the vDSO or a kernel page).
#[cfg(target_arch = "x86_64")]
global_asm!(
    ".globl fw_tone_sigreturn",
    ".type fw_tone_sigreturn, @function",
    "fw_tone_sigreturn:",
    "mov eax, 15", // rt_sigreturn
    "syscall",
    "ud2",
);

// Without `SA_SIGINFO` the 32-bit kernel builds the old signal frame, which `sigreturn`
// (119) undoes once the signal number the handler was given is popped (glibc's `__restore`).
#[cfg(target_arch = "x86")]
global_asm!(
    ".globl fw_tone_sigreturn",
    ".type fw_tone_sigreturn, @function",
    "fw_tone_sigreturn:",
    "pop eax",
    "mov eax, 119", // sigreturn
    "int 0x80",
    "ud2",
);

#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
unsafe extern "C" {
    fn fw_tone_sigreturn();
}

/// Installs `handler` for `signal` with `SA_RESTART`.
///
/// # Safety
/// `handler` must only do async-signal-safe things (such as storing to an atomic).
pub unsafe fn on_signal(
    signal: i32,
    handler: unsafe extern "C" fn(core::ffi::c_int),
) -> Result<(), syscalls::Errno> {
    let action = KernelSigaction {
        handler,
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        flags: SA_RESTART | SA_RESTORER,
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
        flags: SA_RESTART,
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        restorer: Some(fw_tone_sigreturn),
        #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
        restorer: None,
        mask: [0; 2],
    };
    // SAFETY: `action` is a valid kernel sigaction for the duration of the call; the old
    // action is not asked for (null); the mask size is the kernel's 8 bytes.
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
}
