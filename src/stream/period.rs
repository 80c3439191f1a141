//! The period loop: acquiring a period, handing it to the callback, committing it; and
//! `commit` for frames `begin` handed out.

use core::ops::ControlFlow;

use crate::error::{Errno, Error, Op, Result};
use crate::ring;
use crate::sample::Sample;
use crate::sys::Readiness;

use super::{Direction, Kernel, MmapStream, PeriodInfo, State, StreamDirection};

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Blocks until a whole period at the application pointer is free (playback) or filled
    /// (capture), realigning the pointer to a period boundary first if low-level calls left
    /// it elsewhere. Returns the application pointer at the start of the period; `None`
    /// when not `blocking`, where it returns instead of waiting (with the kernel's
    /// `avail_min` set so that a poll of the descriptor wakes when the period is there), and
    /// after a recovery when `blocking`, so that the caller looks at its stop flag.
    pub(super) fn acquire_period(&mut self, blocking: bool) -> Result<Option<u64>> {
        let period = self.period();
        // Frames a wakeup proved available although the cached `SYNC_PTR` status predates it:
        // the kernel wakes the stream only once it has `avail_min` frames, and `avail_min` is
        // set to what the loop needs before it waits. No ioctl is needed to know.
        let mut proven = 0;
        if (self.linked.get() || !blocking) && self.syncs_pointers() {
            // A partner's prepare, drop or reset may have moved the pointers since the last
            // exchange: what the cached record says free or filled may not be. Without a
            // wait, a fresh status is the only way to see new frames.
            self.refresh()?;
        }
        loop {
            let recoveries = self.unserved_recoveries;
            let state = self.check_state()?;
            if blocking && self.unserved_recoveries != recoveries {
                return Ok(None);
            }
            let appl = self.pointers()?.1;
            let avail = self.cached_avail()?.max(proven);
            let misaligned = ring::to_period_boundary(appl, period);
            // Past the hardware in a stream that keeps running: an xrun, skipped.
            #[cfg(feature = "keep-running")]
            let late = self.late_by(avail, appl);
            #[cfg(not(feature = "keep-running"))]
            let late = 0;
            let needed = if misaligned == 0 { period } else { misaligned };
            #[cfg(any(feature = "timer", test))]
            let needed = self.timer_needed(needed);
            if avail >= needed {
                if misaligned == 0 && late == 0 {
                    return Ok(Some(appl));
                }
                self.skip(misaligned.max(late))?;
                proven = 0;
                continue;
            }
            if D::DIRECTION == Direction::Capture && state == State::Prepared {
                self.start()?;
                continue;
            }
            if !blocking {
                self.wake_at(needed.max(self.setup.avail_min))?;
                return Ok(None);
            }
            #[cfg(any(feature = "timer", test))]
            if self.timer.is_some() {
                self.timer_wait(needed, state)?;
                continue;
            }
            proven = self.wait_for(needed)?;
        }
    }

    /// Waits until the kernel has `needed` frames (or the stream's own `avail_min`, when
    /// larger) and returns how many the wakeup proves available beyond the cached status.
    pub(super) fn wait_for(&mut self, needed: u64) -> Result<u64> {
        let threshold = needed.max(self.setup.avail_min);
        if self.kernel.avail_min() != threshold {
            // Mapped: in force at once. SYNC_PTR: published with a fresh status, which may
            // already hold enough; look again before sleeping.
            self.wake_at(threshold)?;
            if self.syncs_pointers() {
                return Ok(0);
            }
        }
        match self.kernel.wait(self.setup.timeout_ms)? {
            Readiness::Ready if self.syncs_pointers() => Ok(threshold),
            // Mapped: the status page is live.
            Readiness::Ready => Ok(0),
            Readiness::Error => {
                self.refresh()?;
                Ok(0)
            }
            Readiness::TimedOut => Err(Error::Timeout),
        }
    }

    /// Moves the application pointer over `frames` without handing them to the callback:
    /// silence for playback, discarded for capture.
    pub(super) fn skip(&mut self, frames: u64) -> Result<()> {
        let appl = self.pointers()?.1;
        if D::DIRECTION == Direction::Playback {
            let buffer = self.frames_in_buffer();
            let offset = ring::offset(appl, buffer);
            self.samples_mut(offset, frames).fill(S::SILENCE);
            // A keep-running catch-up may wrap around the end of the buffer: what the
            // hardware plays before the next period must be silence there too. Linux 6.5
            // and later do not silence behind a hardware pointer that has passed the
            // application pointer, and the frames there may be a period written before the
            // program was late (one buffer old by now).
            #[cfg(feature = "keep-running")]
            {
                let wrapped = (offset + frames.min(buffer)).saturating_sub(buffer);
                self.samples_mut(0, wrapped).fill(S::SILENCE);
            }
        }
        self.advance(appl, frames)
    }

    /// Commits `frames` after the application pointer `from` (where they were handed out)
    /// and publishes it with a status refresh: the only system call of a period on the
    /// `SYNC_PTR` path, none when mapped. Nothing is published when the pointer is no longer
    /// at `from` (see [`MmapStream::still_ours`]).
    pub(super) fn advance(&mut self, from: u64, frames: u64) -> Result<()> {
        if !self.still_ours(from)? {
            return Ok(());
        }
        let appl = ring::advance(self.pointers()?.1, frames, self.setup.boundary);
        match self.kernel.commit(appl) {
            Ok(()) => {}
            Err(Error::Sys {
                op: Op::SyncPtr,
                errno,
            }) if errno == Errno::PIPE => return self.commit_refused(),
            Err(e) => return Err(e),
        }
        self.position = self.position.saturating_add(frames);
        let state = self.cached_state()?;
        self.note_fault(state);
        if D::DIRECTION == Direction::Playback && state == State::Prepared {
            let (hw, appl) = self.pointers()?;
            let queued = ring::playback_queued(hw, appl, self.frames_in_buffer(), self.setup.boundary);
            if queued >= self.setup.start_threshold {
                self.start()?;
            }
        }
        Ok(())
    }

    /// Tells whether the application pointer is still at `from`, where frames were handed
    /// out. A linked partner's prepare, drop or reset moves it in the kernel: then what was
    /// handed out is dropped rather than published over the kernel's pointer. Mapped, the
    /// control page is live and read as it is (no system call); a linked stream on
    /// `SYNC_PTR` reads the pointer back first (one).
    pub(super) fn still_ours(&mut self, from: u64) -> Result<bool> {
        if self.linked.get() && self.syncs_pointers() {
            self.refresh()?;
        }
        let ours = self.kernel.appl_ptr() == from;
        if !ours {
            self.begun = 0;
            let state = self.cached_state()?;
            self.note_fault(state);
        }
        Ok(ours)
    }

    /// The kernel refused the new application pointer with `EPIPE` (a driver's `ack`): an
    /// xrun, counted and handled per the policy. The cached pointer is the kernel's.
    pub(super) fn commit_refused(&mut self) -> Result<()> {
        self.begun = 0;
        self.refresh()?;
        self.note_fault(State::Xrun);
        self.handle_fault(Error::Xrun)
    }

    /// The period loop of both directions: waits for each period, hands its samples to
    /// `callback` and commits it, until the callback breaks (its value is returned) or, before
    /// a period, `stopped` gives a value to return.
    pub(super) fn run_periods<B>(
        &mut self,
        mut stopped: impl FnMut() -> Option<B>,
        mut callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<B> {
        loop {
            if let Some(value) = stopped() {
                return Ok(value);
            }
            if let Some(ControlFlow::Break(value)) = self.period_step(true, &mut callback)? {
                return Ok(value);
            }
        }
    }

    /// One period: acquires it (waiting when `blocking`), hands it to `callback` and commits
    /// it. `None` when not blocking and no period is there yet.
    pub(super) fn period_step<B>(
        &mut self,
        blocking: bool,
        callback: &mut impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<Option<ControlFlow<B>>> {
        // Frames handed out by `begin` before the loop can no longer be committed.
        self.begun = 0;
        let Some(appl) = self.acquire_period(blocking)? else {
            return Ok(None);
        };
        let period = self.period();
        let info = self.period_info(period);
        let offset = ring::offset(appl, self.frames_in_buffer());
        let flow = callback(self.samples_mut(offset, period), &info);
        self.unserved_recoveries = 0;
        self.advance(appl, period)?;
        Ok(Some(flow))
    }

    pub(super) fn period_info(&self, frames: u64) -> PeriodInfo {
        let status = self.kernel.status();
        let (timestamp, audio_timestamp) = Self::timestamps_of(&status);
        PeriodInfo {
            frames: frames as usize,
            channels: self.channels(),
            position: self.position,
            timestamp,
            audio_timestamp,
            xruns: self.xruns,
            hw_ptr: status.hw_ptr,
        }
    }

    /// The samples of `frames` frames from frame `offset` of the DMA buffer (cut at the end
    /// of the buffer).
    pub(super) fn samples_mut(&mut self, offset: u64, frames: u64) -> &mut [S] {
        let channels = self.channels();
        let total = self.frames_in_buffer() as usize * channels;
        let start = (offset as usize).saturating_mul(channels).min(total);
        let len = (frames as usize).saturating_mul(channels).min(total - start);
        let (buffer, _) = self.kernel.buffer();
        // SAFETY: the buffer holds at least `total` samples of `S` (checked by `assemble`
        // against its length, which `CHANNEL_INFO` vouched for at setup), `start + len <=
        // total`, the buffer is page aligned so every sample is aligned, `S` is valid for any
        // bytes (`Sample`'s contract), and the frames between the application and hardware
        // pointers are not touched by the hardware while the application owns them; the
        // borrow of `self` keeps the mapping alive and unaliased.
        unsafe { core::slice::from_raw_parts_mut(buffer.as_ptr().cast::<S>().add(start), len) }
    }

    /// Contiguous frames available from the application pointer, at most `max_frames`, as of
    /// the last status: `(offset, frames)`, none when the kernel's pointers are out of range.
    pub(super) fn contiguous(&self, max_frames: usize) -> (u64, u64) {
        let buffer = self.frames_in_buffer();
        let (Ok((_, appl)), Ok(avail)) = (self.pointers(), self.cached_avail()) else {
            return (0, 0);
        };
        let avail = avail.min(buffer).min(max_frames as u64);
        (ring::offset(appl, buffer), ring::contiguous(appl, avail, buffer))
    }

    /// Commits frames handed out by the last `begin` and publishes the application pointer
    /// (like `snd_pcm_mmap_commit`). A playback stream starts once its start threshold is
    /// queued.
    ///
    /// # Errors
    ///
    /// [`Error::CommitTooLarge`] for more frames than `begin` handed out, or when a call
    /// since that `begin` (`run`, `write`, the capture iterator, prepare, reset, drop,
    /// drain, resume) took them back; the [`Error::Sys`] of the `SYNC_PTR` that publishes
    /// the pointer. Frames a linked partner's prepare, drop or reset took back are dropped:
    /// the call succeeds and publishes nothing.
    pub fn commit(&mut self, frames: usize) -> Result<()> {
        let frames = frames as u64;
        if frames > self.begun {
            return Err(Error::CommitTooLarge);
        }
        self.begun = 0;
        self.advance(self.begun_at, frames)
    }

    /// Refuses to queue frames outside the states that take them, as of the last status (no
    /// system call), like the kernel's write and alsa-lib's `snd_pcm_mmap_writei` (its bare
    /// `snd_pcm_mmap_commit` checks no state, and neither does `commit`): the
    /// fault in a fault state, [`Error::BadState`] in OPEN or SETUP and in a draining
    /// playback stream. The fault is not counted here: the last status may predate a linked
    /// partner's recovery, and the fresh reads that follow count it.
    pub(super) fn check_queueable(&self) -> Result<()> {
        let state = self.cached_state()?;
        match state {
            State::Xrun => Err(Error::Xrun),
            State::Suspended => Err(Error::Suspended),
            State::Disconnected => Err(Error::Disconnected),
            State::Open | State::Setup => Err(Error::BadState(state)),
            State::Draining if D::DIRECTION == Direction::Playback => Err(Error::BadState(state)),
            _ => Ok(()),
        }
    }

    /// Remembers what `begin` hands out: `frames` at the application pointer now.
    pub(super) fn hand_out(&mut self, frames: u64) {
        self.begun = frames;
        self.begun_at = self.kernel.appl_ptr();
    }
}
