//! The timer-scheduled loop's state and steps (feature `timer`).

use super::super::kernel::Kernel;
use super::super::{Config, Direction, MmapStream, State, StreamDirection};
use super::Wakeups;
use crate::abi;
use crate::error::{Error, Result};
use crate::pcm::Command;
use crate::sample::Sample;

/// A timer-scheduled stream's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::stream) struct Timer {
    /// Frames to keep queued (playback), as the program last set them.
    target: u64,
    /// Frames more to keep queued on a driver whose pointer moves in steps (BATCH): a
    /// period, as PipeWire keeps.
    headroom: u64,
    /// The hardware pointer at the last wakeup, and the time slept since it last moved.
    last_hw: u64,
    stalled_ns: u64,
    /// Frames the position has been seen to trail the time slept (a driver whose pointer
    /// shows the DMA in chunks): every sleep is that much longer, so that one wakeup finds
    /// the period it slept for. At most half a period.
    lag: u64,
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Sets the timer state up after the stream was assembled, per `wakeups`.
    pub(in crate::stream) fn start_timer(&mut self, config: &Config) {
        if self.setup.wakeups != Wakeups::Timer {
            return;
        }
        let batch = self.info_flags & abi::SNDRV_PCM_INFO_BATCH != 0;
        self.timer = Some(Timer {
            target: 0,
            headroom: if batch { self.period() } else { 0 },
            last_hw: 0,
            stalled_ns: 0,
            lag: 0,
        });
        self.set_target_fill(config.target_fill);
    }

    /// The frames a timer-scheduled playback stream keeps queued (its latency), as set by
    /// [`Config::timer_scheduled`] or [`MmapStream::set_target_fill`]; `None` in period mode.
    pub fn target_fill(&self) -> Option<u64> {
        self.timer.map(|t| t.target)
    }

    /// Sets the frames a timer-scheduled playback stream keeps queued, while it runs: from
    /// the next period on it fills up to `frames` (0: the whole buffer), at least two periods
    /// (the queue runs between the target and a period less, and less by the lag a driver's
    /// position shows, at most half a period) and at most the buffer, plus a period of
    /// headroom on drivers that move their pointer in steps (`SNDRV_PCM_INFO_BATCH`).
    /// Raising it fills at once; lowering it lets the queue
    /// drain to it (call [`MmapStream::rewind`] first to lower the latency at once). Returns
    /// the target in force; nothing changes in period mode (`None`).
    pub fn set_target_fill(&mut self, frames: u32) -> Option<u64> {
        let (period, buffer) = (self.period(), self.frames_in_buffer());
        let timer = self.timer.as_mut()?;
        let frames = if frames == 0 { buffer } else { u64::from(frames) };
        timer.target = frames.clamp((2 * period).min(buffer), buffer);
        Some(timer.target)
    }

    /// After a PREPARE: a stall is counted within one run of the stream, not across the
    /// restarts of a stream that underruns at every start (either direction).
    pub(in crate::stream) fn timer_prepared(&mut self) {
        if let Some(timer) = self.timer.as_mut() {
            timer.stalled_ns = 0;
        }
    }

    /// What a timer-scheduled playback stream waits for before it fills `needed` frames:
    /// room to fill them without going over the target fill (and its headroom). `needed`
    /// itself in period mode and for capture.
    pub(in crate::stream) fn timer_needed(&self, needed: u64) -> u64 {
        match self.timer {
            Some(timer) if D::DIRECTION == Direction::Playback => {
                let buffer = self.frames_in_buffer();
                let queued_at_most = (timer.target + timer.headroom).min(buffer);
                buffer - queued_at_most + needed
            }
            _ => needed,
        }
    }

    /// A timer-scheduled stream's wait for `needed` available frames: a prepared playback
    /// stream starts (its target is queued); otherwise it sleeps until the hardware will
    /// have made them available at the nominal rate (plus the lag its position has shown),
    /// then reads the position (one sleep and one position update). [`Error::Timeout`] once
    /// the hardware pointer has not moved for the stream's timeout.
    pub(in crate::stream) fn timer_wait(&mut self, needed: u64, state: State) -> Result<()> {
        if D::DIRECTION == Direction::Playback && state == State::Prepared {
            return self.start();
        }
        let lag = self.timer.map_or(0, |t| t.lag);
        let missing = needed.saturating_sub(self.cached_avail()?);
        let rate = u64::from(self.setup.negotiated.rate.max(1));
        // At least a sixteenth of a period: a position that lags never makes a busy loop.
        let floor = self.period() * 1_000_000_000 / rate / 16;
        let nanos = (missing.saturating_add(lag).saturating_mul(1_000_000_000) / rate).max(floor);
        self.kernel.sleep(nanos);
        self.kernel.hwsync()?;
        let hw = self.kernel.status().hw_ptr;
        let short = needed.saturating_sub(self.cached_avail()?);
        let limit_ns = u64::from(self.setup.timeout_ms) * 1_000_000;
        let half_period = self.period() / 2;
        let Some(timer) = self.timer.as_mut() else {
            return Ok(());
        };
        if missing > 0 {
            timer.lag = lag.saturating_add(short).min(half_period);
        }
        if hw != timer.last_hw {
            timer.last_hw = hw;
            timer.stalled_ns = 0;
        } else {
            timer.stalled_ns = timer.stalled_ns.saturating_add(nanos);
            if timer.stalled_ns > limit_ns {
                return Err(Error::Timeout);
            }
        }
        Ok(())
    }

    /// A timer-scheduled playback stream's drain: the kernel's blocking `DRAIN` would wait
    /// for a position update that no period interrupt brings, so the drain is started
    /// without waiting and the stream sleeps until the queued frames will have played, then
    /// asks for the position, until the kernel has ended the drain (its position update
    /// answers `EPIPE` when it finds the queue played, and the stream is in `SETUP`).
    /// [`Error::Timeout`] (the stream dropped) once the hardware pointer has not moved for
    /// the stream's timeout.
    pub(in crate::stream) fn timer_drain(&mut self) -> Result<()> {
        self.kernel.start_drain()?;
        let rate = u64::from(self.setup.negotiated.rate.max(1));
        let floor = self.period() * 1_000_000_000 / rate / 16;
        let limit_ns = u64::from(self.setup.timeout_ms) * 1_000_000;
        let mut stalled_ns = 0u64;
        self.refresh()?;
        while self.cached_state()? == State::Draining {
            let status = self.kernel.status();
            let queued = self.kernel.appl_ptr().wrapping_sub(status.hw_ptr) % self.setup.boundary.max(1);
            let nanos = (queued.min(self.frames_in_buffer()).saturating_mul(1_000_000_000) / rate).max(floor);
            self.kernel.sleep(nanos);
            let synced = self.kernel.hwsync();
            self.refresh()?;
            if synced.is_err() && self.cached_state()? == State::Draining {
                return synced;
            }
            if self.kernel.status().hw_ptr == status.hw_ptr {
                stalled_ns = stalled_ns.saturating_add(nanos);
                if stalled_ns > limit_ns {
                    self.kernel.command(Command::Drop)?;
                    return Err(Error::Timeout);
                }
            } else {
                stalled_ns = 0;
            }
        }
        self.begun = 0;
        Ok(())
    }
}
