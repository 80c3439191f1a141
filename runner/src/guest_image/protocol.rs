//! The lines the guest's `/init` prints so the host can follow the boot.
//!
//! Each line starts with a marker unique to the boot (`@@alsa-direct-board:<nonce>@@`), so test
//! output cannot fake one, followed by an event word and its arguments.

use std::time::{SystemTime, UNIX_EPOCH};

/// The per-boot marker.
#[derive(Debug, Clone)]
pub struct Marker(String);

/// What the guest reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `/init` started: kernel release, machine, guest uptime.
    Init {
        /// Kernel release (`uname -r`).
        release: String,
        /// Machine (`uname -m`).
        machine: String,
        /// Seconds since the kernel started (`/proc/uptime`).
        uptime: String,
    },
    /// An `insmod` failed.
    ModuleFailed(String),
    /// Every module loaded; guest uptime.
    ModulesLoaded(String),
    /// A job (test binary or example) starts.
    JobStart(String),
    /// A job ended with this exit status.
    JobEnd(String, i32),
    /// Everything ran; the guest powers off next.
    Done,
}

impl Marker {
    /// A fresh marker for one boot.
    pub fn new() -> Marker {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let nonce = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
        Marker(format!("@@alsa-direct-board:{nonce:016x}@@"))
    }

    /// The marker text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The event a console line carries, if it carries one.
    pub fn parse(&self, line: &str) -> Option<Event> {
        let at = line.find(&self.0)?;
        let mut words = line[at + self.0.len()..].split_whitespace();
        let word = |w: Option<&str>| w.unwrap_or_default().to_owned();
        Some(match words.next()? {
            "init" => Event::Init {
                release: word(words.next()),
                machine: word(words.next()),
                uptime: word(words.next()),
            },
            "module-failed" => Event::ModuleFailed(word(words.next())),
            "modules-loaded" => Event::ModulesLoaded(word(words.next())),
            "job-start" => Event::JobStart(word(words.next())),
            "job-end" => {
                let name = word(words.next());
                let status = words.next()?.parse().ok()?;
                Event::JobEnd(name, status)
            }
            "done" => Event::Done,
            _ => return None,
        })
    }
}

impl Default for Marker {
    fn default() -> Self {
        Marker::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_and_ignores_other_markers() {
        let m = Marker("@@m@@".into());
        assert_eq!(
            m.parse("@@m@@ job-end sync-ptr 101"),
            Some(Event::JobEnd("sync-ptr".into(), 101))
        );
        assert_eq!(
            m.parse("[ 1.0] noise @@m@@ init 6.1.0 aarch64 0.93"),
            Some(Event::Init {
                release: "6.1.0".into(),
                machine: "aarch64".into(),
                uptime: "0.93".into()
            })
        );
        assert_eq!(m.parse("@@other@@ done"), None);
        assert_eq!(m.parse("@@m@@ job-end x"), None);
        assert_ne!(Marker::new().as_str(), "");
    }
}
