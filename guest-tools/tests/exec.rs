//! `bench exec` on the host: a command that ends is measured; one that outlives `--limit` is
//! stopped and reported as a failed run instead of holding the bench.

use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `bench exec ARGS` and returns its exit code and standard output.
fn bench_exec(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("exec")
        .args(args)
        .output()
        .expect("bench runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_command_that_ends_within_the_limit_is_measured() {
    let (code, out) = bench_exec(&["--limit", "30", "--", "true"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("BENCH-EXEC status=0 "), "{out}");
}

#[test]
fn a_command_past_its_limit_is_stopped_and_fails() {
    let started = Instant::now();
    let (code, out) = bench_exec(&["--limit", "1", "--", "sleep", "30"]);
    assert!(started.elapsed() < Duration::from_secs(20), "not stopped: {out}");
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("BENCH-EXEC status=142 "), "{out}");
    assert!(out.contains("sleep did not end within 1 s, stopped"), "{out}");
}

#[test]
fn a_limit_that_is_not_a_number_is_refused() {
    let (code, _) = bench_exec(&["--limit", "soon", "--", "true"]);
    assert_eq!(code, Some(2));
}
