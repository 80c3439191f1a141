//! A `ptrace` system call tracer: a forked child asks to be traced ([`trace_me`]), and its
//! parent follows it to its end ([`follow`]), counting its system calls by number at their
//! entry (`PTRACE_GET_SYSCALL_INFO`, the same on every arch), over its whole life or only
//! between two [`marker`] calls.
//!
//! Used by the bench (`bench exec --trace`, any command) and by the kernel tests'
//! system-calls-per-period checks (a stream in a forked child, between markers).
//!
//! # References
//! [ptrace(2)](https://man7.org/linux/man-pages/man2/ptrace.2.html)

use std::collections::BTreeMap;

/// The system call that marks a counted window: `getppid`, which neither a stream nor the C
/// library's start-up makes.
pub const MARKER: libc::c_long = libc::SYS_getppid;

/// Which system calls [`follow`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Every one the child makes (after its `SIGSTOP` in [`trace_me`]).
    Whole,
    /// Those between the child's first and second [`marker`] call (the markers not counted).
    BetweenMarkers,
}

/// How a traced child ended.
#[derive(Debug, Clone)]
pub struct Traced {
    /// Its exit status, or 128 + the signal that killed it.
    pub status: i32,
    /// Its resource usage (`wait4`), CPU times included.
    pub usage: libc::rusage,
    /// System calls by number, in the window asked for.
    pub counts: BTreeMap<u64, u64>,
}

/// In a forked child, before what is to be traced: asks the parent to trace it and stops
/// until [`follow`] resumes it. Makes only async-signal-safe calls (fine after `fork` in a
/// program with threads).
pub fn trace_me() {
    // SAFETY: PTRACE_TRACEME takes no pointers; raise stops this process until the parent,
    // now its tracer, resumes it.
    unsafe {
        libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
        libc::raise(libc::SIGSTOP);
    }
}

/// In the traced child: marks the start or the end of the window [`Window::BetweenMarkers`]
/// counts.
pub fn marker() {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::getppid() };
}

/// Follows the child `pid`, which called [`trace_me`], to its end and counts its system calls
/// in `window`. Signals other than the tracing's own stops are delivered to the child; an
/// `exec` goes on being traced (the counts are then the new program's too).
pub fn follow(pid: libc::pid_t, window: Window) -> Traced {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child (stopped by its SIGSTOP), then setting options on our
    // stopped tracee; no pointers are passed.
    unsafe {
        libc::waitpid(pid, &mut status, 0);
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            pid,
            0,
            libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACEEXEC,
        );
    }
    let mut counts = BTreeMap::new();
    let mut markers = 0;
    let mut signal = 0;
    loop {
        // SAFETY: resuming our stopped tracee to its next system call stop, delivering
        // `signal` (0: none).
        unsafe { libc::ptrace(libc::PTRACE_SYSCALL, pid, 0, signal) };
        signal = 0;
        // SAFETY: waiting for our own child into local variables.
        if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } < 0 {
            // The child is gone (reaped elsewhere): nothing more to count.
            return Traced {
                status: 128,
                usage,
                counts,
            };
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return Traced {
                status: exit_code(status),
                usage,
                counts,
            };
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let sig = libc::WSTOPSIG(status);
        if sig != (libc::SIGTRAP | 0x80) {
            // Exec events and the start's SIGSTOP are swallowed; real signals are delivered.
            if sig != libc::SIGTRAP && sig != libc::SIGSTOP {
                signal = sig as usize;
            }
            continue;
        }
        let Some(nr) = entered_syscall(pid) else {
            continue;
        };
        if window == Window::Whole {
            *counts.entry(nr).or_insert(0) += 1;
        } else if nr == MARKER as u64 {
            markers += 1;
        } else if markers == 1 {
            *counts.entry(nr).or_insert(0) += 1;
        }
    }
}

/// The number of the system call the stopped tracee `pid` is entering, or None at an exit stop.
fn entered_syscall(pid: libc::pid_t) -> Option<u64> {
    // SAFETY: all-zero is a valid ptrace_syscall_info.
    let mut info: libc::ptrace_syscall_info = unsafe { std::mem::zeroed() };
    // SAFETY: the kernel writes at most size_of::<ptrace_syscall_info>() bytes into `info`.
    unsafe {
        libc::ptrace(
            libc::PTRACE_GET_SYSCALL_INFO,
            pid,
            std::mem::size_of::<libc::ptrace_syscall_info>(),
            &mut info as *mut libc::ptrace_syscall_info,
        )
    };
    if info.op != libc::PTRACE_SYSCALL_INFO_ENTRY {
        return None;
    }
    // SAFETY: op is ENTRY, so the entry member is the one the kernel filled in.
    Some(unsafe { info.u.entry.nr })
}

/// The exit status of a `wait` status, or 128 + the signal that ended the process.
pub fn exit_code(status: i32) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    }
}

/// The name of a system call of this arch (the ones a stream makes and common others), or
/// `nr<N>`.
pub fn syscall_name(nr: u64) -> String {
    macro_rules! names {
        ($($name:ident),* $(,)?) => {
            $( if nr == libc::$name as u64 { return stringify!($name)[4..].to_owned(); } )*
        };
    }
    names!(
        SYS_ioctl,
        SYS_ppoll,
        SYS_read,
        SYS_write,
        SYS_readv,
        SYS_writev,
        SYS_openat,
        SYS_close,
        SYS_munmap,
        SYS_mprotect,
        SYS_brk,
        SYS_fstat,
        SYS_statx,
        SYS_rt_sigaction,
        SYS_rt_sigprocmask,
        SYS_clock_nanosleep,
        SYS_nanosleep,
        SYS_futex,
        SYS_getrandom,
        SYS_exit_group,
        SYS_execve,
        SYS_set_tid_address,
        SYS_set_robust_list,
        SYS_rseq,
        SYS_prlimit64,
        SYS_getpid,
        SYS_getppid,
        SYS_getuid,
        SYS_geteuid,
        SYS_getgid,
        SYS_getegid,
        SYS_uname,
        SYS_faccessat,
        SYS_readlinkat,
        SYS_lseek,
        SYS_fcntl,
        SYS_getdents64,
        SYS_sigaltstack,
        SYS_sched_getaffinity,
        SYS_clock_gettime,
        SYS_gettimeofday,
        SYS_sched_yield,
        SYS_pselect6,
        SYS_epoll_pwait,
        SYS_socket,
        SYS_connect,
    );
    #[cfg(target_pointer_width = "64")]
    names!(SYS_mmap, SYS_newfstatat);
    #[cfg(target_arch = "x86_64")]
    names!(
        SYS_poll,
        SYS_open,
        SYS_stat,
        SYS_lstat,
        SYS_access,
        SYS_select,
        SYS_arch_prctl,
        SYS_readlink
    );
    #[cfg(target_arch = "arm")]
    names!(
        SYS_poll,
        SYS_open,
        SYS_stat64,
        SYS_fstat64,
        SYS_lstat64,
        SYS_mmap2,
        SYS_fcntl64,
        SYS__llseek,
        SYS_ugetrlimit,
        SYS_access,
        SYS_readlink,
        SYS_getuid32,
        SYS_geteuid32,
        SYS_getgid32,
        SYS_getegid32,
    );
    #[cfg(target_pointer_width = "32")]
    match nr {
        403 => return "clock_gettime64".into(),
        407 => return "clock_nanosleep_time64".into(),
        414 => return "ppoll_time64".into(),
        _ => {}
    }
    format!("nr{nr}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forks a child that runs `body` under [`trace_me`] and exits with `code`.
    fn traced_child(window: Window, code: i32, body: fn()) -> Traced {
        // SAFETY: the child makes only plain system calls and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            trace_me();
            body();
            // SAFETY: _exit ends the forked child without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        follow(pid, window)
    }

    fn three_getpids_between_markers() {
        // SAFETY: getpid and getuid have no preconditions.
        unsafe {
            libc::getuid();
            marker();
            for _ in 0..3 {
                libc::getpid();
            }
            marker();
            libc::getuid();
        }
    }

    #[test]
    fn counts_only_between_the_markers() {
        let traced = traced_child(Window::BetweenMarkers, 7, three_getpids_between_markers);
        assert_eq!(traced.status, 7);
        let getpid = libc::SYS_getpid as u64;
        assert_eq!(traced.counts, BTreeMap::from([(getpid, 3)]));
    }

    #[test]
    fn counts_the_whole_life_with_the_markers() {
        let traced = traced_child(Window::Whole, 0, three_getpids_between_markers);
        assert_eq!(traced.status, 0);
        assert_eq!(traced.counts.get(&(libc::SYS_getpid as u64)), Some(&3));
        assert_eq!(traced.counts.get(&(MARKER as u64)), Some(&2));
        assert_eq!(traced.counts.get(&(libc::SYS_getuid as u64)), Some(&2));
        assert_eq!(syscall_name(libc::SYS_getpid as u64), "getpid");
    }

    #[test]
    fn a_child_killed_by_a_signal_ends_the_trace() {
        fn killed() {
            // SAFETY: raise has no preconditions; SIGKILL ends the process.
            unsafe { libc::raise(libc::SIGKILL) };
        }
        let traced = traced_child(Window::Whole, 0, killed);
        assert_eq!(traced.status, 128 + libc::SIGKILL);
    }
}
