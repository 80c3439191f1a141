//! The guest side of `cargo board bench`: a playback stream to measure, a process runner that
//! measures CPU time and (optionally) counts system calls of any command, and a CPU hog.
//!
//! ```text
//! bench play --period N [--frames F] [--periods 4] [--device hw:Loopback,0,0] [--sync-ptr]
//!     streams F frames of silence (S16_LE, stereo, 48 kHz; 480000 by default), drains, and prints
//!     BENCH-PLAY frames=.. periods=.. xruns=.. period=.. transport=..
//! bench exec [--trace] -- COMMAND [ARGS...]
//!     runs COMMAND (stdout and stderr to /tmp/bench-child.out, echoed afterwards) and prints
//!     BENCH-EXEC status=.. user_us=.. sys_us=.. wall_us=.. xruns=.. [syscalls=name:n,...]
//!     xruns: the `xruns=` of a BENCH-PLAY line, or aplay's "underrun" messages.
//!     --trace: counts COMMAND's system calls with ptrace (PTRACE_GET_SYSCALL_INFO); tracing
//!     slows it down, so measure CPU in an untraced run. Exit status 0 when COMMAND succeeded
//!     with no xrun, 3 otherwise.
//! bench hog
//!     spins forever (a CPU hog).
//! ```

use std::collections::BTreeMap;
use std::ffi::CString;
use std::ops::ControlFlow;
use std::time::Instant;

use alsa_direct::{Config, Format, Matching, MmapStream, Playback, TransportChoice};

/// `bench --help`: the module documentation's usage.
const USAGE: &str = "
usage: bench play --period N [--frames F] [--periods 4] [--device hw:Loopback,0,0] [--sync-ptr]
       bench exec [--trace] -- COMMAND [ARGS...]
       bench hog
the guest side of `cargo board bench`: a playback stream to measure (prints BENCH-PLAY ...), a
process runner that measures CPU time and counts system calls (BENCH-EXEC ...), a CPU hog";

/// Where the measured command's output goes.
const CHILD_OUTPUT: &str = "/tmp/bench-child.out";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("play") => play(&args[1..]),
        Some("exec") => exec(&args[1..]),
        Some("hog") => hog(),
        Some("-h" | "--help") => {
            println!("{}", USAGE.trim());
            0
        }
        _ => {
            eprintln!("{}", USAGE.trim());
            2
        }
    };
    std::process::exit(code);
}

/// `bench play`.
fn play(args: &[String]) -> i32 {
    let mut period = 256u32;
    let mut periods = 4u32;
    let mut frames = 480_000u64;
    let mut sync_ptr = false;
    let mut device = std::env::var("ALSA_DIRECT_PLAYBACK").unwrap_or_else(|_| "hw:Loopback,0,0".into());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match arg.as_str() {
            "--period" => period = value().parse().unwrap_or(period),
            "--periods" => periods = value().parse().unwrap_or(periods),
            "--frames" => frames = value().parse().unwrap_or(frames),
            "--device" => device = value(),
            "--sync-ptr" => sync_ptr = true,
            other => {
                eprintln!("bench play: unknown argument {other}");
                return 2;
            }
        }
    }
    let config = Config::new(Format::S16Le, 2, 48_000)
        .period_size(period)
        .periods(periods)
        .matching(Matching::Nearest)
        .transport(if sync_ptr {
            TransportChoice::ForceSyncPtr
        } else {
            TransportChoice::Auto
        });
    let result = MmapStream::<i16, Playback>::open(&device, &config).and_then(|mut stream| {
        let mut count = 0u64;
        stream.run(|buf, info| {
            buf.fill(0);
            count += 1;
            if info.position + info.frames as u64 >= frames {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        stream.drain()?;
        Ok((
            stream.position(),
            count,
            stream.xruns(),
            stream.setup().negotiated.period_size,
            stream.transport(),
        ))
    });
    match result {
        Ok((frames, count, xruns, period, transport)) => {
            println!(
                "BENCH-PLAY frames={frames} periods={count} xruns={xruns} period={period} transport={transport}"
            );
            0
        }
        Err(e) => {
            eprintln!("bench play: {e}");
            1
        }
    }
}

/// `bench hog`.
fn hog() -> i32 {
    let mut x = 0u64;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// `bench exec`.
fn exec(args: &[String]) -> i32 {
    let (trace, command) = match args {
        [t, dashes, rest @ ..] if t == "--trace" && dashes == "--" => (true, rest),
        [dashes, rest @ ..] if dashes == "--" => (false, rest),
        _ => (false, args),
    };
    if command.is_empty() {
        eprintln!("bench exec: no command");
        return 2;
    }
    let argv: Vec<CString> = command
        .iter()
        .map(|a| CString::new(a.as_str()).expect("argument with NUL"))
        .collect();
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let out_path = CString::new(CHILD_OUTPUT).unwrap();
    let started = Instant::now();
    // SAFETY: the child only calls async-signal-safe functions before exec.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        eprintln!("bench exec: fork failed");
        return 1;
    }
    if pid == 0 {
        // SAFETY: plain system calls in the forked child, then exec or _exit.
        unsafe {
            let fd = libc::open(
                out_path.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
                0o644,
            );
            if fd >= 0 {
                libc::dup2(fd, 1);
                libc::dup2(fd, 2);
                libc::close(fd);
            }
            if trace {
                libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
                libc::raise(libc::SIGSTOP);
            }
            libc::execvp(argv_ptrs[0], argv_ptrs.as_ptr());
            libc::_exit(127);
        }
    }
    let (status, usage, counts) = if trace { traced_wait(pid) } else { plain_wait(pid) };
    let wall = started.elapsed();
    let output = std::fs::read_to_string(CHILD_OUTPUT).unwrap_or_default();
    let xruns = xruns_in(&output);
    for line in output.lines().take(8) {
        println!("  | {line}");
    }
    let mut line = format!(
        "BENCH-EXEC status={status} user_us={} sys_us={} wall_us={} xruns={xruns}",
        micros(usage.ru_utime),
        micros(usage.ru_stime),
        wall.as_micros()
    );
    if trace {
        let list: Vec<String> = counts
            .iter()
            .map(|(nr, n)| format!("{}:{n}", syscall_name(*nr)))
            .collect();
        line.push_str(&format!(" syscalls={}", list.join(",")));
    }
    println!("{line}");
    if status == 0 && xruns == 0 {
        0
    } else {
        3
    }
}

/// A `timeval` in microseconds (its fields are 32-bit on some targets).
#[allow(clippy::useless_conversion)]
fn micros(tv: libc::timeval) -> i64 {
    i64::from(tv.tv_sec) * 1_000_000 + i64::from(tv.tv_usec)
}

/// Xruns reported in a command's output: `xruns=N` of `bench play`, else aplay's underruns.
fn xruns_in(output: &str) -> u64 {
    let reported = output
        .split_whitespace()
        .find_map(|w| w.strip_prefix("xruns=").and_then(|n| n.parse().ok()));
    reported.unwrap_or_else(|| output.matches("underrun").count() as u64)
}

/// Waits for an untraced child; returns its exit status and resource usage.
fn plain_wait(pid: libc::pid_t) -> (i32, libc::rusage, BTreeMap<u64, u64>) {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    (exit_code(status), usage, BTreeMap::new())
}

/// The exit status, or 128 + signal.
fn exit_code(status: i32) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    }
}

/// Follows a traced child (stopped by its own SIGSTOP) to its end, counting its system calls by
/// number at their entry.
fn traced_wait(pid: libc::pid_t) -> (i32, libc::rusage, BTreeMap<u64, u64>) {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child, then setting options on our stopped tracee.
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
    let mut signal = 0;
    loop {
        // SAFETY: resuming our stopped tracee to its next system call stop.
        unsafe { libc::ptrace(libc::PTRACE_SYSCALL, pid, 0, signal) };
        signal = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return (exit_code(status), usage, counts);
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let sig = libc::WSTOPSIG(status);
        if sig != (libc::SIGTRAP | 0x80) {
            // Exec events and our SIGSTOP are swallowed; real signals are delivered.
            if sig != libc::SIGTRAP && sig != libc::SIGSTOP {
                signal = sig as usize;
            }
            continue;
        }
        // SAFETY: all-zero is a valid ptrace_syscall_info.
        let mut info: libc::ptrace_syscall_info = unsafe { std::mem::zeroed() };
        // SAFETY: the kernel writes at most size_of::<ptrace_syscall_info>() bytes.
        unsafe {
            libc::ptrace(
                libc::PTRACE_GET_SYSCALL_INFO,
                pid,
                std::mem::size_of::<libc::ptrace_syscall_info>(),
                &mut info as *mut libc::ptrace_syscall_info,
            )
        };
        if info.op == libc::PTRACE_SYSCALL_INFO_ENTRY {
            // SAFETY: op is ENTRY, so the entry member is the one filled in.
            let nr = unsafe { info.u.entry.nr };
            *counts.entry(nr).or_insert(0) += 1;
        }
    }
}

/// The name of a system call of this arch (the ones a stream makes and common others), or
/// `nr<N>`.
fn syscall_name(nr: u64) -> String {
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
