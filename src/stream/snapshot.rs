//! [`Snapshot`]: the stream's positions and their timestamp from one moment, for the
//! device's clock ([`DeviceClock`](crate::DeviceClock)) and for an exact delay.

use super::kernel::Kernel;
use super::{Direction, MmapStream, State, StreamDirection, Timestamp};
use crate::error::{Error, Result};
use crate::ring;
use crate::sample::Sample;
use crate::transport::{RawStatus, TransportKind};

/// Reads of a live status page before giving up on two that agree.
const READS: usize = 4;

/// The stream's pointers, delay and timestamps from one status update of the kernel, so that
/// the delay and the position belong to the timestamp (not reads from two moments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Snapshot {
    /// State.
    pub state: State,
    /// Hardware pointer (wraps at the boundary): feed it to
    /// [`DeviceClock::update`](crate::DeviceClock::update) with `timestamp`.
    pub hw_ptr: u64,
    /// Application pointer (wraps at the boundary).
    pub appl_ptr: u64,
    /// Frames between the application pointer and the hardware at `timestamp`: queued for
    /// playback (0 once the hardware has passed the application pointer), filled for
    /// capture. The driver's own FIFO or codec delay is not in it.
    pub delay: u64,
    /// When the kernel took `hw_ptr`, on [`Setup::timestamp_clock`](crate::Setup::timestamp_clock).
    pub timestamp: Timestamp,
    /// The audio timestamp of that update.
    pub audio_timestamp: Timestamp,
}

impl Timestamp {
    /// The timestamp in nanoseconds (saturating far beyond any clock's range).
    pub fn nanos(&self) -> i64 {
        self.sec.saturating_mul(1_000_000_000).saturating_add(self.nsec)
    }
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// The positions, delay and timestamps of the kernel's last status update, as one
    /// [`Snapshot`]. No system call: on the `SYNC_PTR` transport the record of the last
    /// exchange (each period's, in [`MmapStream::run`]), which the kernel filled at once;
    /// on mapped pages the live page, read until two reads agree, so that no field comes
    /// from another update (alsa-lib's `snd_pcm_hw_htimestamp` does the same).
    /// [`MmapStream::status`] asks the driver for a fresh position first.
    ///
    /// # Errors
    /// [`Error::BadKernelValue`] for a state or pointer out of
    /// range.
    pub fn snapshot(&self) -> Result<Snapshot> {
        let status = self.stable_status();
        let (hw, appl) = (status.hw_ptr, self.kernel.appl_ptr());
        let boundary = self.setup.boundary;
        if hw >= boundary || appl >= boundary {
            return Err(Error::BadKernelValue);
        }
        let delay = if D::DIRECTION == Direction::Capture {
            ring::capture_avail(hw, appl, boundary)
        } else {
            ring::playback_queued(hw, appl, self.frames_in_buffer(), boundary)
        };
        let (timestamp, audio_timestamp) = Self::timestamps_of(&status);
        Ok(Snapshot {
            state: State::from_raw(status.state)?,
            hw_ptr: hw,
            appl_ptr: appl,
            delay,
            timestamp,
            audio_timestamp,
        })
    }

    /// The status record, read until two reads agree when it is a live page.
    fn stable_status(&self) -> RawStatus {
        let mut status = self.kernel.status();
        if self.kernel.transport_kind() == TransportKind::Mapped {
            for _ in 0..READS {
                let again = self.kernel.status();
                if again == status {
                    break;
                }
                status = again;
            }
        }
        status
    }
}
