//! Sharing a stream with the rest of a program: its descriptor for an event loop
//! ([`AsFd`]), and a [`StatusReader`] that another thread may hold.

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{Direction, MmapStream, State, Status, StreamDirection, Timestamp};
use crate::error::{Error, Op, Result};
use crate::ring;
use crate::sample::Sample;
use crate::transport::Transport;

/// The device descriptor, to poll it in another event loop (as [`MmapStream::fd`]).
impl<S: Sample, D: StreamDirection> AsFd for MmapStream<S, D> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

/// Reads a stream's status from another thread: a UI showing the position, a watchdog.
///
/// It holds its own duplicate of the device descriptor and reads the status with one
/// `SNDRV_PCM_IOCTL_SYNC_PTR` that writes nothing (the application pointer and `avail_min`
/// are read back, never published) after one asking the driver for its position, so it
/// cannot disturb the stream, whatever the stream's transport. It shares no memory with the
/// stream (not even the mapped status page), so it is `Send` and `Sync` and may outlive the
/// stream: the device stays open until the reader is dropped too, and reads then report the
/// stream's last state.
///
/// ```no_run
/// use alsa_direct::{Config, Format, MmapStream, Playback};
/// let stream = MmapStream::<i16, Playback>::open("hw:0,0", &Config::new(Format::S16Le, 2, 48_000))?;
/// let reader = stream.status_reader()?;
/// std::thread::spawn(move || {
///     while let Ok(status) = reader.read() {
///         println!("{:?} at frame {}", status.state, status.hw_ptr);
///         std::thread::sleep(std::time::Duration::from_millis(100));
///     }
/// });
/// # Ok::<(), alsa_direct::Error>(())
/// ```
#[derive(Debug)]
pub struct StatusReader {
    fd: OwnedFd,
    direction: Direction,
    buffer_size: u64,
    boundary: u64,
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// A [`StatusReader`] over a duplicate of this stream's descriptor, for another thread.
    ///
    /// # Errors
    /// [`Error::Sys`] with [`Op::Dup`] when the descriptor cannot be duplicated (`EMFILE`).
    pub fn status_reader(&self) -> Result<StatusReader> {
        let fd = rustix::io::fcntl_dupfd_cloexec(self.fd(), 0).map_err(|e| Error::sys(Op::Dup, e))?;
        Ok(StatusReader {
            fd,
            direction: D::DIRECTION,
            buffer_size: u64::from(self.setup.negotiated.buffer_size),
            boundary: self.setup.boundary,
        })
    }
}

impl StatusReader {
    /// The stream's status now: its state, the driver's position, the application pointer,
    /// the frames available and the timestamps (two ioctls).
    ///
    /// # Errors
    /// [`Error::Disconnected`] once the device is gone, [`Error::Sys`] with [`Op::SyncPtr`]
    /// when the kernel refuses the read otherwise, [`Error::BadKernelValue`] for a state or
    /// pointer out of range.
    pub fn read(&self) -> Result<Status> {
        let snapshot = Transport::snapshot(self.fd.as_fd())?;
        let raw = snapshot.status();
        let (hw_ptr, appl_ptr) = (raw.hw_ptr, snapshot.appl_ptr());
        if hw_ptr >= self.boundary || appl_ptr >= self.boundary {
            return Err(Error::BadKernelValue);
        }
        Ok(Status {
            state: State::from_raw(raw.state)?,
            hw_ptr,
            appl_ptr,
            avail: match self.direction {
                Direction::Capture => ring::capture_avail(hw_ptr, appl_ptr, self.boundary),
                Direction::Playback => {
                    ring::playback_avail(hw_ptr, appl_ptr, self.buffer_size, self.boundary)
                }
            },
            timestamp: Timestamp {
                sec: raw.tstamp_sec,
                nsec: raw.tstamp_nsec,
            },
            audio_timestamp: Timestamp {
                sec: raw.audio_tstamp_sec,
                nsec: raw.audio_tstamp_nsec,
            },
        })
    }
}

impl AsFd for StatusReader {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
