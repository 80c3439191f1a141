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
use std::fmt;

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

/// The exit status of a child whose `PTRACE_TRACEME` failed in [`trace_me`] (it ends before
/// running what was to be traced), and the status [`follow`] reports for a trace that failed.
pub const EXIT_TRACE_FAILED: i32 = 125;

/// Why a trace ended before the child did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// The child's `PTRACE_TRACEME` failed (it exited with [`EXIT_TRACE_FAILED`]): the
    /// process may be traced already (a debugger or `strace`), or ptrace is forbidden here
    /// (seccomp, a Yama `ptrace_scope` of 3).
    TraceMe,
    /// The child ended (this exit status, or 128 + a signal) before it stopped for its tracer:
    /// it did not call [`trace_me`].
    EndedUntraced(i32),
    /// A ptrace request on the stopped child failed with this errno; the child was killed.
    Request {
        /// The request, e.g. `PTRACE_SETOPTIONS`.
        request: &'static str,
        /// Its errno.
        errno: i32,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::TraceMe => write!(
                f,
                "the child's PTRACE_TRACEME failed (exit status {EXIT_TRACE_FAILED}): run it without a debugger or strace attached, where ptrace is allowed"
            ),
            TraceError::EndedUntraced(status) => write!(
                f,
                "the child ended with status {status} before it stopped for its tracer: it must call tracer::trace_me first"
            ),
            TraceError::Request { request, errno } => write!(
                f,
                "{request} failed: {} (errno {errno}); the child was killed: this kernel's ptrace lacks it (PTRACE_GET_SYSCALL_INFO needs Linux 5.3)",
                std::io::Error::from_raw_os_error(*errno)
            ),
        }
    }
}

impl std::error::Error for TraceError {}

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
/// until [`follow`] resumes it. When the kernel refuses, says so on stderr and ends the child
/// with [`EXIT_TRACE_FAILED`] (its tracer reports [`TraceError::TraceMe`]). Makes only
/// async-signal-safe calls (fine after `fork` in a program with threads).
pub fn trace_me() {
    const REFUSED: &[u8] = b"tracer: PTRACE_TRACEME failed; the child ends untraced\n";
    // SAFETY: PTRACE_TRACEME takes no pointers; raise stops this process until the parent,
    // now its tracer, resumes it. On failure, write reads REFUSED's bytes and _exit ends the
    // forked child without running the parent's destructors.
    unsafe {
        if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) < 0 {
            libc::write(2, REFUSED.as_ptr().cast(), REFUSED.len());
            libc::_exit(EXIT_TRACE_FAILED);
        }
        libc::raise(libc::SIGSTOP);
    }
}

/// In the traced child: marks the start or the end of the window [`Window::BetweenMarkers`]
/// counts.
pub fn marker() {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::getppid() };
}

/// [`try_follow`], for a caller that reports only a status (the bench's `BENCH-EXEC` line): a
/// failed trace is printed on stderr and reported as the status [`EXIT_TRACE_FAILED`], with no
/// counts.
pub fn follow(pid: libc::pid_t, window: Window) -> Traced {
    try_follow(pid, window).unwrap_or_else(|error| {
        eprintln!("tracer: {error}");
        Traced {
            status: EXIT_TRACE_FAILED,
            // SAFETY: all-zero is a valid rusage.
            usage: unsafe { std::mem::zeroed() },
            counts: BTreeMap::new(),
        }
    })
}

/// Follows the child `pid`, which called [`trace_me`], to its end and counts its system calls
/// in `window`. Signals other than the tracing's own stops are delivered to the child; an
/// `exec` goes on being traced (the counts are then the new program's too). A ptrace request
/// that fails ends the trace with an error (the child is killed and reaped), so that no count
/// is silently short.
pub fn try_follow(pid: libc::pid_t, window: Window) -> Result<Traced, TraceError> {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child (stopped by its SIGSTOP, or ended) into a local.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
        return Err(match exit_code(status) {
            EXIT_TRACE_FAILED => TraceError::TraceMe,
            code => TraceError::EndedUntraced(code),
        });
    }
    // SAFETY: setting options on our stopped tracee; no pointers are passed.
    let set = unsafe {
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            pid,
            0,
            libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACEEXEC,
        )
    };
    if set < 0 {
        return Err(give_up(pid, "PTRACE_SETOPTIONS"));
    }
    let mut counts = BTreeMap::new();
    let mut markers = 0;
    let mut signal = 0;
    loop {
        // SAFETY: resuming our stopped tracee to its next system call stop, delivering
        // `signal` (0: none).
        if unsafe { libc::ptrace(libc::PTRACE_SYSCALL, pid, 0, signal) } < 0 {
            // ESRCH: the child died (SIGKILL from elsewhere); the wait below reports it.
            if errno() != libc::ESRCH {
                return Err(give_up(pid, "PTRACE_SYSCALL"));
            }
        }
        signal = 0;
        // SAFETY: waiting for our own child into local variables.
        if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } < 0 {
            // The child is gone (reaped elsewhere): nothing more to count.
            return Ok(Traced {
                status: 128,
                usage,
                counts,
            });
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return Ok(Traced {
                status: exit_code(status),
                usage,
                counts,
            });
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
        let Some(nr) = entered_syscall(pid).map_err(|request| give_up(pid, request))? else {
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

/// The number of the system call the stopped tracee `pid` is entering, or None at an exit
/// stop; the request's name when it failed.
fn entered_syscall(pid: libc::pid_t) -> Result<Option<u64>, &'static str> {
    // SAFETY: all-zero is a valid ptrace_syscall_info.
    let mut info: libc::ptrace_syscall_info = unsafe { std::mem::zeroed() };
    // SAFETY: the kernel writes at most size_of::<ptrace_syscall_info>() bytes into `info`.
    let got = unsafe {
        libc::ptrace(
            libc::PTRACE_GET_SYSCALL_INFO,
            pid,
            std::mem::size_of::<libc::ptrace_syscall_info>(),
            &mut info as *mut libc::ptrace_syscall_info,
        )
    };
    if got < 0 {
        return Err("PTRACE_GET_SYSCALL_INFO");
    }
    if info.op != libc::PTRACE_SYSCALL_INFO_ENTRY {
        return Ok(None);
    }
    // SAFETY: op is ENTRY, so the entry member is the one the kernel filled in.
    Ok(Some(unsafe { info.u.entry.nr }))
}

/// The calling thread's errno.
fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// After `request` failed on the stopped tracee `pid`: kills and reaps it (no stopped child is
/// left behind) and says what failed, with the request's errno.
fn give_up(pid: libc::pid_t, request: &'static str) -> TraceError {
    let errno = errno();
    let mut status = 0;
    // SAFETY: killing and reaping our own child; no pointers but the local status.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, &mut status, 0);
    }
    TraceError::Request { request, errno }
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

    /// Forks a child that runs `body` and exits with `code`, and follows it.
    fn followed_child(body: fn(), code: i32) -> Result<Traced, TraceError> {
        // SAFETY: the child makes only plain system calls and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            body();
            // SAFETY: _exit ends the forked child without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        try_follow(pid, Window::Whole)
    }

    #[test]
    fn a_refused_trace_me_ends_the_child_and_the_trace_says_so() {
        fn traced_twice() {
            // SAFETY: PTRACE_TRACEME takes no pointers. The parent traces this child now, so
            // trace_me's own request fails (EPERM: already traced).
            unsafe { libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) };
            trace_me();
        }
        let error = followed_child(traced_twice, 0).unwrap_err();
        assert_eq!(error, TraceError::TraceMe);
        assert!(error.to_string().contains("PTRACE_TRACEME failed"), "{error}");
    }

    #[test]
    fn a_child_that_never_asks_to_be_traced_is_an_error_not_a_hang() {
        fn nothing() {}
        let error = followed_child(nothing, 3).unwrap_err();
        assert_eq!(error, TraceError::EndedUntraced(3));
        assert!(error.to_string().contains("trace_me"), "{error}");
    }

    #[test]
    fn a_failed_request_names_itself_and_its_errno() {
        let error = TraceError::Request {
            request: "PTRACE_GET_SYSCALL_INFO",
            errno: libc::EIO,
        };
        let text = error.to_string();
        assert!(
            text.contains("PTRACE_GET_SYSCALL_INFO failed") && text.contains("errno 5"),
            "{text}"
        );
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
