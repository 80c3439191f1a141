//! Timer-scheduled streams ([`Config::timer_scheduled`]): no period interrupts
//! (`SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP`, offered by snd-hda-intel); the stream sleeps
//! until the position it computes from the last one read, keeping a target fill. Built with
//! the `timer` feature (and in the crate's own tests); without it a stream asked for timer
//! wakeups runs on period interrupts and says so ([`Wakeups::PeriodInterruptsFallback`]).

use super::Config;
use crate::params::HwParams;

/// How a stream is woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Wakeups {
    /// By the period interrupt: the stream polls its descriptor.
    PeriodInterrupts,
    /// By its own timer, from the position: the driver raises no period interrupt.
    Timer,
    /// Timer wakeups were asked for, but the driver cannot turn its period interrupts off
    /// (no `SNDRV_PCM_INFO_NO_PERIOD_WAKEUP`): period interrupts, as in period mode.
    PeriodInterruptsFallback,
}

/// Asks `hw` for no period interrupts when `config` wants timer wakeups: what the stream
/// will do.
pub(super) fn request(config: &Config, hw: &mut HwParams) -> Wakeups {
    if !config.timer_scheduled {
        return Wakeups::PeriodInterrupts;
    }
    #[cfg(any(feature = "timer", test))]
    if hw.request_no_period_wakeup() {
        return Wakeups::Timer;
    }
    #[cfg(not(any(feature = "timer", test)))]
    let _ = hw;
    Wakeups::PeriodInterruptsFallback
}

#[cfg(any(feature = "timer", test))]
mod scheduled;
#[cfg(any(feature = "timer", test))]
pub(super) use scheduled::Timer;

#[cfg(test)]
mod tests;
