//! `cargo board list` and `cargo board show BOARD`.

use crate::boards::{Board, Kind};

/// Prints one line per board.
pub fn list(boards: &[Board]) {
    let w = boards.iter().map(|b| b.name.len()).max().unwrap_or(5).max(5);
    let t = boards.iter().map(|b| b.target.len()).max().unwrap_or(6).max(6);
    println!(
        "{:<w$}  {:<8}  {:<t$}  {:<18}  capture",
        "board", "kind", "target", "playback"
    );
    for b in boards {
        println!(
            "{:<w$}  {:<8}  {:<t$}  {:<18}  {}",
            b.name, b.kind, b.target, b.devices.playback, b.devices.capture
        );
    }
}

/// Prints everything about one board.
pub fn show(board: &Board) {
    println!("{} ({}): {}", board.name, board.kind, board.description);
    println!("  file:      {}", board.path.display());
    println!("  target:    {}", board.target);
    println!("  playback:  {}", board.devices.playback);
    println!("  capture:   {}", board.devices.capture);
    let s = &board.stream;
    println!(
        "  stream:    {} {} Hz, {} channels, {} frames x {} periods",
        s.format, s.rate, s.channels, s.period_frames, s.periods
    );
    if let (Some(d), Some(q)) = (&board.debian, &board.qemu) {
        println!(
            "  kernel:    {}:{} ({}), busybox {}",
            d.kernel_package, d.arch, d.suite, d.busybox_package
        );
        println!("  modules:   {}", d.modules.join(", "));
        println!(
            "  qemu:      {} machine {} cpu {} -m {} -smp {} (with --real-clock) console {}{}",
            q.binary,
            q.machine.as_deref().unwrap_or("(default)"),
            q.cpu.as_deref().unwrap_or("(default)"),
            q.memory,
            q.smp,
            q.console,
            if q.kvm { ", KVM with --kvm" } else { "" }
        );
    }
    if board.kind == Kind::Emulated {
        for run in &board.runs {
            let env: Vec<String> = run.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!(
                "  run:       {} ({}){}{}",
                run.name,
                board.run_target(run),
                if env.is_empty() {
                    String::new()
                } else {
                    format!(" env {}", env.join(" "))
                },
                if run.args.is_empty() {
                    String::new()
                } else {
                    format!(" args {}", run.args.join(" "))
                }
            );
        }
    }
    if let Some(notes) = &board.notes {
        println!();
        for line in notes.trim_end().lines() {
            println!("  {line}");
        }
    }
}
