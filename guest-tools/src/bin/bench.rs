//! The guest half of `cargo board bench`: a playback stream to measure, a process runner that
//! measures CPU time and (optionally) counts system calls of any command, and a CPU hog.
//!
//! ```text
//! bench play --period N [--frames F] [--periods 4] [--device hw:Loopback,0,0] [--sync-ptr]
//!            [--timer TARGET]
//!     streams F frames of silence (S16_LE, stereo, 48 kHz; 480000 by default), drains, and prints
//!     BENCH-PLAY frames=.. periods=.. xruns=.. period=.. wakeups=.. transport=..
//!     --timer: timer-scheduled (no period interrupts where the driver allows), keeping
//!     TARGET frames queued; wakeups= says what the stream got (Timer, or the fallback).
//! bench exec [--trace] [--limit SECONDS] -- COMMAND [ARGS...]
//!     runs COMMAND (stdout and stderr to /tmp/bench-child.out, echoed afterwards) and prints
//!     BENCH-EXEC status=.. user_us=.. sys_us=.. wall_us=.. xruns=.. nvcsw=.. [irqs=..]
//!                [syscalls=name:n,...]
//!     xruns: the `xruns=` of a BENCH-PLAY line, or aplay's "underrun" messages. nvcsw: the
//!     command's voluntary context switches (each sleep it was woken from). irqs: the sound
//!     card's interrupts while it ran (the `/proc/interrupts` lines of `snd_` drivers; absent
//!     where none is listed: the loopback has none, USB audio shares its host controller's).
//!     --trace: counts COMMAND's system calls with ptrace (PTRACE_GET_SYSCALL_INFO); tracing
//!     slows it down, so measure CPU in an untraced run. --limit: COMMAND gets SIGALRM after
//!     SECONDS (a program stuck on a stalled device ends as a failed run, not a hung bench).
//!     Exit status 0 when COMMAND succeeded with no xrun, 3 otherwise.
//! bench hog
//!     spins forever (a CPU hog).
//! ```

use std::ffi::CString;
use std::ops::ControlFlow;
use std::time::Instant;

use alsa_direct::{Config, Format, Matching, MmapStream, Playback, TransportChoice};
use alsa_direct_guest_tools::tracer::{self, Traced, Window};

/// `bench --help`: the module documentation's usage.
const USAGE: &str = "
usage: bench play --period N [--frames F] [--periods 4] [--device hw:Loopback,0,0] [--sync-ptr]
                  [--timer TARGET]
       bench exec [--trace] [--limit SECONDS] -- COMMAND [ARGS...]
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
    let mut timer = None;
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
            "--timer" => timer = value().parse().ok(),
            other => {
                eprintln!("bench play: unknown argument {other}");
                return 2;
            }
        }
    }
    let mut config = Config::new(Format::S16Le, 2, 48_000)
        .period_size(period)
        .periods(periods)
        .matching(Matching::Nearest)
        .transport(if sync_ptr {
            TransportChoice::ForceSyncPtr
        } else {
            TransportChoice::Auto
        });
    if let Some(target) = timer {
        config = config.timer_scheduled(target);
    }
    let opened = MmapStream::<i16, Playback>::open(&device, &config).map_err(alsa_direct::Error::from);
    let result = opened.and_then(|mut stream| {
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
            stream.setup().wakeups,
            stream.transport(),
        ))
    });
    match result {
        Ok((frames, count, xruns, period, wakeups, transport)) => {
            println!(
                "BENCH-PLAY frames={frames} periods={count} xruns={xruns} period={period} wakeups={wakeups:?} transport={transport}"
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
    let mut trace = false;
    let mut limit_secs: u32 = 0;
    let mut rest = args;
    let command = loop {
        match rest {
            [flag, tail @ ..] if flag == "--trace" => {
                trace = true;
                rest = tail;
            }
            [flag, secs, tail @ ..] if flag == "--limit" => {
                let Ok(secs) = secs.parse() else {
                    eprintln!("bench exec: --limit takes whole seconds, not {secs}");
                    return 2;
                };
                limit_secs = secs;
                rest = tail;
            }
            [dashes, command @ ..] if dashes == "--" => break command,
            command => break command,
        }
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
    let irqs_before = sound_interrupts();
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
                tracer::trace_me();
            }
            // A pending alarm survives exec: the command gets SIGALRM after the limit (0: none).
            libc::alarm(limit_secs);
            libc::execvp(argv_ptrs[0], argv_ptrs.as_ptr());
            libc::_exit(127);
        }
    }
    let Traced {
        status,
        usage,
        counts,
    } = if trace {
        tracer::follow(pid, Window::Whole)
    } else {
        plain_wait(pid)
    };
    let wall = started.elapsed();
    let irqs = irqs_before
        .zip(sound_interrupts())
        .map(|(a, b)| b.saturating_sub(a));
    let output = std::fs::read_to_string(CHILD_OUTPUT).unwrap_or_default();
    let xruns = xruns_in(&output);
    for line in output.lines().take(8) {
        println!("  | {line}");
    }
    if limit_secs > 0 && status == 128 + libc::SIGALRM {
        println!(
            "  | bench exec: {} did not end within {limit_secs} s, stopped",
            command[0]
        );
    }
    let mut line = format!(
        "BENCH-EXEC status={status} user_us={} sys_us={} wall_us={} xruns={xruns} nvcsw={}",
        micros(usage.ru_utime),
        micros(usage.ru_stime),
        wall.as_micros(),
        usage.ru_nvcsw
    );
    if let Some(irqs) = irqs {
        line.push_str(&format!(" irqs={irqs}"));
    }
    if trace {
        let list: Vec<String> = counts
            .iter()
            .map(|(nr, n)| format!("{}:{n}", tracer::syscall_name(*nr)))
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

/// The sound cards' interrupts so far: the `/proc/interrupts` lines naming an ALSA driver
/// (`snd_hda_intel:card0`), summed over the CPUs; `None` where there is none.
fn sound_interrupts() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/interrupts").ok()?;
    let mut total = None;
    for line in text.lines().filter(|l| l.contains("snd_")) {
        let counts: u64 = line
            .split_whitespace()
            .skip(1)
            .map_while(|field| field.parse::<u64>().ok())
            .sum();
        *total.get_or_insert(0) += counts;
    }
    total
}

/// Xruns reported in a command's output: `xruns=N` of `bench play`, else aplay's underruns.
fn xruns_in(output: &str) -> u64 {
    let reported = output
        .split_whitespace()
        .find_map(|w| w.strip_prefix("xruns=").and_then(|n| n.parse().ok()));
    reported.unwrap_or_else(|| output.matches("underrun").count() as u64)
}

/// Waits for an untraced child; returns its exit status and resource usage.
fn plain_wait(pid: libc::pid_t) -> Traced {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child into local variables.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    Traced {
        status: tracer::exit_code(status),
        usage,
        counts: Default::default(),
    }
}
