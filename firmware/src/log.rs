//! Logging as the std `tone` does: RFC 3164 lines (`<PRI>fw-tone[PID]: message`, facility
//! user) to syslog's `/dev/log` over a unix datagram socket, or to stderr when there is no
//! syslog. Lines are formatted into a fixed buffer (heapless); a longer one is cut.

use core::fmt::{self, Write};

use rustix::fd::{BorrowedFd, OwnedFd};
use rustix::net::{self, AddressFamily, SendFlags, SocketAddrUnix, SocketType};

/// The syslog tag.
const TAG: &str = "fw-tone";

/// The longest line sent; the rest of a longer one is dropped.
const LINE: usize = 320;

/// Syslog severities used here.
#[derive(Clone, Copy)]
pub enum Severity {
    /// `LOG_ERR`
    Error = 3,
    /// `LOG_WARNING`
    Warning = 4,
    /// `LOG_INFO`
    Info = 6,
}

/// A line being formatted: what does not fit is dropped rather than failing the format.
struct Line(heapless::String<LINE>);

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Syslog over `/dev/log`, or stderr.
pub struct Log {
    socket: Option<OwnedFd>,
    pid: u32,
}

impl Log {
    /// Connects to `/dev/log`; says so on stderr when it cannot.
    pub fn open() -> Log {
        let socket = net::socket(AddressFamily::UNIX, SocketType::DGRAM, None)
            .ok()
            .filter(|fd| SocketAddrUnix::new(c"/dev/log").is_ok_and(|addr| net::connect(fd, &addr).is_ok()));
        if socket.is_none() {
            stderr(format_args!("{TAG}: no syslog at /dev/log, logging to stderr\n"));
        }
        Log {
            socket,
            pid: rustix::process::getpid().as_raw_nonzero().get() as u32,
        }
    }

    /// Logs `message` at `severity` with facility user (1).
    pub fn log(&self, severity: Severity, message: fmt::Arguments<'_>) {
        let sent = self.socket.as_ref().is_some_and(|socket| {
            let mut line = Line(heapless::String::new());
            let _ = write!(line, "<{}>{TAG}[{}]: {message}", 8 + severity as u8, self.pid);
            net::send(socket, line.0.as_bytes(), SendFlags::empty()).is_ok()
        });
        if !sent {
            stderr(format_args!("{TAG}: {message}\n"));
        }
    }
}

/// Writes `message` to stderr (file descriptor 2), whole lines at a time up to the buffer.
pub fn stderr(message: fmt::Arguments<'_>) {
    let mut line = Line(heapless::String::new());
    let _ = line.write_fmt(message);
    // SAFETY: descriptor 2 is only borrowed for this write; if it is closed the write fails
    // with EBADF, which is ignored like any other failure to report.
    let fd = unsafe { BorrowedFd::borrow_raw(2) };
    let mut bytes = line.0.as_bytes();
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes = &bytes[n..],
        }
    }
}
