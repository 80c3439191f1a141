//! Logging as the std `tone` does: RFC 3164 lines (`<PRI>fw-tone[PID]: message`, facility
//! user) to syslog's `/dev/log` over a unix datagram socket, or to stderr when there is no
//! syslog.
//!
//! Lines are put together from [`Piece`]s in a fixed buffer (heapless; a longer line is cut)
//! rather than with `core::fmt`: its formatting machinery alone is a sixth of the size budget.

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

/// A line being put together: what does not fit is dropped.
#[derive(Default)]
pub struct Line(heapless::String<LINE>);

impl Line {
    /// The text so far.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Appends as much of `s` as fits, cut at a character boundary.
    pub fn push(&mut self, s: &str) {
        let mut end = s.len().min(LINE - self.0.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        // `get` rather than indexing: no panic path (with its formatting code) is linked in.
        if let Some(fits) = s.get(..end) {
            let _ = self.0.push_str(fits);
        }
    }

    /// Appends `n` in decimal.
    pub fn push_u64(&mut self, n: u64) {
        let digits = decimal_digits(n);
        // Without its leading zeros (`0` stays).
        let first = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len() - 1);
        self.push(ascii(digits.get(first..).unwrap_or_default()));
    }
}

/// The 20 decimal digits of `n` as ASCII, leading zeros included, found by subtracting powers
/// of ten: no 64-bit division or remainder, which are library calls on 32-bit ARM.
pub fn decimal_digits(n: u64) -> [u8; 20] {
    let mut digits = [b'0'; 20];
    let mut rest = n;
    for (digit, &power) in digits.iter_mut().zip(POWERS_OF_TEN.iter().rev()) {
        while rest >= power {
            rest -= power;
            *digit += 1;
        }
    }
    digits
}

/// ASCII digits as text (they are valid UTF-8).
pub fn ascii(digits: &[u8]) -> &str {
    core::str::from_utf8(digits).unwrap_or("")
}

/// 10^0 to 10^19.
const POWERS_OF_TEN: [u64; 20] = {
    let mut powers = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        powers[i] = powers[i - 1] * 10;
        i += 1;
    }
    powers
};

/// Something that can be put into a log line.
pub trait Piece {
    /// Appends this to `line`.
    fn put(&self, line: &mut Line);
}

impl Piece for &str {
    fn put(&self, line: &mut Line) {
        line.push(self);
    }
}

impl Piece for u64 {
    fn put(&self, line: &mut Line) {
        line.push_u64(*self);
    }
}

impl Piece for u32 {
    fn put(&self, line: &mut Line) {
        line.push_u64(u64::from(*self));
    }
}

impl Piece for usize {
    fn put(&self, line: &mut Line) {
        line.push_u64(*self as u64);
    }
}

impl Piece for alsa_direct::Format {
    fn put(&self, line: &mut Line) {
        line.push(self.name());
    }
}

impl Piece for alsa_direct::TransportKind {
    fn put(&self, line: &mut Line) {
        line.push(self.name());
    }
}

impl Piece for alsa_direct::Errno {
    fn put(&self, line: &mut Line) {
        match self.name() {
            Some(name) => line.push(name),
            None => {
                line.push("errno ");
                line.push_u64(u64::from(self.0.unsigned_abs()));
            }
        }
    }
}

/// A library error in few words: the failed operation and its errno for a system call, the
/// kind of error otherwise. The library's `Display` adds advice to each message; its texts
/// and their formatting (about 6 KiB) would not fit the firmware's size budget.
impl Piece for alsa_direct::Error {
    fn put(&self, line: &mut Line) {
        match self {
            alsa_direct::Error::Sys { op, errno } => {
                put_op(*op, line);
                line.push(" failed: ");
                errno.put(line);
            }
            alsa_direct::Error::Unsupported { .. } => line.push("the device does not support this setup"),
            alsa_direct::Error::BadDeviceName => line.push("bad device name (hw:CARD,DEVICE[,SUBDEVICE])"),
            // The rest, rarer, by name only in the std build: their texts cost the budget.
            _ => line.push("stream or setup error (see alsa_direct::Error)"),
        }
    }
}

/// The kernel name of an operation fw-tone can fail in: opening and setting up the device,
/// mapping it, starting, waiting for periods, draining, `--realtime`. Any other as `op #N`,
/// `N` its [`alsa_direct::Op::code`]: the library's [`alsa_direct::Op::name`] table, with the
/// mixer and control operations fw-tone never uses, is 1.3 KiB of the size budget.
fn put_op(op: alsa_direct::Op, line: &mut Line) {
    // A table searched rather than a `match`: its jump table and arms are twice the size.
    match OPS.iter().find(|&&(known, _, _)| known == op) {
        Some(&(_, pcm_ioctl, name)) => {
            if pcm_ioctl {
                line.push("SNDRV_PCM_IOCTL_");
            }
            line.push(name);
        }
        None => {
            line.push("op #");
            line.push_u64(u64::from(op.code()));
        }
    }
}

/// The operations [`put_op`] names: each with whether it is a `SNDRV_PCM_IOCTL_` (the prefix
/// stored once) and its name.
const OPS: [(alsa_direct::Op, bool, &str); 19] = {
    use alsa_direct::Op;
    [
        (Op::OpenPcm, false, "open(pcm)"),
        (Op::OpenControl, false, "open(control)"),
        (Op::SetBlocking, false, "fcntl(F_SETFL)"),
        (Op::PcmVersion, true, "PVERSION"),
        (Op::UserVersion, true, "USER_PVERSION"),
        (Op::PcmInfo, true, "INFO"),
        (Op::HwRefine, true, "HW_REFINE"),
        (Op::HwParams, true, "HW_PARAMS"),
        (Op::SwParams, true, "SW_PARAMS"),
        (Op::MapBuffer, false, "mmap(DMA buffer)"),
        (Op::MapStatus, false, "mmap(status page)"),
        (Op::MapControl, false, "mmap(control page)"),
        (Op::SyncPtr, true, "SYNC_PTR"),
        (Op::Prepare, true, "PREPARE"),
        (Op::Start, true, "START"),
        (Op::Drain, true, "DRAIN"),
        (Op::Poll, false, "epoll_pwait"),
        (Op::LockMemory, false, "mlockall"),
        (Op::SetScheduler, false, "sched_setscheduler(SCHED_FIFO)"),
    ]
};

/// `say!(log, severity, piece, ...)`: logs the pieces put together as one line.
#[macro_export]
macro_rules! say {
    ($log:expr, $severity:expr, $($piece:expr),+ $(,)?) => {
        {
            // Each piece put in turn (a call each) rather than a slice of trait objects built
            // first: less code for every line in the firmware.
            let mut line = $crate::log::Line::default();
            $($crate::log::Piece::put(&$piece, &mut line);)+
            $log.send($severity, line.as_str())
        }
    };
}

/// Syslog over `/dev/log`, or stderr.
pub struct Log {
    socket: Option<OwnedFd>,
    pid: u32,
}

impl Log {
    /// Connects to `/dev/log`; without it every line goes to stderr.
    pub fn open() -> Log {
        let socket = net::socket(AddressFamily::UNIX, SocketType::DGRAM, None)
            .ok()
            .filter(|fd| SocketAddrUnix::new(c"/dev/log").is_ok_and(|addr| net::connect(fd, &addr).is_ok()));
        Log {
            socket,
            pid: rustix::process::getpid().as_raw_nonzero().get() as u32,
        }
    }

    /// Logs the `pieces` as one line at `severity` with facility user (1).
    pub fn log(&self, severity: Severity, pieces: &[&dyn Piece]) {
        let mut message = Line::default();
        for piece in pieces {
            piece.put(&mut message);
        }
        self.send(severity, message.as_str());
    }

    /// Logs `message` as one line at `severity` with facility user (1).
    pub fn send(&self, severity: Severity, message: &str) {
        let sent = self.socket.as_ref().is_some_and(|socket| {
            let mut line = Line::default();
            line.push("<");
            line.push_u64(u64::from(8 + severity as u32));
            line.push(">");
            line.push(TAG);
            line.push("[");
            line.push_u64(u64::from(self.pid));
            line.push("]: ");
            line.push(message);
            net::send(socket, line.0.as_bytes(), SendFlags::empty()).is_ok()
        });
        if !sent {
            stderr(&[&TAG, &": ", &message, &"\n"]);
        }
    }
}

/// Writes the `pieces` to stderr (file descriptor 2) as one write, cut at the line length.
pub fn stderr(pieces: &[&dyn Piece]) {
    let mut line = Line::default();
    for piece in pieces {
        piece.put(&mut line);
    }
    // SAFETY: descriptor 2 is only borrowed for this write; if it is closed the write fails
    // with EBADF, which is ignored like any other failure to report.
    let fd = unsafe { BorrowedFd::borrow_raw(2) };
    let mut bytes = line.0.as_bytes();
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_decimal_without_division() {
        for n in [0, 7, 10, 48_000, 1_000_000_007, u64::from(u32::MAX) + 1, u64::MAX] {
            let mut line = Line::default();
            line.push_u64(n);
            assert_eq!(line.as_str(), n.to_string());
        }
    }

    #[test]
    fn a_long_line_is_cut_at_a_character() {
        let mut line = Line::default();
        line.push(&"a".repeat(LINE - 1));
        line.push("\u{e9}");
        assert_eq!(line.as_str().len(), LINE - 1);
        line.push("b");
        assert_eq!(line.as_str().len(), LINE);
    }

    #[test]
    fn errors_in_few_words() {
        let mut line = Line::default();
        alsa_direct::Error::Sys {
            op: alsa_direct::Op::HwParams,
            errno: alsa_direct::Errno::INVAL,
        }
        .put(&mut line);
        assert_eq!(line.as_str(), "SNDRV_PCM_IOCTL_HW_PARAMS failed: EINVAL");
    }

    #[test]
    fn operations_by_their_kernel_name_or_number() {
        use alsa_direct::Op;
        // The names given are the library's own.
        for op in [
            Op::OpenPcm,
            Op::SwParams,
            Op::MapStatus,
            Op::Drain,
            Op::Poll,
            Op::SetScheduler,
        ] {
            let mut line = Line::default();
            put_op(op, &mut line);
            assert_eq!(line.as_str(), op.name());
        }
        let mut line = Line::default();
        put_op(Op::ElemWrite, &mut line);
        assert_eq!(line.as_str(), format!("op #{}", Op::ElemWrite.code()));
        assert_ne!(Op::ElemWrite.code(), Op::ElemRead.code());
    }
}
