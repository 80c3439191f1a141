//! The table printed at the end of `test`, `run` and `ci`, and the closing count line.

use std::time::Duration;

use crate::boot::qemu::BootReport;
use crate::progress::secs;

/// One line of the summary.
#[derive(Debug, Clone)]
pub struct Row {
    /// Board (or step group, for `ci`).
    pub board: String,
    /// Run or step name.
    pub run: String,
    /// Passed or not.
    pub passed: bool,
    /// Short explanation (exit status, failure reason, kernel version).
    pub detail: String,
    /// How long it took.
    pub duration: Duration,
}

/// The rows gathered so far.
#[derive(Debug, Default)]
pub struct Summary {
    /// Rows in order.
    pub rows: Vec<Row>,
}

impl Summary {
    /// Adds the row of a boot of `board`: passed with `detail`, or failed with why and `detail`.
    pub fn add_boot(&mut self, board: &str, report: &BootReport, detail: String) {
        match report.boot_failure() {
            Some(why) => self.add(board, "boot", false, format!("{why}; {detail}"), report.duration),
            None => self.add(board, "boot", true, detail, report.duration),
        }
    }

    /// Adds a row.
    pub fn add(
        &mut self,
        board: &str,
        run: &str,
        passed: bool,
        detail: impl Into<String>,
        duration: Duration,
    ) {
        self.rows.push(Row {
            board: board.to_owned(),
            run: run.to_owned(),
            passed,
            detail: detail.into(),
            duration,
        });
    }

    /// True when no row failed.
    pub fn all_passed(&self) -> bool {
        self.rows.iter().all(|r| r.passed)
    }

    /// Appends another summary's rows.
    pub fn extend(&mut self, other: Summary) {
        self.rows.extend(other.rows);
    }

    /// Prints the table and the closing `label: N passed, M failed` line.
    pub fn print(&self, title: &str, label: &str) {
        let w0 = self.rows.iter().map(|r| r.board.len()).max().unwrap_or(0).max(5);
        let w1 = self.rows.iter().map(|r| r.run.len()).max().unwrap_or(0).max(3);
        println!();
        println!("{title}");
        println!(
            "{:<w0$}  {:<w1$}  {:<6}  {:>8}  detail",
            "board", "run", "result", "time"
        );
        for r in &self.rows {
            println!(
                "{:<w0$}  {:<w1$}  {:<6}  {:>8}  {}",
                r.board,
                r.run,
                if r.passed { "passed" } else { "FAILED" },
                secs(r.duration),
                r.detail
            );
        }
        let passed = self.rows.iter().filter(|r| r.passed).count();
        println!();
        println!("{label}: {passed} passed, {} failed", self.rows.len() - passed);
        // The failures again, last, so that a log read from its end shows them.
        for r in self.rows.iter().filter(|r| !r.passed) {
            println!("FAILED: {} {}: {}", r.board, r.run, r.detail);
        }
    }
}
