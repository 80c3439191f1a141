//! The lifecycle commands (prepare, start, stop, drain, pause, reset, resume) and the
//! recovery from faults.

use crate::error::{Error, Result};
use crate::pcm::Command;
use crate::sample::Sample;
use crate::sys::{self};

use super::{
    resume, Direction, Kernel, MmapStream, State, StreamDirection, XrunPolicy, MAX_RECOVERIES_WITHOUT_PERIOD,
};

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// `PREPARE`: ready the stream to start again after setup, stop, drain or an xrun.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_PREPARE` (`ESTRPIPE` while suspended),
    /// [`Error::Disconnected`] when the device is gone.
    pub fn prepare(&mut self) -> Result<()> {
        self.kernel.command(Command::Prepare)?;
        self.prepared()
    }

    /// After a PREPARE: the fault is over, the kernel moved the application pointer, and
    /// the silence a drain asked for is taken back before the stream starts again.
    pub(super) fn prepared(&mut self) -> Result<()> {
        self.fault_counted = None;
        #[cfg(any(feature = "timer", test))]
        self.timer_prepared();
        self.restore_sw_params()?;
        self.moved()
    }

    /// After the kernel moved the application pointer (prepare, drop, drain, reset): nothing
    /// handed out by `begin` can be committed any more, and the pointer is read back.
    pub(super) fn moved(&mut self) -> Result<()> {
        self.begun = 0;
        self.refresh()
    }

    /// `START`: start the stream now.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_START` (`EPIPE` for a playback stream with nothing
    /// queued, `EBADFD` when not prepared).
    pub fn start(&mut self) -> Result<()> {
        self.refresh()?;
        self.kernel.command(Command::Start)?;
        self.refresh()
    }

    /// `DROP`: stop now, dropping what is queued. Call [`MmapStream::prepare`] to start
    /// again.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_DROP`.
    pub fn stop(&mut self) -> Result<()> {
        self.kernel.command(Command::Drop)?;
        self.moved()
    }

    /// `DRAIN`: for playback, block until everything queued has been played, then stop; for
    /// capture, stop. A prepared playback stream with queued frames is started first by the
    /// kernel. Call [`MmapStream::prepare`] to start again.
    ///
    /// Like alsa-lib's `snd_pcm_drain`, playback first asks the kernel to fill silence after
    /// the queued frames, to the next period boundary and 100 ms beyond (one `SW_PARAMS`,
    /// undone by the next prepare), unless the driver drains perfectly
    /// (`SNDRV_PCM_INFO_PERFECT_DRAIN`): most hardware stops at a period interrupt, and
    /// would otherwise play what an earlier lap left in the buffer after the end.
    ///
    /// A stream in an xrun, suspended or gone is not drained: its fault is returned, as
    /// alsa-lib's `snd_pcm_drain` does (the kernel's `DRAIN` would end an xrun in SETUP
    /// and succeed, losing the news of the underrun). A running playback stream with
    /// nothing queued has underrun, unseen so far: the kernel finds it when the drain's
    /// silence is set (`snd_pcm_sw_params` checks the stop threshold of a running stream),
    /// and the drain is [`Error::Xrun`], as alsa-lib's since 1.2.9 (docs/oracle.md).
    ///
    /// # Errors
    /// The stream's fault ([`Error::Xrun`], [`Error::Suspended`], [`Error::Disconnected`]);
    /// the [`Error::Sys`] of `SNDRV_PCM_IOCTL_DRAIN` (`EIO` when the kernel gave up waiting
    /// for a device that does not move: the stream is then set up, not drained).
    pub fn drain(&mut self) -> Result<()> {
        self.refresh()?;
        let silenced = self.silence_for_drain();
        if silenced.is_err() {
            // The kernel may have found the underrun (EPIPE): read the state it left.
            self.refresh()?;
        }
        if let Some(fault) = self.note_fault(self.cached_state()?) {
            return Err(fault);
        }
        silenced?;
        #[cfg(any(feature = "timer", test))]
        if self.timer.is_some() && D::DIRECTION == Direction::Playback {
            return self.timer_drain();
        }
        self.kernel.command(Command::Drain)?;
        self.moved()
    }

    /// `PAUSE`: pause (`true`) or release (`false`) a running stream, when
    /// [`Setup::can_pause`](super::Setup::can_pause).
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_PAUSE` (`ENOSYS` when the device cannot pause:
    /// [`Setup::can_pause`](super::Setup::can_pause)).
    pub fn pause(&mut self, pause: bool) -> Result<()> {
        self.kernel.command(Command::Pause(pause))?;
        self.refresh()
    }

    /// `RESET`: move the hardware and application pointers to the same place, dropping
    /// queued frames without stopping.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_RESET`.
    pub fn reset(&mut self) -> Result<()> {
        self.kernel.command(Command::Reset)?;
        self.moved()
    }

    /// `RESUME` after a suspend; falls back to `PREPARE` when the driver cannot resume
    /// (`ENOSYS`) or does not wake up.
    ///
    /// # Errors
    ///
    /// [`Error::BadState`] when the stream is not suspended: nothing is resumed or prepared,
    /// so queued frames stay queued; [`Error::Disconnected`] when the device is gone. The
    /// errors of `PREPARE` in the fallback.
    pub fn resume(&mut self) -> Result<()> {
        let state = self.state()?;
        if state != State::Suspended {
            return Err(Error::BadState(state));
        }
        let kernel = core::cell::RefCell::new(&mut self.kernel);
        let resumed = resume::resume_or_prepare(
            || kernel.borrow_mut().command(Command::Resume),
            || kernel.borrow_mut().command(Command::Prepare),
            || sys::sleep_ms(10),
        )?;
        match resumed {
            resume::Resumed::Resumed => {
                self.fault_counted = None;
                self.moved()
            }
            resume::Resumed::Prepared => self.prepared(),
        }
    }

    /// Recovers from [`Error::Xrun`] (prepare) or [`Error::Suspended`] (resume or prepare);
    /// a capture stream is started again. Other errors are returned as they are.
    ///
    /// # Errors
    /// `error` itself when it is not an xrun or a suspend, [`Error::Disconnected`] when the
    /// device is gone, the [`Error::Sys`] of the resume or prepare.
    pub fn recover(&mut self, error: Error) -> Result<()> {
        match error {
            Error::Xrun => self.prepare()?,
            Error::Suspended => self.resume()?,
            other => return Err(other),
        }
        if D::DIRECTION == Direction::Capture && self.cached_state()? == State::Prepared {
            self.start()?;
        }
        Ok(())
    }

    /// Handles the state before a period: recovers per the policy from an xrun or suspend.
    /// Returns the state to go on with.
    pub(super) fn check_state(&mut self) -> Result<State> {
        loop {
            let state = self.cached_state()?;
            let fault = match self.note_fault(state) {
                Some(Error::Disconnected) => return Err(Error::Disconnected),
                Some(fault) => fault,
                None if matches!(state, State::Prepared | State::Running) => return Ok(state),
                None => return Err(Error::BadState(state)),
            };
            self.handle_fault(fault)?;
        }
    }

    /// Recovers from `fault` under [`XrunPolicy::Recover`], returns it under `Fail`, and
    /// under `Recover` too once [`MAX_RECOVERIES_WITHOUT_PERIOD`] recoveries served no
    /// period.
    pub(super) fn handle_fault(&mut self, fault: Error) -> Result<()> {
        self.unserved_recoveries += 1;
        if self.policy == XrunPolicy::Fail || self.unserved_recoveries > MAX_RECOVERIES_WITHOUT_PERIOD {
            self.unserved_recoveries = 0;
            return Err(fault);
        }
        self.recover(fault)
    }
}
